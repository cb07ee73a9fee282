// The append-only event log: dense sequence numbers from 0, an optional backward `cause` per
// event, high-volume kinds stored as rows of typed-array columns and rare kinds as deep-frozen
// objects. Nothing in the API mutates or removes an event; readers get frozen objects or
// read-only views. (The record-keeping of WinDbg TTD / rr, for a simulated system.)
//
//   global index, per seq (chunks of 2^16):   kind  u8 | row u32 | cause+1 i32 (chunk allocated lazily)
//   per high-volume kind, per row:            one typed column per declared field
//   per low-volume event:                     one frozen object (row = its position in `objects`)
import * as v from 'valibot'
import {
  CHUNK_BITS,
  CHUNK_MASK,
  CHUNK_SIZE,
  ChunkedColumn,
  COLUMN_CONSTRUCTORS,
  type ColumnArray,
  fitsField,
} from './columnStore.js'
import { deepFreeze } from './deepFreeze.js'
import { RowView, rowViewClass } from './rowView.js'
import type { KindInfo, TraceEventBase, TraceSchema } from './traceSchema.js'

/** Pass as `cause` to a row appender when the event has no cause. */
export const NO_CAUSE = -1

/** One event with its place in the log. */
export interface TraceEntry<E extends TraceEventBase = TraceEventBase> {
  readonly seq: number
  /** The seq of the event that led to this one (always smaller than `seq`), if any. */
  readonly cause: number | undefined
  readonly event: Readonly<E>
}

/**
 * Appends one high-volume row: `cause` (or {@link NO_CAUSE}) then the field values in the order
 * the kind declares its fields. Returns the new event's seq. The values are stored as the
 * typed column stores them (out-of-range values wrap, as typed arrays do): this is the hot path
 * and checks only the cause; use {@link TraceLog.append} to have values checked.
 */
export type RowAppender = (cause: number, ...values: number[]) => number

/** A contiguous run of rows of one high-volume kind handed to `TraceModel.applyRows`. */
export interface RowBatch {
  readonly type: string
  /** Column arrays by field name. Read rows `[start, end)` only; never write. */
  readonly columns: Readonly<Record<string, ColumnArray>>
  readonly start: number
  readonly end: number
}

/** Bytes the log has allocated, honestly counted (typed arrays by capacity). */
export interface TraceLogMemory {
  readonly indexBytes: number
  readonly causeBytes: number
  readonly columnBytes: number
  /** Low-volume objects are not measured; their count is given instead. */
  readonly lowVolumeEvents: number
  readonly totalBytes: number
  readonly bytesPerEvent: number
}

/** Row limit of a kind without fields (a small integer, so the field stays untagged). */
const NO_ROW_LIMIT = 0x3fffffff

/** Target of stores to fields a kind does not have (never read). */
const DUMMY_COLUMN: ColumnArray = new Float64Array(CHUNK_SIZE)

/** Storage of one high-volume kind: its columns and, per row chunk, the arrays and batch record. */
export class KindStore {
  readonly kind: KindInfo
  readonly columns: ChunkedColumn[]
  rowCount = 0
  /** First row of the current chunk and the row where it ends (exclusive). */
  rowBase = 0
  rowEnd = 0
  /** Current chunk of each field (unused ones point at a dummy). */
  c0: ColumnArray = DUMMY_COLUMN
  c1: ColumnArray = DUMMY_COLUMN
  c2: ColumnArray = DUMMY_COLUMN
  c3: ColumnArray = DUMMY_COLUMN
  c4: ColumnArray = DUMMY_COLUMN
  c5: ColumnArray = DUMMY_COLUMN
  c6: ColumnArray = DUMMY_COLUMN
  c7: ColumnArray = DUMMY_COLUMN
  private readonly fieldCount: number
  private readonly id: number
  private readonly log: TraceLog<TraceEventBase>
  /** Per row chunk: the field arrays in declaration order. */
  readonly chunkArrays: ColumnArray[][] = []
  /** Per row chunk: the field arrays by name. */
  readonly chunkRecords: Record<string, ColumnArray>[] = []
  private readonly ViewClass: new () => RowView

  constructor(kind: KindInfo, log: TraceLog<TraceEventBase>) {
    this.kind = kind
    this.id = kind.id
    this.log = log
    this.fieldCount = kind.fields.length
    this.columns = kind.fields.map((field) => {
      const Make = COLUMN_CONSTRUCTORS[field.type]
      return new ChunkedColumn((length) => new Make(length))
    })
    this.refreshChunk(0)
    this.ViewClass = rowViewClass(kind)
  }

