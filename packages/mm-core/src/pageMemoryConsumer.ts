// Physical-page supply (ReactOS ntoskrnl/mm/balance.c MmRequestPageMemoryConsumer /
// MmReleasePageMemoryConsumer, the NT modified page writer and working-set trimmer): a frame comes
// from the zeroed list, else the free list (zeroed on the way out: no data leaks between
// processes), else by repurposing the oldest standby frame (its page's PTE becomes a page-file or
// demand-zero PTE), else the modified page writer cleans a modified frame into the page file, else
// the replacement policy trims a working-set page to the standby/modified list and we try again.
//
// Trimming a page (MmPageOutPhysicalAddress): the PTE becomes a transition PTE and the frame goes
// to the modified list when it is dirty (PTE.D, or PFN.modified), to standby when clean. A page
// that was never written and has no page-file copy holds zeros, so it is dropped at once (frame
// freed, PTE back to a demand-zero protection PTE).
//
// A section page's frame (sharedPages.ts) is trimmed from every process that maps it at once; its
// prototype entry, not a PTE, then names it (TRANSITION), and repurposing it turns the entry into
// PAGE_FILE or FILE. The modified page writer writes a pagefile (or image) page to the page file
// and a data file's page to its file (the mapped page writer).

import { assert } from './assert.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { FrameRequest } from './frameRequest.js'
import { applyPageWritten, applyPrivatePageOut, countFrameRequested } from './events.js'
import type { MmCore } from './mmCore.js'
import { PfnState, type PfnStateName } from './pfnDatabase.js'
import { type PfnRecord, pfnRecordOf, pfnRecordWith, unownedPfnRecord } from './pfnRecord.js'
import { PrototypeEntryKind } from './prototypeEntries.js'
import { pageOutUnrecorded } from './pageOutUnrecorded.js'
import { chooseVictim, chooseVictims } from './replacementPolicy.js'
import { segmentPageOf, setPrototypeEntry, trimSharedPage } from './sharedPages.js'
import { isTransitionPte, pageFilePte, protectionPte, pteProtectMask, transitionPte } from './softwarePte.js'
import {
  invalidateIfCurrent,
  pagedOutTableEntry,
  pteLowAt,
  readPte,
  type ValidPteRead,
  writePteAt,
  writePteWordAt,
  x86PteAddress,
} from './pteAccess.js'

export type { FrameRequest } from './frameRequest.js'

/**
 * MmRequestPageMemoryConsumer: a zeroed frame for `request`, its PFN entry naming the requester,
 * or undefined when memory is exhausted (nothing trimmable, page file full).
 */
export function requestPageMemoryConsumer(core: MmCore, request: FrameRequest): number | undefined {
  const nt = core.ntFrameRequest
  if (nt !== undefined) return nt(core, request)
  const pfnDb = core.state.pfn
  const frames = core.machine.frames
  // Each pass frees at least one frame or gives up, so the loop is bounded by the frame count.
  for (let pass = 0; pass <= pfnDb.frameCount + 2; pass++) {
    let pfn = pfnDb.first('ZEROED')
    if (pfn === undefined) pfn = pfnDb.first('FREE')
    if (pfn !== undefined) {
      // The entry's record only for a recorder (allocating and zeroing leave the entry as it is).
      const wasFree = pfnDb.state[pfn] === PfnState.FREE
      frames.allocateSpecific(pfn)
      if (wasFree && !frames.isPristine(pfn)) frames.zero(pfn)
      if (core.recorder === undefined) applyRequested(core, pfn, request, wasFree ? 'FREE' : 'ZEROED')
      else emitRequested(core, pfn, request, pfnRecordOf(core.state, pfn))
      return pfn
    }
    pfn = pfnDb.first('STANDBY')
    if (pfn !== undefined) {
      if (core.recorder === undefined) {
        // Unrecorded, a private page's standby frame without its PFN record (repurposeStandby on
        // the PTE's word), when its owner's PTE is reachable as a word.
        const beforeState = pfnDb.stateOf(pfn)
        if (repurposePrivateStandbyWord(core, pfn)) {
          frames.zero(pfn)
          applyRequested(core, pfn, request, beforeState)
          return pfn
        }
      }
      const before = pfnRecordOf(core.state, pfn)
      repurposeStandby(core, pfn, before)
      frames.zero(pfn)
      if (core.recorder === undefined) applyRequested(core, pfn, request, before.state)
      else emitRequested(core, pfn, request, before)
      return pfn
    }
    if (pfnDb.first('MODIFIED') !== undefined) {
      if (writeModifiedPage(core)) continue
    }
    if (!trimWorkingSets(core)) return undefined
  }
  return undefined
}

