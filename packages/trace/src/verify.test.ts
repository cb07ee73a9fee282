import { describe, expect, it } from 'vitest'
import { sampleEvents, toyLog } from './testing/codecHelpers.js'
import { mutableToyModel, type ToyEvent, toySchema } from './testing/toyModel.js'
import { TraceLog } from './traceLog.js'
import type { TraceModel } from './traceModel.js'
import { firstDivergentEvent, recordDigests, verify } from './verify.js'

describe('verify', () => {
  const log = toyLog(sampleEvents(200))
  const expected = recordDigests(log, mutableToyModel, { slots: 16 }, 10)

  it('accepts a replay that reproduces every recorded digest', () => {
    expect(verify({ log, model: mutableToyModel, config: { slots: 16 }, expected })).toEqual({
      ok: true,
      checked: expected.length,
    })
  })

  it('reports the first checkpoint where a nondeterministic model diverges', () => {
    let applied = 0
    const flaky: TraceModel<{ slots: Int32Array; notes: number }, ToyEvent, { slots: number }> = {
      initial: mutableToyModel.initial,
      checkpoint: mutableToyModel.checkpoint,
      restore: mutableToyModel.restore,
      digest: mutableToyModel.digest,
      apply(state, event) {
        applied++
        const next = mutableToyModel.apply(state, event)
        if (applied === 47) next.notes += 1000
        return next
      },
    }
    const result = verify({ log, model: flaky, config: { slots: 16 }, expected })
    expect(result).toMatchObject({ ok: false, seq: 50, lastAgreeingSeq: 40 })
  })

  it('finds the first differing event between two runs', () => {
    const other = new TraceLog(toySchema)
    for (let seq = 0; seq < log.length; seq++) {
      const event = log.at(seq) as ToyEvent
      other.append(seq === 120 && event.type === 'kv.set' ? { ...event, value: event.value + 1 } : event, {
        cause: log.causeOf(seq),
      })
    }
    expect(firstDivergentEvent(log, log)).toBeUndefined()
    expect(firstDivergentEvent(log, other)).toBe(120)
  })
})
