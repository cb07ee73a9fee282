// The state of the object manager: the object headers, the per-process handle tables and the
// client-id table (PspCidTable: pid → process object, derived from the process objects), the
// `\BaseNamedObjects` directory (name → named section, derived: a name enters with its object and
// leaves when the object's last handle closes, as ObpDeleteNameCheck removes a temporary object's
// name) and the volume's file names (NT path → file id, derived from file objects; a file keeps its
// name after its handles close, as a file on disk does). Only the
// apply functions below change it; events.ts dispatches recorded events to them. The records are
// immer data (versionedRecords.ts): a clone is a reference, and undo replays inverse patches.

import type { Draft } from 'immer'
import { assert } from './assert.js'
import { HandleTable } from './handleTable.js'
import type { ObjectBody, ObjectHeader, ObjectTypeName, ProcessBody, SectionBody } from './objectHeader.js'
import { VersionedRecords, type VersioningOptions } from './versionedRecords.js'

/** One version of the object manager's records. */
interface ObjectManagerRecords {
  readonly objects: ReadonlyMap<number, ObjectHeader>
  readonly handleTables: ReadonlyMap<number, HandleTable>
  readonly processByPid: ReadonlyMap<number, number>
  readonly threadByPid: ReadonlyMap<number, number>
  /** `\BaseNamedObjects\<name>` → the section object of that name. */
  readonly namedObjects: ReadonlyMap<string, number>
  /** Upper-cased NT path → file id (NTFS names are case-insensitive). */
  readonly fileNames: ReadonlyMap<string, number>
  readonly nextObjectId: number
}

/** The apply functions of {@link ObjectManagerState}: what an undo names to take back. */
export type ObjectManagerChange =
  | 'insertObject'
  | 'removeObject'
  | 'setPointerCount'
  | 'setProcessExited'
  | 'createHandleTable'
  | 'deleteHandleTable'
  | 'insertHandle'
  | 'removeHandle'
  | 'setSectionSize'

function emptyRecords(): ObjectManagerRecords {
  return {
    objects: new Map(),
    handleTables: new Map(),
    processByPid: new Map(),
    threadByPid: new Map(),
    namedObjects: new Map(),
    fileNames: new Map(),
    nextObjectId: 1,
  }
}

function headerOf(records: Draft<ObjectManagerRecords>, objectId: number) {
  const header = records.objects.get(objectId)
  assert(header !== undefined, `object ${objectId} does not exist`)
  return header
}

/** The key of a file name in the volume's name table (case-insensitive). */
export function fileNameKey(name: string): string {
  return name.toUpperCase()
}

/** Removes a named section's name from the directory if it still names `objectId` (a draft step). */
function dropName(records: Draft<ObjectManagerRecords>, objectId: number, body: ObjectBody): void {
  if (body.kind !== 'Section' || body.name === null) return
  if (records.namedObjects.get(body.name) === objectId) records.namedObjects.delete(body.name)
}

/** Takes the handle and pointer reference a closed handle held (a draft step). */
function dropHandleCounts(records: Draft<ObjectManagerRecords>, objectId: number): void {
  const header = records.objects.get(objectId)
  assert(header !== undefined && header.handleCount > 0, `object ${objectId} has no handle`)
  header.handleCount--
  header.pointerCount--
  if (header.handleCount === 0) dropName(records, objectId, header.body)
}

/**
 * Object headers, handle tables and the CID table, as immutable versions (the default: time
 * travel's states, which step back through an undo journal) or as the live machine's one copy.
 */
export class ObjectManagerState {
  #records: VersionedRecords<ObjectManagerRecords, ObjectManagerChange>

  /** An empty state; see {@link VersioningOptions} (the live ObjectManager updates in place). */
  constructor(options: VersioningOptions = {}) {
    this.#records = new VersionedRecords(emptyRecords(), options)
  }

  /** The id the next created object gets. */
  get nextObjectId(): number {
    return this.#records.current.nextObjectId
  }

