// The consumer's state model: how the trace machinery builds, advances, rewinds, saves and
// fingerprints the consumer's state. One small interface; the trace package knows nothing else
// about the state (in the manner of a Redux reducer plus DevTools' snapshot hooks).
import type { RowBatch } from './traceLog.js'
import type { TraceEventBase } from './traceSchema.js'

/**
 * A consumer's state model for events `E`, state `S`, configuration `C`, checkpoint `Snap`.
 *
 * Two styles are supported:
 * - immutable state (`apply` returns a new state, never changes its input): `checkpoint` and
 *   `restore` may be the identity;
 * - mutable state (`apply` changes the state in place and returns it, for hardware-like typed
 *   arrays): `checkpoint` must return an independent copy and `restore` must return a fresh
 *   state that does not alias the snapshot (the snapshot is reused for later restores).
 */
export interface TraceModel<S, E extends TraceEventBase, C = unknown, Snap = S> {
  /** The state before event 0, for `config`. Must return a fresh state on every call. */
  initial(config: C): S
  /**
   * Applies one event. `event` may be a read-only view valid only during the call: copy what
   * you keep. Must be deterministic (same state and event → same result).
   */
  apply(state: S, event: Readonly<E>): S
  /**
   * Optional fast path: applies a run of high-volume rows straight from their columns, equal in
   * effect to calling `apply` on each row in order.
   */
  applyRows?(state: S, rows: RowBatch): S
  /**
   * Optional: reverts `event`, the last event applied to `state`, using the old values the event
   * carries. Returns undefined (changing nothing) when this event cannot be undone; the timeline
   * then restores a checkpoint instead.
   */
  undo?(state: S, event: Readonly<E>): S | undefined
  /** A snapshot of `state` that later changes to `state` do not affect. */
  checkpoint(state: S): Snap
  /** A state equal to the one `snapshot` was taken from, which the caller may change freely. */
  restore(snapshot: Snap): S
  /** A stable fingerprint of the state: equal states give equal digests, in any process. */
  digest(state: S): string
  /** Optional estimate of a snapshot's size in bytes, for the checkpoint memory budget. */
  snapshotBytes?(snapshot: Snap): number
}
