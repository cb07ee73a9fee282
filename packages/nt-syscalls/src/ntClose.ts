// NtClose(Handle): close a handle of the calling process. Unknown, already-closed and garbage
// values give STATUS_INVALID_HANDLE; the object goes when its last reference does. The
// pseudo-handles (HANDLE)-1..-6 (current process, thread, session, and the three token
// pseudo-handles) name no table entry: closing one succeeds and does nothing, as documented for
// CloseHandle(GetCurrentProcess()) ("has no effect") and as Wine's NtClose does. Other negative
// values are kernel handles, invalid from user mode.

import { captureHandle } from './captureArguments.js'
import { STATUS_INVALID_HANDLE, STATUS_SUCCESS } from './ntStatus.js'
import type { ServiceContext } from './serviceContext.js'

/** (HANDLE)-6, NtCurrentEffectiveToken: the lowest pseudo-handle value. */
const LOWEST_PSEUDO_HANDLE = -6

/** NtClose. */
export function ntClose(
  context: ServiceContext,
  args: { readonly handle: number },
): { readonly status: number } {
  const handle = captureHandle(args.handle, context.limits)
  if (handle === undefined) return { status: STATUS_INVALID_HANDLE }
  if (handle >= LOWEST_PSEUDO_HANDLE && handle <= -1) return { status: STATUS_SUCCESS }
  if (handle < 0) return { status: STATUS_INVALID_HANDLE }
  return { status: context.ob.closeHandle(context.pid, handle) }
}
