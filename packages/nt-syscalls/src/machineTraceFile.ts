// Machine trace files and Kernels: save a recording kernel's trace (writeMachineTrace.ts writes
// it), load one back into a Kernel by applying its events, and the determinism check: re-execute
// the recorded inputs on a fresh machine and compare the events it records with the file's,
// reporting the first divergence. This file may build Kernels (createKernel); kernel.ts imports
// none of it.

import { statSync } from 'node:fs'
import { MAX_PAGE_FILE, MAX_PHYSICAL_MEMORY } from '@ntmm/mm-core'
import {
  type DigestCheckpoint,
  firstDivergentEvent,
  readTraceFile,
  TraceFormatError,
  type TraceLog,
  verify,
} from '@ntmm/trace'
import * as v from 'valibot'
import { createKernel } from './createKernel.js'
import { Kernel, kernelOptionsOf } from './kernel.js'
import { machineModel } from './machineModel.js'
import {
  MACHINE_TRACE_PRODUCER,
  type MachineConfig,
  type MachineEvent,
  machineSchema,
} from './machineSchema.js'
import { type MachineTraceProgressOptions, stageReporter } from './machineTraceProgress.js'
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

/**
 * Result of checking the state digests a trace file recorded ({@link checkTraceDigests}): how many
 * agreed, or the first whose digest differs from the machine rebuilt at its seq.
 */
export type DigestReport =
  | { readonly ok: true; readonly checked: number }
  | {
      readonly ok: false
      /** The seq (events applied) of the first recorded digest that differs. */
      readonly seq: number
      /** The digest the file recorded there. */
      readonly expected: string
      /** The digest of the machine its events build there. */
      readonly actual: string
      /** The digests checked before it, all agreeing. */
      readonly checked: number
    }

/** A kernel rebuilt from a file and the determinism checks of its trace ({@link verifyTrace}). */
export interface VerifiedTrace {
  readonly kernel: Kernel
  readonly determinism: DeterminismReport
  /** The file's recorded state digests against the rebuilt machine's (`ok`, 0 checked, when it has none). */
  readonly digests: DigestReport
}

const bytes = (maximum: number, name: string, minimum: number) =>
  v.pipe(
    v.number(),
    v.safeInteger(),
    v.multipleOf(4096, 'must be a multiple of 4096 bytes'),
    v.minValue(minimum, `must be at least ${minimum} bytes`),
    v.maxValue(maximum, `must be at most ${maximum} bytes (${name})`),
  )

/** The machine configuration a trace header carries (the TLB configuration is hw-mmu's to check). */
const machineConfigSchema = v.object({
  arch: v.picklist(['x86', 'x86-pae', 'x64']),
  physicalMemory: bytes(MAX_PHYSICAL_MEMORY, 'MAX_PHYSICAL_MEMORY', 4096),
  pageFile: bytes(MAX_PAGE_FILE, 'MAX_PAGE_FILE', 0),
  tlb: v.optional(v.nullable(v.union([v.string(), v.record(v.string(), v.unknown())])), null),
  replacementPolicy: v.picklist(['working-set', 'fifo', 'lru', 'clock', 'opt', 'nt']),
  nt: v.optional(
    v.strictObject({
      tickEvery: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
      minimumFreePages: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
      plentyFreePages: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
      modifiedWriteThreshold: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
      writeCluster: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
      workingSetMinimum: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
      workingSetMaximum: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
    }),
  ),
  seed: v.pipe(v.number(), v.finite()),
})

/** The header's machine configuration, or the TraceFormatError naming the field that is not one. */
function checkConfig(config: unknown, path: string): MachineConfig {
  const result = v.safeParse(machineConfigSchema, config)
  if (result.success) return result.output as MachineConfig
  const issue = result.issues[0]
  const field = v.getDotPath(issue)
  throw new TraceFormatError({
    file: path,
    field: field === null ? 'config' : `config.${field}`,
    reason: `the trace header's config is not a machine configuration: ${issue.message}`,
  })
}

/** Kernel.fromLog for the trace of `path`, its refusal naming the file. */
function kernelFrom(
  log: TraceLog<MachineEvent>,
  config: MachineConfig,
  path: string,
  options: MachineTraceProgressOptions,
): Kernel {
  const onProgress = stageReporter(options, 'rebuilding', log.length)
  try {
    return Kernel.fromLog(log, config, onProgress === undefined ? {} : { onProgress })
  } catch (error) {
    throw error instanceof TraceFormatError ? error.withContext({ file: path }) : error
  }
}

