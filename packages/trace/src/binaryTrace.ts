// The compact binary trace encoding (specified in docs/trace-format.md): a preamble with the
// JSON header, columnar event blocks (kinds run-length coded, causes sparse, numeric columns
// delta-of-delta zigzag varints, rare events as JSON), optionally compressed per block, then an
// index block (block offsets, recorded digests) and a fixed trailer pointing at the index, so a
// reader can seek without reading the whole file. Works on Uint8Array chunks: no node: imports.
import * as v from 'valibot'
import { ByteReader, ByteReadError, ByteWriter, checksum32 } from './byteCodec.js'
import { type ChunkedColumn, firstMisfit } from './columnStore.js'
import { parseUntrustedJson } from './safeJson.js'
import { TraceFormatError } from './traceFormatError.js'
import { SUPPORTED_TRACE_VERSIONS, TRACE_VERSION, type TraceHeader, validateHeader } from './traceHeader.js'
import type { DecodedRowAppender } from './kindAppender.js'
import type { TraceEntry, TraceLog } from './traceLog.js'
import type { KindInfo, NumericFieldType, TraceEventBase, TraceSchema } from './traceSchema.js'
import { type BlockItem, type TraceItem, type TraceWriteInput, validateEvent } from './traceStream.js'
import type { DigestCheckpoint } from './verify.js'

/** Compresses and decompresses block payloads (deflate-raw in the Node file module). */
export interface BlockCompressor {
  /** Compresses one block payload. */
  compress(bytes: Uint8Array): Uint8Array
  /** Must refuse (throw) output longer than `rawLength`. */
  decompress(bytes: Uint8Array, rawLength: number): Uint8Array
}

/** Options of the binary encoder. */
export interface BinaryEncodeOptions {
  /** Compress each block (codec 1, deflate-raw) with this compressor. */
  readonly compressor?: BlockCompressor
  /** Events per block (default 65536, at most 1 Mi). */
  readonly blockEvents?: number
}

/** Options of the binary decoders. */
export interface BinaryDecodeOptions {
  readonly file?: string
  /** Needed to read compressed blocks. */
  readonly compressor?: BlockCompressor
  /** Largest accepted block (stored or raw), in bytes (default 64 MiB). */
  readonly maxBlockBytes?: number
  /** Called as decoding advances, with the events and bytes read so far. */
  readonly onProgress?: (events: number, bytes: number) => void
}

/** A source read at arbitrary offsets (a file, a Uint8Array, an HTTP range reader…). */
export interface RandomAccessSource {
  readonly size: number
  /** Reads `length` bytes at `offset`. */
  read(offset: number, length: number): Promise<Uint8Array>
}

export const BINARY_MAGIC = 'NTMMTRCE'
export const BINARY_END_MAGIC = 'NTMMEND!'
const TAG_EVENTS = 1
const TAG_INDEX = 2
const CODEC_NONE = 0
const CODEC_DEFLATE_RAW = 1
const BLOCK_HEADER_BYTES = 14
const TRAILER_BYTES = 16
const PREAMBLE_FIXED_BYTES = 16
const MAX_HEADER_BYTES = 16 << 20
const MAX_BLOCK_EVENTS = 1 << 20
const MODE_INTEGER = 0
const MODE_FLOAT = 1
const F64_INTEGER_LIMIT = 2 ** 50
const TWO_32 = 2 ** 32

const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0))

/** One block's place in the file. */
export interface BinaryBlockInfo {
  readonly offset: number
  readonly firstSeq: number
  readonly count: number
}

const indexSchema = v.object({
  events: v.pipe(v.number(), v.integer(), v.minValue(0)),
  blocks: v.array(
    v.object({
      offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
      firstSeq: v.pipe(v.number(), v.integer(), v.minValue(0)),
      count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_BLOCK_EVENTS)),
    }),
  ),
  checkpoints: v.array(
    v.object({
      seq: v.pipe(v.number(), v.integer(), v.minValue(0)),
      digest: v.pipe(v.string(), v.maxLength(256)),
    }),
  ),
})

// ---------------------------------------------------------------------------------------------
// Encoding

