// NtGetWriteWatch / NtResetWriteWatch: the pages written since the last reset inside a
// MEM_WRITE_WATCH allocation. Order: Flags (only WRITE_WATCH_FLAG_RESET) → STATUS_INVALID_PARAMETER_2,
// BaseAddress above MM_HIGHEST_VAD_ADDRESS → _3, a range past it → _4 (ReactOS); then a size or an
// entry count of 0 → STATUS_INVALID_PARAMETER, the handle (PROCESS_VM_OPERATION; skipped for
// NtCurrentProcess), and a range that is not inside one write-watch allocation → STATUS_INVALID_PARAMETER
// (Wine's tests). Granularity is always PAGE_SIZE. Addresses come back in ascending order, at most
// the count asked for; WRITE_WATCH_FLAG_RESET resets only the pages scanned.

import { PROCESS_VM_OPERATION } from './accessRights.js'
import { pageRange } from './addressArithmetic.js'
import { captureHandle, capturePointer, captureUlong } from './captureArguments.js'
import { PAGE_SIZE, WRITE_WATCH_FLAG_RESET } from './memoryConstants.js'
import {
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_INVALID_PARAMETER_2,
  STATUS_INVALID_PARAMETER_3,
  STATUS_INVALID_PARAMETER_4,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { referenceProcess, releaseProcess, type ServiceContext } from './serviceContext.js'
import type { AllocationView } from './virtualMemoryPort.js'

/** The result of NtGetWriteWatch. */
export interface GetWriteWatchResult {
  readonly status: number
  readonly addresses: readonly number[]
  readonly granularity: number
}

function captureWatchRange(
  context: ServiceContext,
  baseAddress: unknown,
  regionSize: unknown,
): { status: number } | { status: typeof STATUS_SUCCESS; base: number; size: number } {
  const base = capturePointer(baseAddress, context.limits)
  if (base === undefined || base > context.limits.highestVadAddress)
    return { status: STATUS_INVALID_PARAMETER_3 }
  const size = capturePointer(regionSize, context.limits)
  if (size === undefined || context.limits.highestVadAddress + 1 - base < size)
    return { status: STATUS_INVALID_PARAMETER_4 }
  return { status: STATUS_SUCCESS, base, size }
}

function watchedAllocation(
  context: ServiceContext,
  pid: number,
  start: number,
  size: number,
): AllocationView | undefined {
  const allocation = context.vm.allocationAt(pid, start)
  if (!allocation?.writeWatch) return undefined
  return start + size <= allocation.base + allocation.size ? allocation : undefined
}

/** NtGetWriteWatch(ProcessHandle, Flags, BaseAddress, RegionSize, EntriesInUserAddressArray). */
export function ntGetWriteWatch(
  context: ServiceContext,
  args: {
    readonly processHandle: number
    readonly flags: number
    readonly baseAddress: number
    readonly regionSize: number
    readonly entries: number
  },
): GetWriteWatchResult {
  const fail = (status: number): GetWriteWatchResult => ({ status, addresses: [], granularity: 0 })
  const flags = captureUlong(args.flags)
  if (flags === undefined || (flags & ~WRITE_WATCH_FLAG_RESET) !== 0) return fail(STATUS_INVALID_PARAMETER_2)
  const range = captureWatchRange(context, args.baseAddress, args.regionSize)
  if (!('base' in range)) return fail(range.status)
  const entries = capturePointer(args.entries, context.limits)
  if (range.size === 0 || entries === undefined || entries === 0) return fail(STATUS_INVALID_PARAMETER)
  const handle = captureHandle(args.processHandle, context.limits)
  if (handle === undefined) return fail(STATUS_INVALID_HANDLE)
  const reference = referenceProcess(context, handle, PROCESS_VM_OPERATION, { skipForCurrent: true })
  if (!reference.target) return fail(reference.status)
  try {
    const pages = pageRange(range.base, range.size)
    const allocation = watchedAllocation(context, reference.target.pid, pages.start, pages.size)
    if (!allocation) return fail(STATUS_INVALID_PARAMETER)
    const addresses = context.vm.writeWatch(reference.target.pid, allocation.base, pages.start, pages.size, {
      reset: (flags & WRITE_WATCH_FLAG_RESET) !== 0,
      limit: entries,
    })
    return { status: STATUS_SUCCESS, addresses, granularity: PAGE_SIZE }
  } finally {
    releaseProcess(context, reference.target)
  }
}

/** NtResetWriteWatch(ProcessHandle, BaseAddress, RegionSize). */
export function ntResetWriteWatch(
  context: ServiceContext,
  args: { readonly processHandle: number; readonly baseAddress: number; readonly regionSize: number },
): { readonly status: number } {
  const range = captureWatchRange(context, args.baseAddress, args.regionSize)
  if (!('base' in range))
    return {
      status:
        range.status === STATUS_INVALID_PARAMETER_3 ? STATUS_INVALID_PARAMETER_2 : STATUS_INVALID_PARAMETER_3,
    }
  if (range.size === 0) return { status: STATUS_INVALID_PARAMETER }
  const handle = captureHandle(args.processHandle, context.limits)
  if (handle === undefined) return { status: STATUS_INVALID_HANDLE }
  const reference = referenceProcess(context, handle, PROCESS_VM_OPERATION, { skipForCurrent: true })
  if (!reference.target) return { status: reference.status }
  try {
    const pages = pageRange(range.base, range.size)
    const allocation = watchedAllocation(context, reference.target.pid, pages.start, pages.size)
    if (!allocation) return { status: STATUS_INVALID_PARAMETER }
    context.vm.resetWriteWatch(reference.target.pid, allocation.base, pages.start, pages.size)
    return { status: STATUS_SUCCESS }
  } finally {
    releaseProcess(context, reference.target)
  }
}
