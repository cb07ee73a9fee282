// NtFreeVirtualMemory: MEM_DECOMMIT or MEM_RELEASE a range of private memory. Checks in Windows'
// order (ReactOS ARM3 virtual.c; Wine's tests for the out-values), then the four release cases of
// a range relative to its allocation:
//
//   allocation  [=========================]
//   D (whole)   [=========================]   the allocation goes
//   A (front)   [=======]                     the allocation now starts after the range
//   C (back)                      [=======]   the allocation now ends before the range
//   B (middle)          [=======]             split: two allocations, each with its own base
//
// Size 0 means "the whole allocation" and needs the base to be in the allocation's first page.
//
// Placeholders (NtAllocateVirtualMemoryEx) are not simulated, but the two placeholder free types
// are recognised so that they fail as Windows fails them on ordinary memory (Wine's ntdll tests,
// run on Windows): size 0 → STATUS_INVALID_PARAMETER_3; a range of an allocation that is not a
// placeholder → STATUS_CONFLICTING_ADDRESSES.

import { PROCESS_VM_OPERATION } from './accessRights.js'
import { pageDown, pageRange } from './addressArithmetic.js'
import { captureHandle, capturePointer, captureUlong } from './captureArguments.js'
import { MEM_DECOMMIT, MEM_RELEASE, MEM_RESERVE, PAGE_NOACCESS } from './memoryConstants.js'
import {
  STATUS_CONFLICTING_ADDRESSES,
  STATUS_FREE_VM_NOT_AT_BASE,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER_2,
  STATUS_INVALID_PARAMETER_3,
  STATUS_INVALID_PARAMETER_4,
  STATUS_MEMORY_NOT_ALLOCATED,
  STATUS_SUCCESS,
  STATUS_UNABLE_TO_DELETE_SECTION,
  STATUS_UNABLE_TO_FREE_VM,
} from './ntStatus.js'
import { referenceProcess, releaseProcess, type ServiceContext } from './serviceContext.js'
import type { UserAddressLimits } from './userAddressLimits.js'

/** MEM_COALESCE_PLACEHOLDERS: with MEM_RELEASE, merge adjacent free placeholders. */
export const MEM_COALESCE_PLACEHOLDERS = 0x1
/** MEM_PRESERVE_PLACEHOLDER: with MEM_RELEASE, turn a range of a placeholder into its own placeholder. */
export const MEM_PRESERVE_PLACEHOLDER = 0x2
const PLACEHOLDER_FREE_TYPES: ReadonlySet<number> = new Set([
  MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS,
  MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER,
])

/** The arguments as the caller passed them. */
export interface FreeVirtualMemoryArguments {
  readonly processHandle: number
  readonly baseAddress: number
  readonly regionSize: number
  readonly freeType: number
}

/** The result: rounded base and size on success, the caller's values on failure. */
export interface FreeVirtualMemoryResult {
  readonly status: number
  readonly baseAddress: number
  readonly regionSize: number
}

/** Arguments that passed the checks made before the process is referenced. */
export interface ValidFreeRequest {
  readonly handle: number
  readonly baseAddress: number
  readonly regionSize: number
  /** MEM_DECOMMIT, MEM_RELEASE, or MEM_RELEASE with one placeholder flag. */
  readonly freeType: number
}

/** The outcome of the NtFreeVirtualMemory parameter checks: the failing NTSTATUS, or the validated request. */
export type FreeValidation =
  | { readonly ok: false; readonly status: number }
  | { readonly ok: true; readonly request: ValidFreeRequest }

/**
 * The checks made before the process is referenced, in order:
 *  1. FreeType exactly MEM_DECOMMIT or exactly MEM_RELEASE   → STATUS_INVALID_PARAMETER_4
 *     (MEM_RELEASE|MEM_PRESERVE_PLACEHOLDER or |MEM_COALESCE_PLACEHOLDERS pass; with size 0 → _3)
 *  2. BaseAddress at or above MM_HIGHEST_USER_ADDRESS        → STATUS_INVALID_PARAMETER_2
 *  3. RegionSize running past MM_HIGHEST_USER_ADDRESS        → STATUS_INVALID_PARAMETER_3
 */
