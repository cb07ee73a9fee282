import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  foldToy,
  immutableToyModel,
  mutableToyModel,
  type ToyEvent,
  toyDigest,
  toyEvents,
  toySchema,
} from './testing/toyModel.js'
import { Timeline } from './timeline.js'
import { TraceLog } from './traceLog.js'
import type { TraceModel } from './traceModel.js'

const SLOTS = 8

const stepArbitrary = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ key: fc.nat(SLOTS - 1), value: fc.integer({ min: -1000, max: 1000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ note: fc.string({ maxLength: 4 }) }) },
)

function buildLog(events: readonly ToyEvent[]): TraceLog<ToyEvent> {
  const log = new TraceLog(toySchema)
  for (const event of events) log.append(event)
  return log
}

/** Mutable model without undo nor the row fast path: exercises the checkpoint and view paths. */
const { undo: _undo, applyRows: _applyRows, ...plainMutableModel } = mutableToyModel
const models: [
  string,
  TraceModel<
    { readonly slots: ArrayLike<number>; readonly notes: number },
    ToyEvent,
    { slots: number },
    unknown
  >,
][] = [
  ['mutable with undo and applyRows', mutableToyModel as never],
  ['mutable without undo', plainMutableModel as never],
  ['immutable', immutableToyModel as never],
]

