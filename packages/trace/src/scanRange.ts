// Forward and backward scans over a log with a predicate, reading high-volume rows through
// reusable read-only views (no allocation per event). The scans are internal to @ntmm/trace; the
// view reader is exported for consumers' own loops.
import { CHUNK_BITS, CHUNK_MASK } from './columnStore.js'
import { RowView } from './rowView.js'
import type { TraceLog } from './traceLog.js'
import type { TraceEventBase } from './traceSchema.js'

/** A predicate over events; `event` is a view valid only during the call. */
export type EventPredicate<E extends TraceEventBase> = (event: Readonly<E>, seq: number) => boolean

/**
 * A reader of events by seq for a loop over many of them: `read(seq)` returns the event at `seq`
 * (a seq of the log) as a read-only view that the next call of `read` re-points (one view per
 * kind, no allocation per event; copy what must outlive the call). Low-volume events come as
 * their frozen objects.
 */
export function viewReader<E extends TraceEventBase>(log: TraceLog<E>): (seq: number) => Readonly<E> {
  const views: (RowView | undefined)[] = log.stores.map((store) => store?.view(0))
  return (seq) => {
    const kindId = log.kindAt(seq)
    const row = log.rowAt(seq)
    const store = log.stores[kindId]
    if (store === undefined) return log.objects[row] as Readonly<E>
    const view = views[kindId] as RowView
    // A kind without fields has arrays for its first row chunk only.
    RowView.setArrays(view, store.chunkArrays[row >>> CHUNK_BITS] ?? [])
    RowView.setRow(view, row & CHUNK_MASK)
    return view as unknown as Readonly<E>
  }
}

/** The first seq in `[from, to)` whose event matches, or -1. */
export function scanForward<E extends TraceEventBase>(
  log: TraceLog<E>,
  from: number,
  to: number,
  predicate: EventPredicate<E>,
): number {
  const read = viewReader(log)
  const end = Math.min(to, log.length)
  for (let seq = Math.max(0, from); seq < end; seq++) if (predicate(read(seq), seq)) return seq
  return -1
}

/** The last seq in `[from, to)` whose event matches, or -1. */
export function scanBackward<E extends TraceEventBase>(
  log: TraceLog<E>,
  from: number,
  to: number,
  predicate: EventPredicate<E>,
): number {
  const read = viewReader(log)
  const start = Math.max(0, from)
  for (let seq = Math.min(to, log.length) - 1; seq >= start; seq--) if (predicate(read(seq), seq)) return seq
  return -1
}
