// NtQueryVirtualMemory with MemoryBasicInformation: the run of pages starting at the queried page
// that share state and protection inside one allocation, or the free run up to the next allocation.
// Order as Windows: information class, buffer length (before the address, Wine's tests), address
// range, then the process handle (PROCESS_QUERY_INFORMATION; skipped for NtCurrentProcess).
//
// KUSER_SHARED_DATA: Windows gives the shared page a 64 KiB private allocation at 0x7FFE0000 whose
// first page is committed read-only and whose other 15 pages are reserved (ReactOS synthesises the
// same answer, §6.4a). The memory manager maps only the one page, so the services answer the rest
// of the block, 0x7FFE1000..0x7FFEFFFF, as that reserved run (Protect 0, as for every reserved page
// on Windows). Nothing can ever be allocated there: a reservation rounds down onto the shared page.

import { PROCESS_QUERY_INFORMATION } from './accessRights.js'
import { captureHandle, capturePointer, captureUlong } from './captureArguments.js'
import {
  MEM_PRIVATE,
  MEM_RESERVE,
  MM_ALLOCATION_GRANULARITY,
  PAGE_READONLY,
  PAGE_SIZE,
} from './memoryConstants.js'
import type { WorkingSetExInformation } from '@ntmm/mm-core'
import {
  type MemoryWorkingSetInformation,
  MemoryInformationClass,
  userAddressOnly,
  workingSetExAddresses,
  workingSetExBuffer,
  workingSetExEntrySize,
} from './ntQueryWorkingSet.js'
import {
  STATUS_ACCESS_VIOLATION,
  STATUS_INFO_LENGTH_MISMATCH,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_INFO_CLASS,
  STATUS_INVALID_PARAMETER,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { referenceProcess, releaseProcess, type ServiceContext } from './serviceContext.js'
import type { UserAddressLimits } from './userAddressLimits.js'
import type { MemoryBasicInformation } from './virtualMemoryPort.js'

/** MEMORY_INFORMATION_CLASS MemoryBasicInformation (the working-set classes: ntQueryWorkingSet.ts). */
export const MemoryBasicInformationClass = 0

/** sizeof(MEMORY_BASIC_INFORMATION): 28 bytes for 32-bit processes, 48 for 64-bit ones. */
export function memoryBasicInformationSize(limits: UserAddressLimits): number {
  return limits.pointerBits === 32 ? 28 : 48
}

/** The arguments as the caller passed them (class and length default to MBI and its size). */
export interface QueryVirtualMemoryArguments {
  readonly processHandle: number
  readonly baseAddress: number
  readonly memoryInformationClass?: number
  readonly memoryInformationLength?: number
  /**
   * MemoryWorkingSetExInformation: the MEMORY_WORKING_SET_EX_INFORMATION buffer whose entries name
   * the addresses asked (ntQueryWorkingSet.ts); not used by the other classes.
   */
  readonly memoryInformation?: unknown
}

/**
 * The result: `info` is all zeros on failure (and for the working-set classes); `returnLength` is
 * sizeof(MBI) on success. The working-set classes answer in their own field.
 */
export interface QueryVirtualMemoryResult {
  readonly status: number
  readonly info: MemoryBasicInformation
  readonly returnLength: number
  /** MemoryWorkingSetExInformation: each entry's address and its page's attributes. */
  readonly workingSetExInformation?: readonly WorkingSetExInformation[]
  /** MemoryWorkingSetInformation: the working set (only numberOfEntries when the buffer is too small). */
  readonly workingSetInformation?: MemoryWorkingSetInformation
}

const EMPTY_INFO: MemoryBasicInformation = {
  baseAddress: 0,
  allocationBase: 0,
  allocationProtect: 0,
  regionSize: 0,
  state: 0,
  protect: 0,
  type: 0,
}

/** The outcome of the NtQueryVirtualMemory parameter checks: the failing NTSTATUS, or the handle and address to query. */
export type QueryValidation =
  | { readonly ok: false; readonly status: number }
  | { readonly ok: true; readonly handle: number; readonly baseAddress: number }

/**
 * The checks made before the process is referenced, in order:
 *  1. a class other than MemoryBasicInformation        → STATUS_INVALID_INFO_CLASS
 *  2. a length below sizeof(MEMORY_BASIC_INFORMATION)   → STATUS_INFO_LENGTH_MISMATCH
 *  3. an address above MM_HIGHEST_USER_ADDRESS         → STATUS_INVALID_PARAMETER
 */
export function validateQueryVirtualMemory(
  args: QueryVirtualMemoryArguments,
  limits: UserAddressLimits,
): QueryValidation {
  const infoClass = captureUlong(args.memoryInformationClass ?? MemoryBasicInformationClass)
  if (infoClass !== MemoryBasicInformationClass) return { ok: false, status: STATUS_INVALID_INFO_CLASS }
  const length = capturePointer(args.memoryInformationLength ?? memoryBasicInformationSize(limits), limits)
  if (length === undefined || length < memoryBasicInformationSize(limits)) {
    return { ok: false, status: STATUS_INFO_LENGTH_MISMATCH }
  }
  const baseAddress = capturePointer(args.baseAddress, limits)
  if (baseAddress === undefined || baseAddress > limits.highestUserAddress) {
    return { ok: false, status: STATUS_INVALID_PARAMETER }
  }
  return { ok: true, handle: captureHandle(args.processHandle, limits) ?? Number.NaN, baseAddress }
}

/** NtQueryVirtualMemory (MemoryBasicInformation, MemoryWorkingSetInformation, MemoryWorkingSetExInformation). */
export function ntQueryVirtualMemory(
  context: ServiceContext,
  args: QueryVirtualMemoryArguments,
): QueryVirtualMemoryResult {
  const failed = (status: number): QueryVirtualMemoryResult => ({ status, info: EMPTY_INFO, returnLength: 0 })
  const infoClass = captureUlong(args.memoryInformationClass ?? MemoryBasicInformationClass)
  if (
    infoClass === MemoryInformationClass.MemoryWorkingSetExInformation ||
    infoClass === MemoryInformationClass.MemoryWorkingSetInformation
  )
    return queryWorkingSetClass(context, args, infoClass)
  const validation = validateQueryVirtualMemory(args, context.limits)
  if (!validation.ok) return failed(validation.status)
  if (Number.isNaN(validation.handle)) return failed(STATUS_INVALID_HANDLE)
  const reference = referenceProcess(context, validation.handle, PROCESS_QUERY_INFORMATION, {
    skipForCurrent: true,
  })
  if (!reference.target) return failed(reference.status)
  try {
    const pid = reference.target.pid
    const shared = context.limits.sharedUserData
    const page = Math.floor(validation.baseAddress / PAGE_SIZE) * PAGE_SIZE
    if (page > shared && page < shared + MM_ALLOCATION_GRANULARITY && !context.vm.allocationAt(pid, page)) {
      const info: MemoryBasicInformation = {
        baseAddress: page,
        allocationBase: shared,
        allocationProtect: PAGE_READONLY,
        regionSize: shared + MM_ALLOCATION_GRANULARITY - page,
        state: MEM_RESERVE,
        protect: 0,
        type: MEM_PRIVATE,
      }
      return { status: STATUS_SUCCESS, info, returnLength: memoryBasicInformationSize(context.limits) }
    }
    const info = context.vm.query(pid, validation.baseAddress)
    return { status: STATUS_SUCCESS, info, returnLength: memoryBasicInformationSize(context.limits) }
  } finally {
    releaseProcess(context, reference.target)
  }
}

/**
 * The working-set classes (ntQueryWorkingSet.ts), checked in order: the length (below one entry,
 * or below NumberOfEntries → STATUS_INFO_LENGTH_MISMATCH), the buffer (fewer entries than the
 * length says → STATUS_ACCESS_VIOLATION, as the probe of a short buffer fails), then the process
 * handle (PROCESS_QUERY_INFORMATION; skipped for NtCurrentProcess).
 */
function queryWorkingSetClass(
  context: ServiceContext,
  args: QueryVirtualMemoryArguments,
  infoClass: 1 | 4,
): QueryVirtualMemoryResult {
  const failed = (status: number): QueryVirtualMemoryResult => ({ status, info: EMPTY_INFO, returnLength: 0 })
  const limits = context.limits
  const length = capturePointer(args.memoryInformationLength ?? 0, limits)
  const ex = infoClass === MemoryInformationClass.MemoryWorkingSetExInformation
  const entrySize = ex ? workingSetExEntrySize(limits) : limits.pointerBits / 8
  if (length === undefined || length < entrySize) return failed(STATUS_INFO_LENGTH_MISMATCH)
  const count = Math.floor(length / entrySize)
  const buffer = ex ? workingSetExBuffer(args.memoryInformation, limits) : undefined
  if (ex && (buffer === undefined || buffer.length < count * entrySize))
    return failed(STATUS_ACCESS_VIOLATION)
  const handle = captureHandle(args.processHandle, limits)
  if (handle === undefined) return failed(STATUS_INVALID_HANDLE)
  const reference = referenceProcess(context, handle, PROCESS_QUERY_INFORMATION, { skipForCurrent: true })
  if (!reference.target) return failed(reference.status)
  try {
    const pid = reference.target.pid
    if (ex) {
      const addresses = workingSetExAddresses(buffer!, count, limits)
      const entries = userAddressOnly(addresses, limits, (inside) =>
        context.mm.queryWorkingSetEx(pid, inside),
      )
      // 64-bit Windows answers the length given; a 32-bit process gets the entries' bytes.
      const returnLength = limits.pointerBits === 64 ? length : count * entrySize
      return { status: STATUS_SUCCESS, info: EMPTY_INFO, returnLength, workingSetExInformation: entries }
    }
    const entries = context.mm.queryWorkingSet(pid)
    const needed = (entries.length + 1) * entrySize
    if (length < needed)
      return {
        status: STATUS_INFO_LENGTH_MISMATCH,
        info: EMPTY_INFO,
        returnLength: 0,
        workingSetInformation: { numberOfEntries: entries.length, workingSetInfo: [] },
      }
    return {
      status: STATUS_SUCCESS,
      info: EMPTY_INFO,
      returnLength: needed,
      workingSetInformation: { numberOfEntries: entries.length, workingSetInfo: entries },
    }
  } finally {
    releaseProcess(context, reference.target)
  }
}
