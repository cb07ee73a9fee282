import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AccessRun, RUN_EXECUTE, RUN_READ, RUN_WRITE } from './accessRun.js'
import { Mmu } from './mmu.js'
import { runTlbHits } from './mmuBatch.js'
import { createRoot, mapPage } from './testing/addressSpace.js'
import type { TlbConfig } from './tlbConfig.js'

// runTlbHits (the batched TLB-hit path) against Mmu.readInto / write / fetchInto one by one: on a
// run of user accesses over a few pages (some clean, one read-only, one unmapped, some across a
// page end), the batch makes the hits up to the first access that is none, the other machine makes
// each access one by one (the batch's caller does the rest one by one too); the two agree on every
// statistic, entry age, byte of memory and the hardware digest.

const BASE = 0x00400000

/** An x86 machine with pages 0-5 mapped read-write and user, page 6 read-only, page 7 unmapped. */
function machine(tlb: TlbConfig | 'i386') {
  const mmu = new Mmu({ mode: 'x86', frames: 64, tlb })
  const root = createRoot(mmu)
  for (let page = 0; page < 7; page++)
    mapPage(mmu, root, BASE + page * 4096, 16 + page, { present: true, writable: page < 6, user: true })
  mmu.loadCr3(root)
  return mmu
}

const access = fc.tuple(
  fc.constantFrom(RUN_READ, RUN_READ, RUN_WRITE, RUN_EXECUTE),
  fc.integer({ min: 0, max: 8 * 4096 - 1 }),
  fc.constantFrom(1, 2, 4, 8, 16, 0),
)

describe('runTlbHits', () => {
  it('makes a run of TLB hits as Mmu.readInto, write and fetchInto make each, and stops at the first other access', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<TlbConfig | 'i386'>('i386', { data: { entries: 8, ways: 2, policy: 'lru' } }),
        fc.array(access, { minLength: 1, maxLength: 200 }),
        (tlb, accesses) => {
          const one = machine(tlb)
          const batch = machine(tlb)
          const run = new AccessRun(accesses.length)
          for (const [kind, offset, size] of accesses)
            run.push(kind, BASE + offset, kind === RUN_EXECUTE ? 1 : size)
          const scratch = new Uint8Array(16)
          const make = (mmu: Mmu, index: number) => {
            const va = run.addresses[index]!
            const size = run.sizes[index]!
            const kind = run.kinds[index]!
            if (kind === RUN_READ) mmu.readInto(va, scratch, 0, size)
            else if (kind === RUN_WRITE) mmu.write(va, run.dataOf(size))
            else mmu.fetchInto(va, scratch, 0, 1)
          }
          // Distinct bytes: a store's byte order shows in the digest.
          for (let byte = 0; byte < run.data.length; byte++) run.data[byte] = (0x5a + 37 * byte) & 0xff
          for (let index = 0; index < run.length; ) {
            const next = runTlbHits(batch, run, index, run.length, true)
            for (; index < next; index++) make(one, index)
            expect(one.digest()).toBe(batch.digest())
            if (index < run.length) {
              make(one, index)
              make(batch, index)
              index++
            }
          }
          expect(batch.statistics()).toEqual(one.statistics())
          expect(batch.tlbEntries()).toEqual(one.tlbEntries())
          expect(batch.digest()).toBe(one.digest())
        },
      ),
      { numRuns: 100 },
    )
  })

  it('stores aligned words and doublewords in place, byte for byte as Mmu.write', () => {
    const one = machine('i386')
    const batch = machine('i386')
    const run = new AccessRun(64)
    for (let byte = 0; byte < run.data.length; byte++) run.data[byte] = (0x5a + 37 * byte) & 0xff
    // Each page written once first (the walk sets D; the frame becomes the epoch's own), then
    // stores of every size at aligned and unaligned offsets, all TLB hits.
    for (const mmu of [one, batch]) for (let page = 0; page < 4; page++) mmu.write(BASE + page * 4096, [1])
    for (let page = 0; page < 4; page++)
      for (const [offset, size] of [
        [8, 8],
        [16, 4],
        [4092, 4],
        [4088, 8],
        [21, 4],
        [26, 8],
        [32, 2],
        [40, 16],
      ] as const)
        run.push(RUN_WRITE, BASE + page * 4096 + offset, size)
    expect(runTlbHits(batch, run, 0, run.length, true)).toBe(run.length)
    for (let index = 0; index < run.length; index++)
      one.write(run.addresses[index]!, run.dataOf(run.sizes[index]!))
    expect(batch.digest()).toBe(one.digest())
    const bytes = new Uint8Array(16)
    batch.readInto(BASE + 4088, bytes, 0, 8)
    expect([...bytes.subarray(0, 8)]).toEqual([...run.dataOf(8)])
  })

  it('leaves a write to the caller when stores is false, and makes nothing while a recorder listens', () => {
    const mmu = machine('i386')
    mmu.write(BASE, [1])
    mmu.readInto(BASE, new Uint8Array(1), 0, 1)
    const run = new AccessRun(4)
    run.push(RUN_READ, BASE, 4)
    run.push(RUN_WRITE, BASE + 8, 4)
    expect(runTlbHits(mmu, run, 0, 2, false)).toBe(1)
    expect(runTlbHits(mmu, run, 0, 2, true)).toBe(2)
    mmu.setRecorder(() => {})
    expect(runTlbHits(mmu, run, 0, 2, true)).toBe(0)
  })
})

describe('AccessRun', () => {
  it('holds up to its capacity, and grows its data (zeros) for a longer write', () => {
    const run = new AccessRun(2)
    run.push(RUN_WRITE, 0, 100)
    run.push(RUN_READ, 8, 8)
    expect(run.full).toBe(true)
    expect(() => run.push(RUN_READ, 0, 1)).toThrow(RangeError)
    run.data[0] = 7
    expect(run.dataOf(100)).toHaveLength(100)
    expect([run.dataOf(100)[0], run.dataOf(100)[99]]).toEqual([7, 0])
    run.clear()
    expect(run.length).toBe(0)
    expect(() => new AccessRun(0)).toThrow(RangeError)
  })
})
