import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { CHUNK_SIZE } from './columnStore.js'
import { type DecodedRowAppender, GenericAppender, type RowAppender } from './kindAppender.js'
import { replayRange } from './replayRange.js'
import type { KindStore } from './kindStore.js'
import { NO_CAUSE, type RowBatch, TraceLog } from './traceLog.js'
import type { TraceModel } from './traceModel.js'
import { defineSchema, type TraceEventBase } from './traceSchema.js'

type Event =
  | { readonly type: 'a.three'; readonly x: number; readonly y: number; readonly z: number }
  | { readonly type: 'a.wide'; readonly w: number }
  | { readonly type: 'a.none' }
  | { readonly type: 'a.note'; readonly text: string }
const schema = defineSchema<Event>({
  kinds: {
    'a.three': { volume: 'high', fields: { x: 'u32', y: 'u16', z: 'u8' } },
    'a.wide': { volume: 'high', fields: { w: 'f64' } },
    'a.none': { volume: 'high', fields: {} },
    'a.note': { volume: 'low', schema: v.object({ type: v.literal('a.note'), text: v.string() }) },
  },
})
type HighType = 'a.three' | 'a.wide' | 'a.none'

/** The event a test writes as its `seq`-th event of kind `type`: values derived from the seq. */
function eventFor(type: HighType | 'a.note', seq: number): Event {
  if (type === 'a.three') return { type, x: (seq * 2654435761) >>> 0, y: seq & 0xffff, z: seq & 0xff }
  if (type === 'a.wide') return { type, w: 2 ** 40 + seq * 1.5 }
  if (type === 'a.none') return { type }
  return { type, text: `n${seq}` }
}

function fieldValues(event: Event): number[] {
  if (event.type === 'a.three') return [event.x, event.y, event.z]
  if (event.type === 'a.wide') return [event.w]
  return []
}

/** A naive log: one entry per seq. */
interface Expected {
  readonly event: Event
  readonly cause: number | undefined
}

/** A plain copy of an event or of a read-only view (whose fields are getters). */
function plain(event: Readonly<Event>): Event {
  const copy: Record<string, unknown> = { type: event.type }
  const kind = schema.kind(event.type)
  const names = kind?.volume === 'high' ? kind.fields.map((field) => field.name) : Object.keys(event)
  for (const name of names) copy[name] = (event as unknown as Record<string, unknown>)[name]
  return copy as unknown as Event
}

/** Replays `log` collecting every event as a plain object, through applyRows or views. */
function replayAll(log: TraceLog<Event>, useRows: boolean): Event[] {
  const seen: Event[] = []
  const model = {
    apply(state: null, event: Readonly<Event>) {
      seen.push(plain(event))
      return state
    },
    ...(useRows
      ? {
          applyRows(state: null, rows: RowBatch) {
            const kind = schema.kind(rows.type)
            for (let row = rows.start; row < rows.end; row++) {
              const event: Record<string, unknown> = { type: rows.type }
              for (const field of kind?.fields ?? []) event[field.name] = rows.columns[field.name]?.[row]
              seen.push(event as unknown as Event)
            }
            return state
          },
        }
      : {}),
  } as unknown as TraceModel<null, Event, null>
  replayRange(log, model, null, 0, log.length)
  return seen
}

/** The first seq where the log (read by seq, or replayed) differs from `expected`, or -1. */
function firstDifference(log: TraceLog<Event>, expected: readonly Expected[]): number {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)
  const withRows = replayAll(log, true)
  const withViews = replayAll(log, false)
  return expected.findIndex(
    ({ event, cause }, seq) =>
      !same(log.at(seq), event) ||
      !same(plain(log.view(seq) as Event), event) ||
      log.causeOf(seq) !== cause ||
      log.typeAt(seq) !== event.type ||
      !same(withRows[seq], event) ||
      !same(withViews[seq], event),
  )
}

function expectSameAs(log: TraceLog<Event>, expected: readonly Expected[]): void {
  expect(log.length).toBe(expected.length)
  expect(firstDifference(log, expected)).toBe(-1)
  expect(log.at(expected.length)).toBeUndefined()
}

