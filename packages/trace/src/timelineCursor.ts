// A cursor over a timeline: a position (number of events applied) and its own working state,
// moved by seek, single steps and "run until" searches, as a time-travel debugger's
// `g`/`g-`/`p`/`p-` (WinDbg TTD) or `continue`/`reverse-continue` (rr) do.
import { replayRange } from './replayRange.js'
import { type EventPredicate, scanBackward, scanForward } from './scanRange.js'
import type { TraceEntry, TraceLog } from './traceLog.js'
import type { TraceModel } from './traceModel.js'
import type { TraceEventBase } from './traceSchema.js'

/** Seek cost of restoring a checkpoint, counted in applied events (a heuristic). */
const RESTORE_COST_EVENTS = 32

/**
 * What a cursor uses of its timeline (Timeline implements it): the log and the model, the
 * nearest checkpoint, and the replay that takes checkpoints as it passes. Declared here, on the
 * cursor's side, so this file needs nothing from timeline.ts. @internal
 */
export interface CursorTimeline<S, E extends TraceEventBase, C, Snap> {
  readonly log: TraceLog<E>
  readonly model: TraceModel<S, E, C, Snap>
  /** The checkpoint at the largest seq ≤ `seq`. */
  floorCheckpoint(seq: number): { readonly seq: number; readonly snapshot: Snap }
  /** Replays `[from, to)` onto `state`, taking checkpoints on the way; returns the new state. */
  advance(state: S, from: number, to: number): S
}

/**
 * A position on a timeline with its own working state. `state` follows the rule of
 * {@link Timeline.stateAt}: read it, do not change it, and do not keep it across moves.
 */
export class TimelineCursor<S, E extends TraceEventBase, C = unknown, Snap = S> {
  private readonly timeline: CursorTimeline<S, E, C, Snap>
  private workingState: S
  private workingPosition: number

  /** @internal Use `timeline.cursor()`. */
  constructor(timeline: CursorTimeline<S, E, C, Snap>, _position: number) {
    this.timeline = timeline
    this.workingState = timeline.model.restore(timeline.floorCheckpoint(0).snapshot)
    this.workingPosition = 0
  }

  /** Number of events applied to `state`. */
  get position(): number {
    return this.workingPosition
  }

  /** The state after `position` events (borrowed; see the class comment). */
  get state(): S {
    return this.workingState
  }

  /** The last event applied (seq `position - 1`), or undefined at position 0. */
  get current(): TraceEntry<E> | undefined {
    return this.timeline.log.entry(this.workingPosition - 1)
  }

  /**
   * Moves to `position` (0 ≤ position ≤ length), by the cheapest of: replaying forward from
   * here, undoing back from here (when the model can undo), or restoring the nearest checkpoint
   * and replaying. Returns the state (borrowed).
   * @throws RangeError when `position` is not an integer in `[0, length]`.
   */
  seek(position: number): S {
    const length = this.timeline.log.length
    if (!Number.isInteger(position) || position < 0 || position > length) {
      throw new RangeError(`seek: position ${String(position)} is outside [0, ${length}]`)
    }
    const here = this.workingPosition
    if (position === here) return this.workingState
    const checkpoint = this.timeline.floorCheckpoint(position)
    const fromCheckpoint = position - checkpoint.seq + RESTORE_COST_EVENTS
    if (position > here && position - here <= fromCheckpoint) {
      this.workingState = this.timeline.advance(this.workingState, here, position)
      this.workingPosition = position
      return this.workingState
    }
    if (position < here && this.timeline.model.undo !== undefined && here - position <= fromCheckpoint) {
      if (this.undoTo(position)) return this.workingState
    }
    this.workingState = this.timeline.model.restore(checkpoint.snapshot)
    this.workingState = this.timeline.advance(this.workingState, checkpoint.seq, position)
    this.workingPosition = position
    return this.workingState
  }

  /** Applies the next event. Returns false (and stays) at the end of the log. */
  stepForward(): boolean {
    if (this.workingPosition >= this.timeline.log.length) return false
    const model = this.timeline.model
    this.workingState = replayRange(
      this.timeline.log,
      model,
      this.workingState,
      this.workingPosition,
      this.workingPosition + 1,
    )
    this.workingPosition++
    return true
  }

  /**
   * Goes back one event: by the model's `undo` when it can undo that event, else by restoring
   * the nearest checkpoint and replaying. Returns false (and stays) at position 0.
   */
  stepBack(): boolean {
    if (this.workingPosition === 0) return false
    if (this.undoTo(this.workingPosition - 1)) return true
    this.seekFromCheckpoint(this.workingPosition - 1)
    return true
  }

  /**
   * Runs forward to the next event (seq ≥ position) matching `predicate` and stops just after
   * applying it, so `current` is the match. Returns its seq; when none matches, returns
   * undefined and the cursor does not move.
   */
  runForward(predicate: EventPredicate<E>): number | undefined {
    const seq = scanForward(this.timeline.log, this.workingPosition, this.timeline.log.length, predicate)
    if (seq < 0) return undefined
    this.seek(seq + 1)
    return seq
  }

  /**
   * Runs backward to the previous event matching `predicate` before `current` (seq <
   * position - 1) and stops just after it, so `current` is the match. Returns its seq; when
   * none matches, returns undefined and the cursor does not move.
   */
  runBack(predicate: EventPredicate<E>): number | undefined {
    const seq = scanBackward(this.timeline.log, 0, this.workingPosition - 1, predicate)
    if (seq < 0) return undefined
    this.seek(seq + 1)
    return seq
  }

  private undoTo(position: number): boolean {
    const model = this.timeline.model
    const undo = model.undo
    if (undo === undefined) return false
    const log = this.timeline.log
    while (this.workingPosition > position) {
      const event = log.view(this.workingPosition - 1)
      if (event === undefined) return false
      const previous = undo.call(model, this.workingState, event)
      if (previous === undefined) return false
      this.workingState = previous
      this.workingPosition--
    }
    return true
  }

  private seekFromCheckpoint(position: number): void {
    const checkpoint = this.timeline.floorCheckpoint(position)
    this.workingState = this.timeline.model.restore(checkpoint.snapshot)
    this.workingState = this.timeline.advance(this.workingState, checkpoint.seq, position)
    this.workingPosition = position
  }
}
