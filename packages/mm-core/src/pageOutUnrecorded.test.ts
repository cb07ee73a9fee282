// The page-out builds mm.pageOut only for a recorder (pageOutUnrecorded.ts) and applies its changes
// from the fields otherwise: a recorded and an unrecorded run of the same program end in the same
// state under every policy that asks for victims (clean pages dropped, dirty ones to the modified
// list, hard and soft faults after), on x86, PAE and x64, LRU noting references,
// and the recorded events replay to it. The working-set counters are counted in place on the
// state's records (events.ts workingSetDelta): a checkpoint holds them as they were however often
// it is restored and run past.
import type { HwEvent } from '@ntmm/hw-mmu'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { MmEvent } from './events.js'
import type { MemoryManager } from './memoryManager.js'
import { createTwoProcessMachine } from './testing/createTwoProcessMachine.js'

const PAGES = 24
type Policy = 'fifo' | 'lru' | 'clock' | 'working-set'

function machine(arch: 'x86' | 'x86-pae' | 'x64', policy: Policy): { mm: MemoryManager; bases: number[] } {
  return createTwoProcessMachine(
    {
      arch,
      physicalMemory: 28 * 4096,
      pageFile: 96 * 4096,
      tlb: { data: { entries: 8, ways: 2 } },
      replacementPolicy: policy,
    },
    PAGES,
  )
}

type Op = { op: 'read' | 'write'; pid: 1 | 2; page: number }

const operation: fc.Arbitrary<Op> = fc.record({
  op: fc.constantFrom('read' as const, 'read' as const, 'write' as const),
  pid: fc.constantFrom(1 as const, 2 as const),
  page: fc.integer({ min: 0, max: PAGES - 1 }),
})

/** What a run leaves that the digest does not cover: counters, working sets, lists. */
function observed(mm: MemoryManager): unknown {
  return {
    digest: mm.digest(),
    counters: mm.counters,
    sets: [1, 2].map((pid) => mm.processWorkingSet(pid)),
    lists: mm.memoryListInformation,
  }
}

function run(target: { mm: MemoryManager; bases: number[] }, ops: readonly Op[], note: boolean): unknown[] {
  const { mm, bases } = target
  const seen: unknown[] = []
  for (const [step, op] of ops.entries()) {
    const address = bases[op.pid - 1]! + op.page * 4096
    if (note) mm.noteAccess(op.pid, address)
    if (op.op === 'read') mm.mmuFor(op.pid).read8(address)
    else mm.mmuFor(op.pid).write8(address, step & 0xff)
    if (step % 8 === 0) seen.push(observed(mm))
  }
  seen.push(observed(mm))
  return seen
}

describe.each(['x86', 'x86-pae', 'x64'] as const)('the page-out, recorded or not (%s)', (arch) => {
  it.each([
    'fifo',
    'lru',
    'clock',
    'working-set',
  ] as const)('changes the same state with and without a recorder (%s), and its recorded events replay to it', (policy) => {
    const outcomes = new Set<string>()
    fc.assert(
      fc.property(fc.array(operation, { minLength: 40, maxLength: 160 }), (ops) => {
        const note = policy === 'lru'
        const recorded = machine(arch, policy)
        const events: (MmEvent | HwEvent)[] = []
        recorded.mm.setRecorder((event) => events.push(event))
        const replay = machine(arch, policy)
        const unrecorded = machine(arch, policy)
        expect(run(unrecorded, ops, note)).toEqual(run(recorded, ops, note))
        expect(unrecorded.mm.checkInvariants()).toEqual([])
        for (const event of events) replay.mm.applyRecordedEvent(event)
        expect(replay.mm.digest()).toBe(recorded.mm.digest())
        for (const event of events) if (event.type === 'mm.pageOut') outcomes.add(event.outcome)
      }),
      { numRuns: Number(process.env.PAGE_OUT_RUNS ?? 20) },
    )
    // Both kinds these programs make happened: clean pages dropped, dirty ones to the modified list
    // (a page read back from the page file gives its slot up, so none goes to standby here).
    expect(outcomes).toContain('dropped')
    expect(outcomes).toContain('modified')
  })
})

describe.each([
  'x86',
  'x86-pae',
  'x64',
] as const)('the working-set counters, counted in place (%s)', (arch) => {
  it.each(['fifo', 'lru'] as const)('a checkpoint keeps them through restores and runs (%s)', (policy) => {
    fc.assert(
      fc.property(
        fc.array(operation, { minLength: 10, maxLength: 80 }),
        fc.array(operation, { minLength: 10, maxLength: 80 }),
        (first, second) => {
          const note = policy === 'lru'
          const target = machine(arch, policy)
          run(target, first, note)
          const before = observed(target.mm)
          const records = [1, 2].map((pid) => ({ ...target.mm.addressSpace(pid)!.record! }))
          const checkpoint = target.mm.snapshot()
          const after = run(target, second, note)
          for (let round = 0; round < 2; round++) {
            target.mm.restore(checkpoint)
            expect(observed(target.mm)).toEqual(before)
            expect([1, 2].map((pid) => ({ ...target.mm.addressSpace(pid)!.record! }))).toEqual(records)
            // The same run from the same state: the same states on the way.
            expect(run(target, second, note)).toEqual(after)
          }
        },
      ),
      { numRuns: Number(process.env.PAGE_OUT_RUNS ?? 20) },
    )
  })
})
