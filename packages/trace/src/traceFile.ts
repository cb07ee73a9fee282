// Trace files on disk (Node only: node:fs and node:zlib live here, the codecs stay portable).
// Writing, reading, random access, replay with digest checks and export, all streaming: memory
// stays constant whatever the file size (one block or one line at a time).
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { constants, deflateRaw, deflateRawSync, inflateRawSync, type ZlibOptions } from 'node:zlib'
import {
  type BinaryTraceIndex,
  type BlockCompressor,
  BINARY_MAGIC,
  decodeBinaryItems,
  encodeBinaryTrace,
  openBinaryTrace,
} from './binaryTrace.js'
import { encodeChromeTrace } from './chromeTraceExport.js'
import { decodeJsonLines, encodeJsonLines } from './jsonLines.js'
import { encodePerfettoTrace } from './perfettoExport.js'
import { TraceFormatError } from './traceFormatError.js'
import type { TraceHeader } from './traceHeader.js'
import type { TraceEntry, TraceLog } from './traceLog.js'
import type { TraceModel } from './traceModel.js'
import type { TraceEventBase, TraceSchema } from './traceSchema.js'
import {
  type BlockItem,
  type CausesItem,
  collectItems,
  type TraceItem,
  type TraceReadResult,
  type TraceWriteInput,
} from './traceStream.js'
import type { TrackExportOptions } from './trackMapping.js'
import type { DigestCheckpoint } from './verify.js'

/**
 * The deflate level blocks are written at. 2 (zlib's fast, greedy matcher) rather than the
 * default 6: measured on a machine trace's payloads, half the CPU for events blocks and a
 * quarter for state blocks, for files ~4% larger (docs/performance.md, "Import: the writer's
 * costs"). Any level inflates the same way, so every reader reads old and new files alike, and a
 * level's output is the same bytes from run to run.
 */
const DEFLATE_LEVEL = 2

/**
 * The deflate window of events blocks: 2^14 bytes, not zlib's 2^15. An events block's payload is
 * short varints whose repeats are mostly near (the same kinds' deltas row after row): measured
 * on a machine trace's events blocks, ~12% less CPU for +0.2% of bytes, and +4% on a real
 * program's trace, whose loops repeat from further back (2^12: a quarter less CPU, but +57% on
 * that trace; docs/performance.md, "Import: a fourth pass"). Any inflater with the default window
 * reads it: deflate's window only bounds how far back a match may reach.
 */
const EVENTS_WINDOW_BITS = 14

/**
 * zlib's memLevel for events blocks: 9, not the default 8 — a hash table twice as large, so the
 * fast matcher walks fewer colliding chains: measured on a machine trace's events payloads,
 * ~15% less CPU for +2.4% of bytes (docs/performance.md, "Import: a fifth pass"). It sets only
 * the compressor's memory (256 KiB more while a block is deflated); inflating needs nothing of it.
 */
const EVENTS_MEM_LEVEL = 9

/** Inflates a deflate-raw block, its output bounded by the length the block header states. */
const inflateRaw = (bytes: Uint8Array, rawLength: number): Uint8Array =>
  inflateRawSync(bytes, { maxOutputLength: Math.max(1, rawLength) })

/**
 * The output chunk of an asynchronous deflate: 512 KiB, more than an events block's or a machine
 * snapshot's deflated bytes (~0.35 MB each). zlib's stream hands each full output chunk back to
 * the main thread before it deflates on — a wait whenever the main thread is busy writing the next
 * block — so a block's whole output fits in one.
 */
const ASYNC_CHUNK = 1 << 19

/**
 * deflate-raw of `bytes` on libuv's threadpool (zlib's callback form): the same bytes as
 * deflateRawSync with the same options, which deflates all its input in one call finishing the
 * stream (Z_FINISH) — so does this one (`flush`), in one trip to the threadpool; the output
 * chunks' size does not change what is written.
 */
