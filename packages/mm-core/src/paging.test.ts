import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { MemoryArea } from './memoryArea.js'
import {
  MEM_COMMIT,
  MEM_RESERVE,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
} from './memoryConstants.js'
import type { ReplacementPolicyName } from './mmCore.js'
import { NT_SUCCESS, STATUS_COMMITMENT_LIMIT, STATUS_GUARD_PAGE_VIOLATION } from './ntStatus.js'
import { createTestMachine } from './testing/createTestMachine.js'

// Random operation sequences on a machine far smaller than what the process touches, so pages go
// to the standby/modified lists, the page file, and back. A model tracks each committed page's
// expected contents; after every step the cross-structure invariants must hold.
const operation = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('allocate' as const),
      pages: fc.integer({ min: 1, max: 16 }),
      commit: fc.boolean(),
    }),
  },
  fc.record({
    op: fc.constant('commit' as const),
    area: fc.nat(),
    page: fc.nat(),
    pages: fc.integer({ min: 1, max: 6 }),
  }),
  fc.record({
    op: fc.constant('decommit' as const),
    area: fc.nat(),
    page: fc.nat(),
    pages: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    op: fc.constant('protect' as const),
    area: fc.nat(),
    page: fc.nat(),
    pages: fc.integer({ min: 1, max: 4 }),
    protect: fc.constantFrom(PAGE_READONLY, PAGE_READWRITE, PAGE_NOACCESS, PAGE_READWRITE | PAGE_GUARD),
  }),
  fc.record({
    op: fc.constant('release' as const),
    area: fc.nat(),
    page: fc.nat(),
    pages: fc.integer({ min: 0, max: 4 }),
  }),
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      area: fc.nat(),
      page: fc.nat(),
      value: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('read' as const), area: fc.nat(), page: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('sweep' as const),
      area: fc.nat(),
      page: fc.constant(0),
      value: fc.integer({ min: 1, max: 200 }),
    }),
  },
)

function runScenario(
  policy: ReplacementPolicyName,
  arch: 'x86' | 'x86-pae' | 'x64',
  ops: readonly unknown[],
) {
  const { mm, mmu, space } = createTestMachine({
    arch,
    frames: 20,
    pageFileSlots: 48,
    replacementPolicy: policy,
  })
  // Expected byte at offset 0 of each committed page (absent = committed and never written: 0).
  const model = new Map<number, number>()
  const protectOf = (address: number) => mm.queryAddress(space, address)
  // A guarded page refuses the first access (STATUS_GUARD_PAGE_VIOLATION) and loses its guard.
  const passGuard = (
    address: number,
    attempt: () => { readonly ok: boolean; readonly response?: { readonly status: number } | undefined },
  ) => {
    if ((protectOf(address).protect & PAGE_GUARD) === 0) return
    const result = attempt()
    expect(result.ok).toBe(false)
    expect(result.response?.status).toBe(STATUS_GUARD_PAGE_VIOLATION)
    expect(protectOf(address).protect & PAGE_GUARD).toBe(0)
  }
  const areas = (): MemoryArea[] => [...space.tree.areas()].filter((a) => a.type === 'VIRTUAL_MEMORY')
  for (const raw of ops as { op: string; [key: string]: number | boolean | string }[]) {
    const list = areas()
    const pick = () => list[(raw.area as number) % list.length]!
    if (raw.op === 'allocate') {
      mm.createArea(space, {
        size: (raw.pages as number) * 0x1000,
        protect: PAGE_READWRITE,
        commit: raw.commit as boolean,
      })
    } else if (list.length > 0) {
      const area = pick()
      const areaPages = (area.endingAddress - area.startingAddress) / 0x1000
      const first = (raw.page as number) % areaPages
      const count = Math.min((raw.pages as number | undefined) ?? 1, areaPages - first)
      const start = area.startingAddress + first * 0x1000
      switch (raw.op) {
        case 'commit':
          if (
            NT_SUCCESS(mm.alterRegion(space, area, start, count * 0x1000, MEM_COMMIT, PAGE_READWRITE).status)
          ) {
            // Pages already committed keep their contents; new ones read as zero.
          }
          break
        case 'decommit':
          expect(mm.alterRegion(space, area, start, count * 0x1000, MEM_RESERVE, PAGE_NOACCESS).status).toBe(
            0,
          )
          for (let p = 0; p < count; p++) model.delete(start + p * 0x1000)
          break
        case 'protect': {
          const committed =
            protectOf(start).state === MEM_COMMIT && protectOf(start).regionSize >= count * 0x1000
          if (committed) mm.alterRegion(space, area, start, count * 0x1000, MEM_COMMIT, raw.protect as number)
          break
        }
        case 'release': {
          const pages = (raw.pages as number) === 0 ? areaPages - first : count
          const releaseStart = (raw.pages as number) === 0 ? area.startingAddress : start
          const length = (raw.pages as number) === 0 ? areaPages * 0x1000 : pages * 0x1000
          expect(mm.releaseRange(space, area, releaseStart, length).status).toBe(0)
          for (let p = 0; p < length / 0x1000; p++) model.delete(releaseStart + p * 0x1000)
          break
        }
        case 'write': {
          passGuard(start, () => mmu.write(start, [raw.value as number]))
          const info = protectOf(start)
          const ok = mmu.write(start, [raw.value as number]).ok
          const writable = info.state === MEM_COMMIT && info.protect === PAGE_READWRITE
          expect(ok).toBe(writable)
          if (ok) model.set(start, raw.value as number)
          break
        }
        case 'sweep':
          // Write every page of the area: forces many pages resident at once.
          for (let p = 0; p < areaPages; p++) {
            const address = area.startingAddress + p * 0x1000
            const value = ((raw.value as number) + p) % 255 || 1
            passGuard(address, () => mmu.write(address, [value]))
            const info = protectOf(address)
            const ok = mmu.write(address, [value]).ok
            expect(ok).toBe(info.state === MEM_COMMIT && info.protect === PAGE_READWRITE)
            if (ok) model.set(address, value)
          }
          break
        case 'read': {
          passGuard(start, () => mmu.read(start, 1))
          const info = protectOf(start)
          const result = mmu.read(start, 1)
          const readable = info.state === MEM_COMMIT && info.protect !== PAGE_NOACCESS
          expect(result.ok).toBe(readable)
          if (result.ok) expect(result.data[0]).toBe(model.get(start) ?? 0)
          break
        }
      }
    }
    expect(mm.checkInvariants()).toEqual([])
  }
  // Page contents survive any amount of paging: every written page still reads back.
  for (const [address, value] of model) {
    passGuard(address, () => mmu.read(address, 1))
    const info = protectOf(address)
    if (info.state !== MEM_COMMIT || info.protect === PAGE_NOACCESS) continue
    expect(mmu.read(address, 1)).toEqual({ ok: true, data: new Uint8Array([value]) })
  }
  expect(mm.checkInvariants()).toEqual([])
  return mm
}

