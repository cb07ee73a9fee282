import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesSource, decodeBinaryItems, decodeBinaryTrace, openBinaryTrace } from './binaryTrace.js'
import { decodeJsonLines } from './jsonLines.js'
import {
  decodeBytes,
  type Encoding,
  encodeToBytes,
  sampleEvents,
  testCompressor,
  toyLog,
  toySteps,
  chunked,
} from './testing/codecHelpers.js'
import { type ToyEvent, toyEvents, toySchema } from './testing/toyModel.js'
import { TraceFormatError } from './traceFormatError.js'
import { collectItems, collectTrace, type TraceReadResult } from './traceStream.js'

const encodings: Encoding[] = ['jsonl', 'binary', 'binary-deflate']
const text = new TextEncoder()

function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  expect(Object.prototype).not.toHaveProperty('polluted')
}

function jsonlTrace(lines: readonly string[]): Uint8Array {
  const header = {
    format: 'ntmm-trace',
    version: 1,
    producer: { name: 'test', version: '1' },
    config: { slots: 16 },
    seed: 1,
    schema: {
      kinds: [
        {
          type: 'kv.set',
          volume: 'high',
          fields: [
            ['key', 'u8'],
            ['value', 'i32'],
            ['old', 'i32'],
          ],
          addressFields: ['key'],
        },
        { type: 'kv.note', volume: 'low', addressFields: ['at'] },
      ],
    },
  }
  return text.encode(`${[JSON.stringify(header), ...lines].join('\n')}\n`)
}

async function decodeJsonlText(lines: readonly string[]) {
  return collectTrace(decodeJsonLines([jsonlTrace(lines)], toySchema, { file: 'bad.jsonl' }), toySchema)
}

/** What a read result says: ok, the error's fields, and the prefix read (events and causes). */
function outcome(result: TraceReadResult<ToyEvent>) {
  const log = result.trace?.log
  const events = log === undefined ? [] : Array.from({ length: log.length }, (_, seq) => log.at(seq))
  const causes = log === undefined ? [] : Array.from({ length: log.length }, (_, seq) => log.causeOf(seq))
  const error = result.ok ? undefined : { ...result.error, message: result.error.message }
  return { ok: result.ok, error, events, causes, checkpoints: result.trace?.checkpoints }
}

