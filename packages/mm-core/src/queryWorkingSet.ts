// NtQueryVirtualMemory's working-set classes as the memory manager answers them (NT's
// MiQueryWorkingSetEx / MmQueryWorkingSetInformation; psapi's QueryWorkingSetEx and QueryWorkingSet):
//
//   MemoryWorkingSetExInformation (4): for each address asked, MEMORY_WORKING_SET_EX_BLOCK
//     valid page:   Valid 1, ShareCount (processes mapping a shared page, at most 7; 0 for a private
//                   page), Win32Protection (the page's), Shared, Node 0, Locked (VirtualLock), LargePage 0
//     invalid page: Valid 0, Shared (a section view's page), the other bits 0 (Wine's psapi tests:
//                   a page made PAGE_NOACCESS, or given its protection back but not touched, is
//                   invalid; a released page is invalid)
//   MemoryWorkingSetInformation (1): the entries of the working set, MEMORY_WORKING_SET_BLOCK each
//     (Protection as the 5-bit MM protection, ShareCount, Shared, VirtualPage): the valid pages
//     of the process in address order and, under 'nt', its page tables at the addresses NT's self
//     map gives them (NT-PAGING.md §3.8).
//
// Inspection: reads PTEs (and the PTEs of page tables that left memory) without setting A/D bits,
// touching the TLB or emitting events; a page table stays where it is.

import { walkLeafEntries } from '@ntmm/hw-mmu'
import { alignDown } from './alignment.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { residentPageTables } from './ntPageTables.js'
import { protectionMaskToWin32 } from './protectionMask.js'
import { readPte } from './pteAccess.js'
import { viewPageMask } from './sharedPages.js'
import { readPteView } from './softwarePte.js'

/** MEMORY_WORKING_SET_EX_BLOCK (PSAPI_WORKING_SET_EX_BLOCK): bit fields as numbers, and the packed word. */
export interface WorkingSetExBlock {
  /** The packed ULONG_PTR (bits: Valid 0, ShareCount 1-3, Win32Protection 4-14, Shared 15, Node 16-21, Locked 22, LargePage 23, Bad 31). */
  readonly flags: number
  readonly valid: number
  readonly shareCount: number
  readonly win32Protection: number
  readonly shared: number
  readonly node: number
  readonly locked: number
  readonly largePage: number
  readonly bad: number
}

/** MEMORY_WORKING_SET_EX_INFORMATION: the address asked and its page's attributes. */
export interface WorkingSetExInformation {
  readonly virtualAddress: number
  readonly virtualAttributes: WorkingSetExBlock
}

/** MEMORY_WORKING_SET_BLOCK: one entry of a working set. */
export interface WorkingSetBlock {
  /** The packed ULONG_PTR (Protection bits 0-4, ShareCount 5-7, Shared 8, VirtualPage from bit 12). */
  readonly flags: number
  /** The MM protection mask (5 bits), as NT stores it in the entry. */
  readonly protection: number
  readonly shareCount: number
  readonly shared: number
  /** The page's virtual address (VirtualPage << 12). */
  readonly virtualPage: number
}

function exBlock(fields: Omit<WorkingSetExBlock, 'flags'>): WorkingSetExBlock {
  const flags =
    fields.valid |
    (fields.shareCount << 1) |
    (fields.win32Protection << 4) |
    (fields.shared << 15) |
    (fields.node << 16) |
    (fields.locked << 22) |
    (fields.largePage << 23) |
    (fields.bad * 2 ** 31)
  return { flags: flags >>> 0, ...fields }
}

const INVALID = { shareCount: 0, win32Protection: 0, node: 0, locked: 0, largePage: 0, bad: 0 }