describe('paging', () => {
  it.each([
    'working-set',
    'fifo',
    'lru',
    'clock',
    'opt',
    'nt',
  ] as const)('keeps every invariant and every page’s contents under random operations (%s)', (policy) => {
    let paged = 0
    fc.assert(
      fc.property(
        fc.array(operation, { minLength: 20, maxLength: 100 }),
        fc.constantFrom('x86', 'x86-pae', 'x64' as const),
        (ops, arch) => {
          const mm = runScenario(policy, arch, ops)
          paged += mm.counters.hardFaults + mm.counters.softFaults
        },
      ),
      { numRuns: Number(process.env.PAGING_RUNS ?? 30) },
    )
    // The machine is small enough that paging really happened in these runs.
    expect(paged).toBeGreaterThan(0)
  })

  it('commits beyond the commit limit fail with STATUS_COMMITMENT_LIMIT and change nothing', () => {
    const { mm, space } = createTestMachine({ frames: 24, pageFileSlots: 8 })
    const before = mm.digest()
    const result = mm.createArea(space, { size: 40 * 0x1000, protect: PAGE_READWRITE, commit: true })
    expect(result.status).toBe(STATUS_COMMITMENT_LIMIT)
    expect(mm.digest()).toBe(before)
    const reserved = mm.createArea(space, { size: 40 * 0x1000, protect: PAGE_READWRITE, commit: false }).area!
    expect(
      mm.alterRegion(space, reserved, reserved.startingAddress, 40 * 0x1000, MEM_COMMIT, PAGE_READWRITE)
        .status,
    ).toBe(STATUS_COMMITMENT_LIMIT)
    expect(
      mm.alterRegion(space, reserved, reserved.startingAddress, 8 * 0x1000, MEM_COMMIT, PAGE_READWRITE)
        .status,
    ).toBe(0)
    expect(mm.commitCharge).toBe(1 + 8)
  })

  it('pages out to the page file and reads pages back with their contents (hard faults)', () => {
    const { mm, mmu } = createTestMachine({ frames: 24, pageFileSlots: 64, replacementPolicy: 'fifo' })
    const space = mm.addressSpace(1)!
    const area = mm.createArea(space, { size: 40 * 0x1000, protect: PAGE_READWRITE, commit: true }).area!
    for (let p = 0; p < 40; p++) expect(mmu.write(area.startingAddress + p * 0x1000, [p + 1]).ok).toBe(true)
    for (let p = 0; p < 40; p++) {
      expect(mmu.read(area.startingAddress + p * 0x1000, 1)).toEqual({
        ok: true,
        data: new Uint8Array([p + 1]),
      })
    }
    const counters = mm.counters
    expect(counters.pagesWritten).toBeGreaterThan(0)
    expect(counters.hardFaults).toBeGreaterThan(0)
    expect(counters.pagesRead).toBe(counters.hardFaults)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('drops clean zero pages without writing them', () => {
    const { mm, mmu } = createTestMachine({ frames: 24, pageFileSlots: 32, replacementPolicy: 'fifo' })
    const space = mm.addressSpace(1)!
    const area = mm.createArea(space, { size: 48 * 0x1000, protect: PAGE_READWRITE, commit: true }).area!
    for (let p = 0; p < 48; p++) expect(mmu.read(area.startingAddress + p * 0x1000, 1).ok).toBe(true)
    expect(mm.counters.pagesDropped).toBeGreaterThan(0)
    expect(mm.counters.pagesWritten).toBe(0)
    expect(mm.checkInvariants()).toEqual([])
  })
})
