// MmNotPresentFaultVirtualMemory (ReactOS ntoskrnl/mm/anonmem.c), with NT's guard, transition
// and page-file handling: a not-present fault in private memory (VIRTUAL_MEMORY, PEB_OR_TEB).
// The second half, resolving a private page from its PTE (soft fault from standby/modified, hard
// fault from the page file, or a demand-zero frame), is also how a section view's private
// copy-on-write pages come back (sectionViewFault.ts):
//
//   MmFindRegion: MEM_RESERVE ──────────────────────────────────────────────> ACCESS_VIOLATION
//   protection (PTE if non-zero, else region): NOACCESS ──────────────────────> ACCESS_VIOLATION
//   GUARD: clear it on this page (protection PTE) ───────────────────────> GUARD_PAGE_VIOLATION
//   write to read-only / execute on non-executable (NX) ──────────────────────> ACCESS_VIOLATION
//   transition PTE ─> reclaim the standby/modified frame (soft) ─────────> PAGE_FAULT_TRANSITION
//   page-file PTE ──> frame + read the slot back (hard) ────────────────> PAGE_FAULT_PAGING_FILE
//   otherwise ──────> page tables on demand, MmRequestPageMemoryConsumer (zeroed),
//                     MmCreateVirtualMapping ──────────────────────────────> PAGE_FAULT_DEMAND_ZERO
//
// Deviation from ReactOS ARM3, same observable outcome: the access check runs before a
// never-touched page is materialised, so a write to an untouched PAGE_READONLY page faults once
// (ARM3 first maps it, then the retried write faults).

