// How a consumer maps its events onto timeline tracks for export to standard viewers
// (Perfetto, chrome://tracing): instants, slices (begin/end), counters; flows come from `cause`.
import type { TraceEntry, TraceLog } from './traceLog.js'
import type { TraceEventBase } from './traceSchema.js'

/** A value shown as an argument of a slice or instant. */
export type TrackArgument = number | string | boolean

/** One thing to draw for an event. `track` names the track (created on first use). */
export type TrackItem =
  | {
      readonly kind: 'instant' | 'begin'
      readonly track: string
      readonly name: string
      readonly args?: Readonly<Record<string, TrackArgument>>
    }
  | { readonly kind: 'end'; readonly track: string }
  | { readonly kind: 'counter'; readonly track: string; readonly value: number }

/** Maps an entry to what to draw (nothing, one item or several). */
export type TrackMapping<E extends TraceEventBase> = (
  entry: TraceEntry<E>,
) => TrackItem | readonly TrackItem[] | undefined

/** Options shared by the exporters. */
export interface TrackExportOptions<E extends TraceEventBase> {
  readonly map: TrackMapping<E>
  /** Timestamp spacing: event `seq` is drawn at `seq * nsPerEvent` nanoseconds (default 1000). */
  readonly nsPerEvent?: number
  /**
   * Which seqs are the cause of some later event; those events start a flow that their effects
   * continue (Perfetto links events sharing a flow id in time order). Without it, no flows.
   */
  readonly isCause?: (seq: number) => boolean
  /** Called as the export advances, with the events written so far. */
  readonly onProgress?: (events: number) => void
}

/** A bitset of the seqs that are some event's cause, for `isCause` (1 bit per event). */
export function causeSet<E extends TraceEventBase>(log: TraceLog<E>): (seq: number) => boolean {
  const bits = new Uint8Array((log.length >>> 3) + 1)
  for (let seq = 0; seq < log.length; seq++) {
    const cause = log.causeOf(seq)
    if (cause !== undefined) bits[cause >>> 3] = (bits[cause >>> 3] as number) | (1 << (cause & 7))
  }
  return (seq) => seq >= 0 && seq < log.length && ((bits[seq >>> 3] as number) & (1 << (seq & 7))) !== 0
}

/**
 * Entries handed to an exporter a batch at a time (e.g. a file's blocks): the exporter awaits once
 * a batch, not once an event (an await per event costs more than encoding the event).
 */
export interface TraceEntryBatches<E extends TraceEventBase> {
  readonly batches: AsyncIterable<Iterable<TraceEntry<E>>>
}

/** What an exporter reads: entries (sync or async), or batches of them. */
export type ExportEntries<E extends TraceEventBase> =
  | Iterable<TraceEntry<E>>
  | AsyncIterable<TraceEntry<E>>
  | TraceEntryBatches<E>

/** `entries` as batches: a sync iterable is one batch, an async one a batch per entry. */
export async function* batchesOf<E extends TraceEventBase>(
  entries: ExportEntries<E>,
): AsyncGenerator<Iterable<TraceEntry<E>>> {
  if ('batches' in entries) yield* entries.batches
  else if (Symbol.iterator in entries) yield entries
  else for await (const entry of entries) yield [entry]
}

/** Normalises a mapping result to an array. */
export function trackItems(result: TrackItem | readonly TrackItem[] | undefined): readonly TrackItem[] {
  if (result === undefined) return []
  return Array.isArray(result) ? (result as readonly TrackItem[]) : [result as TrackItem]
}
