// NtReadVirtualMemory (and the range probe NtWriteVirtualMemory shares): copy from another process
// (MmCopyVirtualMemory, attached to the target so its faults are resolved: demand-zero, paging).
// User-mode callers: a range that wraps or reaches MmUserProbeAddress → STATUS_ACCESS_VIOLATION
// before anything else; size 0 succeeds without looking at the handle; otherwise the process is
// referenced with PROCESS_VM_READ (read) or PROCESS_VM_WRITE (write). An inaccessible page met
// part-way (or at once) stops the copy: STATUS_PARTIAL_COPY with the exact count copied.

import { PROCESS_VM_READ } from './accessRights.js'
import { captureHandle, capturePointer } from './captureArguments.js'
import {
  STATUS_ACCESS_VIOLATION,
  STATUS_INVALID_HANDLE,
  STATUS_PARTIAL_COPY,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { referenceProcess, releaseProcess, type ServiceContext } from './serviceContext.js'
import type { UserAddressLimits } from './userAddressLimits.js'

/** The result of a read: the bytes copied (`bytesRead` of them). */
export interface ReadVirtualMemoryResult {
  readonly status: number
  readonly data: Uint8Array
  readonly bytesRead: number
}

/**
 * The probe of the user range [base, base + size): a garbage number, a wrap-around or a range that
 * reaches MmUserProbeAddress is STATUS_ACCESS_VIOLATION.
 */
export function validateCopyRange(
  baseAddress: unknown,
  size: unknown,
  limits: UserAddressLimits,
): { ok: false; status: number } | { ok: true; baseAddress: number; size: number } {
  const base = capturePointer(baseAddress, limits)
  const length = capturePointer(size, limits)
  if (base === undefined || length === undefined) return { ok: false, status: STATUS_ACCESS_VIOLATION }
  if (base + length > limits.userProbeAddress) return { ok: false, status: STATUS_ACCESS_VIOLATION }
  return { ok: true, baseAddress: base, size: length }
}

/** NtReadVirtualMemory(ProcessHandle, BaseAddress, size). */
export function ntReadVirtualMemory(
  context: ServiceContext,
  args: { readonly processHandle: number; readonly baseAddress: number; readonly size: number },
): ReadVirtualMemoryResult {
  const empty = new Uint8Array(0)
  const range = validateCopyRange(args.baseAddress, args.size, context.limits)
  if (!range.ok) return { status: range.status, data: empty, bytesRead: 0 }
  if (range.size === 0) return { status: STATUS_SUCCESS, data: empty, bytesRead: 0 }
  const handle = captureHandle(args.processHandle, context.limits)
  if (handle === undefined) return { status: STATUS_INVALID_HANDLE, data: empty, bytesRead: 0 }
  const reference = referenceProcess(context, handle, PROCESS_VM_READ, { skipForCurrent: false })
  if (!reference.target) return { status: reference.status, data: empty, bytesRead: 0 }
  try {
    const copy = context.vm.copyFrom(reference.target.pid, range.baseAddress, range.size)
    return {
      status: copy.complete ? STATUS_SUCCESS : STATUS_PARTIAL_COPY,
      data: copy.data,
      bytesRead: copy.data.length,
    }
  } finally {
    releaseProcess(context, reference.target)
  }
}
