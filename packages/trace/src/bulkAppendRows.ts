// The bulk append path of the trace log, `TraceLog.appendRows`: a producer staging rows of one
// high-volume kind in its own typed arrays flushes them here, and they are copied into the
// kind's columns at memory speed. Not the per-event hot path (kindAppender.ts): one call per
// batch.
import { CHUNK_SIZE, type ChunkedColumn, type ColumnArray } from './columnStore.js'
import type { RunIndex } from './runIndex.js'
import type { KindInfo } from './traceSchema.js'

/** `NO_CAUSE` of traceLog.ts (which imports this file, so it cannot be imported from there). */
const NO_CAUSE = -1

/** What the bulk path uses of the log (a TraceLog). @internal */
export interface BulkAppendLog {
  /** Number of events (the seq of the first appended row). */
  readonly length: number
  /** The length when no appender owns the open run. */
  settled: number
  /** The seq index. */
  readonly runs: RunIndex
  /** Takes the open run back from its appender, if any. */
  settle(): void
  /** Throws a RangeError unless `cause` is NO_CAUSE or an earlier seq than `seq`. */
  checkCause(cause: number, seq: number): void
  /** Records `cause` for `seq`. */
  writeCause(seq: number, cause: number): void
}

/** What the bulk path uses of a high-volume kind's storage (a KindStore). @internal */
export interface BulkAppendStore {
  /** Rows stored. */
  rowCount: number
  /** One column per field, in declaration order. */
  readonly columns: readonly ChunkedColumn[]
  /** Makes room for row `rowCount`; returns its offset in the current chunk. */
  grow(): number
}

/** The rows given to `TraceLog.appendRows`. @internal */
export interface RowColumns {
  readonly count: number
  readonly columns: Readonly<Record<string, ArrayLike<number>>>
  readonly causes?: ArrayLike<number>
}

/**
 * `TraceLog.appendRows` once its kind is known (`store` is the kind's storage): checks the count,
 * the columns and the causes, then appends the rows. @internal
 * @returns the seq of the first appended row.
 * @throws RangeError for a bad count, a missing or short column or a cause that is not earlier
 *   than its event (nothing is appended then).
 */
export function bulkAppendRows(
  log: BulkAppendLog,
  kind: KindInfo,
  store: BulkAppendStore,
  rows: RowColumns,
): number {
  const { count, causes } = rows
  if (!(Number.isInteger(count) && count >= 0))
    throw new RangeError(`TraceLog.appendRows: count ${count} is invalid`)
  const sources = kind.fields.map((field) => {
    const source = rows.columns[field.name]
    if (source === undefined || source.length < count) {
      throw new RangeError(`TraceLog.appendRows: column '${field.name}' is missing or shorter than ${count}`)
    }
    return source
  })
  const first = log.length
  if (causes !== undefined) {
    if (causes.length < count) throw new RangeError(`TraceLog.appendRows: causes is shorter than ${count}`)
    for (let index = 0; index < count; index++) log.checkCause(causes[index] as number, first + index)
  }
  if (count === 0) return first
  writeRows(log, kind.id, store, sources, 0, count, causes, 0)
  return first
}

/** Writes `count` rows (from `from` in each source) and their causes; `count` ≥ 1. */
function writeRows(
  log: BulkAppendLog,
  kindId: number,
  store: BulkAppendStore,
  sources: readonly ArrayLike<number>[],
  from: number,
  count: number,
  causes: ArrayLike<number> | undefined,
  causeFrom: number,
): void {
  log.settle()
  // The rows follow each other, so the whole batch is (at most) one new run per chunk.
  log.runs.noteRange(kindId, log.settled, store.rowCount, count)
  let done = 0
  while (done < count) {
    const seq = log.settled
    const rowOffset = store.grow()
    const chunkRows = store.columns[0]?.current.length ?? CHUNK_SIZE
    const step = Math.min(count - done, chunkRows - rowOffset)
    const start = from + done
    store.columns.forEach((column, index) => {
      const source = sources[index] as ArrayLike<number>
      const target = column.current
      if (step > 16 && ArrayBuffer.isView(source)) {
        target.set((source as unknown as ColumnArray).subarray(start, start + step), rowOffset)
      } else {
        for (let item = 0; item < step; item++) target[rowOffset + item] = source[start + item] as number
      }
    })
    if (causes !== undefined) {
      for (let item = 0; item < step; item++) {
        const cause = causes[causeFrom + done + item] as number
        if (cause !== NO_CAUSE) log.writeCause(seq + item, cause)
      }
    }
    store.rowCount += step
    log.settled = seq + step
    done += step
  }
}
