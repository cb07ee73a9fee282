// Every change of hardware state is one of these events (DESIGN.md, event sourcing): the types
// only, with no state behind them. The live machine changes its state only through the apply
// functions `applyHwEvent` dispatches to (applyHwEvent.ts), so a recorded stream applied to the
// initial state rebuilds every intermediate state exactly. Events are plain JSON data carrying the
// old value beside the new. The high-volume kinds (tlbHit, tlbMiss, tlbFill, tlbEvict, pageWalk,
// accessedDirtySet, physicalWrite, pteWritten) hold numbers only, so a trace can store them in
// typed-array columns.
import type { ControlBits } from './controlBits.js'
import type { AccessKind, PagingMode, PrivilegeMode } from './paging.js'
import type { FlushKind, TlbIndex, TlbStatistics } from './tlbConfig.js'

/** A frame was allocated. */
export interface HwFrameAllocated {
  readonly type: 'hw.frameAllocated'
  readonly pfn: number
}

/** A frame was freed (its bytes stay). */
export interface HwFrameFreed {
  readonly type: 'hw.frameFreed'
  readonly pfn: number
}

/** A frame was filled with zeros; `previousWords` lists its non-zero words before, as (index, value) pairs. */
export interface HwFrameZeroed {
  readonly type: 'hw.frameZeroed'
  readonly pfn: number
  readonly previousWords: readonly number[]
}

/** A 1, 2 or 4-byte store to physical memory (data written by an access or through the FrameStore). */
export interface HwPhysicalWrite {
  readonly type: 'hw.physicalWrite'
  readonly address: number
  readonly size: 1 | 2 | 4
  readonly value: number
  readonly previousValue: number
}

/** A run of bytes written to physical memory. */
export interface HwPhysicalBytesWritten {
  readonly type: 'hw.physicalBytesWritten'
  readonly address: number
  readonly bytes: readonly number[]
  readonly previousBytes: readonly number[]
}

/** The OS wrote a paging-structure entry (through the PageTableEditor). */
export interface HwPteWritten {
  readonly type: 'hw.pteWritten'
  readonly address: number
  readonly level: number
  readonly size: 4 | 8
  readonly oldLow: number
  readonly oldHigh: number
  readonly newLow: number
  readonly newHigh: number
}

/** The page walk set the Accessed and/or Dirty bit of an entry (low half). */
export interface HwAccessedDirtySet {
  readonly type: 'hw.accessedDirtySet'
  readonly address: number
  readonly level: number
  readonly oldValue: number
  readonly newValue: number
}

/** A TLB lookup hit entry (set, way). */
export interface HwTlbHit {
  readonly type: 'hw.tlbHit'
  readonly tlb: TlbIndex
  readonly set: number
  readonly way: number
  readonly previousAge: number
}

/** A TLB lookup missed. */
export interface HwTlbMiss {
  readonly type: 'hw.tlbMiss'
  readonly tlb: TlbIndex
}

/** A TLB entry was written (tag = page number × 4 + size code). */
export interface HwTlbFill {
  readonly type: 'hw.tlbFill'
  readonly tlb: TlbIndex
  readonly set: number
  readonly way: number
  readonly tag: number
  readonly frame: number
  readonly flags: number
  readonly pcid: number
  readonly previousTag: number
  readonly previousFrame: number
  readonly previousFlags: number
  readonly previousPcid: number
  readonly previousAge: number
}

/** A valid TLB entry was replaced to make room for a fill. */
export interface HwTlbEvict {
  readonly type: 'hw.tlbEvict'
  readonly tlb: TlbIndex
  readonly set: number
  readonly way: number
  readonly tag: number
  readonly frame: number
  readonly flags: number
  readonly pcid: number
  readonly age: number
}

/** A TLB entry removed by a flush. */
export interface TlbEntryRecord {
  readonly set: number
  readonly way: number
  readonly tag: number
  readonly frame: number
  readonly flags: number
  readonly pcid: number
  readonly age: number
}

/**
 * A flush of one TLB level: 'full' (CR0/CR4 changes), 'nonGlobal' (CR3 load without PCIDs),
 * 'pcid' (CR3 load with PCIDs), 'single' (INVLPG, or a #PF invalidating the faulting page).
 */
export interface HwTlbFlush {
  readonly type: 'hw.tlbFlush'
  readonly tlb: TlbIndex
  readonly kind: FlushKind
  /** The linear address for 'single', else null. */
  readonly address: number | null
  readonly pcid: number
  readonly removed: readonly TlbEntryRecord[]
}

/** A page walk made by an access that went through first-level TLB `tlb` (and the STLB, if any). */
export interface HwPageWalk {
  readonly type: 'hw.pageWalk'
  readonly tlb: TlbIndex
  readonly address: number
  readonly memoryReferences: number
}

/** A #PF was raised: CR2 takes `address`. */
export interface HwPageFault {
  readonly type: 'hw.pageFault'
  readonly address: number
  readonly errorCode: number
  readonly access: AccessKind
  readonly mode: PrivilegeMode
  readonly previousCr2: number
}

/** CR3 was loaded (with the PAE PDPTE registers, as 8 halves, when they were loaded). */
export interface HwCr3Loaded {
  readonly type: 'hw.cr3Loaded'
  readonly cr3: number
  readonly pcid: number
  readonly pdptes: readonly number[] | null
  readonly previousCr3: number
  readonly previousPcid: number
  readonly previousPdptes: readonly number[]
}

/** Control bits (CR0, CR4, EFER) changed, possibly switching x86 ⇄ x86-pae. */
export interface HwControlChanged {
  readonly type: 'hw.controlChanged'
  readonly mode: PagingMode
  readonly control: ControlBits
  readonly pdptes: readonly number[] | null
  readonly previousMode: PagingMode
  readonly previousControl: ControlBits
  readonly previousPdptes: readonly number[]
}

/** Every TLB level's statistics were reset (previous values by level index, null for an absent level). */
export interface HwStatisticsReset {
  readonly type: 'hw.statisticsReset'
  readonly previous: readonly (TlbStatistics | null)[]
}

/** Any hardware event. */
export type HwEvent =
  | HwFrameAllocated
  | HwFrameFreed
  | HwFrameZeroed
  | HwPhysicalWrite
  | HwPhysicalBytesWritten
  | HwPteWritten
  | HwAccessedDirtySet
  | HwTlbHit
  | HwTlbMiss
  | HwTlbFill
  | HwTlbEvict
  | HwTlbFlush
  | HwPageWalk
  | HwPageFault
  | HwCr3Loaded
  | HwControlChanged
  | HwStatisticsReset

/** Every event type string. */
export const HW_EVENT_TYPES: readonly HwEvent['type'][] = [
  'hw.frameAllocated',
  'hw.frameFreed',
  'hw.frameZeroed',
  'hw.physicalWrite',
  'hw.physicalBytesWritten',
  'hw.pteWritten',
  'hw.accessedDirtySet',
  'hw.tlbHit',
  'hw.tlbMiss',
  'hw.tlbFill',
  'hw.tlbEvict',
  'hw.tlbFlush',
  'hw.pageWalk',
  'hw.pageFault',
  'hw.cr3Loaded',
  'hw.controlChanged',
  'hw.statisticsReset',
]
