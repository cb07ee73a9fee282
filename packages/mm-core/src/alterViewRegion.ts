// MmAlterRegion over a section view (ReactOS ntoskrnl/mm/section.c MmAlterViewAttributes as the
// AlterFunc; ARM3 MiSetProtectionOnSection for the commit charge): the page side of
// NtProtectVirtualMemory and of MEM_COMMIT inside a view (NT-SECTIONS §7.4, §8, §15.6).
//
// A view's MM_REGION list holds the protection of each of its pages in this process; whether a
// page is committed is the segment's business (its prototype entry is RESERVED or not), so every
// view of a SEC_RESERVE section sees a commit made through any of them. Per page, the protection
// asked for becomes:
//
//   page                          asked                          becomes
//   private (copied on write)     WRITECOPY / EXECUTE_WRITECOPY  READWRITE / EXECUTE_READWRITE
//   shared, in an image view      READWRITE / EXECUTE_READWRITE  WRITECOPY / EXECUTE_WRITECOPY
//   otherwise                     P                              P
//
// and the page's PTE follows: a shared frame's valid PTE is rewritten (read-only for WRITECOPY, so
// the next write copies) or, for NOACCESS and GUARD, the page leaves this process (prototype PTE);
// a private page is handled as private memory is (alterRegion.ts). The first WRITECOPY protection
// given to a view that holds no copy-on-write charge charges its whole size.