/** Encodes a trace in the binary encoding, yielding chunks (one per block). */
export async function* encodeBinaryTrace<E extends TraceEventBase>(
  input: TraceWriteInput<E>,
  options: BinaryEncodeOptions = {},
): AsyncGenerator<Uint8Array> {
  const blockEvents = options.blockEvents ?? 1 << 16
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

  const preamble = new ByteWriter(256)
  preamble.raw(asciiBytes(BINARY_MAGIC))
  preamble.u16(TRACE_VERSION)
  preamble.u16(0)
  const headerBytes = encoder.encode(JSON.stringify(header))
  preamble.u32(headerBytes.length)
  preamble.raw(headerBytes)
  let offset = preamble.length
  yield preamble.result().slice()

  const blocks: BinaryBlockInfo[] = []
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
    for (const low of lows) {
      const bytes = encoder.encode(low)
      payload.varint(bytes.length)
      payload.raw(bytes)
    }
    const block = frameBlock(TAG_EVENTS, payload.result(), options.compressor)
    blocks.push({ offset, firstSeq, count: kinds.length })
    offset += block.length
    firstSeq += kinds.length
    kinds = []
    causes = []
    lows = []
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
    // Straight from the log's columns: the event objects of high-volume rows are never made.
    const { log, headerKinds, columnsOf } = fromLog
    const end = log.length
    for (let seq = 0; seq < end; seq++) {
      const logKind = log.kindAt(seq)
      const kindId = headerKinds[logKind] as number
      kinds.push(kindId)
      causes.push(log.causeOf(seq))
      const sources = columnsOf[logKind]
      if (sources !== undefined) {
        const row = log.rowAt(seq)
        const kindValues = values[kindId] as KindValues
        const at = kindValues.nextRow()
        for (let field = 0; field < sources.length; field++) {
          ;(kindValues.columns[field] as Float64Array)[at] = (sources[field] as ChunkedColumn).get(row)
        }
      } else {
        lows.push(JSON.stringify(log.at(seq)))
      }
      if (added()) yield flush()
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
      if (added()) yield flush()
    }
  }
  if (kinds.length > 0) yield flush()

  const index = new ByteWriter(1024)
  index.raw(encoder.encode(JSON.stringify({ events: count, blocks, checkpoints: input.checkpoints ?? [] })))
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
 * How the encoder reads `log` directly: per kind id of the log, the header's kind id and, for a
 * high-volume kind, its columns in the header's field order. Undefined (read the entries) when
 * the header's schema does not describe the log's kinds field for field.
 */
