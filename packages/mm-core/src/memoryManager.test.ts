import { type HwEvent, applyHwEvent } from '@ntmm/hw-mmu'
import { describe, expect, it } from 'vitest'
import type { MmEvent } from './events.js'
import {
  MEM_COMMIT,
  MEM_FREE,
  MEM_PRIVATE,
  MEM_RESERVE,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
} from './memoryConstants.js'
import { MemoryManager } from './memoryManager.js'
import { MAX_PAGE_FILE, MAX_PHYSICAL_MEMORY, MINIMUM_RAM_PAGES } from './virtualMemoryManager.js'
import {
  STATUS_ACCESS_VIOLATION,
  STATUS_CONFLICTING_ADDRESSES,
  STATUS_NO_MEMORY,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { createTestMachine } from './testing/createTestMachine.js'

describe('memoryManager', () => {
  it('uses the Windows defaults: x86, 64 MiB RAM, 128 MiB page file, commit limit RAM + page file', () => {
    const mm = new MemoryManager()
    expect(mm.layout.arch).toBe('x86')
    expect(mm.commitLimit).toBe((64 + 128) * 256)
    expect(mm.commitCharge).toBe(1)
    expect(mm.layout.highestUserAddress).toBe(0x7ffeffff)
    expect(new MemoryManager({ arch: 'x64', physicalMemory: 1 << 20 }).layout.highestUserAddress).toBe(
      0x7ffffffeffff,
    )
  })

  it("runs Windows' working sets ('nt') by default; 'working-set' and the textbook policies by name", () => {
    const mm = new MemoryManager({ physicalMemory: 1 << 20 })
    expect(mm.replacementPolicy).toBe('nt')
    expect(mm.ntConfig?.workingSetMinimum).toBe(4)
    for (const policy of ['working-set', 'fifo', 'lru', 'clock', 'opt'] as const) {
      const named = new MemoryManager({ physicalMemory: 1 << 20, replacementPolicy: policy })
      expect(named.replacementPolicy).toBe(policy)
      expect(named.ntConfig).toBeUndefined()
    }
  })

  it('refuses RAM and page-file sizes above their maximums, naming the option and the maximum', () => {
    expect(() => new MemoryManager({ pageFile: 2 ** 40 })).toThrow(
      new RangeError(
        `pageFile ${2 ** 40} must be a non-negative multiple of 4096 of at most ${MAX_PAGE_FILE} (MAX_PAGE_FILE)`,
      ),
    )
    expect(() => new MemoryManager({ physicalMemory: 2 ** 33 })).toThrow(
      /at most 4294967296 \(MAX_PHYSICAL_MEMORY\)/,
    )
    expect(MAX_PHYSICAL_MEMORY).toBe(2 ** 32)
    expect(MAX_PAGE_FILE).toBe(2 ** 32 - 4096)
  })

  it('costs little for the largest page file until pages go to it (its slots are made lazily)', () => {
    const mm = new MemoryManager({ physicalMemory: 1 << 20, pageFile: MAX_PAGE_FILE })
    expect(mm.pageFileState.slotCount).toBe(MAX_PAGE_FILE / 4096)
    expect(mm.pageFileState.storageBytes).toBeLessThan(64 * 1024)
    expect(mm.commitLimit).toBe(256 + MAX_PAGE_FILE / 4096)
  })

  it('starts a process with only KUSER_SHARED_DATA: one read-only committed page at 0x7FFE0000', () => {
    const { mm, space } = createTestMachine()
    expect([...space.tree.areas()].map((a) => [a.startingAddress, a.endingAddress, a.type])).toEqual([
      [0x7ffe0000, 0x7ffe1000, 'SHARED_DATA'],
    ])
    expect(mm.queryAddress(space, 0x7ffe0000)).toEqual({
      baseAddress: 0x7ffe0000,
      allocationBase: 0x7ffe0000,
      allocationProtect: PAGE_READONLY,
      regionSize: 0x1000,
      state: MEM_COMMIT,
      protect: PAGE_READONLY,
      type: MEM_PRIVATE,
    })
  })

  it.each([
    ['bottom-up', false, 0x10000],
    ['top-down (MEM_TOP_DOWN)', true, 0x7ffd0000],
  ])('places a reservation at the %s end of user space, 64 KiB aligned', (_how, topDown, expected) => {
    const { mm, space } = createTestMachine()
    const result = mm.createArea(space, { size: 0x3000, protect: PAGE_READWRITE, commit: false, topDown })
    expect(result.status).toBe(STATUS_SUCCESS)
    expect(result.area?.startingAddress).toBe(expected)
    const next = mm.createArea(space, { size: 0x1000, protect: PAGE_READWRITE, commit: false, topDown })
    expect(next.area?.startingAddress).toBe(topDown ? expected - 0x10000 : expected + 0x10000)
  })

  it('places a top-down x64 reservation just below 0x7FFFFFFE0000 and faults it in through four paging levels', () => {
    const { mm, space, mmu } = createTestMachine({ arch: 'x64' })
    const area = mm.createArea(space, { size: 0x3000, protect: PAGE_READWRITE, commit: true, topDown: true })
      .area!
    expect(area.startingAddress).toBe(0x7ffffffd0000)
    expect(mmu.write(area.startingAddress + 0x2ff0, [9]).ok).toBe(true)
    expect(mmu.read(area.startingAddress + 0x2ff0, 1)).toEqual({ ok: true, data: new Uint8Array([9]) })
    expect(mm.checkInvariants()).toEqual([])
  })

  it('honours the highest address of a ZeroBits limit and fails with STATUS_NO_MEMORY when nothing fits', () => {
    const { mm, space } = createTestMachine()
    const limited = mm.createArea(space, {
      size: 0x1000,
      protect: PAGE_READWRITE,
      commit: false,
      topDown: true,
      highestAddress: 0x3fffffff,
    })
    expect(limited.area?.startingAddress).toBe(0x3fff0000)
    expect(
      mm.createArea(space, { size: 0x1000, protect: PAGE_READWRITE, commit: false, highestAddress: 0x7ff })
        .status,
    ).toBe(STATUS_NO_MEMORY)
  })

  it('rejects a fixed reservation overlapping another one after 64 KiB rounding (STATUS_CONFLICTING_ADDRESSES)', () => {
    const { mm, space } = createTestMachine()
    expect(
      mm.createArea(space, { base: 0x50000000, size: 0x1000, protect: PAGE_READWRITE, commit: false }).status,
    ).toBe(STATUS_SUCCESS)
    expect(
      mm.createArea(space, { base: 0x50001000, size: 0x1000, protect: PAGE_READWRITE, commit: false }).status,
    ).toBe(STATUS_CONFLICTING_ADDRESSES)
    expect(
      mm.createArea(space, { base: 0x7ffe0000, size: 0x1000, protect: PAGE_READWRITE, commit: false }).status,
    ).toBe(STATUS_ACCESS_VIOLATION)
  })

  it('answers NtQueryVirtualMemory: committed and reserved runs, free space up to the next area', () => {
    const { mm, space } = createTestMachine()
    const area = mm.createArea(space, {
      base: 0x400000,
      size: 0x10000,
      protect: PAGE_READWRITE,
      commit: false,
    }).area!
    mm.alterRegion(space, area, 0x400000, 0x3000, MEM_COMMIT, PAGE_READWRITE)
    mm.alterRegion(space, area, 0x401000, 0x1000, MEM_COMMIT, PAGE_READONLY)
    expect(mm.queryAddress(space, 0x400000)).toMatchObject({
      regionSize: 0x1000,
      state: MEM_COMMIT,
      protect: PAGE_READWRITE,
    })
    expect(mm.queryAddress(space, 0x401fff)).toMatchObject({
      baseAddress: 0x401000,
      regionSize: 0x1000,
      protect: PAGE_READONLY,
    })
    expect(mm.queryAddress(space, 0x403000)).toMatchObject({
      regionSize: 0xd000,
      state: MEM_RESERVE,
      protect: 0,
      allocationBase: 0x400000,
    })
    expect(mm.queryAddress(space, 0x300000)).toEqual({
      baseAddress: 0x300000,
      allocationBase: 0,
      allocationProtect: 0,
      regionSize: 0x100000,
      state: MEM_FREE,
      protect: PAGE_NOACCESS,
      type: 0,
    })
  })

  it('splits an area on a partial release (the tail becomes its own allocation) and returns its commit charge', () => {
    const { mm, space, mmu } = createTestMachine()
    const area = mm.createArea(space, { base: 0x400000, size: 0x8000, protect: PAGE_READWRITE, commit: true })
      .area!
    for (let p = 0; p < 8; p++) mmu.write(0x400000 + p * 0x1000, [p + 1])
    expect(mm.commitCharge).toBe(1 + 8)
    expect(mm.releaseRange(space, area, 0x402000, 0x2000).status).toBe(STATUS_SUCCESS)
    expect([...space.tree.areas()].map((a) => [a.startingAddress, a.endingAddress])).toEqual([
      [0x400000, 0x402000],
      [0x404000, 0x408000],
      [0x7ffe0000, 0x7ffe1000],
    ])
    expect(mm.queryAddress(space, 0x405000).allocationBase).toBe(0x404000)
    expect(mm.commitCharge).toBe(1 + 6)
    expect(mmu.read(0x402000, 1).ok).toBe(false)
    expect(mmu.read(0x404000, 1)).toEqual({ ok: true, data: new Uint8Array([5]) })
    expect(mm.checkInvariants()).toEqual([])
  })

  it.each([
    ['x86', 0, 'page directory'],
    ['x86-pae', 0, 'page directory'],
    // Two frames short of a PAE space: its PDPT page and one directory are made, then taken back.
    ['x86-pae', 2, 'page directories'],
  ] as const)('answers STATUS_NO_MEMORY, with nothing made, when no frame is left for a new address space (%s, %i spare frames)', (arch, spare, what) => {
    const mm = new MemoryManager({
      arch,
      physicalMemory: (MINIMUM_RAM_PAGES[arch] + spare) * 4096,
      pageFile: 0,
    })
    let pid = 1
    let result = mm.createAddressSpace(pid)
    while (result.status === STATUS_SUCCESS) result = mm.createAddressSpace(++pid)
    const free = mm.counters.freePages + mm.counters.zeroedPages
    expect(result).toEqual({
      status: STATUS_NO_MEMORY,
      reason: expect.stringContaining(`no frame left for the ${what}`),
    })
    expect(mm.addressSpace(pid)).toBeUndefined()
    expect(mm.processIds()).not.toContain(pid)
    expect(mm.checkInvariants()).toEqual([])
    // Nothing was kept: the frames a half-made space took are back, and the pid can be used later.
    mm.deleteAddressSpace(1)
    expect(mm.counters.freePages + mm.counters.zeroedPages).toBeGreaterThan(free)
    expect(mm.createAddressSpace(pid).status).toBe(STATUS_SUCCESS)
  })

  it('frees every frame, page table and charge of a deleted address space', () => {
    const mm = new MemoryManager({ physicalMemory: 64 * 4096, pageFile: 64 * 4096 })
    const freeBefore = mm.counters.freePages
    const space = mm.createAddressSpace(7).space!
    const mmu = mm.mmuFor(7)
    const area = mm.createArea(space, { size: 0x20000, protect: PAGE_READWRITE, commit: true }).area!
    for (let p = 0; p < 32; p += 3) mmu.write(area.startingAddress + p * 0x1000, [1])
    mm.deleteAddressSpace(7)
    expect(mm.addressSpace(7)).toBeUndefined()
    expect(mm.counters.freePages).toBe(freeBefore)
    expect(mm.commitCharge).toBe(1)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('emits, for a demand-zero fault, the frame request, the mapping and the fault, in causal order', () => {
    const { mm, space, mmu } = createTestMachine()
    const area = mm.createArea(space, { size: 0x1000, protect: PAGE_READWRITE, commit: true }).area!
    mmu.read(area.startingAddress, 1)
    const events: string[] = []
    mm.setRecorder((event) => {
      if (!event.type.startsWith('hw.tlb') && event.type !== 'hw.pageWalk') events.push(event.type)
    })
    mmu.write(area.startingAddress + 0x10, [1])
    const second = mm.createArea(space, { size: 0x1000, protect: PAGE_READWRITE, commit: true }).area!
    mmu.write(second.startingAddress, [1])
    expect(events).toMatchInlineSnapshot(`
      [
        "hw.accessedDirtySet",
        "hw.physicalBytesWritten",
        "mm.areaInserted",
        "mm.commitCharged",
        "hw.pageFault",
        "hw.frameAllocated",
        "mm.frameRequested",
        "hw.pteWritten",
        "mm.mappingCreated",
        "mm.pageFault",
        "hw.accessedDirtySet",
        "hw.physicalBytesWritten",
      ]
    `)
  })

  it('restores a snapshot exactly (digest) and replaying the recorded events rebuilds the same state', () => {
    const { mm, space, mmu } = createTestMachine({ frames: 24, pageFileSlots: 32 })
    const snapshot = mm.snapshot()
    const digest0 = mm.digest()
    const events: (MmEvent | HwEvent)[] = []
    mm.setRecorder((event) => events.push(event))
    const area = mm.createArea(space, { size: 40 * 0x1000, protect: PAGE_READWRITE, commit: true }).area!
    for (let round = 0; round < 2; round++) {
      for (let p = 0; p < 40; p++) mmu.write(area.startingAddress + p * 0x1000, [p + round])
    }
    mm.alterRegion(space, area, area.startingAddress, 0x4000, MEM_RESERVE, PAGE_NOACCESS)
    const digest1 = mm.digest()
    expect(digest1).not.toBe(digest0)
    mm.setRecorder(undefined)
    mm.restore(snapshot)
    expect(mm.digest()).toBe(digest0)
    for (const event of events) {
      if (event.type.startsWith('hw.')) applyHwEvent(mm.mmu.state, event as HwEvent)
      else mm.applyEvent(event as MmEvent)
    }
    expect(mm.digest()).toBe(digest1)
    expect(mm.checkInvariants()).toEqual([])
    expect(mmu.read(area.startingAddress + 39 * 0x1000, 1)).toEqual({ ok: true, data: new Uint8Array([40]) })
  })
})