import type { AddressSpace } from './addressSpace.js'
import { canCharge, chargeCommit } from './commitCharge.js'
import { type MmRegionsAltered, applyRegionsAlteredAt } from './events.js'
import type { MemoryArea } from './memoryArea.js'
import {
  MEM_COMMIT,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_READWRITE,
  PAGE_SIZE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { KERNEL_SPACE_ID } from './mmState.js'
import {
  STATUS_COMMITMENT_LIMIT,
  STATUS_CONFLICTING_ADDRESSES,
  STATUS_INVALID_PAGE_PROTECTION,
  STATUS_SUCCESS,
  STATUS_UNABLE_TO_DELETE_SECTION,
} from './ntStatus.js'
import { pageOut } from './pageMemoryConsumer.js'
import { MmProtection, makeProtectionMask, maskIsCopyOnWrite, maskIsGuard } from './protectionMask.js'
import { PrototypeEntryKind } from './prototypeEntries.js'
import { forEachPte, invalidateIfCurrent, type PteRead, reprotectedPte, writePteAt } from './pteAccess.js'
import { type RegionType, planAlterPage, planAlterRegion } from './region.js'
import { isSharedFrame, setPrototypeEntry, unmapSharedPage, viewPageIndex } from './sharedPages.js'
import { pageFilePte, prototypePte, transitionPte } from './softwarePte.js'

const ACCESS_BYTE = 0xff

/** The protection a page copied on write takes: WRITECOPY → READWRITE, EXECUTE_WRITECOPY → EXECUTE_READWRITE. */
export function copiedPageProtection(protect: number): number {
  const access = protect & ACCESS_BYTE
  const rest = protect & ~ACCESS_BYTE
  if (access === PAGE_WRITECOPY) return rest | PAGE_READWRITE
  if (access === PAGE_EXECUTE_WRITECOPY) return rest | PAGE_EXECUTE_READWRITE
  return protect
}

/** A shared image page asked to be writable is copy-on-write (NT-SECTIONS §15.6). */
function sharedImagePageProtection(protect: number): number {
  const access = protect & ACCESS_BYTE
  const rest = protect & ~ACCESS_BYTE
  if (access === PAGE_READWRITE) return rest | PAGE_WRITECOPY
  if (access === PAGE_EXECUTE_READWRITE) return rest | PAGE_EXECUTE_WRITECOPY
  return protect
}

/** True when the PTE holds a private page of this process (copied on write), not the segment's. */
function isPrivatePage(core: MmCore, pte: PteRead): boolean {
  const view = pte.view
  if (view.kind === 'valid') return !isSharedFrame(core, view.pfn)
  return view.kind === 'transition' || view.kind === 'pageFile'
}

/**
 * The MM_REGION edit alone of a view's [start, start + length): its pages' protection becomes
 * `protect` (mm.regionsAltered; nothing when it already is). The pages are the caller's.
 */
export function alterViewRegionList(
  core: MmCore,
  pid: number,
  area: MemoryArea,
  start: number,
  length: number,
  protect: number,
): void {
  // One page (every copy-on-write fault): the same edit without the plan's changes list.
  const edit =
    length === PAGE_SIZE
      ? planAlterPage(area.regions, start, MEM_COMMIT, protect)
      : planAlterRegion(area.regions, start, length, MEM_COMMIT, protect)?.edit
  if (edit === undefined || (edit.removed.length === 0 && edit.added.length === 0)) return
  // Unrecorded (every copy-on-write fault of an unrecorded run), the plan applied as the event's
  // apply does, without the event object or applyMmEvent's switch on the event's type, a load over
  // a dozen event shapes (MmCore.emitPageFault).
  if (core.recorder === undefined) {
    applyRegionsAlteredAt(core.state, pid, area.startingAddress, edit)
    return
  }
  const event: MmRegionsAltered = {
    type: 'mm.regionsAltered',
    pid,
    areaStart: area.startingAddress,
    start,
    length,
    newType: MEM_COMMIT,
    newProtect: protect,
    removed: edit.removed,
    added: edit.added,
  }
  core.emit(event)
}

/**
 * MmAlterRegion on a view: commit [start, start + length) in the segment (SEC_RESERVE pages, charged
 * now) and give the pages `newProtect` in this view (see the file comment). MEM_RESERVE (a
 * decommit) is STATUS_UNABLE_TO_DELETE_SECTION: section pages are never decommitted. The caller
 * holds the space's lock and has located `area`.
 */
export function mmAlterViewRegion(
  core: MmCore,
  space: AddressSpace,
  area: MemoryArea,
  start: number,
  length: number,
  newType: RegionType,
  newProtect: number,
): { readonly status: number } {
  if (newType !== MEM_COMMIT) return { status: STATUS_UNABLE_TO_DELETE_SECTION }
  if (makeProtectionMask(newProtect) === undefined) return { status: STATUS_INVALID_PAGE_PROTECTION }
  const end = start + length
  if (
    length <= 0 ||
    start % PAGE_SIZE !== 0 ||
    end % PAGE_SIZE !== 0 ||
    start < area.startingAddress ||
    end > area.endingAddress
  )
    return { status: STATUS_CONFLICTING_ADDRESSES }
  const segment = core.state.segments.get(area.view!.segmentId)!
  // The target protection of each page, in runs: private (copied) pages have non-zero PTEs, so
  // only those are looked at; every other page is the segment's.
  const copied: number[] = []
  forEachPte(core, space.pid, start, end, (va, pte) => {
    if (isPrivatePage(core, pte)) copied.push(va)
  })
  const sharedProtect = segment.kind === 'image' ? sharedImagePageProtection(newProtect) : newProtect
  const copiedProtect = copiedPageProtection(newProtect)
  const runs: { start: number; end: number; protect: number }[] = []
  const run = (from: number, to: number, protect: number) => {
    const last = runs[runs.length - 1]
    if (last !== undefined && last.protect === protect && last.end === from) last.end = to
    else runs.push({ start: from, end: to, protect })
  }
  let cursor = start
  for (const va of copied) {
    if (va > cursor) run(cursor, va, sharedProtect)
    run(va, va + PAGE_SIZE, copiedProtect)
    cursor = va + PAGE_SIZE
  }
  if (cursor < end) run(cursor, end, sharedProtect)
  const copyOnWrite = runs.some((entry) => maskIsCopyOnWrite(makeProtectionMask(entry.protect)!))
  const first = viewPageIndex(area, start)
  const reserved: number[] = []
  if (segment.kind === 'pagefile') {
    for (let page = first; page < first + length / PAGE_SIZE; page++)
      if (segment.entries.kindOf(page) === PrototypeEntryKind.RESERVED) reserved.push(page)
  }
  const viewPages = (area.endingAddress - area.startingAddress) / PAGE_SIZE
  const viewCharge = copyOnWrite && area.view!.copyOnWriteCharge === 0 ? viewPages : 0
  if (!canCharge(core.state.commit, reserved.length + viewCharge)) return { status: STATUS_COMMITMENT_LIMIT }

  for (const page of reserved) setPrototypeEntry(core, segment, page, PrototypeEntryKind.DEMAND_ZERO, 0)
  if (reserved.length > 0) chargeCommit(core, KERNEL_SPACE_ID, reserved.length)
  if (viewCharge > 0) {
    core.emit({
      type: 'mm.viewChargeSet',
      pid: space.pid,
      start: area.startingAddress,
      pages: viewCharge,
      previous: 0,
    })
    chargeCommit(core, space.pid, viewCharge)
  }
  for (const run of runs) {
    const current = space.tree.locate(area.startingAddress)!
    alterViewRegionList(core, space.pid, current, run.start, run.end - run.start, run.protect)
    const altered = space.tree.locate(area.startingAddress)!
    const mask = makeProtectionMask(run.protect)!
    forEachPte(core, space.pid, run.start, run.end, (va, pte) =>
      modifyViewPage(core, space.pid, altered, va, pte, mask),
    )
  }
  return { status: STATUS_SUCCESS }
}

/** MmAlterViewAttributes for one page: its PTE follows the page's new protection `mask` in the view. */
function modifyViewPage(
  core: MmCore,
  pid: number,
  area: MemoryArea,
  va: number,
  pte: PteRead,
  mask: number,
): void {
  const view = pte.view
  const leaves = (mask & MmProtection.MM_PROTECT_ACCESS) === 0 || maskIsGuard(mask)
  switch (view.kind) {
    case 'zero':
    case 'protection':
      return
    case 'prototype':
      if (view.protectMask !== mask) writePteAt(core, pte.address, prototypePte(mask))
      return
    case 'pageFile':
      if (view.protectMask !== mask) writePteAt(core, pte.address, pageFilePte(view.slot, mask))
      return
    case 'transition':
      if (view.protectMask !== mask) writePteAt(core, pte.address, transitionPte(view.pfn, mask))
      return
    case 'valid': {
      const shared = isSharedFrame(core, view.pfn)
      if (!shared) {
        const previous = core.state.pfn.protectMask[view.pfn]!
        if (previous === mask) return
        core.emit({
          type: 'mm.pageProtectionChanged',
          pid,
          address: va,
          pfn: view.pfn,
          protectMask: mask,
          previousProtectMask: previous,
        })
        if (leaves) {
          // As for private memory: the page and its contents are kept (a transition PTE).
          pageOut(core, view.pfn)
          return
        }
      } else if (leaves) {
        unmapSharedPage(core, pid, va, pte, area, 'prototype')
        return
      }
      const next = reprotectedPte(core, pte, view.pfn, mask)
      if (next.low === pte.value.low && next.high === pte.value.high) return
      writePteAt(core, pte.address, next)
      invalidateIfCurrent(core, pid, va)
    }
  }
}
