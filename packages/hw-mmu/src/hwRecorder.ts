// How the hardware reports its state changes: a recorder receives every hw.* event as an object,
// and an optional recording lane receives the high-volume per-access ones as numeric calls (no
// object per TLB hit or small store). The Mmu, the FrameStore and the page walker report through
// these; eventLane.ts turns a lane's calls back into objects. The trace a recorder keeps is what
// time travel and replay (applyHwEvent.ts) start from.
import type { HwEvent } from './events.js'

/** Receives each hardware event as it happens. */
export type HwRecorder = (event: HwEvent) => void

/**
 * The optional high-volume lane of a recorder: the per-access events (TLB hits, misses, fills
 * and evictions, page walks, accessed/dirty updates, small stores) as numeric calls, so
 * recording them allocates no event object. Each call stands for exactly the
 * event its name says, with the same fields in the same order; an Mmu given a lane
 * (`Mmu.setRecorder(recorder, lane)`) sends those events here and every other event to the
 * recorder, in the order they happen.
 */
export interface HwRecordingLane {
  /** hw.tlbHit of level `tlb` (a TlbIndex), entry (set, way), with the entry's age before the hit. */
  tlbHit(tlb: number, set: number, way: number, previousAge: number): void
  /**
   * hw.physicalWrite: a little-endian store of 1, 2 or 4 bytes at physical `address`. A store of
   * up to `LANE_STORE_LIMIT` bytes arrives as several, lowest address first (scalarStores.ts).
   */
  physicalWrite(address: number, size: number, value: number, previousValue: number): void
  /** hw.tlbMiss: a lookup in level `tlb` missed. */
  tlbMiss(tlb: number): void
  /** hw.pageWalk: a walk for `address` made through first-level TLB `tlb`. */
  pageWalk(tlb: number, address: number, memoryReferences: number): void
  /** hw.tlbEvict: the valid entry (set, way) of level `tlb` is replaced to make room for a fill. */
  tlbEvict(
    tlb: number,
    set: number,
    way: number,
    tag: number,
    frame: number,
    flags: number,
    pcid: number,
    age: number,
  ): void
  /** hw.tlbFill: entry (set, way) of level `tlb` is written; the `previous*` values are the entry's before. */
  tlbFill(
    tlb: number,
    set: number,
    way: number,
    tag: number,
    frame: number,
    flags: number,
    pcid: number,
    previousTag: number,
    previousFrame: number,
    previousFlags: number,
    previousPcid: number,
    previousAge: number,
  ): void
  /** hw.accessedDirtySet: a walk set the accessed (and dirty) bit of the PTE at physical `address`. */
  accessedDirtySet(address: number, level: number, oldValue: number, newValue: number): void
}
