import { describe, expect, it } from 'vitest'
import type { HwEvent } from './events.js'
import type { AccessKind, PagingMode, PrivilegeMode } from './paging.js'
import { encodePte, PTE_ACCESSED, PTE_DIRTY } from './pte.js'
import fc from 'fast-check'
import type { HwRecordingLane } from './hwRecorder.js'
import { WALK_INSPECT, WALK_UPDATE, WalkOutput, walkPageTables } from './pageWalker.js'
import { createMachine, mapPage } from './testing/addressSpace.js'
import { buildRandomMachine, controlArbitrary, regionArbitrary } from './testing/randomMachine.js'

const MODES: PagingMode[] = ['x86', 'x86-pae', 'x64']
const VA = 0x00403123

describe('pageWalker', () => {
  it.each(
    MODES,
  )('translates a 4 KiB page in %s and sets A on every entry and D only on the final entry of a write', (mode) => {
    const { mmu, root } = createMachine({ mode })
    mapPage(mmu, root, VA, 300, { writable: true, user: true })
    const events: HwEvent[] = []
    mmu.setRecorder((event) => events.push(event))
    const read = mmu.translate(VA, 'read', 'user')
    expect(read).toMatchObject({ ok: true, physicalAddress: 300 * 4096 + 0x123, pageSize: 4096 })
    const levels = mmu.probe(VA).levels.filter((level) => level.source === 'memory')
    expect(levels.map((level) => level.decoded.accessed)).toEqual(levels.map(() => true))
    expect(levels.at(-1)!.decoded.dirty).toBe(false)
    const adEvents = events.filter((event) => event.type === 'hw.accessedDirtySet')
    expect(adEvents).toHaveLength(levels.length)
    events.length = 0
    mmu.invlpg(VA)
    expect(mmu.translate(VA, 'write', 'user').ok).toBe(true)
    const dirty = events.filter((event) => event.type === 'hw.accessedDirtySet')
    // Only the PTE changes (D set); entries whose A was already set are not written back.
    expect(dirty).toEqual([expect.objectContaining({ level: 1, newValue: expect.any(Number) })])
    const pte = mmu.probe(VA).levels.at(-1)!
    expect(pte.low & (PTE_ACCESSED | PTE_DIRTY)).toBe(PTE_ACCESSED | PTE_DIRTY)
    events.length = 0
    mmu.invlpg(VA)
    mmu.translate(VA, 'write', 'user')
    expect(events.filter((event) => event.type === 'hw.accessedDirtySet')).toEqual([])
  })

  it.each([
    ['x86', 2, 0x400000, 0x00412345],
    ['x86-pae', 2, 0x200000, 0x00612345],
    ['x64', 2, 0x200000, 0x00612345],
    ['x64', 3, 0x40000000, 0x40012345],
  ] as const)('maps a large page in %s at level %i (%i bytes)', (mode, leafLevel, size, va) => {
    const { mmu, root } = createMachine({ mode, frames: 64 })
    const pfn = mode === 'x86' ? 1024 : leafLevel === 3 ? 0x40000 : 512
    mapPage(mmu, root, va, pfn, { writable: true, user: true }, { leafLevel })
    const result = mmu.translate(va, 'write', 'user')
    expect(result).toMatchObject({ ok: true, pageSize: size, physicalAddress: pfn * 4096 + (va % size) })
    const explained = mmu.probe(va)
    expect(explained.levels.at(-1)).toMatchObject({ level: leafLevel, mapsLargePage: true })
    expect(explained.levels.at(-1)!.decoded.dirty).toBe(true)
  })

  it('ignores PS in a 32-bit PDE when CR4.PSE is clear (the PDE points at a page table)', () => {
    const { mmu, root } = createMachine({ mode: 'x86', control: { pageSizeExtension: false } })
    mapPage(mmu, root, VA, 300, { writable: true, user: true })
    const pde = mmu.pageTables.readEntry(root, VA, 2)
    if (!pde.ok) throw new Error('no PDE')
    mmu.pageTables.writeEntryAt(pde.address, 2, pde.low | 0x80)
    expect(mmu.translate(VA)).toMatchObject({ ok: true, physicalAddress: 300 * 4096 + 0x123, pageSize: 4096 })
  })

  // The SDM §4.6 rule, in words: user accesses need U/S=1 at every level, user writes also R/W=1
  // at every level; supervisor writes need R/W=1 everywhere only when CR0.WP=1; with NX enabled a
  // fetch needs NX clear at every level. Error code: P=1 (protection) | W | U | I/D (NX on).
  const combos: [PagingMode, boolean, boolean, boolean, boolean, AccessKind, PrivilegeMode][] = []
  for (const mode of MODES)
    for (const user of [false, true])
      for (const writable of [false, true])
        for (const wp of [false, true])
          for (const nx of mode === 'x86' ? [false] : [false, true])
            for (const access of ['read', 'write', 'execute'] as const)
              for (const privilege of ['user', 'supervisor'] as const)
                combos.push([mode, user, writable, wp, nx, access, privilege])

  it.each(
    combos,
  )('%s leaf U/S=%s R/W=%s WP=%s NX=%s: %s in %s mode', (mode, user, writable, wp, nx, access, privilege) => {
    const { mmu, root } = createMachine({ mode, control: { writeProtect: wp } })
    mapPage(mmu, root, VA, 300, { user, writable, noExecute: nx })
    const denied =
      (privilege === 'user' && !user) ||
      (access === 'write' && !writable && (privilege === 'user' || wp)) ||
      (access === 'execute' && nx)
    const result = mmu.translate(VA, access, privilege)
    if (!denied) {
      expect(result).toMatchObject({ ok: true, physicalAddress: 300 * 4096 + 0x123 })
      return
    }
    const code =
      1 |
      (access === 'write' ? 2 : 0) |
      (privilege === 'user' ? 4 : 0) |
      (access === 'execute' && mode !== 'x86' ? 0x10 : 0)
    expect(result).toMatchObject({
      ok: false,
      fault: { kind: 'page-fault', errorCode: code, address: VA, isNotPresent: false },
    })
    expect(mmu.cr2).toBe(VA)
  })

  it.each(
    MODES,
  )('combines permissions across levels in %s: a read-only supervisor PDE wins over a writable user PTE', (mode) => {
    const { mmu, root } = createMachine({ mode })
    mapPage(
      mmu,
      root,
      VA,
      300,
      { user: true, writable: true },
      { tableFields: { user: false, writable: false } },
    )
    expect(mmu.translate(VA, 'read', 'user')).toMatchObject({ ok: false, fault: { errorCode: 0x5 } })
    expect(mmu.translate(VA, 'write', 'supervisor')).toMatchObject({ ok: false, fault: { errorCode: 0x3 } })
    expect(mmu.translate(VA, 'read', 'supervisor')).toMatchObject({ ok: true, writable: false, user: false })
  })

  it.each([
    ['x86', 'read', 'user', 0x4],
    ['x86', 'write', 'user', 0x6],
    ['x86', 'write', 'supervisor', 0x2],
    ['x86', 'execute', 'user', 0x4],
    ['x86-pae', 'execute', 'user', 0x14],
    ['x64', 'execute', 'supervisor', 0x10],
    ['x64', 'read', 'supervisor', 0x0],
  ] as const)('reports a not-present fault in %s for %s/%s with error code %i', (mode, access, privilege, code) => {
    const { mmu } = createMachine({ mode })
    const result = mmu.translate(VA, access, privilege)
    expect(result).toMatchObject({
      ok: false,
      fault: {
        errorCode: code,
        isNotPresent: true,
        isWrite: access === 'write',
        isUser: privilege === 'user',
        access,
        mode: privilege,
      },
    })
  })

  it('reports no I/D bit for a fetch when NX is disabled, even in PAE', () => {
    const { mmu } = createMachine({ mode: 'x86-pae', control: { noExecute: false } })
    expect(mmu.translate(VA, 'execute', 'user')).toMatchObject({
      ok: false,
      fault: { errorCode: 0x4, isInstructionFetch: false, access: 'execute' },
    })
  })

  it.each([
    ['x86 4 MiB PDE with bit 13 set', 'x86', 2, (low: number, high: number) => [low | 0x2000, high]],
    [
      'PAE PTE with physical-address bit 40 set (MAXPHYADDR 36)',
      'x86-pae',
      1,
      (low: number, high: number) => [low, high | 0x100],
    ],
    [
      'PAE PTE with NX while EFER.NXE is clear',
      'x86-pae-nonx',
      1,
      (low: number, high: number) => [low, (high | 0x80000000) >>> 0],
    ],
    ['x64 PML4E with PS set', 'x64', 4, (low: number, high: number) => [low | 0x80, high]],
    ['x64 PTE with bit 51 set', 'x64', 1, (low: number, high: number) => [low, high | 0x80000]],
    ['x64 2 MiB PDE with bit 20 set', 'x64', 2, (low: number, high: number) => [low | 0x100000, high]],
  ] as const)('detects reserved bits: %s', (_name, modeName, level, corrupt) => {
    const mode = modeName === 'x86-pae-nonx' ? 'x86-pae' : modeName
    const { mmu, root } = createMachine({
      mode,
      frames: 2048,
      control: { noExecute: modeName !== 'x86-pae-nonx' && mode !== 'x86' },
    })
    const large = (mode === 'x86' && level === 2) || (mode === 'x64' && level === 2)
    const va = large ? 0x00800000 : VA
    mapPage(mmu, root, va, large ? 1024 : 300, { user: true, writable: true }, { leafLevel: large ? 2 : 1 })
    const entry = mmu.pageTables.readEntry(root, va, level)
    if (!entry.ok) throw new Error('no entry')
    const [low, high] = corrupt(entry.low, entry.high)
    mmu.pageTables.writeEntryAt(entry.address, level, { low: low! >>> 0, high: high! >>> 0 })
    const result = mmu.translate(va, 'write', 'user')
    expect(result).toMatchObject({
      ok: false,
      fault: { errorCode: 0xf, isReservedBit: true, isNotPresent: false },
    })
    expect(mmu.probe(va).levels.find((l) => l.level === level)!.reservedBitsSet).toBe(true)
  })

  it('refuses (#GP) a PAE CR3 load whose PDPTE has reserved bits, changing nothing', () => {
    const { mmu, root } = createMachine({ mode: 'x86-pae' })
    const before = mmu.digest()
    mmu.frames.write32(root + 8, mmu.frames.read32(root + 8) | 0x2) // R/W is reserved in a PAE PDPTE
    const digest = mmu.digest()
    expect(digest).not.toBe(before)
    expect(mmu.loadCr3(root)).toEqual({ ok: false, reason: expect.stringMatching(/PDPTE 1 .* reserved/) })
    expect(mmu.digest()).toBe(digest)
  })

  it('returns a general-protection fault for a non-canonical x64 address', () => {
    const { mmu } = createMachine({ mode: 'x64' })
    expect(mmu.translate(0x800000000000)).toMatchObject({
      ok: false,
      fault: { kind: 'general-protection', reason: 'non-canonical' },
    })
    expect(mmu.read(-0x800000000001, 1)).toMatchObject({ ok: false, fault: { kind: 'general-protection' } })
    expect(mmu.state.faultCount).toBe(0)
  })

  it('translates the x64 kernel half given as negative numbers', () => {
    const { mmu, root } = createMachine({ mode: 'x64' })
    const kernel = -0x80000000000 + 0x5000 // 0xFFFFF80000005000
    mapPage(mmu, root, kernel, 301, { writable: true })
    expect(mmu.translate(kernel + 4, 'write', 'supervisor')).toMatchObject({
      ok: true,
      physicalAddress: 301 * 4096 + 4,
    })
    expect(mmu.probe(kernel).levels[0]!.entryAddress).toBe(root + 0x1f0 * 8)
    expect(encodePte({ present: true, pfn: 1 }, 'x64').low).toBe(0x1001)
  })
})

