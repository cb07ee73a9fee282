// The binary encoder's path for a trace log (encodeBinaryTrace with `input.log`): an events block's
// payload written straight from the log's seq index, cause chunks and column chunks, the same bytes
// as the path through entries. Within a block, the rows of one kind follow each other in its
// store (rows are numbered in append order), so a block's column is one stretch of the kind's
// column, copied into a scratch array with the typed arrays' own conversion and written in one
// loop: no entry, no event object, no per-field read per event (what the entries path and the
// earlier per-event reads from the log spent their time on: 55% of an `import -o` encode).
// Internal to @ntmm/trace.
import { F64_INTEGER_LIMIT, MODE_FLOAT, MODE_INTEGER } from './binaryLayout.js'
import type { ByteWriter } from './byteCodec.js'
import { CHUNK_BITS, CHUNK_MASK, CHUNK_SIZE, type ChunkedColumn } from './columnStore.js'
import type { TraceLog } from './traceLog.js'
import type { NumericFieldType, TraceEventBase } from './traceSchema.js'

/** A header kind's fields as the encoder declares them. */
export type HeaderFields = readonly (readonly { readonly name: string; readonly type: NumericFieldType }[])[]

/**
 * How the encoder reads a log directly: per kind id of the log, the header's kind id and, for a
 * high-volume kind, its columns in the header's field order.
 */
export interface LogReader<E extends TraceEventBase> {
  readonly log: TraceLog<E>
  readonly headerKinds: readonly number[]
  readonly columnsOf: readonly (readonly ChunkedColumn[] | undefined)[]
}

/**
 * The log reader of `log`, or undefined (read the entries) when the header's schema does not
 * describe the log's kinds field for field.
 */
