import { describe, expect, it } from 'vitest'
import type { HwEvent } from './events.js'
import { Mmu } from './mmu.js'
import type { PageFault } from './pageFault.js'
import { encodePte } from './pte.js'
import { allocateZeroed, createMachine, mapPage } from './testing/addressSpace.js'

const VA = 0x00401000

describe('mmu', () => {
  it('serves a stale translation after a PTE change without INVLPG, and the new one after it', () => {
    const { mmu, root } = createMachine()
    mmu.frames.write32(300 * 4096, 0x1111)
    mmu.frames.write32(301 * 4096, 0x2222)
    mapPage(mmu, root, VA, 300, { user: true, writable: true })
    expect(mmu.read32(VA)).toBe(0x1111)
    mapPage(mmu, root, VA, 301, { user: true, writable: true }) // rewrite the PTE, no INVLPG
    expect(mmu.read32(VA)).toBe(0x1111)
    const probe = mmu.probe(VA)
    expect(probe.result).toMatchObject({ ok: true, physicalAddress: 301 * 4096 })
    expect(probe.tlb).toEqual([
      expect.objectContaining({ tlb: 'data', translatedAddress: 300 * 4096, stale: true }),
    ])
    mmu.invlpg(VA)
    expect(mmu.read32(VA)).toBe(0x2222)
    expect(mmu.statistics().data.flushes.single).toBe(1)
  })

  it('loading CR3 flushes non-global entries and keeps global ones (CR4.PGE)', () => {
    const { mmu, root } = createMachine()
    mapPage(mmu, root, VA, 300, { user: true })
    mapPage(mmu, root, 0x80001000, 301, { global: true })
    mmu.read8(VA)
    mmu.read8(0x80001000, 'supervisor')
    expect(mmu.tlbEntries()).toHaveLength(2)
    mmu.loadCr3(root)
    expect(mmu.tlbEntries()).toEqual([expect.objectContaining({ virtualAddress: 0x80001000, global: true })])
    expect(mmu.statistics().data.flushes.nonGlobal).toBe(2)
  })

  it('without CR4.PGE the G bit is ignored and CR3 loads flush everything', () => {
    const { mmu, root } = createMachine({ control: { globalPages: false } })
    mapPage(mmu, root, 0x80001000, 301, { global: true })
    mmu.read8(0x80001000, 'supervisor')
    expect(mmu.tlbEntries()[0]!.global).toBe(false)
    mmu.loadCr3(root)
    expect(mmu.tlbEntries()).toEqual([])
  })

  it.each([
    [{ globalPages: false }],
    [{ pageSizeExtension: false }],
    [{ writeProtect: false }],
    [{ paging: false }],
    [{ physicalAddressExtension: true }],
  ])('changing %j flushes every entry, global ones included', (change) => {
    const { mmu, root } = createMachine()
    mapPage(mmu, root, 0x80001000, 301, { global: true })
    mmu.read8(0x80001000, 'supervisor')
    expect(mmu.setControl(change)).toEqual({ ok: true })
    expect(mmu.tlbEntries()).toEqual([])
    expect(mmu.statistics().data.flushes.full).toBe(1)
  })

  it('changing EFER.NXE needs no flush and applies to cached entries at once', () => {
    const { mmu, root } = createMachine({ mode: 'x86-pae' })
    mapPage(mmu, root, VA, 300, { user: true, noExecute: true })
    mmu.read8(VA)
    expect(mmu.fetch(VA).ok).toBe(false)
    mapPage(mmu, root, VA, 300, { user: true })
    mmu.invlpg(VA)
    mmu.read8(VA)
    expect(mmu.setControl({ noExecute: false })).toEqual({ ok: true })
    expect(mmu.statistics().data.flushes.full).toBe(0)
    expect(mmu.fetch(VA).ok).toBe(true)
  })

  it('INVLPG removes a large-page entry given any address inside the page', () => {
    const { mmu, root } = createMachine({ frames: 2048 })
    mapPage(mmu, root, 0x00800000, 1024, { user: true }, { leafLevel: 2 })
    mmu.read8(0x00812345)
    expect(mmu.tlbEntries()).toEqual([
      expect.objectContaining({ pageSize: 0x400000, virtualAddress: 0x00800000 }),
    ])
    mmu.invlpg(0x00bff000)
    expect(mmu.tlbEntries()).toEqual([])
  })

  it('a #PF invalidates the faulting page: a spurious fault from a stale read-only entry is fixed by a retry', () => {
    const { mmu, root } = createMachine()
    mapPage(mmu, root, VA, 300, { user: true, writable: false })
    expect(mmu.read8(VA)).toBe(0)
    mapPage(mmu, root, VA, 300, { user: true, writable: true }) // upgraded without INVLPG
    const faults: PageFault[] = []
    mmu.setFaultHandler((fault) => {
      faults.push(fault)
      return { retry: true } // the OS sees a valid writable PTE: a spurious fault, just retry
    })
    expect(mmu.write8(VA, 5)).toBe(true)
    expect(faults).toEqual([expect.objectContaining({ errorCode: 0x7, isNotPresent: false, address: VA })])
    expect(mmu.read8(VA)).toBe(5)
  })

  it('retries the access after the fault handler maps the page (demand paging)', () => {
    const { mmu, root } = createMachine()
    const calls: PageFault[] = []
    mmu.setFaultHandler((fault) => {
      calls.push(fault)
      mapPage(mmu, root, fault.address, allocateZeroed(mmu), { user: true, writable: true })
      return { retry: true }
    })
    expect(mmu.write32(VA + 8, 42)).toBe(true)
    expect(mmu.read32(VA + 8)).toBe(42)
    expect(calls).toEqual([
      expect.objectContaining({
        address: VA + 8,
        isNotPresent: true,
        isWrite: true,
        isUser: true,
        access: 'write',
        mode: 'user',
      }),
    ])
    expect(mmu.cr2).toBe(VA + 8)
  })

  it('bounds the retries: a handler that never fixes the fault gets 8 calls, then the fault returns', () => {
    const { mmu } = createMachine()
    let calls = 0
    mmu.setFaultHandler(() => {
      calls++
      return { retry: true }
    })
    const result = mmu.read(VA, 4)
    expect(result).toMatchObject({ ok: false, fault: { kind: 'page-fault', isNotPresent: true } })
    expect(calls).toBe(8)
    expect(mmu.state.faultCount).toBe(9)
  })

  it('returns the fault to the caller when the handler answers retry: false', () => {
    const { mmu } = createMachine()
    mmu.setFaultHandler(() => ({ retry: false }))
    expect(mmu.read32(VA)).toBe(-1)
    expect(mmu.lastFault).toMatchObject({ kind: 'page-fault', address: VA })
  })

  it("hands the handler's response back in a failed access's result", () => {
    const { mmu } = createMachine()
    const handler = (fault: PageFault) => ({ retry: false, reason: `no page at ${fault.address}` })
    const typed = mmu as unknown as Mmu<ReturnType<typeof handler>>
    typed.setFaultHandler(handler)
    const read = typed.read(VA, 4)
    expect(read.ok).toBe(false)
    expect(!read.ok && read.response).toEqual({ retry: false, reason: `no page at ${VA}` })
    const write = typed.write(VA, [1])
    expect(!write.ok && write.response?.reason).toBe(`no page at ${VA}`)
    // No handler: the fault comes back with no response.
    typed.setFaultHandler(undefined)
    const bare = typed.read(VA, 4)
    expect(!bare.ok && bare.response).toBeUndefined()
  })

  it('an access crossing a page boundary touches both pages and faults on the second', () => {
    const { mmu, root } = createMachine()
    mapPage(mmu, root, VA, 300, { user: true, writable: true })
    expect(mmu.write32(VA + 0xffe, 0xaabbccdd)).toBe(false)
    expect(mmu.lastFault).toMatchObject({ address: VA + 0x1000, isWrite: true })
    expect(mmu.frames.read16(300 * 4096 + 0xffe)).toBe(0) // nothing written on the first page
    mapPage(mmu, root, VA + 0x1000, 301, { user: true, writable: true })
    expect(mmu.write32(VA + 0xffe, 0xaabbccdd)).toBe(true)
    expect(mmu.read32(VA + 0xffe)).toBe(0xaabbccdd)
    expect(mmu.frames.read16(301 * 4096)).toBe(0xaabb)
    expect(mmu.read16(VA + 0xfff)).toBe(0xbbcc)
    const bytes = mmu.read(VA + 0xff0, 0x20)
    expect(bytes.ok && Array.from(bytes.data.subarray(14, 18))).toEqual([0xdd, 0xcc, 0xbb, 0xaa])
  })

  it('writes byte ranges and reads them back across pages', () => {
    const { mmu, root } = createMachine()
    for (let n = 0; n < 3; n++) mapPage(mmu, root, VA + n * 4096, 300 + n, { user: true, writable: true })
    const data = Uint8Array.from({ length: 6000 }, (_, i) => i & 0xff)
    expect(mmu.write(VA + 100, data)).toEqual({ ok: true })
    const back = mmu.read(VA + 100, 6000)
    expect(back.ok && Buffer.from(back.data).equals(data)).toBe(true)
    expect(mmu.write(VA + 0x2f00, new Uint8Array(0x200))).toMatchObject({
      ok: false,
      fault: { address: VA + 0x3000 },
    })
  })

  it('peek and probe change nothing: no A/D bit, no TLB fill, no statistic, no event', () => {
    const { mmu, root } = createMachine()
    mapPage(mmu, root, VA, 300, { user: true, writable: true })
    const events: HwEvent[] = []
    mmu.setRecorder((event) => events.push(event))
    const before = mmu.digest()
    expect(mmu.peek(VA, 16)).toMatchObject({ ok: true })
    expect(mmu.peek(VA + 0x1000, 1)).toMatchObject({ ok: false, fault: { isNotPresent: true } })
    const probe = mmu.probe(VA, { access: 'write' })
    expect(probe.levels.map((level) => [level.name, level.decoded.accessed])).toEqual([
      ['PDE', false],
      ['PTE', false],
    ])
    expect(probe.result).toMatchObject({ ok: true, physicalAddress: 300 * 4096 })
    expect(mmu.digest()).toBe(before)
    expect(events).toEqual([])
  })

  it('keeps entries per PCID: a CR3 load with noFlush keeps the other address space cached', () => {
    const { mmu, root } = createMachine({ mode: 'x64' })
    expect(mmu.setControl({ processContextIds: true })).toEqual({ ok: true })
    const other = allocateZeroed(mmu) * 4096
    mapPage(mmu, root, VA, 300, { user: true })
    mapPage(mmu, other, VA, 301, { user: true })
    mmu.loadCr3(root, { pcid: 1 })
    expect(mmu.translate(VA)).toMatchObject({ physicalAddress: 300 * 4096 })
    mmu.loadCr3(other, 2)
    expect(mmu.translate(VA)).toMatchObject({ physicalAddress: 301 * 4096 })
    const hits = mmu.statistics().data.hits
    mmu.loadCr3(root, { pcid: 1, noFlush: true })
    expect(mmu.translate(VA)).toMatchObject({ physicalAddress: 300 * 4096 })
    expect(mmu.statistics().data.hits).toBe(hits + 1)
    mmu.loadCr3(root, { pcid: 1 }) // flushes PCID 1's non-global entries only
    expect(mmu.tlbEntries().map((entry) => entry.pcid)).toEqual([2])
    expect(mmu.statistics().data.flushes.pcid).toBe(3)
  })

  it.each([
    [{ processContextIds: true }, 'x86', /PCIDE needs x64/],
    [{ paging: false }, 'x64', /paging cannot be disabled in x64/],
    [{ physicalAddressExtension: false }, 'x64', /CR4.PAE cannot be cleared/],
  ] as const)('refuses %j in %s like a #GP, changing nothing', (change, mode, reason) => {
    const { mmu } = createMachine({ mode })
    const before = mmu.digest()
    expect(mmu.setControl(change)).toEqual({ ok: false, reason: expect.stringMatching(reason) })
    expect(mmu.digest()).toBe(before)
  })

  it.each([
    [(m: Mmu) => m.setControl({ pse: true } as never), TypeError, /unknown control bit "pse"/],
    [
      (m: Mmu) => m.read32(2 ** 32),
      RangeError,
      /virtual address 4294967296 is out of range: x86 takes an integer in \[0, 2\^32\)/,
    ],
    [(m: Mmu) => m.read(-1, 4), RangeError, /virtual address -1/],
    [(m: Mmu) => m.read(0, 1.5), RangeError, /length 1.5/],
    [(m: Mmu) => m.write8(0, 300), RangeError, /value 300 does not fit 1 byte/],
    [(m: Mmu) => m.loadCr3(0x1234), RangeError, /CR3 base 4660 is invalid for x86/],
    [(m: Mmu) => m.loadCr3(0, { pcid: 3 }), RangeError, /pcid 3 needs CR4.PCIDE/],
    [(m: Mmu) => m.read8(0, 'kernel' as 'user'), RangeError, /mode "kernel"/],
    [(m: Mmu) => m.tlbEntries('second'), RangeError, /TLB level "second" does not exist/],
  ])('rejects bad input with a clear error and changes nothing (%#)', (action, type, message) => {
    const { mmu } = createMachine()
    const before = mmu.digest()
    expect(() => action(mmu)).toThrow(type)
    expect(() => action(mmu)).toThrow(message)
    expect(mmu.digest()).toBe(before)
  })

  it('rejects an invalid maxFaultRetries', () => {
    expect(() => new Mmu({ maxFaultRetries: -1 })).toThrow(/maxFaultRetries -1/)
  })

  it('uses linear addresses as physical ones while CR0.PG is clear', () => {
    const mmu = new Mmu({ control: { paging: false } })
    expect(mmu.write32(0x2000, 7)).toBe(true)
    expect(mmu.frames.read32(0x2000)).toBe(7)
    expect(mmu.translate(0x2000)).toMatchObject({ ok: true, physicalAddress: 0x2000 })
  })

  it('switches between x86 and x86-pae when CR4.PAE toggles, loading the PDPTEs', () => {
    const { mmu } = createMachine({ mode: 'x86' })
    const pdpt = allocateZeroed(mmu) * 4096
    const pd = allocateZeroed(mmu)
    mmu.frames.write64(pdpt, encodePte({ present: true, pfn: pd }, 'x86-pae').low, 0)
    mmu.loadCr3(pdpt)
    expect(mmu.setControl({ physicalAddressExtension: true })).toEqual({ ok: true })
    expect(mmu.mode).toBe('x86-pae')
    expect(mmu.state.pdptes[0]).toBe(pd * 4096 + 1)
    expect(mmu.setControl({ physicalAddressExtension: false })).toEqual({ ok: true })
    expect(mmu.mode).toBe('x86')
  })

  it('a PAE PDPTE change takes effect only at the next CR3 load', () => {
    const { mmu, root } = createMachine({ mode: 'x86-pae' })
    mapPage(mmu, root, VA, 300, { user: true })
    mmu.frames.write64(root, 0, 0) // clear PDPTE 0 in memory
    mmu.invlpg(VA)
    expect(mmu.translate(VA).ok).toBe(true) // the PDPTE register still holds the old value
    mmu.loadCr3(root)
    expect(mmu.translate(VA)).toMatchObject({ ok: false, fault: { isNotPresent: true } })
  })

  it('counts walk memory references per mode: 2 (x86), 2 (PAE: PDPTEs are registers), 4 (x64)', () => {
    for (const [mode, references] of [
      ['x86', 2],
      ['x86-pae', 2],
      ['x64', 4],
    ] as const) {
      const { mmu, root } = createMachine({ mode })
      mapPage(mmu, root, VA, 300, { user: true })
      mmu.resetStatistics()
      mmu.read8(VA)
      mmu.read8(VA)
      expect(mmu.statistics().data).toMatchObject({
        lookups: 2,
        hits: 1,
        misses: 1,
        walks: 1,
        walkMemoryReferences: references,
      })
    }
  })

  it('a write through a clean cached entry walks again to set D, then hits', () => {
    const { mmu, root } = createMachine()
    mapPage(mmu, root, VA, 300, { user: true, writable: true })
    mmu.read8(VA)
    expect(mmu.tlbEntries()[0]!.dirty).toBe(false)
    mmu.write8(VA, 1)
    expect(mmu.tlbEntries()).toEqual([expect.objectContaining({ dirty: true })])
    expect(mmu.probe(VA).levels[1]!.decoded.dirty).toBe(true)
    mmu.write8(VA, 2)
    expect(mmu.statistics().data).toMatchObject({ lookups: 3, hits: 2, walks: 2 })
  })

  it('restores a snapshot exactly: memory, TLB, statistics and registers', () => {
    const { mmu, root } = createMachine()
    mapPage(mmu, root, VA, 300, { user: true, writable: true })
    mmu.write32(VA, 1)
    const snapshot = mmu.snapshot()
    const digest = mmu.digest()
    mmu.write32(VA, 2)
    mmu.invlpg(VA)
    mmu.read32(VA + 0x10000)
    expect(mmu.digest()).not.toBe(digest)
    mmu.restore(snapshot)
    expect(mmu.digest()).toBe(digest)
    expect(mmu.read32(VA)).toBe(1)
  })
})

describe('mmu snapshots', () => {
  it('refuses a snapshot from another configuration without changing anything', () => {
    const { mmu } = createMachine()
    const other = new Mmu({ frames: 512, tlb: 'skylake' })
    const before = mmu.digest()
    expect(() => mmu.restore(other.snapshot())).toThrow(/another TLB configuration/)
    expect(mmu.digest()).toBe(before)
  })
})
