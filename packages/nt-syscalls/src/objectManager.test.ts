import { describe, expect, it } from 'vitest'
import {
  PROCESS_ALL_ACCESS,
  PROCESS_QUERY_INFORMATION,
  PROCESS_VM_OPERATION,
  PROCESS_VM_READ,
} from './accessRights.js'
import { applyNtEvent, type NtEvent, revertNtEvent } from './events.js'
import { NtCurrentProcess, NtCurrentThread, ObjectManager } from './objectManager.js'
import { ObjectManagerState } from './objectManagerState.js'
import { ntStatusName } from './ntStatus.js'

/** Two processes (pids 4 and 8), each with a thread, as the kernel creates them. */
function machine() {
  const events: NtEvent[] = []
  const ob = new ObjectManager()
  ob.setRecorder((event) => events.push(event))
  for (const pid of [4, 8]) {
    ob.createObject('Process', { kind: 'Process', pid, name: `p${pid}.exe`, exited: false })
    ob.createObject('Thread', { kind: 'Thread', tid: pid + 1, pid })
    ob.createHandleTable(pid)
  }
  const process8 = ob.state.processObjectId(8) as number
  return { ob, events, process8 }
}

function reference(
  ob: ObjectManager,
  handle: number,
  desiredAccess: number,
  mode: 'user' | 'kernel' = 'user',
) {
  const result = ob.referenceObjectByHandle({ pid: 4, handle, desiredAccess, objectType: 'Process', mode })
  if (result.status === 0) ob.dereferenceObject(result.object.id)
  return ntStatusName(result.status)
}

