import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { NO_CAUSE, TraceLog } from './traceLog.js'
import { defineSchema } from './traceSchema.js'

type Wide =
  | { readonly type: 'x.wide'; readonly address: number; readonly small: number }
  | { readonly type: 'x.other'; readonly a: number }
const schema = defineSchema<Wide>({
  kinds: {
    'x.wide': { volume: 'high', fields: { address: 'f64', small: 'u8' }, addressFields: ['address'] },
    'x.other': { volume: 'high', fields: { a: 'i32' } },
  },
})

describe('traceLog bulk and reserve', () => {
  it('appendRows stores the same events as one append per row, across chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (batches, reserve) => {
          const bulk = new TraceLog(schema)
          const single = new TraceLog(schema)
          if (reserve) bulk.reserve({ events: 200_000, rows: { 'x.wide': 200_000 } })
          const appendSingle = single.appender('x.wide')
          let next = 0
          for (const count of batches) {
            const address = new Float64Array(count).map((_, index) => 2 ** 47 + (next + index) * 4096)
            const small = new Uint8Array(count).map((_, index) => (next + index) & 255)
            const causes = new Int32Array(count).map((_, index) =>
              next + index > 0 && index % 5 === 0 ? next + index - 1 : NO_CAUSE,
            )
            bulk.appendRows('x.wide', { count, columns: { address, small }, causes })
            for (let index = 0; index < count; index++)
              appendSingle.append(address[index] as number, small[index] as number, causes[index] as number)
            bulk.append({ type: 'x.other', a: -count })
            single.append({ type: 'x.other', a: -count })
            next += count + 1
          }
          expect(bulk.length).toBe(single.length)
          for (let seq = 0; seq < bulk.length; seq += 97) {
            expect(bulk.at(seq)).toEqual(single.at(seq))
            expect(bulk.causeOf(seq)).toBe(single.causeOf(seq))
          }
          expect(bulk.at(bulk.length - 2)).toEqual(single.at(single.length - 2))
        },
      ),
      { numRuns: 15 },
    )
  })

  it('keeps 48-bit addresses exact in f64 columns', () => {
    const log = new TraceLog(schema)
    log.append({ type: 'x.wide', address: 2 ** 48 - 4096, small: 1 })
    expect(log.at(0)).toEqual({ type: 'x.wide', address: 2 ** 48 - 4096, small: 1 })
  })

  it('refuses a bulk append with a forward cause or a short column, appending nothing', () => {
    const log = new TraceLog(schema)
    expect(() =>
      log.appendRows('x.wide', {
        count: 2,
        columns: { address: [1, 2], small: [1, 2] },
        causes: [NO_CAUSE, 1],
      }),
    ).toThrow(RangeError)
    expect(() => log.appendRows('x.wide', { count: 2, columns: { address: [1], small: [1, 2] } })).toThrow(
      RangeError,
    )
    expect(log.length).toBe(0)
  })
})

describe('binary encoding of f64 columns', () => {
  it('round-trips fractional, negative and 2^52-range values exactly', async () => {
    const { encodeBinaryTrace, decodeBinaryTrace } = await import('./binaryTrace.js')
    const { collectTrace } = await import('./traceStream.js')
    const { createTraceHeader } = await import('./traceHeader.js')
    const values = [0, 0.5, -3, 2 ** 52, -(2 ** 52), 2 ** 48 + 1, 1e-9, 7]
    const log = new TraceLog(schema)
    for (const value of values) log.append({ type: 'x.wide', address: value, small: 3 })
    for (const value of [2 ** 48 - 1, 2 ** 48, 4096]) log.append({ type: 'x.wide', address: value, small: 4 })
    const header = createTraceHeader({ producer: { name: 't', version: '1' }, config: null, seed: 0, schema })
    const chunks: Uint8Array[] = []
    for await (const chunk of encodeBinaryTrace({ header, entries: log.entries() }, { blockEvents: 8 }))
      chunks.push(chunk)
    const result = await collectTrace(decodeBinaryTrace(chunks, schema), schema)
    if (!result.ok) throw result.error
    for (let seq = 0; seq < log.length; seq++) expect(result.trace.log.at(seq)).toEqual(log.at(seq))
  })
})

describe('binary decoding of out-of-range column values', () => {
  it('refuses a u8 column value above 255 written by an unchecked producer, naming the field', async () => {
    const { encodeBinaryTrace, decodeBinaryTrace } = await import('./binaryTrace.js')
    const { collectTrace } = await import('./traceStream.js')
    const { createTraceHeader } = await import('./traceHeader.js')
    const header = createTraceHeader({ producer: { name: 't', version: '1' }, config: null, seed: 0, schema })
    const entries = [{ seq: 0, cause: undefined, event: { type: 'x.wide' as const, address: 1, small: 300 } }]
    const chunks: Uint8Array[] = []
    for await (const chunk of encodeBinaryTrace({ header, entries })) chunks.push(chunk)
    const result = await collectTrace(decodeBinaryTrace(chunks, schema, { file: 'range.bin' }), schema)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.field).toBe('event.small')
      expect(result.error.message).toContain('not a valid u8')
    }
  })
})
