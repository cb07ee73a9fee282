// The object manager (ntoskrnl/ob): creating and deleting objects, references, handles, and
// ObReferenceObjectByHandle with NT's pseudo-handles and its order of checks (type before access).
// Every state change goes through an apply function of ObjectManagerState; the event object is
// built only when a recorder listens (docs/decisions/002).

import {
  type GenericMapping,
  PROCESS_ALL_ACCESS,
  processGenericMapping,
  THREAD_ALL_ACCESS,
  threadGenericMapping,
} from './accessRights.js'
import { assert } from './assert.js'
import type { NtEvent } from './events.js'
import type { ObjectBody, ObjectHeader, ObjectTypeName } from './objectHeader.js'
import { ObjectManagerState } from './objectManagerState.js'
import { fileGenericMapping, sectionGenericMapping } from './sectionConstants.js'
import {
  STATUS_ACCESS_DENIED,
  STATUS_INVALID_HANDLE,
  STATUS_OBJECT_TYPE_MISMATCH,
  STATUS_SUCCESS,
} from './ntStatus.js'

/** NtCurrentProcess(): the pseudo-handle (HANDLE)-1. */
export const NtCurrentProcess = -1
/** NtCurrentThread(): the pseudo-handle (HANDLE)-2. */
export const NtCurrentThread = -2

/** KPROCESSOR_MODE of the caller: user-mode callers are access-checked, kernel-mode ones are not. */
export type ProcessorMode = 'user' | 'kernel'

/** The generic mapping of each object type. */
export const objectTypeMapping: Readonly<Record<ObjectTypeName, GenericMapping>> = {
  Process: processGenericMapping,
  Thread: threadGenericMapping,
  File: fileGenericMapping,
  Section: sectionGenericMapping,
}

/** What ObReferenceObjectByHandle is asked for. */
export interface ReferenceByHandleRequest {
  /** The process whose handle table is searched (the calling process). */
  readonly pid: number
  /** The captured (signed, pointer-width) handle value. */
  readonly handle: number
  readonly desiredAccess: number
  /** The expected type, or undefined for any. */
  readonly objectType: ObjectTypeName | undefined
  readonly mode: ProcessorMode
}

/** The result of ObReferenceObjectByHandle: a referenced object, or the failure status. */
export type ReferenceByHandleResult =
  | { readonly status: typeof STATUS_SUCCESS; readonly object: ObjectHeader; readonly grantedAccess: number }
  | {
      readonly status:
        | typeof STATUS_INVALID_HANDLE
        | typeof STATUS_OBJECT_TYPE_MISMATCH
        | typeof STATUS_ACCESS_DENIED
    }

/** The object manager of one machine. */
export class ObjectManager {
  readonly state: ObjectManagerState
  #recorder: ((event: NtEvent) => void) | undefined
  /** Called once an object is deleted (its last reference went), e.g. to free a process's leftovers. */
  onObjectDeleted: ((header: ObjectHeader) => void) | undefined

  /**
   * An object manager over `state`: by default a fresh one updated in place (the live machine
   * references and dereferences an object on every system call, where an immer version per change
   * would cost several times the call; docs/decisions/005); a restored one for time travel.
   */
  constructor(state: ObjectManagerState = new ObjectManagerState({ updates: 'inPlace' })) {
    this.state = state
  }

  /** Attach (or detach with undefined) the hook that receives every event as it is applied. */
  setRecorder(recorder: ((event: NtEvent) => void) | undefined): void {
    this.#recorder = recorder
  }

