// Hostile memory traces: a line of hundreds of megabytes (gzip makes it a small file), sizes
// beyond what a format allows, control characters in the lines quoted back. Each is a malformed
// line like any other (stopped at or skipped and counted), read in bounded memory, quoted
// escaped and cut short; none throws.
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { createKernel } from '../createKernel.js'
import { CONTROL_CHARACTER_LINE, HOSTILE_LACKEY_SIZE_LINES } from '../testing/hostileMemoryTraceLines.js'
import { lineBatches, MAX_LINE_LENGTH } from './lineSource.js'
import { replayMemoryTrace } from './replayMemoryTrace.js'

const directory = await mkdtemp(join(tmpdir(), 'ntmm-hostile-import-'))
afterAll(() => rm(directory, { recursive: true, force: true }))

const small = () => createKernel({ physicalMemory: 256 * 4096, pageFile: 512 * 4096 })

/** Writes `parts` gzipped to `name` (a generator: the long line is never held whole). */
async function gzipFile(name: string, parts: () => Generator<string>): Promise<string> {
  const path = join(directory, name)
  await pipeline(parts, createGzip({ level: 1 }), createWriteStream(path))
  return path
}

/** A lackey trace whose second line is `mebibytes` MiB of 'x' (no line end inside). */
function longLineTrace(mebibytes: number): () => Generator<string> {
  return function* () {
    yield 'I  00020000,4\n'
    const mib = 'x'.repeat(1 << 20)
    for (let index = 0; index < mebibytes; index++) yield mib
    yield '\n L 00020000,4\n'
  }
}

describe('hostile memory traces: line length', () => {
  it(`reads a 32 MiB line as one over-long line, never holding more than ${MAX_LINE_LENGTH} characters of it`, async () => {
    const path = await gzipFile('long.lackey.gz', longLineTrace(32))
    const lengths: number[] = []
    let held = 0
    let read = 0
    for await (const batch of lineBatches(path, {
      onRead: (characters, holding) => {
        read += characters
        held = Math.max(held, holding)
      },
    })) {
      for (const line of batch) lengths.push(line.length)
    }
    // The long line comes out as its first MAX_LINE_LENGTH + 1 characters: long, and bounded.
    expect(lengths).toEqual([13, MAX_LINE_LENGTH + 1, 13])
    expect(held).toBeLessThanOrEqual(MAX_LINE_LENGTH + 1)
    expect(read).toBeGreaterThan(32 << 20)
  })

  it('skips and counts an over-long line, resynchronising at the next line end', async () => {
    const path = await gzipFile('skip.lackey.gz', longLineTrace(8))
    const report = await replayMemoryTrace(small(), path, { format: 'lackey', onError: 'skip' })
    expect(report).toMatchObject({ completed: true, lines: 3, malformedLines: 1, accesses: 2 })
    expect(report.errors).toHaveLength(1)
    expect(report.errors[0]).toMatchObject({
      line: 2,
      message: `line longer than ${MAX_LINE_LENGTH} characters`,
    })
    expect(report.errors[0]?.text.length).toBeLessThanOrEqual(100)
  })

  it('stops at an over-long line, reading on no further than the chunk that shows it', async () => {
    const lines = ['I  00020000,4', 'x'.repeat(MAX_LINE_LENGTH + 1), ' L 00020000,4']
    const report = await replayMemoryTrace(small(), lines, { format: 'lackey' })
    expect(report).toMatchObject({ completed: false, lines: 2, malformedLines: 1, accesses: 1 })
    expect(report.errors[0]?.message).toBe(`line longer than ${MAX_LINE_LENGTH} characters`)
    // Reading stops with the consumer: the first batches show the long line, nothing after is read.
    const path = await gzipFile('stop.lackey.gz', longLineTrace(64))
    let read = 0
    const onRead = (characters: number): void => {
      read += characters
    }
    for await (const batch of lineBatches(path, { onRead })) {
      if (batch.some((line) => line.length > MAX_LINE_LENGTH)) break
    }
    expect(read).toBeLessThan(4 << 20)
  })

  it('accepts a line of exactly the maximum length', async () => {
    const padded = `I  00020000,4${' '.repeat(MAX_LINE_LENGTH - 13)}`
    const report = await replayMemoryTrace(small(), [padded], { format: 'lackey' })
    expect(report).toMatchObject({ completed: true, malformedLines: 0, fetches: 1 })
  })
})

describe('hostile memory traces: sizes and addresses', () => {
  it.each(
    HOSTILE_LACKEY_SIZE_LINES,
  )('refuses lackey line %j as malformed, even when skipping', async (line) => {
    for (const onError of ['stop', 'skip'] as const) {
      const report = await replayMemoryTrace(small(), [line, ' L 00020000,4'], { format: 'lackey', onError })
      expect(report.malformedLines).toBe(1)
      expect(report.errors[0]).toMatchObject({ line: 1, message: expect.stringMatching(/size .* 512/) })
      expect(report.accesses).toBe(onError === 'skip' ? 1 : 0)
    }
  })

  it('accepts the largest access valgrind traces (512 bytes)', async () => {
    const report = await replayMemoryTrace(small(), [' S 00020000,512'], { format: 'lackey' })
    expect(report).toMatchObject({ malformedLines: 0, writes: 1, exceptions: 0 })
  })

  it('refuses a page number whose address would not be exact', async () => {
    const report = await replayMemoryTrace(small(), ['999999999999999', '16'], {
      format: 'page-list',
      onError: 'skip',
    })
    expect(report).toMatchObject({ malformedLines: 1, reads: 1 })
    expect(report.errors[0]?.message).toMatch(/page number/)
  })
})

describe('hostile memory traces: what reports quote', () => {
  it('escapes control characters of a malformed line and cuts it short', async () => {
    const report = await replayMemoryTrace(small(), [CONTROL_CHARACTER_LINE], { format: 'lackey' })
    const error = report.errors[0]
    expect(error).toBeDefined()
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is their absence
    const control = /[\u0000-\u001f\u007f-\u009f]/
    expect(error?.text).not.toMatch(control)
    expect(error?.message).not.toMatch(control)
    expect(error?.text.startsWith('\\x1b[2J\\x1b]0;pwned\\x07 L 0002\\x00\\x0d')).toBe(true)
    expect(error?.text.length).toBeLessThanOrEqual(100)
    expect(error?.text.endsWith('…')).toBe(true)
  })
})
