// The page-fault path of the source article (ReactOS ntoskrnl/mm/mmfault.c and anonmem.c, the
// RosMm design), with Windows' observable outcomes (NT-SEMANTICS.md Part B §5.5):
//
//   #PF (hw-mmu PageFault: CR2 + decoded error code)
//    └─ MmAccessFault ── user access to system space ─────────────────────────> ACCESS_VIOLATION
//        ├─ present (P=1) ─> MmpAccessFault: execute on NX / write to read-only ─> ACCESS_VIOLATION
//        └─ not present ──> MmNotPresentFault: lock the space, locate the MEMORY_AREA
//             ├─ none, or DeleteInProgress ──────────────────────────────────> ACCESS_VIOLATION
//             ├─ SHARED_DATA ──> map the one KUSER_SHARED_DATA frame read-only ─> SUCCESS
//             ├─ SYSTEM, PAGED_POOL, SECTION_VIEW (not simulated) ───────────────> ACCESS_VIOLATION
//             └─ VIRTUAL_MEMORY, PEB_OR_TEB ─> MmNotPresentFaultVirtualMemory:
//                  MmFindRegion: MEM_RESERVE ──────────────────────────────────> ACCESS_VIOLATION
//                  protection (PTE if non-zero, else region): NOACCESS ──────────> ACCESS_VIOLATION
//                  GUARD: clear it on this page (protection PTE) ───────────> GUARD_PAGE_VIOLATION
//                  write to read-only / execute on non-executable (NX) ──────────> ACCESS_VIOLATION
//                  transition PTE ─> reclaim the standby/modified frame (soft) ─> PAGE_FAULT_TRANSITION
//                  page-file PTE ──> frame + read the slot back (hard) ─────────> PAGE_FAULT_PAGING_FILE
//                  otherwise ──────> page tables on demand, MmRequestPageMemoryConsumer (zeroed),
//                                    MmCreateVirtualMapping ───────────────────> PAGE_FAULT_DEMAND_ZERO
//
// Success statuses make the MMU retry the access, as the CPU re-executes the instruction.
// Deviation from ReactOS ARM3, same observable outcome: the access check runs before a
// never-touched page is materialised, so a write to an untouched PAGE_READONLY page faults once
// (ARM3 first maps it, then the retried write faults).

