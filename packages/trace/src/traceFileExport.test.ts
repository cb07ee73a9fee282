// The streamed export of a trace file: the same bytes as encoding its loaded log with causeSet,
// for both encodings and both export formats, and a corrupt file refused as reading refuses it.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeChromeTrace } from './chromeTraceExport.js'
import { encodePerfettoTrace } from './perfettoExport.js'
import { sampleEvents, toyLog } from './testing/codecHelpers.js'
import { type ToyEvent, toySchema } from './testing/toyModel.js'
import { type TraceEncoding, writeLogFile } from './traceFile.js'
import { exportTraceFileChunks, readCauseSet } from './traceFileExport.js'
import { TraceFormatError } from './traceFormatError.js'
import { createTraceHeader } from './traceHeader.js'
import type { TraceEntry } from './traceLog.js'
import { causeSet } from './trackMapping.js'

const directory = mkdtempSync(join(tmpdir(), 'ntmm-export-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const log = toyLog(sampleEvents(5000))
const header = createTraceHeader({
  producer: { name: 'tests', version: '0.0.0' },
  config: { slots: 16 },
  seed: 1,
  schema: toySchema,
})

/** A stateful mapping (as a machine's is): counters and instants, each event once, in order. */
function mapping() {
  let sets = 0
  return (entry: TraceEntry<ToyEvent>) => {
    if (entry.event.type !== 'kv.set') return { kind: 'instant' as const, track: 'notes', name: 'note' }
    sets++
    return { kind: 'counter' as const, track: `slot ${entry.event.key}`, value: sets }
  }
}

async function bytesOf(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return Buffer.concat(parts)
}

describe('exportTraceFileChunks', () => {
  it.each<[TraceEncoding, 'perfetto' | 'chrome']>([
    ['binary', 'perfetto'],
    ['binary', 'chrome'],
    ['jsonl', 'perfetto'],
    ['jsonl', 'chrome'],
  ])('a %s file exported to %s: the bytes of the loaded log', async (encoding, format) => {
    const path = join(directory, `trace.${encoding}`)
    await writeLogFile(path, { header, log }, { encoding, blockEvents: 700 })
    const encode = format === 'perfetto' ? encodePerfettoTrace : encodeChromeTrace
    const loaded = await bytesOf(encode(log.entries(), { map: mapping(), isCause: causeSet(log) }))
    const seen: number[] = []
    const streamed = await bytesOf(
      exportTraceFileChunks(path, {
        schema: toySchema,
        format,
        mapFor: () => mapping(),
        onProgress: (events) => seen.push(events),
      }),
    )
    expect(streamed.equals(loaded)).toBe(true)
    expect(seen.at(-1)).toBe(log.length)
    const causes = await readCauseSet(path, toySchema)
    const isCause = causeSet(log)
    expect(causes.events).toBe(log.length)
    for (let seq = -1; seq <= log.length; seq++) expect(causes.isCause(seq)).toBe(isCause(seq))
  })

  it('refuses a truncated file with a TraceFormatError naming it', async () => {
    const path = join(directory, 'whole.binary')
    await writeLogFile(path, { header, log }, { encoding: 'binary', blockEvents: 700 })
    const cut = join(directory, 'cut.binary')
    const bytes = readFileSync(path)
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1))
    const chunks = exportTraceFileChunks(cut, {
      schema: toySchema,
      format: 'perfetto',
      mapFor: () => mapping(),
    })
    await expect(bytesOf(chunks)).rejects.toThrow(TraceFormatError)
  })
})
