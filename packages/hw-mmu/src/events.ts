// Every change of hardware state is one of these events (DESIGN.md, event sourcing). The live
// machine changes its state only through the apply functions `applyHwEvent` dispatches to, so a
// recorded stream applied to the initial state rebuilds every intermediate state exactly. Events
// are plain JSON data carrying the old value beside the new. The high-volume kinds (tlbHit,
// tlbMiss, tlbFill, tlbEvict, pageWalk, accessedDirtySet, physicalWrite, pteWritten) hold numbers
// only, so a trace can store them in typed-array columns.
import {
  applyFrameAllocated,
  applyFrameFreed,
  applyFrameZeroed,
  applyPhysicalBytesWritten,
  applyPhysicalWrite,
} from './frameStore.js'
import {
  applyControlChanged,
  applyCr3Loaded,
  applyPageFault,
  type ControlBits,
  type HwState,
} from './hwState.js'
import { applyPteWritten } from './pageTableEditor.js'
import type { AccessKind, PagingMode, PrivilegeMode } from './paging.js'
import { PAGE_SIZE } from './paging.js'
import {
  applyPageWalk,
  applyTlbEvict,
  applyTlbFill,
  applyTlbFlushCounted,
  applyTlbHit,
  applyTlbInvalidate,
  applyTlbMiss,
  applyTlbStatisticsReset,
  applyTlbStatisticsRestore,
  type FlushKind,
  flushKindCode,
  restoreTlbEntry,
  type TlbIndex,
  type TlbLevel,
  type TlbStatistics,
  undoTlbHit,
} from './tlb.js'

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

function level(state: HwState, index: TlbIndex): TlbLevel {
  const tlb = state.tlbs[index]
  if (tlb === undefined)
    throw new RangeError(`event names TLB level ${index}, which this machine does not have`)
  return tlb
}

/** Applies `event` to `state`, through the same functions the live machine uses. */
export function applyHwEvent(state: HwState, event: HwEvent): void {
  switch (event.type) {
    case 'hw.frameAllocated':
      applyFrameAllocated(state.frames, event.pfn)
      return
    case 'hw.frameFreed':
      applyFrameFreed(state.frames, event.pfn)
      return
    case 'hw.frameZeroed':
      applyFrameZeroed(state.frames, event.pfn)
      return
    case 'hw.physicalWrite':
      applyPhysicalWrite(state.frames, event.address, event.size, event.value)
      return
    case 'hw.physicalBytesWritten':
      applyPhysicalBytesWritten(state.frames, event.address, event.bytes)
      return
    case 'hw.pteWritten':
      applyPteWritten(state.frames, event.address, event.size, event.newLow, event.newHigh)
      return
    case 'hw.accessedDirtySet':
      applyPhysicalWrite(state.frames, event.address, 4, event.newValue)
      return
    case 'hw.tlbHit': {
      const tlb = level(state, event.tlb)
      applyTlbHit(tlb, event.set * tlb.ways + event.way)
      return
    }
    case 'hw.tlbMiss':
      applyTlbMiss(level(state, event.tlb))
      return
    case 'hw.tlbFill': {
      const tlb = level(state, event.tlb)
      applyTlbFill(tlb, event.set * tlb.ways + event.way, event.tag, event.frame, event.flags, event.pcid)
      return
    }
    case 'hw.tlbEvict': {
      const tlb = level(state, event.tlb)
      applyTlbEvict(tlb, event.set * tlb.ways + event.way)
      return
    }
    case 'hw.tlbFlush': {
      const tlb = level(state, event.tlb)
      for (const entry of event.removed) applyTlbInvalidate(tlb, entry.set * tlb.ways + entry.way)
      applyTlbFlushCounted(tlb, event.kind)
      return
    }
    case 'hw.pageWalk': {
      applyPageWalk(level(state, event.tlb), event.memoryReferences)
      if (state.secondTlb !== undefined) applyPageWalk(state.secondTlb, event.memoryReferences)
      return
    }
    case 'hw.pageFault':
      applyPageFault(state, event.address)
      return
    case 'hw.cr3Loaded':
      applyCr3Loaded(state, event.cr3, event.pcid, event.pdptes ?? undefined)
      return
    case 'hw.controlChanged':
      applyControlChanged(state, event.mode, event.control)
      if (event.pdptes !== null) applyCr3Loaded(state, state.cr3, state.pcid, event.pdptes)
      return
    case 'hw.statisticsReset':
      for (const tlb of state.tlbs) if (tlb !== undefined) applyTlbStatisticsReset(tlb)
      return
    default: {
      const never: never = event
      throw new RangeError(`unknown hardware event ${JSON.stringify(never)}`)
    }
  }
}

