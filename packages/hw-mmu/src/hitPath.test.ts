import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { HwEvent } from './events.js'
import { eventLane } from './eventLane.js'
import type { HwRecorder, HwRecordingLane } from './hwRecorder.js'
import type { HwSnapshot } from './hwState.js'
import { Mmu, type MmuOptions } from './mmu.js'
import type { PagingMode, PrivilegeMode } from './paging.js'
import { LANE_STORE_LIMIT, scalarPieceSize } from './scalarStores.js'
import { createRoot, mapPage } from './testing/addressSpace.js'
import type { TlbConfig } from './tlbConfig.js'

// The inlined TLB-hit path (mirror rows, row stamps for LRU, hits counted by the clock) runs only
// without a recorder; with one, every access takes the general path. Two machines fed the same
// operations, one of each kind, must therefore agree on every result, statistic and entry age.
// The CPU's hit forms (userRead32Hit, userWrite32Hit, falling back to read32 / write32 as the CPU
// does) are among the operations: on the recorded machine they never apply.

const BASES: Record<PagingMode, number> = { x86: 0x00400000, 'x86-pae': 0x00400000, x64: -0x80000000000 }

/**
 * Page `n` of the test: three groups of eight pages, 2 MiB apart, so that pages of different
 * groups share mirror rows (every first-level TLB here has at most 512 rows) as well as sets.
 */
const pageAddress = (base: number, n: number) => base + (n % 8) * 4096 + Math.floor(n / 8) * 0x200000

const TLBS: readonly (TlbConfig | 'i386' | 'skylake')[] = [
  'i386',
  'skylake',
  { data: { entries: 4, ways: 2, policy: 'lru' } },
  { data: { entries: 8, ways: 8, policy: 'lru' }, second: { entries: 16, ways: 4, policy: 'lru' } },
  { data: { entries: 4, ways: 4, policy: 'fifo' } },
  { data: { entries: 6, ways: 2, policy: 'random' }, seed: 5 },
]