function logReader<E extends TraceEventBase>(
  log: TraceLog<E>,
  kindIds: ReadonlyMap<string, number>,
  fieldsOf: readonly (readonly { readonly name: string; readonly type: NumericFieldType }[])[],
  highVolume: readonly boolean[],
):
  | {
      readonly log: TraceLog<E>
      readonly headerKinds: readonly number[]
      readonly columnsOf: readonly (readonly ChunkedColumn[] | undefined)[]
    }
  | undefined {
  const headerKinds: number[] = []
  const columnsOf: (readonly ChunkedColumn[] | undefined)[] = []
  for (const kind of log.schema.kinds) {
    const id = kindIds.get(kind.type)
    const fields = id === undefined ? undefined : fieldsOf[id]
    if (
      id === undefined ||
      fields === undefined ||
      fields.length !== kind.fields.length ||
      highVolume[id] !== (kind.volume === 'high')
    )
      return undefined
    headerKinds.push(id)
    if (kind.volume === 'low') {
      columnsOf.push(undefined)
      continue
    }
    const store = log.stores[kind.id]
    const columns: ChunkedColumn[] = []
    for (const field of fields) {
      const index = kind.fields.findIndex((candidate) => candidate.name === field.name)
      const column = store?.columns[index]
      if (column === undefined || kind.fields[index]?.type !== field.type) return undefined
      columns.push(column)
    }
    columnsOf.push(columns)
  }
  return { log, headerKinds, columnsOf }
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

/**
 * Writes one column (its first `length` values): a mode byte, then delta-of-delta zigzag
 * varints (integers) or raw f64.
 */
function writeColumn(writer: ByteWriter, column: Float64Array, length: number, type: NumericFieldType): void {
  let integral = true
  if (type === 'f64') {
    for (let index = 0; index < length && integral; index++) {
      const value = column[index] as number
      integral = Number.isInteger(value) && Math.abs(value) <= F64_INTEGER_LIMIT
    }
  }
  if (!integral) {
    writer.u8(MODE_FLOAT)
    for (let index = 0; index < length; index++) writer.f64(column[index] as number)
    return
  }
  writer.u8(MODE_INTEGER)
  let previous = 0
  let previousDelta = 0
  for (let index = 0; index < length; index++) {
    const value = column[index] as number
    const delta = value - previous
    writer.zigzag(delta - previousDelta)
    previousDelta = delta
    previous = value
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface DecodeContext {
  readonly kinds: readonly KindInfo[]
  readonly file: string | undefined
}

function formatError(
  context: { readonly file: string | undefined },
  reason: string,
  offset: number,
  extra: { seq?: number; field?: string } = {},
): TraceFormatError {
  return new TraceFormatError({
    reason,
    offset,
    ...(context.file === undefined ? {} : { file: context.file }),
    ...extra,
  })
}

/** Reads the fixed preamble and the header from `bytes` (which must hold them). */
function readPreamble(
  reader: ByteReader,
  schema: TraceSchema,
  file: string | undefined,
): { header: TraceHeader; kinds: KindInfo[] } {
  const magic = String.fromCharCode(...reader.take(8))
  if (magic !== BINARY_MAGIC)
    throw formatError({ file }, 'not an ntmm binary trace (bad magic)', 0, { field: 'magic' })
  const version = reader.u16()
  if (!SUPPORTED_TRACE_VERSIONS.includes(version)) {
    throw formatError(
      { file },
      `unsupported trace format version ${version}; supported: ${SUPPORTED_TRACE_VERSIONS.join(', ')}`,
      8,
      { field: 'version' },
    )
  }
  reader.u16()
  const headerLength = reader.u32()
  if (headerLength > MAX_HEADER_BYTES) {
    throw formatError({ file }, `header length ${headerLength} exceeds ${MAX_HEADER_BYTES}`, 12, {
      field: 'header',
    })
  }
  const headerOffset = reader.offset
  const text = new TextDecoder('utf-8', { fatal: true }).decode(reader.take(headerLength))
  const parsed = parseUntrustedJson(text)
  if (!parsed.ok)
    throw formatError({ file }, `invalid header: ${parsed.problem.reason}`, headerOffset, { field: 'header' })
  return validateHeader(parsed.value, schema, {
    offset: headerOffset,
    ...(file === undefined ? {} : { file }),
  })
}

/** Parses a block frame header at the reader's position. */
function readBlockHeader(
  reader: ByteReader,
  maxBlockBytes: number,
): { tag: number; codec: number; stored: number; raw: number; checksum: number; offset: number } {
  const offset = reader.offset
  const tag = reader.u8()
  const codec = reader.u8()
  const stored = reader.u32()
  const raw = reader.u32()
  const checksum = reader.u32()
  if (tag !== TAG_EVENTS && tag !== TAG_INDEX) throw new ByteReadError(`unknown block tag ${tag}`, offset)
  if (codec !== CODEC_NONE && codec !== CODEC_DEFLATE_RAW)
    throw new ByteReadError(`unknown block codec ${codec}`, offset + 1)
  if (stored > maxBlockBytes || raw > maxBlockBytes) {
    throw new ByteReadError(
      `block of ${Math.max(stored, raw)} bytes exceeds the limit ${maxBlockBytes}`,
      offset + 2,
    )
  }
  return { tag, codec, stored, raw, checksum, offset }
}

/** Checks and decompresses a block's stored bytes. */
function unpackBlock(
  frame: { codec: number; stored: number; raw: number; checksum: number; offset: number },
  stored: Uint8Array,
  compressor: BlockCompressor | undefined,
): Uint8Array {
  const payloadOffset = frame.offset + BLOCK_HEADER_BYTES
  if (checksum32(stored) !== frame.checksum) throw new ByteReadError('block checksum mismatch', payloadOffset)
  if (frame.codec === CODEC_NONE) {
    if (frame.raw !== frame.stored) throw new ByteReadError('raw and stored lengths differ', frame.offset + 6)
    return stored
  }
  if (compressor === undefined)
    throw new ByteReadError('compressed block, but no decompressor was given', frame.offset + 1)
  let raw: Uint8Array
  try {
    raw = compressor.decompress(stored, frame.raw)
  } catch (error) {
    throw new ByteReadError(`block does not decompress: ${(error as Error).message}`, payloadOffset)
  }
  if (raw.length !== frame.raw)
    throw new ByteReadError('decompressed length differs from the frame', payloadOffset)
  return raw
}

/**
 * One decoded, fully validated events block: per event its kind (an index of the header's
 * kinds) and cause (-1: none); per high-volume kind, its rows' values in one column per field;
 * per low-volume event, the checked event object.
 */
interface DecodedBlock<E extends TraceEventBase> {
  readonly firstSeq: number
  readonly count: number
  readonly kindOf: Uint8Array
  readonly causes: Float64Array
  /** Per header kind: one column per field (high-volume kinds with rows in the block), else empty. */
  readonly columns: readonly (readonly Float64Array[])[]
  /** Per event: the checked event of a low-volume kind, else undefined. */
  readonly lows: readonly (E | undefined)[]
}

/** Decodes one events block payload, checking everything (throws before returning any of it). */
function decodeBlock<E extends TraceEventBase>(
  payload: Uint8Array,
  payloadOffset: number,
  expectedFirstSeq: number,
  context: DecodeContext,
): DecodedBlock<E> {
  const reader = new ByteReader(payload, payloadOffset)
  const firstSeq = reader.varint()
  if (firstSeq !== expectedFirstSeq) {
    throw formatError(
      context,
      `block starts at seq ${firstSeq}, expected ${expectedFirstSeq}`,
      payloadOffset,
      {
        seq: expectedFirstSeq,
        field: 'firstSeq',
      },
    )
  }
  const count = reader.bounded(MAX_BLOCK_EVENTS, 'block event count')
  const runCount = reader.bounded(count, 'run count')
  const kindOf = new Uint8Array(count)
  let filled = 0
  for (let run = 0; run < runCount; run++) {
    const kindOffset = reader.offset
    const kind = reader.bounded(context.kinds.length - 1, 'kind id')
    const length = reader.bounded(count - filled, 'run length')
    if (length === 0) throw new ByteReadError('empty run', kindOffset)
    kindOf.fill(kind, filled, filled + length)
    filled += length
  }
  if (filled !== count) throw new ByteReadError(`runs cover ${filled} of ${count} events`, reader.offset)
  const causes = new Float64Array(count).fill(-1)
  const causeCount = reader.bounded(count, 'cause count')
  let index = -1
  for (let item = 0; item < causeCount; item++) {
    index += reader.bounded(count - index - 2, 'cause gap') + 1
    const seq = firstSeq + index
    const distanceOffset = reader.offset
    const distance = reader.varint()
    if (distance < 1 || distance > seq) {
      throw formatError(
        context,
        `cause distance ${distance} does not point to an earlier seq`,
        distanceOffset,
        {
          seq,
          field: 'cause',
        },
      )
    }
    causes[index] = seq - distance
  }
  const rowsOfKind = new Uint32Array(context.kinds.length)
  for (const kind of kindOf) rowsOfKind[kind] = (rowsOfKind[kind] as number) + 1
  const columns: Float64Array[][] = context.kinds.map(() => [])
  context.kinds.forEach((kind, kindId) => {
    const rows = rowsOfKind[kindId] as number
    if (kind.volume !== 'high' || rows === 0) return
    for (const field of kind.fields) {
      const modeOffset = reader.offset
      const mode = reader.u8()
      const column = new Float64Array(rows)
      if (mode === MODE_FLOAT) {
        for (let row = 0; row < rows; row++) column[row] = reader.f64()
      } else if (mode === MODE_INTEGER) {
        if (reader.deltaOfDeltaColumn(column, rows) >= 0)
          throw new ByteReadError(`${field.name} value overflows`, reader.offset)
      } else {
        throw formatError(context, `unknown column mode ${mode}`, modeOffset, {
          field: `${kind.type}.${field.name}`,
        })
      }
      const misfit = firstMisfit(field.type, column)
      if (misfit >= 0) {
        throw formatError(context, `value ${column[misfit]} is not a valid ${field.type}`, modeOffset, {
          field: `event.${field.name}`,
        })
      }
      ;(columns[kindId] as Float64Array[]).push(column)
    }
  })
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const lows: (E | undefined)[] = new Array(count)
  for (let item = 0; item < count; item++) {
    const kind = context.kinds[kindOf[item] as number] as KindInfo
    if (kind.volume === 'high') continue
    const seq = firstSeq + item
    const eventOffset = reader.offset
    const length = reader.bounded(reader.remaining, 'event length')
    const parsed = parseUntrustedJson(decoder.decode(reader.take(length)))
    if (!parsed.ok)
      throw formatError(context, parsed.problem.reason, eventOffset, {
        seq,
        field: `event.${parsed.problem.field}`,
      })
    const raw = parsed.value
    if ((raw as { type?: unknown } | null)?.type !== kind.type) {
      throw formatError(context, `event type differs from its kind '${kind.type}'`, eventOffset, {
        seq,
        field: 'event.type',
      })
    }
    lows[item] = validateEvent(
      raw,
      kind,
      { seq, offset: eventOffset, ...(context.file === undefined ? {} : { file: context.file }) },
      { keysAndNumbersChecked: true },
    ) as E
  }
  if (reader.remaining !== 0)
    throw new ByteReadError(`${reader.remaining} unexpected bytes after the block's events`, reader.offset)
  return { firstSeq, count, kindOf, causes, columns, lows }
}

/** The entries of a decoded block: frozen events (high-volume ones built from the columns). */
function blockEntries<E extends TraceEventBase>(
  block: DecodedBlock<E>,
  kinds: readonly KindInfo[],
): TraceEntry<E>[] {
  const rowCursor = new Uint32Array(kinds.length)
  const entries: TraceEntry<E>[] = []
  for (let item = 0; item < block.count; item++) {
    const kindId = block.kindOf[item] as number
    const kind = kinds[kindId] as KindInfo
    let event: E
    if (kind.volume === 'high') {
      // Column values were range-checked when decoded: build the frozen event directly.
      const row = rowCursor[kindId] as number
      rowCursor[kindId] = row + 1
      const record: Record<string, unknown> = { type: kind.type }
      const kindColumns = block.columns[kindId] as readonly Float64Array[]
      for (let fieldIndex = 0; fieldIndex < kind.fields.length; fieldIndex++) {
        record[(kind.fields[fieldIndex] as { name: string }).name] = (
          kindColumns[fieldIndex] as Float64Array
        )[row]
      }
      event = Object.freeze(record) as unknown as E
    } else {
      event = block.lows[item] as E
    }
    const cause = block.causes[item] as number
    entries.push(Object.freeze({ seq: block.firstSeq + item, cause: cause < 0 ? undefined : cause, event }))
  }
  return entries
}

/**
 * Appends a decoded block to `log` (whose schema the block's kinds belong to): high-volume rows
 * through their kind's appender straight from the block's columns, low-volume events as
 * themselves. Everything in the block was checked when decoded.
 */
function appendDecodedBlock<E extends TraceEventBase>(
  log: TraceLog<E>,
  block: DecodedBlock<E>,
  kinds: readonly KindInfo[],
): void {
  const rowCursor = new Uint32Array(kinds.length)
  const appenders: (DecodedRowAppender | undefined)[] = []
  const { kindOf, causes, count } = block
  for (let item = 0; item < count; item++) {
    const kindId = kindOf[item] as number
    const kind = kinds[kindId] as KindInfo
    const cause = causes[item] as number
    if (kind.volume === 'high') {
      let appender = appenders[kindId]
      if (appender === undefined) {
        appender = log.appender(kind.type as E['type']) as unknown as DecodedRowAppender
        appenders[kindId] = appender
      }
      const row = rowCursor[kindId] as number
      appender.appendFrom(block.columns[kindId] as readonly Float64Array[], row, cause < 0 ? -1 : cause)
      rowCursor[kindId] = row + 1
    } else {
      log.append(block.lows[item] as E, { cause: cause < 0 ? undefined : cause })
    }
  }
}

function parseIndex(
  payload: Uint8Array,
  offset: number,
  context: { file: string | undefined },
): v.InferOutput<typeof indexSchema> {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload)
  } catch {
    throw formatError(context, 'index is not UTF-8', offset, { field: 'index' })
  }
  const parsed = parseUntrustedJson(text)
  if (!parsed.ok)
    throw formatError(context, `invalid index: ${parsed.problem.reason}`, offset, { field: 'index' })
  const result = v.safeParse(indexSchema, parsed.value)
  if (!result.success) {
    const issue = result.issues[0]
    throw formatError(context, `invalid index: ${issue?.message ?? ''}`, offset, {
      field: `index.${(issue === undefined ? null : v.getDotPath(issue)) ?? ''}`,
    })
  }
  return result.output
}

/** Converts any failure inside the decoder into a TraceFormatError. */
function asFormatError(error: unknown, context: { file: string | undefined }, seq: number): TraceFormatError {
  if (error instanceof TraceFormatError) return error
  if (error instanceof ByteReadError) return formatError(context, error.message, error.offset, { seq })
  return formatError(context, `unreadable input: ${(error as Error).message}`, 0, { seq })
}

/** Buffers incoming chunks and hands out exact byte counts. */
class ChunkQueue {
  private readonly iterator: AsyncIterator<Uint8Array | string> | Iterator<Uint8Array | string>
  private buffer = new Uint8Array(0)
  private start = 0
  consumed = 0
  private done = false

  constructor(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    this.iterator =
      Symbol.asyncIterator in chunks
        ? (chunks as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : (chunks as Iterable<Uint8Array>)[Symbol.iterator]()
  }

  get buffered(): number {
    return this.buffer.length - this.start
  }

  /** Pulls chunks until `count` bytes are buffered or the input ends; returns whether they are. */
  async fill(count: number): Promise<boolean> {
    while (this.buffered < count && !this.done) {
      const next = await this.iterator.next()
      if (next.done === true) {
        this.done = true
        break
      }
      const chunk = typeof next.value === 'string' ? new TextEncoder().encode(next.value) : next.value
      const merged = new Uint8Array(this.buffered + chunk.length)
      merged.set(this.buffer.subarray(this.start))
      merged.set(chunk, this.buffered)
      this.buffer = merged
      this.start = 0
    }
    return this.buffered >= count
  }

  take(count: number): Uint8Array {
    const slice = this.buffer.subarray(this.start, this.start + count)
    this.start += count
    this.consumed += count
    return slice
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1))
  }
}

