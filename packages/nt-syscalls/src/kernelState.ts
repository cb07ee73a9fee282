// The Kernel's own state, event-sourced like every other layer: the process table (the pid →
// EPROCESS/ETHREAD object ids of PspCidTable's live entries), each process's last-error value
// (TEB.LastErrorValue) and its MEM_WRITE_WATCH bitmaps (one page set per watched allocation), and
// the next pid/tid to hand out. The live Kernel changes it only through applyKernelEvent. The
// records are immer data (versionedRecords.ts): a clone is a reference, and undo replays inverse
// patches.

import type { Draft } from 'immer'
import { assert } from './assert.js'
import { VersionedRecords, type VersioningOptions } from './versionedRecords.js'

/** A process was created (an input: `kernel.createProcess`). */
export interface KernelProcessCreatedEvent {
  readonly type: 'nt.processCreated'
  readonly pid: number
  readonly tid: number
  readonly name: string
  readonly processObjectId: number
  readonly threadObjectId: number
}

/** A process was terminated (an input: `kernel.terminateProcess`); carries what it held, for undo. */
export interface KernelProcessTerminatedEvent {
  readonly type: 'nt.processTerminated'
  readonly pid: number
  readonly processObjectId: number
  readonly threadObjectId: number
  readonly lastError: number
  readonly writeWatch: readonly { readonly base: number; readonly pages: readonly number[] }[]
}

/** SetLastError / RtlSetLastWin32Error on the thread of `pid`. */
export interface KernelLastErrorChangedEvent {
  readonly type: 'nt.lastErrorChanged'
  readonly pid: number
  readonly value: number
  readonly previous: number
}

/** The write-watch page set of the allocation at `base` was replaced (null: not watched). */
export interface KernelWriteWatchChangedEvent {
  readonly type: 'nt.writeWatchChanged'
  readonly pid: number
  readonly base: number
  readonly pages: readonly number[] | null
  readonly previous: readonly number[] | null
}

/** Any event of the Kernel's own state. */
export type KernelEvent =
  | KernelProcessCreatedEvent
  | KernelProcessTerminatedEvent
  | KernelLastErrorChangedEvent
  | KernelWriteWatchChangedEvent

/** The type strings of {@link KernelEvent}. */
export const KERNEL_EVENT_TYPES: readonly KernelEvent['type'][] = [
  'nt.processCreated',
  'nt.processTerminated',
  'nt.lastErrorChanged',
  'nt.writeWatchChanged',
]

/** One live process as the kernel state holds it (a version's record: it does not change later). */
export interface KernelProcessState {
  readonly pid: number
  readonly processObjectId: number
  readonly threadObjectId: number
  readonly lastError: number
  /** MEM_WRITE_WATCH allocations: base → written page addresses. */
  readonly writeWatch: ReadonlyMap<number, ReadonlySet<number>>
}

/** One version of the Kernel's records. */
interface KernelRecords {
  readonly processes: ReadonlyMap<number, KernelProcessState>
  readonly nextPid: number
  readonly nextTid: number
}

function processOf(records: Draft<KernelRecords>, pid: number) {
  const process = records.processes.get(pid)
  assert(process !== undefined, `kernel event names pid ${pid}, which has no live process`)
  return process
}

/** The immer recipe of each kernel event: the one place the process table changes. */
function applyToRecords(records: Draft<KernelRecords>, event: Readonly<KernelEvent>): void {
  switch (event.type) {
    case 'nt.processCreated':
      records.processes.set(event.pid, {
        pid: event.pid,
        processObjectId: event.processObjectId,
        threadObjectId: event.threadObjectId,
        lastError: 0,
        writeWatch: new Map(),
      })
      records.nextPid = Math.max(records.nextPid, event.pid + 4)
      records.nextTid = Math.max(records.nextTid, event.tid + 4)
      return
    case 'nt.processTerminated':
      records.processes.delete(event.pid)
      return
    case 'nt.lastErrorChanged':
      processOf(records, event.pid).lastError = event.value
      return
    case 'nt.writeWatchChanged': {
      const writeWatch = processOf(records, event.pid).writeWatch
      if (event.pages === null) writeWatch.delete(event.base)
      else writeWatch.set(event.base, new Set(event.pages))
      return
    }
  }
}

/**
 * The process table and per-process state of a Kernel, as immutable versions (the default; the
 * live Kernel's too: its changes are rare) changed by {@link applyKernelEvent}.
 */
export class KernelState {
  #records: VersionedRecords<KernelRecords, KernelEvent['type']>

  /** An empty process table handing out `firstPid` first; see {@link VersioningOptions}. */
  constructor(firstPid: number, options: VersioningOptions = {}) {
    const initial: KernelRecords = { processes: new Map(), nextPid: firstPid, nextTid: firstPid + 2 }
    this.#records = new VersionedRecords(initial, options)
  }

  /** The live processes by pid. */
  get processes(): ReadonlyMap<number, KernelProcessState> {
    return this.#records.current.processes
  }

  /** The pid the next process gets. */
  get nextPid(): number {
    return this.#records.current.nextPid
  }

  /** The tid the next process's thread gets. */
  get nextTid(): number {
    return this.#records.current.nextTid
  }

  /** Applies a kernel event (what {@link applyKernelEvent} does). */
  apply(event: Readonly<KernelEvent>): void {
    const records = this.#records.begin()
    applyToRecords(records, event)
    this.#records.commit(event.type, records)
  }

  /** Reverts a kernel event (what {@link revertKernelEvent} does). */
  revert(event: Readonly<KernelEvent>): boolean {
    return this.#records.undo(event.type)
  }

  /**
   * A checkpoint: a state holding this one's current version by reference (no copy; the two
   * share structure until either changes), with an empty undo journal.
   */
  clone(): KernelState {
    const copy = new KernelState(0)
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
  static fromRecords(records: unknown): KernelState {
    const state = new KernelState(0)
    state.#records = new VersionedRecords(records as KernelRecords)
    return state
  }

  /** A stable text of the whole state, for digests. */
  digestInput(): string {
    const parts = [`P${this.nextPid}:${this.nextTid}`]
    const processes = this.processes
    for (const pid of [...processes.keys()].sort((a, b) => a - b)) {
      const process = processes.get(pid)!
      parts.push(`${pid}:${process.processObjectId}:${process.threadObjectId}:${process.lastError}`)
      for (const base of [...process.writeWatch.keys()].sort((a, b) => a - b)) {
        const pages = [...process.writeWatch.get(base)!].sort((a, b) => a - b)
        parts.push(`W${base}:${pages.join(',')}`)
      }
    }
    return parts.join('|')
  }
}

/** Applies a kernel event: the only way the live Kernel changes its process table. */
export function applyKernelEvent(state: KernelState, event: Readonly<KernelEvent>): void {
  state.apply(event)
}

/**
 * Reverts `event`, the last kernel event applied to `state`, by the inverse patches its
 * application journaled. Returns true when it did; false, changing nothing, when the state's undo
 * journal holds no entry for it (the state keeps no journal, was cloned after the event, or the
 * event fell off the journal's depth): step back by restoring a checkpoint then.
 */
export function revertKernelEvent(state: KernelState, event: Readonly<KernelEvent>): boolean {
  return state.revert(event)
}