describe('timeline', () => {
  it.each(
    models,
  )('stateAt(n) equals folding the first n events, in random seek order (%s)', (_name, model) => {
    fc.assert(
      fc.property(
        fc.array(stepArbitrary, { maxLength: 120 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 9 }),
        (steps, seeks, interval) => {
          const events = toyEvents(steps, SLOTS)
          const log = buildLog(events)
          const timeline = new Timeline({ log, model, config: { slots: SLOTS }, checkpoints: { interval } })
          for (const raw of seeks) {
            const n = raw % (events.length + 1)
            expect(toyDigest(timeline.stateAt(n))).toBe(toyDigest(foldToy(events.slice(0, n), SLOTS)))
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it.each(models)('stepping back from n equals stateAt(n - 1) (%s)', (_name, model) => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 80 }), fc.nat(), (steps, raw) => {
        const events = toyEvents(steps, SLOTS)
        const log = buildLog(events)
        const timeline = new Timeline({ log, model, config: { slots: SLOTS }, checkpoints: { interval: 5 } })
        const cursor = timeline.cursor(1 + (raw % events.length))
        while (cursor.position > 0) {
          const expected = toyDigest(foldToy(events.slice(0, cursor.position - 1), SLOTS))
          expect(cursor.stepBack()).toBe(true)
          expect(toyDigest(cursor.state)).toBe(expected)
        }
        expect(cursor.stepBack()).toBe(false)
        while (cursor.stepForward()) {
          expect(toyDigest(cursor.state)).toBe(toyDigest(foldToy(events.slice(0, cursor.position), SLOTS)))
        }
        expect(cursor.position).toBe(events.length)
      }),
      { numRuns: 40 },
    )
  })

  it('runs forward and back to events matching a predicate, stopping just after the match', () => {
    const events = toyEvents(
      [{ key: 1, value: 1 }, { note: 'a' }, { key: 2, value: 2 }, { note: 'b' }, { key: 3, value: 3 }],
      SLOTS,
    )
    const timeline = new Timeline({ log: buildLog(events), model: mutableToyModel, config: { slots: SLOTS } })
    const cursor = timeline.cursor()
    const isNote = (event: ToyEvent) => event.type === 'kv.note'
    expect(cursor.runForward(isNote)).toBe(1)
    expect(cursor.position).toBe(2)
    expect(cursor.current?.event).toEqual({ type: 'kv.note', text: 'a', at: 1 })
    expect(cursor.runForward(isNote)).toBe(3)
    expect(cursor.runForward(isNote)).toBeUndefined()
    expect(cursor.position).toBe(4)
    expect(cursor.runBack(isNote)).toBe(1)
    expect(cursor.state.notes).toBe(1)
    expect(cursor.runBack(isNote)).toBeUndefined()
    expect(cursor.position).toBe(2)
  })

  it('never hands a mutable state that a checkpoint shares: later seeks do not change checkpoints', () => {
    const events = toyEvents(
      Array.from({ length: 50 }, (_, index) => ({ key: index % SLOTS, value: index + 1 })),
      SLOTS,
    )
    const timeline = new Timeline({
      log: buildLog(events),
      model: mutableToyModel,
      config: { slots: SLOTS },
      checkpoints: { interval: 4 },
    })
    const kept = timeline.copyOfStateAt(20)
    const digest = toyDigest(kept)
    timeline.stateAt(50)
    timeline.stateAt(3)
    expect(toyDigest(kept)).toBe(digest)
    expect(toyDigest(timeline.stateAt(20))).toBe(digest)
  })

  it('keeps checkpoints every K events and within the memory budget', () => {
    const events = toyEvents(
      Array.from({ length: 4000 }, (_, index) => ({ key: index % SLOTS, value: index })),
      SLOTS,
    )
    const timeline = new Timeline({
      log: buildLog(events),
      model: mutableToyModel,
      config: { slots: SLOTS },
      checkpoints: { interval: 100, memoryBudget: 20 * (SLOTS * 4 + 16) },
    })
    timeline.buildCheckpoints()
    const seqs = timeline.checkpointSeqs()
    expect(seqs[0]).toBe(0)
    expect(timeline.checkpointBytes).toBeLessThanOrEqual(20 * (SLOTS * 4 + 16))
    for (let index = 1; index < seqs.length; index++) {
      expect((seqs[index] as number) - (seqs[index - 1] as number)).toBeLessThanOrEqual(
        timeline.checkpointInterval,
      )
    }
    expect(toyDigest(timeline.stateAt(3999))).toBe(toyDigest(foldToy(events.slice(0, 3999), SLOTS)))
  })

  it('adapts the interval to the measured apply cost', () => {
    const events = toyEvents(
      Array.from({ length: 50_000 }, (_, index) => ({ key: index % SLOTS, value: index })),
      SLOTS,
    )
    const timeline = new Timeline({ log: buildLog(events), model: mutableToyModel, config: { slots: SLOTS } })
    timeline.buildCheckpoints()
    expect(timeline.checkpointInterval).not.toBe(1024)
    expect(toyDigest(timeline.stateAt(31_234))).toBe(toyDigest(foldToy(events.slice(0, 31_234), SLOTS)))
  })

  it('sees events appended after it was created', () => {
    const log = buildLog([])
    const timeline = new Timeline({
      log,
      model: mutableToyModel,
      config: { slots: SLOTS },
      checkpoints: { interval: 2 },
    })
    expect(timeline.stateAt(0).slots[1]).toBe(0)
    log.append({ type: 'kv.set', key: 1, value: 5, old: 0 })
    expect(timeline.stateAt(1).slots[1]).toBe(5)
  })

  it.each([[-1], [2], [0.5], [Number.NaN]])('refuses to seek to %s with a RangeError', (position) => {
    const timeline = new Timeline({
      log: buildLog(toyEvents([{ key: 1, value: 1 }], SLOTS)),
      model: mutableToyModel,
      config: { slots: SLOTS },
    })
    expect(() => timeline.stateAt(position)).toThrow(RangeError)
  })

  it('refuses an invalid checkpoint policy', () => {
    const log = buildLog([])
    expect(
      () => new Timeline({ log, model: mutableToyModel, config: { slots: 1 }, checkpoints: { interval: 0 } }),
    ).toThrow(RangeError)
    expect(
      () =>
        new Timeline({
          log,
          model: mutableToyModel,
          config: { slots: 1 },
          checkpoints: { memoryBudget: -1 },
        }),
    ).toThrow(RangeError)
  })
})
