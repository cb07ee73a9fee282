// A PFN database entry as the events carry it (MMPFN as plain data: the "before" and "after" of
// every event that changes a frame), read from and written to the typed arrays of pfnDatabase.ts.
// A frame backing a section's page adds its segment and share count; every other frame's record
// has exactly the fields it always had, so machines without sections record the same events.

import type { MmState } from './mmState.js'
import { type PfnStateName, pfnStateCode } from './pfnDatabase.js'

/** A PFN database entry as plain data. */
export interface PfnRecord {
  readonly state: PfnStateName
  readonly ownerPid: number
  /** The virtual address of a process page; the byte offset in its segment for a section page. */
  readonly ownerAddress: number
  readonly protectMask: number
  readonly pageFileSlot: number
  readonly modified: boolean
  /** A section page's frame: its segment (absent for every other frame). */
  readonly segmentId?: number
  /** A section page's frame: the valid process PTEs mapping it (MMPFN.ShareCount). */
  readonly shareCount?: number
}

/** The PFN entry of `pfn` as plain data. */
export function pfnRecordOf(state: MmState, pfn: number): PfnRecord {
  const pfnDb = state.pfn
  const segmentId = pfnDb.segmentId[pfn]!
  // Object literals, not spreads: V8 builds a spread object and then extends it slowly, and this
  // runs a few times per fault.
  if (segmentId < 0) {
    return {
      state: pfnDb.stateOf(pfn),
      ownerPid: pfnDb.ownerPid[pfn]!,
      ownerAddress: pfnDb.ownerAddress[pfn]!,
      protectMask: pfnDb.protectMask[pfn]!,
      pageFileSlot: pfnDb.pageFileSlot[pfn]!,
      modified: pfnDb.modified[pfn] === 1,
    }
  }
  return {
    state: pfnDb.stateOf(pfn),
    ownerPid: pfnDb.ownerPid[pfn]!,
    ownerAddress: pfnDb.ownerAddress[pfn]!,
    protectMask: pfnDb.protectMask[pfn]!,
    pageFileSlot: pfnDb.pageFileSlot[pfn]!,
    modified: pfnDb.modified[pfn] === 1,
    segmentId,
    shareCount: pfnDb.shareCount[pfn]!,
  }
}

/** Make the PFN entry of `pfn` say what `record` says (event replay). */
export function setPfn(state: MmState, pfn: number, record: PfnRecord): void {
  if (state.pfn.state[pfn] !== pfnStateCode(record.state)) state.pfn.setState(pfn, record.state)
  state.pfn.setOwnerFields(
    pfn,
    record.ownerPid,
    record.ownerAddress,
    record.protectMask,
    record.pageFileSlot,
    record.modified,
    record.segmentId ?? -1,
    record.shareCount ?? 0,
  )
}

/**
 * `before` (a record of {@link pfnRecordOf}) with its state, owner, protection, page-file slot and
 * modified flag replaced, as one literal in pfnRecordOf's field order: the same JSON as
 * `{ ...before, state, … }`, without V8's generic clone, and one hidden class for `setPfn` to read
 * (a spread's record has another, and on the fault path `setPfn`'s loads went megamorphic).
 */
export function pfnRecordWith(
  before: PfnRecord,
  state: PfnStateName,
  ownerPid: number,
  ownerAddress: number,
  protectMask: number,
  pageFileSlot: number,
  modified: boolean,
): PfnRecord {
  if (before.segmentId === undefined)
    return { state, ownerPid, ownerAddress, protectMask, pageFileSlot, modified }
  return {
    state,
    ownerPid,
    ownerAddress,
    protectMask,
    pageFileSlot,
    modified,
    segmentId: before.segmentId,
    shareCount: before.shareCount!,
  }
}

/** `before` in state `state` (the fields of `{ ...before, state }`, as {@link pfnRecordWith} builds them). */
export function pfnRecordInState(before: PfnRecord, state: PfnStateName): PfnRecord {
  return pfnRecordWith(
    before,
    state,
    before.ownerPid,
    before.ownerAddress,
    before.protectMask,
    before.pageFileSlot,
    before.modified,
  )
}

/**
 * A frame that backs nothing, in state `state`: `{ ...NO_OWNER, state }` written as a literal (the
 * same fields in the same order, so recorded events stay byte-identical).
 */
export function unownedPfnRecord(state: PfnStateName): PfnRecord {
  return { ownerPid: -1, ownerAddress: 0, protectMask: 0, pageFileSlot: -1, modified: false, state }
}

/** A record for a frame that backs nothing (free, zeroed, or taken for a page table or the system). */
export const NO_OWNER = {
  ownerPid: -1,
  ownerAddress: 0,
  protectMask: 0,
  pageFileSlot: -1,
  modified: false,
} as const
