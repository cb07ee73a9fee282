import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { sampleEvents, toyLog } from './testing/codecHelpers.js'
import { mutableToyModel, type ToyEvent, toySchema } from './testing/toyModel.js'
import { Timeline } from './timeline.js'
import {
  deflateRawCompressor,
  deflateRawStateCompressor,
  exportTraceFile,
  openBinaryTraceFile,
  readTraceFile,
  replayTraceFile,
  type TraceEncoding,
  writeChunks,
  writeLogFile,
} from './traceFile.js'
import { createTraceHeader } from './traceHeader.js'
import { recordDigests } from './verify.js'

const directory = mkdtempSync(join(tmpdir(), 'ntmm-trace-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const log = toyLog(sampleEvents(3000))
const header = createTraceHeader({
  producer: { name: 'tests', version: '0.0.0' },
  config: { slots: 16 },
  seed: 'abc',
  schema: toySchema,
})
const checkpoints = recordDigests(log, mutableToyModel, { slots: 16 }, 256)

describe('traceFile', () => {
  it.each<TraceEncoding>([
    'jsonl',
    'binary',
  ])('writes, reads and replays a %s file with identical digests', async (encoding) => {
    const path = join(directory, `trace.${encoding}`)
    const progress: number[] = []
    await writeLogFile(path, { header, log, checkpoints }, { encoding, blockEvents: 500 })
    const result = await readTraceFile(path, toySchema, { onProgress: (events) => progress.push(events) })
    if (!result.ok) throw result.error
    expect(result.trace.seed).toBe('abc')
    expect(result.trace.checkpoints).toEqual(checkpoints)
    expect(progress.at(-1)).toBe(3000)
    const original = new Timeline({ log, model: mutableToyModel, config: { slots: 16 } })
    const loaded = new Timeline({ log: result.trace.log, model: mutableToyModel, config: { slots: 16 } })
    for (const seq of [0, 1, 1499, 2999, 3000]) expect(loaded.digestAt(seq)).toBe(original.digestAt(seq))
    const replay = await replayTraceFile(path, { schema: toySchema, model: mutableToyModel })
    expect(replay.error).toBeUndefined()
    expect(replay.events).toBe(3000)
    expect(replay.checkedDigests).toBe(checkpoints.length)
    expect(replay.divergence).toBeUndefined()
    expect(replay.state && mutableToyModel.digest(replay.state)).toBe(original.digestAt(3000))
  })

  it('reports a digest mismatch when replaying with a different model', async () => {
    const path = join(directory, 'mismatch.bin')
    await writeLogFile(path, { header, log, checkpoints }, { encoding: 'binary' })
    const skewed = { ...mutableToyModel, initial: () => ({ slots: new Int32Array(16).fill(1), notes: 0 }) }
    const replay = await replayTraceFile(path, { schema: toySchema, model: skewed })
    expect(replay.divergence?.seq).toBe(0)
  })

  it('opens a large binary file through its index and reads one block for a seek', async () => {
    const path = join(directory, 'index.bin')
    await writeLogFile(path, { header, log }, { encoding: 'binary', blockEvents: 100 })
    const file = await openBinaryTraceFile<ToyEvent>(path, toySchema)
    try {
      expect(file.blocks.length).toBe(30)
      expect((await file.entryAt(2345))?.event).toEqual(log.at(2345))
    } finally {
      await file.close()
    }
  })

  it('returns the valid prefix and a TraceFormatError naming the file for a truncated file', async () => {
    const path = join(directory, 'cut.bin')
    await writeLogFile(path, { header, log }, { encoding: 'binary', blockEvents: 100 })
    const bytes = readFileSync(path)
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)))
    const result = await readTraceFile(path, toySchema)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.file).toBe(path)
    expect(result.trace?.log.length).toBeGreaterThan(0)
    expect(result.trace?.log.length ?? 0).toBeLessThan(3000)
    const missing = await readTraceFile(join(directory, 'nope.bin'), toySchema)
    expect(missing.ok).toBe(false)
  })

  it('exports a file to Perfetto protobuf and Chrome JSON', async () => {
    const path = join(directory, 'export.bin')
    await writeLogFile(path, { header, log }, { encoding: 'binary' })
    const map = (entry: { readonly event: ToyEvent }) =>
      entry.event.type === 'kv.set'
        ? { kind: 'counter' as const, track: `slot ${entry.event.key}`, value: entry.event.value }
        : undefined
    const perfetto = join(directory, 'out.pftrace')
    const chrome = join(directory, 'out.json')
    await exportTraceFile(path, perfetto, { schema: toySchema, format: 'perfetto', map })
    await exportTraceFile(path, chrome, { schema: toySchema, format: 'chrome', map })
    expect(statSync(perfetto).size).toBeGreaterThan(1000)
    expect(JSON.parse(readFileSync(chrome, 'utf8')).traceEvents.length).toBeGreaterThan(1000)
  })
})