describe('ObjectManager', () => {
  it('hands out handle values that are multiples of 4 starting at 4', () => {
    const { ob, process8 } = machine()
    expect([1, 2, 3].map(() => ob.createHandle(4, process8, PROCESS_ALL_ACCESS))).toEqual([4, 8, 12])
  })

  it('reuses the most recently freed slot first', () => {
    const { ob, process8 } = machine()
    const [a, b, c] = [1, 2, 3].map(() => ob.createHandle(4, process8, PROCESS_ALL_ACCESS))
    ob.closeHandle(4, a as number)
    ob.closeHandle(4, c as number)
    expect(ob.createHandle(4, process8, 0)).toBe(c)
    expect(ob.createHandle(4, process8, 0)).toBe(a)
    expect(ob.createHandle(4, process8, 0)).toBe(16)
    expect(b).toBe(8)
  })

  it('ignores the two low tag bits of a handle value on lookup', () => {
    const { ob, process8 } = machine()
    const handle = ob.createHandle(4, process8, PROCESS_VM_OPERATION)
    expect(reference(ob, handle + 3, PROCESS_VM_OPERATION)).toBe('STATUS_SUCCESS')
  })

  it('keeps handle tables per process', () => {
    const { ob, process8 } = machine()
    const handle = ob.createHandle(4, process8, PROCESS_ALL_ACCESS)
    const result = ob.referenceObjectByHandle({
      pid: 8,
      handle,
      desiredAccess: 0,
      objectType: 'Process',
      mode: 'user',
    })
    expect(ntStatusName(result.status)).toBe('STATUS_INVALID_HANDLE')
  })

  it.each([
    ['returns STATUS_INVALID_HANDLE for handle 0', 0],
    ['returns STATUS_INVALID_HANDLE for a never-created handle', 400],
    ['returns STATUS_INVALID_HANDLE for a negative value other than the pseudo-handles', -3],
    ['returns STATUS_INVALID_HANDLE for index 0 of a low-level table (0x800)', 0x800],
  ])('%s', (_rule, handle) => {
    const { ob } = machine()
    expect(reference(ob, handle, 0)).toBe('STATUS_INVALID_HANDLE')
  })

  it('returns STATUS_INVALID_HANDLE for a closed handle', () => {
    const { ob, process8 } = machine()
    const handle = ob.createHandle(4, process8, PROCESS_ALL_ACCESS)
    expect(ob.closeHandle(4, handle)).toBe(0)
    expect(reference(ob, handle, 0)).toBe('STATUS_INVALID_HANDLE')
    expect(ntStatusName(ob.closeHandle(4, handle))).toBe('STATUS_INVALID_HANDLE')
  })

  it('resolves NtCurrentProcess to the calling process with PROCESS_ALL_ACCESS', () => {
    const { ob } = machine()
    const result = ob.referenceObjectByHandle({
      pid: 4,
      handle: NtCurrentProcess,
      desiredAccess: PROCESS_ALL_ACCESS,
      objectType: 'Process',
      mode: 'user',
    })
    expect(result.status).toBe(0)
    if (result.status === 0) expect(result.object.body).toMatchObject({ kind: 'Process', pid: 4 })
  })

  it('returns STATUS_OBJECT_TYPE_MISMATCH for NtCurrentThread where a process is expected', () => {
    const { ob } = machine()
    expect(reference(ob, NtCurrentThread, 0)).toBe('STATUS_OBJECT_TYPE_MISMATCH')
  })

  it('checks the object type before the granted access', () => {
    const { ob } = machine()
    const thread4 = ob.state.threadObjectId(4) as number
    const handle = ob.createHandle(4, thread4, 0)
    expect(reference(ob, handle, PROCESS_VM_OPERATION)).toBe('STATUS_OBJECT_TYPE_MISMATCH')
  })

  it('returns STATUS_ACCESS_DENIED unless every desired right was granted', () => {
    const { ob, process8 } = machine()
    const handle = ob.createHandle(4, process8, PROCESS_VM_READ | PROCESS_QUERY_INFORMATION)
    expect(reference(ob, handle, PROCESS_VM_READ)).toBe('STATUS_SUCCESS')
    expect(reference(ob, handle, PROCESS_VM_READ | PROCESS_VM_OPERATION)).toBe('STATUS_ACCESS_DENIED')
  })

  it('skips the access check for kernel-mode callers', () => {
    const { ob, process8 } = machine()
    const handle = ob.createHandle(4, process8, 0)
    expect(reference(ob, handle, PROCESS_VM_OPERATION, 'kernel')).toBe('STATUS_SUCCESS')
  })

  it('counts one pointer reference per handle and deletes the object with its last reference', () => {
    const { ob, events, process8 } = machine()
    const handle = ob.createHandle(4, process8, PROCESS_ALL_ACCESS)
    expect(ob.state.object(process8)).toMatchObject({ pointerCount: 2, handleCount: 1 })
    ob.dereferenceObject(process8) // the process's own reference (it exits)
    expect(ob.state.object(process8)).toMatchObject({ pointerCount: 1, handleCount: 1 })
    ob.closeHandle(4, handle)
    expect(ob.state.object(process8)).toBeUndefined()
    expect(ob.state.processObjectId(8)).toBeUndefined()
    expect(events.at(-1)).toMatchObject({ type: 'nt.objectDeleted', objectId: process8 })
  })

  it('rebuilds the same state by applying the recorded events, and undoes them back to empty', () => {
    const { ob, events, process8 } = machine()
    const a = ob.createHandle(4, process8, PROCESS_ALL_ACCESS)
    ob.createHandle(8, ob.state.processObjectId(4) as number, PROCESS_VM_READ)
    ob.closeHandle(4, a)
    ob.createHandle(4, process8, PROCESS_VM_OPERATION)
    reference(ob, NtCurrentProcess, 0)
    const replayed = new ObjectManagerState()
    for (const event of events) applyNtEvent(replayed, event)
    const view = (state: ObjectManagerState) => ({
      objects: state.objects(),
      tables: [4, 8].map((pid) => state.handleTable(pid)?.handles()),
    })
    expect(view(replayed)).toEqual(view(ob.state))
    for (const event of [...events].reverse()) revertNtEvent(replayed, event)
    expect(view(replayed)).toEqual({ objects: [], tables: [undefined, undefined] })
    expect(replayed.nextObjectId).toBe(1)
  })
})