const deflateRawAsync = (bytes: Uint8Array, options: ZlibOptions): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    deflateRaw(bytes, { ...options, flush: constants.Z_FINISH, chunkSize: ASYNC_CHUNK }, (error, result) => {
      if (error === null) resolve(result)
      else reject(error)
    })
  })

/** The events blocks' deflate options (see the constants above). */
const EVENTS_DEFLATE: ZlibOptions = {
  level: DEFLATE_LEVEL,
  windowBits: EVENTS_WINDOW_BITS,
  memLevel: EVENTS_MEM_LEVEL,
}

/**
 * deflate-raw block compression through node:zlib, with a bounded output on decompression;
 * `compressAsync` deflates on libuv's threadpool (the binary encoder's default when writing).
 */
export const deflateRawCompressor: BlockCompressor = {
  compress: (bytes) => deflateRawSync(bytes, EVENTS_DEFLATE),
  compressAsync: (bytes) => deflateRawAsync(bytes, EVENTS_DEFLATE),
  decompress: inflateRaw,
}

/** The state blocks' deflate options: zlib's default window and memory. */
const STATE_DEFLATE: ZlibOptions = { level: DEFLATE_LEVEL }

/**
 * {@link deflateRawCompressor} for state blocks (BinaryEncodeOptions.stateCompressor): the
 * default window, which a snapshot's long runs compress faster with (50 against 63 ms a 35 MB
 * machine snapshot). The same codec: either inflates the other's blocks.
 */
export const deflateRawStateCompressor: BlockCompressor = {
  compress: (bytes) => deflateRawSync(bytes, STATE_DEFLATE),
  compressAsync: (bytes) => deflateRawAsync(bytes, STATE_DEFLATE),
  decompress: inflateRaw,
}

/** The two file encodings. */
export type TraceEncoding = 'jsonl' | 'binary'

/** Options for writing a trace file. */
export interface WriteTraceFileOptions {
  readonly encoding: TraceEncoding
  /** Binary only: deflate-raw each block (default true). */
  readonly compress?: boolean
  /** Binary only: events per block (default 65536). */
  readonly blockEvents?: number
}

/** Writes a trace (header, entries, digests) to `path`, streaming. Returns the bytes written. */
export async function writeTraceFile<E extends TraceEventBase>(
  path: string,
  input: TraceWriteInput<E>,
  options: WriteTraceFileOptions,
): Promise<number> {
  const chunks =
    options.encoding === 'jsonl'
      ? encodeJsonLines(input)
      : encodeBinaryTrace(input, {
          ...(options.compress === false ? {} : { compressor: deflateRawCompressor }),
          ...(options.blockEvents === undefined ? {} : { blockEvents: options.blockEvents }),
        })
  return writeChunks(path, chunks)
}

/** Writes a log (and optional digests) to `path`. */
export function writeLogFile<E extends TraceEventBase>(
  path: string,
  trace: {
    readonly header: TraceHeader
    readonly log: TraceLog<E>
    readonly checkpoints?: readonly DigestCheckpoint[]
  },
  options: WriteTraceFileOptions,
): Promise<number> {
  return writeTraceFile(
    path,
    {
      header: trace.header,
      entries: trace.log.entries(),
      log: trace.log,
      ...(trace.checkpoints ? { checkpoints: trace.checkpoints } : {}),
    },
    options,
  )
}

/**
 * Streams encoded chunks to a file (with back-pressure) and returns the bytes written.
 * @throws the system's error (ENOENT, EACCES, EISDIR, ENOSPC: `code` set, the path named) when
 *   the file cannot be opened or written, and whatever `chunks` throws; the promise always
 *   settles, and the file is closed.
 */
export async function writeChunks(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  // Opened first: a stream made from a path reports a failed open as an 'error' event, which
  // left this promise waiting for a 'close' that had already passed.
  const handle = await open(path, 'w')
  let bytes = 0
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      bytes += chunk.length
      yield chunk
    }
  }
  await pipeline(counted(), handle.createWriteStream())
  return bytes
}