/**
 * Decodes a binary trace from a stream of chunks into trace items (constant memory: one block at
 * a time). Yields the valid prefix, then throws a {@link TraceFormatError} (file, byte offset,
 * seq, field) at the first problem, including truncation.
 */
export function decodeBinaryTrace<E extends TraceEventBase>(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  schema: TraceSchema<E>,
  options: BinaryDecodeOptions = {},
): AsyncGenerator<TraceItem<E>> {
  return decodeBinaryItems(chunks, schema, options, false) as AsyncGenerator<TraceItem<E>>
}

/**
 * {@link decodeBinaryTrace}, or with `blocks` each events block as one {@link BlockItem} instead
 * of an item per event (same checks, same valid prefix: a block is yielded whole or not at all).
 * @internal
 */
export async function* decodeBinaryItems<E extends TraceEventBase>(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  schema: TraceSchema<E>,
  options: BinaryDecodeOptions,
  blocks: boolean,
): AsyncGenerator<TraceItem<E> | BlockItem<E>> {
  const context = { file: options.file }
  const maxBlockBytes = options.maxBlockBytes ?? 64 << 20
  const queue = new ChunkQueue(chunks)
  let nextSeq = 0
  const need = async (count: number, what: string): Promise<ByteReader> => {
    const base = queue.consumed
    if (!(await queue.fill(count))) {
      throw formatError(
        context,
        `truncated: ${what} needs ${count} bytes, ${queue.buffered} left`,
        base + queue.buffered,
        {
          seq: nextSeq,
        },
      )
    }
    return new ByteReader(queue.take(count), base)
  }
  try {
    const fixed = await need(PREAMBLE_FIXED_BYTES, 'the preamble')
    const headerLength = new DataView(fixed.bytes.buffer, fixed.bytes.byteOffset + 12, 4).getUint32(0, true)
    const headerReader =
      headerLength <= MAX_HEADER_BYTES && String.fromCharCode(...fixed.bytes.subarray(0, 8)) === BINARY_MAGIC
        ? await need(headerLength, 'the header')
        : new ByteReader(new Uint8Array(0), PREAMBLE_FIXED_BYTES)
    const preamble = new Uint8Array(PREAMBLE_FIXED_BYTES + headerReader.bytes.length)
    preamble.set(fixed.bytes)
    preamble.set(headerReader.bytes, PREAMBLE_FIXED_BYTES)
    const { header, kinds } = readPreamble(new ByteReader(preamble, 0), schema as TraceSchema, options.file)
    yield { item: 'header', header }
    const decodeContext: DecodeContext = { kinds, file: options.file }
    for (;;) {
      if (await queue.atEnd())
        throw formatError(context, 'truncated: the index block is missing', queue.consumed, { seq: nextSeq })
      const frame = readBlockHeader(await need(BLOCK_HEADER_BYTES, 'a block header'), maxBlockBytes)
      const stored = await need(frame.stored, 'a block')
      const payload = unpackBlock(frame, stored.bytes, options.compressor)
      if (frame.tag === TAG_INDEX) {
        const index = parseIndex(payload, frame.offset + BLOCK_HEADER_BYTES, context)
        if (index.events !== nextSeq) {
          throw formatError(
            context,
            `index counts ${index.events} events, the blocks hold ${nextSeq}`,
            frame.offset,
            {
              field: 'index.events',
            },
          )
        }
        for (const checkpoint of index.checkpoints)
          yield { item: 'checkpoint', checkpoint: Object.freeze({ ...checkpoint }) }
        const trailer = await need(TRAILER_BYTES, 'the trailer')
        trailer.u32()
        trailer.u32()
        if (String.fromCharCode(...trailer.take(8)) !== BINARY_END_MAGIC) {
          throw formatError(context, 'bad trailer magic', trailer.base + 8, { field: 'trailer' })
        }
        if (!(await queue.atEnd())) throw formatError(context, 'bytes after the trailer', queue.consumed)
        options.onProgress?.(nextSeq, queue.consumed)
        return
      }
      const block = decodeBlock<E>(payload, frame.offset + BLOCK_HEADER_BYTES, nextSeq, decodeContext)
      if (blocks) {
        nextSeq += block.count
        yield { item: 'block', count: block.count, appendTo: (log) => appendDecodedBlock(log, block, kinds) }
      } else {
        for (const entry of blockEntries(block, kinds)) {
          nextSeq++
          yield { item: 'event', entry }
        }
      }
      options.onProgress?.(nextSeq, queue.consumed)
    }
  } catch (error) {
    throw asFormatError(error, context, nextSeq)
  }
}

