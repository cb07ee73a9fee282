// Replay of hardware events (DESIGN.md, event sourcing; no NT counterpart: the real CPU keeps no
// log). `applyHwEvent` applies one event to a HwState through the same apply functions the live
// machine calls, so a recorded stream rebuilds every intermediate state exactly; `undoHwEvent`
// reverts one from the old values it carries, so time travel steps back without a checkpoint.
import {
  applyFrameAllocated,
  applyFrameFreed,
  applyFrameZeroed,
  applyPhysicalBytesWritten,
  applyPhysicalWrite,
} from './frameStore.js'
import type { HwEvent } from './events.js'
import { applyControlChanged, applyCr3Loaded, applyPageFault, type HwState } from './hwState.js'
import { applyPteWritten } from './pageTableEditor.js'
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
  flushKindCode,
  restoreTlbEntry,
  type TlbLevel,
  undoTlbHit,
} from './tlb.js'
import type { TlbIndex } from './tlbConfig.js'

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
