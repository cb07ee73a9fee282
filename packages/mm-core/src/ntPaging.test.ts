// Table tests of the 'nt' policy, one per transition and fault kind of NT-PAGING.md (§ named in
// each title), with exact counters.

import { describe, expect, it } from 'vitest'
import { MemoryManager } from './memoryManager.js'
import { QUOTA_LIMITS_HARDWS_MAX_ENABLE, QUOTA_LIMITS_HARDWS_MIN_ENABLE } from './ntPagingState.js'
import { MemoryListCommand } from './ntWorkingSetServices.js'
import {
  STATUS_BAD_WORKING_SET_LIMIT,
  STATUS_NOT_LOCKED,
  STATUS_SUCCESS,
  STATUS_WORKING_SET_QUOTA,
} from './ntStatus.js'
import { createNtMachine } from './testing/createNtMachine.js'

const {
  MemoryEmptyWorkingSets,
  MemoryFlushModifiedList,
  MemoryPurgeStandbyList,
  MemoryPurgeLowPriorityStandbyList,
} = MemoryListCommand

describe('nt paging: faults (§3.4)', () => {
  it('a first touch is a demand-zero fault: DemandZeroCount +1 for the page and +1 for its new page table (§3.8), the page born modified', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 8)
    const before = mm.systemPagingCounters
    p.write(0, 7)
    const after = mm.systemPagingCounters
    expect(after.demandZeroCount - before.demandZeroCount).toBe(2)
    expect(mm.counters.demandZeroFaults).toBe(1)
    expect(after.transitionCount).toBe(0)
    expect(after.pageReadCount).toBe(0)
    const pfn = mm.pfnDatabase.framesOn('ACTIVE').at(-1)!
    expect(mm.pfnDatabase.entry(pfn)).toMatchObject({ state: 'ACTIVE', modified: true, pageFileSlot: -1 })
    // The working set holds the page and its page table; each level's fault counts (§3.4).
    expect(mm.processWorkingSet(1)).toMatchObject({ pageFaultCount: 2, workingSetSize: 2 * 4096 })
  })

  it('a demand-zero page only read is trimmed to the modified list, never dropped (§3.2 demand zero born modified)', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 8)
    for (let page = 0; page < 3; page++) expect(p.read(page)).toBe(0)
    expect(mm.emptyWorkingSet(1).status).toBe(STATUS_SUCCESS)
    expect(mm.memoryListInformation).toMatchObject({
      modifiedPageCount: 3,
      pageCountByPriority: [0, 0, 0, 0, 0, 0, 0, 0],
    })
    expect(mm.counters.pagesDropped).toBe(0)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('a trimmed page comes back with a transition (soft) fault from the modified list: TransitionCount +1, no read', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 8)
    p.write(2, 42)
    mm.emptyWorkingSet(1)
    const before = mm.systemPagingCounters
    expect(p.read(2)).toBe(42)
    const after = mm.systemPagingCounters
    expect(after.transitionCount - before.transitionCount).toBe(1)
    expect(after.pageReadCount - before.pageReadCount).toBe(0)
    expect(after.demandZeroCount - before.demandZeroCount).toBe(0)
    expect(mm.memoryListInformation.modifiedPageCount).toBe(0)
  })

  it('a written page comes back soft from the standby list and keeps its slot (§3.2 Standby → Active)', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 8)
    p.write(1, 9)
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryFlushModifiedList)
    expect(mm.memoryListInformation.pageCountByPriority[5]).toBe(1)
    const slots = mm.pageFileState.usedSlots
    expect(p.read(1)).toBe(9)
    expect(mm.systemPagingCounters.transitionCount).toBe(1)
    expect(mm.pageFileState.usedSlots).toBe(slots)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('a repurposed page comes back with a hard fault: PageReadCount +1, PageReadIoCount +1', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 8)
    p.write(3, 33)
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryFlushModifiedList)
    mm.memoryListCommand(MemoryPurgeStandbyList)
    const before = mm.systemPagingCounters
    expect(p.read(3)).toBe(33)
    const after = mm.systemPagingCounters
    expect(after.pageReadCount - before.pageReadCount).toBe(1)
    expect(after.pageReadIoCount - before.pageReadIoCount).toBe(1)
    expect(after.transitionCount - before.transitionCount).toBe(0)
  })
})

