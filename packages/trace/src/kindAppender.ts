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
//   to the stores.
import { CHUNK_BITS, CHUNK_MASK, CHUNK_SIZE, type ColumnArray } from './columnStore.js'
import type { KindStore } from './kindStore.js'
import type { RunIndex } from './runIndex.js'

// Imported constants copied into module constants: under a CommonJS transform of ESM (tsx runs
// the benches that way) every read of an imported binding is a getter call, and the slow path
// below runs on every switch of kind.
const ROWS_PER_CHUNK = CHUNK_SIZE
const SEQ_MASK = CHUNK_MASK
const SEQ_BITS = CHUNK_BITS

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

/**
 * What the appenders use of their log (TraceLog implements it): its length and the appender
 * owning the open run, the seq index, the cause chunks and the dense cursor. Declared here, on
 * the appenders' side, so this file needs nothing from traceLog.ts. @internal
 */
export interface AppenderLog {
  /** The open dense chunk's cursor, shared by the appenders. */
  readonly dense: DenseCursor
  /** The appender owning the open run (it holds the live length), if any. */
  owner: AppenderOwner | undefined
  /** The length when no appender owns the open run. */
  settled: number
  /** The number of events (the next seq). */
  readonly length: number
  /** The seq index. */
  readonly runs: RunIndex
  /** cause + 1 per seq, per seq chunk (undefined until the chunk's first cause). */
  readonly causes: readonly (Int32Array | undefined)[]
  /** Has the owner of the open run publish its counts and give it up. */
  settle(): void
  /** Throws a RangeError unless `cause` is -1 or a seq before `seq`. */
  checkCause(cause: number, seq: number): void
  /** The cause cells of `seq`'s chunk, allocated on first use. */
  causeChunk(seq: number): Int32Array
}

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
  /** In a dense chunk: the end of the row chunk (0 outside dense chunks), copied by the appender. */
  rowStop = 0
  /**
   * Where the appender writes, one array per field, from row `rowBase` on: the current row
   * chunks, or the spans of a reserved stretch (see ChunkedColumn.spans).
   */
  arrays: ColumnArray[] = []
  readonly kindId: number
  readonly log: AppenderLog
  readonly store: KindStore

  constructor(log: AppenderLog, store: KindStore) {
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
  roll(appender: AppenderOwner & DenseMember, at: number, cause: number | undefined): number {
    const log = this.log
    const store = this.store
    const dense = log.dense
    if (log.owner === appender) {
      // Our own window ended (row or seq chunk end): publish our counts, then re-open.
      store.rowCount = this.rowBase + at
      log.settled = at + this.seqDelta
      log.owner = undefined
    } else if (log.owner === dense) {
      // A dense chunk is open: publish our own row count if we are in it (our row chunk ended),
      // and close it only when its seq chunk is full.
      if (appender.rowStop !== 0) {
        store.rowCount = this.rowBase + at
        appender.rowStop = 0
      }
      if (dense.seq >= dense.stop) log.settle()
    } else {
      // Someone else appended last: they publish their counts and lose the fast path.
      log.settle()
    }
    const seq = log.length
    log.checkCause(cause ?? -1, seq)
    const runs = log.runs
    if (log.owner !== dense && !runs.isDense(seq) && runs.wantsDense(seq)) runs.makeDense(seq)
    if (log.owner === dense || runs.isDense(seq)) return this.rollDense(appender, seq)
    runs.note(this.kindId, seq, store.rowCount)
    log.owner = appender
    this.rowStop = 0
    const next = store.grow()
    const first = store.columns[0]
    this.rowBase = first === undefined ? store.rowCount : first.base
    this.arrays = store.writableArrays()
    // The run goes on past seq chunk ends (setCause changes cause chunks itself, and a run may
    // span seq chunks): it stops where its arrays end, or after a chunk for a kind without fields.
    const rowsLeft = first === undefined ? ROWS_PER_CHUNK : (this.arrays[0] as ColumnArray).length - next
    this.stop = next + rowsLeft
    this.seqDelta = seq - next
    this.causeBase = seq - (seq & SEQ_MASK)
    this.causeCells = log.causes[seq >>> SEQ_BITS]
    return next
  }

  /**
   * The slow path in a dense chunk (`seq` the next seq): opens the chunk to the appenders if it
   * is not, makes room for our next row, joins the chunk's appenders and writes the event's
   * index entry. Our fast path stays closed (`stop` 0): each append then takes the appender's
   * inline dense branch, which writes the entry while `at < rowStop` and the chunk has room.
   */
  private rollDense(appender: AppenderOwner & DenseMember, seq: number): number {
    const log = this.log
    const store = this.store
    const dense = log.dense
    if (log.owner !== dense) {
      dense.open(log.runs, seq)
      log.owner = dense
    }
    dense.join(appender)
    const next = store.grow()
    const first = store.columns[0]
    this.rowBase = first === undefined ? store.rowCount : first.base
    this.arrays = store.writableArrays()
    this.rowStop = first === undefined ? 0x7fffffff : (this.arrays[0] as ColumnArray).length
    const offset = seq - dense.base
    dense.kinds[offset] = this.kindId
    dense.rows[offset] = store.rowCount
    dense.seq = seq + 1
    this.stop = 0
    this.seqDelta = seq - next
    this.causeBase = dense.base
    this.causeCells = log.causes[seq >>> SEQ_BITS]
    return next
  }

  /** Records `cause` for `seq` (the event being appended) after checking it points backwards. */
  setCause(seq: number, cause: number): void {
    this.log.checkCause(cause, seq)
    let cells = this.causeCells
    if (cells === undefined || (seq - this.causeBase) >>> 0 >= ROWS_PER_CHUNK) {
      cells = this.log.causeChunk(seq)
      this.causeCells = cells
      this.causeBase = seq - (seq & SEQ_MASK)
    }
    cells[seq - this.causeBase] = cause + 1
  }

  /** Publishes the counts of an appender whose cursor is `at` (it gives up the open run). */
  publish(at: number): void {
    this.store.rowCount = this.rowBase + at
    this.log.settled = at + this.seqDelta
  }
}