export function validateFreeVirtualMemory(
  args: FreeVirtualMemoryArguments,
  limits: UserAddressLimits,
): FreeValidation {
  const fail = (status: number): FreeValidation => ({ ok: false, status })
  const freeType = captureUlong(args.freeType)
  const placeholder = freeType !== undefined && PLACEHOLDER_FREE_TYPES.has(freeType)
  if (freeType === undefined || (freeType !== MEM_DECOMMIT && freeType !== MEM_RELEASE && !placeholder))
    return fail(STATUS_INVALID_PARAMETER_4)
  if (placeholder && capturePointer(args.regionSize, limits) === 0) return fail(STATUS_INVALID_PARAMETER_3)
  const baseAddress = capturePointer(args.baseAddress, limits)
  if (baseAddress === undefined || baseAddress >= limits.highestUserAddress)
    return fail(STATUS_INVALID_PARAMETER_2)
  const regionSize = capturePointer(args.regionSize, limits)
  if (regionSize === undefined || limits.highestUserAddress - baseAddress < regionSize) {
    return fail(STATUS_INVALID_PARAMETER_3)
  }
  const handle = captureHandle(args.processHandle, limits) ?? Number.NaN
  return { ok: true, request: { handle, baseAddress, regionSize, freeType } }
}

/** NtFreeVirtualMemory (see the module comment). */
export function ntFreeVirtualMemory(
  context: ServiceContext,
  args: FreeVirtualMemoryArguments,
): FreeVirtualMemoryResult {
  const failed = (status: number): FreeVirtualMemoryResult => ({
    status,
    baseAddress: args.baseAddress,
    regionSize: args.regionSize,
  })
  const validation = validateFreeVirtualMemory(args, context.limits)
  if (!validation.ok) return failed(validation.status)
  const { handle, baseAddress, regionSize, freeType } = validation.request
  if (Number.isNaN(handle)) return failed(STATUS_INVALID_HANDLE)
  const reference = referenceProcess(context, handle, PROCESS_VM_OPERATION, { skipForCurrent: true })
  if (!reference.target) return failed(reference.status)
  const target = reference.target
  try {
    const start = pageDown(baseAddress)
    const allocation = context.vm.allocationAt(target.pid, start)
    if (!allocation) return failed(STATUS_MEMORY_NOT_ALLOCATED)
    // No allocation of the simulator is a placeholder.
    if (freeType !== MEM_DECOMMIT && freeType !== MEM_RELEASE) return failed(STATUS_CONFLICTING_ADDRESSES)
    const allocationEnd = allocation.base + allocation.size
    let range: { start: number; size: number }
    if (regionSize === 0) {
      if (start !== allocation.base) return failed(STATUS_FREE_VM_NOT_AT_BASE)
      range = { start, size: allocation.size }
    } else {
      range = pageRange(baseAddress, regionSize)
      if (range.start + range.size > allocationEnd) return failed(STATUS_UNABLE_TO_FREE_VM)
    }
    if (!allocation.isPrivate) return failed(STATUS_UNABLE_TO_DELETE_SECTION)

    if (freeType === MEM_RELEASE) {
      const result = context.vm.releaseRange(target.pid, allocation.base, range.start, range.size)
      if (result.status !== STATUS_SUCCESS) return failed(result.status)
      return { status: STATUS_SUCCESS, baseAddress: range.start, regionSize: range.size }
    }
    const result = context.vm.alterRegion(
      target.pid,
      allocation.base,
      range.start,
      range.size,
      MEM_RESERVE,
      PAGE_NOACCESS,
    )
    if (result.status !== STATUS_SUCCESS) return failed(result.status)
    // Windows 10 1803 and later report size 0 for a whole-allocation decommit (size 0 passed).
    return { status: STATUS_SUCCESS, baseAddress: range.start, regionSize: regionSize === 0 ? 0 : range.size }
  } finally {
    releaseProcess(context, target)
  }
}