/**
 * Reverts `event`, the last event applied to `state`, from the old values it carries (for
 * stepping back in time without restoring a checkpoint). The result equals the state before the
 * event by every observable measure and by digest; only caches of the simulator itself (the TLB
 * mirror rows, the free-frame search start, whether a zero frame holds a buffer) may differ.
 */
export function undoHwEvent(state: HwState, event: HwEvent): void {
  const frames = state.frames
  switch (event.type) {
    case 'hw.frameAllocated':
      applyFrameFreed(frames, event.pfn)
      return
    case 'hw.frameFreed':
      applyFrameAllocated(frames, event.pfn)
      return
    case 'hw.frameZeroed': {
      const base = event.pfn * PAGE_SIZE
      for (let i = 0; i < event.previousWords.length; i += 2) {
        applyPhysicalWrite(frames, base + event.previousWords[i]! * 4, 4, event.previousWords[i + 1]!)
      }
      return
    }
    case 'hw.physicalWrite':
      applyPhysicalWrite(frames, event.address, event.size, event.previousValue)
      return
    case 'hw.physicalBytesWritten':
      applyPhysicalBytesWritten(frames, event.address, event.previousBytes)
      return
    case 'hw.pteWritten':
      applyPteWritten(frames, event.address, event.size, event.oldLow, event.oldHigh)
      return
    case 'hw.accessedDirtySet':
      applyPhysicalWrite(frames, event.address, 4, event.oldValue)
      return
    case 'hw.tlbHit': {
      const tlb = level(state, event.tlb)
      undoTlbHit(tlb, event.set * tlb.ways + event.way, event.previousAge)
      return
    }
    case 'hw.tlbMiss':
      level(state, event.tlb).misses--
      return
    case 'hw.tlbFill': {
      const tlb = level(state, event.tlb)
      const e = event
      restoreTlbEntry(
        tlb,
        e.set * tlb.ways + e.way,
        e.previousTag,
        e.previousFrame,
        e.previousFlags,
        e.previousPcid,
        e.previousAge,
      )
      tlb.clock--
      tlb.fillCount--
      return
    }
    case 'hw.tlbEvict': {
      const tlb = level(state, event.tlb)
      restoreTlbEntry(
        tlb,
        event.set * tlb.ways + event.way,
        event.tag,
        event.frame,
        event.flags,
        event.pcid,
        event.age,
      )
      tlb.evictions--
      return
    }
    case 'hw.tlbFlush': {
      const tlb = level(state, event.tlb)
      for (const e of event.removed)
        restoreTlbEntry(tlb, e.set * tlb.ways + e.way, e.tag, e.frame, e.flags, e.pcid, e.age)
      tlb.flushCounts[flushKindCode(event.kind)]!--
      return
    }
    case 'hw.pageWalk': {
      for (const tlb of [level(state, event.tlb), state.secondTlb]) {
        if (tlb === undefined) continue
        tlb.walks--
        tlb.walkMemoryReferences -= event.memoryReferences
      }
      return
    }
    case 'hw.pageFault':
      state.cr2 = event.previousCr2
      state.faultCount--
      return
    case 'hw.cr3Loaded':
      applyCr3Loaded(state, event.previousCr3, event.previousPcid, event.previousPdptes)
      return
    case 'hw.controlChanged':
      applyControlChanged(state, event.previousMode, event.previousControl)
      applyCr3Loaded(state, state.cr3, state.pcid, event.previousPdptes)
      return
    case 'hw.statisticsReset':
      event.previous.forEach((statistics, index) => {
        const tlb = state.tlbs[index]
        if (tlb !== undefined && statistics !== null) applyTlbStatisticsRestore(tlb, statistics)
      })
      return
    default: {
      const never: never = event
      throw new RangeError(`unknown hardware event ${JSON.stringify(never)}`)
    }
  }
}
