// Helpers for codec tests: build a toy trace, encode it to bytes, decode bytes back.
import fc from 'fast-check'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { type BlockCompressor, decodeBinaryTrace, encodeBinaryTrace } from '../binaryTrace.js'
import { decodeJsonLines, encodeJsonLines } from '../jsonLines.js'
import { createTraceHeader } from '../traceHeader.js'
import { TraceLog } from '../traceLog.js'
import { collectTrace, type TraceReadResult } from '../traceStream.js'
import { recordDigests } from '../verify.js'
import { mutableToyModel, type ToyEvent, toyEvents, toySchema } from './toyModel.js'

export const testCompressor: BlockCompressor = {
  compress: (bytes) => deflateRawSync(bytes),
  decompress: (bytes, rawLength) => inflateRawSync(bytes, { maxOutputLength: Math.max(1, rawLength) }),
}

export type Encoding = 'jsonl' | 'binary' | 'binary-deflate'

/** Random steps for `toyEvents`: sets of a key (0–15) to any i32, and notes up to `noteLength` characters. */
export function toySteps(maxLength: number, noteLength = 8) {
  return fc.array(
    fc.oneof(
      fc.record({ key: fc.nat(15), value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
      fc.record({ note: fc.string({ maxLength: noteLength }) }),
    ),
    { maxLength },
  )
}

export function toyLog(events: readonly ToyEvent[], causeEvery = 3): TraceLog<ToyEvent> {
  const log = new TraceLog(toySchema)
  events.forEach((event, seq) => {
    log.append(event, { cause: seq > 0 && seq % causeEvery === 0 ? seq - 1 : undefined })
  })
  return log
}

export function sampleEvents(count: number): ToyEvent[] {
  return toyEvents(
    Array.from({ length: count }, (_, index) =>
      index % 7 === 3 ? { note: `note ${index} é` } : { key: (index * 5) % 16, value: index * 1000 - 7 },
    ),
    16,
  )
}

export async function encodeToBytes(
  log: TraceLog<ToyEvent>,
  encoding: Encoding,
  blockEvents = 8,
  /** Also hand the encoder the log itself (its direct-read path) besides the entries. */
  withLog = false,
): Promise<Uint8Array> {
  const header = createTraceHeader({
    producer: { name: 'trace-tests', version: '1.0.0' },
    config: { slots: 16 },
    seed: 42,
    schema: toySchema,
  })
  const input = {
    header,
    entries: log.entries(),
    checkpoints: recordDigests(log, mutableToyModel, { slots: 16 }, 5),
    ...(withLog ? { log } : {}),
  }
  const chunks: Uint8Array[] = []
  const stream =
    encoding === 'jsonl'
      ? encodeJsonLines(input)
      : encodeBinaryTrace(input, {
          blockEvents,
          ...(encoding === 'binary-deflate' ? { compressor: testCompressor } : {}),
        })
  for await (const chunk of stream) chunks.push(chunk)
  return concat(chunks)
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0)
  const out = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

/** Splits bytes into chunks of `size` to exercise streaming boundaries. */
export function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = []
  for (let offset = 0; offset < bytes.length; offset += size)
    chunks.push(bytes.subarray(offset, offset + size))
  return chunks
}

export function decodeBytes(
  bytes: Uint8Array,
  encoding: Encoding,
  chunkSize = 17,
): Promise<TraceReadResult<ToyEvent>> {
  const chunks = chunked(bytes, chunkSize)
  const items =
    encoding === 'jsonl'
      ? decodeJsonLines(chunks, toySchema, { file: 'test.jsonl' })
      : decodeBinaryTrace(chunks, toySchema, { file: 'test.bin', compressor: testCompressor })
  return collectTrace(items, toySchema)
}
