// What the memory manager reports about physical memory, named as Windows names it (NT-PAGING.md
// §4): SYSTEM_PERFORMANCE_INFORMATION's paging counters, SYSTEM_MEMORY_LIST_INFORMATION (RAMMap's
// source), and a process's VM_COUNTERS and working-set parameters. Side-effect free. Under a policy
// other than 'nt' the I/O counts equal the page counts (one page per I/O) and the working-set
// parameters are the 'nt' defaults the machine would have.

import { PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { resolveNtPagingOptions } from './ntPagingOptions.js'
import { MEMORY_PRIORITY_NORMAL } from './ntPagingState.js'

/** SYSTEM_PERFORMANCE_INFORMATION's paging counters (pages and counts). */
export interface SystemPagingCounters {
  /** Available pages: zeroed + free + standby. */
  readonly availablePages: number
  readonly committedPages: number
  readonly commitLimit: number
  readonly peakCommitment: number
  /** Every page fault, access violations and guard-page faults included. */
  readonly pageFaultCount: number
  readonly copyOnWriteCount: number
  /** Transition (soft) faults. */
  readonly transitionCount: number
  readonly demandZeroCount: number
  /** Pages read from the page file and from files (no clustered page-in: one page per read I/O). */
  readonly pageReadCount: number
  readonly pageReadIoCount: number
  /** Pages the modified page writer wrote to the page file, and its write I/Os (clusters). */
  readonly dirtyPagesWriteCount: number
  readonly dirtyWriteIoCount: number
  /** Pages the mapped page writer wrote to files (one page per I/O). */
  readonly mappedPagesWriteCount: number
  readonly mappedWriteIoCount: number
  /** Balance-set ticks run ('nt'; 0 otherwise). */
  readonly balanceSetTicks: number
}

/** SYSTEM_MEMORY_LIST_INFORMATION (pages). */
export interface MemoryListInformation {
  readonly zeroPageCount: number
  readonly freePageCount: number
  readonly modifiedPageCount: number
  readonly modifiedNoWritePageCount: number
  readonly badPageCount: number
  /** Standby pages by priority 0-7. */
  readonly pageCountByPriority: readonly number[]
  /** Standby pages repurposed, by the priority of the page that lost its frame ('nt'; else all at 0). */
  readonly repurposedPagesByPriority: readonly number[]
  /** Modified pages bound for the page file (not a data file's). */
  readonly modifiedPageCountPageFile: number
}

/** A process's working set and counters (VM_COUNTERS_EX and GetProcessWorkingSetSizeEx). */
export interface ProcessWorkingSetInformation {
  readonly pageFaultCount: number
  /** Bytes. */
  readonly workingSetSize: number
  readonly peakWorkingSetSize: number
  readonly pagefileUsage: number
  readonly peakPagefileUsage: number
  readonly privateUsage: number
  /** Bytes. */
  readonly minimumWorkingSetSize: number
  readonly maximumWorkingSetSize: number
  /** QUOTA_LIMITS_HARDWS_*_ENABLE flags in force. */
  readonly flags: number
  /** Page priority 0-7. */
  readonly pagePriority: number
  /** Addresses of the pages locked in the working set, ascending. */
  readonly lockedPages: readonly number[]
}

/** The system's paging counters now. */
export function systemPagingCounters(core: MmCore): SystemPagingCounters {
  const state = core.state
  const counters = state.counters
  const sections = state.sectionCounters
  const pfnDb = state.pfn
  const pageReadCount = counters.pagesRead + sections.mappedPagesRead
  return {
    availablePages: pfnDb.count('ZEROED') + pfnDb.count('FREE') + pfnDb.count('STANDBY'),
    committedPages: state.commit.charge,
    commitLimit: state.commit.limit,
    peakCommitment: state.commit.peak,
    pageFaultCount: counters.pageFaults,
    copyOnWriteCount: sections.copyOnWriteFaults,
    // 'nt': a fault below a page table that left memory resolves the table first, and each level
    // counts (NT-PAGING.md §3.4): a table taken back soft is a transition, a new table a demand-zero.
    transitionCount: counters.softFaults + (state.nt?.counters.pageTableTransitions ?? 0),
    demandZeroCount: counters.demandZeroFaults + (state.nt?.counters.pageTableDemandZero ?? 0),
    pageReadCount,
    pageReadIoCount: pageReadCount,
    dirtyPagesWriteCount: counters.pagesWritten,
    dirtyWriteIoCount: state.nt === undefined ? counters.pagesWritten : state.nt.counters.dirtyWriteIos,
    mappedPagesWriteCount: sections.mappedPagesWritten,
    mappedWriteIoCount: sections.mappedPagesWritten,
    balanceSetTicks: state.nt?.counters.ticks ?? 0,
  }
}

/** The PFN lists now. */
export function memoryListInformation(core: MmCore): MemoryListInformation {
  const state = core.state
  const pfnDb = state.pfn
  const byPriority = new Array<number>(8).fill(0)
  for (let pfn = pfnDb.first('STANDBY'); pfn !== undefined; pfn = pfnDb.nextOnList(pfn))
    byPriority[pfnDb.priority[pfn]!]!++
  let fileBound = 0
  for (let pfn = pfnDb.first('MODIFIED'); pfn !== undefined; pfn = pfnDb.nextOnList(pfn)) {
    const segment = pfnDb.segmentId[pfn]!
    if (segment >= 0 && state.segments.get(segment)?.kind === 'file') fileBound++
  }
  const repurposed = state.nt?.counters.repurposedByPriority.slice() ?? [
    state.counters.framesRepurposed,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]
  return {
    zeroPageCount: pfnDb.count('ZEROED'),
    freePageCount: pfnDb.count('FREE'),
    modifiedPageCount: pfnDb.count('MODIFIED'),
    modifiedNoWritePageCount: 0,
    badPageCount: 0,
    pageCountByPriority: byPriority,
    repurposedPagesByPriority: repurposed,
    modifiedPageCountPageFile: pfnDb.count('MODIFIED') - fileBound,
  }
}

/** Process `pid`'s working set and counters, or undefined for an unknown process. */
export function processWorkingSetInformation(
  core: MmCore,
  pid: number,
): ProcessWorkingSetInformation | undefined {
  const space = core.state.spaces.get(pid)
  if (space === undefined) return undefined
  const nt = core.state.nt
  const ws =
    nt?.process(pid) ??
    (() => {
      const config = resolveNtPagingOptions(undefined, core.state.pfn.frameCount)
      return {
        minimum: config.workingSetMinimum,
        maximum: config.workingSetMaximum,
        flags: 0,
        priority: MEMORY_PRIORITY_NORMAL,
        lockedPages: new Set<number>(),
      }
    })()
  return {
    pageFaultCount: nt?.pageFaults.get(pid) ?? 0,
    workingSetSize: space.workingSetSize * PAGE_SIZE,
    peakWorkingSetSize: space.workingSetPeak * PAGE_SIZE,
    pagefileUsage: space.commitCharge * PAGE_SIZE,
    peakPagefileUsage: space.commitChargePeak * PAGE_SIZE,
    privateUsage: space.commitCharge * PAGE_SIZE,
    minimumWorkingSetSize: ws.minimum * PAGE_SIZE,
    maximumWorkingSetSize: ws.maximum * PAGE_SIZE,
    flags: ws.flags,
    pagePriority: ws.priority,
    lockedPages: [...ws.lockedPages].sort((a, b) => a - b),
  }
}