  /** Emit an event that changes no object-manager state (syscalls, exceptions, inputs). */
  emit(build: () => NtEvent): void {
    if (this.#recorder) this.#recorder(build())
  }

  /** True when a recorder listens (callers skip building event payloads otherwise). */
  get recording(): boolean {
    return this.#recorder !== undefined
  }

  /** ObCreateObject: a new object holding one pointer reference for its creator. */
  createObject(type: ObjectTypeName, body: ObjectBody): ObjectHeader {
    const objectId = this.state.nextObjectId
    this.state.insertObject(objectId, type, body, 1)
    this.#recorder?.({ type: 'nt.objectCreated', objectId, objectType: type, body })
    return this.state.object(objectId) as ObjectHeader
  }

  /** ObReferenceObject. */
  referenceObject(objectId: number): void {
    const header = this.state.object(objectId)
    assert(header !== undefined, `object ${objectId} does not exist`)
    const previousPointerCount = header.pointerCount
    this.state.setPointerCount(objectId, previousPointerCount + 1)
    this.#recorder?.({
      type: 'nt.objectReferenced',
      objectId,
      previousPointerCount,
      pointerCount: previousPointerCount + 1,
    })
  }

  /** ObDereferenceObject: the object is deleted when its pointer count reaches zero. */
  dereferenceObject(objectId: number): void {
    const header = this.state.object(objectId)
    assert(header !== undefined && header.pointerCount > 0, `object ${objectId} has no reference`)
    const previousPointerCount = header.pointerCount
    this.state.setPointerCount(objectId, previousPointerCount - 1)
    this.#recorder?.({
      type: 'nt.objectDereferenced',
      objectId,
      previousPointerCount,
      pointerCount: previousPointerCount - 1,
    })
    if (previousPointerCount === 1) this.#deleteObject(objectId)
  }

  #deleteObject(objectId: number): void {
    const header = this.state.object(objectId) as ObjectHeader
    assert(header.handleCount === 0, `object ${objectId} deleted with open handles`)
    this.state.removeObject(objectId)
    this.#recorder?.({ type: 'nt.objectDeleted', objectId, objectType: header.type, body: header.body })
    this.onObjectDeleted?.(header)
  }

  /** NtExtendSection's state change: section object `objectId` is now `size` bytes. */
  setSectionSize(objectId: number, size: number): void {
    const header = this.state.object(objectId)
    assert(header?.body.kind === 'Section', `object ${objectId} is not a section`)
    const previousSize = header.body.size
    this.state.setSectionSize(objectId, size)
    this.#recorder?.({ type: 'nt.sectionExtended', objectId, size, previousSize })
  }

  /** Give a new process its (empty) handle table. */
  createHandleTable(pid: number): void {
    this.state.createHandleTable(pid)
    this.#recorder?.({ type: 'nt.handleTableCreated', pid })
  }

  /** Destroy an exiting process's handle table, closing every handle in it first. */
  deleteHandleTable(pid: number): void {
    const table = this.state.handleTable(pid)
    if (!table) return
    for (const { handle } of table.handles()) this.closeHandle(pid, handle)
    this.state.deleteHandleTable(pid)
    this.#recorder?.({ type: 'nt.handleTableDeleted', pid })
  }

  /** Mark a process object exited (VmDeleted): later services on it give STATUS_PROCESS_IS_TERMINATING. */
  markProcessExited(objectId: number): void {
    const header = this.state.object(objectId)
    assert(header?.body.kind === 'Process', `object ${objectId} is not a process`)
    this.state.setProcessExited(objectId, true)
    this.#recorder?.({ type: 'nt.processExited', pid: header.body.pid, objectId })
  }

  /** ExCreateHandle: a new handle in `pid`'s table naming `objectId` with `grantedAccess`. */
  createHandle(pid: number, objectId: number, grantedAccess: number): number {
    const table = this.state.handleTable(pid)
    assert(table !== undefined, `process ${pid} has no handle table`)
    const { handle, reusedSlot } = table.nextHandle()
    this.state.insertHandle(pid, handle, objectId, grantedAccess >>> 0)
    this.#recorder?.({
      type: 'nt.handleCreated',
      pid,
      handle,
      objectId,
      grantedAccess: grantedAccess >>> 0,
      reusedSlot,
    })
    return handle
  }

  /**
   * ObpCloseHandle for a user-mode caller: pseudo-handles and other negative values, unknown and
   * already-closed handles give STATUS_INVALID_HANDLE.
   */
  closeHandle(pid: number, handle: number): typeof STATUS_SUCCESS | typeof STATUS_INVALID_HANDLE {
    const table = this.state.handleTable(pid)
    const entry = table?.lookup(handle)
    if (!table || !entry) return STATUS_INVALID_HANDLE
    const slot = Math.floor(handle / 4) * 4
    this.state.removeHandle(pid, slot)
    this.#recorder?.({
      type: 'nt.handleClosed',
      pid,
      handle: slot,
      objectId: entry.objectId,
      grantedAccess: entry.grantedAccess,
    })
    const header = this.state.object(entry.objectId) as ObjectHeader
    if (header.pointerCount === 0) this.#deleteObject(entry.objectId)
    return STATUS_SUCCESS
  }

  /**
   * ObReferenceObjectByHandle. Order: pseudo-handles (-1 the calling process, -2 its thread) with
   * the full access of the current process/thread; other negative values are kernel handles, invalid
   * from user mode; then the table lookup (STATUS_INVALID_HANDLE), the type check
   * (STATUS_OBJECT_TYPE_MISMATCH), and the access check, skipped for kernel-mode callers
   * (STATUS_ACCESS_DENIED unless every desired bit was granted). Success takes a pointer reference
   * the caller must drop with {@link dereferenceObject}.
   */
  referenceObjectByHandle(request: ReferenceByHandleRequest): ReferenceByHandleResult {
    const { pid, handle, objectType, mode } = request
    const desiredAccess = request.desiredAccess >>> 0
    let objectId: number | undefined
    let grantedAccess: number
    if (handle === NtCurrentProcess || handle === NtCurrentThread) {
      const isProcess = handle === NtCurrentProcess
      objectId = isProcess ? this.state.processObjectId(pid) : this.state.threadObjectId(pid)
      assert(objectId !== undefined, `process ${pid} has no ${isProcess ? 'process' : 'thread'} object`)
      if (objectType !== undefined && objectType !== (isProcess ? 'Process' : 'Thread')) {
        return { status: STATUS_OBJECT_TYPE_MISMATCH }
      }
      grantedAccess = isProcess ? PROCESS_ALL_ACCESS : THREAD_ALL_ACCESS
    } else {
      if (handle < 0) return { status: STATUS_INVALID_HANDLE }
      const entry = this.state.handleTable(pid)?.lookup(handle)
      if (!entry) return { status: STATUS_INVALID_HANDLE }
      objectId = entry.objectId
      grantedAccess = entry.grantedAccess
      const header = this.state.object(objectId) as ObjectHeader
      if (objectType !== undefined && header.type !== objectType)
        return { status: STATUS_OBJECT_TYPE_MISMATCH }
    }
    if (mode === 'user' && (~grantedAccess & desiredAccess) !== 0) return { status: STATUS_ACCESS_DENIED }
    this.referenceObject(objectId)
    return { status: STATUS_SUCCESS, object: this.state.object(objectId) as ObjectHeader, grantedAccess }
  }
}
