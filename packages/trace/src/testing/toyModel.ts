// A toy key-value store used by the tests and benchmarks: 256 integer slots set by a
// high-volume event carrying the old value (so it can be undone) and a rare note event.
import * as v from 'valibot'
import { StateHasher } from '../stateHasher.js'
import type { TraceModel } from '../traceModel.js'
import { defineSchema } from '../traceSchema.js'
import type { RowBatch } from '../traceLog.js'

export interface SetEvent {
  readonly type: 'kv.set'
  readonly key: number
  readonly value: number
  readonly old: number
}
export interface NoteEvent {
  readonly type: 'kv.note'
  readonly text: string
  readonly at: number
}
export type ToyEvent = SetEvent | NoteEvent

export const toySchema = defineSchema<ToyEvent>({
  kinds: {
    'kv.set': { volume: 'high', fields: { key: 'u8', value: 'i32', old: 'i32' }, addressFields: ['key'] },
    'kv.note': {
      volume: 'low',
      schema: v.object({
        type: v.literal('kv.note'),
        text: v.pipe(v.string(), v.maxLength(1000)),
        at: v.number(),
      }),
      addressFields: ['at'],
    },
  },
})

export interface ToyConfig {
  readonly slots: number
}

/** Mutable state: typed array slots plus a note counter. */
export interface ToyState {
  slots: Int32Array
  notes: number
}

export function toyDigest(state: { readonly slots: ArrayLike<number>; readonly notes: number }): string {
  return new StateHasher().array(state.slots).number(state.notes).digest()
}

/** The mutable model (apply changes the state in place), with undo and a row fast path. */
export const mutableToyModel: TraceModel<ToyState, ToyEvent, ToyConfig> = {
  initial: (config) => ({ slots: new Int32Array(config.slots), notes: 0 }),
  apply(state, event) {
    if (event.type === 'kv.set') state.slots[event.key] = event.value
    else state.notes++
    return state
  },
  applyRows(state, rows: RowBatch) {
    const keys = rows.columns.key as Uint8Array
    const values = rows.columns.value as Int32Array
    const slots = state.slots
    for (let row = rows.start; row < rows.end; row++) slots[keys[row] as number] = values[row] as number
    return state
  },
  undo(state, event) {
    if (event.type === 'kv.set') state.slots[event.key] = event.old
    else state.notes--
    return state
  },
  checkpoint: (state) => ({ slots: state.slots.slice(), notes: state.notes }),
  restore: (snapshot) => ({ slots: snapshot.slots.slice(), notes: snapshot.notes }),
  digest: toyDigest,
  snapshotBytes: (snapshot) => snapshot.slots.byteLength + 16,
}

/** Immutable state: a frozen array per version. */
export interface ImmutableToyState {
  readonly slots: readonly number[]
  readonly notes: number
}

/** The immutable model: apply returns a new state; checkpoint and restore are the identity. */
export const immutableToyModel: TraceModel<ImmutableToyState, ToyEvent, ToyConfig> = {
  initial: (config) =>
    Object.freeze({ slots: Object.freeze(new Array<number>(config.slots).fill(0)), notes: 0 }),
  apply(state, event) {
    if (event.type === 'kv.note') return Object.freeze({ slots: state.slots, notes: state.notes + 1 })
    const slots = state.slots.slice()
    slots[event.key] = event.value
    return Object.freeze({ slots: Object.freeze(slots), notes: state.notes })
  },
  checkpoint: (state) => state,
  restore: (snapshot) => snapshot,
  digest: toyDigest,
}

/** Folds events over a fresh state with plain code (the reference the timeline must equal). */
export function foldToy(events: readonly ToyEvent[], slots: number): { slots: Int32Array; notes: number } {
  const state = { slots: new Int32Array(slots), notes: 0 }
  for (const event of events) {
    if (event.type === 'kv.set') state.slots[event.key] = event.value
    else state.notes++
  }
  return state
}

/** Builds events with correct `old` values from (key, value | note) steps. */
export function toyEvents(
  steps: readonly ({ key: number; value: number } | { note: string })[],
  slots: number,
): ToyEvent[] {
  const current = new Int32Array(slots)
  return steps.map((step, index): ToyEvent => {
    if ('note' in step) return { type: 'kv.note', text: step.note, at: index }
    const key = step.key % slots
    const event: SetEvent = { type: 'kv.set', key, value: step.value, old: current[key] as number }
    current[key] = step.value
    return event
  })
}
