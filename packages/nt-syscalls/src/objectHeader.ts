// OBJECT_HEADER: what the object manager keeps for every object: its type, its pointer count
// (every reference, including one per handle, as in NT) and its handle count, and the body of the
// object (EPROCESS / ETHREAD reduced to what the simulator needs). Section is left for later.

/** The object types (OBJECT_TYPE): PsProcessType and PsThreadType. */
export type ObjectTypeName = 'Process' | 'Thread'

/** The body of a process object (EPROCESS, reduced). */
export interface ProcessBody {
  readonly kind: 'Process'
  readonly pid: number
  readonly name: string
  /** Set when the process exited (its address space is gone; VmDeleted). */
  readonly exited: boolean
}

/** The body of a thread object (ETHREAD, reduced): each process has one thread today. */
export interface ThreadBody {
  readonly kind: 'Thread'
  readonly tid: number
  readonly pid: number
}

/** An object body, by type. */
export type ObjectBody = ProcessBody | ThreadBody

/** A read-only view of an object's header. */
export interface ObjectHeader {
  readonly id: number
  readonly type: ObjectTypeName
  /** References of every kind, one per handle included; the object is deleted at zero. */
  readonly pointerCount: number
  readonly handleCount: number
  readonly body: ObjectBody
}
