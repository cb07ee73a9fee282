// Hostile trace input beyond traceCorruption.test.ts: a 100 MB line fed lazily (the reader must stop
// at its line bound, reading a bounded number of chunks), pathological nesting, numbers beyond
// 2^53, every prototype key in every position, wrong versions and unknown kinds; binary files
// whose counts claim more than their bytes hold, and layout corruptions both binary readers must
// refuse alike; misplaced digests; control characters in messages: each one a TraceFormatError,
// none a crash, and Object.prototype untouched.
import { describe, expect, it } from 'vitest'
import { bytesSource, decodeBinaryTrace, openBinaryTrace } from './binaryTrace.js'
import { decodeJsonLines } from './jsonLines.js'
import {
  frame,
  indexOf,
  join,
  layoutOf,
  loggingSource,
  trailer,
  varint,
  withIndex,
} from './testing/binaryTamper.js'
import { chunked, encodeToBytes, sampleEvents, testCompressor, toyLog } from './testing/codecHelpers.js'
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
    ['version 3', { version: 3 }],
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

// ---------------------------------------------------------------------------------------------
// Binary traces: the cost of reading is bounded by the file's bytes, not by the counts it claims,
// and both binary readers (streaming and indexed) apply one set of layout rules.

const binaryOptions = { file: 'hostile.bin', compressor: testCompressor }

/** The error of reading `bytes` with the streaming reader (undefined when it reads them). */
async function streamingError(bytes: Uint8Array, chunkSize = 61): Promise<TraceFormatError | undefined> {
  const result = await collectTrace(
    decodeBinaryTrace(chunked(bytes, chunkSize), toySchema, binaryOptions),
    toySchema,
  )
  return result.ok ? undefined : result.error
}

/** The error of opening `bytes` with the indexed reader and reading every entry. */
async function indexedError(bytes: Uint8Array): Promise<TraceFormatError | undefined> {
  try {
    const index = await openBinaryTrace(bytesSource(bytes), toySchema, binaryOptions)
    for await (const _entry of index.entries()) {
      // read them all
    }
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(TraceFormatError)
    return error as TraceFormatError
  }
}

async function validBinary(): Promise<Uint8Array> {
  return (await encodeToBytes(toyLog(sampleEvents(20)), 'binary', 5)).slice()
}

describe('hostile binary traces: cost bounded by the bytes', () => {
  it('refuses an index claiming more events than its blocks can hold, reading nothing but preamble, trailer and index', async () => {
    const bytes = await validBinary()
    const index = indexOf(bytes)
    // Four blocks of five events each, claimed to hold 2^20 events each (the 289 KB file of
    // issue #18 claimed 268M events this way).
    const hostile = withIndex(bytes, {
      ...index,
      events: index.blocks.length << 20,
      blocks: index.blocks.map((block, number) => ({ ...block, firstSeq: number << 20, count: 1 << 20 })),
      checkpoints: [],
    })
    const { preambleEnd, indexOffset } = layoutOf(hostile)
    const source = loggingSource(hostile)
    const refused = await openBinaryTrace(source, toySchema, binaryOptions).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(TraceFormatError)
    expect(refused).toMatchObject({
      field: 'index.blocks.0.count',
      offset: indexOffset + 14,
      file: 'hostile.bin',
    })
    expect((refused as Error).message).toMatch(/holds? at most \d+ events/)
    for (const [offset, length] of source.reads)
      expect(offset + length <= preambleEnd || offset >= indexOffset).toBe(true)
    expect(await streamingError(hostile)).toMatchObject({ field: 'index.blocks.0.count' })
  })

  it('refuses a block whose payload claims more events than its bytes hold, at the count, before decoding', async () => {
    const bytes = await validBinary()
    const { preambleEnd } = layoutOf(bytes)
    // firstSeq 0, count 2^20, one run of kind 0 (kv.set: three fields, at least 3 bytes a row), no causes.
    const payload = Uint8Array.from([0, ...varint(1 << 20), 1, 0, ...varint(1 << 20), 0, 0, 1, 2, 3])
    const block = frame(1, 0, payload)
    const indexFor = (count: number) => ({
      events: count,
      blocks: [{ offset: preambleEnd, firstSeq: 0, count }],
      checkpoints: [],
    })
    const assemble = (count: number) => {
      const index = new TextEncoder().encode(JSON.stringify(indexFor(count)))
      return join(
        bytes.subarray(0, preambleEnd),
        block,
        frame(2, 0, index),
        trailer(preambleEnd + block.length),
      )
    }
    const expected = { field: 'count', offset: preambleEnd + 14 + 1, seq: 0 }
    const streamed = await streamingError(assemble(1 << 20))
    expect(streamed).toMatchObject(expected)
    expect(streamed?.reason).toMatch(/claims 1048576 events; its \d+ bytes hold at most \d+/)
    // The indexed reader refuses the index's claim at open, and the block's own claim when read.
    expect(await indexedError(assemble(1 << 20))).toMatchObject({ field: 'index.blocks.0.count' })
    expect(await indexedError(assemble(1))).toMatchObject(expected)
  })

  it.each([
    ['a deflated block claiming more than deflate can expand to', 1, 64 << 20],
    ['a stored block whose raw length differs from its stored length', 0, 4096],
  ])('refuses %s at its frame, before reading its bytes', async (_name, codec, rawLength) => {
    const bytes = await validBinary()
    const { preambleEnd, frames } = layoutOf(bytes)
    const first = frames[0] as { offset: number; stored: number }
    const storedBytes = bytes.subarray(first.offset + 14, first.offset + 14 + first.stored)
    const stored = codec === 1 ? testCompressor.compress(storedBytes) : storedBytes
    const hostile = join(
      bytes.subarray(0, preambleEnd),
      frame(1, codec, stored, rawLength),
      bytes.subarray(first.offset + 14 + first.stored),
    )
    let delivered = 0
    function* oneByteChunks() {
      for (let offset = 0; offset < hostile.length; offset++) {
        delivered++
        yield hostile.subarray(offset, offset + 1)
      }
    }
    const result = await collectTrace(decodeBinaryTrace(oneByteChunks(), toySchema, binaryOptions), toySchema)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toMatchObject({ field: 'rawLength', offset: preambleEnd + 6 })
    expect(delivered).toBeLessThanOrEqual(preambleEnd + 14)
  })
})

