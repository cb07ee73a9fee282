import fc from 'fast-check'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { decodeBinaryTrace, encodeBinaryTrace } from './binaryTrace.js'
import { GenericAppender, type RowAppender } from './kindAppender.js'
import { replayRange } from './replayRange.js'
import { RunIndex } from './runIndex.js'
import { scanBackward, scanForward } from './scanRange.js'
import { createTraceHeader } from './traceHeader.js'
import type { KindStore } from './kindStore.js'
import { NO_CAUSE, type RowBatch, TraceLog } from './traceLog.js'
import type { TraceModel } from './traceModel.js'
import { TraceQuery } from './traceQuery.js'
import { defineSchema, type TraceEventBase } from './traceSchema.js'
import { collectTrace } from './traceStream.js'

describe('runIndex', () => {
  it('gives the same kind and row for every seq as a per-event table, in any lookup order', () => {
    fc.assert(
      fc.property(
        // Each step appends one event of a kind; `jump` makes its row not follow the kind's last row.
        fc.array(fc.record({ kind: fc.nat(3), jump: fc.boolean() }), { minLength: 1, maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 200 }),
        (steps, lookups) => {
          const runs = new RunIndex()
          const nextRow = [0, 0, 0, 0]
          const kinds: number[] = []
          const rows: number[] = []
          steps.forEach(({ kind, jump }, seq) => {
            if (jump) nextRow[kind] = (nextRow[kind] as number) + 7
            const row = nextRow[kind] as number
            nextRow[kind] = row + 1
            runs.note(kind, seq, row)
            kinds.push(kind)
            rows.push(row)
          })
          const check = (seq: number): void => {
            const run = runs.runOf(seq)
            expect(runs.kind(run)).toBe(kinds[seq])
            expect(runs.firstRow(run) + (seq - runs.firstSeq(run))).toBe(rows[seq])
          }
          for (let seq = 0; seq < steps.length; seq++) check(seq)
          for (let seq = steps.length - 1; seq >= 0; seq--) check(seq)
          for (const lookup of lookups) check(lookup % steps.length)
          // One run per change of kind or break in rows, never one per event.
          let expected = 1
          for (let seq = 1; seq < steps.length; seq++) {
            if (kinds[seq] !== kinds[seq - 1] || rows[seq] !== (rows[seq - 1] as number) + 1) expected++
          }
          expect(runs.count).toBe(expected)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('keeps a long run of one kind as one entry across chunk boundaries', () => {
    const runs = new RunIndex()
    for (let seq = 0; seq < 200_000; seq++) runs.note(1, seq, seq)
    runs.note(2, 200_000, 0)
    expect(runs.count).toBe(2)
    expect(runs.runOf(199_999)).toBe(0)
    expect(runs.runOf(200_000)).toBe(1)
  })
})

// Hybrid chunks through the whole log: appenders (generated and generic), appendRows, reserve and
// low-volume appends mixed, in long runs and in alternation across 64 Ki-seq chunk boundaries,
// read back through every reader path and compared with a naive per-seq model.
type HybridEvent =
  | { readonly type: 'h.a'; readonly x: number; readonly y: number }
  | { readonly type: 'h.b'; readonly w: number }
  | { readonly type: 'h.c' }
  | { readonly type: 'l.note'; readonly text: string }
const hybridSchema = defineSchema<HybridEvent>({
  kinds: {
    'h.a': { volume: 'high', fields: { x: 'u32', y: 'u16' } },
    'h.b': { volume: 'high', fields: { w: 'u8' } },
    'h.c': { volume: 'high', fields: {} },
    'l.note': { volume: 'low', schema: v.object({ type: v.literal('l.note'), text: v.string() }) },
  },
})
type HybridHigh = 'h.a' | 'h.b' | 'h.c'
const HIGH: readonly HybridHigh[] = ['h.a', 'h.b', 'h.c']

/** The `seq`-th event if it is of `type`: values derived from the seq. */
function hybridEvent(type: HybridEvent['type'], seq: number): HybridEvent {
  if (type === 'h.a') return { type, x: (seq * 2654435761) >>> 0, y: seq & 0xffff }
  if (type === 'h.b') return { type, w: (seq * 7) & 0xff }
  if (type === 'h.c') return { type }
  return { type, text: `note ${seq}` }
}
const hybridValues = (event: HybridEvent): number[] =>
  event.type === 'h.a' ? [event.x, event.y] : event.type === 'h.b' ? [event.w] : []
/** Some events have a cause, pointing a little back. */
const hybridCause = (seq: number): number | undefined =>
  seq > 3 && seq % 5 === 0 ? seq - 1 - (seq % 3) : undefined

const segment = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('run' as const),
      type: fc.constantFrom(...HIGH),
      length: fc.integer({ min: 1, max: 40_000 }),
      generic: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('alternate' as const),
      // The kinds cycled through, event by event (e.g. an access, then its TLB hit); a low-volume
      // one among them is appended in the open dense chunk (a fault's events between accesses).
      types: fc.array(fc.constantFrom(...HIGH, 'l.note' as const), { minLength: 2, maxLength: 3 }),
      length: fc.integer({ min: 1, max: 40_000 }),
      generic: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('rows' as const), count: fc.integer({ min: 0, max: 70_000 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('reserve' as const), rows: fc.integer({ min: 0, max: 70_000 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('note' as const),
      type: fc.constantFrom(...HIGH, 'l.note' as const),
    }),
  },
)

function plainOf(event: Readonly<HybridEvent>): string {
  const kind = hybridSchema.kind(event.type)
  const record = event as unknown as Record<string, unknown>
  const names = kind?.volume === 'high' ? kind.fields.map((field) => field.name) : ['text']
  return [event.type, ...names.map((name) => String(record[name]))].join(',')
}

describe('runIndex in a log (hybrid run and dense chunks)', () => {
  it('gives the same kind, row, cause and values per seq as a naive model through every reader', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 7 }), async (segments) => {
        const log = new TraceLog(hybridSchema)
        const generic = new Map<HybridHigh, RowAppender>()
        const appenderOf = (type: HybridHigh, useGeneric: boolean): RowAppender => {
          if (!useGeneric) return log.appender(type)
          let appender = generic.get(type)
          if (appender === undefined) {
            const store = log.stores[hybridSchema.kind(type)?.id ?? -1] as KindStore
            appender = new GenericAppender(log as unknown as TraceLog<TraceEventBase>, store)
            generic.set(type, appender)
          }
          return appender
        }
        const expected: string[] = []
        const causes: (number | undefined)[] = []
        const appendWith = (appender: RowAppender, type: HybridHigh): void => {
          const seq = expected.length
          const event = hybridEvent(type, seq)
          const cause = hybridCause(seq)
          const got =
            cause === undefined
              ? appender.append(...hybridValues(event))
              : appender.append(...hybridValues(event), cause)
          if (got !== seq) expect(got).toBe(seq)
          expected.push(plainOf(event))
          causes.push(cause)
        }
        const appendNote = (): void => {
          const seq = expected.length
          const event = hybridEvent('l.note', seq)
          const cause = hybridCause(seq)
          const got = log.append(event, { cause })
          if (got !== seq) expect(got).toBe(seq)
          expected.push(plainOf(event))
          causes.push(cause)
        }
        for (const item of segments) {
          if (item.op === 'run') {
            const appender = appenderOf(item.type, item.generic)
            for (let index = 0; index < item.length; index++) appendWith(appender, item.type)
          } else if (item.op === 'alternate') {
            const appenders = item.types.map((type) =>
              type === 'l.note' ? undefined : appenderOf(type, item.generic),
            )
            for (let index = 0; index < item.length; index++) {
              const which = index % item.types.length
              const appender = appenders[which]
              if (appender !== undefined) appendWith(appender, item.types[which] as HybridHigh)
              else appendNote()
            }
          } else if (item.op === 'rows') {
            const first = expected.length
            const x = new Uint32Array(item.count)
            const y = new Uint16Array(item.count)
            const rowCauses = new Int32Array(item.count).fill(NO_CAUSE)
            for (let index = 0; index < item.count; index++) {
              const event = hybridEvent('h.a', first + index) as Extract<HybridEvent, { type: 'h.a' }>
              x[index] = event.x
              y[index] = event.y
              const cause = hybridCause(first + index)
              if (cause !== undefined) rowCauses[index] = cause
              expected.push(plainOf(event))
              causes.push(cause)
            }
            expect(log.appendRows('h.a', { count: item.count, columns: { x, y }, causes: rowCauses })).toBe(
              first,
            )
          } else if (item.op === 'reserve') {
            log.reserve({ events: item.rows, rows: { 'h.a': item.rows, 'h.b': item.rows } })
          } else {
            const seq = expected.length
            const event = hybridEvent(item.type, seq)
            const cause = hybridCause(seq)
            expect(log.append(event, { cause })).toBe(seq)
            expected.push(plainOf(event))
            causes.push(cause)
          }
        }
        const length = expected.length
        expect(log.length).toBe(length)
        const firstBad = (read: (seq: number) => string | undefined): number =>
          expected.findIndex((text, seq) => read(seq) !== text)
        // Random access by seq, backwards first (no help from the lookup cache), then forwards.
        const reversed = expected.map((_, seq) => plainOf(log.at(length - 1 - seq) as HybridEvent)).reverse()
        expect(firstBad((seq) => reversed[seq])).toBe(-1)
        expect(firstBad((seq) => plainOf(log.at(seq) as HybridEvent))).toBe(-1)
        expect(firstBad((seq) => plainOf(log.view(seq) as HybridEvent))).toBe(-1)
        expect(causes.findIndex((cause, seq) => log.causeOf(seq) !== cause)).toBe(-1)
        expect(expected.findIndex((text, seq) => text.split(',')[0] !== log.typeAt(seq))).toBe(-1)
        // Scans, forwards and backwards.
        const scanned: string[] = []
        scanForward(log, 0, length, (event) => {
          scanned.push(plainOf(event))
          return false
        })
        expect(firstBad((seq) => scanned[seq])).toBe(-1)
        const backwards: string[] = []
        scanBackward(log, 0, length, (event) => {
          backwards.push(plainOf(event))
          return false
        })
        expect(firstBad((seq) => backwards[length - 1 - seq])).toBe(-1)
        const entries = [...log.entries()]
        expect(
          entries.findIndex(
            (entry, seq) => plainOf(entry.event) !== expected[seq] || entry.cause !== causes[seq],
          ),
        ).toBe(-1)
        // Replay, through applyRows batches and through views, from the start and from the middle.
        for (const from of [0, length >>> 1]) {
          for (const useRows of [true, false]) {
            const replayed = replayPlain(log, useRows, from)
            expect(replayed.length).toBe(length - from)
            expect(replayed.findIndex((text, index) => text !== expected[from + index])).toBe(-1)
          }
        }
        // Queries: counts per type over windows, next and previous of each type.
        const query = new TraceQuery(log)
        for (const [from, to] of [
          [0, length],
          [length >>> 2, (length * 3) >>> 2],
        ] as const) {
          const counts: Record<string, number> = {}
          for (let seq = from; seq < to; seq++) {
            const type = (expected[seq] as string).split(',')[0] as string
            counts[type] = (counts[type] ?? 0) + 1
          }
          expect(query.countByType({ from, to })).toEqual(counts)
        }
        for (const type of [...HIGH, 'l.note' as const]) {
          const from = length >>> 1
          const next = expected.findIndex((text, seq) => seq >= from && text.split(',')[0] === type)
          expect(query.next({ type }, from)).toBe(next === -1 ? undefined : next)
        }
        // Encode to the binary format and decode it back.
        const chunks: Uint8Array[] = []
        const header = createTraceHeader({
          producer: { name: 'runIndex-test', version: '1.0.0' },
          config: null,
          seed: 1,
          schema: hybridSchema,
        })
        for await (const chunk of encodeBinaryTrace(
          { header, entries: log.entries() },
          { blockEvents: 4096 },
        )) {
          chunks.push(chunk)
        }
        const decoded = await collectTrace(decodeBinaryTrace(chunks, hybridSchema), hybridSchema)
        expect(decoded.ok).toBe(true)
        const back = decoded.trace?.log as TraceLog<HybridEvent>
        expect(back.length).toBe(length)
        expect(firstBad((seq) => plainOf(back.at(seq) as HybridEvent))).toBe(-1)
        expect(causes.findIndex((cause, seq) => back.causeOf(seq) !== cause)).toBe(-1)
      }),
      { numRuns: 8 },
    )
  }, 120_000)

  it('keeps alternating kinds within 16 bytes per event with causes, and long runs within their fields', () => {
    const log = new TraceLog(hybridSchema)
    const a = log.appender('h.a')
    const b = log.appender('h.b')
    for (let seq = 0; seq < 300_000; seq += 2) {
      a.append(seq, seq & 0xffff, seq === 0 ? NO_CAUSE : seq - 1)
      b.append(seq & 0xff, seq)
    }
    // Fields 6 + 1 bytes per pair, cause 4 and dense index 5 per event: (7 + 18) / 2 = 12.5.
    expect(log.memory().bytesPerEvent).toBeLessThanOrEqual(16)
    expect(log.runs.count).toBeLessThan(10)
    const long = new TraceLog(hybridSchema)
    const only = long.appender('h.a')
    for (let seq = 0; seq < 300_000; seq++) only.append(seq, seq & 0xffff)
    const bIn = long.appender('h.b')
    for (let seq = 0; seq < 10; seq++) bIn.append(seq)
    expect(long.runs.count).toBe(2)
    // Fields 6 bytes (by allocated 64 Ki-row chunks: 6.55), no per-event index.
    expect(long.memory().bytesPerEvent).toBeLessThan(7)
  })
})

/** Replays `log` from `from` collecting each event as text, through applyRows batches or views. */
function replayPlain(log: TraceLog<HybridEvent>, useRows: boolean, from: number): string[] {
  const seen: string[] = []
  const model = {
    apply(state: null, event: Readonly<HybridEvent>) {
      seen.push(plainOf(event))
      return state
    },
    ...(useRows
      ? {
          applyRows(state: null, rows: RowBatch) {
            const kind = hybridSchema.kind(rows.type)
            for (let row = rows.start; row < rows.end; row++) {
              const values = (kind?.fields ?? []).map((field) => String(rows.columns[field.name]?.[row]))
              seen.push([rows.type, ...values].join(','))
            }
            return state
          },
        }
      : {}),
  } as unknown as TraceModel<null, HybridEvent, null>
  replayRange(log, model, null, from, log.length)
  return seen
}