/**
 * {@link emitRequested} without a recorder: the event's changes applied from its fields, by the
 * functions applyMmEvent applies the object with (countFrameRequested, then setPfn's state move and
 * owner fields), without the two PFN records and the event object (a demand-zero fault's frame:
 * docs/performance.md, issue 22's fault path). `beforeState`: the entry's state before the request.
 */
export function applyRequested(
  core: MmCore,
  pfn: number,
  request: FrameRequest,
  beforeState: PfnStateName,
): void {
  const state = core.state
  countFrameRequested(state, pfn, request.purpose, beforeState)
  const purpose = request.purpose
  const pfnDb = state.pfn
  if (purpose === 'page-table') {
    if (pfnDb.state[pfn] !== PfnState.PAGE_TABLE) pfnDb.setState(pfn, 'PAGE_TABLE')
  } else if (purpose === 'system') {
    if (pfnDb.state[pfn] !== PfnState.SYSTEM) pfnDb.setState(pfn, 'SYSTEM')
  } else if (pfnDb.state[pfn] !== PfnState.ACTIVE) pfnDb.setState(pfn, 'ACTIVE')
  const segment = request.segment
  if (segment === undefined) pfnDb.setOwnerFields(pfn, request.pid, request.address, 0, -1, false, -1, 0)
  else pfnDb.setOwnerFields(pfn, -1, segment.offset, 0, -1, false, segment.id, 0)
}

/** The mm.frameRequested event of `pfn` taken from its list for `request` (`before`: its entry then). */
export function emitRequested(core: MmCore, pfn: number, request: FrameRequest, before: PfnRecord): void {
  const state =
    request.purpose === 'page-table' ? 'PAGE_TABLE' : request.purpose === 'system' ? 'SYSTEM' : 'ACTIVE'
  const segment = request.segment
  core.emit({
    type: 'mm.frameRequested',
    pfn,
    purpose: request.purpose,
    pid: request.pid,
    address: request.address,
    before,
    // Literals (in the key order the events always had), not spreads: this runs on every fault.
    after:
      segment === undefined
        ? {
            ownerPid: request.pid,
            ownerAddress: request.address,
            protectMask: 0,
            pageFileSlot: -1,
            modified: false,
            state,
          }
        : {
            ownerPid: -1,
            ownerAddress: segment.offset,
            protectMask: 0,
            pageFileSlot: -1,
            modified: false,
            state,
            segmentId: segment.id,
            shareCount: 0,
          },
  })
}

/** The standby frame's page loses its frame: its transition PTE becomes a page-file or demand-zero PTE. */
export function repurposeStandby(core: MmCore, pfn: number, record: PfnRecord): void {
  if (record.segmentId !== undefined) {
    // A section page: its prototype entry names the frame; it now names the page's backing store.
    const { segment, page } = segmentPageOf(core, pfn)
    assert(
      segment.entries.kindOf(page) === PrototypeEntryKind.TRANSITION && segment.entries.valueOf(page) === pfn,
      () => `standby frame ${pfn} is not named by its segment page's entry`,
    )
    if (record.pageFileSlot >= 0)
      setPrototypeEntry(core, segment, page, PrototypeEntryKind.PAGE_FILE, record.pageFileSlot)
    else if (segment.kind === 'pagefile')
      setPrototypeEntry(core, segment, page, PrototypeEntryKind.DEMAND_ZERO, 0)
    else setPrototypeEntry(core, segment, page, PrototypeEntryKind.FILE, 0)
    return
  }
  if (record.ownerPid >= 0 && repurposePageTable(core, pfn, record)) return
  const pte = readPte(core, record.ownerPid, record.ownerAddress)
  assert(
    pte !== undefined && pte.view.kind === 'transition' && pte.view.pfn === pfn,
    () => `standby frame ${pfn} is not referenced by its owner's transition PTE`,
  )
  // The transition PTE's protection is the page's (a guard may have fired since the frame left).
  const protectMask = pte.view.protectMask
  writePteAt(
    core,
    pte.address,
    record.pageFileSlot >= 0 ? pageFilePte(record.pageFileSlot, protectMask) : protectionPte(protectMask),
  )
}

/**
 * {@link repurposeStandby} of a private page's standby frame on 32-bit paging, its owner's
 * transition PTE read and rewritten as a word through resident tables (no PteRead, no PFN record:
 * a hard fault of a machine under pressure repurposes one frame each). False, with nothing done,
 * for a section page, a page table, another paging mode or a PTE not reachable that way: the
 * general path then runs (and asserts as before).
 */
