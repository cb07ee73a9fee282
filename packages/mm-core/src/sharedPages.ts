// Shared pages: the frames that back a section's pages and the process PTEs that map them. A
// frame of a segment page counts its mappings (MMPFN.ShareCount); it is found from a segment page
// by the page's prototype entry and, the other way, its mappings are found by walking the views of
// its segment (ReactOS ntoskrnl/mm/rmap.c keeps such a reverse map per frame; NT walks working
// sets). Here are the steps every section path is built from:
//
//   mapSharedPage        one more process PTE maps the frame            share + 1
//   unmapSharedPage      one process PTE stops mapping it (trim, unmap,  share - 1, the PTE's D bit
//                        NOACCESS, copy-on-write): "remove this page     folded into PFN.modified
//                        from one process", kept apart for per-process
//                        working sets (issue #21)
//   releaseSharedFrame   share 0: the frame leaves memory as NT's        entry TRANSITION (standby or
//                        MiDecrementShareCount does                      modified), or DEMAND_ZERO
//                                                                        and freed (never written)
//   trimSharedPage       the replacement policy took the frame: every mapping goes, then release

import { PTE_PRESENT } from '@ntmm/hw-mmu'
import { frameWords } from '@ntmm/hw-mmu/internal'
import { isSystemAddress } from './addressSpaceLayout.js'
import { assert } from './assert.js'
import type { MemoryArea } from './memoryArea.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { applyMappingAdded } from './events.js'
import type { WorkingSetTrimReason } from './ntEvents.js'
import { PfnState } from './pfnDatabase.js'
import { NO_OWNER, type PfnRecord, pfnRecordOf } from './pfnRecord.js'
import { makeProtectionMask } from './protectionMask.js'
import { PrototypeEntryKind, prototypeEntryKindName } from './prototypeEntries.js'
import { invalidateIfCurrent, type PteRead, readPte, writePteAt, writeValidPteAt } from './pteAccess.js'
import { mmFindRegion } from './region.js'
import type { SegmentState } from './segment.js'
import { ZERO_PTE, prototypePte } from './softwarePte.js'

/** The segment and page a section page's frame backs. */
export function segmentPageOf(core: MmCore, pfn: number): { segment: SegmentState; page: number } {
  const pfnDb = core.state.pfn
  const segment = core.state.segments.get(pfnDb.segmentId[pfn]!)
  assert(segment !== undefined, () => `frame ${pfn} backs no segment`)
  return { segment, page: pfnDb.ownerAddress[pfn]! / PAGE_SIZE }
}

/** True when `pfn` backs a section page. */
export function isSharedFrame(core: MmCore, pfn: number): boolean {
  return core.state.pfn.segmentId[pfn]! >= 0
}

/** The protection mask of `va`'s page in a view (its MM_REGION's protection). */
export function viewPageMask(area: MemoryArea, va: number): number {
  const region = mmFindRegion(area.regions, va)
  assert(
    region !== undefined,
    () => `view 0x${area.startingAddress.toString(16)} has no region at 0x${va.toString(16)}`,
  )
  const mask = makeProtectionMask(region.protect)
  assert(mask !== undefined, () => `view region protection 0x${region.protect.toString(16)} has no mask`)
  return mask
}

/** The segment page of `va` in a view. */
export function viewPageIndex(area: MemoryArea, va: number): number {
  assert(area.view !== undefined, 'viewPageIndex of an area that is not a view')
  return area.view.offsetPages + Math.floor((va - area.startingAddress) / PAGE_SIZE)
}

/** Set one prototype entry (mm.prototypeEntryChanged). */
export function setPrototypeEntry(
  core: MmCore,
  segment: SegmentState,
  page: number,
  kind: number,
  value: number,
): void {
  core.emit({
    type: 'mm.prototypeEntryChanged',
    segmentId: segment.id,
    page,
    kind: prototypeEntryKindName(kind),
    value,
    previousKind: prototypeEntryKindName(segment.entries.kindOf(page)),
    previousValue: segment.entries.valueOf(page),
  })
}

