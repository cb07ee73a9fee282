// The append-only event log: dense sequence numbers from 0, an optional backward `cause` per
// event, high-volume kinds stored as rows of typed-array columns and rare kinds as deep-frozen
// objects. Nothing in the API mutates or removes an event; readers get frozen objects or
// read-only views. (The record-keeping of WinDbg TTD / rr, for a simulated system.)
//
//   seq index, per run of one kind:   first seq u32 | kind u8 | first row u32   (RunIndex)
//     or, in 64 Ki-seq chunks where kinds switch often, per seq: kind u8 | row u32
//   cause, per seq (chunks of 2^16):  cause+1 i32 (a chunk allocated on its first cause), and
//     once the log has moved past the chunk, seq−cause u16 when every distance in it fits
//   per high-volume kind, per row:    one typed column per declared field (chunks of 2^16; a
//     complete chunk stored at the width its values need, see columnStore.ts' narrowChunk)
//   per low-volume event:             one frozen object (row = its position in `objects`)
import { freeze } from 'immer'
import * as v from 'valibot'
import { type AppenderLog, type AppenderOwner, DenseCursor } from './appenderState.js'
import { CHUNK_BITS, CHUNK_MASK, CHUNK_SIZE, type ColumnArray, fitsField } from './columnStore.js'
import { bulkAppendRows } from './bulkAppendRows.js'
import { type AppenderBase, appenderClass, type RowAppender } from './kindAppender.js'
import { KindStore } from './kindStore.js'
import { RunIndex } from './runIndex.js'
import type { TraceEventBase, TraceSchema } from './traceSchema.js'

/** Pass as `cause` to a row appender when the event has no cause. */
export const NO_CAUSE = -1

/** One event with its place in the log. */
export interface TraceEntry<E extends TraceEventBase = TraceEventBase> {
  readonly seq: number
  /** The seq of the event that led to this one (always smaller than `seq`), if any. */
  readonly cause: number | undefined
  readonly event: Readonly<E>
}

export type { RowAppender } from './kindAppender.js'

/** A contiguous run of rows of one high-volume kind handed to `TraceModel.applyRows`. */
export interface RowBatch {
  readonly type: string
  /**
   * Column arrays by field name. Read rows `[start, end)` only; never write. An array holds its
   * field's values exactly but may be narrower than the field's declared type (a complete chunk
   * is stored at the width its values need: an f64 field as a Uint32Array, say).
   */
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

/** Options of a {@link TraceLog}. */
export interface TraceLogOptions {
  /** Validate low-volume events against their kind's schema on append (default true). */
  readonly validateLowVolume?: boolean
}

/**
 * The append-only log of one trace, generic over the consumer's event union `E`.
 *
 * Memory: a high-volume event costs its field bytes (in a complete 64 Ki-row chunk, the bytes
 * its values need: a small count declared u32 or f64 takes 1), 4 bytes of cause (only in 64Ki-event
 * chunks where some event has a cause; 2 once the log has moved past a chunk whose causes are all
 * at most 65535 events back) and its share of a 9-byte run entry (one per run of consecutive
 * events of one kind; nothing per event while a producer keeps appending one kind), or 5 bytes
 * of per-event index in 64 Ki-seq chunks where kinds switch often.
 */
export class TraceLog<E extends TraceEventBase = TraceEventBase> implements AppenderLog {
  readonly schema: TraceSchema<E>
  /** @internal The seq index: runs of (first seq, kind, first row) and dense chunks. */
  readonly runs = new RunIndex()
  /** @internal The open dense chunk's cursor, shared by the appenders. */
  readonly dense: DenseCursor = new DenseCursor(this)
  /** @internal cause + 1 per seq (0: none), per seq chunk, allocated on the chunk's first cause. */
  readonly causes: (Int32Array | undefined)[] = []
  /**
   * @internal Per seq chunk the log has moved past whose causes are all at most 65535 events
   * back: seq − cause per seq (0: none), in place of its `causes` chunk (see `sealCauses`).
   */
  readonly causeDistances: (Uint16Array | undefined)[] = []
  /** Seq chunks below this one are sealed (their causes narrowed where they fit). */
  private sealedCauses = 0
  /** @internal Store per kind id; undefined for low-volume kinds. */
  readonly stores: (KindStore | undefined)[]
  /** @internal Low-volume events, deep-frozen. */
  readonly objects: Readonly<E>[] = []
  /**
   * @internal The appender owning the open run: it holds the live length and its kind's row
   * count in its cursor. Every other way of appending calls {@link settle} first.
   */
  owner: AppenderOwner | undefined = undefined
  /** @internal The length when no appender owns the open run. */
  settled = 0
  private readonly appenders: (AppenderBase & RowAppender)[] = []
  /** See {@link TraceLog.setUpdate}. */
  private update: (() => void) | undefined = undefined
  private readonly validateLowVolume: boolean