/** What the dense cursor needs of an appender writing into a dense chunk. @internal */
export interface DenseMember {
  /** Offset in the row chunk where the dense fast path stops (0: not in the open dense chunk). */
  rowStop: number
  readonly state: AppenderState
  readonly at: number
}

/**
 * The open dense chunk, shared by every appender of one log: the seq cursor (the log's length
 * while it owns the open run) and the chunk's per-event kind and row arrays. While it is open,
 * an appender that has joined it appends with a switch of kind as cheaply as without one.
 * @internal
 */
export class DenseCursor implements AppenderOwner {
  /** Next seq (while open). */
  seq = 0
  /** End of the chunk's seqs; 0 while closed (so the appenders' dense branch never runs). */
  stop = 0
  /** First seq of the chunk. */
  base = 0
  kinds: Uint8Array = new Uint8Array(0)
  rows: Uint32Array = new Uint32Array(0)
  private readonly members: DenseMember[] = []
  private readonly log: { settled: number }

  constructor(log: { settled: number }) {
    this.log = log
  }

  /** Opens the dense chunk holding `seq` (the next seq of the log). */
  open(
    runs: {
      readonly denseKinds: (Uint8Array | undefined)[]
      readonly denseRows: (Uint32Array | undefined)[]
    },
    seq: number,
  ): void {
    const chunk = seq >>> SEQ_BITS
    this.kinds = runs.denseKinds[chunk] as Uint8Array
    this.rows = runs.denseRows[chunk] as Uint32Array
    this.base = seq - (seq & SEQ_MASK)
    this.stop = this.base + ROWS_PER_CHUNK
    this.seq = seq
  }

  /**
   * Adds an appender to the chunk's appenders (its row count is then held by its cursor). Another
   * appender of the same store (only tests make two) publishes its count and leaves first.
   */
  join(member: DenseMember): void {
    let known = false
    for (const other of this.members) {
      if (other === member) known = true
      else if (other.rowStop !== 0 && other.state.store === member.state.store) {
        other.state.store.rowCount = other.state.rowBase + other.at
        other.rowStop = 0
      }
    }
    if (!known) this.members.push(member)
  }

  /** Closes the chunk: every member publishes its row count and leaves; the log's length settles. */
  release(): void {
    for (const member of this.members) {
      if (member.rowStop !== 0) {
        const state = member.state
        state.store.rowCount = state.rowBase + member.at
        member.rowStop = 0
      }
    }
    this.members.length = 0
    this.log.settled = this.seq
    this.stop = 0
  }

  liveLength(): number {
    return this.seq
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
