// The page-fault path of the source article (ReactOS ntoskrnl/mm/mmfault.c: MmAccessFault,
// MmNotPresentFault, MmpAccessFault), with Windows' observable outcomes (NT-SEMANTICS.md Part B
// §5.5); each kind of memory area has its own resolver file:
//
//   #PF (hw-mmu PageFault: CR2 + decoded error code)
//    └─ MmAccessFault ── user access to system space ─────────────────────────> ACCESS_VIOLATION
//        ├─ present (P=1) ─> MmpAccessFault
//        │    ├─ a section page's frame ─> MmAccessFaultSectionView (sectionViewFault.ts):
//        │    │                            write to WRITECOPY → copy-on-write ──> PAGE_FAULT_COPY_ON_WRITE
//        │    └─ execute on NX / write to read-only ─────────────────────────────> ACCESS_VIOLATION
//        └─ not present ──> MmNotPresentFault: lock the space, locate the MEMORY_AREA
//             ├─ none, or DeleteInProgress ──────────────────────────────────> ACCESS_VIOLATION
//             ├─ SHARED_DATA ──> map the one KUSER_SHARED_DATA frame read-only ─> SUCCESS
//             ├─ SYSTEM, PAGED_POOL (not simulated) ───────────────────────────> ACCESS_VIOLATION
//             ├─ VIRTUAL_MEMORY, PEB_OR_TEB ─> MmNotPresentFaultVirtualMemory (virtualMemoryFault.ts)
//             └─ SECTION_VIEW ─> MmNotPresentFaultSectionView (sectionViewFault.ts)
//
// Success statuses make the MMU retry the access, as the CPU re-executes the instruction.

import { type PageFault, PTE_DIRTY, PTE_PRESENT, PTE_WRITABLE } from '@ntmm/hw-mmu'
import { isSystemAddress } from './addressSpaceLayout.js'
import { assert } from './assert.js'
import { applyPageFaultOf } from './events.js'
import {
  type AccessFaultResult,
  type FaultDecision,
  accessAllowed,
  accessViolation,
  failure,
  pageOf,
} from './faultDecision.js'
import { pageProtectionName } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { type AddressSpaceState, KERNEL_SPACE_ID } from './mmState.js'
import { NT_SUCCESS, STATUS_NO_MEMORY, STATUS_SUCCESS } from './ntStatus.js'
import { MmProtection, protectionMaskToWin32 } from './protectionMask.js'
import { pteLowAt, readPte, writePteAt, x86PteAddress } from './pteAccess.js'
import { mmAccessFaultSectionView, mmNotPresentFaultSectionView } from './sectionViewFault.js'
import { isSharedFrame } from './sharedPages.js'
import { validPte } from './softwarePte.js'
import { DEMAND_ZERO, DEMAND_ZERO_RESULT, mmNotPresentFaultVirtualMemory } from './virtualMemoryFault.js'
import { ensurePageTables } from './virtualMapping.js'

export type { AccessFaultResult, FaultException } from './faultDecision.js'
export { exceptionAccessCode } from './faultDecision.js'

/**
 * MmAccessFault: handle a page fault of address space `pid` (the space loaded when it happened).
 * Emits the events of the resolution, then mm.pageFault with the outcome.
 */
