// Machine trace files and Kernels: save a recording kernel's trace (writeMachineTrace.ts writes
// it), load one back into a Kernel by applying its events, and the determinism check: re-execute
// the recorded inputs on a fresh machine and compare the events it records with the file's,
// reporting the first divergence. This file may build Kernels (createKernel); kernel.ts imports
// none of it.

import { firstDivergentEvent, readTraceFile, TraceFormatError, type TraceLog } from '@ntmm/trace'
import { createKernel } from './createKernel.js'
import { Kernel, kernelOptionsOf } from './kernel.js'
import {
  MACHINE_TRACE_PRODUCER,
  type MachineConfig,
  type MachineEvent,
  machineSchema,
} from './machineSchema.js'
import { replayInputs } from './replayInputs.js'
import { type SaveTraceOptions, type SaveTraceResult, writeMachineTrace } from './writeMachineTrace.js'

/** Write a kernel's recorded trace to `path`. */
export async function saveMachineTrace(
  kernel: Kernel,
  path: string,
  options: SaveTraceOptions = {},
): Promise<SaveTraceResult> {
  const log = kernel.trace
  if (!log) throw new Error('saveTrace needs a recording kernel: createKernel({ record: true })')
  return writeMachineTrace(log, kernel.config, path, options)
}

/** Result of the determinism check. */
export type DeterminismReport =
  | { readonly ok: true; readonly events: number; readonly inputs: number }
  | {
      readonly ok: false
      /** The first seq whose event (type, fields or cause) differs. */
      readonly seq: number
      readonly recorded: Readonly<MachineEvent> | undefined
      readonly reproduced: Readonly<MachineEvent> | undefined
      readonly inputs: number
    }

/** A kernel rebuilt from a file and the determinism check of its trace ({@link verifyTrace}). */
export interface VerifiedTrace {
  readonly kernel: Kernel
  readonly determinism: DeterminismReport
}

function checkConfig(config: unknown, path: string): MachineConfig {
  const c = config as Partial<MachineConfig> | null
  if (
    c === null ||
    typeof c !== 'object' ||
    (c.arch !== 'x86' && c.arch !== 'x86-pae' && c.arch !== 'x64') ||
    !Number.isSafeInteger(c.physicalMemory) ||
    (c.physicalMemory as number) <= 0 ||
    !Number.isSafeInteger(c.pageFile) ||
    (c.pageFile as number) < 0 ||
    typeof c.replacementPolicy !== 'string' ||
    typeof c.seed !== 'number'
  ) {
    throw new TypeError(`${path}: the trace header's config is not a machine configuration`)
  }
  return c as MachineConfig
}

/** The machine trace in `path` with its configuration; throws the file's TraceFormatError. */
async function readMachineTrace(
  path: string,
): Promise<{ log: TraceLog<MachineEvent>; config: MachineConfig }> {
  const read = await readTraceFile(path, machineSchema)
  if (!read.ok) {
    // A machine trace from another version of this package whose events no longer fit the
    // schema: say which versions are involved (docs/versioning.md), not only which field failed.
    const producer = read.trace?.header.producer ?? read.error.producer
    if (
      producer !== undefined &&
      producer.name === MACHINE_TRACE_PRODUCER.name &&
      producer.version !== MACHINE_TRACE_PRODUCER.version
    ) {
      throw new TraceFormatError({
        file: path,
        reason:
          `written by ${producer.name} machine-trace version ${producer.version}; this version reads ` +
          `machine-trace version ${MACHINE_TRACE_PRODUCER.version} (${read.error.reason})`,
      })
    }
    throw read.error
  }
  return { log: read.trace.log, config: checkConfig(read.trace.config, path) }
}

/**
 * Rebuild a kernel from a trace file by applying its events (no logic is re-run), as
 * {@link createKernel} builds one: the kernel answers `.at(seq)`, the queries, and keeps recording
 * if used further. Throws the file's TraceFormatError (naming file, line or offset, seq, field)
 * when the file is corrupt. The determinism check is {@link verifyTrace}.
 */
export async function loadKernel(path: string): Promise<Kernel> {
  const { log, config } = await readMachineTrace(path)
  return Kernel.fromLog(log, config)
}

/**
 * Load a trace file ({@link loadKernel}) and run the determinism check on it ({@link reexecute}):
 * re-execute its recorded inputs on a fresh machine of the same configuration and compare the
 * events. The report names the first event that differs.
 */
export async function verifyTrace(path: string): Promise<VerifiedTrace> {
  const { log, config } = await readMachineTrace(path)
  return { kernel: Kernel.fromLog(log, config), determinism: reexecute(log, config) }
}

/**
 * The determinism check: re-run every recorded input (process creation and termination, system
 * calls with their arguments, memory accesses with their data, `kernel.debug` calls) on a fresh machine of the same
 * configuration and compare the two traces event by event.
 */
export function reexecute(log: TraceLog<MachineEvent>, config: MachineConfig): DeterminismReport {
  const kernel = createKernel({ ...kernelOptionsOf(config), record: 'eager' })
  const inputs = replayInputs(log, 0, log.length, kernel)
  const reproduced = kernel.trace!
  const seq = firstDivergentEvent(log, reproduced)
  if (seq === undefined) return { ok: true, events: log.length, inputs }
  return { ok: false, seq, recorded: log.at(seq), reproduced: reproduced.at(seq), inputs }
}
