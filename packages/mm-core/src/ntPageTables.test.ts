// Table tests of page-table pages as working-set entries under 'nt' (NT-PAGING.md §3.8, second
// phase; §3.4 "PDE not valid" / "PDE absent"), with exact counters.

import { describe, expect, it } from 'vitest'
import { MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'
import { MemoryListCommand } from './ntWorkingSetServices.js'
import { createNtMachine } from './testing/createNtMachine.js'

const { MemoryFlushModifiedList, MemoryPurgeStandbyList } = MemoryListCommand

/** Process 1 wrote `pages` pages, then every one of them was trimmed, written and repurposed. */
function pagesInPageFile(pages = 3, options: Parameters<typeof createNtMachine>[0] = {}) {
  const machine = createNtMachine(options)
  const { mm } = machine
  const p = machine.process(1, 8)
  for (let page = 0; page < pages; page++) p.write(page, page + 10)
  mm.emptyWorkingSet(1)
  mm.memoryListCommand(MemoryFlushModifiedList)
  mm.memoryListCommand(MemoryPurgeStandbyList)
  return { ...machine, p }
}

describe('nt paging: page tables as working-set entries (§3.8)', () => {
  it('counts a page table in its process’s working set from the first fault below it (PDE absent: demand-zero table)', () => {
    const { mm, process, ofType } = createNtMachine()
    const p = process(1, 8)
    p.write(0, 1)
    p.write(1, 2)
    expect(ofType('mm.pageTableIn').map((e) => [e.pid, e.resolution])).toEqual([[1, 'demand-zero']])
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(3 * 4096)
    expect(mm.systemPagingCounters.demandZeroCount).toBe(3)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('keeps a page table that maps a page in transition: its pages left, it stays', () => {
    const { mm, process, ofType } = createNtMachine()
    const p = process(1, 8)
    p.write(0, 1)
    mm.emptyWorkingSet(1)
    expect(ofType('mm.pageTableTrimmed')).toEqual([])
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(4096)
    mm.emptyWorkingSet(1)
    expect(ofType('mm.pageTableTrimmed')).toEqual([])
  })

  it('trims a page table that maps nothing valid or in transition: PDE transition, born modified', () => {
    const { mm, ofType } = pagesInPageFile()
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(4096)
    expect(mm.emptyWorkingSet(1).status).toBe(0)
    const trims = ofType('mm.pageTableTrimmed')
    expect(trims.map((e) => [e.pid, e.reason, e.outcome, e.after.state])).toEqual([
      [1, 'empty working set', 'modified', 'MODIFIED'],
    ])
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(0)
    expect(mm.memoryListInformation.modifiedPageCount).toBe(1)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('brings a trimmed page table back soft (TransitionCount +1), then the page hard (PageReadCount +1)', () => {
    const { mm, p, ofType } = pagesInPageFile()
    mm.emptyWorkingSet(1)
    const before = mm.systemPagingCounters
    expect(p.read(1)).toBe(11)
    const after = mm.systemPagingCounters
    expect(ofType('mm.pageTableIn').at(-1)!.resolution).toBe('transition')
    expect(after.transitionCount - before.transitionCount).toBe(1)
    expect(after.pageReadCount - before.pageReadCount).toBe(1)
    // Each level counts (§3.4): the table's fault and the page's.
    expect(after.pageFaultCount - before.pageFaultCount).toBe(2)
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(2 * 4096)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('writes a trimmed page table to the page file and reads it back hard: PageReadCount +2, PageReadIoCount +2', () => {
    const { mm, p, ofType } = pagesInPageFile()
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryFlushModifiedList)
    mm.memoryListCommand(MemoryPurgeStandbyList)
    // Three pages and the table in the page file.
    expect(mm.pageFileState.usedSlots).toBe(4)
    expect(mm.checkInvariants()).toEqual([])
    const before = mm.systemPagingCounters
    expect(p.read(2)).toBe(12)
    const after = mm.systemPagingCounters
    expect(ofType('mm.pageTableIn').at(-1)!.resolution).toBe('page file')
    expect(after.pageReadCount - before.pageReadCount).toBe(2)
    expect(after.pageReadIoCount - before.pageReadIoCount).toBe(2)
    expect(after.transitionCount - before.transitionCount).toBe(0)
    for (let page = 0; page < 3; page++) expect(p.read(page)).toBe(page + 10)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('keeps the slot of a page table read back and unchanged: trimmed again it goes to standby, no write', () => {
    const { mm, p, ofType } = pagesInPageFile(1)
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryFlushModifiedList)
    mm.memoryListCommand(MemoryPurgeStandbyList)
    expect(p.read(0)).toBe(10)
    // The page and the table go out the same way again: the page to standby on its kept slot, the
    // table, once its page is repurposed (the same page-file PTE again), to standby on its own.
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryPurgeStandbyList)
    const written = mm.systemPagingCounters.dirtyPagesWriteCount
    mm.emptyWorkingSet(1)
    expect(ofType('mm.pageTableTrimmed').at(-1)!.outcome).toBe('standby')
    mm.memoryListCommand(MemoryFlushModifiedList)
    expect(mm.systemPagingCounters.dirtyPagesWriteCount).toBe(written)
    expect(p.read(0)).toBe(10)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('deletes a page table that maps nothing at all when it is trimmed (no write)', () => {
    const { mm, process, ofType } = createNtMachine()
    const p = process(1, 8)
    p.write(0, 1)
    const area = mm.locateArea(p.space, p.base)!
    expect(mm.alterRegion(p.space, area, p.base, 8 * 4096, MEM_RESERVE, PAGE_READWRITE).status).toBe(0)
    mm.emptyWorkingSet(1)
    expect(ofType('mm.pageTableTrimmed').map((e) => e.outcome)).toEqual(['deleted'])
    expect(mm.memoryListInformation.modifiedPageCount).toBe(0)
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(0)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('ages a page table in the working-set manager pass: untouched for four passes, trimmed on the fifth, naming that tick', () => {
    const { mm, process, ofType } = createNtMachine({ pageFileSlots: 4096, nt: { plentyFreePages: 1000 } })
    // Two pages 4 MiB apart: two page tables (x86), four working-set entries.
    const p = process(1, 2048)
    p.write(0, 1)
    p.write(1024, 2)
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(4 * 4096)
    // The pages go at once (the tables map them); the tables wait until they map nothing live.
    mm.setWorkingSetLimits(1, { minimum: 1, maximum: 1 })
    expect(ofType('mm.workingSetTrimmed').map((e) => e.reason)).toEqual([
      'maximum lowered',
      'maximum lowered',
    ])
    mm.memoryListCommand(MemoryFlushModifiedList)
    mm.memoryListCommand(MemoryPurgeStandbyList)
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(2 * 4096)
    for (let tick = 1; tick <= 4; tick++) mm.balanceSetTick()
    expect(ofType('mm.pageTableTrimmed')).toEqual([])
    const fifth = mm.balanceSetTick()
    expect(ofType('mm.pageTableTrimmed').map((e) => [e.address, e.reason, e.tick])).toEqual([
      [p.base - (p.base % 0x400000), 'working-set manager', fifth],
    ])
    expect(mm.processWorkingSet(1)!.workingSetSize).toBe(4096)
    expect(p.read(0)).toBe(1)
    expect(p.read(1024)).toBe(2)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('brings a page table back for a service that rewrites its PTEs: decommit frees the page-file slots it holds', () => {
    const { mm, p } = pagesInPageFile()
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryFlushModifiedList)
    mm.memoryListCommand(MemoryPurgeStandbyList)
    expect(mm.pageFileState.usedSlots).toBe(4)
    const area = mm.locateArea(p.space, p.base)!
    expect(mm.alterRegion(p.space, area, p.base, 8 * 4096, MEM_RESERVE, PAGE_READWRITE).status).toBe(0)
    // The table came back (hard) to have its PTEs zeroed; only its own copy is left, released
    // when the table leaves again changed (or is deleted, mapping nothing).
    expect(mm.pageFileState.usedSlots).toBe(1)
    expect(mm.checkInvariants()).toEqual([])
    mm.emptyWorkingSet(1)
    expect(mm.pageFileState.usedSlots).toBe(0)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('answers a query below a page table in the page file without bringing it back', () => {
    const { mm, p, ofType } = pagesInPageFile()
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryFlushModifiedList)
    mm.memoryListCommand(MemoryPurgeStandbyList)
    const ins = ofType('mm.pageTableIn').length
    expect(mm.queryAddress(p.space, p.base + 4096)).toMatchObject({ state: 0x1000, protect: PAGE_READWRITE })
    expect(mm.peekSpace(1, p.base + 2 * 4096, 1)).toBeUndefined()
    expect(ofType('mm.pageTableIn').length).toBe(ins)
  })

  it('releases a page table in the page file with its process: no slot or frame left', () => {
    const { mm } = pagesInPageFile()
    mm.emptyWorkingSet(1)
    mm.memoryListCommand(MemoryFlushModifiedList)
    mm.deleteAddressSpace(1)
    expect(mm.pageFileState.usedSlots).toBe(0)
    expect(mm.memoryListInformation.pageCountByPriority.reduce((a, b) => a + b, 0)).toBe(0)
    expect(mm.checkInvariants()).toEqual([])
  })
})