describe('trace corruption', () => {
  it.each([
    'binary',
    'binary-deflate',
  ] as const)('collecting whole blocks (readTraceFile) ends like collecting event by event, corrupt or not (%s)', async (encoding) => {
    await fc.assert(
      fc.asyncProperty(
        toySteps(50, 6),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 12 }),
        fc.oneof(
          fc.constant({ kind: 'none' as const }),
          fc.record({
            kind: fc.constant('truncate' as const),
            at: fc.double({ min: 0, max: 1, noNaN: true }),
          }),
          fc.record({
            kind: fc.constant('flip' as const),
            at: fc.double({ min: 0, max: 1, noNaN: true }),
            bit: fc.integer({ min: 0, max: 7 }),
          }),
        ),
        async (steps, causeEvery, blockEvents, damage) => {
          const bytes = await encodeToBytes(toyLog(toyEvents(steps, 16), causeEvery), encoding, blockEvents)
          const offset = Math.min(
            bytes.length - 1,
            Math.floor(damage.kind === 'none' ? 0 : damage.at * bytes.length),
          )
          let damaged = bytes
          if (damage.kind === 'truncate') damaged = bytes.subarray(0, offset)
          if (damage.kind === 'flip') {
            damaged = bytes.slice()
            damaged[offset] = (damaged[offset] as number) ^ (1 << damage.bit)
          }
          const options = { file: 'test.bin', compressor: testCompressor }
          const byEvent = await collectTrace(
            decodeBinaryTrace(chunked(damaged, 23), toySchema, options),
            toySchema,
          )
          const byBlock = await collectItems(
            decodeBinaryItems(chunked(damaged, 23), toySchema, options, true),
            toySchema,
          )
          expect(outcome(byBlock)).toEqual(outcome(byEvent))
          expectNoPollution()
        },
      ),
      { numRuns: 150 },
    )
  })

  it.each(
    encodings,
  )('yields the valid prefix and a clear error when truncated at every byte offset (%s)', async (encoding) => {
    const log = toyLog(sampleEvents(24))
    const bytes = await encodeToBytes(log, encoding, 5)
    for (let cut = 0; cut < bytes.length; cut++) {
      const result = await decodeBytes(bytes.subarray(0, cut), encoding, 13)
      expect(result.ok).toBe(false)
      if (result.ok) continue
      expect(result.error).toBeInstanceOf(TraceFormatError)
      expect(result.error.file).toMatch(/^test\./)
      const prefix = result.trace?.log
      for (let seq = 0; seq < (prefix?.length ?? 0); seq++) expect(prefix?.at(seq)).toEqual(log.at(seq))
    }
    expect((await decodeBytes(bytes, encoding)).ok).toBe(true)
  })

  it.each(
    encodings,
  )('reports flipped bytes as a TraceFormatError or reads valid events, never crashing (%s)', async (encoding) => {
    const log = toyLog(sampleEvents(30))
    const bytes = await encodeToBytes(log, encoding, 6)
    await fc.assert(
      fc.asyncProperty(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), async (position, mask) => {
        const corrupt = bytes.slice()
        corrupt[position] = (corrupt[position] as number) ^ mask
        const result = await decodeBytes(corrupt, encoding, 64)
        if (!result.ok) expect(result.error).toBeInstanceOf(TraceFormatError)
        else if (encoding !== 'jsonl') expect(result.trace.log.length).toBe(log.length)
        expectNoPollution()
      }),
      { numRuns: 150 },
    )
  })

  it('refuses an unknown version, listing the supported ones (JSON Lines)', async () => {
    const bytes = jsonlTrace([]).slice()
    const textForm = new TextDecoder().decode(bytes).replace('"version":1', '"version":99')
    const result = await collectTrace(
      decodeJsonLines([textForm], toySchema, { file: 'v99.jsonl' }),
      toySchema,
    )
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.message).toContain('unsupported trace format version 99; supported: 1, 2')
    expect(result.error.field).toBe('header.version')
    expect(result.error.line).toBe(1)
  })

  it('refuses an unknown version, listing the supported ones (binary)', async () => {
    const bytes = (await encodeToBytes(toyLog(sampleEvents(3)), 'binary')).slice()
    bytes[8] = 7
    const result = await decodeBytes(bytes, 'binary')
    expect(result.ok).toBe(false)
    if (!result.ok)
      expect(result.error.message).toContain('unsupported trace format version 7; supported: 1, 2')
    await expect(openBinaryTrace(bytesSource(bytes), toySchema)).rejects.toThrow(/supported: 1/)
  })

  it.each([
    [
      '__proto__ in a rare event',
      '{"seq":0,"event":{"type":"kv.note","text":"x","at":1,"__proto__":{"polluted":1}}}',
      'event.__proto__',
    ],
    [
      'constructor in a rare event',
      '{"seq":0,"event":{"type":"kv.note","text":"x","at":1,"constructor":{"prototype":{"polluted":1}}}}',
      'event.constructor',
    ],
    [
      'an escaped __proto__ key',
      '{"seq":0,"event":{"type":"kv.note","text":"x","at":1,"\\u005f_proto__":{"polluted":1}}}',
      'event.__proto__',
    ],
    [
      '__proto__ at the top of a line',
      '{"seq":0,"__proto__":{"polluted":1},"event":{"type":"kv.note","text":"x","at":1}}',
      '__proto__',
    ],
    [
      '__proto__ in a high-volume event',
      '{"seq":0,"event":{"type":"kv.set","key":1,"value":2,"old":0,"__proto__":{"polluted":1}}}',
      'event.__proto__',
    ],
  ])('refuses hostile keys: %s', async (_name, line, field) => {
    const result = await decodeJsonlText([line, '{"end":{"events":1}}'])
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.field).toBe(field)
      expect(result.error.line).toBe(2)
      expect(result.error.message).toContain('bad.jsonl, line 2')
    }
    expectNoPollution()
  })

  it.each([
    ['a huge integer', '{"seq":0,"event":{"type":"kv.note","text":"x","at":1e300}}', 'event.at'],
    ['an overflowing number', '{"seq":0,"event":{"type":"kv.note","text":"x","at":1e400}}', 'event.at'],
    [
      'an integer above 2^53',
      '{"seq":0,"event":{"type":"kv.note","text":"x","at":9007199254740993}}',
      'event.at',
    ],
    [
      'a value too large for u8',
      '{"seq":0,"event":{"type":"kv.set","key":256,"value":2,"old":0}}',
      'event.key',
    ],
    ['a missing field', '{"seq":0,"event":{"type":"kv.set","key":1,"old":0}}', 'event.value'],
    ['an unknown field', '{"seq":0,"event":{"type":"kv.set","key":1,"value":1,"old":0,"x":1}}', 'event.x'],
    ['an unknown type', '{"seq":0,"event":{"type":"kv.nope"}}', 'event.type'],
    ['a wrong seq', '{"seq":5,"event":{"type":"kv.set","key":1,"value":1,"old":0}}', 'seq'],
    ['a forward cause', '{"seq":0,"cause":0,"event":{"type":"kv.set","key":1,"value":1,"old":0}}', 'cause'],
  ])('refuses %s, naming line, seq and field', async (_name, line, field) => {
    const result = await decodeJsonlText([line, '{"end":{"events":1}}'])
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.field).toBe(field)
      expect(result.error.seq).toBe(0)
      expect(result.error.line).toBe(2)
    }
  })

  it('refuses a line longer than the bound without reading on', async () => {
    const long = `{"seq":0,"event":{"type":"kv.note","text":"${'x'.repeat(5000)}","at":1}}`
    const result = await collectTrace(
      decodeJsonLines([jsonlTrace([long, '{"end":{"events":1}}'])], toySchema, { maxLineLength: 1000 }),
      toySchema,
    )
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.reason).toContain('longer than 1000')
  })

  it('keeps the valid prefix before a bad line and reports the truncation of a missing end record', async () => {
    const good = '{"seq":0,"event":{"type":"kv.set","key":1,"value":1,"old":0}}'
    const bad = await decodeJsonlText([good, '{"seq":1,"event":{"type":"kv.set","key":1}}'])
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.trace?.log.length).toBe(1)
    const truncated = await decodeJsonlText([good])
    expect(truncated.ok).toBe(false)
    if (!truncated.ok) {
      expect(truncated.error.reason).toContain('end record is missing')
      expect(truncated.trace?.log.length).toBe(1)
    }
  })

  it('refuses a binary block whose count claims more events than allowed, with its byte offset', async () => {
    const bytes = (await encodeToBytes(toyLog(sampleEvents(10)), 'binary', 100)).slice()
    const items = decodeBinaryTrace([bytes.subarray(0, 40)], toySchema, { file: 'short.bin' })
    const result = await collectTrace(items, toySchema)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.offset).toBeTypeOf('number')
      expect(result.error.message).toMatch(/^short\.bin, byte \d+/)
    }
  })

  it('needs the decompressor for compressed blocks and reports its absence', async () => {
    const bytes = await encodeToBytes(toyLog(sampleEvents(10)), 'binary-deflate', 100)
    const result = await collectTrace(decodeBinaryTrace([bytes], toySchema), toySchema)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.reason).toContain('no decompressor')
    const withIt = await collectTrace(
      decodeBinaryTrace([bytes], toySchema, { compressor: testCompressor }),
      toySchema,
    )
    expect(withIt.ok).toBe(true)
  })
})
