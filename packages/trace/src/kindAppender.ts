// The hot append path of one high-volume kind (the simulated CPU records every memory access
// through it). Built for the JIT; each trick below is there because a measurement asked for it:
//
// - One appender object per kind, `append` a method on its class: the call site sees one
//   function (a closure per log made TurboFan deopt with "wrong call target" each time a new
//   log handed out a new closure) and TurboFan inlines it into the producer's loop.
// - A class generated per field signature (`new Function`, cached by the kind's field types), so
//   every typed-array store in `append` sees one element kind: shared code would see Uint32Array
//   here and Float64Array there and pay a polymorphic dispatch per store (measured +15-60%).
//   The field arrays are typed from their first assignment (no placeholder of another type), so
//   the stores need no map check. Where code generation is refused (a Content-Security-Policy
//   without 'unsafe-eval'), `GenericAppender` does the same work more slowly.
// - The fast path writes the fields and bumps one cursor: no per-event index entry (the run
//   index records a run of this kind once), no `log.length` store (the log reads the live
//   length from the appender owning the open run), counters kept small integers (a double in a
//   mutable slot would allocate a heap number per append).
// - One bounds check, `at >= stop`: `stop` ends at the row chunk's end, at the seq chunk's end
//   (where the cause cells change) and is set to 0 when another path appends to the log, so
//   anything unusual funnels into `roll`, the slow path, which re-synchronises.
// - No cause: the default `-1` makes the cause branch fold away once inlined.
// - The slow path lives in one `AppenderState` class shared by all kinds, so it stays
//   monomorphic when kinds alternate (each switch of kind takes it); the cursor stays in the
//   generated class, one load closer to the stores.
import { CHUNK_BITS, CHUNK_MASK, CHUNK_SIZE, type ChunkedColumn, type ColumnArray } from './columnStore.js'
import type { KindStore, TraceLog } from './traceLog.js'
import type { TraceEventBase } from './traceSchema.js'

/**
 * Appends events of one high-volume kind (from {@link TraceLog.appender}).
 *
 * `append(v0, v1, …, cause?)` takes the field values in the order the kind declares its fields,
 * then optionally the seq of the event's cause (omit it, or pass `undefined` or `NO_CAUSE`, for
 * none); it returns the new event's seq. Values are stored as the typed column stores them
 * (out-of-range values wrap, as typed arrays do): this is the hot path, so only the cause is
 * checked (`0 ≤ cause < seq`, else a RangeError and nothing is appended). Use
 * {@link TraceLog.append} to have values checked.
 */
export interface RowAppender {
  /** The kind this appender writes. */
  readonly type: string
  append(...valuesThenCause: (number | undefined)[]): number
}

const EMPTY: ColumnArray = new Uint8Array(0)

/**
 * Slow-path state of one appender. One class for every kind, so the slow path (taken on every
 * switch of kind when kinds alternate event by event) touches a single object shape; code shared
 * by the generated classes reading their own fields would see one shape per kind and go
 * megamorphic (measured: ~90 ns per switch before, ~50 ns after). @internal
 */
export class AppenderState {
  /** First row of the current row chunk. */
  rowBase = 0
  /** Cause cells of the current seq chunk (undefined until an event of that chunk has a cause). */
  causeCells: Int32Array | undefined = undefined
  /** The seq of `causeCells[0]`. */
  causeBase = 0
  /** Results of the last `roll`: the fast path's window, copied by the appender. */
  stop = 0
  seqDelta = 0
  readonly kindId: number
  readonly log: TraceLog<TraceEventBase>
  readonly store: KindStore

  constructor(log: TraceLog<TraceEventBase>, store: KindStore) {
    this.log = log
    this.store = store
    this.kindId = store.kind.id
  }

  /**
   * The slow path of `appender` (whose cursor is `at`): takes the open run over from whoever
   * appended last, makes room for the next row and computes the fast path's window (`stop`,
   * `seqDelta`). Validates `cause` first, so a refused cause leaves the log unchanged. Returns
   * the offset of the next row (the caller then re-reads the chunk arrays from the columns).
   */
  roll(appender: AppenderOwner, at: number, cause: number | undefined): number {
    const log = this.log
    const store = this.store
    if (log.owner === appender) {
      // Our own window ended (row or seq chunk end): publish our counts, then re-open.
      store.rowCount = this.rowBase + at
      log.settled = at + this.seqDelta
    } else {
      // Someone else appended last: they publish their counts and lose the fast path.
      log.settle()
    }
    const seq = log.settled
    log.checkCause(cause ?? -1, seq)
    log.runs.note(this.kindId, seq, store.rowCount)
    log.owner = appender
    const next = store.grow()
    const first = store.columns[0]
    this.rowBase = first === undefined ? store.rowCount : first.base
    const rowsLeft = first === undefined ? CHUNK_SIZE : first.current.length - next
    const seqsLeft = CHUNK_SIZE - (seq & CHUNK_MASK)
    this.stop = next + Math.min(rowsLeft, seqsLeft)
    this.seqDelta = seq - next
    this.causeBase = seq - (seq & CHUNK_MASK)
    this.causeCells = log.causes[seq >>> CHUNK_BITS]
    return next
  }

  /** Records `cause` for `seq` (the event being appended) after checking it points backwards. */
  setCause(seq: number, cause: number): void {
    this.log.checkCause(cause, seq)
    let cells = this.causeCells
    if (cells === undefined) {
      cells = this.log.causeChunk(seq)
      this.causeCells = cells
    }
    cells[seq - this.causeBase] = cause + 1
  }

