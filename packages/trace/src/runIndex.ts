// The seq index of the trace log, run-length encoded: consecutive events of one kind whose rows
// follow each other form a run, recorded once as (first seq, kind, first row). A high-volume
// producer appending thousands of accesses in a row adds one run, not one index entry per event,
// so its append path writes only its fields. Reading a seq is a binary search over the runs (with
// a cache of the last run found, so sequential scans cost O(1) per event). Internal to @ntmm/trace.

/** Runs of (first seq, kind id, first row), in seq order; run `r` ends where run `r + 1` begins. */
export class RunIndex {
  /**
   * @internal First seq (strictly increasing), first row and kind id of each run, in plain
   * typed arrays doubled when full (amortised O(1) per run; one array type per field keeps this
   * code monomorphic, which matters because kinds that alternate push a run per event).
   */
  seqs = new Uint32Array(64)
  rows = new Uint32Array(64)
  kinds = new Uint8Array(64)
  /** Number of runs. */
  count = 0
  /** The run the last lookup found: sequential readers hit it or the next one. */
  private cached = 0

  /**
   * Records that the event `seq` (the next seq of the log) is row `row` of kind `kind`: it extends
   * the last run when that run is of the same kind and `row` follows its rows, else opens a run.
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
    if (this.count === this.seqs.length) this.double()
    this.seqs[this.count] = seq
    this.rows[this.count] = row
    this.kinds[this.count] = kind
    this.count++
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

  /** First seq of run `run`. */
  firstSeq(run: number): number {
    return this.seqs[run] as number
  }

  /** Kind id of run `run`. */
  kind(run: number): number {
    return this.kinds[run] as number
  }

  /** Row of the first event of run `run`. */
  firstRow(run: number): number {
    return this.rows[run] as number
  }

  /** Bytes allocated by the run table (by capacity). */
  byteLength(): number {
    return this.seqs.byteLength + this.rows.byteLength + this.kinds.byteLength
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
