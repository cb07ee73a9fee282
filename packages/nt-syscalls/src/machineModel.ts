// The machine as a time-travel model: the state of the whole machine (a MemoryManager holding the
// hw-mmu state, the object-manager state, the Kernel's process table), how one recorded event of
// any layer is applied to it (through the layers' own apply functions) and undone, checkpointed,
// restored and digested. What @ntmm/trace's Timeline rebuilds a past state with. No NT
// counterpart: NT keeps no history; this is the replay half of the event log (docs/time-travel.md).

import type { HwEvent } from '@ntmm/hw-mmu'
import { undoHwEvent } from '@ntmm/hw-mmu'
import { applyTlbHit, undoTlbHit } from '@ntmm/hw-mmu/internal'
import {
  MemoryManager,
  type MemoryManagerOptions,
  type MemoryManagerSnapshot,
  type MmEvent,
  snapshotHeldBytes,
} from '@ntmm/mm-core'
import { StateHasher, type TraceModel } from '@ntmm/trace'
import { InvariantError } from './assert.js'
import { applyNtEvent, type NtEvent, revertNtEvent } from './events.js'
import { applyKernelEvent, type KernelEvent, KernelState, revertKernelEvent } from './kernelState.js'
import {
  type MachineConfig,
  type MachineCpuAccessEvent,
  type MachineEvent,
  TLB_HIT_LEVEL_SHIFT,
} from './machineSchema.js'
import { ObjectManagerState } from './objectManagerState.js'

/** The first pid handed out; pids are multiples of 4 (4, 8, 12, ...), never reused. */
export const FIRST_PID = 4

/** The whole machine's state, as time travel rebuilds it. */
export interface MachineState {
  /** The memory manager and its machine (hw-mmu state inside: `mm.mmu.state`). */
  readonly mm: MemoryManager
  readonly ob: ObjectManagerState
  readonly kernel: KernelState
}

/** A checkpoint of {@link MachineState}. */
export interface MachineSnapshot {
  readonly mm: MemoryManagerSnapshot
  readonly ob: ObjectManagerState
  readonly kernel: KernelState
}

/** The memory-manager options of a machine of `config` (shared by every place that rebuilds one). */
export function machineOptionsOf(config: MachineConfig): MemoryManagerOptions {
  return {
    arch: config.arch,
    physicalMemory: config.physicalMemory,
    pageFile: config.pageFile,
    ...(config.tlb === null ? {} : { tlb: config.tlb }),
    replacementPolicy: config.replacementPolicy,
    ...(config.nt === undefined
      ? {}
      : {
          nt: {
            tickEvery: config.nt.tickEvery,
            minimumFreePages: config.nt.minimumFreePages,
            plentyFreePages: config.nt.plentyFreePages,
            modifiedWriteThreshold: config.nt.modifiedWriteThreshold,
            writeCluster: config.nt.writeCluster,
          },
        }),
    seed: config.seed,
  }
}

/** A fresh MemoryManager for `config` (the machine's initial state). */
export function memoryManagerFor(config: MachineConfig): MemoryManager {
  return new MemoryManager(machineOptionsOf(config))
}

/** Apply one machine event to a machine state (the same apply functions the live layers use). */
export function applyMachineEvent(state: MachineState, event: Readonly<MachineEvent>): void {
  const type = event.type
  if (type.charCodeAt(0) === 104 /* h */ || type.charCodeAt(0) === 109 /* m */) {
    state.mm.applyRecordedEvent(event as HwEvent | MmEvent)
    return
  }
  switch (type) {
    case 'nt.cpuAccess': {
      // One CPU reference toward the 'nt' policy's next balance-set tick (createCpu counts it live).
      state.mm.applyRecordedReferences(1)
      const entry = (event as Readonly<MachineCpuAccessEvent>).tlbHit
      if (entry >= 0) {
        const tlb = state.mm.mmu.state.tlbs[entry >>> TLB_HIT_LEVEL_SHIFT]
        if (tlb === undefined) throw new InvariantError(`nt.cpuAccess hit a TLB level this machine lacks`)
        applyTlbHit(tlb, entry & 0xffffff)
      }
      return
    }
    case 'nt.cpuWriteData':
    case 'nt.cpuWriteWords':
    case 'nt.debugInput':
      return
    case 'nt.processCreated':
    case 'nt.processTerminated':
    case 'nt.lastErrorChanged':
    case 'nt.writeWatchChanged':
      applyKernelEvent(state.kernel, event as KernelEvent)
      return
    default:
      applyNtEvent(state.ob, event as NtEvent)
  }
}

