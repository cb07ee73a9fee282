// Releasing part or all of a memory area: the memory manager's side of NtFreeVirtualMemory
// (MEM_RELEASE), whose four cases ReactOS ARM3 (ntoskrnl/mm/ARM3/virtual.c) names after where the
// range lies in the VAD; the whole-area case is MmFreeMemoryArea (memoryAreas.ts), as RosMm's
// MmFreeVirtualMemory. A partial release deletes the range's pages, then replaces the area by what
// is left of it, each piece keeping its regions (sliced at the cut):
//
//   area        |=================================|
//   D release   |#################################|   whole area freed (MmFreeMemoryArea)
//   A release   |#########|=======================|   area shrinks from the front
//   C release   |=======================|#########|   area shrinks from the back
//   B release   |=========|#########|=============|   area split in two
//
// The released pages' commit charge is returned in every case (ARM3 returns none for D).

import type { AddressSpace } from './addressSpace.js'
import { chargeCommit } from './commitCharge.js'
import { areaToRecord } from './events.js'
import { type MemoryArea, isPrivateMemory } from './memoryArea.js'
import { deleteCommittedPages, mmFreeMemoryArea } from './memoryAreas.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { STATUS_SUCCESS, STATUS_UNABLE_TO_DELETE_SECTION, STATUS_UNABLE_TO_FREE_VM } from './ntStatus.js'
import { sliceRegionList } from './region.js'

/**
 * Release [start, start + length) of `area` (page aligned, inside it): the whole area
 * (MmFreeMemoryArea) or a part, which shrinks the area or splits it in two (cases A-D above).
 * Pages are freed and their commit charge returned (also for whole releases, where ReactOS
 * forgets to). STATUS_UNABLE_TO_FREE_VM, nothing changed, when the area is gone or the range is not
 * page-aligned inside it; STATUS_UNABLE_TO_DELETE_SECTION for a section view.
 */
export function releaseRange(
  core: MmCore,
  space: AddressSpace,
  area: MemoryArea,
  start: number,
  length: number,
): { readonly status: number } {
  space.lock()
  try {
    const current = space.tree.locate(area.startingAddress)
    if (current === undefined || current.startingAddress !== area.startingAddress)
      return { status: STATUS_UNABLE_TO_FREE_VM }
    // A view goes whole, by MmUnmapViewOfSection; its pages are never released (NT-SECTIONS §9).
    if (current.type === 'SECTION_VIEW') return { status: STATUS_UNABLE_TO_DELETE_SECTION }
    const end = start + length
    if (
      length <= 0 ||
      start < current.startingAddress ||
      end > current.endingAddress ||
      start % PAGE_SIZE !== 0 ||
      end % PAGE_SIZE !== 0
    ) {
      return { status: STATUS_UNABLE_TO_FREE_VM }
    }
    if (start === current.startingAddress && end === current.endingAddress) {
      mmFreeMemoryArea(core, space, current)
      return { status: STATUS_SUCCESS }
    }
    const committed = deleteCommittedPages(core, space, current, start, end)
    core.emit({ type: 'mm.areaRemoved', pid: space.pid, area: areaToRecord(current) })
    for (const [pieceStart, pieceEnd] of [
      [current.startingAddress, start],
      [end, current.endingAddress],
    ] as const) {
      if (pieceEnd <= pieceStart) continue
      core.emit({
        type: 'mm.areaInserted',
        pid: space.pid,
        area: areaToRecord({
          ...current,
          startingAddress: pieceStart,
          endingAddress: pieceEnd,
          regions: sliceRegionList(current.regions, pieceStart, pieceEnd),
        }),
      })
    }
    if (isPrivateMemory(current.type) && committed > 0) chargeCommit(core, space.pid, -committed)
    return { status: STATUS_SUCCESS }
  } finally {
    space.unlock()
  }
}
