import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bytesSource, openBinaryTrace } from './binaryTrace.js'
import {
  decodeBytes,
  type Encoding,
  encodeToBytes,
  sampleEvents,
  testCompressor,
  toyLog,
  toySteps,
} from './testing/codecHelpers.js'
import { mutableToyModel, toyEvents, toySchema } from './testing/toyModel.js'
import { Timeline } from './timeline.js'
import { verify } from './verify.js'

const encodings: Encoding[] = ['jsonl', 'binary', 'binary-deflate']

describe('trace codecs (JSON Lines and binary)', () => {
  it.each(encodings)('save → load → replay gives identical digests and events (%s)', async (encoding) => {
    await fc.assert(
      fc.asyncProperty(
        toySteps(60),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 40 }),
        async (steps, causeEvery, chunkSize) => {
          const log = toyLog(toyEvents(steps, 16), causeEvery)
          const bytes = await encodeToBytes(log, encoding, 7)
          const result = await decodeBytes(bytes, encoding, chunkSize)
          if (!result.ok) throw result.error
          const loaded = result.trace
          expect(loaded.log.length).toBe(log.length)
          expect(loaded.seed).toBe(42)
          expect(loaded.config).toEqual({ slots: 16 })
          for (let seq = 0; seq < log.length; seq++) {
            expect(loaded.log.at(seq)).toEqual(log.at(seq))
            expect(loaded.log.causeOf(seq)).toBe(log.causeOf(seq))
          }
          const original = new Timeline({ log, model: mutableToyModel, config: { slots: 16 } })
          const replayed = new Timeline({ log: loaded.log, model: mutableToyModel, config: { slots: 16 } })
          for (let seq = 0; seq <= log.length; seq++)
            expect(replayed.digestAt(seq)).toBe(original.digestAt(seq))
          expect(
            verify({
              log: loaded.log,
              model: mutableToyModel,
              config: { slots: 16 },
              expected: loaded.checkpoints,
            }).ok,
          ).toBe(true)
        },
      ),
      { numRuns: 25 },
    )
  })

  it.each([
    'binary',
    'binary-deflate',
  ] as const)('reading the log directly encodes the same bytes as reading its entries (%s)', async (encoding) => {
    await fc.assert(
      fc.asyncProperty(
        toySteps(120),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 50 }),
        async (steps, causeEvery, blockEvents) => {
          const log = toyLog(toyEvents(steps, 16), causeEvery)
          const viaEntries = await encodeToBytes(log, encoding, blockEvents)
          const viaLog = await encodeToBytes(log, encoding, blockEvents, true)
          expect(viaLog).toEqual(viaEntries)
        },
      ),
      { numRuns: 40 },
    )
  })

  it('opens a binary trace through its index and reads any seq without decoding the rest', async () => {
    const log = toyLog(sampleEvents(100))
    const bytes = await encodeToBytes(log, 'binary-deflate', 8)
    const reads: [number, number][] = []
    const source = bytesSource(bytes)
    const index = await openBinaryTrace(
      {
        size: source.size,
        read: (offset, length) => {
          reads.push([offset, length])
          return source.read(offset, length)
        },
      },
      toySchema,
      { compressor: testCompressor },
    )
    expect(index.events).toBe(100)
    expect(index.blocks.length).toBe(13)
    expect(index.checkpoints.length).toBeGreaterThan(0)
    reads.length = 0
    expect((await index.entryAt(57))?.event).toEqual(log.at(57))
    expect(reads.length).toBe(2)
    const range = []
    for await (const entry of index.entries(30, 45)) range.push(entry.seq)
    expect(range).toEqual(Array.from({ length: 15 }, (_, offset) => 30 + offset))
    expect(await index.entryAt(100)).toBeUndefined()
  })

  it('makes the binary encoding several times smaller than JSON Lines', async () => {
    const log = toyLog(sampleEvents(5000), 1000)
    const jsonl = await encodeToBytes(log, 'jsonl')
    const binary = await encodeToBytes(log, 'binary-deflate', 4096)
    expect(jsonl.length / binary.length).toBeGreaterThan(5)
  })
})
