import { describe, expect, it } from 'vitest'
import { ObjectManager } from './objectManager.js'
import { ObjectManagerState } from './objectManagerState.js'

/** Processes 4 and 8 with their threads and handle tables, and a handle of 4 on process 8. */
function populated(state: ObjectManagerState): void {
  let id = 1
  for (const pid of [4, 8]) {
    state.insertObject(id++, 'Process', { kind: 'Process', pid, name: `p${pid}.exe`, exited: false }, 1)
    state.insertObject(id++, 'Thread', { kind: 'Thread', tid: pid + 1, pid }, 1)
    state.createHandleTable(pid)
  }
  state.insertHandle(4, 4, 3, 0x1fffff)
}

describe('ObjectManagerState', () => {
  it('hands out frozen records: a change makes new ones', () => {
    const state = new ObjectManagerState()
    populated(state)
    const header = state.object(3)!
    expect(Object.isFrozen(header)).toBe(true)
    expect(Object.isFrozen(state.handleTable(4))).toBe(true)
    state.setPointerCount(3, 7)
    expect(header.pointerCount).toBe(2)
    expect(state.object(3)!.pointerCount).toBe(7)
  })

  it('takes a checkpoint (clone) by reference: every record is shared until the next change', () => {
    const state = new ObjectManagerState()
    populated(state)
    const checkpoint = state.clone()
    for (const header of state.objects()) expect(checkpoint.object(header.id)).toBe(header)
    for (const pid of [4, 8]) expect(checkpoint.handleTable(pid)).toBe(state.handleTable(pid))
    expect(checkpoint.digestInput()).toBe(state.digestInput())

    state.setPointerCount(1, 5)
    // The changed header is a new record; the checkpoint keeps the old one, the rest stays shared.
    expect(state.object(1)).not.toBe(checkpoint.object(1))
    expect(checkpoint.object(1)!.pointerCount).toBe(1)
    for (const id of [2, 3, 4]) expect(state.object(id)).toBe(checkpoint.object(id))
    for (const pid of [4, 8]) expect(checkpoint.handleTable(pid)).toBe(state.handleTable(pid))

    state.removeHandle(4, 4)
    expect(state.handleTable(4)).not.toBe(checkpoint.handleTable(4))
    expect(checkpoint.handleTable(4)!.lookup(4)).toEqual({ objectId: 3, grantedAccess: 0x1fffff })
    expect(state.handleTable(8)).toBe(checkpoint.handleTable(8))
  })

  it('undoes changes by the journal only back to the clone it was made from', () => {
    const state = new ObjectManagerState()
    populated(state)
    const restored = state.clone()
    restored.setPointerCount(1, 9)
    expect(restored.undo('setPointerCount')).toBe(true)
    expect(restored.digestInput()).toBe(state.digestInput())
    expect(restored.undo('insertHandle')).toBe(false)
    expect(state.undo('insertHandle')).toBe(true)
    expect(state.handleTable(4)!.count).toBe(0)
  })

  it("freezes the live object manager's copy when it is cloned; the clone keeps that moment", () => {
    const ob = new ObjectManager()
    ob.createObject('Process', { kind: 'Process', pid: 4, name: 'a.exe', exited: false })
    ob.createHandleTable(4)
    const live = ob.state.object(1)!
    expect(Object.isFrozen(live)).toBe(false)
    const checkpoint = ob.state.clone()
    ob.createHandle(4, 1, 0x1fffff)
    expect(checkpoint.object(1)).toBe(live)
    expect(checkpoint.object(1)!.pointerCount).toBe(1)
    expect(ob.state.object(1)!.pointerCount).toBe(2)
    expect(checkpoint.handleTable(4)!.count).toBe(0)
  })
})
