// The seq index of the trace log, a hybrid per 64 Ki-seq chunk. A chunk where producers append
// long stretches of one kind is run-length encoded: consecutive events of one kind whose rows
// follow each other form a run, recorded once as (first seq, kind, first row), so a producer
// appending thousands of accesses in a row adds one run and its append path writes only its
// fields. A chunk where kinds switch often (the machine recorder: an access, then its TLB hit,
// page walk, fill…) is dense instead: kind `u8` and row `u32` per event (5 bytes), written by
// the appenders' fast path, so a switch of kind costs no slow path. A dense chunk appears in the
// run table as one marker run (kind DENSE_KIND) at the chunk's first seq. Reading a seq is a
// binary search over the runs (with a cache of the last run found, so sequential scans cost O(1)
// per event), then, in a dense chunk, one array read. Internal to @ntmm/trace.
import { CHUNK_BITS, CHUNK_MASK, CHUNK_SIZE } from './columnStore.js'

/** Kind id of the marker run of a dense chunk (schemas hold at most 255 kinds: ids 0–254). */
export const DENSE_KIND = 255
/**
 * A chunk turns dense when this many runs have opened in it (each cost a slow path), and the
 * next chunk starts dense when a dense chunk saw at least this many switches of kind.
 */
export const DENSE_AFTER_RUNS = 64

/** Runs of (first seq, kind id, first row), in seq order, and the dense chunks. */
export class RunIndex {
  /**
   * @internal First seq (strictly increasing), first row and kind id of each run, in plain
   * typed arrays doubled when full (amortised O(1) per run).
   */
  seqs = new Uint32Array(64)
  rows = new Uint32Array(64)
  kinds = new Uint8Array(64)
  /** Number of runs. */
  count = 0
  /** @internal Per dense chunk: kind id and row of each of its seqs (undefined: a run chunk). */
  readonly denseKinds: (Uint8Array | undefined)[] = []
  readonly denseRows: (Uint32Array | undefined)[] = []
  /** The run the last lookup found: sequential readers hit it or the next one. */
  private cached = 0
  /** The seq chunk the last opened run began in, and the index of its first run in that chunk. */
  private noteChunk = -1
  private noteChunkFirstRun = 0
  /** Per full dense chunk: whether it switched kind often (decided when the next chunk opens). */
  private readonly denseSwitches: boolean[] = []

  /**
   * Records that the event `seq` (the next seq of the log, in a run chunk) is row `row` of kind
   * `kind`: it extends the last run when that run is of the same kind and `row` follows its rows,
   * else opens a run.
   */
  note(kind: number, seq: number, row: number): void {
    const last = this.count - 1
    if (
      last >= 0 &&
      this.kinds[last] === kind &&
      (this.rows[last] as number) + (seq - (this.seqs[last] as number)) === row
    ) {
      return
    }
    this.push(seq, kind, row)
    const chunk = seq >>> CHUNK_BITS
    if (chunk !== this.noteChunk) {
      this.noteChunk = chunk
      this.noteChunkFirstRun = this.count - 1
    }
  }

  /**
   * Records `count` events from `seq` (the next seq of the log) as rows `row…` of `kind`, in
   * whichever form each chunk they cross has (the path of everything but the appenders).
   */
  noteRange(kind: number, seq: number, row: number, count: number): void {
    let at = seq
    let nextRow = row
    let left = count
    while (left > 0) {
      const chunk = at >>> CHUNK_BITS
      const offset = at & CHUNK_MASK
      const step = Math.min(left, CHUNK_SIZE - offset)
      const kinds = this.denseKinds[chunk]
      if (kinds === undefined) {
        this.note(kind, at, nextRow)
      } else {
        const rows = this.denseRows[chunk] as Uint32Array
        kinds.fill(kind, offset, offset + step)
        for (let index = 0; index < step; index++) rows[offset + index] = nextRow + index
      }
      at += step
      nextRow += step
      left -= step
    }
  }

  /**
   * Writes the kind id of every event of `[from, to)` (seqs of the log) into `into` from index 0:
   * a dense chunk's kinds copied, a run's kind filled (the binary encoder's read of a block).
   */
  kindsInto(from: number, to: number, into: Uint8Array): void {
    let seq = from
    while (seq < to) {
      const chunk = seq >>> CHUNK_BITS
      const chunkEnd = Math.min(to, (chunk + 1) << CHUNK_BITS)
      const dense = this.denseKinds[chunk]
      if (dense !== undefined) {
        const offset = seq & CHUNK_MASK
        into.set(dense.subarray(offset, offset + chunkEnd - seq), seq - from)
        seq = chunkEnd
        continue
      }
      for (let run = this.runOf(seq); seq < chunkEnd; run++) {
        const next = run + 1 < this.count ? Math.min(this.seqs[run + 1] as number, chunkEnd) : chunkEnd
        into.fill(this.kinds[run] as number, seq - from, next - from)
        seq = next
      }
    }
  }

  /** True when the chunk holding `seq` is dense. */
  isDense(seq: number): boolean {
    return this.denseKinds[seq >>> CHUNK_BITS] !== undefined
  }

  /**
   * True when the chunk holding `seq` (a run chunk; `seq` the next seq of the log) should turn
   * dense now: many runs opened in it already, or the chunk before was dense and switched often.
   */
  wantsDense(seq: number): boolean {
    const chunk = seq >>> CHUNK_BITS
    if (chunk === this.noteChunk && this.count - this.noteChunkFirstRun >= DENSE_AFTER_RUNS) return true
    if (chunk === 0 || this.denseKinds[chunk - 1] === undefined) return false
    return this.switchedOften(chunk - 1)
  }

