// The page-list byte reader against the text path: a file mixing plain page numbers with every kind
// of line the fast path hands over as text (comments, blank lines, CRLF, leading and trailing
// spaces, trailing text, a page beyond the last, 16 digits, an over-long line, non-ASCII, lines
// across the 1 MiB chunks) replays exactly as the same lines given as strings do (same report:
// lines, accesses, faults, TLB figures, errors and their quotes), with LRU noting accesses too.
import { writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { createKernel } from '../createKernel.js'
import { MAX_LINE_LENGTH } from './lineSource.js'
import { replayMemoryTrace } from './replayMemoryTrace.js'

const directory = await mkdtemp(join(tmpdir(), 'ntmm-page-list-bytes-'))
afterAll(() => rm(directory, { recursive: true, force: true }))

const kernel = (policy: 'fifo' | 'lru') =>
  createKernel({ physicalMemory: 64 * 4096, pageFile: 512 * 4096, replacementPolicy: policy })

/** A page list of about 1.3 MB (across the 1 MiB chunks): plain lines, and now and then an odd one. */
function listBytes(): Buffer {
  const parts: (string | Buffer)[] = ['# a page list\n']
  for (let index = 0; index < 200_000; index++) {
    parts.push(`${(index * 7919) % (index % 4 === 0 ? 150 : 12)}\n`)
    if (index % 9973 === 4000) parts.push('12\r\n', ' 13\n', '14 \t\n', '\n', '# comment\n', '15 x\n')
    if (index % 30011 === 20_000)
      parts.push(`${'9'.repeat(16)}\n`, '4503599627370495\n', '450359962737049\n', 'é\n', '-1\n')
    if (index === 150_000)
      parts.push(`${'7'.repeat(3 * MAX_LINE_LENGTH)}\n`, 'ü'.repeat(MAX_LINE_LENGTH), '\n')
  }
  parts.push('42')
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)))
}

describe('page lists read as bytes', () => {
  const bytes = listBytes()
  const lines = bytes.toString('utf8').split('\n')
  for (const [name, content] of [
    ['plain', bytes],
    ['gzip', gzipSync(bytes)],
  ] as const) {
    for (const onError of ['skip', 'stop'] as const) {
      for (const policy of ['fifo', 'lru'] as const) {
        it(`replays a ${name} file as its lines given as strings (onError ${onError}, ${policy})`, async () => {
          const path = join(directory, `mixed-${onError}.txt${name === 'gzip' ? '.gz' : ''}`)
          writeFileSync(path, content)
          const options = { format: 'page-list', onError, noteAccesses: policy === 'lru' } as const
          const fromFile = await replayMemoryTrace(kernel(policy), path, options)
          const fromLines = await replayMemoryTrace(kernel(policy), lines, options)
          expect(fromFile).toEqual(fromLines)
          if (onError === 'skip') expect(fromFile.malformedLines).toBeGreaterThan(10)
          else expect(fromFile.completed).toBe(false)
        })
      }
    }
  }
})
