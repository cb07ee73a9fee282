import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Mmu } from './mmu.js'
import type { AccessKind, PagingMode, PrivilegeMode } from './paging.js'
import { encodePte } from './pte.js'
import type { TlbConfig } from './tlbConfig.js'
import { createRoot, mapPage } from './testing/addressSpace.js'
import { referenceTranslate } from './testing/referenceWalker.js'

const REGIONS: Record<PagingMode, number[]> = {
  x86: [0x00400000, 0x00800000, 0xc0400000],
  'x86-pae': [0x00400000, 0x00600000, 0xc0000000],
  x64: [0x00400000, 0x00600000, -0x80000000000],
}

const leafArbitrary = fc.record({
  present: fc.integer({ min: 0, max: 4 }).map((n) => n !== 0),
  writable: fc.boolean(),
  user: fc.boolean(),
  noExecute: fc.boolean(),
  global: fc.boolean(),
  reserved: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  frame: fc.integer({ min: 0, max: 3 }),
})
type Leaf = typeof leafArbitrary extends fc.Arbitrary<infer T> ? T : never

const regionArbitrary = fc.record({
  large: fc.boolean(),
  tablePresent: fc.integer({ min: 0, max: 9 }).map((n) => n !== 0),
  tableWritable: fc.integer({ min: 0, max: 3 }).map((n) => n !== 0),
  tableUser: fc.integer({ min: 0, max: 3 }).map((n) => n !== 0),
  leaves: fc.array(leafArbitrary, { minLength: 4, maxLength: 4 }),
})

const operationArbitrary = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('access' as const),
      slot: fc.integer({ min: 0, max: 11 }),
      offset: fc.integer({ min: 0, max: 4095 }),
      access: fc.constantFrom<AccessKind>('read', 'write', 'execute'),
      mode: fc.constantFrom<PrivilegeMode>('user', 'supervisor'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('modify' as const),
      slot: fc.integer({ min: 0, max: 11 }),
      leaf: leafArbitrary,
      invalidation: fc.constantFrom('invlpg' as const, 'cr3' as const, 'none' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('invlpg' as const), slot: fc.integer({ min: 0, max: 11 }) }),
  },
)

const tlbArbitrary: fc.Arbitrary<TlbConfig> = fc
  .record({
    ways: fc.constantFrom(1, 2, 4),
    sets: fc.constantFrom(1, 2, 4),
    policy: fc.constantFrom('lru' as const, 'fifo' as const, 'random' as const),
    split: fc.boolean(),
    second: fc.boolean(),
    seed: fc.nat(),
  })
  .map(({ ways, sets, policy, split, second, seed }) => ({
    data: { entries: ways * sets, ways, policy },
    ...(split ? { instruction: { entries: 2, ways: 2, policy } } : {}),
    ...(second ? { second: { entries: 8, ways: 4, policy } } : {}),
    seed,
  }))

function leafValue(mode: PagingMode, large: boolean, leaf: Leaf) {
  const pfn = large ? (mode === 'x86' ? 1024 : 512 * (1 + leaf.frame)) : 600 + leaf.frame
  const value = encodePte(
    {
      present: leaf.present,
      writable: leaf.writable,
      user: leaf.user,
      noExecute: mode !== 'x86' && leaf.noExecute,
      global: leaf.global,
      largePage: large,
      pfn,
    },
    mode,
  )
  if (!leaf.reserved) return value
  if (mode === 'x86') return large ? { low: (value.low | 0x2000) >>> 0, high: 0 } : value
  return { low: value.low, high: (value.high | (mode === 'x86-pae' ? 0x100 : 0x80000)) >>> 0 }
}

