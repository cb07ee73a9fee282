// NtOpenProcess(DesiredAccess, ClientId.UniqueProcess): a handle in the caller's table to the process
// a pid names. Order as in NT: the client id is looked up first (PsLookupProcessByProcessId:
// STATUS_INVALID_CID for a pid that names no process), then the access is checked against the
// object (ObOpenObjectByPointer: generic rights mapped, ACCESS_SYSTEM_SECURITY needs a privilege,
// rights the type does not define are denied, MAXIMUM_ALLOWED grants all).

import { checkAccess, processGenericMapping } from './accessRights.js'
import { captureUlong } from './captureArguments.js'
import {
  STATUS_ACCESS_DENIED,
  STATUS_INVALID_CID,
  STATUS_INVALID_PARAMETER_2,
  STATUS_PRIVILEGE_NOT_HELD,
  STATUS_SUCCESS,
} from './ntStatus.js'
import type { ServiceContext } from './serviceContext.js'

/** The result: the new handle on success, 0 on failure. */
export interface OpenProcessResult {
  readonly status: number
  readonly handle: number
}

/** NtOpenProcess. */
export function ntOpenProcess(
  context: ServiceContext,
  args: { readonly desiredAccess: number; readonly pid: number },
): OpenProcessResult {
  const desiredAccess = captureUlong(args.desiredAccess)
  if (desiredAccess === undefined) return { status: STATUS_INVALID_PARAMETER_2, handle: 0 }
  const objectId = Number.isSafeInteger(args.pid) ? context.ob.state.processObjectId(args.pid) : undefined
  if (objectId === undefined) return { status: STATUS_INVALID_CID, handle: 0 }
  const access = checkAccess(desiredAccess, processGenericMapping)
  if (!access.granted) {
    return {
      status: access.reason === 'privilege' ? STATUS_PRIVILEGE_NOT_HELD : STATUS_ACCESS_DENIED,
      handle: 0,
    }
  }
  const handle = context.ob.createHandle(context.pid, objectId, access.access)
  return { status: STATUS_SUCCESS, handle }
}