/** The machine trace in `path` with its configuration; throws the file's TraceFormatError. */
async function readMachineTrace(
  path: string,
  options: MachineTraceProgressOptions,
): Promise<{
  log: TraceLog<MachineEvent>
  config: MachineConfig
  checkpoints: readonly DigestCheckpoint[]
}> {
  let size = 0
  try {
    size = statSync(path).size
  } catch {
    // readTraceFile reports the missing file as a TraceFormatError.
  }
  const report = stageReporter(options, 'reading', size, 'bytes')
  const read = await readTraceFile(
    path,
    machineSchema,
    report === undefined ? {} : { onProgress: (_events, bytes) => report(bytes) },
  )
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
  return {
    log: read.trace.log,
    config: checkConfig(read.trace.config, path),
    checkpoints: read.trace.checkpoints,
  }
}

/**
 * Rebuild a kernel from a trace file by applying its events (no logic is re-run), as
 * {@link createKernel} builds one: the kernel answers `.at(seq)`, the queries, and keeps recording
 * if used further. Each event is checked against the machine it applies to and the machine at the
 * end against every invariant ({@link Kernel.fromLog}). The determinism check is {@link verifyTrace}.
 * @throws TraceFormatError (naming the file, the line or byte offset, the seq and the field) when
 *   the file is corrupt, truncated, of another machine-trace version, its header's configuration
 *   is not a machine's, or its events do not hold against the machine they build. Nothing else.
 */
export async function loadKernel(path: string, options: MachineTraceProgressOptions = {}): Promise<Kernel> {
  const { log, config } = await readMachineTrace(path, options)
  return kernelFrom(log, config, path, options)
}

/**
 * Load a trace file ({@link loadKernel}) and run the determinism checks on it: re-execute its
 * recorded inputs on a fresh machine of the same configuration and compare the events
 * ({@link reexecute}; the report names the first event that differs), and compare every state
 * digest the file recorded with the digest of the machine rebuilt at its seq
 * ({@link checkTraceDigests}; the report names the first that differs).
 * @throws TraceFormatError as {@link loadKernel}. A divergence is a report, not a throw.
 */
export async function verifyTrace(
  path: string,
  options: MachineTraceProgressOptions = {},
): Promise<VerifiedTrace> {
  const { log, config, checkpoints } = await readMachineTrace(path, options)
  const kernel = kernelFrom(log, config, path, options)
  return {
    kernel,
    determinism: reexecute(log, config, options),
    digests: checkTraceDigests(log, config, checkpoints),
  }
}

/**
 * Compare each recorded state digest (`checkpoints`, from a trace file: ascending seqs within the
 * log, as the readers ensure) with the digest of the machine `log` builds after that many events.
 * The log must hold against the machine (loaded by {@link Kernel.fromLog} first): the events are
 * applied again here unchecked. `onProgress` hears the events applied so far.
 */
export function checkTraceDigests(
  log: TraceLog<MachineEvent>,
  config: MachineConfig,
  checkpoints: readonly DigestCheckpoint[],
  onProgress?: (events: number) => void,
): DigestReport {
  const result = verify({
    log,
    model: machineModel(config),
    config,
    expected: checkpoints,
    ...(onProgress === undefined ? {} : { onProgress: (events: number) => onProgress(events) }),
  })
  if (result.ok) return { ok: true, checked: result.checked }
  const checked = checkpoints.findIndex((checkpoint) => checkpoint.seq === result.seq)
  return { ok: false, seq: result.seq, expected: result.expected, actual: result.actual, checked }
}

/**
 * The determinism check: re-run every recorded input (process creation and termination, system
 * calls with their arguments, memory accesses with their data, `kernel.debug` calls) on a fresh machine of the same
 * configuration and compare the two traces event by event.
 */
export function reexecute(
  log: TraceLog<MachineEvent>,
  config: MachineConfig,
  options: MachineTraceProgressOptions = {},
): DeterminismReport {
  const kernel = createKernel({ ...kernelOptionsOf(config), record: 'eager' })
  const inputs = replayInputs(log, 0, log.length, kernel, stageReporter(options, 'reexecuting', log.length))
  const reproduced = kernel.trace!
  const seq = firstDivergentEvent(log, reproduced)
  if (seq === undefined) return { ok: true, events: log.length, inputs }
  return { ok: false, seq, recorded: log.at(seq), reproduced: reproduced.at(seq), inputs }
}