function repurposePrivateStandbyWord(core: MmCore, pfn: number): boolean {
  const pfnDb = core.state.pfn
  if (core.machine.mode !== 'x86' || pfnDb.segmentId[pfn]! >= 0 || core.policy === 'nt') return false
  const pid = pfnDb.ownerPid[pfn]!
  const cr3 = pid < 0 ? undefined : core.cr3Of(pid)
  const address = cr3 === undefined ? -1 : x86PteAddress(core, cr3, pfnDb.ownerAddress[pfn]!)
  if (address < 0) return false
  const low = pteLowAt(core, address)
  if (!isTransitionPte(low) || low >>> 12 !== pfn) return false
  // The transition PTE's protection is the page's (a guard may have fired since the frame left).
  const protectMask = pteProtectMask(low)
  const slot = pfnDb.pageFileSlot[pfn]!
  writePteWordAt(core, address, (slot >= 0 ? pageFilePte(slot, protectMask) : protectionPte(protectMask)).low)
  return true
}

/**
 * 'nt': a standby page table (NT-PAGING.md §3.8) loses its frame: its transition PDE becomes a
 * page-file PDE. False when `pfn` is not a page table (its owner's walk does not stop at a PDE
 * naming it).
 */
function repurposePageTable(core: MmCore, pfn: number, record: PfnRecord): boolean {
  const cr3 = core.cr3Of(record.ownerPid)
  if (cr3 === undefined || core.policy !== 'nt') return false
  const location = core.machine.editor.entryAddress(cr3, record.ownerAddress, 1)
  if (location.ok || location.level !== 2) return false
  const pde = pagedOutTableEntry(core, location.address)
  if (pde?.view.kind !== 'transition' || pde.view.pfn !== pfn) return false
  assert(record.pageFileSlot >= 0, () => `standby page table ${pfn} has no page-file copy`)
  core.machine.editor.writeEntryAt(
    location.address,
    2,
    pageFilePte(record.pageFileSlot, pde.view.protectMask),
  )
  return true
}

/** MmReleasePageMemoryConsumer: the frame goes back to the free list (its page-file slot, if any, is the caller's). */
export function releasePageMemoryConsumer(core: MmCore, pfn: number): void {
  const before = pfnRecordOf(core.state, pfn)
  core.machine.frames.free(pfn)
  core.emit({ type: 'mm.frameReleased', pfn, before, after: unownedPfnRecord('FREE') })
}

/**
 * The modified page writer, one page: write the oldest modified frame to its page-file slot (or a
 * new one) and move it to standby. False when the page file is full.
 */
export function writeModifiedPage(core: MmCore): boolean {
  const pfnDb = core.state.pfn
  const pfn = pfnDb.first('MODIFIED')
  if (pfn === undefined) return false
  const sectionPage = pfnDb.segmentId[pfn]! >= 0
  if (sectionPage && segmentPageOf(core, pfn).segment.kind === 'file') {
    writeMappedPage(core, pfn, 'modified page writer')
    return true
  }
  const pageFileSlot = pfnDb.pageFileSlot[pfn]!
  const slot = pageFileSlot >= 0 ? pageFileSlot : core.state.pageFile.findFreeSlot()
  if (slot === undefined) return false
  if (core.recorder === undefined && !sectionPage) {
    // Unrecorded, a private page's write applied from the fields (no records, no event object):
    // the copy and count, then its entry on the standby list, clean, naming the slot.
    applyPageWritten(core.state, core.machine.frames, slot, pfn)
    if (pfnDb.state[pfn] !== PfnState.STANDBY) pfnDb.setState(pfn, 'STANDBY')
    pfnDb.setOwnerFields(
      pfn,
      pfnDb.ownerPid[pfn]!,
      pfnDb.ownerAddress[pfn]!,
      pfnDb.protectMask[pfn]!,
      slot,
      false,
      -1,
      0,
    )
    return true
  }
  const before = pfnRecordOf(core.state, pfn)
  core.emit({
    type: 'mm.pageWritten',
    pfn,
    slot,
    before,
    after: pfnRecordWith(
      before,
      'STANDBY',
      before.ownerPid,
      before.ownerAddress,
      before.protectMask,
      slot,
      false,
    ),
  })
  return true
}

/**
 * The mapped page writer, one page: write the section frame `pfn` of a data file's segment to its
 * file (up to the end of the file: bytes past it are not the file's) and mark it clean; a frame on
 * the modified list moves to standby.
 */