/**
 * The machine as a trace model. Its state is mutable (typed arrays, COW frames): checkpoints copy
 * what changes in place and share the rest. Undo covers the per-access kinds and the executive's
 * events; mm events and TLB fills step back through a checkpoint instead.
 */
export function machineModel(
  config: MachineConfig,
): TraceModel<MachineState, MachineEvent, MachineConfig, MachineSnapshot> {
  return {
    initial: (c) => ({
      mm: memoryManagerFor(c),
      ob: new ObjectManagerState(),
      kernel: new KernelState(FIRST_PID),
    }),
    apply(state, event) {
      applyMachineEvent(state, event)
      return state
    },
    undo(state, event) {
      const type = event.type
      if (type === 'hw.tlbFill') return undefined
      if (type.startsWith('hw.')) {
        undoHwEvent(state.mm.mmu.state, event as HwEvent)
        return state
      }
      if (type.startsWith('mm.')) return undefined
      if (type === 'nt.cpuAccess') {
        // The access changed nothing but the TLB entry its first lookup hit (stored in its row)
        // and the 'nt' policy's count of references toward the next tick.
        const access = event as Readonly<MachineCpuAccessEvent>
        state.mm.applyRecordedReferences(-1)
        const entry = access.tlbHit
        const tlb = entry >= 0 ? state.mm.mmu.state.tlbs[entry >>> TLB_HIT_LEVEL_SHIFT] : undefined
        if (tlb !== undefined) undoTlbHit(tlb, entry & 0xffffff, access.tlbHitAge)
        return state
      }
      return undoExecutiveEvent(state, event)
    },
    checkpoint: (state) => ({ mm: state.mm.snapshot(), ob: state.ob.clone(), kernel: state.kernel.clone() }),
    restore(snapshot) {
      const mm = memoryManagerFor(config)
      mm.restore(snapshot.mm)
      return { mm, ob: snapshot.ob.clone(), kernel: snapshot.kernel.clone() }
    },
    digest: (state) =>
      new StateHasher()
        .string(state.mm.digest())
        .string(state.ob.digestInput())
        .string(state.kernel.digestInput())
        .digest(),
    // What a checkpoint keeps alive: the frames and page-file slots written since the previous
    // checkpoint (copy-on-write leaves their old buffers to it), the PFN database, TLB and
    // register copies; plus the object manager's and Kernel's clones (small, estimated). Counting
    // pointers only (as before) let a 10M-event trace's checkpoints take 5× their budget.
    snapshotBytes: (snapshot) => snapshotHeldBytes(snapshot.mm) + 64 * 1024,
  }
}

// ---- undo of the executive's events (nt.* other than nt.cpuAccess, and the Kernel's own) ----

/**
 * Steps `state` back over one event of the executive: the object manager's (objects, handles,
 * handle tables, exceptions, system calls) and the Kernel's process table. The inputs that change
 * no state by themselves (long-write data, debug calls) are nothing to undo.
 */
function undoExecutiveEvent(state: MachineState, event: Readonly<MachineEvent>): MachineState | undefined {
  switch (event.type) {
    case 'nt.cpuWriteData':
    case 'nt.cpuWriteWords':
    case 'nt.debugInput':
      return state
    // The immer records (docs/decisions/005): undone by the inverse patches their undo journals
    // hold; an event applied before this state's restore is not in them, and the timeline then
    // restores a checkpoint instead.
    case 'nt.processCreated':
    case 'nt.processTerminated':
    case 'nt.lastErrorChanged':
    case 'nt.writeWatchChanged':
      return revertKernelEvent(state.kernel, event as KernelEvent) ? state : undefined
    default:
      return revertNtEvent(state.ob, event as NtEvent) ? state : undefined
  }
}

// ---- end of the executive's undo ----