describe('nt paging: the page-file slot (§3.4)', () => {
  it('keeps the slot of a page read back and not modified: trimmed again it goes to standby with no write', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 8)
    p.write(0, 5)
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryFlushModifiedList)
    mm.memoryListCommand(MemoryPurgeStandbyList)
    expect(p.read(0)).toBe(5)
    expect(mm.pageFileState.usedSlots).toBe(1)
    const written = mm.systemPagingCounters.dirtyPagesWriteCount
    mm.emptyWorkingSet(1)
    expect(mm.memoryListInformation).toMatchObject({
      modifiedPageCount: 0,
      pageCountByPriority: [0, 0, 0, 0, 0, 1, 0, 0],
    })
    mm.memoryListCommand(MemoryFlushModifiedList)
    expect(mm.systemPagingCounters.dirtyPagesWriteCount).toBe(written)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('releases the slot when the page read back is written (the copy is stale)', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 8)
    p.write(0, 5)
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryFlushModifiedList)
    mm.memoryListCommand(MemoryPurgeStandbyList)
    expect(p.read(0)).toBe(5)
    p.write(0, 6)
    mm.emptyWorkingSet(1)
    expect(mm.pageFileState.usedSlots).toBe(0)
    expect(mm.memoryListInformation.modifiedPageCount).toBe(1)
    expect(p.read(0)).toBe(6)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('writes 40 pages once when they are read back twice on a small machine (issue 21: 100 writes where 40 suffice)', () => {
    const { mm, process, ofType } = createNtMachine({
      frames: 32,
      nt: { minimumFreePages: 2, plentyFreePages: 4, modifiedWriteThreshold: 4 },
    })
    const p = process(1, 40)
    for (let page = 0; page < 40; page++) p.write(page, page + 1)
    for (let round = 0; round < 2; round++)
      for (let page = 0; page < 40; page++) expect(p.read(page)).toBe(page + 1)
    // Each page is written at most once: read back clean, it keeps its slot and goes to standby.
    const writes = ofType('mm.pageWritten').map((written) => written.before.ownerAddress)
    expect(new Set(writes).size).toBe(writes.length)
    expect(mm.systemPagingCounters.dirtyPagesWriteCount).toBeLessThanOrEqual(40)
    expect(mm.systemPagingCounters.transitionCount + mm.systemPagingCounters.pageReadCount).toBeGreaterThan(0)
    expect(mm.checkInvariants()).toEqual([])
  })
})