describe('hostile binary traces: one set of layout rules for both readers', () => {
  const cases: [
    string,
    (bytes: Uint8Array) => Uint8Array,
    (bytes: Uint8Array) => { field?: string; offset?: number },
  ][] = [
    [
      'non-zero reserved flags',
      (bytes) => {
        const copy = bytes.slice()
        copy[10] = 1
        return copy
      },
      () => ({ field: 'flags', offset: 10 }),
    ],
    [
      'a trailer pointing at an events block',
      (bytes) =>
        withIndex(bytes, indexOf(bytes), {
          trailerOffset: (layoutOf(bytes).frames[0] as { offset: number }).offset,
        }),
      (bytes) => ({ field: 'trailer.indexOffset', offset: bytes.length - 16 }),
    ],
    [
      'a trailer pointing inside the index block',
      (bytes) => withIndex(bytes, indexOf(bytes), { trailerOffset: layoutOf(bytes).indexOffset + 1 }),
      (bytes) => ({ field: 'trailer.indexOffset', offset: bytes.length - 16 }),
    ],
    [
      'a trailer pointing past the end of the file',
      (bytes) => withIndex(bytes, indexOf(bytes), { trailerOffset: 2 ** 40 }),
      (bytes) => ({ field: 'trailer.indexOffset', offset: bytes.length - 16 }),
    ],
    [
      'a compressed index block',
      (bytes) => {
        const json = new TextEncoder().encode(JSON.stringify(indexOf(bytes)))
        return withIndex(bytes, indexOf(bytes), { codec: 1, stored: testCompressor.compress(json) })
      },
      (bytes) => ({ field: 'codec', offset: layoutOf(bytes).indexOffset + 1 }),
    ],
    [
      'an index with an unknown member',
      (bytes) => withIndex(bytes, { ...indexOf(bytes), extra: 1 }),
      (bytes) => ({ field: 'index.extra', offset: layoutOf(bytes).indexOffset + 14 }),
    ],
    [
      'a checkpoint after the last event',
      (bytes) => {
        const index = indexOf(bytes)
        return withIndex(bytes, {
          ...index,
          checkpoints: [...index.checkpoints, { seq: index.events + 1, digest: 'x' }],
        })
      },
      (bytes) => ({ field: `index.checkpoints.${indexOf(bytes).checkpoints.length - 1}.seq` }),
    ],
    [
      'checkpoints out of order',
      (bytes) => {
        const index = indexOf(bytes)
        return withIndex(bytes, { ...index, checkpoints: [...index.checkpoints].reverse() })
      },
      () => ({ field: 'index.checkpoints.1.seq' }),
    ],
    [
      'an index whose first block is not right after the preamble',
      (bytes) => {
        const index = indexOf(bytes)
        return withIndex(bytes, {
          ...index,
          blocks: index.blocks.map((block, n) => (n === 0 ? { ...block, offset: block.offset + 1 } : block)),
        })
      },
      () => ({ field: 'index.blocks.0.offset' }),
    ],
    [
      'an index naming a wrong block offset',
      (bytes) => {
        const index = indexOf(bytes)
        return withIndex(bytes, {
          ...index,
          blocks: index.blocks.map((block, n) => (n === 2 ? { ...block, offset: block.offset + 1 } : block)),
        })
      },
      () => ({}),
    ],
    [
      'an index whose block counts disagree with the blocks',
      (bytes) => {
        const index = indexOf(bytes)
        const blocks = index.blocks.map((block) => ({ ...block }))
        ;(blocks[0] as { count: number }).count -= 1
        ;(blocks[1] as { count: number; firstSeq: number }).count += 1
        ;(blocks[1] as { firstSeq: number }).firstSeq -= 1
        return withIndex(bytes, { ...index, blocks })
      },
      () => ({}),
    ],
    [
      'bytes between the index block and the trailer',
      (bytes) => {
        const { trailerOffset, indexOffset } = layoutOf(bytes)
        return join(bytes.subarray(0, trailerOffset), Uint8Array.from([0, 0, 0]), trailer(indexOffset))
      },
      () => ({}),
    ],
  ]

  it('reads the untampered file with both readers', async () => {
    const bytes = await validBinary()
    expect(await streamingError(bytes)).toBeUndefined()
    expect(await indexedError(bytes)).toBeUndefined()
  })

  it.each(cases)('both readers refuse %s, naming the same field and offset', async (_name, tamper, where) => {
    const hostile = tamper(await validBinary())
    const streamed = await streamingError(hostile)
    const indexed = await indexedError(hostile)
    expect(streamed).toBeInstanceOf(TraceFormatError)
    expect(indexed).toBeInstanceOf(TraceFormatError)
    expect(streamed).toMatchObject(where(hostile))
    expect(indexed).toMatchObject(where(hostile))
    prototypeUntouched()
  })
})

