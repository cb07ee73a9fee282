// MEMORY_AREA (ReactOS ntoskrnl/include/internal/mm.h, the pre-VAD "marea" design of the source
// article): a contiguous, page-aligned range of one address space with a type that tells the fault
// path how to resolve a miss, the protection given at creation (AllocationProtect), a
// DeleteInProgress flag, and the MM_REGION list that tiles it. Areas are immutable values: a change
// produces a new area, and the tree (areaTree.ts) holds the current one.

import type { RegionList } from './region.js'

/**
 * The area types the fault path dispatches on (values of the old MEMORY_AREA_* constants).
 * VIRTUAL_MEMORY and PEB_OR_TEB are private memory resolved by MmNotPresentFaultVirtualMemory;
 * SECTION_VIEW is a mapped view of a section (data or image), resolved by
 * MmNotPresentFaultSectionView; SHARED_DATA is KUSER_SHARED_DATA; SYSTEM areas never fault in;
 * PAGED_POOL is recognised but not simulated (its faults are access violations).
 */
export const MemoryAreaType = {
  SECTION_VIEW: 1,
  SYSTEM: 5,
  VIRTUAL_MEMORY: 8,
  SHARED_DATA: 10,
  PAGED_POOL: 12,
  PEB_OR_TEB: 14,
} as const

/** The name of a memory-area type, e.g. `'VIRTUAL_MEMORY'`. */
export type MemoryAreaTypeName = keyof typeof MemoryAreaType

/**
 * What a SECTION_VIEW area maps (RosMm's MEMORY_AREA.SectionData: Segment and ViewOffset): its
 * segment, the page of the segment at the view's base, and the commit charged to the view for its
 * copy-on-write pages (a WRITECOPY or image view: its whole size at map time; a view given a
 * WRITECOPY protection later: its whole size then), returned when it is unmapped.
 */
export interface SectionViewInfo {
  readonly segmentId: number
  readonly offsetPages: number
  readonly copyOnWriteCharge: number
}

/** MEMORY_AREA: [startingAddress, endingAddress) with its type, protection and regions. */
export interface MemoryArea {
  /** First byte (page-aligned; 64 KiB-aligned for VIRTUAL_MEMORY reservations). */
  readonly startingAddress: number
  /** One past the last byte (page-aligned), as MA_GetEndingAddress. */
  readonly endingAddress: number
  readonly type: MemoryAreaTypeName
  /** The Win32 protection given when the area was created (NtQueryVirtualMemory's AllocationProtect). */
  readonly protect: number
  /** Set while the area is being torn down: faults in it are access violations. */
  readonly deleteInProgress: boolean
  /** The MM_REGION list tiling [startingAddress, endingAddress). */
  readonly regions: RegionList
  /** A SECTION_VIEW's segment and offset (absent for every other area). */
  readonly view?: SectionViewInfo
}

/** The size of an area in bytes. */
export function areaLength(area: MemoryArea): number {
  return area.endingAddress - area.startingAddress
}

/** True when `address` lies inside the area. */
export function areaContains(area: MemoryArea, address: number): boolean {
  return address >= area.startingAddress && address < area.endingAddress
}

/**
 * True for the area types that hold private memory (VIRTUAL_MEMORY, PEB_OR_TEB): reserved on 64 KiB
 * boundaries, and their committed pages are charged against the commit limit.
 */
export function isPrivateMemory(type: MemoryAreaTypeName): boolean {
  return type === 'VIRTUAL_MEMORY' || type === 'PEB_OR_TEB'
}
