// Per-process working sets under the 'nt' policy (NT-PAGING.md §3.5; NT's working-set manager
// MmWorkingSetManager / MiTrimWorkingSet, ARM3 wslist.cpp TrimWsList): the entries of a process's
// working set are the ACTIVE frames it owns, in the order they became resident (the PFN database's
// ACTIVE list, filtered by owner). A page leaves its working set through
//
//   - the working-set manager pass of each tick: a process above its maximum, or above its
//     (soft) minimum while available pages are below MinimumFreePages, has its entries aged
//     (accessed → age 0 and the bit cleared; else age + 1 up to 3) and the untouched pages of age 3
//     removed, unless locked; its section pages (each aged by its own PTE, ntSharedEntries.ts) and
//     its page tables (ntPageTables.ts) likewise;
//   - local replacement: a process at its maximum that faults (hard maximum, or available pages
//     below PlentyFreePages) gives up its own oldest page first;
//   - an explicit empty (EmptyWorkingSet, SetProcessWorkingSetSize(-1, -1));
//   - a low-memory trim when a frame request still finds nothing after a few ticks (the faulting
//     thread waits while the working-set manager keeps trimming).
//
// Leaving: the PTE becomes a transition PTE; a dirty page loses its page-file copy (now stale) and
// goes to the modified list; a clean page keeps its copy and goes to the standby list.

import { assert } from './assert.js'
import type { WorkingSetTrimReason } from './ntEvents.js'
import type { MmCore } from './mmCore.js'
import { KERNEL_SPACE_ID } from './mmState.js'
import { QUOTA_LIMITS_HARDWS_MAX_ENABLE, QUOTA_LIMITS_HARDWS_MIN_ENABLE } from './ntPagingState.js'
import type { NtPagingState } from './ntPagingState.js'
import {
  type ResidentPageTable,
  agePageTable,
  pageTableTrimmable,
  residentPageTables,
  trimPageTable,
} from './ntPageTables.js'
import {
  type SharedEntry,
  ageSharedEntry,
  sharedEntriesOf,
  sharedEntryAge,
  sharedEntryTrimmable,
  trimSharedEntry,
  trimSharedFrameEverywhere,
} from './ntSharedEntries.js'
import { ownerPteOf } from './pageMemoryConsumer.js'
import { pfnRecordOf } from './pfnRecord.js'
import { invalidateIfCurrent, writePteAt } from './pteAccess.js'
import { testAndClearAccessed } from './replacementPolicy.js'
import { transitionPte } from './softwarePte.js'

/** The oldest age a working-set entry reaches; an untouched entry of this age is trimmed. */
const TRIM_AGE = 3

/** The 'nt' state (precondition: the machine runs the 'nt' policy). */
export function ntStateOf(core: MmCore): NtPagingState {
  const nt = core.state.nt
  assert(nt !== undefined, 'the nt policy is not in force')
  return nt
}

/** Available pages: zeroed + free + standby (MEMORYSTATUSEX.ullAvailPhys in pages). */
export function availablePages(core: MmCore): number {
  const pfnDb = core.state.pfn
  return pfnDb.count('ZEROED') + pfnDb.count('FREE') + pfnDb.count('STANDBY')
}

/** The frames of `pid`'s working set, in working-set order (private pages only). */
export function workingSetFrames(core: MmCore, pid: number): number[] {
  const pfnDb = core.state.pfn
  const frames: number[] = []
  for (let pfn = pfnDb.first('ACTIVE'); pfn !== undefined; pfn = pfnDb.nextOnList(pfn))
    if (pfnDb.ownerPid[pfn] === pid && pfnDb.segmentId[pfn]! < 0) frames.push(pfn)
  return frames
}

function isLocked(core: MmCore, nt: NtPagingState, pfn: number): boolean {
  const pfnDb = core.state.pfn
  return (
    core.pinnedFrames.has(pfn) || nt.process(pfnDb.ownerPid[pfn]!).lockedPages.has(pfnDb.ownerAddress[pfn]!)
  )
}

/** Take one working-set page out of its working set (see the file comment); a section frame leaves every process. */
export function trimWorkingSetPage(
  core: MmCore,
  pfn: number,
  reason: WorkingSetTrimReason,
  tick: number,
): void {
  const before = pfnRecordOf(core.state, pfn)
  assert(before.state === 'ACTIVE', () => `trim of frame ${pfn} in state ${before.state}`)
  if (before.segmentId !== undefined) {
    trimSharedFrameEverywhere(core, pfn, reason, tick)
    return
  }
  const { ownerPid: pid, ownerAddress: address } = before
  const pte = ownerPteOf(core, pfn, before)
  const dirty = pte.view.dirty || before.modified
  let slot = before.pageFileSlot
  if (dirty && slot >= 0) {
    // The copy is stale: the writer takes a new slot (in a cluster) when it writes the page again.
    core.emit({ type: 'mm.pageFileSlotFreed', slot })
    slot = -1
  }
  // A clean page always has a copy under 'nt' (demand-zero pages are born modified); were one to
  // have none, it is treated as modified rather than dropped.
  const modified = dirty || slot < 0
  writePteAt(core, pte.address, transitionPte(pfn, before.protectMask))
  invalidateIfCurrent(core, pid, address)
  core.emit({
    type: 'mm.workingSetTrimmed',
    pid,
    address,
    pfn,
    tick,
    reason,
    outcome: modified ? 'modified' : 'standby',
    before,
    after: { ...before, state: modified ? 'MODIFIED' : 'STANDBY', modified, pageFileSlot: slot },
  })
}

