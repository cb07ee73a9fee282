// Writing a machine trace file: a recorded log with its header (the machine configuration, the
// seed, the schema) through @ntmm/trace's codecs, JSON Lines or binary, with state digests every
// so many events when asked (for `verify`). What `kernel.saveTrace` and `saveMachineTrace` do;
// reading one back and the determinism check are machineTraceFile.ts. No NT counterpart.

import {
  type BinaryStateWriter,
  createTraceHeader,
  type DigestCheckpoint,
  deflateRawCompressor,
  deflateRawStateCompressor,
  encodeBinaryTrace,
  encodeJsonLines,
  logStateWriter,
  recordDigests,
  type TraceLog,
  writeChunks,
} from '@ntmm/trace'
import { machineModel } from './machineModel.js'
import { machineSnapshotBytes } from './machineSnapshotBytes.js'
import {
  MACHINE_TRACE_PRODUCER,
  type MachineConfig,
  type MachineEvent,
  machineSchema,
} from './machineSchema.js'
import { type MachineTraceProgressOptions, stageReporter } from './machineTraceProgress.js'

/** Options of {@link Kernel.saveTrace}. */
export interface SaveTraceOptions extends MachineTraceProgressOptions {
  /** 'binary' (compact, columnar, deflated; default) or 'jsonl' (one JSON object per line). */
  readonly format?: 'jsonl' | 'binary'
  /** Also store the state digest every this many events (0 = none, the default), for `verify`. */
  readonly digestEvery?: number
  /**
   * Binary only: also store the whole machine's state every this many events (0 = none, the
   * default), in state blocks (a version-2 file), so a reader seeking to an event restores the
   * nearest one and replays at most this many events (`machineAtIndex`, `ntmm inspect`/`replay
   * --at`). Writing them replays the log once, unless `liveStates` took them as the machine ran.
   */
  readonly stateEvery?: number
  /** Binary only: events per block (default 65536; state blocks go between blocks). */
  readonly blockEvents?: number
  /**
   * Binary only: state blocks taken from the recording machine as it ran (for this log, with the
   * same `stateEvery` and `blockEvents`): written instead of replaying the log for them. A block
   * it lacks is still taken by the replay.
   */
  readonly liveStates?: LiveStateSource
}

/**
 * What the writer needs of state blocks taken as the machine ran: their spacing, to tell whether
 * they are the ones asked for, and a writer that hands them out (and takes any it lacks by replay).
 * LiveStateBlocks is one; named here, not imported, because LiveStateBlocks holds a Kernel and the
 * Kernel writes its traces through this module.
 */
export interface LiveStateSource {
  /** Events between two state blocks (SaveTraceOptions.stateEvery). */
  readonly every: number
  /** Events per events block (SaveTraceOptions.blockEvents). */
  readonly blockEvents: number
  /** The state blocks' writer for `log`: the blocks taken live, any other taken by replay. */
  stateWriter(log: TraceLog<MachineEvent>): BinaryStateWriter
}

/** What {@link saveMachineTrace} wrote. */
export interface SaveTraceResult {
  readonly bytes: number
  readonly events: number
  readonly bytesPerEvent: number
}

/**
 * The bytes of the machine trace file of `log` (a machine of `config`), as {@link Kernel.saveTrace}
 * writes them, chunk after chunk: for a caller that writes them its own way (the command line
 * removes a partial file when a write fails).
 */
export function encodeMachineTrace(
  log: TraceLog<MachineEvent>,
  config: MachineConfig,
  options: SaveTraceOptions = {},
): AsyncIterable<Uint8Array> {
  const header = createTraceHeader({
    producer: MACHINE_TRACE_PRODUCER,
    config,
    seed: config.seed,
    schema: machineSchema,
  })
  const every = options.digestEvery ?? 0
  const checkpoints: readonly DigestCheckpoint[] =
    every > 0 ? recordDigests(log, machineModel(config), config, every) : []
  const onProgress = stageReporter(options, 'writing', log.length)
  const input = {
    header,
    entries: log.entries(),
    log,
    ...(checkpoints.length > 0 ? { checkpoints } : {}),
    ...(onProgress === undefined ? {} : { onProgress }),
  }
  const stateEvery = options.stateEvery ?? 0
  if (!(Number.isSafeInteger(stateEvery) && stateEvery >= 0))
    throw new RangeError(`stateEvery ${stateEvery} must be a non-negative integer`)
  return options.format === 'jsonl'
    ? encodeJsonLines(input)
    : encodeBinaryTrace(input, {
        compressor: deflateRawCompressor,
        stateCompressor: deflateRawStateCompressor,
        ...(options.blockEvents === undefined ? {} : { blockEvents: options.blockEvents }),
        ...(stateEvery > 0 ? { states: stateWriter(log, config, stateEvery, options) } : {}),
      })
}

/** The state blocks' writer: the live ones when they match, else the replay of the log. */
function stateWriter(
  log: TraceLog<MachineEvent>,
  config: MachineConfig,
  every: number,
  options: SaveTraceOptions,
): BinaryStateWriter {
  const live = options.liveStates
  return live !== undefined && live.every === every && live.blockEvents === (options.blockEvents ?? 1 << 16)
    ? live.stateWriter(log)
    : logStateWriter(log, machineModel(config), config, every, machineSnapshotBytes)
}

/** Write the machine trace `log` of a machine of `config` to `path`. */
export async function writeMachineTrace(
  log: TraceLog<MachineEvent>,
  config: MachineConfig,
  path: string,
  options: SaveTraceOptions = {},
): Promise<SaveTraceResult> {
  const bytes = await writeChunks(path, encodeMachineTrace(log, config, options))
  return { bytes, events: log.length, bytesPerEvent: log.length === 0 ? 0 : bytes / log.length }
}