/** A binary trace opened for random access through its index. */
export interface BinaryTraceIndex<E extends TraceEventBase> {
  readonly header: TraceHeader
  readonly events: number
  readonly blocks: readonly BinaryBlockInfo[]
  readonly checkpoints: readonly DigestCheckpoint[]
  /** Entries `[from, to)`, reading only the blocks that hold them. */
  entries(from?: number, to?: number): AsyncGenerator<TraceEntry<E>>
  /** The entry at `seq`, reading one block; undefined outside the trace. */
  entryAt(seq: number): Promise<TraceEntry<E> | undefined>
}

/** A {@link RandomAccessSource} over bytes in memory. */
export function bytesSource(bytes: Uint8Array): RandomAccessSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  }
}

/**
 * Opens a binary trace through its trailer and index: reads the preamble, the last 16 bytes and
 * the index block, nothing else. Blocks are read on demand.
 * @throws TraceFormatError when the preamble, trailer or index is invalid (a truncated file has
 *   no trailer: read it with `decodeBinaryTrace` to get its valid prefix).
 */
export async function openBinaryTrace<E extends TraceEventBase>(
  source: RandomAccessSource,
  schema: TraceSchema<E>,
  options: BinaryDecodeOptions = {},
): Promise<BinaryTraceIndex<E>> {
  const context = { file: options.file }
  const maxBlockBytes = options.maxBlockBytes ?? 64 << 20
  const readExact = async (offset: number, length: number): Promise<ByteReader> => {
    const bytes = offset + length <= source.size ? await source.read(offset, length) : new Uint8Array(0)
    if (bytes.length !== length)
      throw new ByteReadError(`truncated: cannot read ${length} bytes at ${offset}`, offset)
    return new ByteReader(bytes, offset)
  }
  try {
    const fixed = await readExact(0, PREAMBLE_FIXED_BYTES)
    const headerLength = new DataView(fixed.bytes.buffer, fixed.bytes.byteOffset + 12, 4).getUint32(0, true)
    const preambleLength = PREAMBLE_FIXED_BYTES + Math.min(headerLength, MAX_HEADER_BYTES)
    const { header, kinds } = readPreamble(
      await readExact(0, preambleLength),
      schema as TraceSchema,
      options.file,
    )
    const trailer = await readExact(source.size - TRAILER_BYTES, TRAILER_BYTES)
    const indexOffset = trailer.u32() + trailer.u32() * TWO_32
    if (String.fromCharCode(...trailer.take(8)) !== BINARY_END_MAGIC) {
      throw formatError(
        context,
        'bad trailer magic (truncated or not a complete binary trace)',
        trailer.base + 8,
        {
          field: 'trailer',
        },
      )
    }
    if (indexOffset < preambleLength || indexOffset > source.size - TRAILER_BYTES - BLOCK_HEADER_BYTES) {
      throw formatError(context, `index offset ${indexOffset} is outside the file`, trailer.base, {
        field: 'trailer',
      })
    }
    const frame = readBlockHeader(await readExact(indexOffset, BLOCK_HEADER_BYTES), maxBlockBytes)
    if (frame.tag !== TAG_INDEX)
      throw formatError(context, 'the trailer does not point at an index block', indexOffset)
    const stored = await readExact(indexOffset + BLOCK_HEADER_BYTES, frame.stored)
    const index = parseIndex(unpackBlock(frame, stored.bytes, options.compressor), stored.base, context)
    let expected = 0
    for (const block of index.blocks) {
      if (block.firstSeq !== expected || block.offset >= indexOffset) {
        throw formatError(context, 'index blocks are not contiguous', stored.base, { field: 'index.blocks' })
      }
      expected += block.count
    }
    if (expected !== index.events)
      throw formatError(context, 'index block counts do not add up', stored.base, { field: 'index.events' })
    const decodeContext: DecodeContext = { kinds, file: options.file }
    const readBlock = async (blockIndex: number): Promise<TraceEntry<E>[]> => {
      const block = index.blocks[blockIndex] as BinaryBlockInfo
      try {
        const blockFrame = readBlockHeader(await readExact(block.offset, BLOCK_HEADER_BYTES), maxBlockBytes)
        const blockStored = await readExact(block.offset + BLOCK_HEADER_BYTES, blockFrame.stored)
        const payload = unpackBlock(blockFrame, blockStored.bytes, options.compressor)
        const entries = blockEntries(
          decodeBlock<E>(payload, blockStored.base, block.firstSeq, decodeContext),
          kinds,
        )
        if (entries.length !== block.count)
          throw formatError(context, 'block size differs from the index', block.offset)
        return entries
      } catch (error) {
        throw asFormatError(error, context, block.firstSeq)
      }
    }
    const blockOf = (seq: number): number => {
      let low = 0
      let high = index.blocks.length - 1
      while (low < high) {
        const middle = (low + high + 1) >>> 1
        if ((index.blocks[middle] as BinaryBlockInfo).firstSeq <= seq) low = middle
        else high = middle - 1
      }
      return low
    }
    return {
      header,
      events: index.events,
      blocks: index.blocks,
      checkpoints: index.checkpoints,
      async *entries(from = 0, to = index.events) {
        const end = Math.min(to, index.events)
        if (from >= end) return
        for (let blockIndex = blockOf(Math.max(0, from)); blockIndex < index.blocks.length; blockIndex++) {
          const block = index.blocks[blockIndex] as BinaryBlockInfo
          if (block.firstSeq >= end) return
          for (const entry of await readBlock(blockIndex))
            if (entry.seq >= from && entry.seq < end) yield entry
        }
      },
      async entryAt(seq) {
        if (!Number.isInteger(seq) || seq < 0 || seq >= index.events) return undefined
        const block = blockOf(seq)
        return (await readBlock(block))[seq - (index.blocks[block] as BinaryBlockInfo).firstSeq]
      },
    }
  } catch (error) {
    throw asFormatError(error, context, 0)
  }
}
