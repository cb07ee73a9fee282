// Writing a machine trace file: a recorded log with its header (the machine configuration, the
// seed, the schema) through @ntmm/trace's codecs, JSON Lines or binary, with state digests every
// so many events when asked (for `verify`). What `kernel.saveTrace` and `saveMachineTrace` do;
// reading one back and the determinism check are machineTraceFile.ts. No NT counterpart.

import {
  createTraceHeader,
  type DigestCheckpoint,
  recordDigests,
  type TraceLog,
  writeLogFile,
} from '@ntmm/trace'
import { machineModel } from './machineModel.js'
import {
  MACHINE_TRACE_PRODUCER,
  type MachineConfig,
  type MachineEvent,
  machineSchema,
} from './machineSchema.js'

/** Options of {@link Kernel.saveTrace}. */
export interface SaveTraceOptions {
  /** 'binary' (compact, columnar, deflated; default) or 'jsonl' (one JSON object per line). */
  readonly format?: 'jsonl' | 'binary'
  /** Also store the state digest every this many events (0 = none, the default), for `verify`. */
  readonly digestEvery?: number
}

/** What {@link saveMachineTrace} wrote. */
export interface SaveTraceResult {
  readonly bytes: number
  readonly events: number
  readonly bytesPerEvent: number
}

/** Write the machine trace `log` of a machine of `config` to `path`. */
export async function writeMachineTrace(
  log: TraceLog<MachineEvent>,
  config: MachineConfig,
  path: string,
  options: SaveTraceOptions = {},
): Promise<SaveTraceResult> {
  const header = createTraceHeader({
    producer: MACHINE_TRACE_PRODUCER,
    config,
    seed: config.seed,
    schema: machineSchema,
  })
  const every = options.digestEvery ?? 0
  const checkpoints: readonly DigestCheckpoint[] =
    every > 0 ? recordDigests(log, machineModel(config), config, every) : []
  const bytes = await writeLogFile(
    path,
    { header, log, ...(checkpoints.length > 0 ? { checkpoints } : {}) },
    { encoding: options.format ?? 'binary' },
  )
  return { bytes, events: log.length, bytesPerEvent: log.length === 0 ? 0 : bytes / log.length }
}