const step = fc.oneof(
  fc.record({
    op: fc.constant('appender' as const),
    type: fc.constantFrom<HighType>('a.three', 'a.wide', 'a.none'),
    generic: fc.boolean(),
    repeat: fc.integer({ min: 1, max: 300 }),
    cause: fc.constantFrom('none', 'previous', 'undefined', 'first'),
  }),
  fc.record({ op: fc.constant('append' as const), type: fc.constantFrom('a.three', 'a.wide', 'a.note') }),
  fc.record({
    op: fc.constant('rows' as const),
    count: fc.integer({ min: 0, max: 400 }),
    caused: fc.boolean(),
  }),
  fc.record({ op: fc.constant('reserve' as const), rows: fc.integer({ min: 0, max: 2000 }) }),
  fc.record({ op: fc.constant('badCause' as const), type: fc.constantFrom<HighType>('a.three', 'a.none') }),
)

describe('kindAppender', () => {
  it('stores what a naive per-event log stores, whatever way events are appended and interleaved', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const log = new TraceLog(schema)
        const base = log as unknown as TraceLog<TraceEventBase>
        const generic = new Map<HighType, RowAppender>()
        const appenderOf = (type: HighType, useGeneric: boolean): RowAppender => {
          if (!useGeneric) return log.appender(type)
          let appender = generic.get(type)
          if (appender === undefined) {
            const store = log.stores[schema.kind(type)?.id ?? -1] as KindStore
            appender = new GenericAppender(base, store)
            generic.set(type, appender)
          }
          return appender
        }
        const expected: Expected[] = []
        for (const item of steps) {
          if (item.op === 'appender') {
            const appender = appenderOf(item.type, item.generic)
            for (let index = 0; index < item.repeat; index++) {
              const seq = expected.length
              const event = eventFor(item.type, seq)
              const cause =
                seq === 0 || item.cause === 'none' || item.cause === 'undefined'
                  ? undefined
                  : item.cause === 'first'
                    ? 0
                    : seq - 1
              const values = fieldValues(event)
              const got =
                item.cause === 'undefined'
                  ? appender.append(...values, undefined)
                  : cause === undefined
                    ? appender.append(...values)
                    : appender.append(...values, cause)
              expect(got).toBe(seq)
              expected.push({ event, cause })
            }
          } else if (item.op === 'append') {
            const seq = expected.length
            const event = eventFor(item.type, seq)
            const cause = seq > 0 ? seq - 1 : undefined
            expect(log.append(event, { cause })).toBe(seq)
            expected.push({ event, cause })
          } else if (item.op === 'rows') {
            const first = expected.length
            const x = new Uint32Array(item.count)
            const y = new Uint16Array(item.count)
            const z = new Uint8Array(item.count)
            const causes = new Int32Array(item.count).fill(NO_CAUSE)
            for (let index = 0; index < item.count; index++) {
              const event = eventFor('a.three', first + index) as Extract<Event, { type: 'a.three' }>
              x[index] = event.x
              y[index] = event.y
              z[index] = event.z
              if (item.caused && first + index > 0) causes[index] = first + index - 1
              expected.push({ event, cause: causes[index] === NO_CAUSE ? undefined : causes[index] })
            }
            expect(log.appendRows('a.three', { count: item.count, columns: { x, y, z }, causes })).toBe(first)
          } else if (item.op === 'reserve') {
            log.reserve({ events: item.rows, rows: { 'a.three': item.rows, 'a.wide': item.rows } })
          } else {
            // A cause that does not point backwards is refused and appends nothing.
            const appender = log.appender(item.type)
            const values = fieldValues(eventFor(item.type, 0))
            const length = log.length
            expect(() => appender.append(...values, length)).toThrow(RangeError)
            expect(() => appender.append(...values, -2)).toThrow(RangeError)
            expect(() => appender.append(...values, 0.5)).toThrow(RangeError)
            expect(log.length).toBe(length)
          }
        }
        expectSameAs(log, expected)
      }),
      { numRuns: 60 },
    )
  })

  it('rolls over row chunks and seq chunks with causes, alone and interleaved with another kind', () => {
    const log = new TraceLog(schema)
    const three = log.appender('a.three')
    const wide = log.appender('a.wide')
    const expected: Expected[] = []
    const total = CHUNK_SIZE + 3000
    for (let seq = 0; seq < total; seq++) {
      // 100 a.wide, then a long a.three run crossing the seq chunk end (seq 65536, row 65436) and
      // the row chunk end (row 65536, seq 65636), then the two kinds alternating.
      const type = seq >= 100 && (seq < CHUNK_SIZE + 500 || seq % 5 !== 0) ? 'a.three' : 'a.wide'
      const event = eventFor(type, seq)
      const cause = seq % 3 === 0 ? undefined : Math.max(0, seq - 40)
      const appender = type === 'a.three' ? three : wide
      const values = fieldValues(event)
      expect(
        cause === undefined || seq === 0 ? appender.append(...values) : appender.append(...values, cause),
      ).toBe(seq)
      expected.push({ event, cause: seq === 0 ? undefined : cause })
    }
    // In the dense chunk now open, a refused cause (on the inline dense branch's check) leaves
    // the log as it was, and the appenders go on from where they were.
    expect(log.runs.isDense(total)).toBe(true)
    for (const [type, appender] of [
      ['a.three', three],
      ['a.wide', wide],
    ] as const) {
      const values = fieldValues(eventFor(type, 0))
      expect(() => appender.append(...values, expected.length)).toThrow(RangeError)
      expect(() => appender.append(...values, 0.5)).toThrow(RangeError)
      expect(log.length).toBe(expected.length)
    }
    for (let index = 0; index < 10; index++) {
      const seq = expected.length
      const type = index % 2 === 0 ? 'a.three' : 'a.wide'
      const event = eventFor(type, seq)
      expect((type === 'a.three' ? three : wide).append(...fieldValues(event), seq - 1)).toBe(seq)
      expected.push({ event, cause: seq - 1 })
    }
    expectSameAs(log, expected)
    // One run each for the first two stretches; afterwards runs of four a.three and one a.wide.
    expect(log.runs.count).toBeLessThan(3 + (total - CHUNK_SIZE - 500) / 2)
  })

  it('writes reserved stretches through their spans past row and seq chunk ends, with reads, causes, other kinds and more reservations in between', () => {
    const block = fc.record({
      type: fc.constantFrom<HighType>('a.three', 'a.three', 'a.wide', 'a.none'),
      count: fc.integer({ min: 1, max: 40_000 }),
      causeEvery: fc.constantFrom(0, 1, 7, 5000),
      reserve: fc.constantFrom(0, 0, 30_000, 150_000),
      read: fc.boolean(),
    })
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 8 }), (blocks) => {
        const log = new TraceLog(schema)
        const expected: Expected[] = []
        for (const item of blocks) {
          if (item.reserve > 0)
            log.reserve({
              events: expected.length + item.reserve,
              rows: { 'a.three': item.reserve, 'a.wide': item.reserve / 2 },
            })
          const appender = log.appender(item.type)
          for (let index = 0; index < item.count; index++) {
            const seq = expected.length
            const event = eventFor(item.type, seq)
            const cause = item.causeEvery > 0 && seq > 0 && seq % item.causeEvery === 0 ? seq - 1 : undefined
            expect(
              cause === undefined
                ? appender.append(...fieldValues(event))
                : appender.append(...fieldValues(event), cause),
            ).toBe(seq)
            expected.push({ event, cause })
            // A read in the middle takes the open run back from the appender.
            if (item.read && index === item.count >> 1) expect(log.at(seq)).toEqual(event)
          }
        }
        expect(log.length).toBe(expected.length)
        for (let seq = 0; seq < expected.length; seq += 97) {
          const { event, cause } = expected[seq] as Expected
          expect(log.at(seq)).toEqual(event)
          expect(log.causeOf(seq)).toBe(cause)
        }
        // Around every chunk end, by seq; and everything through a replay.
        for (let seq = CHUNK_SIZE - 2; seq < expected.length; seq += CHUNK_SIZE)
          for (const at of [seq, seq + 1, seq + 2, seq + 3].filter((at) => at < expected.length))
            expect(log.at(at)).toEqual((expected[at] as Expected).event)
        const replayed = replayAll(log, true)
        expect(replayed.length).toBe(expected.length)
        expect(
          replayed.findIndex(
            (event, seq) => JSON.stringify(event) !== JSON.stringify((expected[seq] as Expected).event),
          ),
        ).toBe(-1)
      }),
      { numRuns: 8 },
    )
  }, 300_000)

  it('shares generated appender classes between schemas of one shape only', () => {
    const same = defineSchema<Event>({
      kinds: {
        'a.three': { volume: 'high', fields: { x: 'u32', y: 'u16', z: 'u8' } },
        'a.wide': { volume: 'high', fields: { w: 'f64' } },
        'a.none': { volume: 'high', fields: {} },
        'a.note': { volume: 'low', schema: v.object({ type: v.literal('a.note'), text: v.string() }) },
      },
    })
    const other = defineSchema<Extract<Event, { type: 'a.three' }>>({
      kinds: { 'a.three': { volume: 'high', fields: { x: 'u32', y: 'u16', z: 'u8' } } },
    })
    const classOf = (log: TraceLog<TraceEventBase>) => Object.getPrototypeOf(log.appender('a.three'))
    const first = classOf(new TraceLog(schema) as unknown as TraceLog<TraceEventBase>)
    expect(classOf(new TraceLog(schema) as unknown as TraceLog<TraceEventBase>)).toBe(first)
    expect(classOf(new TraceLog(same) as unknown as TraceLog<TraceEventBase>)).toBe(first)
    expect(classOf(new TraceLog(other) as unknown as TraceLog<TraceEventBase>)).not.toBe(first)
  })

  it('appendFrom (how the binary reader appends) appends what append appends, generated or generic', () => {
    const columns = [Float64Array.of(7, 4_000_000_000), Float64Array.of(9, 65535), Float64Array.of(1, 255)]
    for (const generic of [false, true]) {
      const log = new TraceLog(schema)
      const store = log.stores[schema.kind('a.three')?.id ?? -1] as KindStore
      const appender = (generic
        ? new GenericAppender(log as unknown as TraceLog<TraceEventBase>, store)
        : log.appender('a.three')) as unknown as DecodedRowAppender
      expect(appender.appendFrom(columns, 0, -1)).toBe(0)
      expect(appender.appendFrom(columns, 1, 0)).toBe(1)
      expect(() => appender.appendFrom(columns, 1, 5)).toThrow(RangeError)
      expectSameAs(log, [
        { event: { type: 'a.three', x: 7, y: 9, z: 1 }, cause: undefined },
        { event: { type: 'a.three', x: 4_000_000_000, y: 65535, z: 255 }, cause: 0 },
      ])
    }
  })

  it('returns one appender per kind and refuses kinds that are not high-volume', () => {
    const log = new TraceLog(schema)
    expect(log.appender('a.three')).toBe(log.appender('a.three'))
    expect(log.appender('a.three').type).toBe('a.three')
    expect(() => log.appender('a.note')).toThrow(TypeError)
  })

  it('uses about the field bytes per event for a long single-kind stream without causes', () => {
    const log = new TraceLog(schema)
    const three = log.appender('a.three')
    const count = CHUNK_SIZE * 4
    for (let seq = 0; seq < count; seq++) three.append(seq, seq & 0xffff, seq & 0xff)
    const memory = log.memory()
    expect(memory.causeBytes).toBe(0)
    expect(memory.indexBytes).toBeLessThan(4096)
    expect(memory.bytesPerEvent).toBeLessThan(7.1)
  })
})