describe('writeChunks', () => {
  async function* chunks(count: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < count; i++) yield new Uint8Array(1000).fill(i)
  }

  it('writes every chunk and returns the bytes written', async () => {
    const path = join(directory, 'chunks.bin')
    expect(await writeChunks(path, chunks(70))).toBe(70_000)
    expect(statSync(path).size).toBe(70_000)
  })

  it.each([
    ['a missing directory', () => join(directory, 'missing', 'x.ntt'), 'ENOENT'],
    ['a directory', () => directory, 'EISDIR'],
  ])('rejects, naming the path and the reason, when the file cannot be opened (%s)', async (_, pathOf, code) => {
    const path = pathOf()
    // It once never settled: the stream's 'close' came before it was awaited.
    const settled = await Promise.race([
      writeChunks(path, chunks(3)).then(
        () => 'resolved',
        (error: NodeJS.ErrnoException) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve('pending after 5 s'), 5000)),
    ])
    expect(settled).toBeInstanceOf(Error)
    expect((settled as NodeJS.ErrnoException).code).toBe(code)
    expect((settled as Error).message).toContain(path)
    await expect(writeLogFile(path, { header, log }, { encoding: 'jsonl' })).rejects.toThrow(code)
  })

  it('rejects with what the chunks throw, and closes the file', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10)
      throw new Error('encoder failed')
    }
    await expect(writeChunks(join(directory, 'failing.bin'), failing())).rejects.toThrow('encoder failed')
  })
})

describe('deflateRawCompressor and deflateRawStateCompressor', () => {
  /** Bytes that compress like a block's payload (small varints) or not at all (noise), of `length`. */
  const payload = (length: number, seed: number, noise: boolean): Uint8Array => {
    const bytes = new Uint8Array(length)
    let state = seed >>> 0
    for (let index = 0; index < length; index++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      bytes[index] = noise ? state >>> 24 : (state >>> 28) & (index % 5 === 0 ? 0x7f : 0x03)
    }
    return bytes
  }

  it('deflates on the threadpool (compressAsync) to the bytes of the synchronous deflate', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(1 << 18), fc.nat(), fc.boolean(), async (length, seed, noise) => {
        const bytes = payload(length, seed, noise)
        for (const compressor of [deflateRawCompressor, deflateRawStateCompressor])
          expect(await compressor.compressAsync?.(bytes)).toEqual(compressor.compress(bytes))
      }),
      { numRuns: 40 },
    )
  })

  it('gives the same bytes when the output spans several of its chunks (2 MiB of noise) and for no input', async () => {
    for (const bytes of [payload(2 << 20, 7, true), new Uint8Array(0)])
      for (const compressor of [deflateRawCompressor, deflateRawStateCompressor])
        expect(await compressor.compressAsync?.(bytes)).toEqual(compressor.compress(bytes))
  })
})