describe('mmu (property)', () => {
  it('agrees with a TLB-less reference walker unless a leaf changed without INVLPG (or a CR3 load for non-global entries)', () => {
    const outcomes = { ok: 0, faults: 0 }
    fc.assert(
      fc.property(
        fc.constantFrom<PagingMode>('x86', 'x86-pae', 'x64'),
        fc.record({
          writeProtect: fc.boolean(),
          pageSizeExtension: fc.boolean(),
          noExecute: fc.boolean(),
          globalPages: fc.boolean(),
        }),
        tlbArbitrary,
        fc.array(regionArbitrary, { minLength: 3, maxLength: 3 }),
        fc.array(operationArbitrary, { maxLength: 60 }),
        (mode, control, tlb, regions, operations) => {
          const nxe = control.noExecute && mode !== 'x86'
          const mmu = new Mmu({ mode, frames: 2048, tlb, control: { ...control, noExecute: nxe } })
          const root = createRoot(mmu)
          const pse = mode !== 'x86' || control.pageSizeExtension
          const slots: { va: number; large: boolean; level: number; entry: number }[] = []
          regions.forEach((region, r) => {
            const base = REGIONS[mode][r]!
            const large = region.large && pse
            for (let i = 0; i < 4; i++) {
              const va = base + i * 0x1000
              const leaf = region.leaves[i]!
              if (large) {
                if (i === 0) mapPage(mmu, root, va, 0, {}, { leafLevel: 2 })
              } else mapPage(mmu, root, va, 0, {})
              const entry = mmu.pageTables.entryAddress(root, va, large ? 2 : 1)
              if (!entry.ok) throw new Error('unreachable entry')
              if (!large || i === 0)
                mmu.pageTables.writeEntryAt(entry.address, large ? 2 : 1, leafValue(mode, large, leaf))
              slots.push({ va, large, level: large ? 2 : 1, entry: entry.address })
            }
            if (!large) {
              const pde = mmu.pageTables.readEntry(root, base, 2)
              if (!pde.ok) throw new Error('no PDE')
              const low =
                (pde.low & ~0x7) |
                (region.tablePresent ? 1 : 0) |
                (region.tableWritable ? 2 : 0) |
                (region.tableUser ? 4 : 0)
              mmu.pageTables.writeEntryAt(pde.address, 2, { low: low >>> 0, high: pde.high })
            }
          })
          expect(mmu.loadCr3(root).ok).toBe(true)
          const stale = new Set<number>()
          for (const op of operations) {
            const slot = slots[op.slot]!
            if (op.kind === 'invlpg') {
              mmu.invlpg(slot.va)
              stale.delete(slot.entry)
            } else if (op.kind === 'modify') {
              const old = mmu.pageTables.readEntryAt(slot.entry)
              mmu.pageTables.writeEntryAt(slot.entry, slot.level, leafValue(mode, slot.large, op.leaf))
              if (op.invalidation === 'invlpg') {
                mmu.invlpg(slot.va)
                stale.delete(slot.entry)
              } else if (op.invalidation === 'cr3') {
                mmu.loadCr3(root)
                if (!control.globalPages) stale.clear()
                else if ((old.low & 0x100) !== 0) stale.add(slot.entry)
              } else stale.add(slot.entry)
            } else {
              const va = slot.va + op.offset
              const actual = mmu.translate(va, op.access, op.mode)
              if (stale.has(slot.entry)) continue
              const expected = referenceTranslate(
                mmu.frames,
                mode,
                root,
                { ...control, noExecute: nxe },
                va,
                op.access,
                op.mode,
              )
              outcomes[expected.ok ? 'ok' : 'faults']++
              if (expected.ok)
                expect(actual).toMatchObject({ ok: true, physicalAddress: expected.physicalAddress })
              else
                expect(actual).toMatchObject({
                  ok: false,
                  fault: { errorCode: expected.errorCode, address: va },
                })
            }
          }
        },
      ),
      { numRuns: 300 },
    )
    // The comparison is not vacuous: both outcomes were checked many times.
    expect(outcomes.ok).toBeGreaterThan(150)
    expect(outcomes.faults).toBeGreaterThan(500)
  })

  it('shows the stale entry when a PTE changes without invalidation (and the reference does not)', () => {
    const mmu = new Mmu({ frames: 2048 })
    const root = createRoot(mmu)
    mmu.loadCr3(root)
    mapPage(mmu, root, 0x00400000, 600, { user: true })
    expect(mmu.translate(0x00400010)).toMatchObject({ physicalAddress: 600 * 4096 + 0x10 })
    mapPage(mmu, root, 0x00400000, 601, { user: true })
    const control = { writeProtect: true, pageSizeExtension: true, noExecute: false }
    expect(referenceTranslate(mmu.frames, 'x86', root, control, 0x00400010, 'read', 'user')).toEqual({
      ok: true,
      physicalAddress: 601 * 4096 + 0x10,
    })
    expect(mmu.translate(0x00400010)).toMatchObject({ physicalAddress: 600 * 4096 + 0x10 })
    mapPage(mmu, root, 0x00400000, 601, { user: false })
    expect(mmu.translate(0x00400010, 'read', 'user')).toMatchObject({ ok: true }) // stale user permission
    mmu.loadCr3(root)
    expect(mmu.translate(0x00400010, 'read', 'user')).toMatchObject({ ok: false, fault: { errorCode: 0x5 } })
  })
})
