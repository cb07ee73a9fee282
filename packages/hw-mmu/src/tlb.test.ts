import { describe, expect, it } from 'vitest'
import { Mmu } from './mmu.js'
import type { TlbConfig, TlbLevelConfig } from './tlbConfig.js'
import { resolveTlbConfig, TLB_PRESETS } from './tlbConfig.js'
import { createMachine, mapPage } from './testing/addressSpace.js'

/** A machine whose pages 0..count-1 (at 0x10000000 + n × 4 KiB) are mapped, with TLB `data`. */
function machine(data: TlbLevelConfig, count = 16, extra: Partial<TlbConfig> = {}) {
  const { mmu, root } = createMachine({ tlb: { data, ...extra }, frames: 256 })
  for (let n = 0; n < count; n++)
    mapPage(mmu, root, page(n), 100 + n, { writable: true, user: true, dirty: true, accessed: true })
  mmu.resetStatistics()
  return mmu
}

const page = (n: number) => 0x10000000 + n * 4096

/** Reads each page of `sequence` once; returns the hit (H) / miss (m) string. */
function run(mmu: Mmu, sequence: readonly number[]): string {
  let out = ''
  for (const n of sequence) {
    const before = mmu.statistics().data.hits
    expect(mmu.read8(page(n))).toBeGreaterThanOrEqual(0)
    out += mmu.statistics().data.hits > before ? 'H' : 'm'
  }
  return out
}