/**
 * Every process PTE that maps the section frame `pfn`: the views of its segment that cover its
 * page, whose PTE there is valid and names `pfn`. Side-effect free (the visitor may change PTEs).
 */
export function forEachSharedMapping(
  core: MmCore,
  pfn: number,
  visit: (pid: number, va: number, pte: PteRead, area: MemoryArea) => void,
): void {
  const { segment, page } = segmentPageOf(core, pfn)
  for (const view of segment.views) {
    const area = core.state.space(view.pid)?.tree.locate(view.start)
    assert(area?.view !== undefined, () => `segment ${segment.id} lists no view at ${view.pid}:${view.start}`)
    const first = area.view.offsetPages
    if (page < first || page >= first + (area.endingAddress - area.startingAddress) / PAGE_SIZE) continue
    const va = area.startingAddress + (page - first) * PAGE_SIZE
    const pte = readPte(core, view.pid, va)
    if (pte !== undefined && pte.view.kind === 'valid' && pte.view.pfn === pfn) visit(view.pid, va, pte, area)
  }
}

/**
 * Map the section frame `pfn` at `va` of space `pid` with `protectMask` (share count + 1). The page
 * tables exist and the PTE, at physical `pteAddress` (read by the caller), is not valid.
 * `pageFileSlot`: the copy the frame was just read from (undefined: the frame keeps its own).
 */
export function mapSharedPage(
  core: MmCore,
  pid: number,
  va: number,
  pfn: number,
  protectMask: number,
  pteAddress: number,
  pageFileSlot?: number,
): void {
  // 'nt': the working set makes room first (local replacement), never by letting this frame go.
  if (core.ntBeforeGrow !== undefined) {
    const pin = !core.pinnedFrames.has(pfn)
    if (pin) core.pinnedFrames.add(pfn)
    try {
      core.ntBeforeGrow(core, pid)
    } finally {
      if (pin) core.pinnedFrames.delete(pfn)
    }
  }
  const address = pteAddress
  const machine = core.machine
  // The PTE's low word from the frame's words (frames.read32 without its range checks: the caller
  // read this PTE there).
  const table = frameWords(machine.frames, Math.floor(address / PAGE_SIZE))
  if (table !== undefined && (table[(address & 0xfff) >>> 2]! & PTE_PRESENT) !== 0)
    assert(false, () => `mapSharedPage: 0x${va.toString(16)} is mapped`)
  const state = core.state
  const pfnDb = state.pfn
  // The condition first, the message's closure only on failure (this is most of a second
  // process's touch of a resident page).
  if (!(pfnDb.segmentId[pfn]! >= 0 && pfnDb.state[pfn] === PfnState.ACTIVE))
    assert(false, () => `frame ${pfn} is not an active section frame`)
  const slot = pageFileSlot ?? pfnDb.pageFileSlot[pfn]!
  // mm.mappingCreated's records and object only for a recorder; its changes (one more share, the
  // page in the working set) are applied from the fields either way, as createVirtualMapping does.
  const recorder = core.recorder
  const before = recorder === undefined ? undefined : pfnRecordOf(state, pfn)
  writeValidPteAt(core, address, pfn, protectMask, !isSystemAddress(core.layout, va))
  if (before !== undefined) {
    // A literal, not a spread of `before` (the second process's touch of a resident page is this
    // and little else).
    const after: PfnRecord = {
      state: before.state,
      ownerPid: before.ownerPid,
      ownerAddress: before.ownerAddress,
      protectMask: before.protectMask,
      pageFileSlot: slot,
      modified: before.modified,
      segmentId: before.segmentId!,
      shareCount: before.shareCount! + 1,
    }
    recorder!({ type: 'mm.mappingCreated', pid, address: va, pfn, protectMask, before, after })
  }
  // mm.mappingCreated's `after` applied (setPfn's setOwnerFields): of the owner fields only the
  // page-file slot and the share count change, and the entry's age restarts; written as such, not
  // as setOwnerFields' eight reads and writes.
  pfnDb.pageFileSlot[pfn] = slot
  pfnDb.shareCount[pfn] = pfnDb.shareCount[pfn]! + 1
  pfnDb.age[pfn] = 0
  applyMappingAdded(state, pid, va, pfn, true)
  pfnDb.lastUse[pfn] = ++core.tick
}

