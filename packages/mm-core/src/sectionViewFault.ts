// The section-view fault paths (ReactOS ntoskrnl/mm/section.c MmNotPresentFaultSectionView and
// MmAccessFaultSectionView; ARM3 pagfault.c MiResolveProtoPteFault and its copy-on-write):
//
//   MmNotPresentFaultSectionView (the process PTE is zero or a prototype PTE)
//     a page past the segment's end (a MEM_RESERVE view of a file, before NtExtendSection) ─> ACCESS_VIOLATION
//     prototype entry RESERVED (SEC_RESERVE, not committed) ────────────────> ACCESS_VIOLATION
//     the page's protection in the view (its MM_REGION): NOACCESS ───────────> ACCESS_VIOLATION
//     GUARD: cleared on this page (its region split) ───────────────────> GUARD_PAGE_VIOLATION
//     write to read-only / execute on non-executable (NX) ────────────────────> ACCESS_VIOLATION
//     a private (copied) page's transition / page-file PTE: as private memory (virtualMemoryFault.ts)
//     the segment's page, by its prototype entry:
//       VALID        map the same frame, share + 1 (no copy, no zeroing) ─────> SUCCESS (soft)
//       TRANSITION   reclaim from standby / modified (soft) ────────────> PAGE_FAULT_TRANSITION
//       DEMAND_ZERO  zeroed frame, entry VALID ─────────────────────────> PAGE_FAULT_DEMAND_ZERO
//       PAGE_FILE    read the slot, keep it as the page's copy (hard) ───> PAGE_FAULT_PAGING_FILE
//       FILE         read the file's page, zero past its end (hard) ─────> PAGE_FAULT_PAGING_FILE
//     mapped read-only when the page is WRITECOPY, so the first write faults; a write fault on a
//     WRITECOPY page resolves as a read, then copies at once (as ARM3 does)
//
//   MmAccessFaultSectionView (a shared frame's PTE is present): a write to a WRITECOPY page copies
//     it: a private frame for this process (the shared one pinned meanwhile), the bytes copied, one
//     share dropped, the private frame mapped READWRITE (EXECUTE_READWRITE) and the page alone
//     given that protection in the view's region list ─────────────────> PAGE_FAULT_COPY_ON_WRITE

