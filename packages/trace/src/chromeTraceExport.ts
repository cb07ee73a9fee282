// Export to the Chrome Trace Event JSON format (chrome://tracing, and Perfetto's best-effort
// JSON importer): fine for small traces; prefer the Perfetto protobuf export for large ones.
import type { TraceEventBase } from './traceSchema.js'
import { batchesOf, type ExportEntries, type TrackExportOptions, trackItems } from './trackMapping.js'

/** Encodes entries as a Chrome trace JSON document, streamed in UTF-8 chunks. */
export async function* encodeChromeTrace<E extends TraceEventBase>(
  entries: ExportEntries<E>,
  options: TrackExportOptions<E>,
): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder()
  const microsPerEvent = (options.nsPerEvent ?? 1000) / 1000
  const tracks = new Map<string, number>()
  let buffer = '{"displayTimeUnit":"ns","traceEvents":['
  let first = true
  const push = (record: object): void => {
    buffer += (first ? '\n' : ',\n') + JSON.stringify(record)
    first = false
  }
  let count = 0
  for await (const batch of batchesOf(entries))
    for (const entry of batch) {
      const ts = entry.seq * microsPerEvent
      for (const item of trackItems(options.map(entry))) {
        let tid = tracks.get(item.track)
        if (tid === undefined) {
          tid = tracks.size + 1
          tracks.set(item.track, tid)
          push({ name: 'thread_name', ph: 'M', pid: 1, tid, args: { name: item.track } })
        }
        if (item.kind === 'counter')
          push({ name: item.track, ph: 'C', ts, pid: 1, tid, args: { value: item.value } })
        else if (item.kind === 'end') push({ ph: 'E', ts, pid: 1, tid })
        else
          push({
            name: item.name,
            ph: item.kind === 'begin' ? 'B' : 'i',
            s: 't',
            ts,
            pid: 1,
            tid,
            args: item.args ?? {},
          })
        if (item.kind !== 'counter' && item.kind !== 'end') {
          if (options.isCause?.(entry.seq) === true)
            push({ name: 'cause', cat: 'cause', ph: 's', id: entry.seq, ts, pid: 1, tid })
          if (entry.cause !== undefined && options.isCause !== undefined) {
            push({ name: 'cause', cat: 'cause', ph: 'f', bp: 'e', id: entry.cause, ts, pid: 1, tid })
          }
        }
      }
      count++
      if ((count & 0xffff) === 0) options.onProgress?.(count)
      if (buffer.length >= 1 << 16) {
        yield encoder.encode(buffer)
        buffer = ''
      }
    }
  buffer += '\n]}\n'
  yield encoder.encode(buffer)
  options.onProgress?.(count)
}