import type { FaultResponse, PageFault } from '@ntmm/hw-mmu'
import { isSystemAddress } from './addressSpaceLayout.js'
import { assert } from './assert.js'
import { type PageFaultKind, pfnRecordOf } from './events.js'
import type { MemoryArea } from './memoryArea.js'
import { MEM_RESERVE, PAGE_SIZE, pageProtectionName } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { KERNEL_SPACE_ID } from './mmState.js'
import {
  NT_SUCCESS,
  STATUS_ACCESS_VIOLATION,
  STATUS_GUARD_PAGE_VIOLATION,
  STATUS_IN_PAGE_ERROR,
  STATUS_NO_MEMORY,
  STATUS_PAGE_FAULT_DEMAND_ZERO,
  STATUS_PAGE_FAULT_PAGING_FILE,
  STATUS_PAGE_FAULT_TRANSITION,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { requestPageMemoryConsumer } from './pageMemoryConsumer.js'
import {
  MmProtection,
  makeProtectionMask,
  maskAllowsExecute,
  maskAllowsRead,
  maskAllowsWrite,
  maskIsGuard,
  protectionMaskToWin32,
} from './protectionMask.js'
import { mmFindRegion } from './region.js'
import { pageFilePte, protectionPte, transitionPte, validPte } from './softwarePte.js'
import { readPte, writePteAt } from './pteAccess.js'
import { createVirtualMapping, ensurePageTables } from './virtualMapping.js'

/** The exception a failed fault raises in the process (EXCEPTION_RECORD code and parameters). */
export interface FaultException {
  /** STATUS_ACCESS_VIOLATION, STATUS_GUARD_PAGE_VIOLATION or STATUS_IN_PAGE_ERROR. */
  readonly code: number
  /** [access kind (read 0, write 1, execute 8), address] (+ the I/O status for STATUS_IN_PAGE_ERROR). */
  readonly parameters: readonly number[]
}

/**
 * What MmAccessFault decided, as the MMU's fault handler answers it: `retry` is NT_SUCCESS(status)
 * (the access runs again), and a failed access carries this value back in its result.
 */
export interface AccessFaultResult extends FaultResponse {
  readonly status: number
  readonly kind: PageFaultKind
  readonly cause: string
  /** Present when the fault is not resolved: the exception the process sees. */
  readonly exception?: FaultException
}

/** The EXCEPTION_RECORD access code of an access kind. */
export function exceptionAccessCode(access: PageFault['access']): number {
  return access === 'write' ? 1 : access === 'execute' ? 8 : 0
}

/**
 * MmAccessFault: handle a page fault of address space `pid` (the space loaded when it happened).
 * Emits the events of the resolution, then mm.pageFault with the outcome.
 */
export function mmAccessFault(core: MmCore, pid: number, fault: PageFault): AccessFaultResult {
  const decision = dispatchFault(core, pid, fault)
  const result: AccessFaultResult = { ...decision, retry: NT_SUCCESS(decision.status) }
  core.emit({
    type: 'mm.pageFault',
    pid,
    address: fault.address,
    access: fault.access,
    mode: fault.mode,
    kind: decision.kind,
    outcome: decision.exception === undefined ? 'resolved' : 'exception',
    status: decision.status,
    cause: decision.cause,
  })
  return result
}

/** A decision of the fault path before the MMU's `retry` is derived from its status. */
type FaultDecision = Omit<AccessFaultResult, 'retry'>

function failure(fault: PageFault, status: number, kind: PageFaultKind, cause: string): FaultDecision {
  const parameters = [exceptionAccessCode(fault.access), fault.address]
  if (status === STATUS_NO_MEMORY) {
    return {
      status,
      kind,
      cause,
      exception: { code: STATUS_IN_PAGE_ERROR, parameters: [...parameters, status] },
    }
  }
  return { status, kind, cause, exception: { code: status, parameters } }
}

function accessViolation(fault: PageFault, cause: string): FaultDecision {
  return failure(fault, STATUS_ACCESS_VIOLATION, 'access-violation', cause)
}

function dispatchFault(core: MmCore, pid: number, fault: PageFault): FaultDecision {
  if (core.state.space(pid) === undefined) return accessViolation(fault, 'no address space')
  const systemAddress = isSystemAddress(core.layout, fault.address)
  if (systemAddress && fault.mode === 'user')
    return accessViolation(fault, 'user-mode access to system space')
  if (fault.isReservedBit) return accessViolation(fault, 'reserved bit set in a paging entry')
  return fault.isNotPresent
    ? mmNotPresentFault(core, pid, fault, systemAddress)
    : mmpAccessFault(core, pid, fault)
}

/** MmpAccessFault: a protection fault on a present page. Private memory has no copy-on-write here. */
function mmpAccessFault(core: MmCore, pid: number, fault: PageFault): FaultDecision {
  const page = pageOf(fault.address)
  const pte = readPte(core, pid, page)
  if (pte !== undefined && pte.view.kind === 'valid') {
    const mask =
      core.state.pfn.stateOf(pte.view.pfn) === 'ACTIVE'
        ? core.state.pfn.protectMask[pte.view.pfn]!
        : MmProtection.MM_READONLY
    // The PTE may have been fixed since the TLB cached the old one (MmArmAccessFault's "another thread").
    if (accessAllowed(core, mask, fault.access) && (fault.access !== 'write' || pte.view.writable)) {
      return { status: STATUS_SUCCESS, kind: 'spurious', cause: 'the PTE already allows the access' }
    }
    const what = pageProtectionName(protectionMaskToWin32(mask))
    if (fault.access === 'execute')
      return accessViolation(fault, `execute on a non-executable page (${what})`)
    if (fault.access === 'write') return accessViolation(fault, `write to a read-only page (${what})`)
    return accessViolation(fault, `access denied (${what})`)
  }
  return accessViolation(fault, 'protection fault on a page that is not mapped')
}

function accessAllowed(core: MmCore, mask: number, access: PageFault['access']): boolean {
  if (access === 'write') return maskAllowsWrite(mask)
  if (access === 'execute') return !core.machine.noExecute || maskAllowsExecute(mask)
  return maskAllowsRead(mask)
}

/** MmNotPresentFault: locate the memory area under the address-space lock and dispatch on its type. */
function mmNotPresentFault(
  core: MmCore,
  pid: number,
  fault: PageFault,
  systemAddress: boolean,
): FaultDecision {
  const spaceId = systemAddress ? KERNEL_SPACE_ID : pid
  const space = core.handles.get(spaceId)
  assert(space !== undefined, () => `no AddressSpace handle for ${spaceId}`)
  space.lock()
  try {
    const area = space.locate(fault.address)
    if (area === undefined) return accessViolation(fault, 'no memory area at the address')
    if (area.deleteInProgress) return accessViolation(fault, 'memory area being deleted')
    switch (area.type) {
      case 'VIRTUAL_MEMORY':
      case 'PEB_OR_TEB':
        if (systemAddress) return accessViolation(fault, 'private memory in system space is not simulated')
        return mmNotPresentFaultVirtualMemory(core, pid, area, fault)
      case 'SHARED_DATA':
        return sharedDataFault(core, pid, fault)
      case 'SYSTEM':
        return accessViolation(fault, 'MEMORY_AREA_SYSTEM never faults in')
      case 'PAGED_POOL':
        return accessViolation(fault, 'paged pool is not simulated')
      case 'SECTION_VIEW':
        return accessViolation(fault, 'section views are not simulated')
    }
  } finally {
    space.unlock()
  }
}

function pageOf(address: number): number {
  return Math.floor(address / PAGE_SIZE) * PAGE_SIZE
}

/** MEMORY_AREA_SHARED_DATA: copy the KUSER_SHARED_DATA PTE (read-only, user) into this process. */
function sharedDataFault(core: MmCore, pid: number, fault: PageFault): FaultDecision {
  const mask = MmProtection.MM_READONLY
  if (!accessAllowed(core, mask, fault.access)) {
    return accessViolation(fault, `${fault.access} of KUSER_SHARED_DATA (PAGE_READONLY)`)
  }
  const page = pageOf(fault.address)
  if (!ensurePageTables(core, pid, page))
    return failure(fault, STATUS_NO_MEMORY, 'no-memory', 'no frame for a page table')
  const pte = readPte(core, pid, page)!
  if (pte.view.kind !== 'valid') {
    writePteAt(
      core,
      pte.address,
      validPte(core.sharedDataPfn, mask, {
        mode: core.machine.mode,
        user: true,
        noExecute: core.machine.noExecute,
      }),
    )
  }
  return { status: STATUS_SUCCESS, kind: 'shared-data', cause: 'KUSER_SHARED_DATA mapped' }
}

/** MmNotPresentFaultVirtualMemory (anonmem.c) with NT's guard, transition and page-file handling. */
function mmNotPresentFaultVirtualMemory(
  core: MmCore,
  pid: number,
  area: MemoryArea,
  fault: PageFault,
): FaultDecision {
  const page = pageOf(fault.address)
  const pte = readPte(core, pid, page)
  const view = pte?.view ?? { kind: 'zero' as const }
  if (view.kind === 'valid')
    return { status: STATUS_SUCCESS, kind: 'spurious', cause: 'the page is already mapped' }
  const region = mmFindRegion(area.regions, page)
  assert(
    region !== undefined,
    () => `regions of area 0x${area.startingAddress.toString(16)} do not cover 0x${page.toString(16)}`,
  )
  if (region.type === MEM_RESERVE) return accessViolation(fault, 'page reserved, not committed')
  const mask = view.kind === 'zero' ? makeProtectionMask(region.protect) : view.protectMask
  assert(mask !== undefined, () => `region protection 0x${region.protect.toString(16)} has no mask`)
  if ((mask & MmProtection.MM_PROTECT_ACCESS) === 0) return accessViolation(fault, 'PAGE_NOACCESS')

  if (maskIsGuard(mask)) {
    // The guard is consumed before the exception is raised: the retried access goes through.
    const unguarded = mask & ~MmProtection.MM_GUARDPAGE
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

  if (view.kind === 'transition') {
    const before = pfnRecordOf(core.state, view.pfn)
    assert(
      (before.state === 'STANDBY' || before.state === 'MODIFIED') &&
        before.ownerPid === pid &&
        before.ownerAddress === page,
      () => `transition PTE of 0x${page.toString(16)} names frame ${view.pfn} in state ${before.state}`,
    )
    core.emit({
      type: 'mm.pageReclaimed',
      pid,
      address: page,
      pfn: view.pfn,
      before,
      after: { ...before, state: 'ACTIVE' },
    })
    createVirtualMapping(core, pid, page, view.pfn, mask)
    return {
      status: STATUS_PAGE_FAULT_TRANSITION,
      kind: 'soft',
      cause: `frame reclaimed from the ${before.state.toLowerCase()} list`,
    }
  }

  if (!ensurePageTables(core, pid, page))
    return failure(fault, STATUS_NO_MEMORY, 'no-memory', 'no frame for a page table')
  const pfn = requestPageMemoryConsumer(core, { purpose: 'private-page', pid, address: page })
  if (pfn === undefined) return failure(fault, STATUS_NO_MEMORY, 'no-memory', 'no frame available')

  // The frame request may have trimmed pages but never this one: re-read its PTE (tables stay).
  const current = readPte(core, pid, page)!.view
  if (current.kind === 'pageFile') {
    const bytes = core.state.pageFile.read(current.slot)
    assert(bytes !== undefined, () => `page-file PTE names free slot ${current.slot}`)
    core.machine.frames.writeBytes(pfn * PAGE_SIZE, bytes)
    core.emit({ type: 'mm.pageIn', pid, address: page, pfn, slot: current.slot })
    core.emit({ type: 'mm.pageFileSlotFreed', slot: current.slot })
    createVirtualMapping(core, pid, page, pfn, mask, { modified: true, pageFileSlot: -1 })
    return {
      status: STATUS_PAGE_FAULT_PAGING_FILE,
      kind: 'hard',
      cause: `page read back from page-file slot ${current.slot}`,
    }
  }
  createVirtualMapping(core, pid, page, pfn, mask, { modified: false, pageFileSlot: -1 })
  return {
    status: STATUS_PAGE_FAULT_DEMAND_ZERO,
    kind: 'demand-zero',
    cause: 'zeroed frame mapped on first touch',
  }
}
