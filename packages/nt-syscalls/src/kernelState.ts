// The Kernel's own state, event-sourced like every other layer: the process table (the pid →
// EPROCESS/ETHREAD object ids of PspCidTable's live entries), each process's last-error value
// (TEB.LastErrorValue) and its MEM_WRITE_WATCH bitmaps (one page set per watched allocation), and
// the next pid/tid to hand out. The live Kernel changes it only through applyKernelEvent.

import { assert } from './assert.js'

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

/** One live process as the kernel state holds it. */
export interface KernelProcessState {
  readonly pid: number
  readonly processObjectId: number
  readonly threadObjectId: number
  lastError: number
  /** MEM_WRITE_WATCH allocations: base → written page addresses. */
  readonly writeWatch: Map<number, Set<number>>
}

/** The process table and per-process state of a Kernel. */
export class KernelState {
  readonly processes = new Map<number, KernelProcessState>()
  nextPid: number
  nextTid: number

  constructor(firstPid: number) {
    this.nextPid = firstPid
    this.nextTid = firstPid + 2
  }

  /** An independent copy (low-rate state: a few entries per process). */
  clone(): KernelState {
    const copy = new KernelState(0)
    copy.nextPid = this.nextPid
    copy.nextTid = this.nextTid
    for (const [pid, process] of this.processes) {
      copy.processes.set(pid, {
        ...process,
        writeWatch: new Map([...process.writeWatch].map(([base, pages]) => [base, new Set(pages)])),
      })
    }
    return copy
  }

  /** A stable text of the whole state, for digests. */
  digestInput(): string {
    const parts = [`P${this.nextPid}:${this.nextTid}`]
    for (const pid of [...this.processes.keys()].sort((a, b) => a - b)) {
      const process = this.processes.get(pid)!
      parts.push(`${pid}:${process.processObjectId}:${process.threadObjectId}:${process.lastError}`)
      for (const base of [...process.writeWatch.keys()].sort((a, b) => a - b)) {
        const pages = [...process.writeWatch.get(base)!].sort((a, b) => a - b)
        parts.push(`W${base}:${pages.join(',')}`)
      }
    }
    return parts.join('|')
  }
}

function processOf(state: KernelState, pid: number): KernelProcessState {
  const process = state.processes.get(pid)
  assert(process !== undefined, `kernel event names pid ${pid}, which has no live process`)
  return process
}

function setWatch(process: KernelProcessState, base: number, pages: readonly number[] | null): void {
  if (pages === null) process.writeWatch.delete(base)
  else process.writeWatch.set(base, new Set(pages))
}

/** Applies a kernel event: the only way the live Kernel changes its process table. */
export function applyKernelEvent(state: KernelState, event: Readonly<KernelEvent>): void {
  switch (event.type) {
    case 'nt.processCreated':
      state.processes.set(event.pid, {
        pid: event.pid,
        processObjectId: event.processObjectId,
        threadObjectId: event.threadObjectId,
        lastError: 0,
        writeWatch: new Map(),
      })
      state.nextPid = Math.max(state.nextPid, event.pid + 4)
      state.nextTid = Math.max(state.nextTid, event.tid + 4)
      return
    case 'nt.processTerminated':
      state.processes.delete(event.pid)
      return
    case 'nt.lastErrorChanged':
      processOf(state, event.pid).lastError = event.value
      return
    case 'nt.writeWatchChanged':
      setWatch(processOf(state, event.pid), event.base, event.pages)
      return
  }
}

/** Reverts a kernel event, the last one applied to `state`, from the old values it carries. */
export function revertKernelEvent(state: KernelState, event: Readonly<KernelEvent>): void {
  switch (event.type) {
    case 'nt.processCreated':
      state.processes.delete(event.pid)
      state.nextPid = event.pid
      state.nextTid = event.tid
      return
    case 'nt.processTerminated':
      state.processes.set(event.pid, {
        pid: event.pid,
        processObjectId: event.processObjectId,
        threadObjectId: event.threadObjectId,
        lastError: event.lastError,
        writeWatch: new Map(event.writeWatch.map((watch) => [watch.base, new Set(watch.pages)])),
      })
      return
    case 'nt.lastErrorChanged':
      processOf(state, event.pid).lastError = event.previous
      return
    case 'nt.writeWatchChanged':
      setWatch(processOf(state, event.pid), event.base, event.previous)
      return
  }
}