/**
 * Remove the section frame mapped at `va` (its valid PTE `pte`) from process `pid`: the PTE becomes
 * a prototype PTE with the page's protection in the view (or zero when the view goes), the share
 * count drops, and the frame leaves memory if it was the last mapping.
 */
export function unmapSharedPage(
  core: MmCore,
  pid: number,
  va: number,
  pte: PteRead,
  area: MemoryArea,
  replacement: 'prototype' | 'zero',
): void {
  assert(pte.view.kind === 'valid', 'unmapSharedPage of a PTE that is not valid')
  const pfn = pte.view.pfn
  const before = pfnRecordOf(core.state, pfn)
  assert(
    before.segmentId !== undefined && (before.shareCount ?? 0) > 0,
    () => `frame ${pfn} at 0x${va.toString(16)} is not a mapped section frame`,
  )
  writePteAt(core, pte.address, replacement === 'zero' ? ZERO_PTE : prototypePte(viewPageMask(area, va)))
  invalidateIfCurrent(core, pid, va)
  const after: PfnRecord = {
    ...before,
    shareCount: before.shareCount! - 1,
    modified: before.modified || pte.view.dirty,
  }
  core.emit({ type: 'mm.mappingDeleted', pid, address: va, pfn, before, after })
  if (after.shareCount === 0) releaseSharedFrame(core, pfn)
}

/**
 * A section frame no process maps any more leaves memory (MiDecrementShareCount): dirty to the
 * modified list, clean to standby, its entry TRANSITION; a pagefile page with no page-file copy
 * that was never written holds zeros, so it is freed and its entry is DEMAND_ZERO again.
 */
export function releaseSharedFrame(
  core: MmCore,
  pfn: number,
  trim?: { readonly tick: number; readonly reason: WorkingSetTrimReason },
): void {
  const before = pfnRecordOf(core.state, pfn)
  const { segment, page } = segmentPageOf(core, pfn)
  assert(
    before.shareCount === 0 && before.state === 'ACTIVE',
    () => `releaseSharedFrame of frame ${pfn} still mapped`,
  )
  if (segment.kind === 'pagefile' && !before.modified && before.pageFileSlot < 0) {
    setPrototypeEntry(core, segment, page, PrototypeEntryKind.DEMAND_ZERO, 0)
    core.emit({
      type: 'mm.sharedPageOut',
      pfn,
      segmentId: segment.id,
      page,
      outcome: 'dropped',
      before,
      after: { ...NO_OWNER, state: 'FREE' },
      ...trim,
    })
    core.machine.frames.free(pfn)
    return
  }
  setPrototypeEntry(core, segment, page, PrototypeEntryKind.TRANSITION, pfn)
  core.emit({
    type: 'mm.sharedPageOut',
    pfn,
    segmentId: segment.id,
    page,
    outcome: before.modified ? 'modified' : 'standby',
    before,
    after: { ...before, state: before.modified ? 'MODIFIED' : 'STANDBY' },
    ...trim,
  })
}

/** The replacement policy trims a section frame: it leaves every process that maps it, then memory. */
export function trimSharedPage(core: MmCore, pfn: number): void {
  const mappings: { pid: number; va: number; pte: PteRead; area: MemoryArea }[] = []
  forEachSharedMapping(core, pfn, (pid, va, pte, area) => mappings.push({ pid, va, pte, area }))
  assert(
    mappings.length === core.state.pfn.shareCount[pfn],
    () => `frame ${pfn}: share count differs from its mappings`,
  )
  for (const { pid, va, pte, area } of mappings) unmapSharedPage(core, pid, va, pte, area, 'prototype')
}
