// Time travel over a log: the state after any number of events, rebuilt from the nearest
// checkpoint (WinDbg TTD's "!tt", rr's reverse execution, Redux DevTools' jump-to-action).
// Checkpoints are taken every K events as replays pass by; K adapts to the measured apply cost
// and checkpoints are thinned to stay within a memory budget.
//
// Measured costs only decide WHERE checkpoints go, never what a state is: results are
// deterministic whatever the machine's speed.
import { assert } from './assert.js'
import { replayRange } from './replayRange.js'
import { type CursorTimeline, TimelineCursor } from './timelineCursor.js'
import type { TraceLog } from './traceLog.js'
import type { TraceModel } from './traceModel.js'
import type { TraceEventBase } from './traceSchema.js'

/** Where checkpoints are taken. */
export interface CheckpointPolicy {
  /**
   * Events between checkpoints: a fixed number, or `'adaptive'` (default): start at 1024, then
   * aim for `targetReplayMs` of replay between two checkpoints, from the measured apply cost.
   */
  readonly interval?: number | 'adaptive'
  /** Adaptive target for replaying one interval, in milliseconds (default 1). */
  readonly targetReplayMs?: number
  /**
   * Budget for all snapshots, in bytes (default 256 MiB), sized by `model.snapshotBytes` (or
   * `byteLength`, or 1 KiB per snapshot when neither is known). Over budget, every other
   * checkpoint is dropped and the interval doubles.
   */
  readonly memoryBudget?: number
}

/** What a {@link Timeline} is built from. */
export interface TimelineOptions<S, E extends TraceEventBase, C, Snap> {
  readonly log: TraceLog<E>
  readonly model: TraceModel<S, E, C, Snap>
  readonly config: C
  readonly checkpoints?: CheckpointPolicy
}

/** Progress report: `done` of `total` events. */
export type ProgressCallback = (done: number, total: number) => void

const MIN_INTERVAL = 16
const MAX_INTERVAL = 1 << 20

/**
 * Time travel over one log with one model.
 *
 * State ownership: `stateAt` returns the timeline's working state. The caller must not change
 * it, and it is valid only until the next call on this timeline (a mutable model's working
 * state is changed in place by the next seek). Use `copyOfStateAt` for a state to keep.
 * Cursors (`cursor()`) each own their working state under the same rule.
 */