  /**
   * The hot path of {@link RowAppender}: index entry, cause, field values. Everything it touches
   * is a field of this object or of the log, so the JIT keeps it to a handful of stores.
   */
  append(cause: number, v0 = 0, v1 = 0, v2 = 0, v3 = 0, v4 = 0, v5 = 0, v6 = 0, v7 = 0): number {
    const log = this.log
    const seq = log.length
    if (seq >= log.indexEnd) log.reserveIndex(seq)
    if (cause !== NO_CAUSE) log.setCause(seq, cause)
    const row = this.rowCount
    if (row >= this.rowEnd) this.grow()
    const offset = seq - log.indexBase
    log.indexKinds[offset] = this.id
    log.indexRows[offset] = row
    const at = row - this.rowBase
    const fields = this.fieldCount
    if (fields > 0) {
      this.c0[at] = v0
      if (fields > 1) {
        this.c1[at] = v1
        if (fields > 2) {
          this.c2[at] = v2
          if (fields > 3) {
            this.c3[at] = v3
            this.c4[at] = v4
            this.c5[at] = v5
            this.c6[at] = v6
            this.c7[at] = v7
          }
        }
      }
    }
    this.rowCount = row + 1
    log.length = seq + 1
    return seq
  }

  /** Makes room for the next row; returns its offset in the current chunk. */
  grow(): number {
    const row = this.rowCount
    const before = this.columns[0]?.current
    let offset = 0
    for (const column of this.columns) offset = column.grow(row)
    if (this.columns[0]?.current !== before) this.refreshChunk(row >>> CHUNK_BITS)
    return offset
  }

  /** Pre-allocates chunks up to `rows` rows. */
  reserve(rows: number): void {
    for (const column of this.columns) column.reserve(rows)
    const chunkCount = this.columns[0]?.chunks.length ?? 0
    for (let chunk = 0; chunk < chunkCount; chunk++) this.refreshChunk(chunk)
  }

  refreshChunk(chunk: number): void {
    const first = this.columns[0]
    this.rowBase = first?.base ?? 0
    this.rowEnd = first === undefined ? NO_ROW_LIMIT : first.base + first.current.length
    const current = this.columns.map((column) => column.current)
    this.c0 = current[0] ?? DUMMY_COLUMN
    this.c1 = current[1] ?? DUMMY_COLUMN
    this.c2 = current[2] ?? DUMMY_COLUMN
    this.c3 = current[3] ?? DUMMY_COLUMN
    this.c4 = current[4] ?? DUMMY_COLUMN
    this.c5 = current[5] ?? DUMMY_COLUMN
    this.c6 = current[6] ?? DUMMY_COLUMN
    this.c7 = current[7] ?? DUMMY_COLUMN
    const arrays = this.columns.map((column) => column.chunks[chunk] as ColumnArray)
    this.chunkArrays[chunk] = arrays
    const record: Record<string, ColumnArray> = Object.create(null)
    this.kind.fields.forEach((field, index) => {
      record[field.name] = arrays[index] as ColumnArray
    })
    this.chunkRecords[chunk] = Object.freeze(record)
  }

  /** A fresh read-only view positioned on `row`. */
  view(row: number): RowView {
    const view = new this.ViewClass()
    RowView.setArrays(view, this.chunkArrays[row >>> CHUNK_BITS] ?? [])
    RowView.setRow(view, row & CHUNK_MASK)
    return view
  }

  /** A frozen plain object for `row`. */
  materialize(row: number): object {
    const event: Record<string, unknown> = { type: this.kind.type }
    const chunk = row >>> CHUNK_BITS
    const offset = row & CHUNK_MASK
    const arrays = this.chunkArrays[chunk] ?? []
    this.kind.fields.forEach((field, index) => {
      event[field.name] = (arrays[index] as ColumnArray)[offset]
    })
    return Object.freeze(event)
  }
}

/** Options of a {@link TraceLog}. */
export interface TraceLogOptions {
  /** Validate low-volume events against their kind's schema on append (default true). */
  readonly validateLowVolume?: boolean
}

/**
 * The append-only log of one trace, generic over the consumer's event union `E`.
 *
 * Memory: a high-volume event costs 5 bytes of index (kind + row) + 4 bytes of cause (only in
 * 64Ki-event chunks where some event has a cause) + its field bytes.
 */
