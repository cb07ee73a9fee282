// The binary trace encoder (docs/trace-format.md): the preamble with the JSON header, columnar
// event blocks (kinds run-length coded, causes sparse, numeric columns delta-of-delta zigzag
// varints, rare events as JSON), optionally compressed per block, then the index block and the
// trailer pointing at it. Works on Uint8Array chunks: no node: imports.
import {
  asciiBytes,
  BINARY_END_MAGIC,
  BINARY_MAGIC,
  type BinaryBlockInfo,
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
import type { BinaryStateInfo } from './binaryIndex.js'
import { writeStatePayload } from './binaryState.js'
import { ByteWriter, checksum32 } from './byteCodec.js'
import { LogBlockWriter, logReader, writeColumn } from './logBlockWriter.js'
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
   * the state earlier (from the machine as it ran) may give the block already framed.
   */
  state(seq: number): BinaryStateBytes | BinaryStateBlock
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
  let offset = preamble.length
  yield preamble.result().slice()

  const blocks: BinaryBlockInfo[] = []
  const stateBlocks: BinaryStateInfo[] = []
  let lastState = 0
  /** A state block after the events block just written, when one is due. */
  const stateBlock = (more: boolean): Uint8Array | undefined => {
    if (!withStates || !more || firstSeq - lastState < (states as BinaryStateWriter).every) return undefined
    const state = (states as BinaryStateWriter).state(firstSeq)
    const block =
      'block' in state
        ? state.block
        : frameBlock(
            TAG_STATE,
            state.payload ?? writeStatePayload(firstSeq, state.digest, state.bytes),
            options.compressor === undefined ? undefined : (options.stateCompressor ?? options.compressor),
          )
    stateBlocks.push({ offset, seq: firstSeq })
    lastState = firstSeq
    offset += block.length
    return block
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
  const payload = new ByteWriter()

  const flush = (): Uint8Array => {
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
    const block = framed(kinds.length)
    kinds = []
    causes = []
    lows = []
    return block
  }
  /** The events block of the `events` events from `firstSeq` whose payload is written. */
  const framed = (events: number): Uint8Array => {
    const block = frameBlock(TAG_EVENTS, payload.result(), options.compressor)
    blocks.push({ offset, firstSeq, count: events })
    offset += block.length
    firstSeq += events
    return block
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
      yield framed(events)
      const state = stateBlock(to < end)
      if (state !== undefined) yield state
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
        yield flush()
        const state = stateBlock(true)
        if (state !== undefined) yield state
      }
    }
  }
  if (kinds.length > 0) yield flush()

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

function frameBlock(tag: number, raw: Uint8Array, compressor: BlockCompressor | undefined): Uint8Array {
  const stored = compressor === undefined ? raw : compressor.compress(raw)
  const framed = new ByteWriter(stored.length + BLOCK_HEADER_BYTES)
  framed.u8(tag)
  framed.u8(compressor === undefined ? CODEC_NONE : CODEC_DEFLATE_RAW)
  framed.u32(stored.length)
  framed.u32(raw.length)
  framed.u32(checksum32(stored))
  framed.raw(stored)
  return framed.result().slice()
}

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