import { type PageFault, PTE_PRESENT } from '@ntmm/hw-mmu'
import { frameWords, writeFrameWords } from '@ntmm/hw-mmu/internal'
import { alterViewRegionList, copiedPageProtection } from './alterViewRegion.js'
import { assert } from './assert.js'
import { type FaultDecision, accessAllowed, accessViolation, failure, pageOf } from './faultDecision.js'
import type { MemoryArea } from './memoryArea.js'
import { PAGE_GUARD, PAGE_SIZE, pageProtectionName } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import {
  STATUS_GUARD_PAGE_VIOLATION,
  STATUS_NO_MEMORY,
  STATUS_PAGE_FAULT_COPY_ON_WRITE,
  STATUS_PAGE_FAULT_DEMAND_ZERO,
  STATUS_PAGE_FAULT_PAGING_FILE,
  STATUS_PAGE_FAULT_TRANSITION,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { requestPageMemoryConsumer } from './pageMemoryConsumer.js'
import { pfnRecordOf } from './pfnRecord.js'
import {
  MmProtection,
  makeProtectionMask,
  maskIsCopyOnWrite,
  maskIsGuard,
  protectionMaskToWin32,
} from './protectionMask.js'
import { PrototypeEntryKind } from './prototypeEntries.js'
import {
  invalidateIfCurrent,
  pteLowAt,
  readPte,
  writePteAt,
  writeValidPteAt,
  x86PteAddress,
} from './pteAccess.js'
import { mmFindRegion } from './region.js'
import { applyCopyOnWrite } from './sectionEvents.js'
import type { SegmentState } from './segment.js'
import { mapSharedPage, releaseSharedFrame, setPrototypeEntry, viewPageIndex } from './sharedPages.js'
import {
  isTransitionPte,
  pageFilePte,
  pageFileSlotOf,
  prototypePte,
  readPteView,
  transitionPte,
} from './softwarePte.js'
import { resolvePrivatePte } from './virtualMemoryFault.js'
import { ensurePageTables } from './virtualMapping.js'

function deniedAccess(fault: PageFault, mask: number, present: boolean): FaultDecision {
  const what = pageProtectionName(protectionMaskToWin32(mask))
  if (fault.access === 'write')
    return accessViolation(fault, present ? `write to a read-only page (${what})` : `write to ${what}`)
  if (fault.access === 'execute') return accessViolation(fault, `execute on non-executable ${what}`)
  return accessViolation(fault, `access denied (${what})`)
}

/** MmNotPresentFaultSectionView: a not-present fault in a view (see the file comment). The space is locked. */
export function mmNotPresentFaultSectionView(
  core: MmCore,
  pid: number,
  area: MemoryArea,
  fault: PageFault,
): FaultDecision {
  const page = pageOf(fault.address)
  // The PTE as its word, as the private fault reads it (virtualMemoryFault.ts): on 32-bit paging
  // through resident tables straight from the frames (then `address` is where it is), else through
  // readPte (no table: zero, address -1; 'nt': a table not resident, `pagedOut`).
  const cr3 = core.cr3Of(pid)
  let address = cr3 !== undefined && core.machine.mode === 'x86' ? x86PteAddress(core, cr3, page) : -1
  let low = 0
  let hasPte = address >= 0
  let pagedOut = false
  if (hasPte) low = pteLowAt(core, address)
  else {
    const pte = readPte(core, pid, page)
    if (pte !== undefined) {
      hasPte = true
      low = pte.value.low
      address = pte.address
      pagedOut = pte.pagedOut === true
    }
  }
  if ((low & PTE_PRESENT) !== 0)
    return { status: STATUS_SUCCESS, kind: 'spurious', cause: 'the page is already mapped' }
  const segment = core.state.segments.get(area.view!.segmentId)
  assert(segment !== undefined, () => `view 0x${area.startingAddress.toString(16)} maps no segment`)
  const index = viewPageIndex(area, page)
  // No prototype entry yet (NT's MiCheckVirtualAddress: MM_NOACCESS past MMEXTEND_INFO.CommittedSize).
  if (index >= segment.pageCount)
    return accessViolation(fault, 'page past the end of the section (reserved until NtExtendSection)')
  // The entry's kind read once (resolveSegmentPage's too, unless making page tables below may
  // have trimmed the page).
  const entryKind = segment.entries.kindOf(index)
  if (entryKind === PrototypeEntryKind.RESERVED)
    return accessViolation(fault, 'page of a SEC_RESERVE section not committed')
  const region = mmFindRegion(area.regions, page)!
  const mask = makeProtectionMask(region.protect)!
  if ((mask & MmProtection.MM_PROTECT_ACCESS) === 0) return accessViolation(fault, 'PAGE_NOACCESS')

  if (maskIsGuard(mask)) {
    // The guard goes from this page's region (RosMm alters the view's region list), and from the
    // protection its not-present PTE carries; the retried access goes through.
    alterViewRegionList(core, pid, area, page, PAGE_SIZE, region.protect & ~PAGE_GUARD)
    const unguarded = mask & ~MmProtection.MM_GUARDPAGE
    if (hasPte) {
      const view = readPteView(low, 0, core.machine.mode)
      // 'nt': a PTE kept in a page table that left memory is rewritten once the table is back.
      if (pagedOut && !ensurePageTables(core, pid, page))
        return failure(fault, STATUS_NO_MEMORY, 'no-memory', 'no frame for a page table')
      const target = pagedOut ? readPte(core, pid, page)!.address : address
      if (view.kind === 'prototype') writePteAt(core, target, prototypePte(unguarded))
      else if (view.kind === 'transition') writePteAt(core, target, transitionPte(view.pfn, unguarded))
      else if (view.kind === 'pageFile') writePteAt(core, target, pageFilePte(view.slot, unguarded))
    }
    return failure(fault, STATUS_GUARD_PAGE_VIOLATION, 'guard', 'PAGE_GUARD cleared on first access')
  }
  if (!accessAllowed(core, mask, fault.access)) return deniedAccess(fault, mask, false)
  // A page this process copied on write is private memory now.
  if (isTransitionPte(low) || pageFileSlotOf(low) >= 0)
    return resolvePrivatePte(core, pid, page, low, mask, fault, address)

  // A PTE read means its page table exists, and under the textbook policies it stays; under 'nt'
  // it may have left memory, or leave while a frame is found for the page, so the fault brings it
  // back and pins it (ntPageTables.ts).
  const resident = hasPte && !pagedOut && core.ntPageTableIn === undefined
  if (!resident && !ensurePageTables(core, pid, page))
    return failure(fault, STATUS_NO_MEMORY, 'no-memory', 'no frame for a page table')
  const pteAddress = resident ? address : readPte(core, pid, page)!.address
  const kind = resident ? entryKind : segment.entries.kindOf(index)
  const resolved = resolveSegmentPage(core, pid, page, pteAddress, segment, index, kind, mask, fault)
  if (resolved.exception !== undefined || fault.access !== 'write' || !maskIsCopyOnWrite(mask))
    return resolved
  const mapped = readPte(core, pid, page)!
  assert(mapped.view.kind === 'valid', 'copy-on-write of a page that is not mapped')
  return copyOnWrite(
    core,
    pid,
    area,
    region.protect,
    mapped.address,
    mapped.view.pfn,
    mapped.view.dirty,
    fault,
  )
}

// The cause of a touch of a resident shared page, made once per frame number (the same text on
// any machine), not built per fault: that string was about 20 ns of the second process's touch
// of a resident page (docs/performance.md). Grown densely (a sparse array would go to V8's
// dictionary elements), and only for the first 64 Ki frames (256 MiB; at most ~4 MiB of strings
// held for the process's life): a frame above that gets its string built, as before.
const RESIDENT_CAUSES_CACHED = 0x10000
const residentCauses: (string | undefined)[] = []
function residentCause(pfn: number): string {
  if (pfn >= RESIDENT_CAUSES_CACHED) return `shared page already resident (frame ${pfn})`
  while (residentCauses.length <= pfn) residentCauses.push(undefined)
  let cause = residentCauses[pfn]
  if (cause === undefined) {
    cause = `shared page already resident (frame ${pfn})`
    residentCauses[pfn] = cause
  }
  return cause
}

/**
 * MiResolveProtoPteFault: bring the segment's page in (if it is not) and map it at `va` (see the file
 * comment). `kind`: the page's prototype entry kind, read by the caller.
 */
function resolveSegmentPage(
  core: MmCore,
  pid: number,
  va: number,
  pteAddress: number,
  segment: SegmentState,
  index: number,
  kind: number,
  mask: number,
  fault: PageFault,
): FaultDecision {
  const entries = segment.entries
  if (kind === PrototypeEntryKind.VALID) {
    const pfn = entries.valueOf(index)
    mapSharedPage(core, pid, va, pfn, mask, pteAddress)
    return { status: STATUS_SUCCESS, kind: 'soft', cause: residentCause(pfn) }
  }
  if (kind === PrototypeEntryKind.TRANSITION) {
    const pfn = entries.valueOf(index)
    const before = pfnRecordOf(core.state, pfn)
    assert(
      (before.state === 'STANDBY' || before.state === 'MODIFIED') && before.segmentId === segment.id,
      () => `segment ${segment.id} page ${index} names frame ${pfn} in state ${before.state}`,
    )
    core.emit({
      type: 'mm.pageReclaimed',
      pid,
      address: va,
      pfn,
      before,
      after: { ...before, state: 'ACTIVE' },
    })
    setPrototypeEntry(core, segment, index, PrototypeEntryKind.VALID, pfn)
    mapSharedPage(core, pid, va, pfn, mask, pteAddress)
    return {
      status: STATUS_PAGE_FAULT_TRANSITION,
      kind: 'soft',
      cause: `shared frame reclaimed from the ${before.state.toLowerCase()} list`,
    }
  }
  const pfn = requestPageMemoryConsumer(core, {
    purpose: 'segment-page',
    pid,
    address: va,
    segment: { id: segment.id, offset: index * PAGE_SIZE },
  })
  if (pfn === undefined) return failure(fault, STATUS_NO_MEMORY, 'no-memory', 'no frame available')
  // The frame request may have trimmed or repurposed other pages, never this one (not resident).
  assert(entries.kindOf(index) === kind, 'a frame request changed the faulting segment page')
  if (kind === PrototypeEntryKind.DEMAND_ZERO) {
    setPrototypeEntry(core, segment, index, PrototypeEntryKind.VALID, pfn)
    mapSharedPage(core, pid, va, pfn, mask, pteAddress)
    return {
      status: STATUS_PAGE_FAULT_DEMAND_ZERO,
      kind: 'demand-zero',
      cause: 'zeroed frame for a shared page',
    }
  }
  const frames = core.machine.frames
  if (kind === PrototypeEntryKind.PAGE_FILE) {
    const slot = entries.valueOf(index)
    const bytes = core.state.pageFile.read(slot)
    assert(bytes !== undefined, () => `segment ${segment.id} page ${index} names free slot ${slot}`)
    frames.writeBytes(pfn * PAGE_SIZE, bytes)
    core.emit({ type: 'mm.pageIn', pid, address: va, pfn, slot })
    setPrototypeEntry(core, segment, index, PrototypeEntryKind.VALID, pfn)
    // The slot stays the page's copy: the frame is clean until a process writes it.
    mapSharedPage(core, pid, va, pfn, mask, pteAddress, slot)
    return {
      status: STATUS_PAGE_FAULT_PAGING_FILE,
      kind: 'hard',
      cause: `shared page read from page-file slot ${slot}`,
    }
  }
  assert(
    kind === PrototypeEntryKind.FILE,
    () => `segment ${segment.id} page ${index}: unexpected entry ${kind}`,
  )
  const bytes =
    segment.kind === 'image'
      ? segment.imagePages?.[index]
      : core.state.volume.readStored(segment.fileId, index * PAGE_SIZE, PAGE_SIZE)
  if (bytes?.some((byte) => byte !== 0)) frames.writeBytes(pfn * PAGE_SIZE, bytes)
  core.emit({ type: 'mm.mappedPageRead', pid, address: va, pfn, segmentId: segment.id, page: index })
  setPrototypeEntry(core, segment, index, PrototypeEntryKind.VALID, pfn)
  mapSharedPage(core, pid, va, pfn, mask, pteAddress)
  return {
    status: STATUS_PAGE_FAULT_PAGING_FILE,
    kind: 'hard',
    cause: segment.kind === 'image' ? `image page ${index} read in` : `page read from file ${segment.fileId}`,
  }
}

/**
 * MmAccessFaultSectionView: a protection fault on a present shared frame (see the file comment).
 * The valid PTE at physical `pteAddress` maps section frame `pfn`; `writable` and `dirty` are its
 * R/W and D bits (the caller read the PTE once, as its word on 32-bit paging: no PteRead object).
 */
export function mmAccessFaultSectionView(
  core: MmCore,
  pid: number,
  fault: PageFault,
  pteAddress: number,
  pfn: number,
  writable: boolean,
  dirty: boolean,
): FaultDecision {
  const space = core.handles.get(pid)
  assert(space !== undefined, 'no AddressSpace handle for the faulting process')
  space.lock()
  try {
    const page = pageOf(fault.address)
    const area = space.locate(page)
    assert(area?.view !== undefined, 'shared frame mapped outside a view')
    const protect = mmFindRegion(area.regions, page)!.protect
    const mask = makeProtectionMask(protect)!
    if (accessAllowed(core, mask, fault.access) && (fault.access !== 'write' || writable))
      return { status: STATUS_SUCCESS, kind: 'spurious', cause: 'the PTE already allows the access' }
    if (fault.access === 'write' && maskIsCopyOnWrite(mask))
      return copyOnWrite(core, pid, area, protect, pteAddress, pfn, dirty, fault)
    return deniedAccess(fault, mask, true)
  } finally {
    space.unlock()
  }
}

/**
 * The copy-on-write of the shared frame `shared` that the valid PTE at physical `pteAddress` (its
 * D bit `dirty`) maps in `area` of process `pid`, whose page has the WRITECOPY-class protection
 * `regionProtect` (see the file comment).
 */
function copyOnWrite(
  core: MmCore,
  pid: number,
  area: MemoryArea,
  regionProtect: number,
  pteAddress: number,
  shared: number,
  dirty: boolean,
  fault: PageFault,
): FaultDecision {
  const va = pageOf(fault.address)
  // segmentPageOf's answer without its object or the segment's lookup (the caller found `shared`
  // to be a section frame; this is the copy-on-write fault's own cost).
  const pfnDb = core.state.pfn
  const segmentId = pfnDb.segmentId[shared]!
  const page = pfnDb.ownerAddress[shared]! / PAGE_SIZE
  // Pinned: the request may trim pages (and clear accessed bits), never this one or its D bit.
  // Only a request that may trim reads the pins: under the textbook policies one that finds a
  // zeroed or free frame takes it at once ('nt' may trim first in any case).
  const mayTrim =
    core.ntFrameRequest !== undefined ||
    (pfnDb.first('ZEROED') === undefined && pfnDb.first('FREE') === undefined)
  let copy: number | undefined
  if (!mayTrim) copy = requestPageMemoryConsumer(core, { purpose: 'private-page', pid, address: va })
  else {
    core.pinnedFrames.add(shared)
    try {
      copy = requestPageMemoryConsumer(core, { purpose: 'private-page', pid, address: va })
    } finally {
      core.pinnedFrames.delete(shared)
    }
  }
  if (copy === undefined)
    return failure(fault, STATUS_NO_MEMORY, 'no-memory', 'no frame for the private copy')
  const frames = core.machine.frames
  // A frame never written holds zeros, as the copy already does; else its words are copied
  // straight in (no intermediate copy of the page; the frame store makes the copy's buffer as a
  // copy of them, hw-mmu frameStore.ts fillFrame).
  const words = frameWords(frames, shared)
  if (words !== undefined) writeFrameWords(frames, copy, words)
  const protect = copiedPageProtection(regionProtect)
  const protectMask = makeProtectionMask(protect)!
  // The PTE goes from the shared frame to the copy in one write; one event says both frames' new
  // state (MmCreateVirtualMapping's and MiDecrementShareCount's, with the working set unchanged).
  // Its records and object only for a recorder; its changes are applied from the fields either way
  // (applyCopyOnWrite, which applySectionEvent applies the object with): docs/performance.md.
  const recorder = core.recorder
  const sharedBefore = recorder === undefined ? undefined : pfnRecordOf(core.state, shared)
  const privateBefore = recorder === undefined ? undefined : pfnRecordOf(core.state, copy)
  const sharedModified = pfnDb.modified[shared] === 1 || dirty
  writeValidPteAt(core, pteAddress, copy, protectMask, true)
  invalidateIfCurrent(core, pid, va)
  alterViewRegionList(core, pid, area, va, PAGE_SIZE, protect)
  if (sharedBefore === undefined || privateBefore === undefined) {
    applyCopyOnWrite(core.state, shared, sharedModified, copy, pid, va, protectMask)
  } else {
    core.emit({
      type: 'mm.copyOnWrite',
      pid,
      address: va,
      segmentId,
      page,
      sharedPfn: shared,
      privatePfn: copy,
      protectMask,
      // Literals, not spreads of the records (this is the copy-on-write fault's own cost).
      shared: {
        before: sharedBefore,
        after: {
          state: sharedBefore.state,
          ownerPid: sharedBefore.ownerPid,
          ownerAddress: sharedBefore.ownerAddress,
          protectMask: sharedBefore.protectMask,
          pageFileSlot: sharedBefore.pageFileSlot,
          modified: sharedModified,
          segmentId,
          shareCount: sharedBefore.shareCount! - 1,
        },
      },
      private: {
        before: privateBefore,
        after: {
          state: 'ACTIVE',
          ownerPid: pid,
          ownerAddress: va,
          protectMask,
          pageFileSlot: -1,
          modified: true,
        },
      },
    })
  }
  pfnDb.lastUse[copy] = ++core.tick
  if (pfnDb.shareCount[shared] === 0) releaseSharedFrame(core, shared)
  return {
    status: STATUS_PAGE_FAULT_COPY_ON_WRITE,
    kind: 'copy-on-write',
    cause: `private copy of segment ${segmentId} page ${page}`,
  }
}
