// Events of the NT executive layer (object manager, handles, system services, exceptions): one
// interface per event, the NtEvent union, and the apply/revert functions that are the ONLY way the
// object-manager state changes (live and replayed alike; see docs/decisions/002).
// Events are plain JSON data and carry the old value beside the new (for readers of the trace);
// undo replays the inverse patches the state journaled (docs/decisions/005).

import { assert } from './assert.js'
import type { ObjectBody, ObjectTypeName } from './objectHeader.js'
import type { ObjectManagerChange, ObjectManagerState } from './objectManagerState.js'

/** A JSON value carried by syscall events (arguments and out-values). */
export type JsonValue =
  | number
  | string
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue }

/** Input: a thread of `pid` entered a system service with these arguments. */
export interface NtSyscallEnteredEvent {
  readonly type: 'nt.syscallEntered'
  readonly pid: number
  readonly service: string
  readonly arguments: Readonly<Record<string, JsonValue>>
}

/** The service returned: its NTSTATUS and the out-values the caller sees. */
export interface NtSyscallReturnedEvent {
  readonly type: 'nt.syscallReturned'
  readonly pid: number
  readonly service: string
  readonly status: number
  readonly statusName: string
  readonly out: Readonly<Record<string, JsonValue>>
}

/** ObCreateObject: a new object with one pointer reference (its creator's). */
export interface NtObjectCreatedEvent {
  readonly type: 'nt.objectCreated'
  readonly objectId: number
  readonly objectType: ObjectTypeName
  readonly body: ObjectBody
}

/** The last reference went: the object is deleted (its final header is kept for undo). */
export interface NtObjectDeletedEvent {
  readonly type: 'nt.objectDeleted'
  readonly objectId: number
  readonly objectType: ObjectTypeName
  readonly body: ObjectBody
}

/** ObReferenceObject / ObDereferenceObject: the pointer count moved by one. */
export interface NtObjectReferenceChangedEvent {
  readonly type: 'nt.objectReferenced' | 'nt.objectDereferenced'
  readonly objectId: number
  readonly previousPointerCount: number
  readonly pointerCount: number
}

/** A handle was created in `pid`'s table (takes a handle and a pointer reference). */
export interface NtHandleCreatedEvent {
  readonly type: 'nt.handleCreated'
  readonly pid: number
  readonly handle: number
  readonly objectId: number
  readonly grantedAccess: number
  /** The slot came from the free list (true) or was never used before (false). */
  readonly reusedSlot: boolean
}

/** A handle was closed in `pid`'s table (drops its handle and pointer reference). */
export interface NtHandleClosedEvent {
  readonly type: 'nt.handleClosed'
  readonly pid: number
  readonly handle: number
  readonly objectId: number
  readonly grantedAccess: number
}

/** A process's handle table was created (process creation) or destroyed (process exit). */
export interface NtHandleTableChangedEvent {
  readonly type: 'nt.handleTableCreated' | 'nt.handleTableDeleted'
  readonly pid: number
}

/** The process exited: its address space is gone, the object may live on while referenced. */
export interface NtProcessExitedEvent {
  readonly type: 'nt.processExited'
  readonly pid: number
  readonly objectId: number
}

/** A user-mode access the kernel could not resolve: the exception the thread receives. */
export interface NtExceptionRaisedEvent {
  readonly type: 'nt.exceptionRaised'
  readonly pid: number
  readonly code: number
  readonly codeName: string
  /** EXCEPTION_RECORD.ExceptionInformation[0]: 0 read, 1 write, 8 execute. */
  readonly accessKind: 0 | 1 | 8
  readonly address: number
}

/** Input: a thread of `pid` executed a load, store or fetch (recorded only when a hook listens). */
export interface NtCpuAccessEvent {
  readonly type: 'nt.cpuAccess'
  readonly pid: number
  readonly access: 'read' | 'write' | 'execute'
  readonly address: number
  readonly length: number
}

/** NtExtendSection: a section object's size grew. */
export interface NtSectionExtendedEvent {
  readonly type: 'nt.sectionExtended'
  readonly objectId: number
  readonly size: number
  readonly previousSize: number
}

/** Every event of the NT layer. */
export type NtEvent =
  | NtSyscallEnteredEvent
  | NtSyscallReturnedEvent
  | NtObjectCreatedEvent
  | NtObjectDeletedEvent
  | NtObjectReferenceChangedEvent
  | NtHandleCreatedEvent
  | NtHandleClosedEvent
  | NtHandleTableChangedEvent
  | NtProcessExitedEvent
  | NtExceptionRaisedEvent
  | NtCpuAccessEvent
  | NtSectionExtendedEvent

/** Apply an event to the object-manager state (the same functions the live code calls). */
export function applyNtEvent(state: ObjectManagerState, event: NtEvent): void {
  switch (event.type) {
    case 'nt.objectCreated':
      state.insertObject(event.objectId, event.objectType, event.body, 1)
      return
    case 'nt.objectDeleted':
      state.removeObject(event.objectId)
      return
    case 'nt.objectReferenced':
    case 'nt.objectDereferenced':
      state.setPointerCount(event.objectId, event.pointerCount)
      return
    case 'nt.handleCreated':
      state.insertHandle(event.pid, event.handle, event.objectId, event.grantedAccess)
      return
    case 'nt.handleClosed':
      state.removeHandle(event.pid, event.handle)
      return
    case 'nt.handleTableCreated':
      state.createHandleTable(event.pid)
      return
    case 'nt.handleTableDeleted':
      state.deleteHandleTable(event.pid)
      return
    case 'nt.processExited':
      state.setProcessExited(event.objectId, true)
      return
    case 'nt.sectionExtended':
      state.setSectionSize(event.objectId, event.size)
      return
    case 'nt.syscallEntered':
    case 'nt.syscallReturned':
    case 'nt.exceptionRaised':
    case 'nt.cpuAccess':
      return
    default:
      assertNever(event)
  }
}

/** The object-manager change each NT event's apply makes (null: the event changes no state). */
const CHANGE_OF_EVENT: Readonly<Record<NtEvent['type'], ObjectManagerChange | null>> = {
  'nt.objectCreated': 'insertObject',
  'nt.objectDeleted': 'removeObject',
  'nt.objectReferenced': 'setPointerCount',
  'nt.objectDereferenced': 'setPointerCount',
  'nt.handleCreated': 'insertHandle',
  'nt.handleClosed': 'removeHandle',
  'nt.handleTableCreated': 'createHandleTable',
  'nt.handleTableDeleted': 'deleteHandleTable',
  'nt.processExited': 'setProcessExited',
  'nt.sectionExtended': 'setSectionSize',
  'nt.syscallEntered': null,
  'nt.syscallReturned': null,
  'nt.exceptionRaised': null,
  'nt.cpuAccess': null,
}

/**
 * Undo `event`, the last NT event applied to `state`: by the inverse patches its application
 * journaled (an event that changes no state undoes as it applied, by doing nothing). Returns
 * true when it did; false, changing nothing, when the state's undo journal holds no entry for it
 * (the state keeps no journal, was cloned after the event, or the event fell off the journal's
 * depth): step back by restoring a checkpoint then.
 */
export function revertNtEvent(state: ObjectManagerState, event: NtEvent): boolean {
  const change = CHANGE_OF_EVENT[event.type]
  if (change === undefined) assertNever(event as never)
  return change === null || state.undo(change)
}

function assertNever(event: never): never {
  assert(false, `unknown NT event ${JSON.stringify(event)}`)
}
