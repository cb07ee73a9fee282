// What the parts of a Kernel share (internal, not exported by index.ts): the memory manager, the
// object manager, the process table, the event sequencer, the paging mode's address limits, and
// whether the Kernel is a read-only view of the past. The Kernel (kernel.ts) builds one and hands
// it to its CPUs, its virtual-memory port, its write watch and its deferred recording. NT keeps the
// same things as system-wide globals (PsActiveProcessHead, the object directory, MmHighestUserAddress).

import type { AddressSpace, MemoryManager } from '@ntmm/mm-core'
import { InvariantError } from './assert.js'
import type { EventSequencer } from './eventSequencer.js'
import type { KernelProcessState, KernelState } from './kernelState.js'
import { refuseOnView } from './kernelViews.js'
import type { ObjectManager } from './objectManager.js'
import type { UserAddressLimits } from './userAddressLimits.js'

/** The state one Kernel's parts share. */
export class KernelContext {
  readonly mm: MemoryManager
  readonly ob: ObjectManager
  /** The process table (pids, threads, last errors, write-watch bits). */
  readonly state: KernelState
  readonly limits: UserAddressLimits
  readonly sequencer: EventSequencer
  /** For a view of the past: the seq it shows the machine right after; else undefined. */
  readonly viewOf: number | undefined

  constructor(parts: {
    readonly mm: MemoryManager
    readonly ob: ObjectManager
    readonly state: KernelState
    readonly limits: UserAddressLimits
    readonly sequencer: EventSequencer
    readonly viewOf: number | undefined
  }) {
    this.mm = parts.mm
    this.ob = parts.ob
    this.state = parts.state
    this.limits = parts.limits
    this.sequencer = parts.sequencer
    this.viewOf = parts.viewOf
  }

  /** Throws: a read-only view refuses `call`, which would change state. */
  refuse(call: string): never {
    return refuseOnView(call, this.viewOf)
  }

  /** The address space of a live process (the services reach here only after referencing it). */
  space(pid: number): AddressSpace {
    const space = this.mm.addressSpace(pid)
    if (!space) throw new InvariantError(`process ${String(pid)} has no address space`)
    return space
  }

  /** The process-table entry of a running process; a RangeError (the API user's mistake) otherwise. */
  live(pid: number): KernelProcessState {
    const record = this.state.processes.get(pid)
    if (!record) throw new RangeError(`no running process with pid ${String(pid)}`)
    return record
  }
}
