// Machine trace files as the command line reads and writes them: the same files and bytes as
// @ntmm/nt-syscalls' loadKernel, Kernel.saveTrace and Kernel.exportTrace (their encoders, their
// progress reports drawn as stages), with what those calls do not give a command line: every
// failure as one CliError, and an export streamed from the file without loading it. An output path is checked before the long work that ends in writing it, and a
// write that fails on the way (a full disk) removes its partial file: exit code 2 for a path that
// cannot be written, 74 (sysexits' EX_IOERR) for an I/O error while writing.

import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { type FileHandle, open, rm } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import {
  checkTraceDigests,
  type DeterminismReport,
  encodeMachineExport,
  encodeMachineTrace,
  encodeMachineTraceFileExport,
  type DigestReport,
  Kernel,
  type LiveStateBlocks,
  MACHINE_TRACE_PRODUCER,
  type MachineConfig,
  type MachineTraceProgress,
  type MachineTraceStage,
  machineSchema,
  reexecute,
  type SaveTraceResult,
} from '@ntmm/nt-syscalls'
import { readTraceFile, TraceFormatError } from '@ntmm/trace'
import type { CliIo } from './cliIo.js'
import { CliError } from './cliError.js'
import { noProgress, type Progress } from './progress.js'

/** The exit code of a write that failed on the way (sysexits.h EX_IOERR). */
export const EXIT_IO_ERROR = 74

/**
 * Events between two state blocks in the binary traces `record -o` and `import -o` write (a trace
 * no longer than this is written without any, as version 1): `inspect` and `replay --at` then
 * replay at most this many events (traceSeek.ts).
 */
export const STATE_EVERY = 1 << 20

/** Events applied between two progress updates while a machine is rebuilt or sought. */
const STEP = 1 << 18

/** A loaded trace: the kernel rebuilt from it and its length. */
export interface OpenedTrace {
  readonly kernel: Kernel
  readonly length: number
  readonly determinism?: DeterminismReport
  /** With `verify`: the file's recorded state digests against the rebuilt machine's. */
  readonly digests?: DigestReport
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'no such file or directory'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'it is a directory'
  if (code === 'ENOSPC') return 'no space left on the device'
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error'
}

/** Why `full` cannot be written, or undefined when it can (as far as can be told before trying). */
function writeProblem(full: string): string | undefined {
  if (existsSync(full) && statSync(full).isDirectory()) return 'it is a directory'
  const directory = dirname(full)
  if (!existsSync(directory)) return `no such directory ${directory}`
  if (!statSync(directory).isDirectory()) return `${directory} is not a directory`
  try {
    accessSync(existsSync(full) ? full : directory, constants.W_OK)
  } catch {
    return 'permission denied'
  }
  return undefined
}

/** `path` resolved against the working directory; a CliError (exit code 2) when it cannot be written. */
export function outputPath(io: CliIo, path: string): string {
  const full = resolve(io.cwd, path)
  const problem = writeProblem(full)
  if (problem !== undefined) throw new CliError(`${path}: cannot write the file (${problem})`)
  return full
}

/** An I/O error of the file being written, told apart from an error of the bytes' producer. */
class WriteFailure {
  constructor(readonly error: unknown) {}
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset)
    offset += bytesWritten
  }
}

/**
 * Writes `chunks` to `path`; resolves to the bytes written. A path that cannot be opened is a
 * CliError with exit code 2; an I/O error on the way one with exit code 74, and the partial file
 * (a regular file: never a device such as /dev/full) is removed.
 */
export async function writeFileChunks(
  io: CliIo,
  path: string,
  chunks: AsyncIterable<Uint8Array>,
): Promise<number> {
  const full = outputPath(io, path)
  let handle: FileHandle
  try {
    handle = await open(full, 'w')
  } catch (error) {
    throw new CliError(`${path}: cannot write the file (${reason(error)})`)
  }
  let bytes = 0
  try {
    for await (const chunk of chunks) {
      await writeAll(handle, chunk).catch((error: unknown) => {
        throw new WriteFailure(error)
      })
      bytes += chunk.length
    }
    await handle.close().catch((error: unknown) => {
      throw new WriteFailure(error)
    })
  } catch (error) {
    await handle.close().catch(() => {})
    if (existsSync(full) && statSync(full).isFile()) await rm(full, { force: true })
    if (!(error instanceof WriteFailure)) throw error
    throw new CliError(
      `${path}: writing failed after ${bytes} bytes (${reason(error.error)}); the partial file was removed`,
      EXIT_IO_ERROR,
    )
  }
  return bytes
}