describe('tlb', () => {
  it('LRU: a cyclic sequence one page longer than a fully associative TLB never hits', () => {
    const mmu = machine({ entries: 4, ways: 4, policy: 'lru' })
    const cycle = [0, 1, 2, 3, 4]
    expect(run(mmu, [...cycle, ...cycle, ...cycle])).toBe('m'.repeat(15))
    expect(mmu.statistics().data).toMatchObject({
      lookups: 15,
      hits: 0,
      misses: 15,
      walks: 15,
      evictions: 11,
    })
  })

  it('LRU: the same cycle fitting in the TLB hits after the first round', () => {
    const mmu = machine({ entries: 4, ways: 4, policy: 'lru' })
    expect(run(mmu, [0, 1, 2, 3, 0, 1, 2, 3])).toBe('mmmmHHHH')
  })

  it('LRU evicts the least recently used: A B C D A E A B → m m m m H m H m (E evicts B)', () => {
    const mmu = machine({ entries: 4, ways: 4, policy: 'lru' })
    expect(run(mmu, [0, 1, 2, 3, 0, 4, 0, 1])).toBe('mmmmHmHm')
    // B's refill evicted C, the least recently used now: D, E, A, B stay.
    expect(run(mmu, [3, 4, 0, 1, 2])).toBe('HHHHm')
  })

  it('FIFO evicts the oldest fill regardless of use: A B C D A E A → m m m m H m m', () => {
    const mmu = machine({ entries: 4, ways: 4, policy: 'fifo' })
    expect(run(mmu, [0, 1, 2, 3, 0, 4, 0])).toBe('mmmmHmm')
    // E evicted A (oldest fill), A's refill evicted B: C D E A remain.
    expect(run(mmu, [2, 3, 4, 0, 1])).toBe('HHHHm')
  })

  it('random replacement is seeded: the same seed replays the same hits, fills go to invalid ways first', () => {
    const sequence = [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 6, 0, 2, 4, 6, 1, 3, 5]
    const first = run(machine({ entries: 4, ways: 4, policy: 'random' }, 16, { seed: 7 }), sequence)
    const second = run(machine({ entries: 4, ways: 4, policy: 'random' }, 16, { seed: 7 }), sequence)
    expect(second).toBe(first)
    expect(first.slice(0, 4)).toBe('mmmm')
    const mmu = machine({ entries: 4, ways: 4, policy: 'random' }, 16, { seed: 7 })
    run(mmu, [0, 1, 2, 3])
    expect(mmu.statistics().data.evictions).toBe(0)
  })

  it('direct-mapped: pages whose numbers are equal modulo the set count thrash one entry', () => {
    const mmu = machine({ entries: 8, ways: 1 })
    // page(0) and page(8) share set 0; page(1) has set 1 to itself.
    expect(run(mmu, [0, 8, 0, 8, 1, 1])).toBe('mmmmmH')
  })

  it('set-associative: 2 ways hold two conflicting pages, the third evicts the LRU one', () => {
    const mmu = machine({ entries: 8, ways: 2 }) // 4 sets
    expect(run(mmu, [0, 4, 0, 4, 0, 8, 0, 4])).toBe('mmHHHmHm')
  })

  it('supports set counts that are not powers of two', () => {
    const mmu = machine({ entries: 6, ways: 2 }) // 3 sets
    expect(run(mmu, [0, 3, 6, 0, 1, 1])).toBe('mmmmmH')
  })

  it('the STLB catches first-level misses and refills the first level', () => {
    const mmu = machine({ entries: 2, ways: 2 }, 16, { second: { entries: 8, ways: 8 } })
    run(mmu, [0, 1, 2, 0])
    const { data, second } = mmu.statistics()
    expect(data).toMatchObject({ lookups: 4, hits: 0, misses: 4, walks: 3 })
    expect(second).toMatchObject({ lookups: 4, hits: 1, misses: 3, walks: 3, walkMemoryReferences: 6 })
    expect(run(mmu, [0])).toBe('H')
  })

  it('split TLBs: instruction fetches use the instruction TLB', () => {
    const { mmu, root } = createMachine({ tlb: 'skylake' })
    mapPage(mmu, root, page(0), 100, { user: true })
    expect(mmu.fetch(page(0), 4).ok).toBe(true)
    expect(mmu.read8(page(0))).toBe(0)
    const statistics = mmu.statistics()
    expect(statistics.instruction).toMatchObject({ lookups: 1, misses: 1, walks: 1 })
    expect(statistics.data).toMatchObject({ lookups: 1, misses: 1, walks: 0 })
    expect(statistics.second).toMatchObject({ lookups: 2, hits: 1, misses: 1 })
    expect(mmu.tlbEntries('instruction')).toHaveLength(1)
  })

  it('has an i386-like and a Skylake-like preset', () => {
    expect(resolveTlbConfig('i386')).toEqual({ data: { entries: 32, ways: 4, policy: 'lru' } })
    expect(TLB_PRESETS.skylake.data).toEqual({ entries: 64, ways: 4, policy: 'lru' })
    expect(TLB_PRESETS.skylake.second).toEqual({ entries: 1536, ways: 12, policy: 'lru' })
    const mmu = new Mmu({ tlb: 'skylake' })
    expect(mmu.state.secondTlb?.sets).toBe(128)
  })

  it.each([
    [{ data: { entries: 8, ways: 0 } }, /ways 0 must be a positive integer/],
    [{ data: { entries: 10, ways: 4 } }, /entries 10 must be divisible by ways 4/],
    [{ data: { entries: 0, ways: 1 } }, /entries 0/],
    [{ data: { entries: 8, ways: 2, policy: 'mru' } }, /policy "mru" must be 'lru', 'fifo' or 'random'/],
    [
      { data: { entries: 8, ways: 2 }, second: { entries: 12, ways: 8 } },
      /second.entries 12 must be divisible by ways 8/,
    ],
    ['pentium', /unknown TLB preset "pentium"/],
    ['toString', /unknown TLB preset "toString"/],
  ] as const)('rejects the configuration %j', (tlb, message) => {
    expect(() => new Mmu({ tlb: tlb as TlbConfig })).toThrow(message)
  })

  it('rejects an unknown paging mode', () => {
    expect(() => new Mmu({ mode: 'arm64' as 'x86' })).toThrow(/unknown paging mode "arm64"/)
  })
})
