import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PAGE_READWRITE } from './memoryConstants.js'
import type { ReplacementPolicyName } from './mmCore.js'
import { createTestMachine } from './testing/createTestMachine.js'

/**
 * Run a page reference string (page numbers) on a machine with few free frames; count the faults
 * that brought pages back. `restoreEvery`: snapshot and restore the machine (same state) before
 * every that many references, which makes OPT rebuild its next uses from the string.
 */
function faultsFor(policy: ReplacementPolicyName, references: readonly number[], restoreEvery = 0) {
  const { mm, mmu, space, pid } = createTestMachine({
    frames: 20,
    pageFileSlots: 64,
    replacementPolicy: policy,
  })
  const area = mm.createArea(space, { size: 64 * 0x1000, protect: PAGE_READWRITE, commit: true }).area!
  const address = (page: number) => area.startingAddress + page * 0x1000
  // Give every page distinct contents first, so each one must be paged out and back.
  for (let page = 0; page < 24; page++) {
    mm.noteAccess(pid, address(page))
    expect(mmu.write(address(page), [page + 1]).ok).toBe(true)
  }
  mm.setFutureReferences(references.map((page) => ({ pid, address: address(page) })))
  const before = mm.counters
  for (const [index, page] of references.entries()) {
    if (restoreEvery > 0 && index % restoreEvery === 0) mm.restore(mm.snapshot())
    mm.noteAccess(pid, address(page))
    expect(mmu.read(address(page), 1)).toEqual({ ok: true, data: new Uint8Array([page + 1]) })
  }
  const after = mm.counters
  expect(mm.checkInvariants()).toEqual([])
  return after.hardFaults + after.softFaults - before.hardFaults - before.softFaults
}

// A loop over more pages than fit, with a hot set re-referenced in between.
const references: number[] = []
for (let round = 0; round < 6; round++) {
  for (let page = 0; page < 24; page++) references.push(page, page % 4)
}

describe('replacementPolicy', () => {
  it.each([
    'working-set',
    'fifo',
    'lru',
    'clock',
    'opt',
  ] as const)('keeps page contents across replacement (%s)', (policy) => {
    expect(faultsFor(policy, references)).toBeGreaterThan(0)
  })

  it('OPT (Belady, given the future reference string) faults no more than FIFO, LRU or Clock', () => {
    const opt = faultsFor('opt', references)
    for (const policy of ['fifo', 'lru', 'clock'] as const)
      expect(opt).toBeLessThanOrEqual(faultsFor(policy, references))
  })

  it('OPT chooses the same victims from its kept next uses as from the string rebuilt after a restore (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 23 }), { minLength: 30, maxLength: 160 }),
        fc.integer({ min: 1, max: 7 }),
        (pages, restoreEvery) => {
          expect(faultsFor('opt', pages, restoreEvery)).toBe(faultsFor('opt', pages))
        },
      ),
      { numRuns: 40 },
    )
  })

  it('LRU keeps a re-referenced hot set resident better than FIFO', () => {
    expect(faultsFor('lru', references)).toBeLessThan(faultsFor('fifo', references))
  })
})