describe('pageWalker: the 32-bit walk written out', () => {
  // walkPageTables on x86 without a trace takes walkX86; with a trace (Mmu.probe's) the general
  // loop. Both must give the same outcome, reads, A/D writes (with their lane calls, in order)
  // and memory for every entry kind: absent tables, reserved bits, 4 MiB pages with and without
  // CR4.PSE, supervisor writes with and without CR0.WP.
  it('gives what the general loop gives, A/D writes and lane calls included', () => {
    let walks = 0
    let successes = 0
    fc.assert(
      fc.property(
        controlArbitrary,
        fc.array(regionArbitrary, { minLength: 3, maxLength: 3 }),
        fc.array(
          fc.record({
            slot: fc.integer({ min: 0, max: 11 }),
            offset: fc.integer({ min: 0, max: 4095 }),
            access: fc.integer({ min: 0, max: 2 }),
            user: fc.integer({ min: 0, max: 1 }),
            effects: fc.constantFrom(WALK_INSPECT, WALK_UPDATE),
          }),
          { maxLength: 40 },
        ),
        (control, regions, walksToMake) => {
          const machines = [0, 1].map(() => {
            const built = buildRandomMachine('x86', control, { data: { entries: 8, ways: 2 } }, regions)
            expect(built.mmu.loadCr3(built.root).ok).toBe(true)
            const calls: number[][] = []
            const lane = {
              accessedDirtySet: (address: number, level: number, oldValue: number, newValue: number) =>
                calls.push([address, level, oldValue, newValue]),
            } as unknown as HwRecordingLane
            return { ...built, calls, lane }
          })
          const outs = [new WalkOutput(), new WalkOutput()]
          for (const walk of walksToMake) {
            machines.forEach(({ mmu, slots, lane }, m) => {
              const va = slots[walk.slot]!.va + walk.offset
              const out = outs[m]!
              walkPageTables(
                mmu.state,
                va,
                0,
                walk.access,
                walk.user,
                out,
                walk.effects,
                lane,
                m === 0 ? undefined : [],
              )
            })
            walks++
            if (outs[0]!.errorCode < 0) successes++
            expect({ ...outs[0]! }).toEqual({ ...outs[1]! })
          }
          expect(machines[0]!.calls).toEqual(machines[1]!.calls)
          expect(machines[0]!.mmu.digest()).toBe(machines[1]!.mmu.digest())
        },
      ),
      { numRuns: 300 },
    )
    expect(walks).toBeGreaterThan(1000)
    expect(successes).toBeGreaterThan(200)
  })
})
