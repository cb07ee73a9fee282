// Mapping and unmapping views of a segment (ReactOS ntoskrnl/mm/ARM3/section.c MmMapViewOfSection,
// MiMapViewOfDataSection, MiRemoveMappedView / MmUnmapViewOfSection; RosMm MmMapViewOfSegment and
// MmUnmapViewOfSegment): a view is a SECTION_VIEW MEMORY_AREA naming its segment and the page of
// the segment at its base, with its own MM_REGION list (the map protection on every page; for an
// image, each page's protection from the layout). Nothing is mapped in the page tables yet: the
// process PTEs are zero until first touched (sectionViewFault.ts).
//
// A view mapped with MEM_RESERVE of a file-backed section (NT's ExtendableFile VAD, which ReactOS
// ARM3 names too) may run past the end of its segment: the pages past it have no prototype entry,
// so they are reserved — NtQueryVirtualMemory reports MEM_RESERVE with Protect 0 (NT's
// MiQueryAddressState finds no prototype PTE) and a touch is an access violation (MiCheckVirtualAddress
// gives MM_NOACCESS) — until the segment grows (NtExtendSection, mmExtendSegment), when every such
// view sees the new pages at once. NT bounds the access by the segment's MMEXTEND_INFO.CommittedSize;
// here that size never falls short of the segment (it starts at the segment's size and follows the
// file's end on every extension), so the segment's own page count is the bound.
//
//   map    the area (placed at a fixed base, or in a 64 KiB-aligned hole), mm.viewMapped (the
//          segment's NumberOfMappedViews and its list of views), and for a WRITECOPY /
//          EXECUTE_WRITECOPY or image view its whole size charged to the process
//   unmap  DeleteInProgress; every PTE of the view: a shared frame loses one share (its D bit goes
//          to the PFN; the last share sends it to standby or modified), a private copy is freed
//          with its page-file slot; the area leaves the tree, the charge is returned, the segment
//          loses the view, and is deleted when nothing else refers to it (sectionSegments.ts)

