// The soft fault of a private page (ARM3 MiResolveTransitionFault; NT-PAGING.md §3.4): its PTE is
// a transition PTE, so its frame is still on the standby or modified list. The frame leaves its
// list, the PTE becomes valid and the page joins the working set: no frame request, no page table
// to make (a page table mapping a transition PTE never leaves memory, ntPageTables.ts), no zeroing,
// no I/O. The events are the ones this fault always had, in the same order: mm.pageReclaimed, the
// PTE write (hw.pteWritten), mm.mappingCreated.
//
// They are built only for a recorder. The state changes they make are applied from their fields,
// by the same functions applyMmEvent applies them with (setPfn's setOwnerFields, applyMappingAdded),
// recorder or not: a recorded run applies exactly what an unrecorded one does, and a replay of its
// events (applyMmEvent on the objects) rebuilds the same state. Unrecorded, the fault makes no PFN
// records and no event objects, and reads the PTE once (MmNotPresentFaultVirtualMemory's read): it
// was a third of its time (docs/performance.md, issue 21's soft fault / demand-zero fault).

import { isSystemAddress } from './addressSpaceLayout.js'
import { assert } from './assert.js'
import { applyMappingAdded } from './events.js'
import type { FaultDecision } from './faultDecision.js'
import type { MmCore } from './mmCore.js'
import { STATUS_PAGE_FAULT_TRANSITION } from './ntStatus.js'
import { PfnState } from './pfnDatabase.js'
import { type PfnRecord, pfnRecordInState, pfnRecordOf, pfnRecordWith } from './pfnRecord.js'
import { readPte, writeValidPteAt } from './pteAccess.js'

// A soft fault's causes, made once (not a string per fault: soft faults are the cheap ones).
const RECLAIMED_FROM_STANDBY = 'frame reclaimed from the standby list'
const RECLAIMED_FROM_MODIFIED = 'frame reclaimed from the modified list'

/**
 * Resolve the soft fault of private page `page` of space `pid`, whose transition PTE (at physical
 * address `pteAddress`; -1 when it was read through a page table not resident) names frame `pfn`;
 * `mask` is the page's protection, the access has been checked.
 */
export function resolveTransitionFault(
  core: MmCore,
  pid: number,
  page: number,
  pteAddress: number,
  pfn: number,
  mask: number,
): FaultDecision {
  const pfnDb = core.state.pfn
  // The frame's entry before the fault (mm.pageReclaimed's `before`), read before the working set
  // may trim (as ever: a trim takes only valid pages, so it leaves this entry as it is).
  const listState = pfnDb.state[pfn]!
  const ownerPid = pfnDb.ownerPid[pfn]!
  const ownerAddress = pfnDb.ownerAddress[pfn]!
  const pageFileSlot = pfnDb.pageFileSlot[pfn]!
  const modified = pfnDb.modified[pfn] === 1
  // A record has a segment and share count only for a section page's frame (setPfn: -1 and 0).
  const segmentId = pfnDb.segmentId[pfn]! < 0 ? -1 : pfnDb.segmentId[pfn]!
  const shareCount = segmentId < 0 ? 0 : pfnDb.shareCount[pfn]!
  // The condition first, the message's closure only on failure (soft faults are the cheap ones).
  if (
    !(
      (listState === PfnState.STANDBY || listState === PfnState.MODIFIED) &&
      ownerPid === pid &&
      ownerAddress === page
    )
  )
    assert(
      false,
      () => `transition PTE of 0x${page.toString(16)} names frame ${pfn} in state ${pfnDb.stateOf(pfn)}`,
    )
  const recorder = core.recorder
  const before: PfnRecord | undefined = recorder === undefined ? undefined : pfnRecordOf(core.state, pfn)
  // 'nt': the working set may first give up one of its own pages (local replacement).
  core.ntBeforeGrow?.(core, pid)

  // mm.pageReclaimed: the entry in state ACTIVE (off its standby or modified list).
  let reclaimed: PfnRecord | undefined
  if (before !== undefined) {
    reclaimed = pfnRecordInState(before, 'ACTIVE')
    recorder!({ type: 'mm.pageReclaimed', pid, address: page, pfn, before, after: reclaimed })
  }
  // Its owner fields stay as they were (the entry's only change is its state); mm.mappingCreated
  // sets them below, as it would after applying mm.pageReclaimed's record.
  if (pfnDb.state[pfn] !== PfnState.ACTIVE) pfnDb.setState(pfn, 'ACTIVE')

  // MmCreateVirtualMapping: the PTE made valid (a stale translation of a not-present PTE cannot
  // be cached: no INVLPG), then mm.mappingCreated (the page keeps its page-file copy and flag).
  const address = pteAddress >= 0 ? pteAddress : readPte(core, pid, page)!.address
  writeValidPteAt(core, address, pfn, mask, !isSystemAddress(core.layout, page))
  if (reclaimed !== undefined) {
    const mapped = pfnRecordOf(core.state, pfn)
    const after = pfnRecordWith(mapped, 'ACTIVE', pid, page, mask, pageFileSlot, modified)
    recorder!({
      type: 'mm.mappingCreated',
      pid,
      address: page,
      pfn,
      protectMask: mask,
      before: mapped,
      after,
    })
  }
  pfnDb.setOwnerFields(pfn, pid, page, mask, pageFileSlot, modified, segmentId, shareCount)
  applyMappingAdded(core.state, pid, page, pfn, segmentId >= 0)
  // LRU bookkeeping: becoming resident counts as a reference (not an event: an input-driven hint).
  pfnDb.lastUse[pfn] = ++core.tick
  return {
    status: STATUS_PAGE_FAULT_TRANSITION,
    kind: 'soft',
    cause: listState === PfnState.STANDBY ? RECLAIMED_FROM_STANDBY : RECLAIMED_FROM_MODIFIED,
  }
}