export function logReader<E extends TraceEventBase>(
  log: TraceLog<E>,
  kindIds: ReadonlyMap<string, number>,
  fieldsOf: HeaderFields,
  highVolume: readonly boolean[],
): LogReader<E> | undefined {
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

/** Writes the payload of events blocks of one log, reusing its arrays from block to block. */
export class LogBlockWriter<E extends TraceEventBase> {
  private readonly reader: LogReader<E>
  private readonly fieldsOf: HeaderFields
  /** Per event of the block: the log's kind id. */
  private kinds: Uint8Array
  /** Per header kind: events in the block, and the seq of the first. */
  private readonly counts: Int32Array
  private readonly firsts: Float64Array
  /** Header kind id → log kind id. */
  private readonly logKinds: Int32Array
  /** Offsets (in the block) of the events with a cause, and their causes. */
  private withCause: Int32Array
  private causeOf: Float64Array
  /** One column's values of the block. */
  private scratch: Float64Array

  constructor(reader: LogReader<E>, fieldsOf: HeaderFields, blockEvents: number) {
    this.reader = reader
    this.fieldsOf = fieldsOf
    this.kinds = new Uint8Array(Math.min(blockEvents, CHUNK_SIZE))
    this.withCause = new Int32Array(this.kinds.length)
    this.causeOf = new Float64Array(this.kinds.length)
    this.scratch = new Float64Array(this.kinds.length)
    this.counts = new Int32Array(fieldsOf.length)
    this.firsts = new Float64Array(fieldsOf.length)
    this.logKinds = new Int32Array(fieldsOf.length).fill(-1)
    reader.headerKinds.forEach((headerKind, logKind) => {
      this.logKinds[headerKind] = logKind
    })
  }

  /** Writes the payload of the block of events `[from, to)` into `payload` (after resetting it). */
  write(payload: ByteWriter, from: number, to: number): void {
    const { log, headerKinds, columnsOf } = this.reader
    const count = to - from
    if (this.kinds.length < count) {
      this.kinds = new Uint8Array(count)
      this.withCause = new Int32Array(count)
      this.causeOf = new Float64Array(count)
      this.scratch = new Float64Array(count)
    }
    const kinds = this.kinds
    log.runs.kindsInto(from, to, kinds)
    payload.reset()
    payload.varint(from)
    payload.varint(count)
    // The kinds, run-length coded in header ids; each kind's count and first seq on the way.
    const counts = this.counts
    const firsts = this.firsts
    counts.fill(0)
    let runs = 0
    for (let index = 0; index < count; index++) if (index === 0 || kinds[index] !== kinds[index - 1]) runs++
    payload.varint(runs)
    let runStart = 0
    for (let index = 0; index < count; index++) {
      const kind = kinds[index] as number
      if (index + 1 < count && kinds[index + 1] === kind) continue
      const headerKind = headerKinds[kind] as number
      payload.varint(headerKind)
      payload.varint(index + 1 - runStart)
      if (counts[headerKind] === 0) firsts[headerKind] = from + runStart
      counts[headerKind] = (counts[headerKind] as number) + index + 1 - runStart
      runStart = index + 1
    }
    this.writeCauses(payload, from, to)
    // The columns: header kinds in id order, fields in the header's order.
    for (let headerKind = 0; headerKind < counts.length; headerKind++) {
      const rows = counts[headerKind] as number
      const columns = columnsOf[this.logKinds[headerKind] as number]
      if (rows === 0 || columns === undefined) continue
      const firstRow = log.rowAt(firsts[headerKind] as number)
      const fields = this.fieldsOf[headerKind] ?? []
      columns.forEach((column, field) => {
        copyRows(column, firstRow, rows, this.scratch)
        writeColumn(payload, this.scratch, rows, (fields[field] as { type: NumericFieldType }).type)
      })
    }
    // The rare events, in seq order, as JSON.
    for (let index = 0; index < count; index++) {
      if (columnsOf[kinds[index] as number] !== undefined) continue
      payload.utf8(JSON.stringify(log.at(from + index)))
    }
  }

  /** The block's causes: how many, then per event with one its gap from the last and its distance. */
  private writeCauses(payload: ByteWriter, from: number, to: number): void {
    const { causes, causeDistances } = this.reader.log
    const withCause = this.withCause
    const causeOf = this.causeOf
    let found = 0
    for (let seq = from; seq < to; ) {
      const chunk = seq >>> CHUNK_BITS
      const chunkEnd = Math.min(to, (chunk + 1) << CHUNK_BITS)
      const cells = causes[chunk]
      const distances = causeDistances[chunk]
      if (cells !== undefined) {
        for (; seq < chunkEnd; seq++) {
          const stored = cells[seq & CHUNK_MASK] as number
          if (stored === 0) continue
          withCause[found] = seq - from
          causeOf[found++] = stored - 1
        }
      } else if (distances !== undefined) {
        for (; seq < chunkEnd; seq++) {
          const distance = distances[seq & CHUNK_MASK] as number
          if (distance === 0) continue
          withCause[found] = seq - from
          causeOf[found++] = seq - distance
        }
      }
      seq = chunkEnd
    }
    payload.varint(found)
    let previous = -1
    for (let item = 0; item < found; item++) {
      const index = withCause[item] as number
      payload.varint(index - previous - 1)
      payload.varint(from + index - (causeOf[item] as number))
      previous = index
    }
  }
}

/** Copies rows `[first, first + count)` of `column` into `into` (exact: every stored value is a double). */
function copyRows(column: ChunkedColumn, first: number, count: number, into: Float64Array): void {
  let done = 0
  while (done < count) {
    const row = first + done
    const chunk = column.chunks[row >>> CHUNK_BITS]
    if (chunk === undefined) throw new RangeError(`row ${row} is not in the column`)
    const offset = row & CHUNK_MASK
    const step = Math.min(count - done, chunk.length - offset)
    into.set(chunk.subarray(offset, offset + step), done)
    done += step
  }
}

/**
 * Writes one column (its first `length` values): a mode byte, then delta-of-delta zigzag
 * varints (integers) or raw f64. The varints are written inline (room made once per column): a
 * call per value was a fifth of an encode.
 */
export function writeColumn(
  writer: ByteWriter,
  column: Float64Array,
  length: number,
  type: NumericFieldType,
): void {
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
  // A zigzag varint of |delta of delta| < 2^52 takes at most 8 bytes.
  writer.reserve(length * 8)
  const bytes = writer.bytes
  let at = writer.length
  let previous = 0
  let previousDelta = 0
  for (let index = 0; index < length; index++) {
    const value = column[index] as number
    const delta = value - previous
    const change = delta - previousDelta
    let zigzag = change >= 0 ? change * 2 : -change * 2 - 1
    if (zigzag < 0x80) bytes[at++] = zigzag
    else if (zigzag <= 0x7fffffff) {
      while (zigzag >= 0x80) {
        bytes[at++] = (zigzag & 0x7f) | 0x80
        zigzag >>>= 7
      }
      bytes[at++] = zigzag
    } else {
      while (zigzag >= 0x80) {
        bytes[at++] = (zigzag % 0x80) | 0x80
        zigzag = Math.floor(zigzag / 0x80)
      }
      bytes[at++] = zigzag
    }
    previousDelta = delta
    previous = value
  }
  writer.length = at
}
