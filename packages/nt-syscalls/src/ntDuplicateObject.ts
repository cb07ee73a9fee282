// NtDuplicateObject(SourceProcessHandle, SourceHandle, TargetProcessHandle, DesiredAccess,
// HandleAttributes, Options): copy a handle from one process's table into another's (or the same).
// Order as ObDuplicateObject: reference the source process (PROCESS_DUP_HANDLE), the target process
// (PROCESS_DUP_HANDLE), then look the source handle up in the SOURCE process's table (pseudo-handles
// there name the source process or its thread). Once the source handle is resolved,
// DUPLICATE_CLOSE_SOURCE closes it even when the new handle then cannot be granted.
// DUPLICATE_SAME_ACCESS keeps the source's granted access.

import {
  DUPLICATE_CLOSE_SOURCE,
  DUPLICATE_SAME_ACCESS,
  DUPLICATE_SAME_ATTRIBUTES,
  PROCESS_DUP_HANDLE,
  checkAccess,
} from './accessRights.js'
import { captureHandle, captureUlong } from './captureArguments.js'
import {
  STATUS_ACCESS_DENIED,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PARAMETER,
  STATUS_INVALID_PARAMETER_4,
  STATUS_PRIVILEGE_NOT_HELD,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { objectTypeMapping } from './objectManager.js'
import {
  referenceProcess,
  releaseProcess,
  type ServiceContext,
  type TargetProcess,
} from './serviceContext.js'

/** The arguments; `targetProcessHandle` undefined only closes the source (with DUPLICATE_CLOSE_SOURCE). */
export interface DuplicateObjectArguments {
  readonly sourceProcessHandle: number
  readonly sourceHandle: number
  readonly targetProcessHandle: number | undefined
  readonly desiredAccess: number
  readonly handleAttributes: number
  readonly options: number
}

/** The result: the handle in the target process (0 when none was created). */
export interface DuplicateObjectResult {
  readonly status: number
  readonly targetHandle: number
}

/** NtDuplicateObject. */
export function ntDuplicateObject(
  context: ServiceContext,
  args: DuplicateObjectArguments,
): DuplicateObjectResult {
  const fail = (status: number): DuplicateObjectResult => ({ status, targetHandle: 0 })
  const options = captureUlong(args.options)
  if (
    options === undefined ||
    (options & ~(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES)) !== 0
  ) {
    return fail(STATUS_INVALID_PARAMETER)
  }
  const desiredAccess = captureUlong(args.desiredAccess)
  if (desiredAccess === undefined) return fail(STATUS_INVALID_PARAMETER_4)
  const sourceProcessHandle = captureHandle(args.sourceProcessHandle, context.limits)
  if (sourceProcessHandle === undefined) return fail(STATUS_INVALID_HANDLE)
  const source = referenceProcess(context, sourceProcessHandle, PROCESS_DUP_HANDLE, { skipForCurrent: false })
  if (!source.target) return fail(source.status)
  let target: TargetProcess | undefined
  try {
    if (args.targetProcessHandle !== undefined) {
      const targetHandle = captureHandle(args.targetProcessHandle, context.limits)
      if (targetHandle === undefined) return fail(STATUS_INVALID_HANDLE)
      const reference = referenceProcess(context, targetHandle, PROCESS_DUP_HANDLE, { skipForCurrent: false })
      if (!reference.target) return fail(reference.status)
      target = reference.target
    }
    const sourceHandle = captureHandle(args.sourceHandle, context.limits)
    if (sourceHandle === undefined) return fail(STATUS_INVALID_HANDLE)
    // The source handle is resolved in the source process's table, kernel-mode (no access check).
    const object = context.ob.referenceObjectByHandle({
      pid: source.target.pid,
      handle: sourceHandle,
      desiredAccess: 0,
      objectType: undefined,
      mode: 'kernel',
    })
    if (!('object' in object)) return fail(object.status)
    try {
      if (options & DUPLICATE_CLOSE_SOURCE && sourceHandle >= 0)
        context.ob.closeHandle(source.target.pid, sourceHandle)
      if (!target) return { status: STATUS_SUCCESS, targetHandle: 0 }
      let access = object.grantedAccess
      if (!(options & DUPLICATE_SAME_ACCESS)) {
        const checked = checkAccess(desiredAccess, objectTypeMapping[object.object.type])
        if (!checked.granted) {
          return fail(checked.reason === 'privilege' ? STATUS_PRIVILEGE_NOT_HELD : STATUS_ACCESS_DENIED)
        }
        access = checked.access
      }
      const handle = context.ob.createHandle(target.pid, object.object.id, access)
      return { status: STATUS_SUCCESS, targetHandle: handle }
    } finally {
      context.ob.dereferenceObject(object.object.id)
    }
  } finally {
    if (target) releaseProcess(context, target)
    releaseProcess(context, source.target)
  }
}
