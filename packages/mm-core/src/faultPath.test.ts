// The demand-zero, hard, shared-page, copy-on-write and soft (transition) faults build their
// events only for a recorder and apply their state changes from their fields either way
// (virtualMapping.ts createVirtualMapping, pageMemoryConsumer.ts applyRequested, sharedPages.ts
// mapSharedPage, sectionViewFault.ts copyOnWrite, transitionFault.ts), write their PTEs as words
// on 32-bit paging (softwarePte.ts validPteLowX86), and the page file reuses the buffers of freed slots
// (pageFile.ts): a recorded and an unrecorded run of the same program end in the same state, the
// recorded events replay to it, and a checkpoint taken midway still restores what it held. A page
// goes to and from the page file without a copy (a slot takes a frame's words lent, a frame takes a
// slot's words: pageFile.ts, hw-mmu lendFrameWords / adoptFrameWords): checkpoints taken and
// restored mid-way while pages are swapped (and frame-store checkpoints alone, which change which
// buffers may be written in place) leave the state a run without them reaches.
import type { HwEvent } from '@ntmm/hw-mmu'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { MmEvent } from './events.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_NOACCESS, PAGE_READWRITE, PAGE_WRITECOPY } from './memoryConstants.js'
import { MemoryManager } from './memoryManager.js'

const PAGES = 24

interface Target {
  readonly mm: MemoryManager
  /** Private area of process 1, shared view of process 1, copy-on-write view of process 2. */
  readonly bases: readonly number[]
}

function machine(arch: 'x86' | 'x64', policy: 'working-set' | 'fifo' | 'nt'): Target {
  const mm = new MemoryManager({
    arch,
    physicalMemory: 20 * 4096,
    pageFile: 128 * 4096,
    tlb: { data: { entries: 8, ways: 2 } },
    replacementPolicy: policy,
  })
  const owner = mm.createAddressSpace(1).space!
  const copier = mm.createAddressSpace(2).space!
  const segmentId = mm.createSegment({ kind: 'pagefile', pages: PAGES, commit: true }).segmentId!
  const bases = [
    mm.createArea(owner, { size: PAGES * 4096, protect: PAGE_READWRITE, commit: true }).area!.startingAddress,
    mm.mapView(owner, { segmentId, offsetPages: 0, pages: PAGES, protect: PAGE_READWRITE }).area!
      .startingAddress,
    mm.mapView(copier, { segmentId, offsetPages: 0, pages: PAGES, protect: PAGE_WRITECOPY }).area!
      .startingAddress,
  ]
  return { mm, bases }
}

type Op =
  | { op: 'read' | 'write'; range: 0 | 1 | 2; page: number }
  | { op: 'release'; page: number }
  | { op: 'trim'; pid: 1 | 2 }

const operation: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constantFrom('read' as const, 'write' as const),
      range: fc.constantFrom(0 as const, 1 as const, 2 as const),
      page: fc.integer({ min: 0, max: PAGES - 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('release' as const),
      page: fc.integer({ min: 0, max: PAGES - 1 }),
    }),
  },
  {
    // The working set emptied: its pages go to standby or modified, and the next touches are
    // soft faults (a private page's transition PTE; a shared page's entry in TRANSITION).
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('trim' as const), pid: fc.constantFrom(1 as const, 2 as const) }),
  },
)

function observed(mm: MemoryManager, results: readonly unknown[]): unknown {
  return { digest: mm.digest(), counters: mm.counters, sectionCounters: mm.sectionCounters, results }
}

/** Runs `ops` on `target`; `first`: the step number of its first operation (written bytes and offsets follow it). */
function run(target: Target, ops: readonly Op[], first = 0): unknown[] {
  const { mm, bases } = target
  const seen: unknown[] = []
  // Each fault's result (status, kind, cause), as the MMU got it.
  const results: unknown[] = []
  mm.mmuFor(1).setFaultHandler((fault) => {
    const result = mm.accessFault(mm.currentPid(), fault)
    results.push(result)
    return result
  })
  for (const [index, op] of ops.entries()) {
    const step = first + index
    if (op.op === 'trim') {
      // 'nt' only (the textbook policies answer STATUS_NOT_IMPLEMENTED and change nothing).
      mm.emptyWorkingSet(op.pid)
      continue
    }
    if (op.op === 'release') {
      // Decommit one private page: its frame or page-file slot goes (a freed slot's buffer is reused).
      const space = mm.addressSpace(1)!
      const area = mm.locateArea(space, bases[0]!)!
      const at = bases[0]! + op.page * 4096
      expect(mm.alterRegion(space, area, at, 4096, MEM_RESERVE, PAGE_NOACCESS).status).toBe(0)
      expect(
        mm.alterRegion(space, mm.locateArea(space, at)!, at, 4096, MEM_COMMIT, PAGE_READWRITE).status,
      ).toBe(0)
      continue
    }
    const pid = op.range === 2 ? 2 : 1
    const va = bases[op.range]! + op.page * 4096 + (step & 0xff0)
    if (op.op === 'read') mm.mmuFor(pid).read8(va)
    else mm.mmuFor(pid).write8(va, step & 0xff)
    if (step % 8 === 0) seen.push(observed(mm, results.splice(0)))
  }
  seen.push(observed(mm, results.splice(0)))
  return seen
}

