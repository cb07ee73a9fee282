// Whether a recorded event of the executive (the object manager's nt.* events and the Kernel's
// process table) holds against the machine it is about to be applied to, when a trace from outside
// is loaded (loadMachineState.ts): the object, handle table and process it names exist (or do not
// yet, for a creation), a handle is created in the slot the table hands out next and closed where
// it is open, and the old values an event carries (pointer counts, last errors, write-watch pages,
// a deleted object's body) are the machine's, so stepping back over it gives back the state before.
// A validation step before apply: the apply functions (events.ts, kernelState.ts) assert instead.
// No NT counterpart: ObpIncrementHandleCount and ExCreateHandle trust their callers.

import { type EventProblem, problem } from './checkHardwareEvent.js'
import type { KernelState } from './kernelState.js'
import type { MachineEvent } from './machineSchema.js'
import type { ObjectBody } from './objectHeader.js'
import type { ObjectManagerState } from './objectManagerState.js'

/** True when two object bodies are the same. */
function sameBody(a: ObjectBody, b: ObjectBody): boolean {
  if (a.kind === 'Process' && b.kind === 'Process')
    return a.pid === b.pid && a.name === b.name && a.exited === b.exited
  if (a.kind === 'Thread' && b.kind === 'Thread') return a.pid === b.pid && a.tid === b.tid
  if (a.kind === 'File' || a.kind === 'Section') return JSON.stringify(a) === JSON.stringify(b)
  return false
}

/** True when two page lists hold the same pages (write-watch sets, in any order). */
function samePages(set: ReadonlySet<number> | undefined, pages: readonly number[] | null): boolean {
  if (set === undefined || pages === null) return set === undefined && pages === null
  return set.size === pages.length && pages.every((page) => set.has(page))
}

/** The problem with an object-manager event on `ob`, or undefined. */
function objectProblem(ob: ObjectManagerState, event: Readonly<MachineEvent>): EventProblem | undefined {
  switch (event.type) {
    case 'nt.objectCreated': {
      if (ob.object(event.objectId) !== undefined || event.objectId < ob.nextObjectId)
        return problem('objectId', `object ids from ${ob.nextObjectId} are free; ${event.objectId} is not`)
      if (event.body.kind !== event.objectType)
        return problem('body.kind', `the body is not a ${event.objectType}`)
      const body = event.body
      if (body.kind === 'Section')
        return body.name !== null && ob.namedObject(body.name, false) !== undefined
          ? problem('body.name', `${body.name} names an object already`)
          : undefined
      if (body.kind === 'File') {
        const named = ob.fileByName(body.name)
        return named === undefined || named === body.fileId
          ? undefined
          : problem('body.name', `${body.name} names file ${named}`)
      }
      const taken = body.kind === 'Process' ? ob.processObjectId(body.pid) : ob.threadObjectId(body.pid)
      return taken === undefined
        ? undefined
        : problem('body.pid', `process ${body.pid} has a ${event.objectType} object already`)
    }
    case 'nt.objectDeleted': {
      const header = ob.object(event.objectId)
      if (header === undefined) return problem('objectId', `object ${event.objectId} does not exist`)
      if (header.pointerCount !== 0 || header.handleCount !== 0)
        return problem('objectId', `object ${event.objectId} still has ${header.pointerCount} references`)
      if (header.type !== event.objectType)
        return problem('objectType', `object ${event.objectId} is a ${header.type}`)
      return sameBody(header.body, event.body)
        ? undefined
        : problem('body', `object ${event.objectId} has another body`)
    }
    case 'nt.objectReferenced':
    case 'nt.objectDereferenced': {
      const header = ob.object(event.objectId)
      if (header === undefined) return problem('objectId', `object ${event.objectId} does not exist`)
      if (header.pointerCount !== event.previousPointerCount)
        return problem(
          'previousPointerCount',
          `object ${event.objectId} has ${header.pointerCount} references`,
        )
      const step = event.type === 'nt.objectReferenced' ? 1 : -1
      if (event.pointerCount !== event.previousPointerCount + step)
        return problem('pointerCount', `a reference moves the count by ${step}`)
      return event.pointerCount < header.handleCount
        ? problem(
            'pointerCount',
            `object ${event.objectId} has ${header.handleCount} handles, each a reference`,
          )
        : undefined
    }
    case 'nt.handleCreated': {
      const table = ob.handleTable(event.pid)
      if (table === undefined) return problem('pid', `process ${event.pid} has no handle table`)
      if (ob.object(event.objectId) === undefined)
        return problem('objectId', `object ${event.objectId} does not exist`)
      const next = table.nextHandle()
      if (event.handle !== next.handle)
        return problem('handle', `the next handle of ${event.pid} is ${next.handle}`)
      return event.reusedSlot === next.reusedSlot
        ? undefined
        : problem(
            'reusedSlot',
            `handle ${next.handle} ${next.reusedSlot ? 'comes from' : 'is not on'} the free list`,
          )
    }
    case 'nt.handleClosed': {
      const table = ob.handleTable(event.pid)
      if (table === undefined) return problem('pid', `process ${event.pid} has no handle table`)
      const entry = event.handle % 4 === 0 ? table.lookup(event.handle) : undefined
      if (entry === undefined) return problem('handle', `handle ${event.handle} of ${event.pid} is not open`)
      if (entry.objectId !== event.objectId)
        return problem('objectId', `the handle names object ${entry.objectId}`)
      return entry.grantedAccess === event.grantedAccess
        ? undefined
        : problem('grantedAccess', `the handle was granted ${entry.grantedAccess}`)
    }
    case 'nt.handleTableCreated':
      return ob.handleTable(event.pid) === undefined
        ? undefined
        : problem('pid', `process ${event.pid} has a handle table already`)
    case 'nt.handleTableDeleted': {
      const table = ob.handleTable(event.pid)
      if (table === undefined) return problem('pid', `process ${event.pid} has no handle table`)
      return table.count === 0
        ? undefined
        : problem('pid', `the handle table of ${event.pid} still holds handles`)
    }
    case 'nt.processExited': {
      const body = ob.object(event.objectId)?.body
      return body?.kind === 'Process' && body.pid === event.pid && !body.exited
        ? undefined
        : problem('objectId', `object ${event.objectId} is not the running process ${event.pid}`)
    }
    case 'nt.sectionExtended': {
      const body = ob.object(event.objectId)?.body
      if (body?.kind !== 'Section') return problem('objectId', `object ${event.objectId} is not a section`)
      return body.size === event.previousSize
        ? undefined
        : problem('previousSize', `the section is ${body.size} bytes`)
    }
    default:
      return undefined
  }
}