/** Which encoding a file uses, from its first bytes. */
export async function detectTraceEncoding(path: string): Promise<TraceEncoding> {
  const handle = await open(path, 'r')
  try {
    const probe = new Uint8Array(8)
    const { bytesRead } = await handle.read(probe, 0, 8, 0)
    return bytesRead === 8 && String.fromCharCode(...probe) === BINARY_MAGIC ? 'binary' : 'jsonl'
  } finally {
    await handle.close()
  }
}

/** Options for reading trace files. */
export interface ReadTraceFileOptions {
  readonly maxLineLength?: number
  /** Called as reading advances, with the events and bytes read so far. */
  readonly onProgress?: (events: number, bytes: number) => void
}

/**
 * Streams the items of a trace file (either encoding), constant memory. Yields the valid prefix
 * then throws a TraceFormatError naming the file (I/O errors too are reported as one).
 */
export function streamTraceFile<E extends TraceEventBase>(
  path: string,
  schema: TraceSchema<E>,
  options: ReadTraceFileOptions = {},
): AsyncGenerator<TraceItem<E>> {
  return fileItems(path, schema, options, false) as AsyncGenerator<TraceItem<E>>
}

/**
 * {@link streamTraceFile}; with `blocks`, a binary file's events come as whole blocks, with
 * 'causes' as their causes only (a JSON Lines file's still come as events). @internal
 */
export async function* fileItems<E extends TraceEventBase>(
  path: string,
  schema: TraceSchema<E>,
  options: ReadTraceFileOptions,
  blocks: boolean | 'causes',
): AsyncGenerator<TraceItem<E> | BlockItem<E> | CausesItem> {
  let encoding: TraceEncoding
  try {
    encoding = await detectTraceEncoding(path)
  } catch (error) {
    throw new TraceFormatError({ file: path, reason: `cannot open: ${(error as Error).message}` })
  }
  const stream = createReadStream(path, { highWaterMark: 1 << 16 })
  const chunks = (async function* () {
    try {
      for await (const chunk of stream)
        yield new Uint8Array((chunk as Buffer).buffer, (chunk as Buffer).byteOffset, (chunk as Buffer).length)
    } catch (error) {
      throw new TraceFormatError({ file: path, reason: `read failed: ${(error as Error).message}` })
    }
  })()
  const common = { file: path, ...(options.onProgress ? { onProgress: options.onProgress } : {}) }
  try {
    if (encoding === 'binary')
      yield* decodeBinaryItems(chunks, schema, { ...common, compressor: deflateRawCompressor }, blocks)
    else
      yield* decodeJsonLines(chunks, schema, {
        ...common,
        ...(options.maxLineLength ? { maxLineLength: options.maxLineLength } : {}),
      })
  } finally {
    stream.destroy()
  }
}

/** Reads a whole trace file into memory; on error returns it with the valid prefix. Never throws. */
export function readTraceFile<E extends TraceEventBase>(
  path: string,
  schema: TraceSchema<E>,
  options: ReadTraceFileOptions = {},
): Promise<TraceReadResult<E>> {
  // Collected block by block: a binary file's high-volume rows go into the log without event objects.
  return collectItems(
    fileItems(path, schema, options, true) as AsyncGenerator<TraceItem<E> | BlockItem<E>>,
    schema,
  )
}

/** Opens a binary trace file for random access (reads the preamble and index only). */
export async function openBinaryTraceFile<E extends TraceEventBase>(
  path: string,
  schema: TraceSchema<E>,
): Promise<
  BinaryTraceIndex<E> & {
    /** Closes the file. */
    close(): Promise<void>
  }
> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'r')
  } catch (error) {
    throw new TraceFormatError({ file: path, reason: `cannot open: ${(error as Error).message}` })
  }
  const size = (await handle.stat()).size
  const source = {
    size,
    read: async (offset: number, length: number) => {
      const buffer = new Uint8Array(length)
      const { bytesRead } = await handle.read(buffer, 0, length, offset)
      return buffer.subarray(0, bytesRead)
    },
  }
  try {
    const index = await openBinaryTrace(source, schema, { file: path, compressor: deflateRawCompressor })
    return Object.assign(index, { close: () => handle.close() })
  } catch (error) {
    await handle.close()
    throw error
  }
}