describe('nt paging: the modified page writer (§3.6)', () => {
  it('writes a flush in clusters of WriteCluster pages: one write I/O per cluster, contiguous slots', () => {
    const { mm, process, ofType } = createNtMachine({ nt: { writeCluster: 4 } })
    const p = process(1, 16)
    for (let page = 0; page < 10; page++) p.write(page, page)
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryFlushModifiedList)
    expect(mm.systemPagingCounters).toMatchObject({ dirtyPagesWriteCount: 10, dirtyWriteIoCount: 3 })
    expect(ofType('mm.clusterWritten').map((cluster) => cluster.slots)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ])
    expect(mm.memoryListInformation).toMatchObject({
      modifiedPageCount: 0,
      pageCountByPriority: [0, 0, 0, 0, 0, 10, 0, 0],
    })
  })

  it('on a tick writes while the modified list is at its threshold, so at most the threshold plus a partial cluster stays', () => {
    const { mm, process, ofType } = createNtMachine({ nt: { modifiedWriteThreshold: 4, writeCluster: 4 } })
    const p = process(1, 16)
    for (let page = 0; page < 10; page++) p.write(page, page)
    mm.emptyWorkingSet(1)
    const tick = mm.balanceSetTick()
    expect(mm.systemPagingCounters).toMatchObject({ dirtyPagesWriteCount: 8, dirtyWriteIoCount: 2 })
    expect(mm.memoryListInformation.modifiedPageCount).toBe(2)
    expect(ofType('mm.pageWritten').every((written) => written.tick === tick)).toBe(true)
    expect(ofType('mm.clusterWritten').map((cluster) => cluster.cause)).toEqual(['threshold', 'threshold'])
  })

  it('shortens a cluster to the longest run of free slots left', () => {
    const { mm, process, ofType } = createNtMachine({ pageFileSlots: 6, nt: { writeCluster: 4 } })
    const p = process(1, 8)
    for (let page = 0; page < 6; page++) p.write(page, page)
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryFlushModifiedList)
    expect(ofType('mm.clusterWritten').map((cluster) => cluster.slots)).toEqual([
      [0, 1, 2, 3],
      [4, 5],
    ])
  })
})

