// NtProtectVirtualMemory: change the protection of committed pages of one allocation. Checks in
// Windows' order (ReactOS ARM3 virtual.c / MiProtectVirtualMemory; Wine's tests for OldProtect).
// OldProtect is the protection of the FIRST page; on any failure Windows writes PAGE_NOACCESS
// there and leaves base and size as the caller passed them.

import { makeProtectionMask } from '@ntmm/mm-core'
import { PROCESS_VM_OPERATION } from './accessRights.js'
import { STATUS_SECTION_PROTECTION } from './sectionConstants.js'
import { isCompatibleProtection } from './sectionProtection.js'
import { pageRange } from './addressArithmetic.js'
import { captureHandle, capturePointer, captureUlong } from './captureArguments.js'
import {
  MEM_COMMIT,
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_NOCACHE,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import {
  STATUS_CONFLICTING_ADDRESSES,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PAGE_PROTECTION,
  STATUS_INVALID_PARAMETER_2,
  STATUS_INVALID_PARAMETER_3,
  STATUS_INVALID_PARAMETER_4,
  STATUS_NOT_COMMITTED,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { referenceProcess, releaseProcess, type ServiceContext } from './serviceContext.js'
import type { UserAddressLimits } from './userAddressLimits.js'

/** The arguments as the caller passed them. */
export interface ProtectVirtualMemoryArguments {
  readonly processHandle: number
  readonly baseAddress: number
  readonly regionSize: number
  readonly newProtect: number
}

/** The result; `oldProtect` is PAGE_NOACCESS on failure. */
export interface ProtectVirtualMemoryResult {
  readonly status: number
  readonly baseAddress: number
  readonly regionSize: number
  readonly oldProtect: number
}

export interface ValidProtectRequest {
  readonly handle: number
  readonly baseAddress: number
  readonly regionSize: number
  readonly newProtect: number
}

/** The outcome of the NtProtectVirtualMemory parameter checks: the failing NTSTATUS, or the validated request. */
export type ProtectValidation =
  | { readonly ok: false; readonly status: number }
  | { readonly ok: true; readonly request: ValidProtectRequest }

const BASE_PROTECTIONS: ReadonlySet<number> = new Set([
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
])

/**
 * The checks made before the process is referenced, in order:
 *  1. NewProtect without GUARD/NOCACHE must be exactly one base protection → STATUS_INVALID_PAGE_PROTECTION
 *  2. BaseAddress above MM_HIGHEST_USER_ADDRESS                           → STATUS_INVALID_PARAMETER_2
 *  3. RegionSize past MmUserProbeAddress, or 0                           → STATUS_INVALID_PARAMETER_3
 */
export function validateProtectVirtualMemory(
  args: ProtectVirtualMemoryArguments,
  limits: UserAddressLimits,
): ProtectValidation {
  const fail = (status: number): ProtectValidation => ({ ok: false, status })
  const newProtect = captureUlong(args.newProtect)
  if (newProtect === undefined || !BASE_PROTECTIONS.has((newProtect & ~(PAGE_GUARD | PAGE_NOCACHE)) >>> 0)) {
    return fail(STATUS_INVALID_PAGE_PROTECTION)
  }
  const baseAddress = capturePointer(args.baseAddress, limits)
  if (baseAddress === undefined || baseAddress > limits.highestUserAddress)
    return fail(STATUS_INVALID_PARAMETER_2)
  const regionSize = capturePointer(args.regionSize, limits)
  if (regionSize === undefined || limits.userProbeAddress - baseAddress < regionSize) {
    return fail(STATUS_INVALID_PARAMETER_3)
  }
  if (regionSize === 0) return fail(STATUS_INVALID_PARAMETER_3)
  const handle = captureHandle(args.processHandle, limits) ?? Number.NaN
  return { ok: true, request: { handle, baseAddress, regionSize, newProtect } }
}

/** On an image view READWRITE is asked as WRITECOPY, EXECUTE_READWRITE as EXECUTE_WRITECOPY (§15.6). */
function imageRequest(protect: number, kind: 'pagefile' | 'file' | 'image'): number {
  if (kind !== 'image') return protect
  const base = protect & 0xff
  if (base === PAGE_READWRITE) return (protect & ~0xff) | PAGE_WRITECOPY
  if (base === PAGE_EXECUTE_READWRITE) return (protect & ~0xff) | PAGE_EXECUTE_WRITECOPY
  return protect
}

/** NtProtectVirtualMemory (see the module comment). */
export function ntProtectVirtualMemory(
  context: ServiceContext,
  args: ProtectVirtualMemoryArguments,
): ProtectVirtualMemoryResult {
  const failed = (status: number): ProtectVirtualMemoryResult => ({
    status,
    baseAddress: args.baseAddress,
    regionSize: args.regionSize,
    oldProtect: PAGE_NOACCESS,
  })
  const validation = validateProtectVirtualMemory(args, context.limits)
  if (!validation.ok) return failed(validation.status)
  const { handle, baseAddress, regionSize, newProtect } = validation.request
  if (Number.isNaN(handle)) return failed(STATUS_INVALID_HANDLE)
  // NtProtectVirtualMemory references the process even for NtCurrentProcess.
  const reference = referenceProcess(context, handle, PROCESS_VM_OPERATION, { skipForCurrent: false })
  if (!reference.target) return failed(reference.status)
  const target = reference.target
  try {
    const mask = makeProtectionMask(newProtect)
    if (mask === undefined) return failed(STATUS_INVALID_PAGE_PROTECTION)
    const range = pageRange(baseAddress, regionSize)
    const allocation = context.vm.allocationOverlapping(target.pid, range.start, range.size)
    if (!allocation) return failed(STATUS_CONFLICTING_ADDRESSES)
    if (range.start < allocation.base || range.start + range.size > allocation.base + allocation.size) {
      return failed(STATUS_CONFLICTING_ADDRESSES)
    }
    if (allocation.sectionKind !== undefined) {
      // A view (NT-SECTIONS §7.4): the new protection must be compatible with the view's
      // AllocationProtect (an image's READWRITE asks for WRITECOPY), checked before commitment.
      if (
        !isCompatibleProtection(
          imageRequest(newProtect, allocation.sectionKind),
          allocation.allocationProtect,
        )
      )
        return failed(STATUS_SECTION_PROTECTION)
    } else {
      if (!allocation.isPrivate) return failed(STATUS_CONFLICTING_ADDRESSES)
      if ((mask & 7) === 5 || (mask & 7) === 7) return failed(STATUS_INVALID_PARAMETER_4)
    }

    // MiIsEntireRangeCommitted, walking the runs of equal state; the first run gives OldProtect.
    // NT skips the check in a view of a data file ("no sparse file maps"), so the reserved pages
    // of a MEM_RESERVE view past its section take the protection too (theirs once the section
    // grows); such a first page reports the view's map protection as OldProtect [unverified].
    const fileView = allocation.sectionKind === 'file'
    let oldProtect: number | undefined
    for (let address = range.start; address < range.start + range.size; ) {
      const info = context.vm.query(target.pid, address)
      if (info.state !== MEM_COMMIT && !fileView) return failed(STATUS_NOT_COMMITTED)
      oldProtect ??= info.state === MEM_COMMIT ? info.protect : allocation.allocationProtect
      address = info.baseAddress + info.regionSize
    }
    // PAGE_NOCACHE follows the allocation: kept when it was allocated so, dropped otherwise.
    const effective = ((newProtect & ~PAGE_NOCACHE) | (allocation.allocationProtect & PAGE_NOCACHE)) >>> 0
    const result = context.vm.alterRegion(
      target.pid,
      allocation.base,
      range.start,
      range.size,
      MEM_COMMIT,
      effective,
    )
    if (result.status !== STATUS_SUCCESS) return failed(result.status)
    return {
      status: STATUS_SUCCESS,
      baseAddress: range.start,
      regionSize: range.size,
      oldProtect: oldProtect ?? PAGE_NOACCESS,
    }
  } finally {
    releaseProcess(context, target)
  }
}
