// Hostile trace input beyond traceCorruption.test.ts: a 100 MB line fed lazily (the reader must stop
// at its line bound, reading a bounded number of chunks), pathological nesting, numbers beyond
// 2^53, every prototype key in every position, wrong versions and unknown kinds: each one a
// TraceFormatError, none a crash, and Object.prototype untouched.
import { describe, expect, it } from 'vitest'
import { decodeJsonLines } from './jsonLines.js'
import { toySchema } from './testing/toyModel.js'
import { TraceFormatError } from './traceFormatError.js'
import { collectTrace } from './traceStream.js'

const text = new TextEncoder()
const header = JSON.stringify({
  format: 'ntmm-trace',
  version: 1,
  producer: { name: 'test', version: '1' },
  config: { slots: 16 },
  seed: 1,
  schema: toySchema.describe(),
})

function prototypeUntouched(): void {
  for (const key of ['polluted', 'x', 'type', 'admin']) expect(Object.prototype).not.toHaveProperty(key)
  expect(Object.keys(Object.prototype)).toEqual([])
}

async function decodeLines(lines: readonly string[]) {
  return collectTrace(
    decodeJsonLines([text.encode(`${[header, ...lines].join('\n')}\n`)], toySchema),
    toySchema,
  )
}

describe('hostile traces', () => {
  it('refuses a 100 MB line after reading about its bound, in bounded memory', async () => {
    const mib = text.encode('x'.repeat(1 << 20))
    let chunksRead = 0
    async function* source() {
      yield text.encode(`${header}\n{"seq":0,"event":{"type":"kv.note","at":1,"text":"`)
      for (let i = 0; i < 100; i++) {
        chunksRead++
        yield mib
      }
    }
    const before = process.memoryUsage().heapUsed
    const result = await collectTrace(decodeJsonLines(source(), toySchema), toySchema)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(TraceFormatError)
      expect(result.error.reason).toMatch(/longer than/)
    }
    expect(chunksRead).toBeLessThanOrEqual(3)
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 << 20)
  })

  it.each([
    [
      'nesting 100 000 deep',
      `{"seq":0,"event":{"type":"kv.note","text":"x","at":1,"n":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
    ],
    [
      'nesting 65 deep',
      `{"seq":0,"event":{"type":"kv.note","text":"x","at":1,"n":${'{"a":'.repeat(65)}1${'}'.repeat(65)}}}`,
    ],
    ['2^53 + 1 as a seq', '{"seq":9007199254740993,"event":{"type":"kv.note","text":"x","at":1}}'],
    ['a negative zero seq and NaN-like text', '{"seq":-0.5,"event":{"type":"kv.note","text":"x","at":1}}'],
    ['1e309 as a cause', '{"seq":0,"cause":1e309,"event":{"type":"kv.note","text":"x","at":1}}'],
    ['an unknown event type', '{"seq":0,"event":{"type":"hw.notAKind","at":1}}'],
    ['an event type named __proto__', '{"seq":0,"event":{"type":"__proto__"}}'],
    ['an event that is an array', '{"seq":0,"event":[1,2,3]}'],
    ['an event that is a string', '{"seq":0,"event":"kv.note"}'],
    ['a line that is null', 'null'],
    ['a line that is a number', '42'],
    [
      'prototype key deep inside',
      '{"seq":0,"event":{"type":"kv.note","text":"x","at":1,"a":{"b":[{"prototype":{"x":1}}]}}}',
    ],
    ['__proto__ in the end record', '{"end":{"events":0,"__proto__":{"polluted":1}}}'],
    ['a bare invalid line', '{"seq":0,'],
    ['binary garbage', '\u0000\u0001\u00ff\ufffd'],
  ])('refuses %s with a TraceFormatError and no pollution', async (_name, line) => {
    const result = await decodeLines([line, '{"end":{"events":1}}'])
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toBeInstanceOf(TraceFormatError)
    prototypeUntouched()
  })

  it.each([
    ['version 0', { version: 0 }],
    ['version 2', { version: 2 }],
    ['version "1"', { version: '1' }],
    ['another format', { format: 'not-ntmm' }],
    ['a __proto__ schema', { schema: JSON.parse('{"__proto__":{"polluted":1},"kinds":[]}') }],
    ['no schema', { schema: undefined }],
    ['a kind named constructor', { schema: { kinds: [{ type: 'constructor', volume: 'low' }] } }],
  ])('refuses a header with %s', async (_name, change) => {
    const bad = JSON.stringify({ ...JSON.parse(header), ...change })
    const result = await collectTrace(
      decodeJsonLines([text.encode(`${bad}\n{"end":{"events":0}}\n`)], toySchema),
      toySchema,
    )
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toBeInstanceOf(TraceFormatError)
    prototypeUntouched()
  })
})
