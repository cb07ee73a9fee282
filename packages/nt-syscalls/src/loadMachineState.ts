// Loading a machine from a recorded log that came from outside (a trace file): the events are
// applied as time travel applies them (machineModel.ts), each first checked against the machine it
// applies to (checkHardwareEvent.ts, checkMemoryManagerEvent.ts, checkExecutiveEvent.ts), so a
// trace that does not hold is refused as a TraceFormatError naming the event's seq and field instead
// of breaking the machine or throwing from deep inside it. The per-access rows get a few range
// checks each (the load's hot path); the whole-machine invariants are checked once, at the end, by
// Kernel.fromLog. A log this machine recorded itself needs none of it (time travel replays it
// unchecked). No NT counterpart: the checks a debugger makes before it trusts a dump.

import { replayRange, TraceFormatError, type TraceLog, type TraceModel } from '@ntmm/trace'
import { checkExecutiveEvent } from './checkExecutiveEvent.js'
import { checkHardwareEvent, type EventProblem } from './checkHardwareEvent.js'
import { checkMemoryManagerEvent } from './checkMemoryManagerEvent.js'
import { checkNtPagingEvent } from './checkNtPagingEvent.js'
import { checkSectionEvent } from './checkSectionEvent.js'
import { applyCheckedRows } from './loadMachineRows.js'
import { applyMachineEvent, type MachineSnapshot, type MachineState, machineModel } from './machineModel.js'
import type { MachineConfig, MachineEvent } from './machineSchema.js'

/** Events applied between two progress reports of {@link loadMachineState}. */
const PROGRESS_STEP = 1 << 18

/**
 * The problem with low-volume `event` on `state` (the machine it is about to be applied to), or
 * undefined. High-volume rows are checked as their columns are applied (loadMachineRows.ts).
 */
export function checkMachineEvent(
  state: MachineState,
  event: Readonly<MachineEvent>,
): EventProblem | undefined {
  const layer = event.type.charCodeAt(0)
  if (layer === 104 /* h */) return checkHardwareEvent(state.mm.mmu.state, event)
  if (layer === 109 /* m */)
    return (
      checkMemoryManagerEvent(state.mm, event) ??
      checkSectionEvent(state.mm, event) ??
      checkNtPagingEvent(state.mm, event)
    )
  return checkExecutiveEvent(state.ob, state.kernel, event)
}

/**
 * The header's 'nt' configuration against the machine built from it: the working-set defaults
 * are derived from the frame count, not options, so a header stating others describes no machine.
 */
function ntConfigProblem(
  initial: MachineState,
  config: MachineConfig,
): { readonly field: string; readonly reason: string } | undefined {
  const stated = config.nt
  const built = initial.mm.ntConfig
  if (stated === undefined || built === undefined) return undefined
  for (const key of Object.keys(built) as (keyof typeof built)[]) {
    if (stated[key] !== built[key])
      return {
        field: `config.nt.${key}`,
        reason: `the header says ${stated[key]}; a machine of this configuration has ${built[key]}`,
      }
  }
  return undefined
}

/** The message of anything thrown. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * The machine state at the end of `log`, a log from outside: its events applied to the initial
 * machine of `config`, each checked first; `onProgress` hears the events applied so far, now and then.
 * @throws TraceFormatError naming the seq and field of the first event that does not hold against
 *   the machine (`field` 'config' when `config` builds no machine).
 */
export function loadMachineState(
  log: TraceLog<MachineEvent>,
  config: MachineConfig,
  options: { readonly onProgress?: (events: number) => void } = {},
): MachineState {
  const model = machineModel(config)
  let initial: MachineState
  try {
    initial = model.initial(config)
  } catch (error) {
    throw new TraceFormatError({ field: 'config', reason: `no machine can be built: ${messageOf(error)}` })
  }
  const bad = ntConfigProblem(initial, config)
  if (bad !== undefined) throw new TraceFormatError(bad)
  let seq = 0
  const checked: TraceModel<MachineState, MachineEvent, MachineConfig, MachineSnapshot> = {
    ...model,
    apply(state, event) {
      const bad = checkMachineEvent(state, event)
      if (bad !== undefined)
        throw new TraceFormatError({
          seq,
          field: `event.${bad.field}`,
          reason: `${event.type}: ${bad.reason}`,
        })
      try {
        applyMachineEvent(state, event)
      } catch (error) {
        // A check missing above: still the trace's fault, never a crash of the loader.
        throw new TraceFormatError({
          seq,
          field: 'event',
          reason: `${event.type} does not apply to the machine: ${messageOf(error)}`,
        })
      }
      seq++
      return state
    },
    applyRows(state, batch) {
      const first = seq
      applyCheckedRows(state, batch, (offset, field, reason) => {
        throw new TraceFormatError({
          seq: first + offset,
          field: `event.${field}`,
          reason: `${batch.type}: ${reason}`,
        })
      })
      seq += batch.end - batch.start
      return state
    },
  }
  const onProgress = options.onProgress
  if (onProgress === undefined) return replayRange(log, checked, initial, 0, log.length)
  // In steps, so a command line can show how far a long load has come.
  let state = initial
  for (let from = 0; from < log.length; from += PROGRESS_STEP) {
    const to = Math.min(log.length, from + PROGRESS_STEP)
    state = replayRange(log, checked, state, from, to)
    onProgress(to)
  }
  return state
}