describe.each([
  ['x86', 'working-set'],
  ['x64', 'fifo'],
  ['x86', 'nt'],
] as const)('the fault path, recorded or not (%s, %s)', (arch, policy) => {
  it('changes the same state with and without a recorder, and its recorded events replay to it', () => {
    let hard = 0
    let soft = 0
    let copies = 0
    fc.assert(
      fc.property(fc.array(operation, { minLength: 30, maxLength: 150 }), (ops) => {
        const recorded = machine(arch, policy)
        const events: (MmEvent | HwEvent)[] = []
        recorded.mm.setRecorder((event) => events.push(event))
        const replay = machine(arch, policy)
        const unrecorded = machine(arch, policy)
        expect(run(unrecorded, ops)).toEqual(run(recorded, ops))
        expect(recorded.mm.checkInvariants()).toEqual([])
        for (const event of events) replay.mm.applyRecordedEvent(event)
        expect(replay.mm.digest()).toBe(recorded.mm.digest())
        hard += recorded.mm.counters.hardFaults
        soft += recorded.mm.counters.softFaults
        copies += recorded.mm.sectionCounters.copyOnWriteFaults
      }),
      { numRuns: Number(process.env.FAULT_PATH_RUNS ?? 25) },
    )
    expect(hard).toBeGreaterThan(0)
    // Soft faults: shared pages touched by the second process, and (after trims) transition PTEs.
    expect(soft).toBeGreaterThan(0)
    expect(copies).toBeGreaterThan(0)
  })

  it('a checkpoint keeps its page-file contents while freed slots lend their buffers to new pages', () => {
    fc.assert(
      fc.property(
        fc.array(operation, { minLength: 30, maxLength: 120 }),
        fc.array(operation, { minLength: 30, maxLength: 120 }),
        (first, second) => {
          const target = machine(arch, policy)
          run(target, first)
          const digest = target.mm.digest()
          const checkpoint = target.mm.snapshot()
          run(target, second)
          target.mm.restore(checkpoint)
          expect(target.mm.digest()).toBe(digest)
          run(target, second)
          expect(target.mm.checkInvariants()).toEqual([])
        },
      ),
      { numRuns: Number(process.env.FAULT_PATH_RUNS ?? 15) },
    )
  })

  it('checkpoints taken and restored mid-way while pages swap leave the state a run without them reaches', () => {
    /** An operation and its step number (its written bytes and offsets follow it). */
    type Stepped = { readonly op: Op; readonly step: number }
    type Step = Op | { op: 'checkpoint' } | { op: 'restore'; which: number } | { op: 'frames checkpoint' }
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 12, arbitrary: operation },
      { weight: 1, arbitrary: fc.constant({ op: 'checkpoint' as const }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('restore' as const), which: fc.nat(7) }) },
      { weight: 1, arbitrary: fc.constant({ op: 'frames checkpoint' as const }) },
    )
    let swapped = 0
    fc.assert(
      fc.property(fc.array(step, { minLength: 40, maxLength: 200 }), (steps) => {
        const target = machine(arch, policy)
        const checkpoints: {
          snapshot: ReturnType<MemoryManager['snapshot']>
          history: Stepped[]
          digest: string
        }[] = []
        // The operations the machine's state is made of: a restore takes it back to a checkpoint's.
        let history: Stepped[] = []
        for (const [index, s] of steps.entries()) {
          if (s.op === 'checkpoint') {
            checkpoints.push({
              snapshot: target.mm.snapshot(),
              history: [...history],
              digest: target.mm.digest(),
            })
          } else if (s.op === 'frames checkpoint') {
            target.mm.mmu.frames.checkpoint()
          } else if (s.op === 'restore') {
            if (checkpoints.length === 0) continue
            const checkpoint = checkpoints[s.which % checkpoints.length]!
            target.mm.restore(checkpoint.snapshot)
            expect(target.mm.digest()).toBe(checkpoint.digest)
            history = [...checkpoint.history]
          } else {
            run(target, [s], index)
            history.push({ op: s, step: index })
          }
        }
        expect(target.mm.checkInvariants()).toEqual([])
        const reference = machine(arch, policy)
        for (const { op, step } of history) run(reference, [op], step)
        expect(target.mm.digest()).toBe(reference.mm.digest())
        swapped += target.mm.counters.pagesRead
      }),
      { numRuns: Number(process.env.FAULT_PATH_RUNS ?? 25) },
    )
    expect(swapped).toBeGreaterThan(0)
  })
})