  constructor(schema: TraceSchema<E>, options: TraceLogOptions = {}) {
    this.schema = schema
    this.stores = schema.kinds.map((kind) => (kind.volume === 'high' ? new KindStore(kind) : undefined))
    this.validateLowVolume = options.validateLowVolume ?? true
  }

  /** Number of events; the next event gets this seq. */
  get length(): number {
    const update = this.update
    if (update !== undefined) update()
    const owner = this.owner
    return owner === undefined ? this.settled : owner.liveLength()
  }

  /**
   * Makes the log filled on demand: `update` is called whenever the log's length is read (every
   * read of the log goes through its length) and appends what its producer has not appended yet;
   * it must tolerate being called again while it appends. For a producer that records little
   * while it runs and derives its events when they are read (a machine recording its inputs only
   * and re-executing them, as rr does). `undefined` removes it.
   */
  setUpdate(update: (() => void) | undefined): void {
    this.update = update
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
    // Deep: no reference anyone holds to the event, or to an object inside it, can change it.
    freeze(event, true)
    const dense = this.dense
    if (this.owner === dense && dense.seq < dense.stop) {
      // In the open dense chunk (the machine recorder: a fault's events between accesses): the
      // event's index entry written there as noteRange would, and the chunk left open. Settling
      // would send each appender of the chunk through its slow path again on its next event
      // (measured: 80,000 such rejoins, ~1.3 µs each, on a 2.7M-event lackey import).
      const seq = dense.seq
      const offset = seq - dense.base
      dense.kinds[offset] = kind.id
      dense.rows[offset] = this.objects.length
      dense.seq = seq + 1
      this.objects.push(event)
      if (cause !== NO_CAUSE) this.writeCause(seq, cause)
      return seq
    }
    this.settle()
    const seq = this.settled
    this.runs.noteRange(kind.id, seq, this.objects.length, 1)
    this.objects.push(event)
    if (cause !== NO_CAUSE) this.writeCause(seq, cause)
    this.settled = seq + 1
    return seq
  }

  /**
   * The fast appender of one high-volume kind, for a producer recording every event of it:
   * `appender.append(...fieldValues, cause?)` → seq, values in the kind's field declaration
   * order. One appender per kind and log (the same object on every call). See
   * {@link RowAppender} for what it checks.
   * @throws TypeError when `type` is not a high-volume kind.
   */
  appender<T extends E['type']>(type: T): RowAppender {
    const kind = this.schema.kind(type)
    const store = kind === undefined ? undefined : this.stores[kind.id]
    if (kind === undefined || store === undefined) {
      throw new TypeError(`TraceLog.appender: '${type}' is not a high-volume kind of the schema`)
    }
    let appender = this.appenders[kind.id]
    if (appender === undefined) {
      const Appender = appenderClass(
        this.schema.shape,
        kind.fields.map((field) => field.type),
      )
      appender = new Appender(this as unknown as TraceLog<TraceEventBase>, store)
      this.appenders[kind.id] = appender
    }
    return appender
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
    return bulkAppendRows(this, kind, store, rows)
  }

  /**
   * Pre-allocates room for `events` more events and, per high-volume kind, `rows` more rows, so
   * appending them never allocates nor faults fresh memory pages (useful before a hot loop).
   * (The seq index needs no room: it grows by runs; a dense chunk is allocated whole.)
   */
  reserve(options: { readonly events: number; readonly rows?: Partial<Record<E['type'], number>> }): void {
    // Reserving may replace the current chunk arrays an appender writes into.
    this.settle()
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
    const row = this.runs.rowOf(seq)
    const store = this.stores[this.runs.kindOf(seq)]
    return (store === undefined ? this.objects[row] : store.materialize(row)) as Readonly<E> | undefined
  }

  /**
   * The event at `seq` as a read-only view: no copy for high-volume kinds (fields are read from
   * the columns on access), the frozen object for low-volume kinds. Undefined outside the log.
   */
  view(seq: number): Readonly<E> | undefined {
    if (!this.has(seq)) return undefined
    const row = this.runs.rowOf(seq)
    const store = this.stores[this.runs.kindOf(seq)]
    return (store === undefined ? this.objects[row] : store.view(row)) as unknown as Readonly<E>
  }

  /** @internal Kind id of the event at `seq` (a seq of the log). */
  kindAt(seq: number): number {
    return this.runs.kindOf(seq)
  }

  /** @internal Row of the event at `seq` (a seq of the log) in its kind's store or in `objects`. */
  rowAt(seq: number): number {
    return this.runs.rowOf(seq)
  }

