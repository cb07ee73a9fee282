// NtFlushVirtualMemory(ProcessHandle, BaseAddress, RegionSize) on a view (NT-SECTIONS §18): the
// mapped page writer, now, for the view's dirty shared pages of a data file in the range (mm-core's
// flushView; private copy-on-write pages are never written). The range is rounded as
// NtProtectVirtualMemory rounds it; RegionSize 0 runs to the end of the view; the rounded range is
// written back. An address in no view is STATUS_NOT_MAPPED_VIEW.

import { PROCESS_VM_OPERATION } from './accessRights.js'
import { captureHandle, capturePointer } from './captureArguments.js'
import {
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER_2,
  STATUS_INVALID_PARAMETER_3,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { STATUS_NOT_MAPPED_VIEW } from './sectionConstants.js'
import { referenceProcess, releaseProcess, type ServiceContext } from './serviceContext.js'

const PAGE = 0x1000

/** NtFlushVirtualMemory's result: the status and the rounded range (the caller's values on failure). */
export interface FlushVirtualMemoryResult {
  readonly status: number
  readonly baseAddress: number
  readonly regionSize: number
}

/** NtFlushVirtualMemory. */
export function ntFlushVirtualMemory(
  context: ServiceContext,
  args: { readonly processHandle: number; readonly baseAddress: number; readonly regionSize: number },
): FlushVirtualMemoryResult {
  const fail = (status: number) => ({ status, baseAddress: args.baseAddress, regionSize: args.regionSize })
  const limits = context.limits
  const address = capturePointer(args.baseAddress, limits)
  if (address === undefined || address > limits.highestUserAddress) return fail(STATUS_INVALID_PARAMETER_2)
  const size = capturePointer(args.regionSize, limits)
  if (size === undefined || limits.highestUserAddress + 1 - address < size)
    return fail(STATUS_INVALID_PARAMETER_3)
  const handle = captureHandle(args.processHandle, limits)
  if (handle === undefined) return fail(STATUS_INVALID_HANDLE)
  const process = referenceProcess(context, handle, PROCESS_VM_OPERATION, { skipForCurrent: false })
  if (process.target === undefined) return fail(process.status)
  try {
    const space = context.mm.addressSpace(process.target.pid)
    const area = space?.record?.tree.locate(address)
    if (space === undefined || area?.view === undefined) return fail(STATUS_NOT_MAPPED_VIEW)
    const start = address - (address % PAGE)
    const end =
      size === 0
        ? area.endingAddress
        : Math.min(area.endingAddress, Math.ceil((address + size) / PAGE) * PAGE)
    const flushed = context.mm.flushView(space, start, end - start)
    if (flushed.status !== STATUS_SUCCESS) return fail(flushed.status)
    return { status: STATUS_SUCCESS, baseAddress: start, regionSize: end - start }
  } finally {
    releaseProcess(context, process.target)
  }
}