export function writeMappedPage(
  core: MmCore,
  pfn: number,
  cause: 'modified page writer' | 'flush' | 'segment deleted',
): void {
  const before = pfnRecordOf(core.state, pfn)
  const { segment, page } = segmentPageOf(core, pfn)
  const file = core.state.volume.file(segment.fileId)
  assert(segment.kind === 'file' && file !== undefined, () => `frame ${pfn} is not a data file's page`)
  const offset = page * PAGE_SIZE
  core.emit({
    type: 'mm.mappedPageWritten',
    pfn,
    segmentId: segment.id,
    page,
    fileId: file.id,
    offset,
    length: Math.max(0, Math.min(PAGE_SIZE, file.size - offset)),
    before,
    after: { ...before, state: before.state === 'MODIFIED' ? 'STANDBY' : before.state, modified: false },
    cause,
  })
}

/** Trim one batch of working-set pages chosen by the replacement policy. False when nothing is resident. */
export function trimWorkingSets(core: MmCore): boolean {
  if (core.policy !== 'working-set') {
    // One victim (FIFO, Clock, LRU, OPT; none under 'nt'): no list made per fault.
    const pfn = chooseVictim(core)
    if (pfn < 0) return false
    pageOut(core, pfn)
    return true
  }
  const victims = chooseVictims(core)
  if (victims.length === 0) return false
  for (const pfn of victims) pageOut(core, pfn)
  return true
}

/**
 * The valid PTE through which the owner of private frame `pfn` (its PFN record `record`) maps it:
 * every way a private page leaves a working set starts from it. Throws an InvariantError when the
 * owner does not map the frame there (the PFN database and the page tables disagree).
 */
export function ownerPteOf(core: MmCore, pfn: number, record: PfnRecord): ValidPteRead {
  const pte = readPte(core, record.ownerPid, record.ownerAddress)
  assert(
    pte !== undefined && pte.view.kind === 'valid' && pte.view.pfn === pfn,
    () => `frame ${pfn} is not mapped by its owner`,
  )
  return pte as ValidPteRead
}

/** MmPageOutPhysicalAddress: take one ACTIVE page out of its working set (see the file comment). */
export function pageOut(core: MmCore, pfn: number): void {
  // No recorder (a sweep): a private page's PTE read as a number, no objects (pageOutUnrecorded.ts).
  if (core.recorder === undefined && pageOutUnrecorded(core, pfn)) return
  const pfnDb = core.state.pfn
  assert(pfnDb.state[pfn] === PfnState.ACTIVE, () => `pageOut of frame ${pfn} in state ${pfnDb.stateOf(pfn)}`)
  if (pfnDb.segmentId[pfn]! >= 0) {
    trimSharedPage(core, pfn)
    return
  }
  // mm.pageOut's records and object only for a recorder; unrecorded, its changes are applied from
  // the fields (applyPrivatePageOut, what applyMmEvent applies the object's `after` as).
  const recorder = core.recorder
  const before = recorder === undefined ? undefined : pfnRecordOf(core.state, pfn)
  const pid = pfnDb.ownerPid[pfn]!
  const address = pfnDb.ownerAddress[pfn]!
  const protectMask = pfnDb.protectMask[pfn]!
  const pageFileSlot = pfnDb.pageFileSlot[pfn]!
  const pte = readPte(core, pid, address)
  assert(
    pte !== undefined && pte.view.kind === 'valid' && pte.view.pfn === pfn,
    () => `frame ${pfn} is not mapped by its owner`,
  )
  const dirty = (pte as ValidPteRead).view.dirty || pfnDb.modified[pfn] === 1
  if (!dirty && pageFileSlot < 0) {
    writePteAt(core, pte.address, protectionPte(protectMask))
    invalidateIfCurrent(core, pid, address)
    if (before === undefined)
      applyPrivatePageOut(core.state, pid, address, pfn, 'dropped', protectMask, pageFileSlot, false)
    else
      core.emit({
        type: 'mm.pageOut',
        pid,
        address,
        pfn,
        outcome: 'dropped',
        before,
        after: unownedPfnRecord('FREE'),
      })
    core.machine.frames.free(pfn)
    return
  }
  writePteAt(core, pte.address, transitionPte(pfn, protectMask))
  invalidateIfCurrent(core, pid, address)
  const outcome = dirty ? 'modified' : 'standby'
  if (before === undefined) {
    applyPrivatePageOut(core.state, pid, address, pfn, outcome, protectMask, pageFileSlot, dirty)
    return
  }
  core.emit({
    type: 'mm.pageOut',
    pid,
    address,
    pfn,
    outcome,
    before,
    after: pfnRecordWith(
      before,
      dirty ? 'MODIFIED' : 'STANDBY',
      pid,
      address,
      before.protectMask,
      before.pageFileSlot,
      dirty,
    ),
  })
}