/** Age one entry (§3.5): true when it is untouched and old enough to trim. */
function ageEntry(core: MmCore, pfn: number): boolean {
  const pfnDb = core.state.pfn
  const previousAge = pfnDb.age[pfn]!
  const age = testAndClearAccessed(core, pfn) ? 0 : Math.min(previousAge + 1, TRIM_AGE)
  if (age !== previousAge) core.emit({ type: 'mm.pageAged', pfn, age, previousAge, movedToTail: false })
  return age === TRIM_AGE && previousAge === TRIM_AGE
}

/**
 * The working-set manager pass of tick `tick` (§3.5): processes in pid order, stopping once
 * available + modified pages reach PlentyFreePages.
 */
export function workingSetManagerPass(core: MmCore, tick: number): void {
  const nt = ntStateOf(core)
  const { minimumFreePages, plentyFreePages } = nt.config
  const pfnDb = core.state.pfn
  const pids = [...core.state.spaces.keys()].filter((pid) => pid !== KERNEL_SPACE_ID).sort((a, b) => a - b)
  for (const pid of pids) {
    const available = availablePages(core)
    if (available + pfnDb.count('MODIFIED') >= plentyFreePages) return
    const trimHard = available < minimumFreePages
    const ws = nt.process(pid)
    const size = core.state.spaces.get(pid)!.workingSetSize
    const overMaximum = size > ws.maximum
    const shrink = trimHard && size > ws.minimum && (ws.flags & QUOTA_LIMITS_HARDWS_MIN_ENABLE) === 0
    if (!overMaximum && !shrink) continue
    // Trim down to the maximum, or (memory short) to the minimum; every entry is aged either way.
    const target = shrink ? ws.minimum : ws.maximum
    let remaining = size
    for (const pfn of workingSetFrames(core, pid)) {
      const old = ageEntry(core, pfn)
      if (old && remaining > target && !isLocked(core, nt, pfn)) {
        trimWorkingSetPage(core, pfn, 'working-set manager', tick)
        remaining--
      }
    }
    // Its section pages are entries too, each aged by this process's own PTE (ntSharedEntries.ts).
    for (const entry of sharedEntriesOf(core, pid)) {
      const old = ageSharedEntry(core, entry, TRIM_AGE)
      if (old && remaining > target && sharedEntryTrimmable(core, entry)) {
        trimSharedEntry(core, entry, 'working-set manager', tick)
        remaining--
      }
    }
    // Its page tables are entries too (NT-PAGING.md §3.8): aged by their PDE's accessed bit, and
    // trimmed once old when they map nothing valid or in transition.
    for (const table of residentPageTables(core, pid)) {
      const old = agePageTable(core, table, TRIM_AGE, pid)
      if (old && remaining > target && pageTableTrimmable(core, table)) {
        trimPageTable(core, pid, table, 'working-set manager', tick)
        remaining--
      }
    }
  }
}

/**
 * Before process `pid`'s working set grows by a page (§3.5 growth): at its maximum, with a hard
 * maximum or available pages below PlentyFreePages, it first gives up its own pages (oldest age,
 * then working-set order): local replacement. A hard maximum: until it is below the maximum; a
 * soft one: one page, so the working set keeps its size.
 */
export function growWorkingSet(core: MmCore, pid: number): void {
  const nt = ntStateOf(core)
  const space = core.state.spaces.get(pid)
  if (pid === KERNEL_SPACE_ID || space === undefined) return
  const ws = nt.process(pid)
  if (space.workingSetSize < ws.maximum) return
  const hardMaximum = (ws.flags & QUOTA_LIMITS_HARDWS_MAX_ENABLE) !== 0
  if (!hardMaximum && availablePages(core) >= nt.config.plentyFreePages) return
  // A hard maximum is enforced (down to it); above a soft one the fault replaces one page, as WRK's
  // MiDoReplacement does (NT-PAGING.md §3.5): cutting the whole excess at once would send a working
  // set grown while memory was plentiful to standby in one fault, and the pass trims it instead.
  trimOldest(core, pid, hardMaximum ? space.workingSetSize - ws.maximum + 1 : 1, 'local replacement')
}

