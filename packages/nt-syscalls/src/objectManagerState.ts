// The state of the object manager: the object headers, the per-process handle tables and the
// client-id table (PspCidTable: pid → process object, derived from the process objects). Only the
// apply functions below change it; events.ts dispatches recorded events to them.

import { assert } from './assert.js'
import { type HandleEntry, HandleTable } from './handleTable.js'
import type { ObjectBody, ObjectHeader, ObjectTypeName, ProcessBody } from './objectHeader.js'

interface MutableHeader {
  id: number
  type: ObjectTypeName
  pointerCount: number
  handleCount: number
  body: ObjectBody
}

/** Object headers, handle tables and the CID table. */
export class ObjectManagerState {
  readonly #objects = new Map<number, MutableHeader>()
  readonly #handleTables = new Map<number, HandleTable>()
  readonly #processByPid = new Map<number, number>()
  readonly #threadByPid = new Map<number, number>()
  #nextObjectId = 1

  /** The id the next created object gets. */
  get nextObjectId(): number {
    return this.#nextObjectId
  }

  /** The object with id `objectId`, or undefined. */
  object(objectId: number): ObjectHeader | undefined {
    return this.#objects.get(objectId)
  }

  /** All live objects in creation order. */
  objects(): ObjectHeader[] {
    return [...this.#objects.values()]
  }

  /** The handle table of process `pid`, or undefined. */
  handleTable(pid: number): HandleTable | undefined {
    return this.#handleTables.get(pid)
  }

  /** The process object of a client id (PsLookupProcessByProcessId), live or exited. */
  processObjectId(pid: number): number | undefined {
    return this.#processByPid.get(pid)
  }

  /** The (single) thread object of a process. */
  threadObjectId(pid: number): number | undefined {
    return this.#threadByPid.get(pid)
  }

  // ---- apply functions ----

  /** Adds an object (event apply step). */
  insertObject(objectId: number, type: ObjectTypeName, body: ObjectBody, pointerCount: number): void {
    assert(!this.#objects.has(objectId), `object ${objectId} exists`)
    this.#objects.set(objectId, { id: objectId, type, pointerCount, handleCount: 0, body })
    if (body.kind === 'Process') this.#processByPid.set(body.pid, objectId)
    else this.#threadByPid.set(body.pid, objectId)
    this.#nextObjectId = Math.max(this.#nextObjectId, objectId + 1)
  }

  /** Remove an object; `rewindId` when undoing its creation (the id becomes the next again). */
  removeObject(objectId: number, options: { rewindId: boolean } = { rewindId: false }): void {
    const header = this.#objects.get(objectId)
    assert(header !== undefined, `object ${objectId} does not exist`)
    this.#objects.delete(objectId)
    const byPid = header.body.kind === 'Process' ? this.#processByPid : this.#threadByPid
    if (byPid.get(header.body.pid) === objectId) byPid.delete(header.body.pid)
    if (options.rewindId && objectId === this.#nextObjectId - 1) this.#nextObjectId = objectId
  }

  /** Sets an object's pointer count (event apply and undo step). */
  setPointerCount(objectId: number, pointerCount: number): void {
    const header = this.#objects.get(objectId)
    assert(header !== undefined, `object ${objectId} does not exist`)
    header.pointerCount = pointerCount
  }

  /** Marks a process object exited or not (event apply and undo step). */
  setProcessExited(objectId: number, exited: boolean): void {
    const header = this.#objects.get(objectId)
    assert(header !== undefined && header.body.kind === 'Process', `object ${objectId} is not a process`)
    header.body = { ...(header.body as ProcessBody), exited }
  }

  /** Creates the empty handle table of process `pid` (event apply step). */
  createHandleTable(pid: number): void {
    assert(!this.#handleTables.has(pid), `process ${pid} already has a handle table`)
    this.#handleTables.set(pid, new HandleTable())
  }

  /** Deletes the handle table of process `pid` (event apply step). */
  deleteHandleTable(pid: number): void {
    const table = this.#handleTables.get(pid)
    assert(table !== undefined && table.count === 0, `handle table of ${pid} is missing or not empty`)
    this.#handleTables.delete(pid)
  }

  /** Inserts a handle with its granted access (event apply step). */
  insertHandle(pid: number, handle: number, objectId: number, grantedAccess: number): void {
    const table = this.#handleTables.get(pid)
    const header = this.#objects.get(objectId)
    assert(table !== undefined && header !== undefined, `no table ${pid} or object ${objectId}`)
    table.insert(handle, { objectId, grantedAccess })
    header.handleCount++
    header.pointerCount++
  }

  /** Undoes `insertHandle`. */
  unInsertHandle(pid: number, handle: number, reusedSlot: boolean): void {
    const table = this.#handleTables.get(pid)
    assert(table !== undefined, `no handle table for ${pid}`)
    const entry = table.lookup(handle)
    assert(entry !== undefined, `handle ${handle} is not open`)
    table.unInsert(handle, reusedSlot)
    this.#dropHandleCounts(entry)
  }

  /** Removes a handle (event apply step). */
  removeHandle(pid: number, handle: number): void {
    const table = this.#handleTables.get(pid)
    assert(table !== undefined, `no handle table for ${pid}`)
    this.#dropHandleCounts(table.remove(handle))
  }

  /** Undoes `removeHandle`. */
  unRemoveHandle(pid: number, handle: number, objectId: number, grantedAccess: number): void {
    const table = this.#handleTables.get(pid)
    const header = this.#objects.get(objectId)
    assert(table !== undefined && header !== undefined, `no table ${pid} or object ${objectId}`)
    table.unRemove(handle, { objectId, grantedAccess })
    header.handleCount++
    header.pointerCount++
  }

  #dropHandleCounts(entry: HandleEntry): void {
    const header = this.#objects.get(entry.objectId)
    assert(header !== undefined && header.handleCount > 0, `object ${entry.objectId} has no handle`)
    header.handleCount--
    header.pointerCount--
  }

  /** An independent copy (for time-travel checkpoints; the state is small and low-rate). */
  clone(): ObjectManagerState {
    const copy = new ObjectManagerState()
    for (const [id, header] of this.#objects) copy.#objects.set(id, { ...header })
    for (const [pid, table] of this.#handleTables) copy.#handleTables.set(pid, table.clone())
    for (const [pid, id] of this.#processByPid) copy.#processByPid.set(pid, id)
    for (const [pid, id] of this.#threadByPid) copy.#threadByPid.set(pid, id)
    copy.#nextObjectId = this.#nextObjectId
    return copy
  }

  /** A stable text of the whole state, for digests. */
  digestInput(): string {
    const parts = [`N${this.#nextObjectId}`]
    for (const id of [...this.#objects.keys()].sort((a, b) => a - b)) {
      const header = this.#objects.get(id)!
      parts.push(
        `O${id}:${header.type}:${header.pointerCount}:${header.handleCount}:${JSON.stringify(header.body)}`,
      )
    }
    for (const pid of [...this.#handleTables.keys()].sort((a, b) => a - b))
      parts.push(`H${pid}:${this.#handleTables.get(pid)!.digestInput()}`)
    return parts.join('|')
  }
}
