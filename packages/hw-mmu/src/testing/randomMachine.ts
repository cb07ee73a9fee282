// Random machines for hw-mmu's property tests: three regions of four pages (4 KiB pages under
// a page table, or one large page) with random leaves, a small random TLB organisation, and
// random operations on the regions' 12 slots (accesses, leaf edits with or without
// invalidation, INVLPG).
import fc from 'fast-check'
import { Mmu } from '../mmu.js'
import type { AccessKind, PagingMode, PrivilegeMode } from '../paging.js'
import { encodePte } from '../pte.js'
import type { TlbConfig } from '../tlbConfig.js'
import { createRoot, mapPage } from './addressSpace.js'

/** Three regions per mode: low user, a second PDE, and a kernel one. */
export const REGIONS: Record<PagingMode, number[]> = {
  x86: [0x00400000, 0x00800000, 0xc0400000],
  'x86-pae': [0x00400000, 0x00600000, 0xc0000000],
  x64: [0x00400000, 0x00600000, -0x80000000000],
}

/** A leaf entry's fields (mostly present, sometimes reserved bits). */
export const leafArbitrary = fc.record({
  present: fc.integer({ min: 0, max: 4 }).map((n) => n !== 0),
  writable: fc.boolean(),
  user: fc.boolean(),
  noExecute: fc.boolean(),
  global: fc.boolean(),
  reserved: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  frame: fc.integer({ min: 0, max: 3 }),
})
export type Leaf = typeof leafArbitrary extends fc.Arbitrary<infer T> ? T : never

/** A region of four pages: one large page or a page table of four leaves. */
export const regionArbitrary = fc.record({
  large: fc.boolean(),
  tablePresent: fc.integer({ min: 0, max: 9 }).map((n) => n !== 0),
  tableWritable: fc.integer({ min: 0, max: 3 }).map((n) => n !== 0),
  tableUser: fc.integer({ min: 0, max: 3 }).map((n) => n !== 0),
  leaves: fc.array(leafArbitrary, { minLength: 4, maxLength: 4 }),
})
/** A generated region. */
export type Region = typeof regionArbitrary extends fc.Arbitrary<infer T> ? T : never

/** Accesses, leaf edits (with INVLPG, a CR3 load or nothing) and bare INVLPGs on the 12 slots. */
export const operationArbitrary = fc.oneof(
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

/** A small TLB: 1-4 ways × 1-4 sets, any policy, optionally split and with an STLB. */
export const tlbArbitrary: fc.Arbitrary<TlbConfig> = fc
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

/** The entry value of `leaf` (with reserved bits set when `leaf.reserved`). */
export function leafValue(mode: PagingMode, large: boolean, leaf: Leaf) {
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

/** The control bits the generated machines vary. */
export interface RandomControl {
  readonly writeProtect: boolean
  readonly pageSizeExtension: boolean
  readonly noExecute: boolean
  readonly globalPages: boolean
}

/** One slot: a page of a region, its leaf entry's level and physical address. */
export interface Slot {
  readonly va: number
  readonly large: boolean
  readonly level: number
  readonly entry: number
}

/** The control bits generated for {@link buildRandomMachine}. */
export const controlArbitrary: fc.Arbitrary<RandomControl> = fc.record({
  writeProtect: fc.boolean(),
  pageSizeExtension: fc.boolean(),
  noExecute: fc.boolean(),
  globalPages: fc.boolean(),
})

/**
 * A machine in `mode` with `regions` mapped (12 slots: 4 per region), CR3 not yet loaded. The
 * same arguments build the same machine.
 */
export function buildRandomMachine(
  mode: PagingMode,
  control: RandomControl,
  tlb: TlbConfig,
  regions: readonly Region[],
): { mmu: Mmu; root: number; slots: Slot[]; nxe: boolean } {
  const nxe = control.noExecute && mode !== 'x86'
  const mmu = new Mmu({ mode, frames: 2048, tlb, control: { ...control, noExecute: nxe } })
  const root = createRoot(mmu)
  const pse = mode !== 'x86' || control.pageSizeExtension
  const slots: Slot[] = []
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
  return { mmu, root, slots, nxe }
}

/**
 * A #PF handler for a random machine: makes the faulting slot's leaf present, writable and
 * user-accessible and retries (a fault outside every slot is not retried), so a property can run
 * the path where the handler repairs the tables and the access walks again.
 */
export function repairingHandler(mmu: Mmu, mode: PagingMode, slots: readonly Slot[]) {
  return (fault: { address: number }) => {
    const slot = slots.find((s) => fault.address >= s.va && fault.address < s.va + 4096)
    if (slot === undefined) return { retry: false }
    const leaf = {
      present: true,
      writable: true,
      user: true,
      noExecute: false,
      global: false,
      reserved: false,
      frame: 1,
    }
    mmu.pageTables.writeEntryAt(slot.entry, slot.level, leafValue(mode, slot.large, leaf))
    return { retry: true }
  }
}

/** An operation of {@link operationArbitrary}. */
export type Operation = typeof operationArbitrary extends fc.Arbitrary<infer T> ? T : never

/** An operation of {@link operationArbitrary} that edits the tables (not an access). */
export type EditOperation = Exclude<Operation, { kind: 'access' }>

/**
 * Makes a random program's table edit on `mmu`: a bare INVLPG, or a slot's leaf rewritten and
 * invalidated as the operation says (INVLPG, a CR3 load of `root`, or not at all). False, with
 * nothing done, for an access (the property makes those its own way).
 */
export function applyEdit(
  mmu: Mmu,
  mode: PagingMode,
  root: number,
  slots: readonly Slot[],
  op: Operation,
): op is EditOperation {
  if (op.kind === 'invlpg') mmu.invlpg(slots[op.slot]!.va)
  else if (op.kind === 'modify') {
    const slot = slots[op.slot]!
    mmu.pageTables.writeEntryAt(slot.entry, slot.level, leafValue(mode, slot.large, op.leaf))
    if (op.invalidation === 'invlpg') mmu.invlpg(slot.va)
    else if (op.invalidation === 'cr3') mmu.loadCr3(root)
  } else return false
  return true
}
