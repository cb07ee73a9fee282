import { describe, expect, it } from 'vitest'
import { KernelState } from './kernelState.js'

describe('KernelState', () => {
  it('takes a checkpoint (clone) by reference: the process table is shared until the next change', () => {
    const state = new KernelState(4)
    for (const pid of [4, 8])
      state.apply({
        type: 'nt.processCreated',
        pid,
        tid: pid + 2,
        name: `p${pid}.exe`,
        processObjectId: pid,
        threadObjectId: pid + 1,
      })
    const checkpoint = state.clone()
    expect(checkpoint.processes).toBe(state.processes)
    state.apply({ type: 'nt.lastErrorChanged', pid: 8, value: 5, previous: 0 })
    expect(checkpoint.processes.get(8)!.lastError).toBe(0)
    expect(state.processes.get(4)).toBe(checkpoint.processes.get(4))
    expect(state.revert({ type: 'nt.lastErrorChanged', pid: 8, value: 5, previous: 0 })).toBe(true)
    expect(state.digestInput()).toBe(checkpoint.digestInput())
  })
})