const operation = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('access' as const),
      api: fc.constantFrom(
        'translate',
        'read32',
        'read8',
        'write32',
        'write',
        'fetch',
        'userRead32Hit',
        'userWrite32Hit',
      ),
      page: fc.integer({ min: 0, max: 23 }),
      offset: fc.integer({ min: 0, max: 4095 }),
      mode: fc.constantFrom<PrivilegeMode>('user', 'supervisor'),
      value: fc.nat(0xffffffff),
      // A store of 1 to 40 bytes through `write` (page-crossing ones split into chunks).
      length: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('protect' as const),
      page: fc.integer({ min: 0, max: 23 }),
      writable: fc.boolean(),
      invalidate: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('unmap' as const), page: fc.integer({ min: 0, max: 23 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cr3' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('control' as const),
      bit: fc.constantFrom('writeProtect' as const, 'globalPages' as const, 'pageSizeExtension' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshot' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('check' as const) }) },
)
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never

/** A machine with demand paging (the handler maps a zeroed frame) and its root table. */
function machine(
  mode: PagingMode,
  tlb: TlbConfig | 'i386' | 'skylake',
  recorded: boolean | { readonly recorder: HwRecorder; readonly lane?: HwRecordingLane },
) {
  const options: MmuOptions = { mode, tlb, frames: 160 }
  const mmu = new Mmu(options)
  if (recorded === true) mmu.setRecorder(() => {})
  else if (recorded !== false) mmu.setRecorder(recorded.recorder, recorded.lane)
  const root = createRoot(mmu)
  mmu.loadCr3(root)
  mmu.setFaultHandler((fault) => {
    if (!fault.isNotPresent) return { retry: false }
    const pfn = mmu.frames.allocate()
    if (pfn === undefined) return { retry: false }
    mmu.frames.zero(pfn)
    const page = fault.address - (((fault.address % 4096) + 4096) % 4096)
    mapPage(mmu, root, page, pfn, { writable: true, user: true })
    return { retry: true }
  })
  return { mmu, root, snapshot: undefined as HwSnapshot | undefined }
}

/** Runs `op`; returns what the caller can observe of it. */
function run(m: ReturnType<typeof machine>, base: number, op: Operation): unknown {
  const { mmu, root } = m
  if (op.kind === 'access') {
    const va = pageAddress(base, op.page) + op.offset
    const aligned = va - (op.offset % 4)
    if (op.api === 'translate') return [mmu.translateToPhysical(va, 'read', op.mode), mmu.lastFault]
    if (op.api === 'read32') return [mmu.read32(aligned, op.mode), mmu.lastFault]
    if (op.api === 'read8') return [mmu.read8(va, op.mode), mmu.lastFault]
    if (op.api === 'write32') return [mmu.write32(aligned, op.value, op.mode), mmu.lastFault]
    // The CPU's hit forms, with the CPU's fallback: where they do not apply they do nothing (no
    // lookup counted), and the access made in full must be what read32 / write32 alone would do.
    if (op.api === 'userRead32Hit') {
      const before = mmu.statistics()
      const value = mmu.userRead32Hit(aligned)
      if (value >= 0) return [value, mmu.lastFault]
      expect(mmu.statistics()).toEqual(before)
      return [mmu.read32(aligned, 'user'), mmu.lastFault]
    }
    if (op.api === 'userWrite32Hit') {
      const value = op.page % 2 === 0 ? op.value : op.value | 0
      const before = mmu.statistics()
      if (mmu.userWrite32Hit(aligned, value)) return [true, mmu.lastFault]
      expect(mmu.statistics()).toEqual(before)
      return [mmu.write32(aligned, value, 'user'), mmu.lastFault]
    }
    if (op.api === 'write') {
      const bytes = Array.from({ length: op.length }, (_, index) => (op.value >>> (index % 4)) & 0xff)
      return [mmu.write(va, bytes, { mode: op.mode }), mmu.lastFault]
    }
    return mmu.fetch(va, 2, { mode: op.mode })
  }
  if (op.kind === 'protect' || op.kind === 'unmap') {
    const va = pageAddress(base, op.page)
    const entry = mmu.pageTables.readEntry(root, va, 1)
    if (!entry.ok || !entry.decoded.present) return 'absent'
    const low = op.kind === 'unmap' ? 0 : op.writable ? entry.low | 2 : entry.low & ~2
    mmu.pageTables.writeEntryAt(entry.address, 1, { low: low >>> 0, high: entry.high })
    if (op.kind === 'unmap' || op.invalidate) mmu.invlpg(va)
    return 'done'
  }
  if (op.kind === 'cr3') return mmu.loadCr3(root)
  if (op.kind === 'control') return mmu.setControl({ [op.bit]: !mmu.control[op.bit] })
  if (op.kind === 'reset') return mmu.resetStatistics()
  if (op.kind === 'snapshot') {
    m.snapshot = mmu.snapshot()
    return 'taken'
  }
  if (op.kind === 'restore') {
    if (m.snapshot !== undefined) mmu.restore(m.snapshot)
    return m.snapshot !== undefined
  }
  // Reading every entry and the digest brings the ages up to date (writes the row stamps back),
  // so it is an operation of its own: between checks the stamps stay where the hit path put them.
  return {
    digest: mmu.digest(),
    entries: mmu.tlbEntries('data'),
    ages: mmu.state.tlbs.map((tlb) => (tlb === undefined ? null : Array.from(tlb.ages))),
  }
}

describe('mmu hit path', () => {
  it('an unrecorded machine (inlined hit path) and a recorded one (general path) agree exactly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<PagingMode>('x86', 'x86-pae', 'x64'),
        fc.constantFrom(...TLBS),
        fc.array(operation, { minLength: 20, maxLength: 120 }),
        (mode, tlb, operations) => {
          const fast = machine(mode, tlb, false)
          const recorded = machine(mode, tlb, true)
          for (const op of operations) {
            expect(run(fast, BASES[mode], op)).toEqual(run(recorded, BASES[mode], op))
            expect(fast.mmu.statistics()).toEqual(recorded.mmu.statistics())
          }
          expect(fast.mmu.tlbEntries('data')).toEqual(recorded.mmu.tlbEntries('data'))
          expect(fast.mmu.digest()).toBe(recorded.mmu.digest())
        },
      ),
      { numRuns: 80 },
    )
  })

  it('a recording lane gets the same events in the same order as the plain recorder, and the state agrees', () => {
    /**
     * Stores of up to LANE_STORE_LIMIT bytes as the scalar writes of 4, 2 and 1 bytes they amount
     * to, lowest address first (what the lane reports); longer ones as they are.
     */
    const normal = (event: HwEvent): HwEvent[] => {
      if (event.type !== 'hw.physicalBytesWritten' || event.bytes.length > LANE_STORE_LIMIT) return [event]
      const value = (bytes: readonly number[]) => bytes.reduceRight((sum, byte) => sum * 256 + byte, 0)
      const pieces: HwEvent[] = []
      for (let offset = 0; offset < event.bytes.length; ) {
        const size = scalarPieceSize(event.bytes.length - offset)
        pieces.push({
          type: 'hw.physicalWrite',
          address: event.address + offset,
          size,
          value: value(event.bytes.slice(offset, offset + size)),
          previousValue: value(event.previousBytes.slice(offset, offset + size)),
        })
        offset += size
      }
      return pieces
    }
    fc.assert(
      fc.property(
        fc.constantFrom<PagingMode>('x86', 'x86-pae', 'x64'),
        fc.constantFrom(...TLBS),
        fc.array(operation, { minLength: 20, maxLength: 120 }),
        (mode, tlb, operations) => {
          const plain: HwEvent[] = []
          const laned: HwEvent[] = []
          const lane = eventLane((event) => laned.push(event))
          const a = machine(mode, tlb, { recorder: (event) => plain.push(...normal(event)) })
          const b = machine(mode, tlb, { recorder: (event) => laned.push(event), lane })
          for (const op of operations) {
            expect(run(b, BASES[mode], op)).toEqual(run(a, BASES[mode], op))
            expect(laned).toEqual(plain)
          }
          expect(b.mmu.digest()).toBe(a.mmu.digest())
          expect(laned.some((event) => event.type === 'hw.tlbHit')).toBe(
            plain.some((event) => event.type === 'hw.tlbHit'),
          )
        },
      ),
      { numRuns: 60 },
    )
  })

  it('LRU through the hit path: hits refresh the order the next eviction follows', () => {
    // 2 sets × 2 ways. Pages 0, 2, 4 share set 0. Hits on page 0 only (through the hit path)
    // keep it the most recent, so page 4's fill evicts page 2, and page 0 still hits.
    const fast = machine('x86', { data: { entries: 4, ways: 2, policy: 'lru' } }, false)
    const base = BASES.x86
    const read = (page: number) => fast.mmu.translateToPhysical(base + page * 4096, 'read', 'user')
    read(0)
    read(2)
    for (let k = 0; k < 3; k++) read(0)
    const before = fast.mmu.statistics().data
    read(4)
    read(0)
    expect(fast.mmu.statistics().data.hits - before.hits).toBe(1)
    expect(fast.mmu.statistics().data.evictions - before.evictions).toBe(1)
    const pages = fast.mmu.tlbEntries('data').map((entry) => (entry.virtualAddress - base) / 4096)
    expect(pages.sort()).toEqual([0, 4])
  })

  it('a mirror row taken over by another page first hands its LRU stamp back to its entry', () => {
    // 2 sets × 4 ways; 64 mirror rows. Pages 0, 2, 4, 6, 64 share set 0; pages 0 and 64 share
    // mirror row 0. Page 0's hit through the row must survive page 64 taking the row over.
    const fast = machine('x86', { data: { entries: 8, ways: 4, policy: 'lru' } }, false)
    const base = BASES.x86
    const read = (page: number) => fast.mmu.translateToPhysical(base + page * 4096, 'read', 'user')
    read(0)
    read(2)
    read(0) // hit through row 0: page 0 is now more recent than page 2
    read(64) // fill: row 0 now copies page 64
    read(4) // set 0 full: 0, 2, 64, 4
    read(6) // evicts the least recently used: page 2
    const pages = fast.mmu.tlbEntries('data').map((entry) => (entry.virtualAddress - base) / 4096)
    expect(pages.sort((a, b) => a - b)).toEqual([0, 4, 6, 64])
  })

  it.each([
    'invlpg',
    'cr3',
  ] as const)('an entry removed (%s) after hits through the hit path keeps its last use as its age', (removal) => {
    const ages = [false, true].map((recorded) => {
      const m = machine('x86', 'i386', recorded)
      const va = BASES.x86 + 3 * 4096
      for (let k = 0; k < 4; k++) m.mmu.translateToPhysical(va, 'read', 'user')
      if (removal === 'invlpg') m.mmu.invlpg(va)
      else m.mmu.loadCr3(m.root)
      expect(m.mmu.tlbEntries('data')).toHaveLength(0)
      return Array.from(m.mmu.state.dataTlb.ages)
    })
    expect(ages[0]).toEqual(ages[1])
  })

  it('a hit through the hit path counts exactly one lookup and one hit, read at any time', () => {
    const fast = machine('x86-pae', 'skylake', false)
    const va = BASES['x86-pae'] + 5 * 4096
    expect(fast.mmu.read32(va)).toBe(0) // demand fault, walk, fill
    const start = fast.mmu.statistics().data
    for (let k = 1; k <= 5; k++) {
      expect(fast.mmu.read32(va + 4 * k)).toBe(0)
      expect(fast.mmu.statistics().data).toMatchObject({
        lookups: start.lookups + k,
        hits: start.hits + k,
        misses: start.misses,
      })
    }
  })
})