/**
 * A listener of nt-syscalls' progress reports drawing them on `progress`: a new stage, labelled
 * by `label`, whenever the reported stage changes.
 */
function drawnOn(
  progress: Progress,
  label: (stage: MachineTraceStage) => string,
): (report: MachineTraceProgress) => void {
  let current: MachineTraceStage | undefined
  return (report) => {
    if (report.stage !== current) {
      current = report.stage
      progress.stage(label(report.stage), { total: report.total, unit: report.unit })
    }
    progress.update(report.done)
  }
}

/** Writes a recording kernel's trace to `path`, the bytes Kernel.saveTrace writes, with progress. */
export async function saveTrace(
  io: CliIo,
  kernel: Kernel,
  path: string,
  format: 'binary' | 'jsonl',
  progress: Progress = noProgress,
  liveStates?: LiveStateBlocks,
): Promise<SaveTraceResult> {
  const log = kernel.trace
  if (log === undefined) throw new Error('saveTrace needs a recording kernel')
  outputPath(io, path)
  progress.stage(`writing ${path}`, { total: log.length, unit: 'events' })
  const onProgress = drawnOn(progress, () => `writing ${path}`)
  const bytes = await writeFileChunks(
    io,
    path,
    encodeMachineTrace(log, kernel.config, {
      format,
      onProgress,
      ...(format === 'binary' ? { stateEvery: STATE_EVERY } : {}),
      ...(format === 'binary' && liveStates !== undefined ? { liveStates } : {}),
    }),
  )
  return { bytes, events: log.length, bytesPerEvent: log.length === 0 ? 0 : bytes / log.length }
}

/** Exports a loaded trace for Perfetto or chrome://tracing, the bytes Kernel.exportTrace writes, with progress. */
export async function exportTrace(
  io: CliIo,
  trace: OpenedTrace,
  path: string,
  kind: 'perfetto' | 'chrome',
  progress: Progress = noProgress,
): Promise<number> {
  const log = trace.kernel.trace!
  outputPath(io, path)
  const onProgress = drawnOn(progress, (stage) =>
    stage === 'causes' ? 'finding the causes (flows)' : `writing ${path}`,
  )
  return writeFileChunks(
    io,
    path,
    encodeMachineExport(log, trace.kernel.config, { format: kind, onProgress }),
  )
}

/**
 * Exports the trace file at `tracePath` for Perfetto or chrome://tracing without loading it (the
 * same bytes as {@link exportTrace} of the opened trace): memory stays bounded whatever the trace's
 * length. A missing, unreadable or corrupt file is a CliError, and the partial output is removed.
 */
export async function exportTraceFile(
  io: CliIo,
  tracePath: string,
  path: string,
  kind: 'perfetto' | 'chrome',
  progress: Progress = noProgress,
): Promise<number> {
  const full = resolve(io.cwd, tracePath)
  if (!existsSync(full) || !statSync(full).isFile()) throw new CliError(`${tracePath}: no such trace file`)
  outputPath(io, path)
  progress.stage(`reading ${tracePath} for the causes (flows)`, { total: statSync(full).size, unit: 'bytes' })
  const onProgress = drawnOn(progress, (stage) =>
    stage === 'causes' ? `reading ${tracePath} for the causes (flows)` : `writing ${path}`,
  )
  const chunks = encodeMachineTraceFileExport(full, {
    format: kind,
    onProgress,
    checkConfig: (config) => machineConfigOf(config, tracePath),
  })
  try {
    return await writeFileChunks(io, path, chunks)
  } catch (error) {
    if (!(error instanceof TraceFormatError)) throw error
    throw unreadable(tracePath, error, error.producer)
  }
}

