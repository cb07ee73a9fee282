// The replay loop shared by the timeline, cursors and verify, and exported for consumers that
// rebuild a state from a log themselves: applies events [from, to) of a log to a state, reading
// high-volume rows through reusable read-only views (or, when the model has `applyRows`, handing
// whole runs of the run index straight from the columns): no object per high-volume event.
import { CHUNK_BITS, CHUNK_MASK, CHUNK_SIZE, type ColumnArray } from './columnStore.js'
import { RowView } from './rowView.js'
import { DENSE_KIND } from './runIndex.js'
import type { RowBatch, TraceLog } from './traceLog.js'
import type { TraceModel } from './traceModel.js'
import type { TraceEventBase } from './traceSchema.js'

const NO_COLUMNS: Readonly<Record<string, ColumnArray>> = Object.freeze({})

interface MutableBatch {
  type: string
  columns: Readonly<Record<string, ColumnArray>>
  start: number
  end: number
}

/**
 * Applies events `[from, to)` of `log` to `state` with `model`; returns the resulting state.
 * High-volume events reach `model.apply` as a read-only view that is re-pointed from row to row
 * (valid only during the call), or whole runs reach `model.applyRows`.
 */
export function replayRange<S, E extends TraceEventBase, C, Snap>(
  log: TraceLog<E>,
  model: TraceModel<S, E, C, Snap>,
  state: S,
  from: number,
  to: number,
): S {
  const stores = log.stores
  const objects = log.objects
  const views: (RowView | undefined)[] = stores.map((store) => store?.view(0))
  const viewChunks: number[] = stores.map(() => -1)
  const batches: MutableBatch[] = stores.map((store) => ({
    type: store?.kind.type ?? '',
    columns: {},
    start: 0,
    end: 0,
  }))
  const applyRows = model.applyRows
  const runs = log.runs
  const length = log.length
  let seq = from
  while (seq < to) {
    // Walk the run index: each run is events [first seq, next run's first seq) of one kind with
    // consecutive rows, so a run (cut at row-chunk ends) is exactly one applyRows batch.
    const run = runs.runOf(seq)
    const runStart = runs.firstSeq(run)
    let runEnd = Math.min(to, run + 1 < runs.count ? runs.firstSeq(run + 1) : length)
    let kindId = runs.kind(run)
    let row: number
    if (kindId === DENSE_KIND) {
      // A dense chunk: the stretch of one kind from `seq` (its rows follow each other).
      const chunk = seq >>> CHUNK_BITS
      const kinds = runs.denseKinds[chunk] as Uint8Array
      const rows = runs.denseRows[chunk] as Uint32Array
      const base = chunk << CHUNK_BITS
      const limit = Math.min(runEnd, base + CHUNK_SIZE)
      kindId = kinds[seq - base] as number
      row = rows[seq - base] as number
      let end = seq + 1
      while (end < limit && kinds[end - base] === kindId && rows[end - base] === row + (end - seq)) end++
      runEnd = end
    } else {
      row = runs.firstRow(run) + (seq - runStart)
    }
    const store = stores[kindId]
    if (store === undefined) {
      for (; seq < runEnd; seq++, row++) state = model.apply(state, objects[row] as Readonly<E>)
    } else if (applyRows !== undefined) {
      const batch = batches[kindId] as MutableBatch
      while (seq < runEnd) {
        const rowOffset = row & CHUNK_MASK
        const step = Math.min(runEnd - seq, CHUNK_SIZE - rowOffset)
        // A kind without fields has arrays for its first row chunk only.
        batch.columns = store.chunkRecords[row >>> CHUNK_BITS] ?? NO_COLUMNS
        batch.start = rowOffset
        batch.end = rowOffset + step
        state = applyRows.call(model, state, batch as RowBatch)
        seq += step
        row += step
      }
    } else {
      const view = views[kindId] as RowView
      for (; seq < runEnd; seq++, row++) {
        const rowChunk = row >>> CHUNK_BITS
        if (viewChunks[kindId] !== rowChunk) {
          RowView.setArrays(view, store.chunkArrays[rowChunk] ?? [])
          viewChunks[kindId] = rowChunk
        }
        RowView.setRow(view, row & CHUNK_MASK)
        state = model.apply(state, view as unknown as Readonly<E>)
      }
    }
  }
  return state
}