  /** The cause of the event at `seq`, or undefined (no cause, or `seq` outside the log). */
  causeOf(seq: number): number | undefined {
    if (!this.has(seq)) return undefined
    const chunk = this.causes[seq >>> CHUNK_BITS]
    if (chunk === undefined) {
      const distances = this.causeDistances[seq >>> CHUNK_BITS]
      const distance = distances === undefined ? 0 : (distances[seq & CHUNK_MASK] as number)
      return distance === 0 ? undefined : seq - distance
    }
    const stored = chunk[seq & CHUNK_MASK] as number
    return stored === 0 ? undefined : stored - 1
  }

  /** The `type` of the event at `seq`, or undefined. */
  typeAt(seq: number): E['type'] | undefined {
    if (!this.has(seq)) return undefined
    return this.schema.kinds[this.kindAt(seq)]?.type
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
    const indexBytes = this.runs.byteLength()
    let causeBytes = 0
    for (const chunk of this.causes) causeBytes += chunk?.byteLength ?? 0
    for (const chunk of this.causeDistances) causeBytes += chunk?.byteLength ?? 0
    let columnBytes = 0
    for (const store of this.stores)
      for (const column of store?.columns ?? []) columnBytes += column.byteLength()
    const totalBytes = indexBytes + causeBytes + columnBytes
    const length = this.length
    return {
      indexBytes,
      causeBytes,
      columnBytes,
      lowVolumeEvents: this.objects.length,
      totalBytes,
      bytesPerEvent: length === 0 ? 0 : totalBytes / length,
    }
  }

  /** @internal Appends a high-volume row from checked values (used by `append` and decoders). */
  appendRowValues(kindId: number, store: KindStore, cause: number, values: readonly number[]): number {
    this.settle()
    const seq = this.settled
    this.runs.noteRange(kindId, seq, store.rowCount, 1)
    const rowOffset = store.grow()
    store.columns.forEach((column, index) => {
      column.current[rowOffset] = values[index] as number
    })
    if (cause !== NO_CAUSE) this.writeCause(seq, cause)
    store.rowCount += 1
    this.settled = seq + 1
    return seq
  }

  /** @internal Takes the open run back from its appender (publishing its counts), if any. */
  settle(): void {
    const owner = this.owner
    if (owner === undefined) return
    owner.release()
    this.owner = undefined
  }

  /** @internal Throws a RangeError unless `cause` is NO_CAUSE or an earlier seq than `seq`. */
  checkCause(cause: number, seq: number): void {
    if (cause === NO_CAUSE) return
    if (!Number.isInteger(cause) || cause < 0 || cause >= seq) {
      throw new RangeError(
        `TraceLog: cause ${String(cause)} of event ${seq} must be an earlier seq (0 ≤ cause < seq)`,
      )
    }
  }

  /** @internal The cause cells of the chunk holding `seq`, allocated on first use. */
  causeChunk(seq: number): Int32Array {
    const chunkIndex = seq >>> CHUNK_BITS
    let chunk = this.causes[chunkIndex]
    if (chunk === undefined) {
      // Seqs only grow: the chunks before this one are complete.
      this.sealCauses(chunkIndex)
      chunk = new Int32Array(CHUNK_SIZE)
      this.causes[chunkIndex] = chunk
    }
    return chunk
  }

  /**
   * Narrows the cause chunks below `end` not yet sealed (complete: every later event has a later
   * seq): a chunk whose causes are all at most 65535 events back keeps them as u16 distances,
   * 2 bytes per event instead of 4 (a machine trace's causes are the operation the event is
   * part of: all within a few hundred events, measured).
   */
  private sealCauses(end: number): void {
    for (let chunkIndex = this.sealedCauses; chunkIndex < end; chunkIndex++) {
      const cells = this.causes[chunkIndex]
      if (cells === undefined) continue
      const base = chunkIndex << CHUNK_BITS
      const distances = new Uint16Array(CHUNK_SIZE)
      let fits = true
      for (let offset = 0; offset < CHUNK_SIZE; offset++) {
        const stored = cells[offset] as number
        if (stored === 0) continue
        const distance = base + offset - (stored - 1)
        if (distance > 0xffff) {
          fits = false
          break
        }
        distances[offset] = distance
      }
      if (!fits) continue
      this.causeDistances[chunkIndex] = distances
      this.causes[chunkIndex] = undefined
    }
    if (end > this.sealedCauses) this.sealedCauses = end
  }

  /** @internal Records `cause` (an earlier seq) for the event at `seq`. */
  writeCause(seq: number, cause: number): void {
    this.causeChunk(seq)[seq & CHUNK_MASK] = cause + 1
  }
}