  /** The object with id `objectId`, or undefined (a version's header: it does not change later). */
  object(objectId: number): ObjectHeader | undefined {
    return this.#records.current.objects.get(objectId)
  }

  /** All live objects in creation order. */
  objects(): ObjectHeader[] {
    return [...this.#records.current.objects.values()]
  }

  /** The handle table of process `pid`, or undefined. */
  handleTable(pid: number): HandleTable | undefined {
    return this.#records.current.handleTables.get(pid)
  }

  /** The process object of a client id (PsLookupProcessByProcessId), live or exited. */
  processObjectId(pid: number): number | undefined {
    return this.#records.current.processByPid.get(pid)
  }

  /** The (single) thread object of a process. */
  threadObjectId(pid: number): number | undefined {
    return this.#records.current.threadByPid.get(pid)
  }

  /**
   * The object a full `\BaseNamedObjects\` name names: exactly, or ignoring case when
   * `caseInsensitive` (OBJ_CASE_INSENSITIVE); undefined when none does.
   */
  namedObject(name: string, caseInsensitive: boolean): number | undefined {
    const names = this.#records.current.namedObjects
    const exact = names.get(name)
    if (exact !== undefined || !caseInsensitive) return exact
    const wanted = name.toUpperCase()
    for (const [candidate, objectId] of names) if (candidate.toUpperCase() === wanted) return objectId
    return undefined
  }

  /** Every name of the `\BaseNamedObjects` directory with its object, in insertion order. */
  namedObjects(): [string, number][] {
    return [...this.#records.current.namedObjects]
  }

  /** The file an NT path names on the volume, or undefined. */
  fileByName(name: string): number | undefined {
    return this.#records.current.fileNames.get(fileNameKey(name))
  }

  /** Every file name of the volume (upper-cased NT path) with its file id. */
  fileNames(): [string, number][] {
    return [...this.#records.current.fileNames]
  }

  // ---- apply functions (each one change, one undo-journal entry) ----

  /** Adds an object (event apply step). */
  insertObject(objectId: number, type: ObjectTypeName, body: ObjectBody, pointerCount: number): void {
    const records = this.#records.begin()
    assert(!records.objects.has(objectId), `object ${objectId} exists`)
    records.objects.set(objectId, { id: objectId, type, pointerCount, handleCount: 0, body })
    if (body.kind === 'Process') records.processByPid.set(body.pid, objectId)
    else if (body.kind === 'Thread') records.threadByPid.set(body.pid, objectId)
    else if (body.kind === 'Section' && body.name !== null) records.namedObjects.set(body.name, objectId)
    else if (body.kind === 'File' && !records.fileNames.has(fileNameKey(body.name)))
      records.fileNames.set(fileNameKey(body.name), body.fileId)
    records.nextObjectId = Math.max(records.nextObjectId, objectId + 1)
    this.#records.commit('insertObject', records)
  }

  /** Removes an object (event apply step); its client id goes with it. */
  removeObject(objectId: number): void {
    const records = this.#records.begin()
    const header = headerOf(records, objectId)
    records.objects.delete(objectId)
    const body = header.body
    if (body.kind === 'Process' || body.kind === 'Thread') {
      const byPid = body.kind === 'Process' ? records.processByPid : records.threadByPid
      if (byPid.get(body.pid) === objectId) byPid.delete(body.pid)
    }
    dropName(records, objectId, body)
    this.#records.commit('removeObject', records)
  }

  /** Sets an object's pointer count (event apply step). */
  setPointerCount(objectId: number, pointerCount: number): void {
    const records = this.#records.begin()
    headerOf(records, objectId).pointerCount = pointerCount
    this.#records.commit('setPointerCount', records)
  }

  /** Marks a process object exited (event apply step). */
  setProcessExited(objectId: number, exited: boolean): void {
    const records = this.#records.begin()
    const header = records.objects.get(objectId)
    assert(header !== undefined && header.body.kind === 'Process', `object ${objectId} is not a process`)
    // A new body: the old one may be shared with a recorded event.
    header.body = { ...(header.body as ProcessBody), exited }
    this.#records.commit('setProcessExited', records)
  }

  /** Sets a section object's size (NtExtendSection; event apply step). */
  setSectionSize(objectId: number, size: number): void {
    const records = this.#records.begin()
    const header = records.objects.get(objectId)
    assert(header !== undefined && header.body.kind === 'Section', `object ${objectId} is not a section`)
    header.body = { ...(header.body as SectionBody), size }
    this.#records.commit('setSectionSize', records)
  }

  /** Creates the empty handle table of process `pid` (event apply step). */
  createHandleTable(pid: number): void {
    const records = this.#records.begin()
    assert(!records.handleTables.has(pid), `process ${pid} already has a handle table`)
    records.handleTables.set(pid, new HandleTable())
    this.#records.commit('createHandleTable', records)
  }

  /** Deletes the handle table of process `pid` (event apply step). */
  deleteHandleTable(pid: number): void {
    const records = this.#records.begin()
    const table = records.handleTables.get(pid)
    assert(table !== undefined && table.count === 0, `handle table of ${pid} is missing or not empty`)
    records.handleTables.delete(pid)
    this.#records.commit('deleteHandleTable', records)
  }

  /** Inserts a handle with its granted access (event apply step). */
  insertHandle(pid: number, handle: number, objectId: number, grantedAccess: number): void {
    const records = this.#records.begin()
    const table = records.handleTables.get(pid)
    const header = records.objects.get(objectId)
    assert(table !== undefined && header !== undefined, `no table ${pid} or object ${objectId}`)
    table.insert(handle, { objectId, grantedAccess })
    header.handleCount++
    header.pointerCount++
    this.#records.commit('insertHandle', records)
  }

  /** Removes a handle (event apply step). */
  removeHandle(pid: number, handle: number): void {
    const records = this.#records.begin()
    const table = records.handleTables.get(pid)
    assert(table !== undefined, `no handle table for ${pid}`)
    dropHandleCounts(records, table.remove(handle).objectId)
    this.#records.commit('removeHandle', records)
  }

  /**
   * Takes back the latest change, which must be `change`, by its inverse patches (a version's
   * undo: exact, `nextObjectId` and handle free lists included). Returns false, changing nothing,
   * when the journal holds no such change: the state keeps no journal, the change was made before
   * this state was cloned, or it fell off the journal's depth.
   */
  undo(change: ObjectManagerChange): boolean {
    return this.#records.undo(change)
  }

  /**
   * A checkpoint: a state holding this one's current version by reference (no copy; the two
   * share structure until either changes), with an empty undo journal.
   */
  clone(): ObjectManagerState {
    const copy = new ObjectManagerState()
    copy.#records = this.#records.share()
    return copy
  }

  /** @internal The current version of the records (frozen), for a snapshot written to a file. */
  get records(): unknown {
    return this.#records.current
  }

  /**
   * @internal A state holding `records` (a version the `records` getter gave, read back from a file;
   * versioned, frozen), with an empty undo journal.
   */
  static fromRecords(records: unknown): ObjectManagerState {
    const state = new ObjectManagerState()
    state.#records = new VersionedRecords(records as ObjectManagerRecords)
    return state
  }

  /** A stable text of the whole state, for digests. */
  digestInput(): string {
    const records = this.#records.current
    const parts = [`N${records.nextObjectId}`]
    for (const id of [...records.objects.keys()].sort((a, b) => a - b)) {
      const header = records.objects.get(id)!
      parts.push(
        `O${id}:${header.type}:${header.pointerCount}:${header.handleCount}:${JSON.stringify(header.body)}`,
      )
    }
    for (const pid of [...records.handleTables.keys()].sort((a, b) => a - b))
      parts.push(`H${pid}:${records.handleTables.get(pid)!.digestInput()}`)
    // Only once a file exists: a machine without files digests exactly as before.
    for (const name of [...records.fileNames.keys()].sort())
      parts.push(`F${JSON.stringify(name)}:${records.fileNames.get(name)}`)
    return parts.join('|')
  }
}
