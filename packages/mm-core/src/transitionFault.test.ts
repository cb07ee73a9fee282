// The soft fault (transitionFault.ts) builds its events only for a recorder and applies their
// state changes from their fields either way: a recorded and an unrecorded run of the same program
// end in the same state, the recorded events replay to it, and the events keep their order.
import type { HwEvent } from '@ntmm/hw-mmu'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { MmEvent } from './events.js'
import type { MemoryManager } from './memoryManager.js'
import { createTwoProcessMachine } from './testing/createTwoProcessMachine.js'
import { QUOTA_LIMITS_HARDWS_MAX_ENABLE } from './ntPagingState.js'

const PAGES = 24

function machine(arch: 'x86' | 'x64'): { mm: MemoryManager; bases: number[] } {
  return createTwoProcessMachine(
    {
      arch,
      physicalMemory: 40 * 4096,
      pageFile: 96 * 4096,
      tlb: { data: { entries: 8, ways: 2 } },
      replacementPolicy: 'nt',
      nt: {
        tickEvery: 0,
        minimumFreePages: 2,
        plentyFreePages: 6,
        modifiedWriteThreshold: 6,
        writeCluster: 4,
      },
    },
    PAGES,
  )
}

type Op =
  | { op: 'read' | 'write'; pid: 1 | 2; page: number }
  | { op: 'empty'; pid: 1 | 2 }
  | { op: 'tick' }
  | { op: 'limits'; pid: 1 | 2; maximum: number }

const operation: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constantFrom('read' as const, 'write' as const),
      pid: fc.constantFrom(1 as const, 2 as const),
      page: fc.integer({ min: 0, max: PAGES - 1 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('empty' as const), pid: fc.constantFrom(1 as const, 2 as const) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('limits' as const),
      pid: fc.constantFrom(1 as const, 2 as const),
      maximum: fc.integer({ min: 4, max: 12 }),
    }),
  },
)

/** What a run leaves that the digest does not cover: counters, working sets, fault counts. */
function observed(mm: MemoryManager): unknown {
  return {
    digest: mm.digest(),
    counters: mm.counters,
    system: mm.systemPagingCounters,
    sets: [1, 2].map((pid) => mm.processWorkingSet(pid)),
    lists: mm.memoryListInformation,
  }
}

function run(target: { mm: MemoryManager; bases: number[] }, ops: readonly Op[]): unknown[] {
  const { mm, bases } = target
  const seen: unknown[] = []
  for (const [step, op] of ops.entries()) {
    if (op.op === 'read') mm.mmuFor(op.pid).read8(bases[op.pid - 1]! + op.page * 4096)
    else if (op.op === 'write') mm.mmuFor(op.pid).write8(bases[op.pid - 1]! + op.page * 4096, step & 0xff)
    else if (op.op === 'empty') mm.emptyWorkingSet(op.pid)
    else if (op.op === 'tick') mm.balanceSetTick()
    else if (op.op === 'limits')
      mm.setWorkingSetLimits(op.pid, {
        minimum: 2,
        maximum: op.maximum,
        flags: QUOTA_LIMITS_HARDWS_MAX_ENABLE,
      })
    if (step % 8 === 0) seen.push(observed(mm))
  }
  seen.push(observed(mm))
  return seen
}

describe.each(['x86', 'x64'] as const)('the soft fault, recorded or not (%s)', (arch) => {
  it('changes the same state with and without a recorder, and its recorded events replay to it', () => {
    let soft = 0
    fc.assert(
      fc.property(fc.array(operation, { minLength: 20, maxLength: 120 }), (ops) => {
        const recorded = machine(arch)
        const events: (MmEvent | HwEvent)[] = []
        recorded.mm.setRecorder((event) => events.push(event))
        const replay = machine(arch)
        const unrecorded = machine(arch)
        expect(run(unrecorded, ops)).toEqual(run(recorded, ops))
        expect(recorded.mm.checkInvariants()).toEqual([])
        // The replay machine made the same spaces and areas before the recorder was attached.
        for (const event of events) replay.mm.applyRecordedEvent(event)
        expect(replay.mm.digest()).toBe(recorded.mm.digest())
        soft += recorded.mm.counters.softFaults
      }),
      { numRuns: Number(process.env.NT_PAGING_RUNS ?? 30) },
    )
    expect(soft).toBeGreaterThan(0)
  })

  it('records mm.pageReclaimed, the PTE write, mm.mappingCreated and mm.pageFault, in that order', () => {
    const { mm, bases } = machine(arch)
    const base = bases[0]!
    mm.mmuFor(1).write8(base, 7)
    mm.emptyWorkingSet(1)
    const events: (MmEvent | HwEvent)[] = []
    mm.setRecorder((event) => events.push(event))
    expect(mm.mmuFor(1).read8(base)).toBe(7)
    const types = events
      .map((event) => event.type)
      .filter((type) => type.startsWith('mm.') || type === 'hw.pteWritten')
    expect(types).toEqual(['mm.pageReclaimed', 'hw.pteWritten', 'mm.mappingCreated', 'mm.pageFault'])
    const reclaimed = events.find((event) => event.type === 'mm.pageReclaimed') as Extract<
      MmEvent,
      { type: 'mm.pageReclaimed' }
    >
    const mapped = events.find((event) => event.type === 'mm.mappingCreated') as Extract<
      MmEvent,
      { type: 'mm.mappingCreated' }
    >
    expect(reclaimed.before).toMatchObject({
      state: 'MODIFIED',
      ownerPid: 1,
      ownerAddress: base,
      modified: true,
    })
    expect(reclaimed.after).toEqual({ ...reclaimed.before, state: 'ACTIVE' })
    expect(mapped.before).toEqual(reclaimed.after)
    expect(mapped.after).toEqual({ ...reclaimed.after, protectMask: mapped.protectMask })
    expect(events.find((event) => event.type === 'mm.pageFault')).toMatchObject({
      kind: 'soft',
      cause: 'frame reclaimed from the modified list',
    })
  })
})
