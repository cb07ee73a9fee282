// MEMORY_AREA lifetime in one address space (ReactOS ntoskrnl/mm/marea.c): MmCreateMemoryArea
// places a new area — at a fixed base, or in the lowest (MEM_TOP_DOWN: highest) hole that fits,
// MmFindGap — and gives it one MM_REGION (MmInitializeRegion); MmFreeMemoryArea marks it
// DeleteInProgress, deletes its pages and takes it out of the tree; MmLocateMemoryAreaByAddress
// and MmLocateMemoryAreaByRegion find areas. Committing private memory here charges it (Windows;
// RosMm charges nothing). The tree itself is areaTree.ts; the partial releases that shrink or split
// an area are releaseRange.ts.

import type { AddressSpace } from './addressSpace.js'
import { alignDown, alignUp } from './alignment.js'
import { canCharge, chargeCommit } from './commitCharge.js'
import { areaToRecord } from './events.js'
import { type MemoryArea, type MemoryAreaTypeName, isPrivateMemory } from './memoryArea.js'
import { MEM_COMMIT, MEM_RESERVE, MM_ALLOCATION_GRANULARITY, PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import {
  STATUS_ACCESS_VIOLATION,
  STATUS_COMMITMENT_LIMIT,
  STATUS_CONFLICTING_ADDRESSES,
  STATUS_INVALID_PAGE_PROTECTION,
  STATUS_INVALID_PARAMETER,
  STATUS_NO_MEMORY,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { makeProtectionMask } from './protectionMask.js'
import { forEachPte, invalidateIfCurrent, writePteAt } from './pteAccess.js'
import { type RegionType, mmInitializeRegion, regionsOf, regionsOverlapping } from './region.js'
import { ZERO_PTE } from './softwarePte.js'
import { deleteVirtualMappings } from './virtualMapping.js'

/** What `MemoryManager.createArea` (MmCreateMemoryArea) is asked to create (arguments already validated and rounded). */
export interface CreateAreaOptions {
  /** Fixed base (aligned down to the area granularity), or undefined to let the memory manager choose. */
  readonly base?: number
  /** Bytes (rounded up to pages). */
  readonly size: number
  /** MEM_TOP_DOWN: the highest hole that fits. */
  readonly topDown?: boolean
  /** Highest address the area may cover (the ZeroBits limit); clipped to MM_HIGHEST_VAD_ADDRESS. */
  readonly highestAddress?: number
  /** Area type (default VIRTUAL_MEMORY). */
  readonly type?: MemoryAreaTypeName
  /** Win32 protection (becomes AllocationProtect and the protection of the single initial region). */
  readonly protect: number
  /** MEM_COMMIT too (charged against the commit limit now). */
  readonly commit: boolean
}

/** Result of `MemoryManager.createArea` (MmCreateMemoryArea). */
export type CreateAreaResult =
  | { readonly status: typeof STATUS_SUCCESS; readonly area: MemoryArea }
  | { readonly status: number; readonly area?: undefined }

/**
 * MmCreateMemoryArea (+ MmInitializeRegion, + commit charge when `commit`): a new area of one
 * region. Fixed base: aligned down to 64 KiB (VIRTUAL_MEMORY, PEB_OR_TEB) or a page; any
 * overlap → STATUS_CONFLICTING_ADDRESSES; outside the space → STATUS_ACCESS_VIOLATION. No base:
 * the lowest (top-down: highest) hole below `highestAddress` → STATUS_NO_MEMORY when none.
 * Commit beyond the commit limit → STATUS_COMMITMENT_LIMIT. Nothing changes on failure.
 */
export function mmCreateMemoryArea(
  core: MmCore,
  space: AddressSpace,
  options: CreateAreaOptions,
): CreateAreaResult {
  const type = options.type ?? 'VIRTUAL_MEMORY'
  const size = alignUp(options.size, PAGE_SIZE)
  if (!Number.isFinite(size) || size <= 0) return { status: STATUS_INVALID_PARAMETER }
  if (makeProtectionMask(options.protect) === undefined) return { status: STATUS_INVALID_PAGE_PROTECTION }
  const granularity = isPrivateMemory(type) ? MM_ALLOCATION_GRANULARITY : PAGE_SIZE
  space.lock()
  try {
    const placed = findAreaPlacement(core, space, {
      ...(options.base === undefined ? {} : { base: options.base }),
      size,
      granularity,
      topDown: options.topDown === true,
      ...(options.highestAddress === undefined ? {} : { highestAddress: options.highestAddress }),
    })
    if (placed.start === undefined) return { status: placed.status }
    const { start, end } = placed
    const pages = (end - start) / PAGE_SIZE
    const charged = options.commit && isPrivateMemory(type)
    if (charged && !canCharge(core.state.commit, pages)) return { status: STATUS_COMMITMENT_LIMIT }
    const regionType: RegionType = options.commit ? MEM_COMMIT : MEM_RESERVE
    core.emit({
      type: 'mm.areaInserted',
      pid: space.pid,
      area: {
        startingAddress: start,
        endingAddress: end,
        type,
        protect: options.protect,
        deleteInProgress: false,
        regions: regionsOf(mmInitializeRegion(start, end - start, regionType, options.protect)),
      },
    })
    if (charged) chargeCommit(core, space.pid, pages)
    return { status: STATUS_SUCCESS, area: space.tree.locate(start)! }
  } finally {
    space.unlock()
  }
}

/** Where {@link findAreaPlacement} puts an area: a fixed base, or a hole to find. */
export interface AreaPlacementRequest {
  /** Fixed base (aligned down to `granularity`), or undefined to find a hole. */
  readonly base?: number
  /** Bytes, page multiple. */
  readonly size: number
  /** Alignment of the start: 64 KiB for reservations and views placed by the system, else a page. */
  readonly granularity: number
  readonly topDown: boolean
  /** Highest address the area may cover (clipped to the space). */
  readonly highestAddress?: number
}

/** The range {@link findAreaPlacement} found, or the status that says why there is none. */
export type AreaPlacement =
  | { readonly status: typeof STATUS_SUCCESS; readonly start: number; readonly end: number }
  | { readonly status: number; readonly start?: undefined; readonly end?: undefined }

/**
 * The range a new area of `space` takes (MmCreateMemoryArea's placement, MmFindGap): a fixed base
 * aligned down to the granularity, refused with STATUS_ACCESS_VIOLATION outside the space and
 * STATUS_CONFLICTING_ADDRESSES on any overlap; or the lowest (top-down: highest) fitting hole below
 * `highestAddress`, STATUS_NO_MEMORY when there is none. Changes nothing.
 */
export function findAreaPlacement(
  core: MmCore,
  space: AddressSpace,
  request: AreaPlacementRequest,
): AreaPlacement {
  const layout = core.layout
  const lowest = space.isKernel ? layout.systemRangeStart : layout.lowestUserAddress
  const highest = space.isKernel ? layout.highestSystemAddress : layout.highestVadAddress
  if (request.base !== undefined) {
    const start = alignDown(request.base, request.granularity)
    const end = alignUp(request.base + request.size, PAGE_SIZE)
    if (start < lowest || end - 1 > highest) return { status: STATUS_ACCESS_VIOLATION }
    if (space.tree.locateByRange(start, end - start) !== undefined)
      return { status: STATUS_CONFLICTING_ADDRESSES }
    return { status: STATUS_SUCCESS, start, end }
  }
  const limit = Math.min(request.highestAddress ?? highest, highest)
  const found = space.tree.findGap({
    length: request.size,
    granularity: request.granularity,
    lowestAddress: lowest,
    highestAddress: limit,
    topDown: request.topDown,
  })
  if (found === undefined) return { status: STATUS_NO_MEMORY }
  return { status: STATUS_SUCCESS, start: found, end: found + request.size }
}

/**
 * MmFreeMemoryArea: mark `area` DeleteInProgress (a fault in it is now an access violation),
 * delete its committed pages, remove it from the tree and return its commit charge (which ReactOS
 * ARM3 forgets on a whole release). The caller holds the space's lock.
 */
export function mmFreeMemoryArea(core: MmCore, space: AddressSpace, area: MemoryArea): void {
  space.assertLocked('MmFreeMemoryArea')
  core.emit({
    type: 'mm.areaDeleteInProgress',
    pid: space.pid,
    startingAddress: area.startingAddress,
    deleteInProgress: true,
    previous: area.deleteInProgress,
  })
  const committed = deleteCommittedPages(core, space, area, area.startingAddress, area.endingAddress)
  const removed = space.tree.locate(area.startingAddress)!
  core.emit({ type: 'mm.areaRemoved', pid: space.pid, area: areaToRecord(removed) })
  if (isPrivateMemory(area.type) && committed > 0) chargeCommit(core, space.pid, -committed)
}

/**
 * Delete every page of the committed regions of `area` inside [start, end) (frames, page-file
 * slots, PTEs; KUSER_SHARED_DATA's shared frame is only unmapped). Returns the committed page count.
 */
export function deleteCommittedPages(
  core: MmCore,
  space: AddressSpace,
  area: MemoryArea,
  start: number,
  end: number,
): number {
  let committed = 0
  for (const region of regionsOverlapping(area.regions, start, end)) {
    if (region.type !== MEM_COMMIT) continue
    const pieceStart = Math.max(start, region.start)
    const pieceEnd = Math.min(end, region.start + region.length)
    committed += (pieceEnd - pieceStart) / PAGE_SIZE
    if (area.type !== 'SHARED_DATA') deleteVirtualMappings(core, space.pid, pieceStart, pieceEnd)
    else unmapSharedData(core, space.pid, pieceStart, pieceEnd)
  }
  return committed
}

/** Zero the PTEs of the shared KUSER_SHARED_DATA page: the frame is the system's and stays. */
function unmapSharedData(core: MmCore, pid: number, start: number, end: number): void {
  forEachPte(core, pid, start, end, (va, pte) => {
    if (pte.view.kind === 'zero') return
    writePteAt(core, pte.address, ZERO_PTE)
    invalidateIfCurrent(core, pid, va)
  })
}

/** MmLocateMemoryAreaByAddress (with the space's node hint). */
export function mmLocateMemoryAreaByAddress(space: AddressSpace, address: number): MemoryArea | undefined {
  return space.locate(address)
}

/** MmLocateMemoryAreaByRegion: the lowest area overlapping [start, start + length). */
export function mmLocateMemoryAreaByRegion(
  space: AddressSpace,
  start: number,
  length: number,
): MemoryArea | undefined {
  return space.tree.locateByRange(start, length)
}