/** Take up to `count` unlocked pages out of `pid`'s working set: oldest age first, working-set order among equals. */
export function trimOldest(core: MmCore, pid: number, count: number, reason: WorkingSetTrimReason): void {
  if (count <= 0) return
  const nt = ntStateOf(core)
  const pfnDb = core.state.pfn
  const candidates: (number | ResidentPageTable | SharedEntry)[] = workingSetFrames(core, pid).filter(
    (pfn) => !isLocked(core, nt, pfn),
  )
  for (const entry of sharedEntriesOf(core, pid))
    if (sharedEntryTrimmable(core, entry)) candidates.push(entry)
  for (const table of residentPageTables(core, pid))
    if (pageTableTrimmable(core, table)) candidates.push(table)
  const ageOf = (entry: number | ResidentPageTable | SharedEntry) =>
    typeof entry === 'number'
      ? pfnDb.age[entry]!
      : 'pid' in entry
        ? sharedEntryAge(core, entry)
        : pfnDb.age[entry.pfn]!
  // A stable sort keeps working-set order (private pages, section pages, page tables) among equal ages.
  candidates.sort((a, b) => ageOf(b) - ageOf(a))
  let left = count
  for (const entry of candidates) {
    if (left-- <= 0) break
    if (typeof entry === 'number') trimWorkingSetPage(core, entry, reason, nt.tick)
    else if ('pid' in entry) trimSharedEntry(core, entry, reason, nt.tick)
    else trimPageTable(core, pid, entry, reason, nt.tick)
  }
}

/** EmptyWorkingSet: every unlocked page of `pid` leaves its working set now. The number trimmed. */
export function emptyWorkingSet(core: MmCore, pid: number): number {
  const nt = ntStateOf(core)
  let trimmed = 0
  for (const pfn of workingSetFrames(core, pid)) {
    if (isLocked(core, nt, pfn)) continue
    trimWorkingSetPage(core, pfn, 'empty working set', nt.tick)
    trimmed++
  }
  for (const entry of sharedEntriesOf(core, pid)) {
    if (!sharedEntryTrimmable(core, entry)) continue
    trimSharedEntry(core, entry, 'empty working set', nt.tick)
    trimmed++
  }
  // Page tables whose pages just left still map them in transition, so they stay (§3.8).
  for (const table of residentPageTables(core, pid)) {
    if (!pageTableTrimmable(core, table)) continue
    trimPageTable(core, pid, table, 'empty working set', nt.tick)
    trimmed++
  }
  return trimmed
}

/**
 * Memory is exhausted after several ticks: take the oldest unlocked page of the largest working
 * set that is not held at a hard minimum (soft minimums give way), else a section frame. False
 * when nothing is trimmable.
 */
export function lowMemoryTrim(core: MmCore): boolean {
  const nt = ntStateOf(core)
  const pfnDb = core.state.pfn
  let best: number | undefined
  for (let pfn = pfnDb.first('ACTIVE'); pfn !== undefined; pfn = pfnDb.nextOnList(pfn)) {
    if (isLocked(core, nt, pfn)) continue
    const pid = pfnDb.ownerPid[pfn]!
    if (pid >= 0) {
      const ws = nt.process(pid)
      const size = core.state.spaces.get(pid)?.workingSetSize ?? 0
      if ((ws.flags & QUOTA_LIMITS_HARDWS_MIN_ENABLE) !== 0 && size <= ws.minimum) continue
    }
    if (best === undefined || rank(core, pfn) > rank(core, best)) best = pfn
  }
  // A page table that maps nothing valid or in transition of a process not held at a hard
  // minimum, oldest first, when it outranks the best page.
  let bestTable: { pid: number; table: ResidentPageTable; rank: number } | undefined
  for (const pid of [...core.state.spaces.keys()].sort((a, b) => a - b)) {
    if (pid === KERNEL_SPACE_ID) continue
    const ws = nt.process(pid)
    const size = core.state.spaces.get(pid)!.workingSetSize
    if ((ws.flags & QUOTA_LIMITS_HARDWS_MIN_ENABLE) !== 0 && size <= ws.minimum) continue
    for (const table of residentPageTables(core, pid)) {
      if (!pageTableTrimmable(core, table)) continue
      const tableRank = size * 8 + pfnDb.age[table.pfn]!
      if (bestTable === undefined || tableRank > bestTable.rank) bestTable = { pid, table, rank: tableRank }
    }
  }
  if (bestTable !== undefined && (best === undefined || bestTable.rank > rank(core, best))) {
    trimPageTable(core, bestTable.pid, bestTable.table, 'low memory', nt.tick)
    return true
  }
  if (best === undefined) return false
  trimWorkingSetPage(core, best, 'low memory', nt.tick)
  return true
}

/** A frame's claim to be trimmed first: its process's working-set size, then its age (section frames last). */
function rank(core: MmCore, pfn: number): number {
  const pfnDb = core.state.pfn
  const pid = pfnDb.ownerPid[pfn]!
  const size = pid < 0 ? 0 : (core.state.spaces.get(pid)?.workingSetSize ?? 0)
  return size * 8 + pfnDb.age[pfn]!
}
