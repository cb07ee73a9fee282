// The trace's structural invariants, checkable at any time: events are numbered densely from 0
// (seq = position), every event has a kind of the log's schema, and every cause points backwards
// (an event can only be caused by one recorded before it), so the causal graph is acyclic.
import type { TraceEntry, TraceLog } from './traceLog.js'
import type { TraceEventBase } from './traceSchema.js'

/**
 * Violations of the log's invariants among seqs `[from, log.length)` (all by default): a kind
 * outside the schema, an event whose `type` differs from its kind, a cause that is not an
 * earlier seq. Empty when sound. Reads only.
 */
export function checkTraceLog<E extends TraceEventBase>(
  log: TraceLog<E>,
  options: { readonly from?: number } = {},
): string[] {
  const problems: string[] = []
  const from = Math.max(0, Math.floor(options.from ?? 0))
  for (let seq = from; seq < log.length; seq++) {
    const type = log.typeAt(seq)
    if (type === undefined || log.schema.kind(type) === undefined) {
      problems.push(`seq ${seq}: kind ${log.kindAt(seq)} is not in the schema`)
      continue
    }
    if (log.view(seq)?.type !== type) problems.push(`seq ${seq}: event type differs from its kind ${type}`)
    const cause = log.causeOf(seq)
    if (cause !== undefined && !(Number.isInteger(cause) && cause >= 0 && cause < seq))
      problems.push(`seq ${seq}: cause ${cause} does not point backwards`)
  }
  return problems
}

/**
 * Violations among a stream of entries (e.g. decoded from a file): seqs dense from `first` (0 by
 * default) and causes pointing backwards. Empty when sound.
 */
export function checkTraceEntries<E extends TraceEventBase>(
  entries: Iterable<TraceEntry<E>>,
  options: { readonly first?: number } = {},
): string[] {
  const problems: string[] = []
  let expected = options.first ?? 0
  for (const { seq, cause } of entries) {
    if (seq !== expected) problems.push(`seq ${seq} where ${expected} was expected`)
    if (cause !== undefined && !(Number.isInteger(cause) && cause >= 0 && cause < seq))
      problems.push(`seq ${seq}: cause ${cause} does not point backwards`)
    expected = seq + 1
  }
  return problems
}
