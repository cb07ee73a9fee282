// Section pages as working-set entries under the 'nt' policy (NT-PAGING.md §3.5 with shared
// pages; NT's MiFreeWsle / MiDecrementShareCount): a section page's frame is an entry of the
// working set of every process whose PTE maps it valid, and each process's entry ages by that
// process's PTE (its own accessed bit; the age is the entry's, kept per process). Trimming one
// process's entry makes its PTE a prototype PTE again (the page is found through the prototype
// entry next time: a soft fault while the frame is resident) and lowers the frame's share count;
// only when no working set holds the page any more does the frame leave memory, to standby or
// modified (mm.sharedPageOut, naming the same tick and reason).

import { PAGE_SIZE } from './memoryConstants.js'
import type { MemoryArea } from './memoryArea.js'
import type { MmCore } from './mmCore.js'
import type { WorkingSetTrimReason } from './ntEvents.js'
import { pfnRecordOf } from './pfnRecord.js'
import { invalidateIfCurrent, type PteRead, readPte, writePteAt } from './pteAccess.js'
import { forEachSharedMapping, releaseSharedFrame, viewPageMask } from './sharedPages.js'
import { prototypePte, withoutAccessed } from './softwarePte.js'

/** One process's working-set entry for a section page. */
export interface SharedEntry {
  readonly pid: number
  readonly address: number
  readonly pfn: number
  readonly pte: PteRead
  readonly area: MemoryArea
}

/** The key of an entry's age in NtPagingState.sharedAges. */
export function sharedEntryKey(pid: number, address: number): string {
  return `${pid}:${address}`
}

/** The section pages in process `pid`'s working set (its valid view PTEs), in address order. Side-effect free. */
export function sharedEntriesOf(core: MmCore, pid: number): SharedEntry[] {
  const space = core.state.space(pid)
  if (space === undefined) return []
  const pfnDb = core.state.pfn
  const entries: SharedEntry[] = []
  for (const area of space.tree.areas()) {
    if (area.view === undefined) continue
    for (let address = area.startingAddress; address < area.endingAddress; address += PAGE_SIZE) {
      const pte = readPte(core, pid, address)
      if (pte === undefined || pte.view.kind !== 'valid') continue
      const pfn = pte.view.pfn
      if (pfn < pfnDb.frameCount && pfnDb.segmentId[pfn]! >= 0) entries.push({ pid, address, pfn, pte, area })
    }
  }
  return entries
}

/** The age of `entry` (0 when never aged). */
export function sharedEntryAge(core: MmCore, entry: SharedEntry): number {
  return core.state.nt?.sharedAges.get(sharedEntryKey(entry.pid, entry.address)) ?? 0
}

/** Age `entry` by its own PTE's accessed bit (§3.5): true when untouched at the oldest age. */
export function ageSharedEntry(core: MmCore, entry: SharedEntry, trimAge: number): boolean {
  const { pid, address, pte } = entry
  const accessed = pte.view.kind === 'valid' && pte.view.accessed
  if (accessed) {
    writePteAt(core, pte.address, withoutAccessed(pte.value))
    invalidateIfCurrent(core, pid, address)
  }
  const previousAge = sharedEntryAge(core, entry)
  const age = accessed ? 0 : Math.min(previousAge + 1, trimAge)
  if (age !== previousAge) core.emit({ type: 'mm.sharedEntryAged', pid, address, age, previousAge })
  return age === trimAge && previousAge === trimAge
}

/** True when no operation holds the entry's frame (a copy-on-write copying from it). */
export function sharedEntryTrimmable(core: MmCore, entry: SharedEntry): boolean {
  return !core.pinnedFrames.has(entry.pfn)
}

/**
 * Take `entry` out of its process's working set (see the file comment): its PTE becomes a
 * prototype PTE, the frame's share count drops (the PTE's dirty bit folded into PFN.modified),
 * and the frame leaves memory when it was the last working set holding it.
 */
export function trimSharedEntry(
  core: MmCore,
  entry: SharedEntry,
  reason: WorkingSetTrimReason,
  tick: number,
): void {
  const { pid, address, pfn, area } = entry
  // Re-read: an earlier trim of the same pass may have changed this PTE's accessed bit.
  const pte = readPte(core, pid, address)!
  const dirty = pte.view.kind === 'valid' && pte.view.dirty
  const before = pfnRecordOf(core.state, pfn)
  writePteAt(core, pte.address, prototypePte(viewPageMask(area, address)))
  invalidateIfCurrent(core, pid, address)
  const after = { ...before, shareCount: before.shareCount! - 1, modified: before.modified || dirty }
  core.emit({
    type: 'mm.workingSetTrimmed',
    pid,
    address,
    pfn,
    tick,
    reason,
    outcome: 'shared',
    before,
    after,
  })
  if (after.shareCount === 0) releaseSharedFrame(core, pfn, { tick, reason })
}

/** Trim section frame `pfn` from every working set that holds it (a low-memory trim of the page). */
export function trimSharedFrameEverywhere(
  core: MmCore,
  pfn: number,
  reason: WorkingSetTrimReason,
  tick: number,
): void {
  const entries: SharedEntry[] = []
  forEachSharedMapping(core, pfn, (pid, address, pte, area) => entries.push({ pid, address, pfn, pte, area }))
  for (const entry of entries) trimSharedEntry(core, entry, reason, tick)
}
