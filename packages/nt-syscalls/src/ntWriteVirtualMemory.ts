// NtWriteVirtualMemory: copy the caller's bytes into another process (MmCopyVirtualMemory while
// attached, so the target's faults are resolved). Same probe as NtReadVirtualMemory; the process is
// referenced with PROCESS_VM_WRITE; a page that cannot be written (read-only, guard, no access,
// not committed) stops the copy with STATUS_PARTIAL_COPY and the exact count written.

import { PROCESS_VM_WRITE } from './accessRights.js'
import { captureHandle } from './captureArguments.js'
import {
  STATUS_ACCESS_VIOLATION,
  STATUS_INVALID_HANDLE,
  STATUS_PARTIAL_COPY,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { validateCopyRange } from './ntReadVirtualMemory.js'
import { referenceProcess, releaseProcess, type ServiceContext } from './serviceContext.js'

/** The result of a write. */
export interface WriteVirtualMemoryResult {
  readonly status: number
  readonly bytesWritten: number
}

/** NtWriteVirtualMemory(ProcessHandle, BaseAddress, data). */
export function ntWriteVirtualMemory(
  context: ServiceContext,
  args: { readonly processHandle: number; readonly baseAddress: number; readonly data: unknown },
): WriteVirtualMemoryResult {
  if (!(args.data instanceof Uint8Array)) return { status: STATUS_ACCESS_VIOLATION, bytesWritten: 0 }
  const data = args.data
  const range = validateCopyRange(args.baseAddress, data.length, context.limits)
  if (!range.ok) return { status: range.status, bytesWritten: 0 }
  if (range.size === 0) return { status: STATUS_SUCCESS, bytesWritten: 0 }
  const handle = captureHandle(args.processHandle, context.limits)
  if (handle === undefined) return { status: STATUS_INVALID_HANDLE, bytesWritten: 0 }
  const reference = referenceProcess(context, handle, PROCESS_VM_WRITE, { skipForCurrent: false })
  if (!reference.target) return { status: reference.status, bytesWritten: 0 }
  try {
    const copy = context.vm.copyTo(reference.target.pid, range.baseAddress, data)
    return { status: copy.complete ? STATUS_SUCCESS : STATUS_PARTIAL_COPY, bytesWritten: copy.written }
  } finally {
    releaseProcess(context, reference.target)
  }
}
