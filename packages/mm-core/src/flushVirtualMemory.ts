// NtFlushVirtualMemory's page side (ReactOS ntoskrnl/mm/ARM3/section.c MmFlushVirtualMemory →
// MiFlushSectionInternal; NT-SECTIONS §18): the mapped page writer, run now, over the pages of a
// data file's view. A shared page is dirty when its frame is marked modified or any process PTE
// mapping it has D set (those bits are cleared as they are gathered into the write, as
// MiFlushDirtyBitsToPfn does); each dirty page is written to its file, up to the end of the file,
// and is clean afterwards (a frame on the modified list moves to standby). Private copy-on-write
// pages are never written (§7.3); views of pagefile and image segments have nothing to flush.

import { PTE_DIRTY } from '@ntmm/hw-mmu'
import type { AddressSpace } from './addressSpace.js'
import { alignDown, alignUp } from './alignment.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { STATUS_NOT_MAPPED_VIEW, STATUS_SUCCESS } from './ntStatus.js'
import { writeMappedPage } from './pageMemoryConsumer.js'
import { PrototypeEntryKind } from './prototypeEntries.js'
import { invalidateIfCurrent, writePteAt } from './pteAccess.js'
import { forEachSharedMapping, viewPageIndex } from './sharedPages.js'

/** Result of `MemoryManager.flushView`. */
export interface FlushViewResult {
  readonly status: number
  /** Pages the mapped page writer wrote to the file. */
  readonly pagesWritten: number
}

/**
 * Write the dirty shared pages of the view containing `start` in [start, start + length) (page
 * rounded; length 0: to the end of the view) to its file. STATUS_NOT_MAPPED_VIEW when `start` is
 * in no view.
 */
export function mmFlushVirtualMemory(
  core: MmCore,
  space: AddressSpace,
  start: number,
  length: number,
): FlushViewResult {
  space.lock()
  try {
    const area = space.locate(start)
    if (area?.view === undefined) return { status: STATUS_NOT_MAPPED_VIEW, pagesWritten: 0 }
    const segment = core.state.segments.get(area.view.segmentId)!
    if (segment.kind !== 'file') return { status: STATUS_SUCCESS, pagesWritten: 0 }
    const from = alignDown(start, PAGE_SIZE)
    const to =
      length === 0 ? area.endingAddress : Math.min(area.endingAddress, alignUp(start + length, PAGE_SIZE))
    const pfnDb = core.state.pfn
    let pagesWritten = 0
    for (let va = from; va < to; va += PAGE_SIZE) {
      const page = viewPageIndex(area, va)
      // The reserved tail of a MEM_RESERVE view past its file's segment holds nothing.
      if (page >= segment.pageCount) break
      const kind = segment.entries.kindOf(page)
      if (kind !== PrototypeEntryKind.VALID && kind !== PrototypeEntryKind.TRANSITION) continue
      const pfn = segment.entries.valueOf(page)
      let dirty = pfnDb.modified[pfn] === 1
      if (kind === PrototypeEntryKind.VALID) {
        forEachSharedMapping(core, pfn, (pid, address, pte) => {
          if (pte.view.kind !== 'valid' || !pte.view.dirty) return
          dirty = true
          writePteAt(core, pte.address, { low: (pte.value.low & ~PTE_DIRTY) >>> 0, high: pte.value.high })
          invalidateIfCurrent(core, pid, address)
        })
      }
      if (!dirty) continue
      writeMappedPage(core, pfn, 'flush')
      pagesWritten++
    }
    return { status: STATUS_SUCCESS, pagesWritten }
  } finally {
    space.unlock()
  }
}