export class TraceLog<E extends TraceEventBase = TraceEventBase> {
  readonly schema: TraceSchema<E>
  /** Number of events; the next event gets this seq. */
  length = 0
  /** @internal Kind id per seq. */
  readonly kinds = new ChunkedColumn((length) => new Uint8Array(length))
  /** @internal Row (in its kind's store, or in `objects`) per seq. */
  readonly rows = new ChunkedColumn((length) => new Uint32Array(length))
  /** @internal cause + 1 per seq (0: none), per index chunk, allocated on the first cause. */
  readonly causes: (Int32Array | undefined)[] = []
  /** @internal Store per kind id; undefined for low-volume kinds. */
  readonly stores: (KindStore | undefined)[]
  /** @internal Low-volume events, deep-frozen. */
  readonly objects: Readonly<E>[] = []
  /** @internal The current index chunk (cached for the append path) and its seq range. */
  indexKinds: Uint8Array
  indexRows: Uint32Array
  indexBase = 0
  indexEnd = 0
  private readonly validateLowVolume: boolean

  constructor(schema: TraceSchema<E>, options: TraceLogOptions = {}) {
    this.schema = schema
    this.indexKinds = this.kinds.current
    this.indexRows = this.rows.current
    this.indexEnd = this.kinds.current.length
    this.stores = schema.kinds.map((kind) =>
      kind.volume === 'high' ? new KindStore(kind, this as unknown as TraceLog<TraceEventBase>) : undefined,
    )
    this.validateLowVolume = options.validateLowVolume ?? true
  }

  /**
   * Appends an event (any kind). High-volume fields are checked against their storage type;
   * low-volume events are validated by their schema (unless disabled) and deep-frozen in place.
   * @returns the event's seq.
   * @throws TypeError / RangeError for an undeclared kind, an invalid field value or a cause that
   *   is not an earlier seq; nothing is appended then.
   */
  append(event: E, options: { readonly cause?: number | undefined } = {}): number {
    const kind = this.schema.kind(event.type)
    if (kind === undefined) throw new TypeError(`TraceLog.append: kind '${event.type}' is not in the schema`)
    const cause = options.cause ?? NO_CAUSE
    this.checkCause(cause, this.length)
    const store = this.stores[kind.id]
    if (store !== undefined) {
      const record = event as unknown as Record<string, unknown>
      const values = kind.fields.map((field) => {
        const value = record[field.name]
        if (!fitsField(field.type, value)) {
          throw new RangeError(
            `TraceLog.append: ${kind.type}.${field.name} = ${String(value)} does not fit ${field.type}`,
          )
        }
        return value
      })
      return this.appendRowValues(kind.id, store, cause, values)
    }
    if (this.validateLowVolume && kind.schema !== undefined) {
      const result = v.safeParse(kind.schema, event)
      if (!result.success) {
        const issue = result.issues[0]
        throw new TypeError(
          `TraceLog.append: invalid ${kind.type} event: ${issue?.message ?? 'schema mismatch'} at ${v.getDotPath(issue ?? ({} as never)) ?? '(root)'}`,
        )
      }
    }
    deepFreeze(event)
    const seq = this.length
    const offset = this.reserveIndex(seq)
    this.kinds.current[offset] = kind.id
    this.rows.current[offset] = this.objects.length
    this.objects.push(event)
    if (cause !== NO_CAUSE) this.writeCause(seq, cause)
    this.length = seq + 1
    return seq
  }

  /**
   * A fast appender for one high-volume kind: `(cause, ...fieldValues) => seq`, values in the
   * kind's field declaration order. See {@link RowAppender} for what it checks.
   * @throws TypeError when `type` is not a high-volume kind.
   */
  appender<T extends E['type']>(type: T): RowAppender {
    const kind = this.schema.kind(type)
    const store = kind === undefined ? undefined : this.stores[kind.id]
    if (kind === undefined || store === undefined) {
      throw new TypeError(`TraceLog.appender: '${type}' is not a high-volume kind of the schema`)
    }
    return (
      cause: number,
      v0?: number,
      v1?: number,
      v2?: number,
      v3?: number,
      v4?: number,
      v5?: number,
      v6?: number,
      v7?: number,
    ) => store.append(cause, v0, v1, v2, v3, v4, v5, v6, v7)
  }

