// The appenders' shared state off the fast path (kindAppender.ts has the fast path and why it is
// shaped so): `AppenderState`, the slow path of one appender, which takes the open run over from
// whoever appended last and opens the next window; and `DenseCursor`, the open dense chunk of the
// seq index (runIndex.ts) that every appender of a log shares, so a switch of kind there stays off
// the slow path.
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
 * What the appenders use of their log (TraceLog implements it): its length and the appender
 * owning the open run, the seq index, the cause chunks and the dense cursor. Declared on the
 * appenders' side, so the appender files need nothing from traceLog.ts. @internal
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