/** The CliError of a trace file that cannot be read, naming the versions when another wrote it. */
function unreadable(
  path: string,
  error: unknown,
  producer: { readonly name: string; readonly version: string } | undefined,
): CliError {
  const version =
    producer !== undefined &&
    producer.name === MACHINE_TRACE_PRODUCER.name &&
    producer.version !== MACHINE_TRACE_PRODUCER.version
      ? `written by machine-trace version ${producer.version}; this version reads ${MACHINE_TRACE_PRODUCER.version}: `
      : ''
  return new CliError(`${path}: not a readable ntmm trace (${version}${reason(error)})`)
}

/** The header's config, checked to be a machine's (as loadKernel checks it); a CliError otherwise. */
export function machineConfigOf(config: unknown, path: string): MachineConfig {
  const c = config as Partial<MachineConfig> | null
  const ok =
    c !== null &&
    typeof c === 'object' &&
    (c.arch === 'x86' || c.arch === 'x86-pae' || c.arch === 'x64') &&
    Number.isSafeInteger(c.physicalMemory) &&
    (c.physicalMemory as number) > 0 &&
    Number.isSafeInteger(c.pageFile) &&
    (c.pageFile as number) >= 0 &&
    typeof c.replacementPolicy === 'string' &&
    typeof c.seed === 'number'
  if (!ok)
    throw new CliError(
      `${path}: not a readable ntmm trace (its header's config is not a machine configuration)`,
    )
  return c as MachineConfig
}

/**
 * Loads the trace at `path` (relative to the working directory) into a kernel, as loadKernel
 * does (and, with `verify`, re-executes its inputs as verifyTrace does), showing each stage. A
 * missing, unreadable or corrupt file is a CliError.
 */
export async function openTrace(
  io: CliIo,
  path: string,
  options: { readonly verify?: boolean; readonly progress?: Progress } = {},
): Promise<OpenedTrace> {
  const progress = options.progress ?? noProgress
  const full = resolve(io.cwd, path)
  if (!existsSync(full) || !statSync(full).isFile()) throw new CliError(`${path}: no such trace file`)
  progress.stage(`reading ${path}`, { total: statSync(full).size, unit: 'bytes' })
  const read = await readTraceFile(full, machineSchema, {
    onProgress: (_events, bytes) => progress.update(bytes),
  })
  if (!read.ok) throw unreadable(path, read.error, read.trace?.header.producer ?? read.error.producer)
  const config = machineConfigOf(read.trace.config, path)
  const log = read.trace.log
  // Kernel.fromLog, as loadKernel: every event checked against the machine it applies to, and the
  // machine at the end against every invariant; a trace that does not hold is refused here.
  progress.stage('rebuilding the machine', { total: log.length, unit: 'events' })
  let kernel: Kernel
  try {
    kernel = Kernel.fromLog(log, config, { onProgress: (events) => progress.update(events) })
  } catch (error) {
    if (!(error instanceof TraceFormatError)) throw error
    throw new CliError(`${path}: not a sound ntmm trace (${reason(error)})`)
  }
  if (options.verify !== true) return { kernel, length: log.length }
  progress.stage(`re-executing the inputs of ${log.length} events on a fresh machine`)
  const determinism = reexecute(log, config)
  const checkpoints = read.trace.checkpoints
  if (checkpoints.length > 0)
    progress.stage(`checking ${checkpoints.length} recorded state digests`, {
      total: log.length,
      unit: 'events',
    })
  const digests = checkTraceDigests(log, config, checkpoints, (events) => progress.update(events))
  return { kernel, length: log.length, determinism, digests }
}

/**
 * The machine right after event `seq` (a read-only view, as `kernel.at(seq)`), reached in steps
 * along the timeline so a seek deep into a long trace shows its progress: each step starts from
 * where the last ended, so the steps cost what one seek costs (`step`: events per step).
 */
export function machineAt(
  trace: OpenedTrace,
  seq: number,
  progress: Progress = noProgress,
  step = STEP,
): Kernel {
  if (seq + 1 > step) {
    progress.stage(`seeking to event #${seq}`, { total: seq + 1, unit: 'events' })
    const timeline = trace.kernel.timeline
    for (let position = step; position < seq + 1; position += step) {
      timeline.stateAt(position)
      progress.update(position)
    }
  }
  return trace.kernel.at(seq)
}
