// The modified page writer and the zero page thread of the 'nt' policy (NT-PAGING.md §3.6, §3.7;
// NT's MiModifiedPageWriter / MiGatherPagefilePages and MmZeroPageThread). The writer runs on each
// balance-set tick: once the modified list holds ModifiedWriteThreshold pages, or available pages
// are below MinimumFreePages, or on a flush, it writes clusters of up to WriteCluster pages, oldest
// first, each cluster to a run of contiguous free page-file slots and as one write I/O
// (mm.clusterWritten, then one mm.pageWritten per page naming the tick and the cluster). Written
// pages go to the tail of the standby list of their priority and stay soft-faultable. A data file's
// page is the mapped page writer's: written to its file, one page per I/O.
//
//   modified list: [a b c d e f g ...]   writeCluster 4, free slots: 0 1 _ 3 4 5 6 _
//   cluster 0: a b c d → slots 3 4 5 6 (the first run of 4)     one write I/O
//   cluster 1: e f     → slots 0 1     (no run of 4 is left)     one write I/O

import type { MmCore } from './mmCore.js'
import { writeMappedPage } from './pageMemoryConsumer.js'
import { pfnRecordOf } from './pfnRecord.js'
import { segmentPageOf } from './sharedPages.js'
import { availablePages, ntStateOf } from './ntWorkingSets.js'

/** Why the writer runs: a flush writes the whole list. */
export type ModifiedWriterTrigger = 'tick' | 'flush'

/**
 * The first run of `wanted` contiguous free slots, else the longest run there is (the first of
 * equals); empty when the page file is full.
 */
function freeSlotRun(core: MmCore, wanted: number): number[] {
  const pageFile = core.state.pageFile
  let bestStart = -1
  let bestLength = 0
  let runStart = -1
  for (let slot = pageFile.hint; slot < pageFile.slotCount; slot++) {
    if (pageFile.isUsed(slot)) {
      runStart = -1
      continue
    }
    if (runStart < 0) runStart = slot
    const length = slot - runStart + 1
    if (length > bestLength) {
      bestStart = runStart
      bestLength = length
      if (length >= wanted) break
    }
  }
  const run: number[] = []
  for (let i = 0; i < bestLength; i++) run.push(bestStart + i)
  return run
}

/** True when a modified frame is a data file's page (the mapped page writer's). */
function isMappedFilePage(core: MmCore, pfn: number): boolean {
  return core.state.pfn.segmentId[pfn]! >= 0 && segmentPageOf(core, pfn).segment.kind === 'file'
}

/**
 * The modified page writer at tick `tick` (see the file comment). Returns the pages written. Stops
 * early when the page file is full.
 */
export function modifiedPageWriter(core: MmCore, tick: number, trigger: ModifiedWriterTrigger): number {
  const nt = ntStateOf(core)
  const { modifiedWriteThreshold, minimumFreePages, writeCluster } = nt.config
  const pfnDb = core.state.pfn
  const lowMemory = availablePages(core) < minimumFreePages
  const cause =
    trigger === 'flush'
      ? 'flush'
      : pfnDb.count('MODIFIED') >= modifiedWriteThreshold
        ? 'threshold'
        : lowMemory
          ? 'low memory'
          : undefined
  if (cause === undefined) return 0
  let written = 0
  for (let cluster = 0; pfnDb.count('MODIFIED') > 0; ) {
    const keepGoing =
      cause === 'flush' ||
      pfnDb.count('MODIFIED') >= modifiedWriteThreshold ||
      (lowMemory && availablePages(core) < minimumFreePages)
    if (!keepGoing) break
    // Gather the oldest pages; a data file's page is written on its own by the mapped page writer.
    const pfns: number[] = []
    let needSlots = 0
    for (let pfn = pfnDb.first('MODIFIED'); pfn !== undefined && pfns.length < writeCluster; ) {
      const next = pfnDb.nextOnList(pfn)
      if (isMappedFilePage(core, pfn)) {
        writeMappedPage(core, pfn, 'modified page writer')
        written++
      } else {
        pfns.push(pfn)
        if (pfnDb.pageFileSlot[pfn]! < 0) needSlots++
      }
      pfn = next
    }
    if (pfns.length === 0) continue
    const run = freeSlotRun(core, needSlots)
    if (needSlots > 0 && run.length === 0) return written
    // A shorter run shortens the cluster: keep the pages that have a slot or get one.
    const slots: number[] = []
    const chosen: number[] = []
    let next = 0
    for (const pfn of pfns) {
      const own = pfnDb.pageFileSlot[pfn]!
      if (own >= 0) slots.push(own)
      else if (next < run.length) slots.push(run[next++]!)
      else continue
      chosen.push(pfn)
    }
    core.emit({ type: 'mm.clusterWritten', tick, cluster, pfns: chosen, slots, cause })
    chosen.forEach((pfn, index) => {
      const before = pfnRecordOf(core.state, pfn)
      const slot = slots[index]!
      core.emit({
        type: 'mm.pageWritten',
        pfn,
        slot,
        before,
        after: { ...before, state: 'STANDBY', pageFileSlot: slot, modified: false },
        tick,
        cluster,
      })
    })
    written += chosen.length
    cluster++
  }
  return written
}

/** The zero page thread at tick `tick`: every free frame is zeroed and moved to the zeroed list. */
export function zeroPageThread(core: MmCore, tick: number): number {
  const pfnDb = core.state.pfn
  const frames = core.machine.frames
  let zeroed = 0
  for (let pfn = pfnDb.first('FREE'); pfn !== undefined; pfn = pfnDb.first('FREE')) {
    const before = pfnRecordOf(core.state, pfn)
    if (!frames.isPristine(pfn)) frames.zero(pfn)
    core.emit({ type: 'mm.pageZeroed', pfn, tick, before, after: { ...before, state: 'ZEROED' } })
    zeroed++
  }
  return zeroed
}
