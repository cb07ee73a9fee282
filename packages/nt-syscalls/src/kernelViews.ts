// A Kernel's views of its recorded past: the time-travel timeline over its trace, the machine
// state right after any event (what `kernel.at(seq)` shows as a read-only Kernel), the history
// queries, and the refusal a read-only view gives every call that would change state. No NT counterpart: the nearest is a debugger looking
// at a memory dump, which answers queries and runs nothing.

import { type CheckpointPolicy, Timeline, type TraceLog } from '@ntmm/trace'
import { MachineHistory } from './machineHistory.js'
import { type MachineSnapshot, type MachineState, machineModel } from './machineModel.js'
import type { MachineConfig, MachineEvent } from './machineSchema.js'

/** The time-travel timeline of a machine trace. */
export type MachineTimeline = Timeline<MachineState, MachineEvent, MachineConfig, MachineSnapshot>

/** System services a read-only view still answers (they change no state of the past). */
export const VIEW_SYSCALLS: ReadonlySet<string> = new Set([
  'pid',
  'NtQueryVirtualMemory',
  // The working-set and physical-memory queries (docs/paging.md): counters, limits, lists.
  'NtQueryInformationProcess',
  'NtQuerySystemInformation',
])
/** Win32 functions a read-only view still answers. */
export const VIEW_WIN32: ReadonlySet<string> = new Set([
  'pid',
  'GetCurrentProcess',
  'GetLastError',
  'VirtualQuery',
  'VirtualQueryEx',
  'QueryWorkingSet',
  'QueryWorkingSetEx',
  'GetProcessMemoryInfo',
  'GetProcessWorkingSetSize',
  'GetProcessWorkingSetSizeEx',
  'GlobalMemoryStatusEx',
])

/** Throws the error of a read-only view (right after event `viewOf`) asked to run `call`. */
export function refuseOnView(call: string, viewOf: number | undefined): never {
  throw new Error(
    `${call} is refused: this kernel is a read-only view of the machine right after event ${String(viewOf)} (kernel.at); it cannot change state`,
  )
}

/** A copy of `api` whose members outside `allowed` throw through `refuse` (views of the past). */
export function guardView<T extends object>(
  api: T,
  allowed: ReadonlySet<string>,
  family: string,
  refuse: (call: string) => never,
): T {
  const guarded: Record<string, unknown> = {}
  for (const [name, member] of Object.entries(api)) {
    guarded[name] = allowed.has(name) ? member : () => refuse(`${family}(...).${name}`)
  }
  return guarded as T
}

/** A private copy of the machine state right after event `seq` of `timeline` (-1: before the first). */
export function machineStateAfter(timeline: MachineTimeline, seq: number): MachineState {
  if (!Number.isInteger(seq) || seq < -1 || seq >= timeline.length) {
    throw new RangeError(`seq ${String(seq)} must be an integer in [-1, ${timeline.length - 1}]`)
  }
  return timeline.copyOfStateAt(seq + 1)
}

/** The time-travel structures of one recording Kernel, built on first use. */
export class KernelViews {
  readonly #config: MachineConfig
  readonly #checkpoints: CheckpointPolicy | undefined
  #timeline: MachineTimeline | undefined
  #history: MachineHistory | undefined

  constructor(config: MachineConfig, checkpoints: CheckpointPolicy | undefined) {
    this.#config = config
    this.#checkpoints = checkpoints
  }

  /** The timeline over `log` (checkpoints are taken as seeks pass). */
  timeline(log: TraceLog<MachineEvent>): MachineTimeline {
    this.#timeline ??= new Timeline({
      log,
      model: machineModel(this.#config),
      config: this.#config,
      ...(this.#checkpoints ? { checkpoints: this.#checkpoints } : {}),
    })
    return this.#timeline
  }

  /** The history queries over `log`. */
  history(log: TraceLog<MachineEvent>): MachineHistory {
    this.#history ??= new MachineHistory(log)
    return this.#history
  }
}