export function mmAccessFault(core: MmCore, pid: number, fault: PageFault): AccessFaultResult {
  const decision = dispatchFaultPinned(core, pid, fault)
  // One literal (the fields in the decision's order, then retry), not `{ ...decision, retry }`:
  // the spread was 6% of a sweep's time (docs/performance.md).
  const { status, kind, cause, exception } = decision
  const retry = NT_SUCCESS(status)
  // A demand-zero fault's answer is one shared frozen object: no result made per fault.
  const result: AccessFaultResult =
    decision === DEMAND_ZERO
      ? DEMAND_ZERO_RESULT
      : exception === undefined
        ? { status, kind, cause, retry }
        : { status, kind, cause, exception, retry }
  // The event object only for a recorder: unrecorded, its counts are applied from its fields.
  if (core.recorder === undefined) applyPageFaultOf(core.state, pid, kind)
  else
    core.emitPageFault({
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

/** dispatchFault, then release the page tables it pinned ('nt': ntPageTables.ts pinFaultTable). */
function dispatchFaultPinned(core: MmCore, pid: number, fault: PageFault): FaultDecision {
  const pins = core.faultPinnedTables
  const mark = pins.length
  try {
    return dispatchFault(core, pid, fault)
  } finally {
    while (pins.length > mark) core.pinnedFrames.delete(pins.pop()!)
  }
}

function dispatchFault(core: MmCore, pid: number, fault: PageFault): FaultDecision {
  const record = core.state.space(pid)
  if (record === undefined) return accessViolation(fault, 'no address space')
  const systemAddress = isSystemAddress(core.layout, fault.address)
  if (systemAddress && fault.mode === 'user')
    return accessViolation(fault, 'user-mode access to system space')
  if (fault.isReservedBit) return accessViolation(fault, 'reserved bit set in a paging entry')
  return fault.isNotPresent
    ? mmNotPresentFault(core, pid, fault, systemAddress, record)
    : mmpAccessFault(core, pid, fault)
}

/** MmpAccessFault: a protection fault on a present page (a section page's frame: MmAccessFaultSectionView). */
function mmpAccessFault(core: MmCore, pid: number, fault: PageFault): FaultDecision {
  const page = pageOf(fault.address)
  // 32-bit paging: the PTE as its word, read once through resident tables (as the not-present
  // faults read theirs): a copy-on-write fault is this and MmAccessFaultSectionView.
  const cr3 = core.cr3Of(pid)
  if (cr3 !== undefined && core.machine.mode === 'x86') {
    const address = x86PteAddress(core, cr3, page)
    if (address >= 0) {
      const low = pteLowAt(core, address)
      const pfn = low >>> 12
      if ((low & PTE_PRESENT) !== 0 && isSharedFrame(core, pfn))
        return mmAccessFaultSectionView(
          core,
          pid,
          fault,
          address,
          pfn,
          (low & PTE_WRITABLE) !== 0,
          (low & PTE_DIRTY) !== 0,
        )
    }
  }
  const pte = readPte(core, pid, page)
  if (pte !== undefined && pte.view.kind === 'valid') {
    const view = pte.view
    if (isSharedFrame(core, view.pfn))
      return mmAccessFaultSectionView(core, pid, fault, pte.address, view.pfn, view.writable, view.dirty)
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

/**
 * MmNotPresentFault: locate the memory area under the address-space lock and dispatch on its type.
 * `record`: the faulting process's space, looked up once for the fault (its tree is where a user
 * address's area is, its directory the CR3 the PTE is read under).
 */
function mmNotPresentFault(
  core: MmCore,
  pid: number,
  fault: PageFault,
  systemAddress: boolean,
  record: AddressSpaceState,
): FaultDecision {
  const spaceId = systemAddress ? KERNEL_SPACE_ID : pid
  const space = core.handles.get(spaceId)
  assert(space !== undefined, () => `no AddressSpace handle for ${spaceId}`)
  space.lock()
  try {
    const area = systemAddress ? space.locate(fault.address) : space.locateIn(record.tree, fault.address)
    if (area === undefined) return accessViolation(fault, 'no memory area at the address')
    if (area.deleteInProgress) return accessViolation(fault, 'memory area being deleted')
    switch (area.type) {
      case 'VIRTUAL_MEMORY':
      case 'PEB_OR_TEB':
        if (systemAddress) return accessViolation(fault, 'private memory in system space is not simulated')
        return mmNotPresentFaultVirtualMemory(core, pid, area, fault, record.directoryPfn * 0x1000)
      case 'SHARED_DATA':
        return sharedDataFault(core, pid, fault)
      case 'SYSTEM':
        return accessViolation(fault, 'MEMORY_AREA_SYSTEM never faults in')
      case 'PAGED_POOL':
        return accessViolation(fault, 'paged pool is not simulated')
      case 'SECTION_VIEW':
        if (systemAddress) return accessViolation(fault, 'views in system space are not simulated')
        return mmNotPresentFaultSectionView(core, pid, area, fault)
    }
  } finally {
    space.unlock()
  }
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
