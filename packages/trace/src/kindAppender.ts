// The hot append path of one high-volume kind (the simulated CPU records every memory access
// through it). Built for the JIT; each trick below is there because a measurement asked for it:
//
// - One appender object per kind, `append` a method on its class: the call site sees one
//   function (a closure per log made TurboFan deopt with "wrong call target" each time a new
//   log handed out a new closure) and TurboFan inlines it into the producer's loop.
// - A class generated per field signature (`new Function`, cached by the schema's shape and the
//   kind's field types), so every typed-array store in `append` sees one element kind: shared
//   code would see Uint32Array here and Float64Array there and pay a polymorphic dispatch per
//   store (measured +15-60%).
//   The field arrays are typed from their first assignment (no placeholder of another type), so
//   the stores need no map check. Where code generation is refused (a Content-Security-Policy
//   without 'unsafe-eval'), `GenericAppender` does the same work more slowly.
// - The fast path writes the fields and bumps one cursor: no per-event index entry (the run
//   index records a run of this kind once), no `log.length` store (the log reads the live
//   length from the appender owning the open run), counters kept small integers (a double in a
//   mutable slot would allocate a heap number per append).
// - One bounds check, `at >= stop`: `stop` ends where the arrays written end (a row chunk, or a
//   reserved stretch's span) and is set to 0 when another path appends to the log, so
//   anything unusual funnels into `slowAppend`, which re-synchronises and appends the event.
// - Three exits that never merge: the fast path, the dense branch below (its own stores and
//   return) and `slowAppend`, which does the whole append itself (see `appenderSource`).
// - No cause: the default `-1` makes the cause branch fold away once inlined.
// - A switch of kind: in a run chunk of the seq index it takes the slow path (the run index
//   opens a run); in a dense chunk (where kinds switch often, see runIndex.ts) the appenders
//   share the log's `DenseCursor` and the failed check lands in a short inline dense branch,
//   which writes the event's kind and row at the shared seq: no slow path.
// - The slow path lives in one `AppenderState` class shared by all kinds, so it stays
//   monomorphic when kinds alternate; the cursor stays in the generated class, one load closer
//   to the stores. (`AppenderState` and `DenseCursor` are in appenderState.ts.)
import { type AppenderLog, type AppenderOwner, AppenderState, type DenseCursor } from './appenderState.js'
import type { ColumnArray } from './columnStore.js'
import type { KindStore } from './kindStore.js'

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
  /** Appends one event of the kind: its field values in declaration order, then an optional cause; returns its seq. */
  append(...valuesThenCause: (number | undefined)[]): number
}

/**
 * What the binary decoder uses of an appender (every appender has it): append row `row` of
 * `columns` (one per field, values already checked) with `cause` (-1: none). @internal
 */
export interface DecodedRowAppender {
  appendFrom(columns: readonly ArrayLike<number>[], row: number, cause: number): number
}

const EMPTY: ColumnArray = new Uint8Array(0)

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
  /** In the open dense chunk: offset where the current row chunk ends (else 0). */
  rowStop = 0
  /** First row of the current row chunk (copied from the state by `roll`). */
  rowBase = 0
  readonly kindId: number
  /** The log's dense cursor (shared by its appenders). */
  readonly dense: DenseCursor
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

  constructor(log: AppenderLog, store: KindStore) {
    this.type = store.kind.type
    this.fieldCount = store.kind.fields.length
    this.state = new AppenderState(log, store)
    this.kindId = store.kind.id
    this.dense = log.dense
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

  /**
   * Publishes this appender's counts and closes its fast path (another path appends next). On
   * the base class, so the log's call is to one function whichever kind owned the open run.
   */
  release(): void {
    this.state.publish(this.at)
    this.stop = 0
  }

  /** The live length of the log while this appender owns the open run. */
  liveLength(): number {
    return this.at + this.seqDelta
  }
}

type AppenderClass = new (
  log: AppenderLog,
  store: KindStore,
) => AppenderBase & RowAppender & AppenderOwner & DecodedRowAppender

/**
 * The same work as a generated class, for fields in an array; used where `new Function` is
 * refused. @internal Exported for tests.
 */
export class GenericAppender extends AppenderBase implements RowAppender, AppenderOwner {
  /** {@link DecodedRowAppender.appendFrom}. */
  appendFrom(columns: readonly ArrayLike<number>[], row: number, cause: number): number {
    return this.append(...columns.map((column) => column[row]), cause)
  }

  append(...valuesThenCause: (number | undefined)[]): number {
    const fieldCount = this.fieldCount
    const cause = valuesThenCause[fieldCount] ?? -1
    const state = this.state
    let at = this.at
    if (at >= this.stop) {
      const dense = this.dense
      const next = dense.seq
      if (
        next < dense.stop &&
        at < this.rowStop &&
        (cause === -1 || (cause >>> 0 === cause && cause < next))
      ) {
        dense.kinds[next - dense.base] = this.kindId
        dense.rows[next - dense.base] = this.rowBase + at
        dense.seq = next + 1
        this.seqDelta = next - at
      } else {
        at = state.roll(this, at, cause)
        this.stop = state.stop
        this.seqDelta = state.seqDelta
        this.rowStop = state.rowStop
        this.rowBase = state.rowBase
      }
    }
    const seq = at + this.seqDelta
    if (cause !== -1) state.setCause(seq, cause)
    const arrays = state.arrays
    for (let index = 0; index < fieldCount; index++) {
      ;(arrays[index] as ColumnArray)[at] = valuesThenCause[index] ?? 0
    }
    this.at = at + 1
    return seq
  }
}

