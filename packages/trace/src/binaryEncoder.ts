// The binary trace encoder (docs/trace-format.md): the preamble with the JSON header, columnar
// event blocks (kinds run-length coded, causes sparse, numeric columns delta-of-delta zigzag
// varints, rare events as JSON), optionally compressed per block, then the index block and the
// trailer pointing at it. Works on Uint8Array chunks: no node: imports.
import {
  asciiBytes,
  BINARY_END_MAGIC,
  BINARY_MAGIC,
  BLOCK_HEADER_BYTES,
  type BlockCompressor,
  CODEC_DEFLATE_RAW,
  CODEC_NONE,
  MAX_BLOCK_EVENTS,
  TAG_EVENTS,
  TAG_INDEX,
  TAG_STATE,
  TRAILER_BYTES,
  TWO_32,
} from './binaryLayout.js'
import { writeStatePayload } from './binaryState.js'
import { ByteWriter, checksum32 } from './byteCodec.js'
import { LogBlockWriter, logReader, writeColumn } from './logBlockWriter.js'
import { OrderedBlocks } from './orderedBlocks.js'
import { TRACE_VERSION } from './traceHeader.js'
import type { TraceEntry } from './traceLog.js'
import type { NumericFieldType, TraceEventBase } from './traceSchema.js'
import type { TraceWriteInput } from './traceStream.js'
import { checkCheckpointOrder } from './verify.js'

/** Options of the binary encoder. */
export interface BinaryEncodeOptions {
  /** Compress each block (codec 1, deflate-raw) with this compressor. */
  readonly compressor?: BlockCompressor
  /**
   * The state blocks' compressor, when `compressor` is given (default: `compressor`): a snapshot
   * (long runs, 35 MB for a machine) and an events block (short varints) compress best with
   * different settings of the same codec.
   */
  readonly stateCompressor?: BlockCompressor
  /** Events per block (default 65536, at most 1 Mi). */
  readonly blockEvents?: number
  /**
   * Blocks being compressed off the caller's thread at once, when the compressor has
   * `compressAsync` (default 2): the next block's columns are written while they deflate. 0
   * compresses each block on the caller's thread, as a compressor without `compressAsync` does.
   * The file is the same bytes either way. Not an integer in [0, 64]: the default.
   */
  readonly blocksInFlight?: number
  /**
   * Write state blocks (a version-2 file): the model's state after every `every` events or so
   * (at the first events-block boundary at or past each multiple), so a reader seeking to an
   * event restores the nearest one and replays only the events after it.
   */
  readonly states?: BinaryStateWriter
}

/** What writes a binary trace's state blocks (see {@link BinaryEncodeOptions.states}). */
export interface BinaryStateWriter {
  /** Events between two state blocks (at least the block size). */
  readonly every: number
  /**
   * The state after the first `seq` events: its digest and its snapshot's bytes. Called with
   * ascending seqs, after the events before `seq` were read from the input. A writer that took
   * the state earlier (from the machine as it ran) may give the block already framed, or the
   * promise of it while it is still being compressed off the thread (its rejection fails the
   * encoding).
   */
  state(seq: number): BinaryStateBytes | BinaryStateBlock | Promise<BinaryStateBlock>
}

/**
 * A state block already framed (`frameStateBlock`, with the state blocks' compressor the
 * encoder was given): what a writer that took the state as the machine ran keeps instead of the snapshot.
 */
export interface BinaryStateBlock {
  readonly digest: string
  /** The whole block: its header and its (compressed) payload. */
  readonly block: Uint8Array
}