describe('hostile traces: recorded digests where a replay checks them', () => {
  it.each([
    ['a checkpoint ahead of the events read', ['{"checkpoint":{"seq":5,"digest":"x"}}'], 2],
    [
      'a checkpoint behind the events read',
      [
        '{"seq":0,"event":{"type":"kv.set","key":1,"value":1,"old":0}}',
        '{"checkpoint":{"seq":0,"digest":"x"}}',
      ],
      3,
    ],
    [
      'two checkpoints at one seq',
      ['{"checkpoint":{"seq":0,"digest":"x"}}', '{"checkpoint":{"seq":0,"digest":"y"}}'],
      3,
    ],
  ])('refuses %s (JSON Lines), naming the line', async (_name, lines, line) => {
    const result = await decodeLines([
      ...lines,
      `{"end":{"events":${lines.filter((text) => text.includes('"event"')).length}}}`,
    ])
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error).toMatchObject({ field: 'checkpoint.seq', line })
  })
})

describe('hostile traces: what messages quote', () => {
  it('escapes control characters from the input and truncates long excerpts', async () => {
    const terminalEscape = '\u001b[2J\u001b]0;pwned\u0007'
    const keyed = await decodeLines([
      `{"seq":0,${JSON.stringify(terminalEscape)}:1,"event":{"type":"kv.set","key":1,"value":1,"old":0}}`,
      '{"end":{"events":1}}',
    ])
    const long = await decodeLines([
      `{"seq":0,"event":{"type":"kv.set","key":${JSON.stringify(`${terminalEscape}${'y'.repeat(100_000)}`)},"value":1,"old":0}}`,
      '{"end":{"events":1}}',
    ])
    for (const result of [keyed, long]) {
      expect(result.ok).toBe(false)
      if (result.ok) continue
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is their absence
      expect(result.error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
      // Escaped by the message (\x1b) or by the JSON quoting a value (\u001b).
      expect(result.error.message).toMatch(/\\x1b|\\u001b/)
      expect(result.error.message.length).toBeLessThan(1000)
    }
  })
})
