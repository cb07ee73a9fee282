import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type ToyEvent, toyEvents, toySchema } from './testing/toyModel.js'
import { TraceLog } from './traceLog.js'
import { TraceQuery } from './traceQuery.js'

function bigLog(count: number): { log: TraceLog<ToyEvent>; events: ToyEvent[] } {
  const events = toyEvents(
    Array.from({ length: count }, (_, index) =>
      index % 1000 === 999 ? { note: 'n' } : { key: (index * 7) % 200, value: index },
    ),
    256,
  )
  const log = new TraceLog(toySchema)
  events.forEach((event, seq) => {
    log.append(event, { cause: seq % 10 === 5 ? seq - 5 : undefined })
  })
  return { log, events }
}

describe('traceQuery', () => {
  const { log, events } = bigLog(20_000)
  const query = new TraceQuery(log)
  const brute = (predicate: (event: ToyEvent, seq: number) => boolean): number[] =>
    events.flatMap((event, seq) => (predicate(event, seq) ? [seq] : []))

  it('finds next and previous matches of a type and an address range as a linear scan does', () => {
    fc.assert(
      fc.property(fc.nat(255), fc.integer({ min: 1, max: 40 }), fc.nat(19_999), (low, width, from) => {
        const match = { type: 'kv.set' as const, address: { low, high: low + width } }
        const expected = brute(
          (event) => event.type === 'kv.set' && event.key >= low && event.key < low + width,
        )
        expect(query.next(match, from)).toBe(expected.find((seq) => seq >= from))
        expect(query.previous(match, from)).toBe(expected.filter((seq) => seq < from).at(-1))
      }),
      { numRuns: 40 },
    )
  })

  it('lists all matches of a type with a where-clause within a window', () => {
    const found = [
      ...query.find(
        { type: 'kv.note', where: (event) => event.type === 'kv.note' },
        { from: 1500, to: 6000 },
      ),
    ]
    expect(found).toEqual(brute((event, seq) => event.type === 'kv.note' && seq >= 1500 && seq < 6000))
    expect(query.first({ type: 'kv.note' })).toBe(999)
    expect(query.last({ type: 'kv.note' })).toBe(19_999)
  })

  it('queries address fields of rare kinds too (exact integers above 2^32)', () => {
    const small = new TraceLog(toySchema)
    small.append({ type: 'kv.note', text: 'far', at: 2 ** 40 + 5 })
    small.append({ type: 'kv.set', key: 3, value: 1, old: 0 })
    const smallQuery = new TraceQuery(small)
    expect(smallQuery.first({ address: { low: 2 ** 40, high: 2 ** 40 + 6 } })).toBe(0)
    expect(smallQuery.first({ address: { low: 3, high: 4 } })).toBe(1)
    expect(smallQuery.first({ address: { low: 3, high: 4, field: 'at' } })).toBeUndefined()
  })

  it('counts events per type over a window', () => {
    fc.assert(
      fc.property(fc.nat(20_000), fc.nat(20_000), (a, b) => {
        const from = Math.min(a, b)
        const to = Math.max(a, b)
        const notes = brute((event, seq) => event.type === 'kv.note' && seq >= from && seq < to).length
        const counts = query.countByType({ from, to })
        expect(counts['kv.note'] ?? 0).toBe(notes)
        expect(counts['kv.set'] ?? 0).toBe(to - from - notes)
      }),
      { numRuns: 40 },
    )
  })

  it('counts the matches of a match as find lists them (by type from summaries, else scanning)', () => {
    const types = fc.option(fc.subarray(['kv.set', 'kv.note'] as const), { nil: undefined })
    const address = fc.option(fc.record({ low: fc.nat(255), width: fc.integer({ min: 1, max: 60 }) }), {
      nil: undefined,
    })
    fc.assert(
      fc.property(types, address, fc.boolean(), fc.nat(21_000), fc.nat(21_000), (type, range, odd, a, b) => {
        const match = {
          ...(type === undefined ? {} : { type }),
          ...(range === undefined ? {} : { address: { low: range.low, high: range.low + range.width } }),
          ...(odd ? { where: (_event: ToyEvent, seq: number) => seq % 2 === 1 } : {}),
        }
        const window = { from: Math.min(a, b), to: Math.max(a, b) }
        const expected = brute(
          (event, seq) =>
            seq >= window.from &&
            seq < window.to &&
            (type === undefined || (type as readonly string[]).includes(event.type)) &&
            (range === undefined ||
              (event.type === 'kv.set' && event.key >= range.low && event.key < range.low + range.width)) &&
            (!odd || seq % 2 === 1),
        )
        expect(query.count(match, window)).toBe(expected.length)
        expect([...query.find(match, window)]).toEqual(expected)
      }),
      { numRuns: 60 },
    )
    expect(query.count({}, { from: 10, to: 5 })).toBe(0)
    expect(query.count({ type: 'kv.note' })).toBe(20)
  })

  it('follows the causal chain back and lists effects forward', () => {
    const small = new TraceLog(toySchema)
    small.append({ type: 'kv.set', key: 1, value: 1, old: 0 })
    small.append({ type: 'kv.note', text: 'a', at: 0 }, { cause: 0 })
    small.append({ type: 'kv.set', key: 2, value: 1, old: 0 }, { cause: 1 })
    small.append({ type: 'kv.set', key: 3, value: 1, old: 0 }, { cause: 0 })
    const smallQuery = new TraceQuery(small)
    expect(smallQuery.causalChain(2)).toEqual([2, 1, 0])
    expect(smallQuery.causalChain(0)).toEqual([0])
    expect(smallQuery.causalChain(9)).toEqual([])
    expect(smallQuery.effectsOf(0)).toEqual([1, 3])
  })
})
