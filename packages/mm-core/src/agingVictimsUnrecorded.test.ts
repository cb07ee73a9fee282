// The 'working-set' trim unrecorded (agingVictimsUnrecorded.ts) picks its victims by counting the
// ages and placing each victim at its age's offset, where the recorded pass sorts the working set
// stably by age: both must take the same pages in the same order (oldest age first, equal ages in
// working-set order), so the pages leave in that order (the modified list's order, the page file's
// slots, every later fault). A recorded and an unrecorded run of programs whose working sets hold
// many ages (pages touched again at random, a little more of them than memory holds) end in the same state at every step.
import type { HwEvent } from '@ntmm/hw-mmu'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { MmEvent } from './events.js'
import type { MemoryManager } from './memoryManager.js'
import { createTwoProcessMachine } from './testing/createTwoProcessMachine.js'

const PAGES = 96

function machine(): { mm: MemoryManager; bases: number[] } {
  return createTwoProcessMachine(
    {
      arch: 'x86',
      physicalMemory: 72 * 4096,
      pageFile: 256 * 4096,
      tlb: { data: { entries: 16, ways: 4 } },
      replacementPolicy: 'working-set',
    },
    PAGES,
  )
}

type Op = { write: boolean; pid: 1 | 2; page: number }

// Four in five touches uniform over 80 pages of process 1, on 64 or so frames: a page is touched
// again before most trims, so each trim's cohort thins out and the oldest pages come from several.
const operation: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ write: fc.boolean(), pid: fc.constant(1 as const), page: fc.nat(79) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ write: fc.boolean(), pid: fc.constant(2 as const), page: fc.nat(PAGES - 1) }),
  },
)

function run(target: { mm: MemoryManager; bases: number[] }, ops: readonly Op[]): unknown[] {
  const { mm, bases } = target
  const seen: unknown[] = []
  for (const [step, op] of ops.entries()) {
    const address = bases[op.pid - 1]! + op.page * 4096
    if (op.write) mm.mmuFor(op.pid).write8(address, step & 0xff)
    else mm.mmuFor(op.pid).read8(address)
    if (step % 16 === 0)
      seen.push({ digest: mm.digest(), sets: [1, 2].map((pid) => mm.processWorkingSet(pid)) })
  }
  seen.push({ digest: mm.digest(), counters: mm.counters, lists: mm.memoryListInformation })
  return seen
}

/** Trims of the recorded run whose victims spanned three ages or more (the order is then tested). */
function spreadTrims(events: readonly (MmEvent | HwEvent)[]): number {
  const ages = new Map<number, number>()
  let spread = 0
  let batch = new Set<number>()
  for (const event of events) {
    if (event.type === 'mm.pageAged') {
      if (batch.size >= 3) spread++
      batch = new Set()
      ages.set(event.pfn, event.age)
    } else if (event.type === 'mm.pageOut') batch.add(ages.get(event.pfn) ?? 0)
    else if (event.type === 'mm.frameRequested') ages.set(event.pfn, 0)
  }
  return spread + (batch.size >= 3 ? 1 : 0)
}

describe("the 'working-set' trim's victims, recorded or not", () => {
  it('take the same pages in the same order (oldest age first, ties in working-set order)', () => {
    let spread = 0
    fc.assert(
      fc.property(fc.array(operation, { minLength: 300, maxLength: 800 }), (ops) => {
        const recorded = machine()
        const events: (MmEvent | HwEvent)[] = []
        recorded.mm.setRecorder((event) => events.push(event))
        const unrecorded = machine()
        expect(run(unrecorded, ops)).toEqual(run(recorded, ops))
        expect(unrecorded.mm.checkInvariants()).toEqual([])
        spread += spreadTrims(events)
      }),
      { numRuns: 25 },
    )
    // Not vacuous: trims took victims of several ages.
    expect(spread).toBeGreaterThan(10)
  })
})
