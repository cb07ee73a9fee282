// Determinism checks: re-apply a trace and compare state digests at recorded checkpoints (the
// first divergent checkpoint is reported), and compare two event streams event by event.
import { replayRange } from './replayRange.js'
import type { ProgressCallback } from './timeline.js'
import type { TraceLog } from './traceLog.js'
import type { TraceModel } from './traceModel.js'
import type { TraceEventBase } from './traceSchema.js'

/** A state digest recorded after the first `seq` events. */
export interface DigestCheckpoint {
  readonly seq: number
  readonly digest: string
}

/**
 * Refuses recorded digests out of seq order or two at one seq (a caller's mistake: readers
 * refuse such files).
 */
export function checkCheckpointOrder(checkpoints: readonly DigestCheckpoint[], caller: string): void {
  for (let index = 1; index < checkpoints.length; index++) {
    const previous = (checkpoints[index - 1] as DigestCheckpoint).seq
    const seq = (checkpoints[index] as DigestCheckpoint).seq
    if (!(seq > previous))
      throw new RangeError(
        `${caller}: digests must be in ascending seq order, one a seq (seq ${seq} after ${previous})`,
      )
  }
}

/** Outcome of {@link verify}. */
export type VerifyResult =
  | { readonly ok: true; readonly checked: number }
  | {
      readonly ok: false
      /** The first checkpoint seq whose digest differs: the divergence lies in (lastAgreeingSeq, seq]. */
      readonly seq: number
      readonly expected: string
      readonly actual: string
      /** The last checkpoint that agreed (0 when none did: the initial state is checked too). */
      readonly lastAgreeingSeq: number
    }

/** Digests of the state after every `every` events (and at 0 and the end) of a log. */
export function recordDigests<S, E extends TraceEventBase, C, Snap>(
  log: TraceLog<E>,
  model: TraceModel<S, E, C, Snap>,
  config: C,
  every: number,
): DigestCheckpoint[] {
  if (!(Number.isInteger(every) && every >= 1))
    throw new RangeError(`recordDigests: every ${every} must be ≥ 1`)
  let state = model.initial(config)
  const digests: DigestCheckpoint[] = [{ seq: 0, digest: model.digest(state) }]
  for (let seq = 0; seq < log.length; ) {
    const next = Math.min(log.length, seq + every)
    state = replayRange(log, model, state, seq, next)
    seq = next
    digests.push({ seq, digest: model.digest(state) })
  }
  return digests
}

/**
 * Re-applies `log` from the initial state and compares the digest at every expected checkpoint
 * (in ascending seq order; seqs beyond the log are reported as divergent).
 */
export function verify<S, E extends TraceEventBase, C, Snap>(options: {
  readonly log: TraceLog<E>
  readonly model: TraceModel<S, E, C, Snap>
  readonly config: C
  readonly expected: Iterable<DigestCheckpoint>
  readonly onProgress?: ProgressCallback
}): VerifyResult {
  const { log, model } = options
  const expected = [...options.expected].sort((a, b) => a.seq - b.seq)
  let state = model.initial(options.config)
  let position = 0
  let lastAgreeingSeq = 0
  let checked = 0
  for (const checkpoint of expected) {
    if (checkpoint.seq > log.length) {
      return { ok: false, seq: checkpoint.seq, expected: checkpoint.digest, actual: '', lastAgreeingSeq }
    }
    if (checkpoint.seq > position) {
      state = replayRange(log, model, state, position, checkpoint.seq)
      position = checkpoint.seq
      options.onProgress?.(position, log.length)
    }
    const actual = model.digest(state)
    if (actual !== checkpoint.digest) {
      return { ok: false, seq: checkpoint.seq, expected: checkpoint.digest, actual, lastAgreeingSeq }
    }
    lastAgreeingSeq = checkpoint.seq
    checked++
  }
  return { ok: true, checked }
}

/**
 * The first seq at which two logs differ (type, fields or cause), or undefined when they are
 * equal. A log that is a strict prefix of the other differs at its length.
 */
export function firstDivergentEvent<E extends TraceEventBase>(
  a: TraceLog<E>,
  b: TraceLog<E>,
): number | undefined {
  const common = Math.min(a.length, b.length)
  for (let seq = 0; seq < common; seq++) {
    if (a.causeOf(seq) !== b.causeOf(seq)) return seq
    if (JSON.stringify(a.at(seq)) !== JSON.stringify(b.at(seq))) return seq
  }
  return a.length === b.length ? undefined : common
}
