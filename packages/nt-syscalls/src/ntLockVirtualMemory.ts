// NtLockVirtualMemory / NtUnlockVirtualMemory (ntoskrnl mm/ARM3/virtual.c, WRK lockvm.c): lock a
// range of pages in the working set of a process (MAP_PROCESS), so the working-set manager never
// trims them (NT-PAGING.md §3.5 "Locking"). Checks in Windows' order: MapType, the range, the
// handle (PROCESS_VM_OPERATION), the privilege for MAP_SYSTEM; then each page is faulted in (a
// read, as the probe of MmAccessFault does) and locked in turn, so a page that cannot be read
// stops the call with its fault's status, the pages before it staying locked.

import { PROCESS_VM_OPERATION } from './accessRights.js'
import { pageDown } from './addressArithmetic.js'
import { captureHandle, capturePointer, captureUlong } from './captureArguments.js'
import { exceptionFor } from './cpu.js'
import { PAGE_SIZE } from './memoryConstants.js'
import {
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_IMPLEMENTED,
  STATUS_PRIVILEGE_NOT_HELD,
  STATUS_SUCCESS,
  STATUS_WAS_LOCKED,
} from './ntStatus.js'
import { referenceProcess, releaseProcess, type ServiceContext } from './serviceContext.js'

/** MapType: lock in the process's working set. */
export const MAP_PROCESS = 1
/** MapType: lock in physical memory (needs SeLockMemoryPrivilege). */
export const MAP_SYSTEM = 2

/** The arguments as the caller passed them. */
export interface LockVirtualMemoryArguments {
  readonly processHandle: unknown
  readonly baseAddress: unknown
  readonly regionSize: unknown
  readonly mapType: unknown
}

/** The status and, on success, the page-rounded range (the caller's values on failure). */
export interface LockVirtualMemoryResult {
  readonly status: number
  readonly baseAddress: number
  readonly regionSize: number
}

type Prepared =
  | { readonly status: number }
  | {
      readonly status: typeof STATUS_SUCCESS
      readonly pid: number
      readonly pages: number[]
      readonly release: () => void
    }

function prepare(context: ServiceContext, args: LockVirtualMemoryArguments): Prepared {
  const mapType = captureUlong(args.mapType)
  if (
    mapType === undefined ||
    (mapType & ~(MAP_PROCESS | MAP_SYSTEM)) !== 0 ||
    (mapType & (MAP_PROCESS | MAP_SYSTEM)) === 0
  )
    return { status: STATUS_INVALID_PARAMETER }
  const base = capturePointer(args.baseAddress, context.limits)
  const size = capturePointer(args.regionSize, context.limits)
  const highest = context.limits.highestUserAddress
  if (base === undefined || size === undefined || base > highest || highest - base < size || size === 0)
    return { status: STATUS_INVALID_PARAMETER }
  const handle = captureHandle(args.processHandle, context.limits)
  if (handle === undefined) return { status: STATUS_INVALID_HANDLE }
  const reference = referenceProcess(context, handle, PROCESS_VM_OPERATION, { skipForCurrent: false })
  if (reference.target === undefined) return { status: reference.status }
  const target = reference.target
  const release = () => releaseProcess(context, target)
  // ntmm has no tokens; SeLockMemoryPrivilege is granted to no account by default, so MAP_SYSTEM
  // fails as it does for an ordinary (even elevated) process.
  if ((mapType & MAP_SYSTEM) !== 0) {
    release()
    return { status: STATUS_PRIVILEGE_NOT_HELD }
  }
  const pages: number[] = []
  for (let page = pageDown(base); page <= pageDown(base + size - 1); page += PAGE_SIZE) pages.push(page)
  return { status: STATUS_SUCCESS, pid: target.pid, pages, release }
}

function rounded(pages: readonly number[], status: number): LockVirtualMemoryResult {
  return { status, baseAddress: pages[0]!, regionSize: pages.length * PAGE_SIZE }
}

function failed(args: LockVirtualMemoryArguments, status: number): LockVirtualMemoryResult {
  return { status, baseAddress: args.baseAddress as number, regionSize: args.regionSize as number }
}

/**
 * NtLockVirtualMemory(ProcessHandle, BaseAddress, RegionSize, MapType). STATUS_INVALID_PARAMETER
 * for a MapType other than MAP_PROCESS / MAP_SYSTEM (or both), a base above the highest user
 * address, a range past it, or a zero size; the handle's status; STATUS_PRIVILEGE_NOT_HELD for
 * MAP_SYSTEM; then, page by page from PAGE_ALIGN(BaseAddress) to the page holding the last byte,
 * the page is read in (a failing read's status: STATUS_ACCESS_VIOLATION for a free, reserved or
 * NOACCESS page, STATUS_GUARD_PAGE_VIOLATION once for a guard page) and locked
 * (STATUS_WORKING_SET_QUOTA past the lockable count). STATUS_WAS_LOCKED (a success) when a page
 * was locked already. Under a policy other than 'nt' (no working sets) the checks run and the call
 * answers STATUS_NOT_IMPLEMENTED without touching a page.
 */
export function ntLockVirtualMemory(
  context: ServiceContext,
  args: LockVirtualMemoryArguments,
): LockVirtualMemoryResult {
  const prepared = prepare(context, args)
  if (!('pages' in prepared)) return failed(args, prepared.status)
  try {
    if (context.mm.replacementPolicy !== 'nt') return failed(args, STATUS_NOT_IMPLEMENTED)
    const { pid, pages } = prepared
    let wasLocked = false
    for (const page of pages) {
      const read = context.mm.mmuFor(pid).read(page, 1, { mode: 'user' })
      if (!read.ok) return failed(args, exceptionFor(read.fault, read.response?.status).code)
      if (context.mm.processWorkingSet(pid)?.lockedPages.includes(page)) {
        wasLocked = true
        continue
      }
      const locked = context.mm.lockPages(pid, [page])
      if (locked.status !== STATUS_SUCCESS) return failed(args, locked.status)
    }
    return rounded(pages, wasLocked ? STATUS_WAS_LOCKED : STATUS_SUCCESS)
  } finally {
    prepared.release()
  }
}

/**
 * NtUnlockVirtualMemory(ProcessHandle, BaseAddress, RegionSize, MapType): the same checks as
 * {@link ntLockVirtualMemory}, then STATUS_NOT_LOCKED (nothing unlocked) when a page of the range
 * is not locked; otherwise every page of the rounded range is unlocked. STATUS_NOT_IMPLEMENTED
 * under a policy other than 'nt'.
 */
export function ntUnlockVirtualMemory(
  context: ServiceContext,
  args: LockVirtualMemoryArguments,
): LockVirtualMemoryResult {
  const prepared = prepare(context, args)
  if (!('pages' in prepared)) return failed(args, prepared.status)
  try {
    if (context.mm.replacementPolicy !== 'nt') return failed(args, STATUS_NOT_IMPLEMENTED)
    const unlocked = context.mm.unlockPages(prepared.pid, prepared.pages)
    if (unlocked.status !== STATUS_SUCCESS) return failed(args, unlocked.status)
    return rounded(prepared.pages, STATUS_SUCCESS)
  } finally {
    prepared.release()
  }
}