  /**
   * Appends `count` rows of one high-volume kind at once from column arrays (in the kind's field
   * names), with optional causes (`NO_CAUSE` for none). The bulk path for a producer that stages
   * rows in its own typed arrays and flushes them: copies run at memory speed. Values are stored
   * as typed arrays store them (see {@link RowAppender}); causes are checked.
   * @returns the seq of the first appended row.
   * @throws TypeError / RangeError for an unknown kind, a missing column, a short column or a cause
   *   that is not earlier than its event (nothing is appended then).
   */
  appendRows(
    type: E['type'],
    rows: {
      readonly count: number
      readonly columns: Readonly<Record<string, ArrayLike<number>>>
      readonly causes?: ArrayLike<number>
    },
  ): number {
    const kind = this.schema.kind(type)
    const store = kind === undefined ? undefined : this.stores[kind.id]
    if (kind === undefined || store === undefined) {
      throw new TypeError(`TraceLog.appendRows: '${type}' is not a high-volume kind of the schema`)
    }
    const { count, causes } = rows
    if (!(Number.isInteger(count) && count >= 0))
      throw new RangeError(`TraceLog.appendRows: count ${count} is invalid`)
    const sources = kind.fields.map((field) => {
      const source = rows.columns[field.name]
      if (source === undefined || source.length < count) {
        throw new RangeError(
          `TraceLog.appendRows: column '${field.name}' is missing or shorter than ${count}`,
        )
      }
      return source
    })
    const first = this.length
    if (causes !== undefined) {
      if (causes.length < count) throw new RangeError(`TraceLog.appendRows: causes is shorter than ${count}`)
      for (let index = 0; index < count; index++) this.checkCause(causes[index] as number, first + index)
    }
    let done = 0
    while (done < count) {
      const seq = this.length
      if (seq >= this.indexEnd) this.reserveIndex(seq)
      if (store.rowCount >= store.rowEnd) store.grow()
      const offset = seq - this.indexBase
      const rowOffset = store.rowCount - store.rowBase
      const step = Math.min(count - done, this.indexEnd - seq, store.rowEnd - store.rowCount)
      store.columns.forEach((column, index) => {
        const source = sources[index] as ArrayLike<number>
        const target = column.current
        if (ArrayBuffer.isView(source)) {
          target.set((source as unknown as ColumnArray).subarray(done, done + step), rowOffset)
        } else {
          for (let item = 0; item < step; item++) target[rowOffset + item] = source[done + item] as number
        }
      })
      this.indexKinds.fill(kind.id, offset, offset + step)
      const indexRows = this.indexRows
      const rowMinusOffset = store.rowCount - offset
      const stop = offset + step
      for (let at = offset; at < stop; at++) indexRows[at] = rowMinusOffset + at
      if (causes !== undefined) {
        for (let item = 0; item < step; item++) {
          const cause = causes[done + item] as number
          if (cause !== NO_CAUSE) this.writeCause(seq + item, cause)
        }
      }
      store.rowCount += step
      this.length = seq + step
      done += step
    }
    return first
  }

  /**
   * Pre-allocates room for `events` more events and, per high-volume kind, `rows` more rows, so
   * appending them never allocates nor faults fresh memory pages (useful before a hot loop).
   */
  reserve(options: { readonly events: number; readonly rows?: Partial<Record<E['type'], number>> }): void {
    const events = this.length + options.events
    this.kinds.reserve(events)
    this.rows.reserve(events)
    this.reserveIndex(this.length)
    for (const [type, count] of Object.entries(options.rows ?? {}) as [string, number][]) {
      const kind = this.schema.kind(type)
      const store = kind === undefined ? undefined : this.stores[kind.id]
      if (store === undefined) throw new TypeError(`TraceLog.reserve: '${type}' is not a high-volume kind`)
      store.reserve(store.rowCount + count)
    }
  }

  /** The event at `seq` as a frozen object, or undefined when `seq` is not in the log. */
  at(seq: number): Readonly<E> | undefined {
    if (!this.has(seq)) return undefined
    const kindId = this.kinds.get(seq)
    const row = this.rows.get(seq)
    const store = this.stores[kindId]
    return (store === undefined ? this.objects[row] : store.materialize(row)) as Readonly<E> | undefined
  }

