// Table tests of section pages as entries of each mapping process's working set under 'nt'
// (NT-PAGING.md §3.5 with shared pages; ntSharedEntries.ts), with exact counts.

import { describe, expect, it } from 'vitest'
import type { MmEvent } from './events.js'
import { MemoryManager } from './memoryManager.js'
import { PAGE_READWRITE } from './memoryConstants.js'
import { QUOTA_LIMITS_HARDWS_MAX_ENABLE } from './ntPagingState.js'
import { QUIET } from './testing/createNtMachine.js'

/** Processes 1 and 2 each map one view of a 2-page pagefile section; `nt` overrides the quiet thresholds. */
function machine(nt = {}) {
  const mm = new MemoryManager({
    physicalMemory: 64 * 4096,
    pageFile: 64 * 4096,
    tlb: { data: { entries: 8, ways: 2 } },
    replacementPolicy: 'nt',
    nt: { ...QUIET, ...nt },
  })
  const events: MmEvent[] = []
  mm.setRecorder((event) => {
    if (event.type.startsWith('mm.')) events.push(event as MmEvent)
  })
  const segmentId = mm.createSegment({ kind: 'pagefile', pages: 2, commit: true }).segmentId!
  const views = new Map<number, number>()
  for (const pid of [1, 2]) {
    const space = mm.createAddressSpace(pid).space!
    views.set(
      pid,
      mm.mapView(space, { segmentId, offsetPages: 0, pages: 2, protect: PAGE_READWRITE }).area!
        .startingAddress,
    )
  }
  const at = (pid: number, page = 0) => views.get(pid)! + page * 4096
  const read = (pid: number, page = 0) => {
    const result = mm.mmuFor(pid).read(at(pid, page), 1)
    if (!result.ok) throw new Error('read failed')
    return result.data[0]!
  }
  const write = (pid: number, value: number, page = 0) => {
    if (!mm.mmuFor(pid).write(at(pid, page), [value]).ok) throw new Error('write failed')
  }
  const ws = (pid: number) => mm.processWorkingSet(pid)!.workingSetSize / 4096
  const ofType = <T extends MmEvent['type']>(type: T) =>
    events.filter((event): event is Extract<MmEvent, { type: T }> => event.type === type)
  return { mm, at, read, write, ws, ofType, segmentId }
}

describe('nt paging: section pages in each mapping process’s working set', () => {
  it('counts a shared page once in each working set that maps it valid (with each one’s page table)', () => {
    const { write, read, ws } = machine()
    write(1, 5)
    expect(read(2)).toBe(5)
    expect([ws(1), ws(2)]).toEqual([2, 2])
  })

  it('trims one process’s entry to a prototype PTE: the frame stays while another working set holds it', () => {
    const { mm, write, read, ws, ofType } = machine()
    write(1, 5)
    read(2)
    mm.emptyWorkingSet(1)
    expect(
      ofType('mm.workingSetTrimmed').map((e) => [e.pid, e.outcome, e.reason, e.after.shareCount]),
    ).toEqual([[1, 'shared', 'empty working set', 1]])
    expect(ofType('mm.sharedPageOut')).toEqual([])
    // Process 1's page table maps only a prototype PTE now, so it left too (§3.8).
    expect(ofType('mm.pageTableTrimmed').map((e) => e.pid)).toEqual([1])
    expect([ws(1), ws(2)]).toEqual([0, 2])
    // Touched again, the page is found through the prototype entry: resident, no read, no demand
    // zero.
    const before = mm.systemPagingCounters
    expect(read(1)).toBe(5)
    const after = mm.systemPagingCounters
    expect(after.pageReadCount - before.pageReadCount).toBe(0)
    expect(after.demandZeroCount - before.demandZeroCount).toBe(0)
    // Two transitions: the page table taken back, and the page found valid through its prototype.
    expect(after.transitionCount - before.transitionCount).toBe(2)
    expect(ws(1)).toBe(2)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('sends the page to the modified list only when the last working set lets it go, naming that tick and reason', () => {
    const { mm, write, read, ofType } = machine()
    write(1, 5)
    read(2)
    mm.balanceSetTick()
    mm.emptyWorkingSet(1)
    mm.emptyWorkingSet(2)
    expect(ofType('mm.sharedPageOut').map((e) => [e.outcome, e.tick, e.reason])).toEqual([
      ['modified', 1, 'empty working set'],
    ])
    // The page and the two page tables that mapped it.
    expect(mm.memoryListInformation.modifiedPageCount).toBe(3)
    expect(read(2)).toBe(5)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('ages each process’s entry by its own accessed bit: the process that stops touching the page loses it on the fifth pass', () => {
    const { mm, write, read, ws, ofType } = machine({ plentyFreePages: 1000 })
    // Both grow past a soft maximum of 1 (the page and its page table): every pass looks at both.
    mm.setWorkingSetLimits(1, { minimum: 1, maximum: 1 })
    mm.setWorkingSetLimits(2, { minimum: 1, maximum: 1 })
    write(1, 5)
    read(2)
    expect(ofType('mm.workingSetTrimmed')).toEqual([])
    for (let tick = 1; tick <= 4; tick++) {
      read(2)
      mm.balanceSetTick()
    }
    expect(ofType('mm.workingSetTrimmed')).toEqual([])
    read(2)
    const fifth = mm.balanceSetTick()
    expect(ofType('mm.workingSetTrimmed').map((e) => [e.pid, e.reason, e.tick, e.outcome])).toEqual([
      [1, 'working-set manager', fifth, 'shared'],
    ])
    expect([ws(1), ws(2)]).toEqual([1, 2])
    expect(mm.checkInvariants()).toEqual([])
  })

  it('replaces a shared entry locally at a hard maximum like a private page', () => {
    const { mm, write, ws, ofType } = machine()
    mm.setWorkingSetLimits(1, { minimum: 1, maximum: 2, flags: QUOTA_LIMITS_HARDWS_MAX_ENABLE })
    write(1, 1, 0)
    write(1, 2, 1)
    expect(ofType('mm.workingSetTrimmed').map((e) => [e.pid, e.reason, e.outcome])).toEqual([
      [1, 'local replacement', 'shared'],
    ])
    // The first page went to the modified list (no other working set held it).
    expect(ofType('mm.sharedPageOut').map((e) => [e.reason, e.outcome])).toEqual([
      ['local replacement', 'modified'],
    ])
    expect(ws(1)).toBe(2)
    expect(mm.checkInvariants()).toEqual([])
  })
})
