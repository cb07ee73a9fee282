// What the memory manager reports about physical memory, named as Windows names it (NT-PAGING.md
// §4): SYSTEM_PERFORMANCE_INFORMATION's paging counters, SYSTEM_MEMORY_LIST_INFORMATION (RAMMap's
// source), and a process's VM_COUNTERS (VirtualSize and its peak from the area tree, which keeps
// them: areaTree.ts) and working-set parameters. Side-effect free. Under a policy
// other than 'nt' the I/O counts equal the page counts (one page per I/O) and the working-set
// parameters are the 'nt' defaults the machine would have.

import { PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { resolveNtPagingOptions } from './ntPagingOptions.js'
import { residentPageTables } from './ntPageTables.js'
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
  /** Bytes: the largest `virtualSize` the process has had (EPROCESS.PeakVirtualSize). */
  readonly peakVirtualSize: number
  /**
   * Bytes of the process's address space its areas (VADs) span, reserved or committed alike:
   * private reservations, mapped views and images, the PEB/TEB and KUSER_SHARED_DATA areas
   * (EPROCESS.VirtualSize).
   */
  readonly virtualSize: number
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

/**
 * One entry of a process's working-set list (ARM3's MMWSLE with what MMPFN says of its page), as
 * QueryWorkingSet and VMMap show it.
 */
export interface WorkingSetEntry {
  /** The page's virtual address (VPN × page size). */
  readonly address: number
  readonly pfn: number
  /** The working-set manager's age, 0-3 (an untouched entry of age 3 is trimmed on the next pass). */
  readonly age: number
  /** Page priority 0-7: the standby sub-list the page goes to when trimmed. */
  readonly priority: number
  /** Locked in the working set (VirtualLock): never trimmed. */
  readonly locked: boolean
  /** MMPFN.Modified: the frame differs from its page-file copy (the PTE's dirty bit may say so too). */
  readonly modified: boolean
  /** The page-file slot still holding a copy of a clean page, -1 when none. */
  readonly pageFileSlot: number
  /**
   * Present for a page table (a working-set entry under 'nt', NT-PAGING.md §3.8): the range it
   * maps, [maps, mapsEnd); `address` is then `maps`.
   */
  readonly pageTable?: { readonly maps: number; readonly mapsEnd: number }
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
    // 'nt': a page table's resolution is a fault of its own besides the one below it (each level
    // counts, NT-PAGING.md §3.4), so the kinds below still partition the faults.
    pageFaultCount: counters.pageFaults + pageTableFaults(state.nt?.counters),
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

/** The page-table faults the 'nt' policy resolved (none under another policy). */
function pageTableFaults(
  counters: { pageTableDemandZero: number; pageTableTransitions: number; pageTableReads: number } | undefined,
): number {
  return counters === undefined
    ? 0
    : counters.pageTableDemandZero + counters.pageTableTransitions + counters.pageTableReads
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
    peakVirtualSize: space.tree.peakVirtualSize,
    virtualSize: space.tree.virtualSize,
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

/**
 * The private pages of `pid`'s working set in working-set order (oldest resident first: the order
 * local replacement and the trimming pass walk), then, under 'nt', its resident page tables in
 * address order; undefined for an unknown process. Under another policy: its ACTIVE frames, with
 * the ages that policy keeps.
 */
export function workingSetEntries(core: MmCore, pid: number): WorkingSetEntry[] | undefined {
  if (!core.state.spaces.has(pid)) return undefined
  const pfnDb = core.state.pfn
  const locked = core.state.nt?.process(pid).lockedPages
  const entries: WorkingSetEntry[] = []
  for (let pfn = pfnDb.first('ACTIVE'); pfn !== undefined; pfn = pfnDb.nextOnList(pfn)) {
    if (pfnDb.ownerPid[pfn] !== pid || pfnDb.segmentId[pfn]! >= 0) continue
    const address = pfnDb.ownerAddress[pfn]!
    entries.push({
      address,
      pfn,
      age: pfnDb.age[pfn]!,
      priority: pfnDb.priority[pfn]!,
      locked: locked?.has(address) ?? false,
      modified: pfnDb.modified[pfn] === 1,
      pageFileSlot: pfnDb.pageFileSlot[pfn]!,
    })
  }
  // Page tables are entries too under 'nt' (they count in the working-set size).
  const span = core.machine.mode === 'x86' ? 0x400000 : 0x200000
  if (core.state.nt !== undefined)
    for (const table of residentPageTables(core, pid))
      entries.push({
        address: table.address,
        pfn: table.pfn,
        age: pfnDb.age[table.pfn]!,
        priority: pfnDb.priority[table.pfn]!,
        locked: false,
        modified: pfnDb.modified[table.pfn] === 1,
        pageFileSlot: pfnDb.pageFileSlot[table.pfn]!,
        pageTable: { maps: table.address, mapsEnd: table.address + span },
      })
  return entries
}