  /** Publishes the counts of an appender whose cursor is `at` (it gives up the open run). */
  publish(at: number): void {
    this.store.rowCount = this.rowBase + at
    this.log.settled = at + this.seqDelta
  }
}

/** What the log needs of the appender owning the open run. @internal */
export interface AppenderOwner {
  /** Publishes its counts to the log and its store and closes its fast path. */
  release(): void
  /** The live length of the log (it owns the open run). */
  liveLength(): number
}

/** What every appender class has: its kind, its state and the current chunk of each field. @internal */
export class AppenderBase {
  readonly type: string
  readonly fieldCount: number
  readonly state: AppenderState
  /** Offset of the next row in the current row chunk. */
  at = 0
  /** The fast path runs while `at < stop`; 0 when another path has appended since. */
  stop = 0
  /** seq − at within the current stretch (so seq = at + seqDelta). */
  seqDelta = 0
  /**
   * Current chunk of each field (unused ones empty, never written). Declared, not initialised:
   * the constructor's first assignment is an array of the field's own type, so V8 records that
   * map as the field's type and `append` stores without a map check (a placeholder of another
   * type first would widen the field to "any object").
   */
  declare c0: ColumnArray
  declare c1: ColumnArray
  declare c2: ColumnArray
  declare c3: ColumnArray
  declare c4: ColumnArray
  declare c5: ColumnArray
  declare c6: ColumnArray
  declare c7: ColumnArray

  constructor(log: TraceLog<TraceEventBase>, store: KindStore) {
    this.type = store.kind.type
    this.fieldCount = store.kind.fields.length
    this.state = new AppenderState(log, store)
    const columns = store.columns
    this.c0 = columns[0]?.current ?? EMPTY
    this.c1 = columns[1]?.current ?? EMPTY
    this.c2 = columns[2]?.current ?? EMPTY
    this.c3 = columns[3]?.current ?? EMPTY
    this.c4 = columns[4]?.current ?? EMPTY
    this.c5 = columns[5]?.current ?? EMPTY
    this.c6 = columns[6]?.current ?? EMPTY
    this.c7 = columns[7]?.current ?? EMPTY
  }
}

type AppenderClass = new (
  log: TraceLog<TraceEventBase>,
  store: KindStore,
) => AppenderBase & RowAppender & AppenderOwner

/**
 * The same work as a generated class, for fields in an array; used where `new Function` is
 * refused. @internal Exported for tests.
 */
export class GenericAppender extends AppenderBase implements RowAppender, AppenderOwner {
  append(...valuesThenCause: (number | undefined)[]): number {
    const fieldCount = this.fieldCount
    const cause = valuesThenCause[fieldCount] ?? -1
    const state = this.state
    let at = this.at
    if (at >= this.stop) {
      at = state.roll(this, at, cause)
      this.stop = state.stop
      this.seqDelta = state.seqDelta
    }
    const seq = at + this.seqDelta
    if (cause !== -1) state.setCause(seq, cause)
    const columns = state.store.columns
    for (let index = 0; index < fieldCount; index++) {
      ;(columns[index] as ChunkedColumn).current[at] = valuesThenCause[index] ?? 0
    }
    this.at = at + 1
    return seq
  }

  release(): void {
    this.state.publish(this.at)
    this.stop = 0
  }

  liveLength(): number {
    return this.at + this.seqDelta
  }
}

/**
 * Source of a class for `fieldCount` fields: `append` with exact arity and straight-line stores,
 * and `roll`, which runs the shared slow path and re-reads the chunk arrays into this class's
 * own fields (so those stores stay monomorphic too).
 */
function appenderSource(fieldCount: number): string {
  const values = Array.from({ length: fieldCount }, (_, index) => `v${index}`)
  const stores = values.map((value, index) => `this.c${index}[at] = ${value}`).join('\n    ')
  const loads = values.map((_, index) => `this.c${index} = columns[${index}].current`).join('\n    ')
  return `return class extends Base {
  append(${[...values, 'cause = -1'].join(', ')}) {
    let at = this.at
    if (at >= this.stop) at = this.roll(at, cause)
    const seq = at + this.seqDelta
    if (cause !== -1) this.state.setCause(seq, cause)
    ${stores}
    this.at = at + 1
    return seq
  }
  roll(at, cause) {
    const state = this.state
    const next = state.roll(this, at, cause)
    this.stop = state.stop
    this.seqDelta = state.seqDelta
    const columns = state.store.columns
    ${loads}
    return next
  }
  release() {
    this.state.publish(this.at)
    this.stop = 0
  }
  liveLength() {
    return this.at + this.seqDelta
  }
}`
}

/** Generated classes by field signature ('u32,u16,u8'). */
const generated = new Map<string, AppenderClass>()
/** False once `new Function` was refused (then every kind uses {@link GenericAppender}). */
let codeGeneration = true

/** The appender class for a kind with these field types (generated once per signature). */
export function appenderClass(fieldTypes: readonly string[]): AppenderClass {
  const signature = fieldTypes.join(',')
  const known = generated.get(signature)
  if (known !== undefined) return known
  if (codeGeneration) {
    try {
      // Compiled separately per signature, so each gets its own type feedback (see top).
      const make = new Function('Base', appenderSource(fieldTypes.length)) as (
        base: typeof AppenderBase,
      ) => AppenderClass
      const made = make(AppenderBase)
      generated.set(signature, made)
      return made
    } catch {
      codeGeneration = false
    }
  }
  return GenericAppender
}
