// Exporting a trace file for Perfetto or chrome://tracing without loading it: two streaming passes
// over the file. The first keeps one bit per event, whether some later event names it as its
// cause (the flows need to know it when the cause is written, before its effects are read); the
// second decodes the events again, block by block, and encodes them as they come. Memory is that
// bitset (1/8 byte per event) and one block, whatever the trace's length. No NT counterpart.
import { encodeChromeTrace } from './chromeTraceExport.js'
import { encodePerfettoTrace } from './perfettoExport.js'
import { fileItems } from './traceFile.js'
import { TraceFormatError } from './traceFormatError.js'
import type { TraceHeader } from './traceHeader.js'
import type { TraceEntry } from './traceLog.js'
import type { TraceEventBase, TraceSchema } from './traceSchema.js'
import type { TrackMapping } from './trackMapping.js'

/** The cause bits of a trace file ({@link readCauseSet}). */
export interface FileCauseSet {
  readonly header: TraceHeader
  /** The events in the file. */
  readonly events: number
  /** Whether `seq` is the cause of some event, as `causeSet` answers for a loaded log. */
  readonly isCause: (seq: number) => boolean
}

/** A growable bitset: one bit per seq, doubled as seqs come. */
class SeqBits {
  #bits = new Uint8Array(1 << 16)
  set(seq: number): void {
    const byte = seq >>> 3
    if (byte >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.#bits.length * 2))
      grown.set(this.#bits)
      this.#bits = grown
    }
    this.#bits[byte] = (this.#bits[byte] as number) | (1 << (seq & 7))
  }
  has(seq: number): boolean {
    const byte = seq >>> 3
    return byte < this.#bits.length && ((this.#bits[byte] as number) & (1 << (seq & 7))) !== 0
  }
}

/**
 * Reads the trace at `path` once, streaming (either encoding), keeping only which seqs are some
 * event's cause. `onProgress` gets the events and bytes read so far.
 * @throws TraceFormatError naming the file when it is unreadable, corrupt or truncated.
 */
export async function readCauseSet<E extends TraceEventBase>(
  path: string,
  schema: TraceSchema<E>,
  options: { readonly onProgress?: (events: number, bytes: number) => void } = {},
): Promise<FileCauseSet> {
  const bits = new SeqBits()
  let header: TraceHeader | undefined
  let events = 0
  const progress = options.onProgress ? { onProgress: options.onProgress } : {}
  for await (const item of fileItems(path, schema, progress, 'causes')) {
    if (item.item === 'header') header = item.header
    else if (item.item === 'causes') {
      const { causes, count } = item
      for (let index = 0; index < count; index++) {
        const cause = causes[index] as number
        if (cause >= 0) bits.set(cause)
      }
      events += count
    } else if (item.item === 'event') {
      if (item.entry.cause !== undefined) bits.set(item.entry.cause)
      events++
    }
  }
  if (header === undefined) throw new TraceFormatError({ file: path, reason: 'the file has no header' })
  const total = events
  return { header, events: total, isCause: (seq) => seq >= 0 && seq < total && bits.has(seq) }
}

/**
 * The events of the trace at `path`, streamed a batch at a time: a binary file's blocks (up to
 * 2^20 events each), a JSON Lines file's lines 4096 at a time.
 */
export async function* streamTraceEntries<E extends TraceEventBase>(
  path: string,
  schema: TraceSchema<E>,
): AsyncGenerator<readonly TraceEntry<E>[]> {
  let batch: TraceEntry<E>[] = []
  for await (const item of fileItems(path, schema, {}, true)) {
    if (item.item === 'block') yield item.entries()
    else if (item.item === 'event') {
      batch.push(item.entry)
      if (batch.length >= 4096) {
        yield batch
        batch = []
      }
    }
  }
  if (batch.length > 0) yield batch
}

/** Options of {@link exportTraceFileChunks}. */
export interface TraceFileExportOptions<E extends TraceEventBase> {
  readonly schema: TraceSchema<E>
  readonly format: 'perfetto' | 'chrome'
  /** The track mapping, made from the file's header (e.g. from its config). */
  readonly mapFor: (header: TraceHeader) => TrackMapping<E>
  readonly nsPerEvent?: number
  /** The first pass (finding the causes) as it reads: events and bytes read so far. */
  readonly onCauseProgress?: (events: number, bytes: number) => void
  /** Once the first pass is done: the file's header and its events, before any chunk is made. */
  readonly onCausesRead?: (header: TraceHeader, events: number) => void
  /** The second pass as it writes: events exported so far. */
  readonly onProgress?: (events: number) => void
}

/**
 * The Perfetto protobuf (or Chrome JSON) of the trace at `path`, the same bytes as encoding its
 * loaded log with `causeSet`, in bounded memory ({@link readCauseSet}, then the events streamed).
 * @throws TraceFormatError (rejecting the iteration) when the file is unreadable or corrupt.
 */
export async function* exportTraceFileChunks<E extends TraceEventBase>(
  path: string,
  options: TraceFileExportOptions<E>,
): AsyncGenerator<Uint8Array> {
  const causes = await readCauseSet(
    path,
    options.schema,
    options.onCauseProgress ? { onProgress: options.onCauseProgress } : {},
  )
  options.onCausesRead?.(causes.header, causes.events)
  const encodeOptions = {
    map: options.mapFor(causes.header),
    isCause: causes.isCause,
    ...(options.nsPerEvent === undefined ? {} : { nsPerEvent: options.nsPerEvent }),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  }
  const entries = { batches: streamTraceEntries(path, options.schema) }
  yield* options.format === 'chrome'
    ? encodeChromeTrace(entries, encodeOptions)
    : encodePerfettoTrace(entries, encodeOptions)
}