describe('nt paging: working sets (§3.5)', () => {
  it('replaces locally at a hard maximum: the working set never grows past it', () => {
    const { mm, process, ofType } = createNtMachine()
    const p = process(1, 16)
    expect(
      mm.setWorkingSetLimits(1, { minimum: 2, maximum: 6, flags: QUOTA_LIMITS_HARDWS_MAX_ENABLE }).status,
    ).toBe(STATUS_SUCCESS)
    for (let page = 0; page < 10; page++) p.write(page, page + 1)
    // Five pages and their page table (an entry that maps valid pages stays).
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(6 * 4096)
    expect(ofType('mm.workingSetTrimmed').map((trim) => trim.reason)).toEqual(
      new Array(5).fill('local replacement'),
    )
    for (let page = 0; page < 10; page++) expect(p.read(page)).toBe(page + 1)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('grows past a soft maximum while available pages are plentiful', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 16)
    mm.setWorkingSetLimits(1, { minimum: 2, maximum: 6 })
    for (let page = 0; page < 10; page++) p.write(page, page + 1)
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(11 * 4096)
  })

  it('above a soft maximum with available pages short, a fault replaces one page: the working set keeps its size (WRK MiDoReplacement)', () => {
    // Grown past its maximum while memory was plentiful, the process does not lose its excess at
    // its next fault once memory runs short: each fault gives up one of its own pages for the new
    // one (NT-PAGING.md §3.5 "removes one of its own pages"); trimming towards the maximum is the
    // working-set manager's pass, which ages pages first.
    const { mm, process, ofType } = createNtMachine({ nt: { plentyFreePages: 30 } })
    const p = process(1, 16)
    const other = process(2, 40)
    mm.setWorkingSetLimits(1, { minimum: 2, maximum: 6 })
    mm.setWorkingSetLimits(2, { minimum: 2, maximum: 40 })
    const pages = (pid: number) => mm.processWorkingSet(pid)!.workingSetSize / 4096
    const available = () => {
      const lists = mm.memoryListInformation
      return lists.zeroPageCount + lists.freePageCount + lists.pageCountByPriority.reduce((a, b) => a + b, 0)
    }
    for (let page = 0; page < 10; page++) p.write(page, page + 1)
    expect(pages(1)).toBe(11)
    for (let page = 0; available() >= 30; page++) other.write(page, 1)
    expect(ofType('mm.workingSetTrimmed')).toEqual([])
    p.write(10, 11)
    const trims = ofType('mm.workingSetTrimmed')
    expect(trims.map((trim) => [trim.pid, trim.reason])).toEqual([[1, 'local replacement']])
    expect(pages(1)).toBe(11)
    for (let page = 0; page < 11; page++) expect(p.read(page)).toBe(page + 1)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('ages by tick: a page above the maximum untouched for four passes is trimmed on the fifth, naming that tick', () => {
    const { mm, process, ofType } = createNtMachine({ frames: 64, nt: { plentyFreePages: 20 } })
    const grower = process(1, 16)
    const other = process(2, 32)
    // Memory is plentiful while process 1 grows past its soft maximum ...
    mm.setWorkingSetLimits(1, { minimum: 2, maximum: 6 })
    for (let page = 0; page < 10; page++) grower.write(page, page + 1)
    // Ten pages and their page table.
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(11 * 4096)
    // ... then scarce, so the working-set manager's passes look at it.
    for (let page = 0; page < 30; page++) other.write(page, 1)
    expect(mm.systemPagingCounters.availablePages).toBeLessThan(20)
    for (let tick = 1; tick <= 4; tick++) mm.balanceSetTick()
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(11 * 4096)
    const fifth = mm.balanceSetTick()
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(6 * 4096)
    const trims = ofType('mm.workingSetTrimmed')
    expect(trims.map((trim) => [trim.pid, trim.reason, trim.tick])).toEqual(
      new Array(5).fill([1, 'working-set manager', fifth]),
    )
    expect(mm.checkInvariants()).toEqual([])
  })

  it('cuts a working set above a lowered maximum down to it at once', () => {
    const { mm, process, ofType } = createNtMachine()
    const p = process(1, 16)
    for (let page = 0; page < 10; page++) p.write(page, page + 1)
    mm.setWorkingSetLimits(1, { minimum: 2, maximum: 6 })
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(6 * 4096)
    expect(ofType('mm.workingSetTrimmed').map((trim) => trim.reason)).toEqual(
      new Array(5).fill('maximum lowered'),
    )
  })

  it('keeps a referenced page: the accessed bit resets its age', () => {
    const { mm, process } = createNtMachine({ nt: { plentyFreePages: 1000 } })
    const p = process(1, 16)
    for (let page = 0; page < 8; page++) p.write(page, page + 1)
    mm.setWorkingSetLimits(1, { minimum: 2, maximum: 7 })
    for (let tick = 0; tick < 5; tick++) {
      p.read(0)
      mm.balanceSetTick()
    }
    const resident = mm.pfnDatabase.framesOn('ACTIVE').map((pfn) => mm.pfnDatabase.entry(pfn).ownerAddress)
    expect(resident).toContain(p.base)
  })

  it('trims below MinimumFreePages to a soft minimum, never below a hard one (TrimHard)', () => {
    const { mm, process } = createNtMachine({
      frames: 64,
      nt: { minimumFreePages: 1000, plentyFreePages: 1000 },
    })
    const soft = process(1, 8)
    const hard = process(2, 8)
    mm.setWorkingSetLimits(1, { minimum: 2, maximum: 20 })
    mm.setWorkingSetLimits(2, { minimum: 2, maximum: 20, flags: QUOTA_LIMITS_HARDWS_MIN_ENABLE })
    for (let page = 0; page < 6; page++) {
      soft.write(page, page + 1)
      hard.write(page, page + 1)
    }
    for (let tick = 0; tick < 6; tick++) mm.balanceSetTick()
    // One page and the page table that maps it; six pages and their table.
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(2 * 4096)
    expect(mm.processWorkingSet(2)!.workingSetSize).toBe(7 * 4096)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('never trims a locked page (VirtualLock), and locks at most the minimum less an overhead', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 16)
    for (let page = 0; page < 4; page++) p.write(page, page + 1)
    expect(mm.lockPages(1, [p.base, p.base + 4096]).status).toBe(STATUS_SUCCESS)
    mm.emptyWorkingSet(1)
    // The locked pages and their page table (which maps them, so it stays).
    expect(mm.processWorkingSet(1)).toMatchObject({
      workingSetSize: 3 * 4096,
      lockedPages: [p.base, p.base + 4096],
    })
    p.read(2)
    expect(mm.lockPages(1, [p.base + 2 * 4096]).status).toBe(STATUS_SUCCESS)
    p.read(3)
    expect(mm.lockPages(1, [p.base + 3 * 4096]).status).toBe(STATUS_WORKING_SET_QUOTA)
    expect(mm.unlockPages(1, [p.base + 5 * 4096]).status).toBe(STATUS_NOT_LOCKED)
    expect(mm.unlockPages(1, [p.base]).status).toBe(STATUS_SUCCESS)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('refuses a maximum that leaves too few fluid entries beside the locked pages (MmAdjustWorkingSetSize: STATUS_BAD_WORKING_SET_LIMIT)', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 16)
    for (let page = 0; page < 2; page++) p.write(page, page + 1)
    expect(mm.lockPages(1, [p.base, p.base + 4096]).status).toBe(STATUS_SUCCESS)
    const before = mm.processWorkingSet(1)
    // Two locked pages: a hard maximum of 2 would leave no entry to trim.
    expect(mm.setWorkingSetLimits(1, { minimum: 1, maximum: 2, flags: 4 }).status).toBe(
      STATUS_BAD_WORKING_SET_LIMIT,
    )
    expect(mm.processWorkingSet(1)).toEqual(before)
    expect(mm.setWorkingSetLimits(1, { minimum: 1, maximum: 8, flags: 4 }).status).toBe(STATUS_SUCCESS)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('counts a process’s faults and peak (VM_COUNTERS)', () => {
    const { mm, process } = createNtMachine()
    const p = process(1, 8)
    for (let page = 0; page < 5; page++) p.write(page, 1)
    mm.emptyWorkingSet(1)
    p.read(0)
    // Page tables count: one page and its table now, five and the table at the peak; the faults are
    // five demand-zero pages, the new table's own fault and the soft one.
    expect(mm.processWorkingSet(1)).toMatchObject({
      pageFaultCount: 7,
      workingSetSize: 2 * 4096,
      peakWorkingSetSize: 6 * 4096,
    })
  })
})

describe('nt paging: a streaming process and an idle one (issue 21)', () => {
  const run = (minimum: number, idleFlags: number) => {
    const { mm, process } = createNtMachine({
      frames: 48,
      pageFileSlots: 256,
      nt: { tickEvery: 50, minimumFreePages: 2, plentyFreePages: 6, modifiedWriteThreshold: 4 },
    })
    const idle = process(1, 8)
    const streamer = process(2, 200)
    mm.setWorkingSetLimits(1, { minimum, maximum: 24, flags: idleFlags })
    for (let page = 0; page < 8; page++) idle.write(page, page + 1)
    for (let page = 0; page < 200; page++) {
      streamer.write(page, page & 0xff)
      mm.countReferences(1)
    }
    // Working-set entries: the idle process's pages and their page table.
    const resident = mm.processWorkingSet(1)!.workingSetSize / 4096
    const before = mm.systemPagingCounters
    for (let page = 0; page < 8; page++) expect(idle.read(page)).toBe(page + 1)
    const after = mm.systemPagingCounters
    expect(mm.checkInvariants()).toEqual([])
    return {
      resident,
      soft: after.transitionCount - before.transitionCount,
      hard: after.pageReadCount - before.pageReadCount,
    }
  }

  it('keeps every page of an idle process with a hard minimum while another streams', () => {
    expect(run(9, QUOTA_LIMITS_HARDWS_MIN_ENABLE)).toEqual({ resident: 9, soft: 0, hard: 0 })
  })

  it('keeps them with a soft minimum too: the streamer replaces its own pages (local replacement)', () => {
    expect(run(4, 0)).toEqual({ resident: 9, soft: 0, hard: 0 })
  })
})

describe('nt paging: the PFN lists (§3.2)', () => {
  it("purges only priority 0 standby pages for RAMMap's MemoryPurgeLowPriorityStandbyList (5): they come back hard, the others soft", () => {
    const { mm, process } = createNtMachine()
    const low = process(1, 4)
    const normal = process(2, 4)
    mm.setPagePriority(1, 0)
    for (let page = 0; page < 4; page++) {
      low.write(page, 10 + page)
      normal.write(page, 20 + page)
    }
    mm.memoryListCommand(MemoryEmptyWorkingSets)
    mm.memoryListCommand(MemoryFlushModifiedList)
    expect(mm.memoryListInformation.pageCountByPriority).toEqual([4, 0, 0, 0, 0, 4, 0, 0])
    const free = mm.memoryListInformation.freePageCount
    expect(mm.memoryListCommand(MemoryPurgeLowPriorityStandbyList).status).toBe(STATUS_SUCCESS)
    expect(mm.memoryListInformation).toMatchObject({
      pageCountByPriority: [0, 0, 0, 0, 0, 4, 0, 0],
      freePageCount: free + 4,
      // A purge frees the frames; nothing is handed to another page.
      repurposedPagesByPriority: [0, 0, 0, 0, 0, 0, 0, 0],
    })
    const before = mm.systemPagingCounters
    for (let page = 0; page < 4; page++) {
      expect(low.read(page)).toBe(10 + page)
      expect(normal.read(page)).toBe(20 + page)
    }
    const after = mm.systemPagingCounters
    expect(after.pageReadCount - before.pageReadCount).toBe(4)
    expect(after.transitionCount - before.transitionCount).toBe(4)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('repurposes the lowest priority first, oldest first, and counts RepurposedPagesByPriority', () => {
    const { mm, process } = createNtMachine({ frames: 40 })
    const low = process(1, 4)
    const normal = process(2, 4)
    const fresh = process(3, 40)
    mm.setPagePriority(1, 1)
    for (let page = 0; page < 4; page++) {
      normal.write(page, 20 + page)
      low.write(page, 10 + page)
    }
    mm.memoryListCommand(MemoryEmptyWorkingSets)
    mm.memoryListCommand(MemoryFlushModifiedList)
    expect(mm.memoryListInformation.pageCountByPriority).toEqual([0, 4, 0, 0, 0, 4, 0, 0])
    const available = mm.memoryListInformation.zeroPageCount + mm.memoryListInformation.freePageCount
    for (let page = 0; page < available + 5; page++) fresh.write(page, 1)
    // Every priority 1 page went before any priority 5 one; among these, the oldest first.
    const repurposed = mm.memoryListInformation.repurposedPagesByPriority
    expect(repurposed[1]).toBe(4)
    const taken = repurposed[5]!
    expect(taken).toBeGreaterThan(0)
    expect(taken).toBeLessThan(4)
    const before = mm.systemPagingCounters
    // Newest first, so the soft faults need no frame and repurpose nothing more.
    for (let page = 3; page >= 0; page--) expect(normal.read(page)).toBe(20 + page)
    const after = mm.systemPagingCounters
    expect(after.pageReadCount - before.pageReadCount).toBe(taken)
    expect(after.transitionCount - before.transitionCount).toBe(4 - taken)
    for (let page = 0; page < 4; page++) expect(low.read(page)).toBe(10 + page)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('the zero page thread moves free frames to the zeroed list on a tick, naming it', () => {
    const { mm, process, ofType } = createNtMachine()
    const p = process(1, 8)
    for (let page = 0; page < 4; page++) p.write(page, 1)
    mm.balanceSetTick()
    mm.deleteAddressSpace(1)
    const free = mm.memoryListInformation.freePageCount
    expect(free).toBeGreaterThan(0)
    const tick = mm.balanceSetTick()
    expect(mm.memoryListInformation.freePageCount).toBe(0)
    const zeroed = ofType('mm.pageZeroed').filter((event) => event.tick === tick)
    expect(zeroed.length).toBe(free)
  })
})

describe('nt paging: time (§3.1)', () => {
  it('ticks every tickEvery references and carries the remainder', () => {
    const { mm, ofType } = createNtMachine({ nt: { tickEvery: 1000 } })
    expect(mm.countReferences(2500)).toBe(2)
    expect(mm.countReferences(499)).toBe(0)
    expect(mm.countReferences(1)).toBe(1)
    expect(ofType('mm.balanceSetTick').map((tick) => [tick.tick, tick.reason])).toEqual([
      [1, 'references'],
      [2, 'references'],
      [3, 'references'],
    ])
  })

  it('runs a tick at once when a frame request finds available pages below MinimumFreePages', () => {
    const { mm, process, ofType } = createNtMachine({
      frames: 32,
      nt: { minimumFreePages: 4, plentyFreePages: 8 },
    })
    const p = process(1, 64)
    for (let page = 0; page < 40; page++) p.write(page, page)
    expect(ofType('mm.balanceSetTick').length).toBeGreaterThan(0)
    expect(ofType('mm.balanceSetTick').every((tick) => tick.reason === 'low memory')).toBe(true)
    for (let page = 0; page < 40; page++) expect(p.read(page)).toBe(page)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('replays exactly: the recorded events rebuild the machine (time travel)', () => {
    const live = createNtMachine({
      frames: 32,
      nt: { tickEvery: 50, minimumFreePages: 3, plentyFreePages: 6, modifiedWriteThreshold: 4 },
    })
    const replay = new MemoryManager({
      physicalMemory: 32 * 4096,
      pageFile: 64 * 4096,
      tlb: { data: { entries: 8, ways: 2 } },
      replacementPolicy: 'nt',
      nt: {
        tickEvery: 50,
        minimumFreePages: 3,
        plentyFreePages: 6,
        modifiedWriteThreshold: 4,
        writeCluster: 4,
      },
    })
    const recorded: Parameters<typeof replay.applyRecordedEvent>[0][] = []
    live.mm.setRecorder((event) => recorded.push(event))
    const start = live.mm.snapshot()
    const startDigest = live.mm.digest()
    const p = live.process(1, 48)
    for (let round = 0; round < 3; round++)
      for (let page = 0; page < 48; page++) {
        p.write(page, (page + round) & 0xff)
        live.mm.countReferences(7)
      }
    for (const event of recorded) replay.applyRecordedEvent(event)
    expect(replay.digest()).toBe(live.mm.digest())
    const end = live.mm.digest()
    live.mm.restore(start)
    expect(live.mm.digest()).toBe(startDigest)
    expect(end).not.toBe(startDigest)
  })
})

describe('nt paging: configuration', () => {
  it('validates each option with a RangeError naming it', () => {
    expect(() => new MemoryManager({ replacementPolicy: 'nt', nt: { writeCluster: 0 } })).toThrow(
      /nt\.writeCluster/,
    )
    expect(() => new MemoryManager({ replacementPolicy: 'nt', nt: { tickEvery: -1 } })).toThrow(
      /nt\.tickEvery/,
    )
    expect(
      () => new MemoryManager({ replacementPolicy: 'nt', nt: { minimumFreePages: 9, plentyFreePages: 3 } }),
    ).toThrow(/nt\.plentyFreePages/)
    expect(() => new MemoryManager({ replacementPolicy: 'fifo', nt: {} })).toThrow(/nt options/)
  })

  it('scales Windows’ defaults to the machine', () => {
    expect(new MemoryManager({ physicalMemory: 64 * 4096, replacementPolicy: 'nt' }).ntConfig).toEqual({
      tickEvery: 1000,
      minimumFreePages: 2,
      plentyFreePages: 8,
      modifiedWriteThreshold: 4,
      writeCluster: 16,
      workingSetMinimum: 4,
      workingSetMaximum: 32,
    })
    expect(new MemoryManager({ replacementPolicy: 'nt' }).ntConfig).toMatchObject({
      minimumFreePages: 26,
      plentyFreePages: 400,
      workingSetMinimum: 50,
      workingSetMaximum: 345,
    })
  })
})