import type { AddressSpace } from './addressSpace.js'
import { canCharge, chargeCommit } from './commitCharge.js'
import type { MemoryArea } from './memoryArea.js'
import { findAreaPlacement } from './memoryAreas.js'
import { areaToRecord } from './events.js'
import {
  MEM_COMMIT,
  MM_ALLOCATION_GRANULARITY,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_SIZE,
} from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import {
  STATUS_COMMITMENT_LIMIT,
  STATUS_INVALID_PAGE_PROTECTION,
  STATUS_INVALID_PARAMETER,
  STATUS_INVALID_VIEW_SIZE,
  STATUS_NOT_MAPPED_VIEW,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { makeProtectionMask, maskIsCopyOnWrite } from './protectionMask.js'
import { forEachPte, writePteAt } from './pteAccess.js'
import type { MmRegion } from './region.js'
import { deleteSegmentIfUnused } from './sectionSegments.js'
import { isSharedFrame, unmapSharedPage } from './sharedPages.js'
import { ZERO_PTE } from './softwarePte.js'
import { deleteVirtualMappings } from './virtualMapping.js'

/** What `MemoryManager.mapView` maps (arguments validated and rounded by the caller). */
export interface MapViewOptions {
  readonly segmentId: number
  /** The segment page at the view's base. */
  readonly offsetPages: number
  /** Pages of the view (≥ 1; offsetPages + pages ≤ the segment's pages unless `extendable`). */
  readonly pages: number
  /**
   * MEM_RESERVE on a file-backed section (NT's ExtendableFile view): the view may run past the
   * segment's last page (offsetPages must still be inside it); those pages stay reserved until
   * the segment grows. Refused (STATUS_INVALID_PARAMETER) for a pagefile or image segment.
   */
  readonly extendable?: boolean
  /** Fixed base (aligned down to a page), or undefined for the lowest (top-down: highest) 64 KiB-aligned hole. */
  readonly base?: number
  readonly topDown?: boolean
  /** Highest address the view may cover (the ZeroBits limit). */
  readonly highestAddress?: number
  /** Win32 protection of every page of a data view (ignored for an image view: the layout's). */
  readonly protect: number
  /**
   * NtQueryVirtualMemory's AllocationProtect (default `protect`; PAGE_EXECUTE_WRITECOPY for an image):
   * e.g. the map protection with PAGE_NOCACHE for a SEC_NOCACHE section.
   */
  readonly allocationProtect?: number
}

/** Result of `MemoryManager.mapView`. */
export type MapViewResult =
  | { readonly status: typeof STATUS_SUCCESS; readonly area: MemoryArea }
  | { readonly status: number; readonly area?: undefined }

/** The view's initial regions: the map protection, or the image layout's runs of equal protection. */
function initialRegions(core: MmCore, start: number, options: MapViewOptions, image: boolean): MmRegion[] {
  if (!image)
    return [{ start, length: options.pages * PAGE_SIZE, type: MEM_COMMIT, protect: options.protect }]
  const protections = core.state.segments.get(options.segmentId)!.protections!
  const regions: MmRegion[] = []
  for (let i = 0; i < options.pages; i++) {
    const protect = protections[options.offsetPages + i]!
    const last = regions[regions.length - 1]
    if (last !== undefined && last.protect === protect)
      regions[regions.length - 1] = { ...last, length: last.length + PAGE_SIZE }
    else regions.push({ start: start + i * PAGE_SIZE, length: PAGE_SIZE, type: MEM_COMMIT, protect })
  }
  return regions
}

/**
 * MmMapViewOfSection: a view of `options.pages` pages of a segment in `space` (see the file
 * comment). STATUS_INVALID_PARAMETER for an unknown segment (or an extendable view of one that is
 * not a file's), STATUS_INVALID_VIEW_SIZE for a range outside it (an extendable view: a first page
 * outside it), STATUS_INVALID_PAGE_PROTECTION for a protection with no mask, then the placement's
 * STATUS_CONFLICTING_ADDRESSES / STATUS_ACCESS_VIOLATION / STATUS_NO_MEMORY, and
 * STATUS_COMMITMENT_LIMIT for a copy-on-write view past the limit. Nothing changes on failure.
 */
export function mmMapViewOfSection(
  core: MmCore,
  space: AddressSpace,
  options: MapViewOptions,
): MapViewResult {
  const segment = core.state.segments.get(options.segmentId)
  if (segment === undefined) return { status: STATUS_INVALID_PARAMETER }
  const { offsetPages, pages } = options
  const extendable = options.extendable === true
  if (extendable && segment.kind !== 'file') return { status: STATUS_INVALID_PARAMETER }
  if (
    !Number.isInteger(offsetPages) ||
    !Number.isInteger(pages) ||
    offsetPages < 0 ||
    pages < 1 ||
    offsetPages >= segment.pageCount ||
    (offsetPages + pages > segment.pageCount && !extendable)
  )
    return { status: STATUS_INVALID_VIEW_SIZE }
  const image = segment.kind === 'image'
  const mask = makeProtectionMask(options.protect)
  const allocationProtect = options.allocationProtect ?? (image ? PAGE_EXECUTE_WRITECOPY : options.protect)
  if (mask === undefined || makeProtectionMask(allocationProtect) === undefined)
    return { status: STATUS_INVALID_PAGE_PROTECTION }
  space.lock()
  try {
    const placed = findAreaPlacement(core, space, {
      ...(options.base === undefined ? {} : { base: options.base }),
      size: pages * PAGE_SIZE,
      granularity: options.base === undefined ? MM_ALLOCATION_GRANULARITY : PAGE_SIZE,
      topDown: options.topDown === true,
      ...(options.highestAddress === undefined ? {} : { highestAddress: options.highestAddress }),
    })
    if (placed.start === undefined) return { status: placed.status }
    const charge = image || maskIsCopyOnWrite(mask) ? pages : 0
    if (!canCharge(core.state.commit, charge)) return { status: STATUS_COMMITMENT_LIMIT }
    core.emit({
      type: 'mm.areaInserted',
      pid: space.pid,
      area: {
        startingAddress: placed.start,
        endingAddress: placed.end,
        type: 'SECTION_VIEW',
        protect: allocationProtect,
        deleteInProgress: false,
        regions: initialRegions(core, placed.start, options, image),
        view: { segmentId: segment.id, offsetPages, copyOnWriteCharge: charge },
      },
    })
    core.emit({
      type: 'mm.viewMapped',
      segmentId: segment.id,
      pid: space.pid,
      start: placed.start,
      mappedViews: segment.mappedViews + 1,
      previous: segment.mappedViews,
    })
    if (charge > 0) chargeCommit(core, space.pid, charge)
    return { status: STATUS_SUCCESS, area: space.tree.locate(placed.start)! }
  } finally {
    space.unlock()
  }
}

/**
 * MmUnmapViewOfSection: unmap the whole view `area` (see the file comment). STATUS_NOT_MAPPED_VIEW,
 * nothing changed, when `area` is not a view of `space` now.
 */
export function mmUnmapViewOfSection(
  core: MmCore,
  space: AddressSpace,
  area: MemoryArea,
): { readonly status: number } {
  space.lock()
  try {
    const current = space.tree.locate(area.startingAddress)
    if (
      current === undefined ||
      current.startingAddress !== area.startingAddress ||
      current.view === undefined
    )
      return { status: STATUS_NOT_MAPPED_VIEW }
    const pid = space.pid
    core.emit({
      type: 'mm.areaDeleteInProgress',
      pid,
      startingAddress: current.startingAddress,
      deleteInProgress: true,
      previous: current.deleteInProgress,
    })
    forEachPte(core, pid, current.startingAddress, current.endingAddress, (va, pte) => {
      const view = pte.view
      if (view.kind === 'zero') return
      if (view.kind === 'prototype') writePteAt(core, pte.address, ZERO_PTE)
      else if (view.kind === 'valid' && isSharedFrame(core, view.pfn))
        unmapSharedPage(core, pid, va, pte, current, 'zero')
      // A private copy-on-write page: freed with its page-file copy, as private memory is.
      else deleteVirtualMappings(core, pid, va, va + PAGE_SIZE)
    })
    const removed = space.tree.locate(current.startingAddress)!
    core.emit({ type: 'mm.areaRemoved', pid, area: areaToRecord(removed) })
    const charge = removed.view!.copyOnWriteCharge
    if (charge > 0) chargeCommit(core, pid, -charge)
    const segment = core.state.segments.get(removed.view!.segmentId)!
    core.emit({
      type: 'mm.viewUnmapped',
      segmentId: segment.id,
      pid,
      start: removed.startingAddress,
      mappedViews: segment.mappedViews - 1,
      previous: segment.mappedViews,
    })
    deleteSegmentIfUnused(core, segment, 'last view unmapped')
    return { status: STATUS_SUCCESS }
  } finally {
    space.unlock()
  }
}