  /**
   * Turns the chunk holding `seq` dense: its events so far (before `seq`, the next seq of the
   * log) are copied from their runs into the per-event arrays, and those runs give way to the
   * chunk's marker run (a run begun in the chunk before keeps its start and now ends there).
   */
  makeDense(seq: number): void {
    const chunk = seq >>> CHUNK_BITS
    const start = chunk << CHUNK_BITS
    const kinds = new Uint8Array(CHUNK_SIZE)
    const rows = new Uint32Array(CHUNK_SIZE)
    let keep = this.count
    if (this.count > 0 && seq > start) {
      let run = this.runOf(start)
      keep = (this.seqs[run] as number) < start ? run + 1 : run
      for (; run < this.count; run++) {
        const first = this.seqs[run] as number
        const from = Math.max(first, start)
        const to = run + 1 < this.count ? Math.min(this.seqs[run + 1] as number, seq) : seq
        const kind = this.kinds[run] as number
        const firstRow = this.rows[run] as number
        for (let at = from; at < to; at++) {
          kinds[at - start] = kind
          rows[at - start] = firstRow + (at - first)
        }
      }
    }
    this.count = keep
    this.cached = 0
    this.push(start, DENSE_KIND, 0)
    this.noteChunk = -1
    this.denseKinds[chunk] = kinds
    this.denseRows[chunk] = rows
  }

  /** The run holding `seq`; `seq` must be a seq of the log (0 ≤ seq < length). */
  runOf(seq: number): number {
    const seqs = this.seqs
    const count = this.count
    const cached = this.cached
    if (cached < count && (seqs[cached] as number) <= seq) {
      if (cached + 1 >= count || (seqs[cached + 1] as number) > seq) return cached
      if (cached + 2 >= count || (seqs[cached + 2] as number) > seq) {
        this.cached = cached + 1
        return cached + 1
      }
    }
    // Binary search for the last run whose first seq is ≤ seq.
    let low = 0
    let high = count - 1
    while (low < high) {
      const middle = (low + high + 1) >>> 1
      if ((seqs[middle] as number) <= seq) low = middle
      else high = middle - 1
    }
    this.cached = low
    return low
  }

  /** Kind id of the event at `seq` (a seq of the log). */
  kindOf(seq: number): number {
    const kind = this.kinds[this.runOf(seq)] as number
    return kind === DENSE_KIND
      ? ((this.denseKinds[seq >>> CHUNK_BITS] as Uint8Array)[seq & CHUNK_MASK] as number)
      : kind
  }

  /** Row of the event at `seq` (a seq of the log) in its kind's store. */
  rowOf(seq: number): number {
    const run = this.runOf(seq)
    if (this.kinds[run] === DENSE_KIND) {
      return (this.denseRows[seq >>> CHUNK_BITS] as Uint32Array)[seq & CHUNK_MASK] as number
    }
    return (this.rows[run] as number) + (seq - (this.seqs[run] as number))
  }

  /** First seq of run `run`. */
  firstSeq(run: number): number {
    return this.seqs[run] as number
  }

  /** Kind id of run `run` ({@link DENSE_KIND} for a dense chunk's marker). */
  kind(run: number): number {
    return this.kinds[run] as number
  }

  /** Row of the first event of run `run`. */
  firstRow(run: number): number {
    return this.rows[run] as number
  }

  /** Bytes allocated by the run table and the dense chunks (by capacity). */
  byteLength(): number {
    let bytes = this.seqs.byteLength + this.rows.byteLength + this.kinds.byteLength
    for (const kinds of this.denseKinds) bytes += kinds === undefined ? 0 : kinds.byteLength * 5
    return bytes
  }

  /**
   * True when the (full) dense chunk `chunk` switched kind at least DENSE_AFTER_RUNS times
   * between consecutive events, decided once. The scan stops at that many switches: a machine
   * trace reaches them within its first few hundred events, and scanning all 64 Ki of them
   * took ~1 % of a recorded run (this runs once per chunk, too rarely to be optimised).
   */
  private switchedOften(chunk: number): boolean {
    const known = this.denseSwitches[chunk]
    if (known !== undefined) return known
    const kinds = this.denseKinds[chunk] as Uint8Array
    let switches = 0
    for (let offset = 1; offset < CHUNK_SIZE && switches < DENSE_AFTER_RUNS; offset++) {
      if (kinds[offset] !== kinds[offset - 1]) switches++
    }
    const often = switches >= DENSE_AFTER_RUNS
    this.denseSwitches[chunk] = often
    return often
  }

  private push(seq: number, kind: number, row: number): void {
    if (this.count === this.seqs.length) this.double()
    this.seqs[this.count] = seq
    this.rows[this.count] = row
    this.kinds[this.count] = kind
    this.count++
  }

  private double(): void {
    const capacity = this.seqs.length * 2
    const seqs = new Uint32Array(capacity)
    seqs.set(this.seqs)
    this.seqs = seqs
    const rows = new Uint32Array(capacity)
    rows.set(this.rows)
    this.rows = rows
    const kinds = new Uint8Array(capacity)
    kinds.set(this.kinds)
    this.kinds = kinds
  }
}
