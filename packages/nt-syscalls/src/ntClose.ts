// NtClose(Handle): close a handle of the calling process. Unknown, already-closed and garbage
// values, and the pseudo-handles (which name no table entry), give STATUS_INVALID_HANDLE; the
// object goes when its last reference does.

import { captureHandle } from './captureArguments.js'
import { STATUS_INVALID_HANDLE } from './ntStatus.js'
import type { ServiceContext } from './serviceContext.js'

/** NtClose. */
export function ntClose(
  context: ServiceContext,
  args: { readonly handle: number },
): { readonly status: number } {
  const handle = captureHandle(args.handle, context.limits)
  if (handle === undefined || handle < 0) return { status: STATUS_INVALID_HANDLE }
  return { status: context.ob.closeHandle(context.pid, handle) }
}
