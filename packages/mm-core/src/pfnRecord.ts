// A PFN database entry as the events carry it (MMPFN as plain data: the "before" and "after" of
// every event that changes a frame), read from and written to the typed arrays of pfnDatabase.ts.
// A frame backing a section's page adds its segment and share count; every other frame's record
// has exactly the fields it always had, so machines without sections record the same events.

import type { MmState } from './mmState.js'
import { PfnState, type PfnStateName } from './pfnDatabase.js'

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
  if (state.pfn.state[pfn] !== PfnState[record.state]) state.pfn.setState(pfn, record.state)
  state.pfn.setOwner(pfn, {
    pid: record.ownerPid,
    address: record.ownerAddress,
    protectMask: record.protectMask,
    pageFileSlot: record.pageFileSlot,
    modified: record.modified,
    segmentId: record.segmentId ?? -1,
    shareCount: record.shareCount ?? 0,
  })
}

/** A record for a frame that backs nothing (free, zeroed, or taken for a page table or the system). */
export const NO_OWNER = {
  ownerPid: -1,
  ownerAddress: 0,
  protectMask: 0,
  pageFileSlot: -1,
  modified: false,
} as const