/** The problem with an event of the Kernel's process table, or undefined. */
function processTableProblem(
  kernel: KernelState,
  ob: ObjectManagerState,
  event: Readonly<MachineEvent>,
): EventProblem | undefined {
  switch (event.type) {
    case 'nt.processCreated':
      if (event.pid <= 0 || event.pid < kernel.nextPid || kernel.processes.has(event.pid))
        return problem(
          'pid',
          `pid ${event.pid} is not one the Kernel hands out next (${kernel.nextPid}; pids are never reused)`,
        )
      if (event.tid <= 0 || event.tid < kernel.nextTid)
        return problem('tid', `tid ${event.tid} is not one the Kernel hands out next (${kernel.nextTid})`)
      if (event.processObjectId !== ob.nextObjectId || event.threadObjectId !== ob.nextObjectId + 1)
        return problem(
          'processObjectId',
          `the next objects are ${ob.nextObjectId} and ${ob.nextObjectId + 1}`,
        )
      return undefined
    case 'nt.processTerminated': {
      const process = kernel.processes.get(event.pid)
      if (process === undefined) return problem('pid', `no process ${event.pid} is running`)
      if (
        process.processObjectId !== event.processObjectId ||
        process.threadObjectId !== event.threadObjectId
      )
        return problem('processObjectId', `process ${event.pid} is object ${process.processObjectId}`)
      if (process.lastError !== event.lastError)
        return problem('lastError', `the last error is ${process.lastError}`)
      const watched = event.writeWatch
      if (
        watched.length !== process.writeWatch.size ||
        !watched.every((watch) => samePages(process.writeWatch.get(watch.base), watch.pages))
      )
        return problem('writeWatch', `process ${event.pid} watches other pages`)
      return undefined
    }
    case 'nt.lastErrorChanged': {
      const process = kernel.processes.get(event.pid)
      if (process === undefined) return problem('pid', `no process ${event.pid} is running`)
      return process.lastError === event.previous
        ? undefined
        : problem('previous', `the last error is ${process.lastError}`)
    }
    case 'nt.writeWatchChanged': {
      const process = kernel.processes.get(event.pid)
      if (process === undefined) return problem('pid', `no process ${event.pid} is running`)
      return samePages(process.writeWatch.get(event.base), event.previous)
        ? undefined
        : problem('previous', `the allocation at ${event.base} has other written pages`)
    }
    case 'nt.syscallEntered':
    case 'nt.debugInput':
      return kernel.processes.has(event.pid)
        ? undefined
        : problem('pid', `no process ${event.pid} is running`)
    default:
      return undefined
  }
}

/** The problem with an event of the executive (object manager, process table) on the machine, or undefined. */
export function checkExecutiveEvent(
  ob: ObjectManagerState,
  kernel: KernelState,
  event: Readonly<MachineEvent>,
): EventProblem | undefined {
  return objectProblem(ob, event) ?? processTableProblem(kernel, ob, event)
}
