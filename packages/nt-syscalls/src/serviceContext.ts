// What a system service runs with: the calling process, the caller's mode, the architecture limits,
// the object manager and the memory manager, plus the helper that references the target process of
// a process handle the way every Nt*VirtualMemory service does.

import type { MemoryManager } from '@ntmm/mm-core'
import { PROCESS_ALL_ACCESS } from './accessRights.js'
import { type ObjectManager, type ProcessorMode, NtCurrentProcess } from './objectManager.js'
import type { ProcessBody } from './objectHeader.js'
import { STATUS_PROCESS_IS_TERMINATING, STATUS_SUCCESS } from './ntStatus.js'
import type { UserAddressLimits } from './userAddressLimits.js'
import type { VirtualMemoryPort } from './virtualMemoryPort.js'

/** The environment of one system call. */
export interface ServiceContext {
  /** The calling process (PsGetCurrentProcess). */
  readonly pid: number
  /** PreviousMode. */
  readonly mode: ProcessorMode
  readonly limits: UserAddressLimits
  readonly ob: ObjectManager
  readonly vm: VirtualMemoryPort
  /** The memory manager itself: files, segments and views for the section and file services; working sets and physical memory for ntProcessInformation.ts, ntSystemInformation.ts and ntLockVirtualMemory.ts. */
  readonly mm: MemoryManager
}

/** A referenced target process, to be released with {@link releaseProcess}. */
export interface TargetProcess {
  readonly pid: number
  readonly objectId: number | undefined
  readonly grantedAccess: number
}

/**
 * Reference the process a process handle names with `desiredAccess` (PsProcessType), then check
 * it is not exiting (VmDeleted → STATUS_PROCESS_IS_TERMINATING). `skipForCurrent` mirrors the
 * services that skip ObReferenceObjectByHandle for NtCurrentProcess (Allocate, Free, Query).
 */
export function referenceProcess(
  context: ServiceContext,
  handle: number,
  desiredAccess: number,
  options: { readonly skipForCurrent: boolean },
): { status: number; target?: TargetProcess } {
  if (options.skipForCurrent && handle === NtCurrentProcess) {
    return {
      status: STATUS_SUCCESS,
      target: { pid: context.pid, objectId: undefined, grantedAccess: PROCESS_ALL_ACCESS },
    }
  }
  const result = context.ob.referenceObjectByHandle({
    pid: context.pid,
    handle,
    desiredAccess,
    objectType: 'Process',
    mode: context.mode,
  })
  if (!('object' in result)) return { status: result.status }
  const body = result.object.body as ProcessBody
  const target = { pid: body.pid, objectId: result.object.id, grantedAccess: result.grantedAccess }
  if (body.exited) {
    releaseProcess(context, target)
    return { status: STATUS_PROCESS_IS_TERMINATING }
  }
  return { status: STATUS_SUCCESS, target }
}

/** ObDereferenceObject of a target taken by {@link referenceProcess}. */
export function releaseProcess(context: ServiceContext, target: TargetProcess): void {
  if (target.objectId !== undefined) context.ob.dereferenceObject(target.objectId)
}
