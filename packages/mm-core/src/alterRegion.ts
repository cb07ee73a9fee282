// MmAlterRegion over a memory area's pages (ReactOS ntoskrnl/mm/region.c MmAlterRegion, with
// anonmem.c MmModifyAttributes as its AlterFunc): region.ts plans the split / absorb / merge of the
// MM_REGION list; here the plan is charged, recorded (mm.regionsAltered) and carried out on the
// pages of every piece whose attributes change:
//
//   piece change                 what happens to its pages (MmModifyAttributes)
//   COMMIT  → RESERVE            frames, page-file slots and PTEs deleted; commit charge returned
//   RESERVE → COMMIT             nothing yet: the pages are demand-zero (charged now)
//   COMMIT  → COMMIT, new protect valid PTEs rewritten keeping A/D (INVLPG); software PTEs get the
//                                new protection; NOACCESS or GUARD: the resident page is trimmed to
//                                a transition PTE (NT keeps the page and its contents)
//   COMMIT  → COMMIT, same       the region list does not change, but a page's PTE may differ from
//     protection                 its region: a guard page that fired has lost PAGE_GUARD in its PTE
//                                only. Windows applies the protection to every page again (the
//                                guard is re-armed), so pages whose PTE differs get the same work

import type { AddressSpace } from './addressSpace.js'
import { mmAlterViewRegion } from './alterViewRegion.js'
import { canCharge, chargeCommit } from './commitCharge.js'
import { type MemoryArea, isPrivateMemory } from './memoryArea.js'
import { MEM_COMMIT, PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import {
  STATUS_COMMITMENT_LIMIT,
  STATUS_CONFLICTING_ADDRESSES,
  STATUS_INVALID_PAGE_PROTECTION,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { pageOut } from './pageMemoryConsumer.js'
import { MmProtection, makeProtectionMask, maskIsGuard } from './protectionMask.js'
import { forEachPte, invalidateIfCurrent, reprotectedPte, writePteAt } from './pteAccess.js'
import { type RegionChange, type RegionType, planAlterRegion, regionsOverlapping } from './region.js'
import { pageFilePte, protectionPte, transitionPte } from './softwarePte.js'
import { deleteVirtualMappings } from './virtualMapping.js'

/**
 * MmAlterRegion with MmModifyAttributes as its callback: give [start, start + length) (page
 * aligned, inside `area`) the state `newType` and protection `newProtect`. Decommitted pages lose
 * their frames and page-file slots; resident pages whose protection changes get their PTEs
 * rewritten and INVLPG. Newly committed pages are charged first (STATUS_COMMITMENT_LIMIT, nothing
 * changed); decommitted ones are returned. Already committed pages are not charged again.
 * STATUS_INVALID_PAGE_PROTECTION for a protection with no mask, STATUS_CONFLICTING_ADDRESSES when
 * the area is gone or the range is not inside it. A section view's pages are altered by
 * alterViewRegion.ts (commit in the segment, protection in the view).
 */
export function mmAlterRegion(
  core: MmCore,
  space: AddressSpace,
  area: MemoryArea,
  start: number,
  length: number,
  newType: RegionType,
  newProtect: number,
): { readonly status: number } {
  if (makeProtectionMask(newProtect) === undefined) return { status: STATUS_INVALID_PAGE_PROTECTION }
  space.lock()
  try {
    const current = space.tree.locate(area.startingAddress)
    if (current === undefined || current.startingAddress !== area.startingAddress)
      return { status: STATUS_CONFLICTING_ADDRESSES }
    if (current.type === 'SECTION_VIEW')
      return mmAlterViewRegion(core, space, current, start, length, newType, newProtect)
    const plan = planAlterRegion(current.regions, start, length, newType, newProtect)
    if (plan === undefined) return { status: STATUS_CONFLICTING_ADDRESSES }
    let delta = 0
    for (const change of plan.changes) {
      const pages = change.length / PAGE_SIZE
      if (change.newType === MEM_COMMIT && change.oldType !== MEM_COMMIT) delta += pages
      if (change.oldType === MEM_COMMIT && change.newType !== MEM_COMMIT) delta -= pages
    }
    const charged = isPrivateMemory(current.type)
    if (charged && !canCharge(core.state.commit, delta)) return { status: STATUS_COMMITMENT_LIMIT }
    // Committed pieces that keep their region's attributes: only their PTEs that differ change.
    const unchanged: RegionChange[] = []
    if (newType === MEM_COMMIT) {
      for (const region of regionsOverlapping(current.regions, start, start + length)) {
        if (region.type !== MEM_COMMIT || region.protect !== newProtect) continue
        const pieceStart = Math.max(start, region.start)
        const pieceEnd = Math.min(start + length, region.start + region.length)
        unchanged.push({
          start: pieceStart,
          length: pieceEnd - pieceStart,
          oldType: MEM_COMMIT,
          oldProtect: newProtect,
          newType: MEM_COMMIT,
          newProtect,
        })
      }
    }
    for (const piece of unchanged) mmModifyAttributes(core, space.pid, piece, { onlyDiffering: true })
    if (plan.edit.removed.length === 0 && plan.edit.added.length === 0) return { status: STATUS_SUCCESS }
    core.emit({
      type: 'mm.regionsAltered',
      pid: space.pid,
      areaStart: current.startingAddress,
      start,
      length,
      newType,
      newProtect,
      removed: plan.edit.removed,
      added: plan.edit.added,
    })
    for (const change of plan.changes) mmModifyAttributes(core, space.pid, change, { onlyDiffering: false })
    if (charged && delta !== 0) chargeCommit(core, space.pid, delta)
    return { status: STATUS_SUCCESS }
  } finally {
    space.unlock()
  }
}

/**
 * MmModifyAttributes: the page side of one region change of space `pid` (see the file comment).
 * `onlyDiffering`: leave alone the PTEs that already carry the new protection (a piece whose
 * region keeps its attributes).
 */
function mmModifyAttributes(
  core: MmCore,
  pid: number,
  change: RegionChange,
  options: { readonly onlyDiffering: boolean },
): void {
  const end = change.start + change.length
  if (change.oldType === MEM_COMMIT && change.newType !== MEM_COMMIT) {
    deleteVirtualMappings(core, pid, change.start, end)
    return
  }
  if (change.oldType !== MEM_COMMIT || change.newType !== MEM_COMMIT) return
  const mask = makeProtectionMask(change.newProtect)!
  forEachPte(core, pid, change.start, end, (va, pte) => {
    const view = pte.view
    if (options.onlyDiffering) {
      if (view.kind === 'zero') return
      const current = view.kind === 'valid' ? core.state.pfn.protectMask[view.pfn]! : view.protectMask
      if (current === mask) return
    }
    switch (view.kind) {
      case 'zero':
        return
      case 'protection':
        writePteAt(core, pte.address, protectionPte(mask))
        return
      case 'pageFile':
        writePteAt(core, pte.address, pageFilePte(view.slot, mask))
        return
      case 'transition':
        writePteAt(core, pte.address, transitionPte(view.pfn, mask))
        return
      case 'valid': {
        core.emit({
          type: 'mm.pageProtectionChanged',
          pid,
          address: va,
          pfn: view.pfn,
          protectMask: mask,
          previousProtectMask: core.state.pfn.protectMask[view.pfn]!,
        })
        if ((mask & MmProtection.MM_PROTECT_ACCESS) === 0 || maskIsGuard(mask)) {
          // NT turns such a page into a transition PTE: the page and its contents are kept.
          pageOut(core, view.pfn)
          return
        }
        writePteAt(core, pte.address, reprotectedPte(core, pte, view.pfn, mask))
        invalidateIfCurrent(core, pid, va)
      }
    }
  })
}