import type { PageFault } from '@ntmm/hw-mmu'
import { assert } from './assert.js'
import { applyPageIn } from './events.js'
import {
  type AccessFaultResult,
  type FaultDecision,
  accessAllowed,
  accessViolation,
  failure,
  pageOf,
} from './faultDecision.js'
import type { MemoryArea } from './memoryArea.js'
import { MEM_RESERVE, PAGE_SIZE, pageProtectionName } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import {
  STATUS_GUARD_PAGE_VIOLATION,
  STATUS_NO_MEMORY,
  STATUS_PAGE_FAULT_DEMAND_ZERO,
  STATUS_PAGE_FAULT_PAGING_FILE,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { requestPageMemoryConsumer } from './pageMemoryConsumer.js'
import { MmProtection, makeProtectionMask, maskIsGuard, protectionMaskToWin32 } from './protectionMask.js'
import { pageFileSlotAt, pteLowAt, readPte, writePteAt, x86PteAddress } from './pteAccess.js'
import { mmFindRegion } from './region.js'
import { PTE_PRESENT } from '@ntmm/hw-mmu'
import {
  isTransitionPte,
  pageFilePte,
  pageFileSlotOf,
  protectionPte,
  pteProtectMask,
  readPteView,
  transitionPte,
} from './softwarePte.js'
import { pinFaultTable } from './ntPageTables.js'
import { resolveTransitionFault } from './transitionFault.js'
import { createVirtualMapping, ensurePageTables } from './virtualMapping.js'

/**
 * MmNotPresentFaultVirtualMemory: a not-present fault in private memory (see the file comment).
 * `cr3`: space `pid`'s, when the caller has it (MmNotPresentFault: its record is looked up once).
 */
export function mmNotPresentFaultVirtualMemory(
  core: MmCore,
  pid: number,
  area: MemoryArea,
  fault: PageFault,
  cr3: number | undefined = core.cr3Of(pid),
): FaultDecision {
  const page = pageOf(fault.address)
  // The PTE as its word (every kind of it is told by the low half's bits, softwarePte.ts): on
  // 32-bit paging through resident tables straight from the frames, else through readPte (no
  // page table: a zero PTE; 'nt': a table not resident, read from its frame or slot, address -1).
  let pteAddress = cr3 !== undefined && core.machine.mode === 'x86' ? x86PteAddress(core, cr3, page) : -1
  let low: number
  if (pteAddress >= 0) low = pteLowAt(core, pteAddress)
  else {
    const pte = readPte(core, pid, page)
    low = pte === undefined ? 0 : pte.value.low
    pteAddress = pte === undefined ? -1 : pte.address
  }
  if ((low & PTE_PRESENT) !== 0)
    return { status: STATUS_SUCCESS, kind: 'spurious', cause: 'the page is already mapped' }
  const region = mmFindRegion(area.regions, page)
  assert(
    region !== undefined,
    () => `regions of area 0x${area.startingAddress.toString(16)} do not cover 0x${page.toString(16)}`,
  )
  if (region.type === MEM_RESERVE) return accessViolation(fault, 'page reserved, not committed')
  const mask = low === 0 ? makeProtectionMask(region.protect) : pteProtectMask(low)
  assert(mask !== undefined, () => `region protection 0x${region.protect.toString(16)} has no mask`)
  if ((mask & MmProtection.MM_PROTECT_ACCESS) === 0) return accessViolation(fault, 'PAGE_NOACCESS')

  if (maskIsGuard(mask)) {
    // The guard is consumed before the exception is raised: the retried access goes through.
    const unguarded = mask & ~MmProtection.MM_GUARDPAGE
    const view = readPteView(low, 0, core.machine.mode)
    if (!ensurePageTables(core, pid, page))
      return failure(fault, STATUS_NO_MEMORY, 'no-memory', 'no frame for a page table')
    const target = readPte(core, pid, page)!
    const next =
      view.kind === 'transition'
        ? transitionPte(view.pfn, unguarded)
        : view.kind === 'pageFile'
          ? pageFilePte(view.slot, unguarded)
          : protectionPte(unguarded)
    writePteAt(core, target.address, next)
    return failure(fault, STATUS_GUARD_PAGE_VIOLATION, 'guard', 'PAGE_GUARD cleared on first access')
  }

  if (!accessAllowed(core, mask, fault.access)) {
    const what = pageProtectionName(protectionMaskToWin32(mask))
    if (fault.access === 'write') return accessViolation(fault, `write to ${what}`)
    return accessViolation(fault, `execute on non-executable ${what}`)
  }

  return resolvePrivatePte(core, pid, page, low, mask, fault, pteAddress)
}

/**
 * Bring back a private page whose not-valid PTE has the low half `low`: reclaim its transition
 * frame (soft), read its page-file slot into a new frame (hard), or map a zeroed frame (demand
 * zero). `mask` is the page's protection; the access has been checked. `pteAddress`: where the
 * PTE was read (-1 when through a page table not resident, or none), so it is not read again.
 */
export function resolvePrivatePte(
  core: MmCore,
  pid: number,
  page: number,
  low: number,
  mask: number,
  fault: PageFault,
  pteAddress: number,
): FaultDecision {
  if (isTransitionPte(low)) return resolveTransitionFault(core, pid, page, pteAddress, low >>> 12, mask)

  if (pteAddress >= 0) {
    // The PTE was read through resident page tables: every level above it is present, so
    // ensurePageTables would make none ('nt': it pins the page table, which holds the PTE).
    if (core.ntPageTableIn !== undefined) pinFaultTable(core, Math.floor(pteAddress / PAGE_SIZE))
  } else if (!ensurePageTables(core, pid, page))
    return failure(fault, STATUS_NO_MEMORY, 'no-memory', 'no frame for a page table')
  const pfn = requestPageMemoryConsumer(core, {
    purpose: 'private-page',
    pid,
    address: page,
    contents: pageFileSlotOf(low) >= 0 ? 'overwritten' : 'zero',
  })
  if (pfn === undefined) return failure(fault, STATUS_NO_MEMORY, 'no-memory', 'no frame available')

  // The frame request may have trimmed pages but never this one (not valid), and the tables stay
  // (pinned under 'nt'): the PTE is re-read from where it is (its word), or found when it was not.
  let address = pteAddress
  let slot: number
  if (address >= 0) slot = pageFileSlotAt(core, address)
  else {
    const current = readPte(core, pid, page)!
    address = current.address
    slot = current.view.kind === 'pageFile' ? current.view.slot : -1
  }
  if (slot >= 0) {
    const pageFile = core.state.pageFile
    assert(pageFile.isUsed(slot), () => `page-file PTE names free slot ${slot}`)
    // 'nt' (NT-PAGING.md §3.4): the slot stays the clean page's backing store, so trimming it
    // again costs no write; a write makes the copy stale and releases it.
    const keepSlot = core.policy === 'nt' && fault.access !== 'write'
    // Its events built only for a recorder; unrecorded, the page goes into the frame without a
    // copy (the frame takes the slot's words, pageFile.ts) and the slot's release is applied
    // with it, as applyPageIn and applyPageFileSlotFreed apply the events (events.ts).
    const recorded = core.recorder !== undefined
    if (recorded) {
      core.machine.frames.writeBytes(pfn * PAGE_SIZE, pageFile.read(slot)!)
      core.emit({ type: 'mm.pageIn', pid, address: page, pfn, slot })
      if (!keepSlot) core.emit({ type: 'mm.pageFileSlotFreed', slot })
    } else {
      if (keepSlot) pageFile.shareInto(slot, core.machine.frames, pfn)
      else pageFile.takeInto(slot, core.machine.frames, pfn)
      applyPageIn(core.state)
    }
    if (keepSlot) createVirtualMapping(core, pid, page, pfn, mask, slot, false, address)
    else createVirtualMapping(core, pid, page, pfn, mask, -1, true, address)
    return pagedInDecision(slot)
  }
  // 'nt': a demand-zero page has no backing copy, so it is born modified (ARM3 MiResolveDemandZeroFault).
  createVirtualMapping(core, pid, page, pfn, mask, -1, core.policy === 'nt', address)
  return DEMAND_ZERO
}

/**
 * The demand-zero fault's decision: one frozen object (mmAccessFault answers it with
 * DEMAND_ZERO_RESULT, its one frozen result).
 */
export const DEMAND_ZERO: FaultDecision = Object.freeze({
  status: STATUS_PAGE_FAULT_DEMAND_ZERO,
  kind: 'demand-zero',
  cause: 'zeroed frame mapped on first touch',
})

/**
 * Hard-fault decisions made so far, by slot: one frozen object a slot, as DEMAND_ZERO is one for
 * every demand-zero fault. The cause names the slot, and writing a number into a new string was
 * 3.4% of bench 3b's hard fault and most of its garbage (docs/performance.md, issue 22,
 * `hardfault2`). Kept for the first {@link PAGED_IN_CACHED} slots (a few MiB of strings at most).
 */
const pagedInDecisions: (FaultDecision | undefined)[] = []
const PAGED_IN_CACHED = 1 << 16

/** MmReadFromSwapPage's outcome: the decision of a hard fault that read page-file slot `slot` back. */
export function pagedInDecision(slot: number): FaultDecision {
  const cached = slot < PAGED_IN_CACHED ? pagedInDecisions[slot] : undefined
  if (cached !== undefined) return cached
  const decision: FaultDecision = Object.freeze({
    status: STATUS_PAGE_FAULT_PAGING_FILE,
    kind: 'hard',
    cause: `page read back from page-file slot ${slot}`,
  })
  if (slot < PAGED_IN_CACHED) {
    // Filled up to `slot` first: the array stays packed (no holes), its loads fast.
    while (pagedInDecisions.length < slot) pagedInDecisions.push(undefined)
    pagedInDecisions[slot] = decision
  }
  return decision
}

/**
 * The MMU's answer to a demand-zero fault (DEMAND_ZERO and `retry`), shared: every fault of a sweep
 * of first touches answers it, and the handler's answer is only read (docs/performance.md, issue
 * 22's sweeps, third pass).
 */
export const DEMAND_ZERO_RESULT: AccessFaultResult = Object.freeze({
  status: DEMAND_ZERO.status,
  kind: DEMAND_ZERO.kind,
  cause: DEMAND_ZERO.cause,
  retry: true,
})