export class Timeline<S, E extends TraceEventBase, C = unknown, Snap = S>
  implements CursorTimeline<S, E, C, Snap>
{
  readonly log: TraceLog<E>
  readonly model: TraceModel<S, E, C, Snap>
  readonly config: C
  private readonly seqs: number[] = []
  private readonly snapshots: Snap[] = []
  private readonly sizes: number[] = []
  private snapshotBytesTotal = 0
  private interval: number
  private readonly adaptive: boolean
  private readonly targetReplayNs: number
  private readonly memoryBudget: number
  private measuredEvents = 0
  private measuredNs = 0
  private readonly main: TimelineCursor<S, E, C, Snap>

  /** @throws RangeError for a non-positive interval, target or budget. */
  constructor(options: TimelineOptions<S, E, C, Snap>) {
    const policy = options.checkpoints ?? {}
    const interval = policy.interval ?? 'adaptive'
    if (interval !== 'adaptive' && !(Number.isInteger(interval) && interval >= 1)) {
      throw new RangeError(
        `Timeline: checkpoints.interval ${String(interval)} must be a positive integer or 'adaptive'`,
      )
    }
    const target = policy.targetReplayMs ?? 1
    if (!(target > 0)) throw new RangeError(`Timeline: checkpoints.targetReplayMs ${target} must be positive`)
    const budget = policy.memoryBudget ?? 256 * 1024 * 1024
    if (!(budget > 0)) throw new RangeError(`Timeline: checkpoints.memoryBudget ${budget} must be positive`)
    this.log = options.log
    this.model = options.model
    this.config = options.config
    this.adaptive = interval === 'adaptive'
    this.interval = interval === 'adaptive' ? 1024 : interval
    this.targetReplayNs = target * 1e6
    this.memoryBudget = budget
    this.addCheckpoint(0, this.model.initial(this.config))
    this.main = new TimelineCursor(this, 0)
  }

  /** Number of events in the log (positions run from 0 to this). */
  get length(): number {
    return this.log.length
  }

  /** The current checkpoint interval K (changes when adaptive or after thinning). */
  get checkpointInterval(): number {
    return this.interval
  }

  /** Seqs of the checkpoints held (state before that event), ascending; always starts with 0. */
  checkpointSeqs(): readonly number[] {
    return [...this.seqs]
  }

  /** Bytes the snapshots are estimated to use. */
  get checkpointBytes(): number {
    return this.snapshotBytesTotal
  }

  /**
   * The state after the first `seq` events (`0 ≤ seq ≤ length`). Borrowed: do not change it;
   * valid until the next call on this timeline.
   * @throws RangeError when `seq` is not an integer in `[0, length]`.
   */
  stateAt(seq: number): S {
    return this.main.seek(seq)
  }

  /** Like {@link stateAt}, but a state of the caller's own (restored from a fresh snapshot). */
  copyOfStateAt(seq: number): S {
    return this.model.restore(this.model.checkpoint(this.stateAt(seq)))
  }

  /** The digest of the state after the first `seq` events. */
  digestAt(seq: number): string {
    return this.model.digest(this.stateAt(seq))
  }

  /** A new cursor with its own working state, at `position` (default 0). */
  cursor(position = 0): TimelineCursor<S, E, C, Snap> {
    const cursor = new TimelineCursor(this, 0)
    cursor.seek(position)
    return cursor
  }

  /**
   * Replays the whole log once, taking checkpoints on the way, so later seeks anywhere cost at
   * most one interval of replay. Reports progress every 64Ki events.
   */
  buildCheckpoints(options: { readonly onProgress?: ProgressCallback } = {}): void {
    const total = this.log.length
    const cursor = new TimelineCursor(this, 0)
    const step = 1 << 16
    for (let position = 0; position < total; ) {
      position = Math.min(total, position + step)
      cursor.seek(position)
      options.onProgress?.(position, total)
    }
  }

  /** @internal The checkpoint at the largest seq ≤ `seq`. */
  floorCheckpoint(seq: number): { readonly seq: number; readonly snapshot: Snap } {
    const index = this.floorIndex(seq)
    return { seq: this.seqs[index] as number, snapshot: this.snapshots[index] as Snap }
  }

  /**
   * @internal Replays `[from, to)` onto `state`, taking checkpoints at interval boundaries it
   * passes that are not covered yet. Returns the new state.
   */
  advance(state: S, from: number, to: number): S {
    let position = from
    while (position < to) {
      const floor = this.floorIndex(position)
      const floorSeq = this.seqs[floor] as number
      const nextSeq = this.seqs[floor + 1] ?? Number.POSITIVE_INFINITY
      let target = floorSeq + this.interval
      if (target >= nextSeq) {
        const stop = Math.min(to, nextSeq)
        state = this.timedReplay(state, position, stop)
        position = stop
        continue
      }
      if (target <= position) {
        if (position > floorSeq) {
          this.addCheckpoint(position, state)
          continue
        }
        target = position + this.interval
      }
      const stop = Math.min(to, target)
      state = this.timedReplay(state, position, stop)
      position = stop
      if (position === target && position < this.log.length) this.addCheckpoint(position, state)
    }
    return state
  }

  private timedReplay(state: S, from: number, to: number): S {
    if (!this.adaptive || to - from < 256) return replayRange(this.log, this.model, state, from, to)
    const start = performance.now()
    const result = replayRange(this.log, this.model, state, from, to)
    this.measuredNs += (performance.now() - start) * 1e6
    this.measuredEvents += to - from
    if (this.measuredEvents >= 4096) this.adapt()
    return result
  }

  private adapt(): void {
    const nsPerEvent = Math.max(0.5, this.measuredNs / this.measuredEvents)
    const wanted = Math.round(this.targetReplayNs / nsPerEvent)
    // Powers of two keep boundaries aligned after changes; never shrink below a thinned interval.
    let interval = MIN_INTERVAL
    while (interval * 2 <= wanted && interval < MAX_INTERVAL) interval *= 2
    this.interval = Math.max(interval, this.thinnedFloor)
  }

  private thinnedFloor = MIN_INTERVAL

  private addCheckpoint(seq: number, state: S): void {
    const index = this.floorIndex(seq) + 1
    if (index > 0 && this.seqs[index - 1] === seq) return
    const snapshot = this.model.checkpoint(state)
    const size = this.sizeOf(snapshot)
    this.seqs.splice(index, 0, seq)
    this.snapshots.splice(index, 0, snapshot)
    this.sizes.splice(index, 0, size)
    this.snapshotBytesTotal += size
    if (this.snapshotBytesTotal > this.memoryBudget && this.seqs.length > 2) this.thin()
  }

  private thin(): void {
    const keep = (index: number): boolean => index === 0 || index % 2 === 0
    const seqs = this.seqs.filter((_, index) => keep(index))
    const snapshots = this.snapshots.filter((_, index) => keep(index))
    const sizes = this.sizes.filter((_, index) => keep(index))
    this.seqs.splice(0, this.seqs.length, ...seqs)
    this.snapshots.splice(0, this.snapshots.length, ...snapshots)
    this.sizes.splice(0, this.sizes.length, ...sizes)
    this.snapshotBytesTotal = sizes.reduce((sum, size) => sum + size, 0)
    this.interval = Math.min(MAX_INTERVAL * 64, this.interval * 2)
    this.thinnedFloor = this.interval
  }

  private sizeOf(snapshot: Snap): number {
    const measured = this.model.snapshotBytes?.(snapshot)
    if (measured !== undefined) return measured
    const byteLength = (snapshot as { byteLength?: unknown } | null)?.byteLength
    return typeof byteLength === 'number' ? byteLength : 1024
  }

  private floorIndex(seq: number): number {
    if (this.seqs.length === 0) return -1
    let low = 0
    let high = this.seqs.length - 1
    while (low < high) {
      const middle = (low + high + 1) >>> 1
      if ((this.seqs[middle] as number) <= seq) low = middle
      else high = middle - 1
    }
    assert((this.seqs[low] as number) <= seq, 'Timeline: no checkpoint at or before a seq')
    return low
  }
}