/** A state {@link BinaryStateWriter.state} gives the encoder. */
export interface BinaryStateBytes {
  readonly digest: string
  /** The snapshot's bytes. */
  readonly bytes: Uint8Array
  /**
   * Optional: the state block's whole raw payload (seq, digest, then `bytes`), already written
   * (valid until the next call): the encoder then copies nothing.
   */
  readonly payload?: Uint8Array
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Encodes a trace in the binary encoding, yielding chunks (one per block). */
export async function* encodeBinaryTrace<E extends TraceEventBase>(
  input: TraceWriteInput<E>,
  options: BinaryEncodeOptions = {},
): AsyncGenerator<Uint8Array> {
  const blockEvents = options.blockEvents ?? 1 << 16
  checkCheckpointOrder(input.checkpoints ?? [], 'encodeBinaryTrace')
  if (!(Number.isInteger(blockEvents) && blockEvents >= 1 && blockEvents <= MAX_BLOCK_EVENTS)) {
    throw new RangeError(`encodeBinaryTrace: blockEvents ${blockEvents} must be in [1, ${MAX_BLOCK_EVENTS}]`)
  }
  const header = input.header
  const kindIds = new Map(header.schema.kinds.map((kind, id) => [kind.type, id]))
  const fieldsOf = header.schema.kinds.map((kind) =>
    (kind.fields ?? []).map(([name, type]) => ({ name, type })),
  )
  const highVolume = header.schema.kinds.map((kind) => kind.volume === 'high')
  const encoder = new TextEncoder()

  const states = options.states
  if (states !== undefined && !(Number.isSafeInteger(states.every) && states.every >= 1))
    throw new RangeError(`encodeBinaryTrace: states.every ${states.every} must be a positive integer`)
  // The lowest version that holds the file: 2 only when it will hold state blocks.
  const withStates = states !== undefined && (input.log === undefined || input.log.length > states.every)
  const version = withStates ? TRACE_VERSION : 1
  const preamble = new ByteWriter(256)
  preamble.raw(asciiBytes(BINARY_MAGIC))
  preamble.u16(version)
  preamble.u16(0)
  const headerBytes = encoder.encode(JSON.stringify({ ...header, version }))
  preamble.u32(headerBytes.length)
  preamble.raw(headerBytes)
  yield preamble.result().slice()

  // Blocks go out through `out`, in file order: with an asynchronous compressor a few are still
  // deflating while the next one's columns are written, and each is placed (its offset in the
  // index fixed) when its turn comes.
  const compressor = options.compressor
  const stateCompressor = compressor === undefined ? undefined : (options.stateCompressor ?? compressor)
  const inFlight = blocksInFlight(options)
  const out = new OrderedBlocks(preamble.length)
  /** A block framed now (sync) or when its compression ends (async: `raw` kept unchanged until then). */
  const frame = (
    tag: number,
    raw: Uint8Array,
    with_: BlockCompressor | undefined,
  ): Uint8Array | Promise<Uint8Array> =>
    inFlight > 0 && with_?.compressAsync !== undefined
      ? frameBlockAsync(tag, raw, with_)
      : frameBlock(tag, raw, with_)

  const blocks: { offset: number; readonly firstSeq: number; readonly count: number }[] = []
  const stateBlocks: { offset: number; readonly seq: number }[] = []
  let lastState = 0
  /** Settles when the last state block's compression has (its payload may be the writer's to reuse). */
  let stateCompressed: Promise<unknown> = Promise.resolve()
  /** Adds a state block after the events block just added, when one is due. */
  const stateBlock = async (more: boolean): Promise<void> => {
    if (!withStates || !more || firstSeq - lastState < (states as BinaryStateWriter).every) return
    // A state's payload is valid until the writer's next call: the previous one must be deflated.
    await stateCompressed
    const state = (states as BinaryStateWriter).state(firstSeq)
    const block =
      'then' in state
        ? Promise.resolve(state).then((taken) => taken.block)
        : 'block' in state
          ? state.block
          : frame(
              TAG_STATE,
              state.payload ?? writeStatePayload(firstSeq, state.digest, state.bytes),
              stateCompressor,
            )
    if (block instanceof Promise) stateCompressed = block.then(ignore, ignore)
    const info = { offset: 0, seq: firstSeq }
    stateBlocks.push(info)
    lastState = firstSeq
    out.add(block, (at) => {
      info.offset = at
    })
  }
  let kinds: number[] = []
  let causes: (number | undefined)[] = []
  // One block's values per high-volume kind, in typed columns reused from block to block.
  const values = header.schema.kinds.map((_, id) =>
    highVolume[id] ? new KindValues((fieldsOf[id] ?? []).length) : undefined,
  )
  let lows: string[] = []
  let firstSeq = 0
  let count = 0
  // One payload writer per block that may still be deflating, and the one being written: a
  // block's payload is not overwritten before its compression ends.
  const payloads = Array.from({ length: inFlight + 1 }, () => new ByteWriter())
  let turn = 0
  let payload = payloads[0] as ByteWriter

  const flush = (): void => {
    payload.reset()
    payload.varint(firstSeq)
    payload.varint(kinds.length)
    const runs: [number, number][] = []
    for (const kind of kinds) {
      const last = runs[runs.length - 1]
      if (last !== undefined && last[0] === kind) last[1]++
      else runs.push([kind, 1])
    }
    payload.varint(runs.length)
    for (const [kind, length] of runs) {
      payload.varint(kind)
      payload.varint(length)
    }
    const withCause = causes.flatMap((cause, index) => (cause === undefined ? [] : [[index, cause] as const]))
    payload.varint(withCause.length)
    let previous = -1
    for (const [index, cause] of withCause) {
      payload.varint(index - previous - 1)
      payload.varint(firstSeq + index - cause)
      previous = index
    }
    values.forEach((kindValues, kindId) => {
      if (kindValues === undefined || kindValues.rows === 0) return
      kindValues.columns.forEach((column, fieldIndex) => {
        const type = fieldsOf[kindId]?.[fieldIndex]?.type as NumericFieldType
        writeColumn(payload, column, kindValues.rows, type)
      })
      kindValues.rows = 0
    })
    for (const low of lows) payload.utf8(low)
    framed(kinds.length)
    kinds = []
    causes = []
    lows = []
  }
  /** Adds the events block of the `events` events from `firstSeq` whose payload is written. */
  const framed = (events: number): void => {
    const info = { offset: 0, firstSeq, count: events }
    blocks.push(info)
    out.add(frame(TAG_EVENTS, payload.result(), compressor), (at) => {
      info.offset = at
    })
    firstSeq += events
    turn = (turn + 1) % payloads.length
    payload = payloads[turn] as ByteWriter
  }

  /** Counts the event just added (reporting progress); true when its block is full. */
  const added = (): boolean => {
    count++
    if ((count & 0xffff) === 0) input.onProgress?.(count)
    return kinds.length === blockEvents
  }
  const fromLog = input.log === undefined ? undefined : logReader(input.log, kindIds, fieldsOf, highVolume)
  if (fromLog !== undefined) {
    // Straight from the log's index and column chunks (logBlockWriter.ts): the same bytes.
    const writer = new LogBlockWriter(fromLog, fieldsOf, blockEvents)
    const end = fromLog.log.length
    while (firstSeq < end) {
      const to = Math.min(end, firstSeq + blockEvents)
      writer.write(payload, firstSeq, to)
      const events = to - firstSeq
      // Progress every 64Ki events, as the entries path reports it.
      for (let next = (count | 0xffff) + 1; next <= count + events; next += 0x10000) input.onProgress?.(next)
      count += events
      framed(events)
      await stateBlock(to < end)
      yield* out.drain(inFlight)
    }
  } else {
    for await (const entry of input.entries as AsyncIterable<TraceEntry<E>>) {
      const kindId = kindIds.get(entry.event.type)
      if (kindId === undefined)
        throw new TypeError(`encodeBinaryTrace: kind '${entry.event.type}' is not in the header schema`)
      if (entry.seq !== firstSeq + kinds.length) {
        throw new RangeError(`encodeBinaryTrace: expected seq ${firstSeq + kinds.length}, got ${entry.seq}`)
      }
      kinds.push(kindId)
      causes.push(entry.cause)
      if (highVolume[kindId]) {
        const record = entry.event as unknown as Record<string, number>
        const kindValues = values[kindId] as KindValues
        const at = kindValues.nextRow()
        ;(fieldsOf[kindId] ?? []).forEach((field, index) => {
          ;(kindValues.columns[index] as Float64Array)[at] = record[field.name] as number
        })
      } else {
        lows.push(JSON.stringify(entry.event))
      }
      if (added()) {
        flush()
        await stateBlock(true)
        yield* out.drain(inFlight)
      }
    }
  }
  if (kinds.length > 0) flush()
  yield* out.drain(0)
  const offset = out.offset

  const index = new ByteWriter(1024)
  // As in JSON Lines, digests recorded beyond the last event are not written (no reader accepts them).
  const checkpoints = (input.checkpoints ?? []).filter((checkpoint) => checkpoint.seq <= count)
  index.raw(
    encoder.encode(
      JSON.stringify({ events: count, blocks, checkpoints, ...(withStates ? { states: stateBlocks } : {}) }),
    ),
  )
  const indexBlock = frameBlock(TAG_INDEX, index.result(), undefined)
  const trailer = new ByteWriter(TRAILER_BYTES)
  trailer.u32(offset % TWO_32)
  trailer.u32(Math.floor(offset / TWO_32))
  trailer.raw(asciiBytes(BINARY_END_MAGIC))
  const tail = new Uint8Array(indexBlock.length + TRAILER_BYTES)
  tail.set(indexBlock)
  tail.set(trailer.result(), indexBlock.length)
  input.onProgress?.(count)
  yield tail
}

/**
 * A state block framed as the encoder frames one: `payload` its raw payload (statePayloadHead,
 * then the snapshot's bytes), compressed with `compressor`.
 */
export function frameStateBlock(payload: Uint8Array, compressor: BlockCompressor | undefined): Uint8Array {
  return frameBlock(TAG_STATE, payload, compressor)
}

/**
 * {@link frameStateBlock} compressed off the caller's thread when the compressor can
 * (`compressAsync`): the same bytes. `payload` must not change until the promise settles.
 */
export function frameStateBlockAsync(
  payload: Uint8Array,
  compressor: BlockCompressor | undefined,
): Promise<Uint8Array> {
  return compressor?.compressAsync === undefined
    ? Promise.resolve().then(() => frameBlock(TAG_STATE, payload, compressor))
    : frameBlockAsync(TAG_STATE, payload, compressor)
}

function frameBlock(tag: number, raw: Uint8Array, compressor: BlockCompressor | undefined): Uint8Array {
  return frameStored(tag, raw, compressor === undefined ? undefined : compressor.compress(raw))
}

/** {@link frameBlock} with the compressor's `compressAsync`: the same bytes, deflated off the thread. */
async function frameBlockAsync(
  tag: number,
  raw: Uint8Array,
  compressor: BlockCompressor,
): Promise<Uint8Array> {
  const compressAsync = compressor.compressAsync as (bytes: Uint8Array) => Promise<Uint8Array>
  return frameStored(tag, raw, await compressAsync.call(compressor, raw))
}

/** A block's header, then its payload: `raw` as it is, or `stored`, its compressed bytes. */
function frameStored(tag: number, raw: Uint8Array, stored: Uint8Array | undefined): Uint8Array {
  const framed = new ByteWriter((stored ?? raw).length + BLOCK_HEADER_BYTES)
  framed.u8(tag)
  framed.u8(stored === undefined ? CODEC_NONE : CODEC_DEFLATE_RAW)
  const bytes = stored ?? raw
  framed.u32(bytes.length)
  framed.u32(raw.length)
  framed.u32(checksum32(bytes))
  framed.raw(bytes)
  return framed.result().slice()
}

/** The default of {@link BinaryEncodeOptions.blocksInFlight}: libuv's pool has 4 threads, the machine may have 2 cores. */
const BLOCKS_IN_FLIGHT = 2

/** {@link BinaryEncodeOptions.blocksInFlight}, the default for a value out of range. */
function blocksInFlight(options: BinaryEncodeOptions): number {
  const asked = options.blocksInFlight
  return asked !== undefined && Number.isInteger(asked) && asked >= 0 && asked <= 64
    ? asked
    : BLOCKS_IN_FLIGHT
}

const ignore = (): void => {}

/**
 * One block's values of one high-volume kind: a column per field (every value of every field
 * type is exact as a double), grown by doubling and reused by the next block.
 */
class KindValues {
  /** Rows in the block so far. */
  rows = 0
  columns: Float64Array[]
  private capacity = 256

  constructor(fields: number) {
    this.columns = Array.from({ length: fields }, () => new Float64Array(this.capacity))
  }

  /** The index of the block's next row (room made for it). */
  nextRow(): number {
    if (this.rows === this.capacity) {
      this.capacity *= 2
      this.columns = this.columns.map((column) => {
        const grown = new Float64Array(this.capacity)
        grown.set(column)
        return grown
      })
    }
    return this.rows++
  }
}
