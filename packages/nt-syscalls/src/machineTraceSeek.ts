// The machine after any event of a big binary trace without loading it: the nearest state block
// at or before the event (a version-2 file, docs/trace-format.md "State blocks") restored, checked
// against the digest its writer stored, the events after it read from their blocks and applied,
// each checked as a loaded trace's are, and the machine it gives checked against every invariant
// (as Kernel.fromLog checks a loaded one), or, inside an operation where they do not hold yet, at
// the end of that operation. What `ntmm inspect` and `replay --at` answer from. No
// NT counterpart: a debugger opening a dump at a keyframe (rr, WinDbg TTD).

import { type BinaryTraceIndex, restoreStateAt, TraceFormatError } from '@ntmm/trace'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { Kernel, kernelOptionsOf } from './kernel.js'
import { checkedMachineModel } from './loadMachineState.js'
import type { MachineConfig, MachineEvent } from './machineSchema.js'
import { machineSnapshotBytes } from './machineSnapshotBytes.js'

/** The machine right after one event of a trace file (see {@link machineAtIndex}). */
export interface MachineAtIndex {
  /** A read-only Kernel view of the machine right after the event. */
  readonly kernel: Kernel
  /** The seq of the state block restored (0: none, replayed from the initial machine). */
  readonly from: number
  /** Events replayed after it. */
  readonly replayed: number
}

/**
 * The machine right after event `seq` (-1: before the first) of the opened binary machine trace
 * `index` (a machine of `config`): restored from its nearest state block and the events after it,
 * so the cost is one state block and at most one interval of events, not the trace.
 * @throws TraceFormatError when a state block does not restore the state its digest names, an
 *   event does not hold against the machine, or the machine is unsound; RangeError for a seq
 *   outside [-1, events − 1].
 */
export async function machineAtIndex(
  index: BinaryTraceIndex<MachineEvent>,
  config: MachineConfig,
  seq: number,
  options: { readonly file?: string } = {},
): Promise<MachineAtIndex> {
  if (!Number.isSafeInteger(seq) || seq < -1 || seq >= index.events)
    throw new RangeError(`machineAtIndex: seq ${seq} outside [-1, ${index.events - 1}]`)
  const checked = checkedMachineModel(config)
  try {
    checked.model.initial(config)
  } catch (error) {
    throw new TraceFormatError({
      field: 'config',
      ...(options.file === undefined ? {} : { file: options.file }),
      reason: `no machine can be built: ${error instanceof Error ? error.message : String(error)}`,
    })
  }
  const restored = await restoreStateAt(index, checked.model, config, seq + 1, machineSnapshotBytes, {
    ...(options.file === undefined ? {} : { file: options.file }),
    onRestored: (from) => checked.startAt(from),
  })
  const kernel = Kernel.viewOver(restored.state, seq, kernelOptionsOf(config))
  // The invariants hold between operations, not everywhere inside one (a fault has taken its
  // frame before it writes the PTE): a machine unsound at an event inside an input's effects is
  // checked again at the end of that operation, on a copy carried there with the same checked
  // events, and refused only if it is unsound there too.
  let problems = checkKernelInvariants(kernel, { tlb: false })
  let where = 'this event'
  if (problems.length > 0) {
    const rest = await restOfOperation(index, seq)
    if (rest.length > 0) {
      const copy = checked.model.restore(checked.model.checkpoint(restored.state))
      for (const event of rest) checked.model.apply(copy, event)
      const end = seq + rest.length
      problems = checkKernelInvariants(Kernel.viewOver(copy, end, kernelOptionsOf(config)), { tlb: false })
      where = `the end of the operation holding this event (#${end})`
    }
  }
  if (problems.length > 0)
    throw new TraceFormatError({
      seq,
      ...(options.file === undefined ? {} : { file: options.file }),
      reason: `the machine at ${where} is unsound: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`,
    })
  return { kernel, from: restored.from, replayed: restored.replayed }
}

/**
 * The events after `seq` that belong to the operation holding it: those before the next uncaused
 * event (the uncaused events are the inputs, each starting an operation: replayInputs.ts), or to
 * the end of the trace. None when the next event is an input (or there is none).
 */
async function restOfOperation(
  index: BinaryTraceIndex<MachineEvent>,
  seq: number,
): Promise<Readonly<MachineEvent>[]> {
  const rest: Readonly<MachineEvent>[] = []
  for await (const entry of index.entries(seq + 1)) {
    if (entry.cause === undefined) break
    rest.push(entry.event)
  }
  return rest
}
