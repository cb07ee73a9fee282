// The replay loop shared by the timeline, cursors and verify: applies events [from, to) of a log
// to a state, reading high-volume rows through reusable read-only views (or, when the model has
// `applyRows`, handing whole runs of rows straight from the columns). Internal to @ntmm/trace.
import { CHUNK_BITS, CHUNK_MASK, CHUNK_SIZE, type ColumnArray } from './columnStore.js'
import { RowView } from './rowView.js'
import type { RowBatch, TraceLog } from './traceLog.js'
import type { TraceModel } from './traceModel.js'
import type { TraceEventBase } from './traceSchema.js'

interface MutableBatch {
  type: string
  columns: Readonly<Record<string, ColumnArray>>
  start: number
  end: number
}

/** Applies events `[from, to)` of `log` to `state` with `model`; returns the resulting state. */
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
  let seq = from
  while (seq < to) {
    const chunk = seq >>> CHUNK_BITS
    const chunkStart = chunk * CHUNK_SIZE
    const kinds = log.kinds.chunks[chunk] as Uint8Array
    const rows = log.rows.chunks[chunk] as Uint32Array
    const words = applyRows === undefined ? undefined : kindWords(kinds)
    let offset = seq - chunkStart
    const end = Math.min(to - chunkStart, CHUNK_SIZE)
    while (offset < end) {
      const kindId = kinds[offset] as number
      const row = rows[offset] as number
      const store = stores[kindId]
      if (store === undefined) {
        state = model.apply(state, objects[row] as Readonly<E>)
        offset++
      } else if (applyRows !== undefined) {
        // Consecutive events of one kind have consecutive rows: a run ends where the kind
        // changes or the row chunk ends. Kinds are compared four at a time.
        const rowOffset = row & CHUNK_MASK
        const limit = Math.min(end, offset + (CHUNK_SIZE - rowOffset))
        const last = runEnd(kinds, words as Uint32Array, kindId, offset + 1, limit)
        const batch = batches[kindId] as MutableBatch
        batch.columns = store.chunkRecords[row >>> CHUNK_BITS] as Record<string, ColumnArray>
        batch.start = rowOffset
        batch.end = rowOffset + (last - offset)
        state = applyRows.call(model, state, batch as RowBatch)
        offset = last
      } else {
        const view = views[kindId] as RowView
        const rowChunk = row >>> CHUNK_BITS
        if (viewChunks[kindId] !== rowChunk) {
          RowView.setArrays(view, store.chunkArrays[rowChunk] as ColumnArray[])
          viewChunks[kindId] = rowChunk
        }
        RowView.setRow(view, row & CHUNK_MASK)
        state = model.apply(state, view as unknown as Readonly<E>)
        offset++
      }
    }
    seq = chunkStart + offset
  }
  return state
}

const wordViews = new WeakMap<Uint8Array, Uint32Array>()

/** A Uint32Array over the same bytes as a kinds chunk (chunk lengths are multiples of 4). */
function kindWords(kinds: Uint8Array): Uint32Array {
  let words = wordViews.get(kinds)
  if (words === undefined) {
    words = new Uint32Array(kinds.buffer, kinds.byteOffset, kinds.length >>> 2)
    wordViews.set(kinds, words)
  }
  return words
}

/** The first index in `[from, limit)` whose kind is not `kindId`, or `limit`. */
function runEnd(kinds: Uint8Array, words: Uint32Array, kindId: number, from: number, limit: number): number {
  let index = from
  while (index < limit && (index & 3) !== 0) {
    if (kinds[index] !== kindId) return index
    index++
  }
  const pattern = (kindId * 0x01010101) >>> 0
  while (index + 4 <= limit && words[index >>> 2] === pattern) index += 4
  while (index < limit && kinds[index] === kindId) index++
  return index
}