  /**
   * The event at `seq` as a read-only view: no copy for high-volume kinds (fields are read from
   * the columns on access), the frozen object for low-volume kinds. Undefined outside the log.
   */
  view(seq: number): Readonly<E> | undefined {
    if (!this.has(seq)) return undefined
    const store = this.stores[this.kinds.get(seq)]
    const row = this.rows.get(seq)
    return (store === undefined ? this.objects[row] : store.view(row)) as unknown as Readonly<E>
  }

  /** The cause of the event at `seq`, or undefined (no cause, or `seq` outside the log). */
  causeOf(seq: number): number | undefined {
    if (!this.has(seq)) return undefined
    const chunk = this.causes[seq >>> CHUNK_BITS]
    if (chunk === undefined) return undefined
    const stored = chunk[seq & CHUNK_MASK] as number
    return stored === 0 ? undefined : stored - 1
  }

  /** The `type` of the event at `seq`, or undefined. */
  typeAt(seq: number): E['type'] | undefined {
    if (!this.has(seq)) return undefined
    return this.schema.kinds[this.kinds.get(seq)]?.type
  }

  /** The event at `seq` with its seq and cause, frozen; undefined outside the log. */
  entry(seq: number): TraceEntry<E> | undefined {
    const event = this.at(seq)
    if (event === undefined) return undefined
    return Object.freeze({ seq, cause: this.causeOf(seq), event })
  }

  /** The entries `[from, to)` in order (frozen objects). */
  *entries(from = 0, to = this.length): Generator<TraceEntry<E>> {
    const end = Math.min(to, this.length)
    for (let seq = Math.max(0, from); seq < end; seq++) yield this.entry(seq) as TraceEntry<E>
  }

  /** True when `seq` is an integer in `[0, length)`. */
  has(seq: number): boolean {
    return Number.isInteger(seq) && seq >= 0 && seq < this.length
  }

  /** Allocated bytes, by part. */
  memory(): TraceLogMemory {
    const indexBytes = this.kinds.byteLength() + this.rows.byteLength()
    let causeBytes = 0
    for (const chunk of this.causes) causeBytes += chunk?.byteLength ?? 0
    let columnBytes = 0
    for (const store of this.stores)
      for (const column of store?.columns ?? []) columnBytes += column.byteLength()
    const totalBytes = indexBytes + causeBytes + columnBytes
    return {
      indexBytes,
      causeBytes,
      columnBytes,
      lowVolumeEvents: this.objects.length,
      totalBytes,
      bytesPerEvent: this.length === 0 ? 0 : totalBytes / this.length,
    }
  }

  /** @internal Appends a high-volume row from checked values (used by `append` and decoders). */
  appendRowValues(kindId: number, store: KindStore, cause: number, values: readonly number[]): number {
    const seq = this.length
    const offset = this.reserveIndex(seq)
    const row = store.rowCount
    const rowOffset = store.grow()
    store.columns.forEach((column, index) => {
      column.current[rowOffset] = values[index] as number
    })
    this.kinds.current[offset] = kindId
    this.rows.current[offset] = row
    if (cause !== NO_CAUSE) this.writeCause(seq, cause)
    store.rowCount = row + 1
    this.length = seq + 1
    return seq
  }

  /** @internal Makes room in the index for `seq` (the next seq); returns its chunk offset. */
  reserveIndex(seq: number): number {
    const offset = this.kinds.grow(seq)
    this.rows.grow(seq)
    this.indexKinds = this.kinds.current
    this.indexRows = this.rows.current
    this.indexBase = this.kinds.base
    this.indexEnd = this.kinds.base + this.kinds.current.length
    return offset
  }

  /** @internal Checks and records the cause of `seq` (the event being appended). */
  setCause(seq: number, cause: number): void {
    this.checkCause(cause, seq)
    this.writeCause(seq, cause)
  }

  private checkCause(cause: number, seq: number): void {
    if (cause === NO_CAUSE) return
    if (!Number.isInteger(cause) || cause < 0 || cause >= seq) {
      throw new RangeError(
        `TraceLog: cause ${String(cause)} of event ${seq} must be an earlier seq (0 ≤ cause < seq)`,
      )
    }
  }

  private writeCause(seq: number, cause: number): void {
    const chunkIndex = seq >>> CHUNK_BITS
    let chunk = this.causes[chunkIndex]
    if (chunk === undefined) {
      chunk = new Int32Array(CHUNK_SIZE)
      this.causes[chunkIndex] = chunk
    }
    chunk[seq & CHUNK_MASK] = cause + 1
  }
}
