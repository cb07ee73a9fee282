// NtAllocateVirtualMemory: reserve and/or commit private memory (the source article's service).
// Parameter checks in Windows' order (ReactOS ARM3 virtual.c, with the Windows differences of
// NT-SEMANTICS.md), then the path of the article: reference the process by handle with
// PROCESS_VM_OPERATION, lock its address space, locate or create the memory area, alter its
// regions. MEM_COMMIT maps nothing: pages appear on first touch (demand-zero faults).

import { PROCESS_VM_OPERATION } from './accessRights.js'
import { granularityDown, pageRange, pageUp } from './addressArithmetic.js'
import { captureHandle, capturePointer, captureUlong } from './captureArguments.js'
import { makeProtectionMask } from '@ntmm/mm-core'
import {
  MEM_COMMIT,
  MEM_LARGE_PAGES,
  MEM_PHYSICAL,
  MEM_RESERVE,
  MEM_RESET,
  MEM_RESET_UNDO,
  MEM_TOP_DOWN,
  MEM_WRITE_WATCH,
  PAGE_NOCACHE,
  PAGE_READWRITE,
} from './memoryConstants.js'
import { STATUS_SECTION_PROTECTION } from './sectionConstants.js'
import { isCompatibleProtection } from './sectionProtection.js'
import {
  STATUS_ALREADY_COMMITTED,
  STATUS_CONFLICTING_ADDRESSES,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PAGE_PROTECTION,
  STATUS_INVALID_PARAMETER,
  STATUS_INVALID_PARAMETER_2,
  STATUS_INVALID_PARAMETER_3,
  STATUS_INVALID_PARAMETER_4,
  STATUS_INVALID_PARAMETER_5,
  STATUS_INVALID_PARAMETER_6,
  STATUS_NO_MEMORY,
  STATUS_PRIVILEGE_NOT_HELD,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { referenceProcess, releaseProcess, type ServiceContext } from './serviceContext.js'
import type { UserAddressLimits } from './userAddressLimits.js'

/** The arguments as the caller passed them (any JavaScript value may arrive). */
export interface AllocateVirtualMemoryArguments {
  readonly processHandle: number
  readonly baseAddress: number
  readonly zeroBits: number
  readonly regionSize: number
  readonly allocationType: number
  readonly protect: number
}

/** The result: rounded base and size on success, the caller's own values on failure. */
export interface AllocateVirtualMemoryResult {
  readonly status: number
  readonly baseAddress: number
  readonly regionSize: number
}

/** Arguments that passed every check made before the process is referenced. */
export interface ValidAllocateRequest {
  readonly handle: number
  readonly baseAddress: number
  readonly regionSize: number
  readonly allocationType: number
  readonly protect: number
  readonly protectionMask: number
  /** The highest address the allocation may end at, from ZeroBits (inclusive). */
  readonly zeroBitsLimit: number
}

/** Either the first failing status, or the captured request. */
export type AllocateValidation =
  | { readonly ok: false; readonly status: number }
  | { readonly ok: true; readonly request: ValidAllocateRequest }

const VALID_ALLOCATION_TYPES =
  MEM_COMMIT |
  MEM_RESERVE |
  MEM_RESET |
  MEM_RESET_UNDO |
  MEM_PHYSICAL |
  MEM_TOP_DOWN |
  MEM_WRITE_WATCH |
  MEM_LARGE_PAGES
const NO_LIMIT = Number.POSITIVE_INFINITY

/**
 * MEM_RESERVE_PLACEHOLDER (the MEM_MAPPED bit): valid only for NtAllocateVirtualMemoryEx. Windows
 * rejects it in NtAllocateVirtualMemory with plain STATUS_INVALID_PARAMETER (Wine's ntdll tests,
 * run on Windows), not the numbered _5 the other unknown type bits get.
 */
export const MEM_RESERVE_PLACEHOLDER = 0x40000

/**
 * The ZeroBits rule. x86 (32-bit processes): 0 = no constraint, 1..21 = the allocation must end
 * below 2^(32 - ZeroBits) (ZeroBits 1 is accepted, unlike ReactOS), anything larger is
 * STATUS_INVALID_PARAMETER_3. x64: the same counts (counted from bit 31), 22..31 invalid, and
 * values of 32 or more are a mask of which only the highest set bit matters (Wine's rule: 33..0xFFFE
 * are rejected). Returns the highest allowed address, or undefined for STATUS_INVALID_PARAMETER_3.
 */
export function zeroBitsLimit(zeroBits: number, limits: UserAddressLimits): number | undefined {
  if (zeroBits === 0) return NO_LIMIT
  if (zeroBits <= limits.maxZeroBits) return 2 ** (32 - zeroBits) - 1
  if (limits.pointerBits === 32 || zeroBits < 32) return undefined
  if (zeroBits > 32 && zeroBits < 0xffff) return undefined
  if (zeroBits >= 2 ** 53) return NO_LIMIT
  const bitLength = Math.floor(Math.log2(zeroBits)) + 1
  return 2 ** bitLength - 1
}

/**
 * The checks NtAllocateVirtualMemory makes before it references the process, in Windows' order:
 *  1. ZeroBits                                → STATUS_INVALID_PARAMETER_3
 *  2. AllocationType bits and combinations    → STATUS_INVALID_PARAMETER_5
 *     (MEM_RESERVE_PLACEHOLDER, an NtAllocateVirtualMemoryEx-only bit → STATUS_INVALID_PARAMETER)
 *     (MEM_PHYSICAL with a protection other than PAGE_READWRITE → STATUS_INVALID_PARAMETER_6)
 *  3. Protect (MiMakeProtectionMask)          → STATUS_INVALID_PAGE_PROTECTION
 *  4. BaseAddress above MM_HIGHEST_VAD_ADDRESS, or non-zero below 0x10000 → STATUS_INVALID_PARAMETER_2
 *  5. RegionSize running past the VAD limit, or 0 → STATUS_INVALID_PARAMETER_4
 */
export function validateAllocateVirtualMemory(
  args: AllocateVirtualMemoryArguments,
  limits: UserAddressLimits,
): AllocateValidation {
  const fail = (status: number): AllocateValidation => ({ ok: false, status })
  const zeroBits = capturePointer(args.zeroBits, limits)
  if (zeroBits === undefined) return fail(STATUS_INVALID_PARAMETER_3)
  const limit = zeroBitsLimit(zeroBits, limits)
  if (limit === undefined) return fail(STATUS_INVALID_PARAMETER_3)

  const type = captureUlong(args.allocationType)
  if (type === undefined) return fail(STATUS_INVALID_PARAMETER_5)
  if (type & MEM_RESERVE_PLACEHOLDER) return fail(STATUS_INVALID_PARAMETER)
  if ((type & ~VALID_ALLOCATION_TYPES) !== 0) return fail(STATUS_INVALID_PARAMETER_5)
  if ((type & (MEM_COMMIT | MEM_RESERVE | MEM_RESET | MEM_RESET_UNDO)) === 0)
    return fail(STATUS_INVALID_PARAMETER_5)
  if (type & MEM_RESET && type !== MEM_RESET) return fail(STATUS_INVALID_PARAMETER_5)
  if (type & MEM_RESET_UNDO && type !== MEM_RESET_UNDO) return fail(STATUS_INVALID_PARAMETER_5)
  if (type & MEM_LARGE_PAGES) {
    if (!(type & MEM_COMMIT)) return fail(STATUS_INVALID_PARAMETER_5)
    if (type & (MEM_PHYSICAL | MEM_WRITE_WATCH)) return fail(STATUS_INVALID_PARAMETER_5)
  }
  if (type & MEM_WRITE_WATCH && !(type & MEM_RESERVE)) return fail(STATUS_INVALID_PARAMETER_5)
  const protect = captureUlong(args.protect)
  if (type & MEM_PHYSICAL) {
    if (!(type & MEM_RESERVE)) return fail(STATUS_INVALID_PARAMETER_5)
    if ((type & ~(MEM_RESERVE | MEM_TOP_DOWN | MEM_PHYSICAL)) !== 0) return fail(STATUS_INVALID_PARAMETER_5)
    if (protect !== PAGE_READWRITE) return fail(STATUS_INVALID_PARAMETER_6)
  }

  if (protect === undefined) return fail(STATUS_INVALID_PAGE_PROTECTION)
  const protectionMask = makeProtectionMask(protect)
  if (protectionMask === undefined) return fail(STATUS_INVALID_PAGE_PROTECTION)

  const baseAddress = capturePointer(args.baseAddress, limits)
  if (baseAddress === undefined) return fail(STATUS_INVALID_PARAMETER_2)
  if (baseAddress > limits.highestVadAddress) return fail(STATUS_INVALID_PARAMETER_2)
  if (baseAddress !== 0 && baseAddress < limits.lowestUserAddress) return fail(STATUS_INVALID_PARAMETER_2)

  const regionSize = capturePointer(args.regionSize, limits)
  if (regionSize === undefined) return fail(STATUS_INVALID_PARAMETER_4)
  if (limits.highestVadAddress + 1 - baseAddress < regionSize) return fail(STATUS_INVALID_PARAMETER_4)
  if (regionSize === 0) return fail(STATUS_INVALID_PARAMETER_4)

  const handle = captureHandle(args.processHandle, limits)
  return {
    ok: true,
    request: {
      handle: handle ?? Number.NaN,
      baseAddress,
      regionSize,
      allocationType: type,
      protect,
      protectionMask,
      zeroBitsLimit: limit,
    },
  }
}

/** WRITECOPY and EXECUTE_WRITECOPY (access 5 and 7): never valid for private memory. */
function isWriteCopy(mask: number): boolean {
  return (mask & 7) === 5 || (mask & 7) === 7
}

/** NtAllocateVirtualMemory (see the module comment and {@link validateAllocateVirtualMemory}). */
export function ntAllocateVirtualMemory(
  context: ServiceContext,
  args: AllocateVirtualMemoryArguments,
): AllocateVirtualMemoryResult {
  const failed = (status: number): AllocateVirtualMemoryResult => ({
    status,
    baseAddress: args.baseAddress,
    regionSize: args.regionSize,
  })
  const validation = validateAllocateVirtualMemory(args, context.limits)
  if (!validation.ok) return failed(validation.status)
  const request = validation.request
  if (Number.isNaN(request.handle)) return failed(STATUS_INVALID_HANDLE)

  const reference = referenceProcess(context, request.handle, PROCESS_VM_OPERATION, { skipForCurrent: true })
  if (!reference.target) return failed(reference.status)
  const target = reference.target
  try {
    const type = request.allocationType
    if (type & MEM_LARGE_PAGES) return failed(STATUS_PRIVILEGE_NOT_HELD)
    if (type & MEM_PHYSICAL) return failed(STATUS_INVALID_PARAMETER)
    const { baseAddress, regionSize, protect, protectionMask } = request

    if (baseAddress === 0 || type & MEM_RESERVE) {
      // Reserve path (also MEM_COMMIT or MEM_RESET alone with a NULL base).
      if (isWriteCopy(protectionMask)) return failed(STATUS_INVALID_PAGE_PROTECTION)
      let base: number | undefined
      let size: number
      if (baseAddress === 0) {
        size = pageUp(regionSize)
      } else {
        base = granularityDown(baseAddress)
        size = pageUp(baseAddress + regionSize) - base
      }
      const highestAddress = Math.min(request.zeroBitsLimit, context.limits.highestVadAddress)
      if (base === undefined && highestAddress < context.limits.lowestUserAddress)
        return failed(STATUS_NO_MEMORY)
      const result = context.vm.createMemoryArea(target.pid, {
        base,
        size,
        topDown: (type & MEM_TOP_DOWN) !== 0,
        highestAddress: base === undefined ? highestAddress : context.limits.highestVadAddress,
        protect,
        commit: (type & MEM_COMMIT) !== 0,
        writeWatch: (type & MEM_WRITE_WATCH) !== 0,
      })
      if (result.status !== STATUS_SUCCESS || result.base === undefined) return failed(result.status)
      return { status: STATUS_SUCCESS, baseAddress: result.base, regionSize: result.size ?? size }
    }

    // Commit path: page rounding only, the whole range inside one reservation.
    const range = pageRange(baseAddress, regionSize)
    const allocation = context.vm.allocationOverlapping(target.pid, range.start, range.size)
    if (!allocation) return failed(STATUS_CONFLICTING_ADDRESSES)
    if (range.start < allocation.base || range.start + range.size > allocation.base + allocation.size) {
      return failed(STATUS_CONFLICTING_ADDRESSES)
    }
    const view = allocation.sectionKind
    if (!allocation.isPrivate && view === undefined) return failed(STATUS_CONFLICTING_ADDRESSES)
    if (type === MEM_RESET || type === MEM_RESET_UNDO) {
      // The data may be discarded or kept (Windows documents both); the simulator keeps it, and
      // state and protection are untouched. Protect was validated but is otherwise ignored.
      return { status: STATUS_SUCCESS, baseAddress: range.start, regionSize: range.size }
    }
    // Inside a view (NT-SECTIONS §8): a file or image view is committed already; a pagefile view
    // commits in its segment with a protection compatible with the view's (STATUS_SECTION_PROTECTION
    // is the rules' recommended status: Windows' exact NTSTATUS is not pinned).
    if (view === 'file' || view === 'image') return failed(STATUS_ALREADY_COMMITTED)
    if (view !== undefined && !isCompatibleProtection(protect, allocation.allocationProtect))
      return failed(STATUS_SECTION_PROTECTION)
    if (view === undefined && isWriteCopy(protectionMask)) return failed(STATUS_INVALID_PAGE_PROTECTION)
    // An allocation made with PAGE_NOCACHE keeps it on every later protection (Windows).
    const effectiveProtect = protect | (allocation.allocationProtect & PAGE_NOCACHE)
    const result = context.vm.alterRegion(
      target.pid,
      allocation.base,
      range.start,
      range.size,
      MEM_COMMIT,
      effectiveProtect,
    )
    if (result.status !== STATUS_SUCCESS) return failed(result.status)
    return { status: STATUS_SUCCESS, baseAddress: range.start, regionSize: range.size }
  } finally {
    releaseProcess(context, target)
  }
}
