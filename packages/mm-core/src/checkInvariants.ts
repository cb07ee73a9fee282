// The memory manager's cross-structure invariants, checked in one pass for tests and debugging:
// what a ReactOS checked build ASSERTs piecemeal along the way (marea.c's tree checks, region.c's
// list walks, ARM3 pfnlist.c's list consistency, the PTE ↔ PFN back-pointers of MMPFN.PteAddress),
// here gathered over the whole state. Inspection only: page tables are read through hw-mmu's
// walkLeafEntries, which sets no A/D bit, fills no TLB entry and records no event.

import { walkLeafEntries } from '@ntmm/hw-mmu'
import { checkAreaTree } from './areaTree.js'
import { checkNtInvariants, checkPagedOutTables } from './checkNtInvariants.js'
import { SectionInvariants } from './checkSectionInvariants.js'
import { isPrivateMemory } from './memoryArea.js'
import { MEM_COMMIT, PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { KERNEL_SPACE_ID } from './mmState.js'
import { forEachPagedOutPte } from './ntPageTables.js'
import { readPte } from './pteAccess.js'
import { checkRegionList, mmFindRegion, regionsOf } from './region.js'
import { readPteView } from './softwarePte.js'

const hex = (value: number) => `0x${value.toString(16)}`

/**
 * Every cross-structure invariant, as violations (empty when sound): area trees and region lists
 * sound; PFN lists consistent; every valid user PTE maps an ACTIVE frame owned by exactly that
 * page (so no two PTEs share a private frame), inside a committed region, or the shared frame at
 * KUSER_SHARED_DATA; every transition PTE names a standby/modified frame of that page; every
 * page-file PTE a used slot; working-set sizes and commit charges equal what they count; and the
 * section invariants of checkSectionInvariants.ts (views, shared frames, segments, files, slots).
 */
export function checkInvariants(core: MmCore): string[] {
  const problems: string[] = []
  const sections = new SectionInvariants(core, problems)
  const state = core.state
  const pfnDb = state.pfn
  const frames = core.machine.frames
  const mode = core.machine.mode
  problems.push(...pfnDb.check())
  // The KUSER_SHARED_DATA frame, charged once to the system, and the pagefile segments' pages.
  let totalCommitted = 1
  for (const segment of state.segments.values()) totalCommitted += segment.chargedPages
  for (const [pid, record] of state.spaces) {
    for (const problem of checkAreaTree(record.tree)) problems.push(`space ${pid}: ${problem}`)
    let processCommitted = 0
    for (const area of record.tree.areas()) {
      for (const problem of checkRegionList(area.regions))
        problems.push(`area ${hex(area.startingAddress)}: ${problem}`)
      if (area.regions.start !== area.startingAddress || area.regions.end !== area.endingAddress) {
        problems.push(`area ${hex(area.startingAddress)}: region list covers another range`)
      }
      if (isPrivateMemory(area.type)) {
        for (const region of regionsOf(area.regions))
          if (region.type === MEM_COMMIT) processCommitted += region.length / PAGE_SIZE
      }
      if (area.view !== undefined) {
        sections.view(pid, area)
        processCommitted += area.view.copyOnWriteCharge
      }
    }
    totalCommitted += processCommitted
    if (pid !== KERNEL_SPACE_ID && record.commitCharge !== processCommitted) {
      problems.push(`space ${pid}: commit charge ${record.commitCharge}, committed pages ${processCommitted}`)
    }
    let resident = 0
    const visitPte = (va: number, low: number, high: number) => {
      const view = readPteView(low, high, mode)
      if (view.kind === 'zero') return
      if (view.kind === 'pageFile') sections.slot(view.slot)
      const area = record.tree.locate(va)
      if (area?.view !== undefined) {
        if (view.kind === 'valid') resident++
        sections.viewPte(pid, area, va, view)
        return
      }
      if (view.kind === 'prototype') {
        problems.push(`space ${pid}: prototype PTE at ${hex(va)} outside a view`)
        return
      }
      const region = area === undefined ? undefined : mmFindRegion(area.regions, va)
      if (view.kind === 'valid' && area?.type === 'SHARED_DATA') {
        if (view.pfn !== core.sharedDataPfn)
          problems.push(`space ${pid}: KUSER_SHARED_DATA maps frame ${view.pfn}`)
        return
      }
      if (region === undefined || region.type !== MEM_COMMIT) {
        problems.push(`space ${pid}: ${view.kind} PTE at ${hex(va)} outside committed memory`)
        return
      }
      // A PTE the debugger wrote may name any frame: one past RAM has no PFN entry to compare.
      if ((view.kind === 'valid' || view.kind === 'transition') && !(view.pfn < pfnDb.frameCount)) {
        problems.push(`space ${pid}: ${view.kind} PTE at ${hex(va)} names frame ${view.pfn}, beyond RAM`)
        return
      }
      if (view.kind === 'valid') {
        resident++
        if (
          pfnDb.stateOf(view.pfn) !== 'ACTIVE' ||
          pfnDb.ownerPid[view.pfn] !== pid ||
          pfnDb.ownerAddress[view.pfn] !== va
        ) {
          problems.push(
            `space ${pid}: PTE at ${hex(va)} maps frame ${view.pfn} owned by ${pfnDb.ownerPid[view.pfn]}:${hex(pfnDb.ownerAddress[view.pfn]!)} (${pfnDb.stateOf(view.pfn)})`,
          )
        }
        if (!frames.isAllocated(view.pfn))
          problems.push(`space ${pid}: PTE at ${hex(va)} maps an unallocated frame`)
      } else if (view.kind === 'transition') {
        const pfnState = pfnDb.stateOf(view.pfn)
        if (
          (pfnState !== 'STANDBY' && pfnState !== 'MODIFIED') ||
          pfnDb.ownerPid[view.pfn] !== pid ||
          pfnDb.ownerAddress[view.pfn] !== va
        ) {
          problems.push(`space ${pid}: transition PTE at ${hex(va)} names frame ${view.pfn} (${pfnState})`)
        }
      } else if (view.kind === 'pageFile') {
        if (!state.pageFile.isUsed(view.slot))
          problems.push(`space ${pid}: PTE at ${hex(va)} names free slot ${view.slot}`)
      }
    }
    walkLeafEntries(core.machine.editor, record.directoryPfn * PAGE_SIZE, visitPte)
    // 'nt': the PTEs kept in page tables that left memory (NT-PAGING.md §3.8), and the tables
    // themselves as working-set entries.
    let tables = 0
    if (state.nt !== undefined) {
      tables = checkPagedOutTables(core, pid, problems, (slot) => sections.slot(slot))
      forEachPagedOutPte(core, pid, (va, low, high) => {
        const kind = readPteView(low, high, mode).kind
        if (kind === 'valid' || kind === 'transition')
          problems.push(`space ${pid}: ${kind} PTE at ${hex(va)} in a page table that left memory`)
        else visitPte(va, low, high)
      })
    }
    if (record.workingSetSize !== resident + tables)
      problems.push(
        `space ${pid}: working set ${record.workingSetSize}, resident ${resident} pages and ${tables} page tables`,
      )
  }
  if (state.commit.charge !== totalCommitted) {
    problems.push(`commit charge ${state.commit.charge}, committed pages ${totalCommitted}`)
  }
  for (let pfn = pfnDb.first('ACTIVE'); pfn !== undefined; pfn = pfnDb.nextOnList(pfn)) {
    // A section page's frame is checked against its segment (checkSectionInvariants.ts).
    if (pfnDb.segmentId[pfn]! >= 0) continue
    let pte: ReturnType<typeof readPte>
    try {
      pte = readPte(core, pfnDb.ownerPid[pfn]!, pfnDb.ownerAddress[pfn]!)
    } catch (error) {
      // An owner address the paging mode cannot take (a loaded trace's): a finding, not a crash.
      if (!(error instanceof RangeError)) throw error
      problems.push(
        `active frame ${pfn} is owned by ${hex(pfnDb.ownerAddress[pfn]!)}, no address of this machine`,
      )
      continue
    }
    if (pte === undefined || pte.view.kind !== 'valid' || pte.view.pfn !== pfn)
      problems.push(`active frame ${pfn} is not mapped by its owner`)
  }
  sections.finish()
  problems.push(...checkNtInvariants(core))
  return problems
}