/** Result of {@link replayTraceFile}. */
export interface ReplayFileResult<S> {
  /** The state after the events read; undefined when the header itself was unreadable. */
  readonly state: S | undefined
  readonly events: number
  /** Recorded digests checked, and the first that differed (if any). */
  readonly checkedDigests: number
  readonly divergence:
    | { readonly seq: number; readonly expected: string; readonly actual: string }
    | undefined
  /** The format error that ended the replay early (the state is then after the valid prefix). */
  readonly error: TraceFormatError | undefined
}

/**
 * Replays a trace file through a model without loading it (constant memory), checking each
 * recorded digest whose seq has been reached. The config comes from the file header unless given.
 */
export async function replayTraceFile<S, E extends TraceEventBase, C, Snap>(
  path: string,
  options: {
    readonly schema: TraceSchema<E>
    readonly model: TraceModel<S, E, C, Snap>
    readonly config?: C
    readonly onProgress?: (events: number, bytes: number) => void
  },
): Promise<ReplayFileResult<S>> {
  const { model } = options
  let state: S | undefined
  let events = 0
  let checkedDigests = 0
  let divergence: ReplayFileResult<S>['divergence']
  const expected = new Map<number, string>()
  const known = new Set<number>()
  const check = (seq: number): void => {
    const digest = expected.get(seq)
    if (digest === undefined) return
    expected.delete(seq)
    const actual = model.digest(state as S)
    checkedDigests++
    if (actual !== digest && divergence === undefined) divergence = { seq, expected: digest, actual }
  }
  try {
    if ((await detectTraceEncoding(path)) === 'binary') {
      // Binary files carry their digests in the index at the end: read the index first.
      const index = await openBinaryTraceFile(path, options.schema).catch(() => undefined)
      for (const checkpoint of index?.checkpoints ?? []) {
        expected.set(checkpoint.seq, checkpoint.digest)
        known.add(checkpoint.seq)
      }
      await index?.close()
    }
    const progress = options.onProgress ? { onProgress: options.onProgress } : {}
    for await (const item of streamTraceFile(path, options.schema, progress)) {
      if (item.item === 'header') {
        state = model.initial(options.config ?? (item.header.config as C))
        check(0)
      } else if (item.item === 'event') {
        state = model.apply(state as S, item.entry.event)
        events++
        check(events)
      } else if (item.checkpoint.seq >= events && !known.has(item.checkpoint.seq)) {
        expected.set(item.checkpoint.seq, item.checkpoint.digest)
        known.add(item.checkpoint.seq)
        check(events)
      }
    }
  } catch (error) {
    const formatError =
      error instanceof TraceFormatError
        ? error
        : new TraceFormatError({ file: path, reason: (error as Error).message })
    return { state, events, checkedDigests, divergence, error: formatError }
  }
  return { state, events, checkedDigests, divergence, error: undefined }
}

/** Exports a trace file to Perfetto protobuf (`perfetto`) or Chrome JSON (`chrome`), streaming. */
export async function exportTraceFile<E extends TraceEventBase>(
  path: string,
  outputPath: string,
  options: TrackExportOptions<E> & {
    readonly schema: TraceSchema<E>
    readonly format: 'perfetto' | 'chrome'
  },
): Promise<number> {
  const entries = (async function* (): AsyncGenerator<TraceEntry<E>> {
    for await (const item of streamTraceFile(path, options.schema))
      if (item.item === 'event') yield item.entry
  })()
  const chunks =
    options.format === 'perfetto'
      ? encodePerfettoTrace(entries, options)
      : encodeChromeTrace(entries, options)
  return writeChunks(outputPath, chunks)
}