describe('the CPU hit forms', () => {
  it('userRead32Hit and userWrite32Hit do nothing but answer -1 / false off the hit path', () => {
    const m = machine('x86', 'i386', false)
    const { mmu } = m
    const va = pageAddress(BASES.x86, 0)
    // A miss: nothing counted, nothing walked.
    expect(mmu.userRead32Hit(va)).toBe(-1)
    expect(mmu.userWrite32Hit(va, 1)).toBe(false)
    expect(mmu.statistics().data.lookups).toBe(0)
    expect(mmu.write32(va, 0x11223344)).toBe(true)
    // A hit: one lookup, one hit, as read32 counts it.
    const before = mmu.statistics().data
    expect(mmu.userRead32Hit(va)).toBe(0x11223344)
    expect(mmu.statistics().data).toEqual({ ...before, lookups: before.lookups + 1, hits: before.hits + 1 })
    expect(mmu.userWrite32Hit(va, -1)).toBe(true)
    expect(mmu.read32(va)).toBe(0xffffffff)
    const after = mmu.statistics()
    // Unaligned, out of 32 bits, a value that does not fit 32 bits: not theirs.
    expect(mmu.userRead32Hit(va + 2)).toBe(-1)
    expect(mmu.userRead32Hit(va + 2 ** 32)).toBe(-1)
    expect(mmu.userWrite32Hit(va + 1, 1)).toBe(false)
    expect(mmu.userWrite32Hit(va, 2 ** 32)).toBe(false)
    expect(mmu.userWrite32Hit(va, 1.5)).toBe(false)
    expect(mmu.statistics()).toEqual(after)
    // A checkpoint makes every frame shared: the store is write32's (copy-on-write), not the hit's.
    const snapshot = mmu.snapshot()
    expect(mmu.userWrite32Hit(va, 5)).toBe(false)
    expect(mmu.statistics()).toEqual(after)
    expect(mmu.write32(va, 5)).toBe(true)
    expect(mmu.userWrite32Hit(va, 6)).toBe(true)
    expect(mmu.userRead32Hit(va)).toBe(6)
    mmu.restore(snapshot)
    expect(mmu.read32(va)).toBe(0xffffffff)
    // Recording: never the hit forms.
    mmu.setRecorder(() => {})
    expect(mmu.userRead32Hit(va)).toBe(-1)
    expect(mmu.userWrite32Hit(va, 1)).toBe(false)
  })
})