/** MemoryWorkingSetExInformation for `address` of process `pid` (see the file comment). */
export function queryWorkingSetExBlock(core: MmCore, pid: number, address: number): WorkingSetExBlock {
  const space = core.state.space(pid)
  const page = alignDown(address, PAGE_SIZE)
  const area = space?.tree.locate(page)
  if (area === undefined) return exBlock({ valid: 0, shared: 0, ...INVALID })
  const pte = readPte(core, pid, page)
  const view = pte?.view
  const inView = area.view !== undefined
  if (view?.kind !== 'valid') {
    // A page of a view is shareable unless it is this process's private copy (copy-on-write),
    // which a transition or page-file PTE there names.
    const privateCopy = view?.kind === 'transition' || view?.kind === 'pageFile'
    const shared = (inView && !privateCopy) || area.type === 'SHARED_DATA' ? 1 : 0
    return exBlock({ valid: 0, shared, ...INVALID })
  }
  const pfnDb = core.state.pfn
  const pfn = view.pfn
  if (area.type === 'SHARED_DATA')
    return exBlock({ valid: 1, shared: 1, ...INVALID, shareCount: 1, win32Protection: 0x02 })
  const sectionFrame = pfn < pfnDb.frameCount && pfnDb.segmentId[pfn]! >= 0
  const mask = sectionFrame ? viewPageMask(area, page) : pfnDb.protectMask[pfn]!
  const locked = core.state.nt?.process(pid).lockedPages.has(page) === true ? 1 : 0
  return exBlock({
    valid: 1,
    shareCount: sectionFrame ? Math.min(7, pfnDb.shareCount[pfn]!) : 0,
    win32Protection: protectionMaskToWin32(mask),
    shared: sectionFrame ? 1 : 0,
    node: 0,
    locked,
    largePage: 0,
    bad: 0,
  })
}

/** MemoryWorkingSetExInformation for each address of `addresses` of process `pid`. */
export function queryWorkingSetEx(
  core: MmCore,
  pid: number,
  addresses: readonly number[],
): WorkingSetExInformation[] {
  return addresses.map((virtualAddress) => ({
    virtualAddress,
    virtualAttributes: queryWorkingSetExBlock(core, pid, virtualAddress),
  }))
}

/** Where NT's self map shows the page table of `va` (PTE_BASE + the PTE's offset, page aligned). */
function selfMapAddress(core: MmCore, va: number): number {
  const mode = core.machine.mode
  if (mode === 'x86') return 0xc0000000 + Math.floor(va / 0x400000) * PAGE_SIZE
  if (mode === 'x86-pae') return 0xc0000000 + Math.floor(va / 0x200000) * PAGE_SIZE
  // x64 PTE_BASE 0xFFFFF680'00000000, a negative canonical address here.
  return -0x98000000000 + Math.floor(va / 0x200000) * PAGE_SIZE
}

function workingSetBlock(
  virtualPage: number,
  protection: number,
  shareCount: number,
  shared: number,
): WorkingSetBlock {
  const low = protection | (shareCount << 5) | (shared << 8)
  const page = virtualPage < 0 ? virtualPage + 2 ** 64 : virtualPage
  return { flags: page + low, protection, shareCount, shared, virtualPage }
}

/**
 * MemoryWorkingSetInformation: the working set of process `pid` (see the file comment). A valid
 * PTE of KUSER_SHARED_DATA is no entry (the system's page).
 */
export function queryWorkingSet(core: MmCore, pid: number): WorkingSetBlock[] {
  const space = core.state.space(pid)
  if (space === undefined) return []
  const pfnDb = core.state.pfn
  const mode = core.machine.mode
  const entries: WorkingSetBlock[] = []
  walkLeafEntries(core.machine.editor, space.directoryPfn * PAGE_SIZE, (va, low, high) => {
    const view = readPteView(low, high, mode)
    if (view.kind !== 'valid' || view.pfn === core.sharedDataPfn) return
    const area = space.tree.locate(va)
    if (area === undefined) return
    const pfn = view.pfn
    const sectionFrame = pfn < pfnDb.frameCount && pfnDb.segmentId[pfn]! >= 0
    const mask = sectionFrame ? viewPageMask(area, va) : pfnDb.protectMask[pfn]!
    entries.push(
      workingSetBlock(va, mask, sectionFrame ? Math.min(7, pfnDb.shareCount[pfn]!) : 0, sectionFrame ? 1 : 0),
    )
  })
  if (core.state.nt !== undefined)
    for (const table of residentPageTables(core, pid))
      entries.push(workingSetBlock(selfMapAddress(core, table.address), 4, 0, 0))
  return entries
}
