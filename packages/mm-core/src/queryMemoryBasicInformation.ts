// NtQueryVirtualMemory's MemoryBasicInformation as the memory manager answers it (ReactOS
// ntoskrnl/mm/ARM3/virtual.c MiQueryMemoryBasicInformation; RosMm's MmQueryAnonMem): from the
// page of the address, the run of pages inside one area that share state and protection, or the
// free range up to the next area. A committed page's protection is its PTE's when the PTE holds
// one (a guard that fired, a protection change on a resident page), else its region's, so the run
// may end inside a region. A section view (NT-SECTIONS §6) reports MEM_MAPPED or MEM_IMAGE, its
// map protection as AllocationProtect, each page's protection from its MM_REGION, and MEM_RESERVE
// (Protect 0) for the pages its segment has not committed (SEC_RESERVE) or does not have yet (a
// MEM_RESERVE view past the end of its file's segment). Inspection: reads PTEs
// without setting A/D bits, touching the TLB or emitting events.

import type { AddressSpace } from './addressSpace.js'
import { alignDown } from './alignment.js'
import type { MemoryArea } from './memoryArea.js'
import {
  MEM_COMMIT,
  MEM_FREE,
  MEM_IMAGE,
  MEM_MAPPED,
  MEM_PRIVATE,
  MEM_RESERVE,
  PAGE_NOACCESS,
  PAGE_SIZE,
} from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { protectionMaskToWin32 } from './protectionMask.js'
import { readPte } from './pteAccess.js'
import { PrototypeEntryKind } from './prototypeEntries.js'
import { mmFindRegion } from './region.js'

/** NtQueryVirtualMemory's MEMORY_BASIC_INFORMATION for one address. */
export interface MemoryBasicInformation {
  readonly baseAddress: number
  readonly allocationBase: number
  readonly allocationProtect: number
  readonly regionSize: number
  /** MEM_COMMIT, MEM_RESERVE or MEM_FREE. */
  readonly state: number
  /** Win32 protection; 0 for reserved pages, PAGE_NOACCESS for free ones. */
  readonly protect: number
  /** MEM_PRIVATE, MEM_MAPPED, or 0 for free memory. */
  readonly type: number
}

/**
 * MiQueryMemoryBasicInformation for `address` of `space`: the run of pages from its page that
 * share state and protection inside one area, or the free range up to the next area. Side-effect
 * free.
 */
export function miQueryMemoryBasicInformation(
  core: MmCore,
  space: AddressSpace,
  address: number,
): MemoryBasicInformation {
  const layout = core.layout
  const page = alignDown(address, PAGE_SIZE)
  const area = space.tree.locate(page)
  if (area === undefined) {
    const next = space.tree.firstAtOrAfter(page)
    const limit = space.isKernel ? layout.highestSystemAddress + 1 : layout.highestUserAddress + 1
    const end = next === undefined ? limit : Math.min(next.startingAddress, limit)
    return {
      baseAddress: page,
      allocationBase: 0,
      allocationProtect: 0,
      regionSize: Math.max(end - page, PAGE_SIZE),
      state: MEM_FREE,
      protect: PAGE_NOACCESS,
      type: 0,
    }
  }
  if (area.view !== undefined) return viewInformation(core, area, page)
  const first = pageState(core, space.pid, area, page)
  let cursor = page + PAGE_SIZE
  while (cursor < area.endingAddress) {
    const region = mmFindRegion(area.regions, cursor)!
    if (region.type === MEM_RESERVE) {
      if (first.state !== MEM_RESERVE) break
      cursor = region.start + region.length
      continue
    }
    const next = pageState(core, space.pid, area, cursor)
    if (next.state !== first.state || next.protect !== first.protect) break
    cursor += PAGE_SIZE
  }
  return {
    baseAddress: page,
    allocationBase: area.startingAddress,
    allocationProtect: area.protect,
    regionSize: cursor - page,
    state: first.state,
    protect: first.protect,
    type: area.type === 'SECTION_VIEW' ? MEM_MAPPED : MEM_PRIVATE,
  }
}

/**
 * MemoryBasicInformation inside a view: runs of equal commit state (the segment's) and protection
 * (the region's). A page past the segment's end (a MEM_RESERVE view of a file) has no prototype
 * entry: reserved, as NT's MiQueryAddressState reports a page whose prototype PTE is missing.
 */
function viewInformation(core: MmCore, area: MemoryArea, page: number): MemoryBasicInformation {
  const segment = core.state.segments.get(area.view!.segmentId)!
  const entries = segment.entries
  const segmentEnd = segment.pageCount
  const indexOf = (va: number) => area.view!.offsetPages + (va - area.startingAddress) / PAGE_SIZE
  const isReserved = (kind: number) => kind === PrototypeEntryKind.RESERVED
  const first = indexOf(page)
  const reserved = first >= segmentEnd || isReserved(entries.kindOf(first))
  const protect = reserved ? 0 : mmFindRegion(area.regions, page)!.protect
  let cursor = page
  while (cursor < area.endingAddress) {
    const region = mmFindRegion(area.regions, cursor)!
    if (!reserved && region.protect !== protect) break
    const from = indexOf(cursor)
    const limit = indexOf(region.start + region.length)
    const inside = Math.max(from, Math.min(limit, segmentEnd))
    let end = entries.runEnd(from, inside, (kind) => isReserved(kind) === reserved)
    // Past the segment every page is reserved.
    if (end === inside && reserved) end = limit
    cursor += (end - from) * PAGE_SIZE
    if (end < limit) break
  }
  return {
    baseAddress: page,
    allocationBase: area.startingAddress,
    allocationProtect: area.protect,
    regionSize: cursor - page,
    state: reserved ? MEM_RESERVE : MEM_COMMIT,
    protect,
    type: segment.kind === 'image' ? MEM_IMAGE : MEM_MAPPED,
  }
}

/** State and Win32 protection of one page (committed: the PTE's protection when it has one, else the region's). */
function pageState(
  core: MmCore,
  pid: number,
  area: MemoryArea,
  page: number,
): { state: number; protect: number } {
  const region = mmFindRegion(area.regions, page)!
  if (region.type === MEM_RESERVE) return { state: MEM_RESERVE, protect: 0 }
  if (area.type === 'SHARED_DATA') return { state: MEM_COMMIT, protect: region.protect }
  const pte = readPte(core, pid, page)
  if (pte === undefined) return { state: MEM_COMMIT, protect: region.protect }
  const view = pte.view
  switch (view.kind) {
    case 'zero':
      return { state: MEM_COMMIT, protect: region.protect }
    case 'valid':
      return { state: MEM_COMMIT, protect: protectionMaskToWin32(core.state.pfn.protectMask[view.pfn]!) }
    default:
      return { state: MEM_COMMIT, protect: protectionMaskToWin32(view.protectMask) }
  }
}