/**
 * Source of a class for `fieldCount` fields: `append` with exact arity and straight-line stores,
 * and the slow path, which runs the shared `AppenderState.roll` and re-reads the chunk arrays
 * into this class's own fields (so those stores stay monomorphic too).
 *
 * `append` is shaped for the producer's loop it is inlined into: its three ways out (the fast
 * path, the dense branch, the slow path) each store the fields and return, none merging into
 * shared stores. Read in `node --print-opt-code`: while the dense branch and the slow path's
 * roll merged back into the fast path's stores, TurboFan kept the values and the cursor in stack
 * slots and reloaded them on the fast path; apart, the fast path keeps them in registers.
 * Measured (`pnpm bench append`, reserved log): 2.5× → 2.0× a bare `Int32Array` loop in a
 * process appending one kind, 2.5× → 2.35× where another loop of the same process also
 * alternates kinds through the same generated class (its dense branch is then compiled in).
 */
function appenderSource(fieldCount: number): string {
  const values = Array.from({ length: fieldCount }, (_, index) => `v${index}`)
  const args = [...values, 'cause'].join(', ')
  const stores = values.map((value, index) => `this.c${index}[at] = ${value}`).join('\n    ')
  const loads = values.map((_, index) => `this.c${index} = arrays[${index}]`).join('\n      ')
  // On a switch of kind the chunks are usually the ones already loaded (the columns of a kind
  // always change chunk together, so the first column tells).
  const reload = fieldCount === 0 ? '' : `if (arrays[0] !== this.c0) {\n      ${loads}\n    }`
  return `return class extends Base {
  append(${[...values, 'cause = -1'].join(', ')}) {
    const at = this.at
    if (at >= this.stop) {
      // In the open dense chunk: write the index entry and go on (a switch of kind costs this).
      const dense = this.dense
      const next = dense.seq
      if (next < dense.stop && at < this.rowStop && (cause === -1 || (cause >>> 0 === cause && cause < next))) {
        const offset = next - dense.base
        dense.kinds[offset] = this.kindId
        dense.rows[offset] = this.rowBase + at
        dense.seq = next + 1
        this.seqDelta = next - at
        ${stores}
        if (cause !== -1) this.state.setCause(next, cause)
        this.at = at + 1
        return next
      }
      return this.slowAppend(${args})
    }
    ${stores}
    const seq = at + this.seqDelta
    // A refused cause throws before the cursor moves: the row stays unpublished.
    if (cause !== -1) this.state.setCause(seq, cause)
    this.at = at + 1
    return seq
  }
  appendFrom(columns, row, cause) {
    return this.append(${[...values.map((_, index) => `columns[${index}][row]`), 'cause'].join(', ')})
  }
  slowAppend(${args}) {
    // Neither the fast path nor the dense branch could take the event: re-synchronise, append.
    const state = this.state
    const at = state.roll(this, this.at, cause)
    this.stop = state.stop
    this.seqDelta = state.seqDelta
    this.rowStop = state.rowStop
    this.rowBase = state.rowBase
    const arrays = state.arrays
    ${reload}
    const seq = at + this.seqDelta
    if (cause !== -1) state.setCause(seq, cause)
    ${stores}
    this.at = at + 1
    return seq
  }
}`
}

/**
 * Generated classes per schema shape, by field signature ('u32,u16,u8'). Logs of one schema share
 * them (a producer loop sees one class whichever log it appends to); producers of schemas of
 * different shapes do not share type feedback (measured: where another schema's producer
 * alternated kinds through the same signature, TurboFan compiled the dense branch into this
 * producer's single-kind loop, 1.8× → 2.4× a bare Int32Array loop). Keyed by the shape (its
 * kinds and field types), not the schema object: decoders build a schema per file read.
 */
const generated = new Map<string, AppenderClass>()
/** False once `new Function` was refused (then every kind uses {@link GenericAppender}). */
let codeGeneration = true

/**
 * The appender class for a kind with these field types in a schema of shape `shape` (generated
 * once per shape and signature).
 */
export function appenderClass(shape: string, fieldTypes: readonly string[]): AppenderClass {
  const key = `${shape}|${fieldTypes.join(',')}`
  const known = generated.get(key)
  if (known !== undefined) return known
  if (codeGeneration) {
    try {
      // Compiled separately per signature, so each gets its own type feedback (see top).
      const make = new Function('Base', appenderSource(fieldTypes.length)) as (
        base: typeof AppenderBase,
      ) => AppenderClass
      const made = make(AppenderBase)
      generated.set(key, made)
      return made
    } catch {
      codeGeneration = false
    }
  }
  return GenericAppender
}
