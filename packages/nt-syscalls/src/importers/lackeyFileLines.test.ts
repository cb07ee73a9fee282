// The lackey byte reader against the text path: a file mixing plain access lines with every kind
// of line the fast path hands over as text (valgrind chatter, CRLF, trailing text, an over-long
// line, non-ASCII and invalid UTF-8, lines across the 1 MiB chunks) replays exactly as the same
// lines given as strings do (same report: lines, accesses, faults, errors and their quotes).
import { writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { createKernel } from '../createKernel.js'
import { MAX_LINE_LENGTH } from './lineSource.js'
import { replayMemoryTrace } from './replayMemoryTrace.js'

const directory = await mkdtemp(join(tmpdir(), 'ntmm-lackey-bytes-'))
afterAll(() => rm(directory, { recursive: true, force: true }))

const kernel = () => createKernel({ physicalMemory: 256 * 4096, pageFile: 512 * 4096 })

/** A trace of about 2.5 MB: plain lines, and now and then an odd one. */
function traceBytes(): Buffer {
  const parts: (string | Buffer)[] = ['==123== Lackey\n']
  for (let index = 0; index < 120_000; index++) {
    const address = (0x20000 + ((index * 40) % 0x80000)).toString(16).padStart(8, '0')
    parts.push(index % 2 === 0 ? `I  ${address},3\n` : ` ${'LSM'[index % 3]} ${address},8\n`)
    if (index % 9973 === 0)
      parts.push(` L ${address},8\r\n`, ` S ${address},8 \t\n`, '--123-- chatter\n', '\n')
    // Around the fast path (a 3-byte prefix, 8 hex digits, a one-digit size): the lines it must
    // leave to the general path, which accepts some of them and refuses the others.
    if (index % 7919 === 1)
      parts.push(
        ` L ${address},0\n`,
        ` S ${address},16\n`,
        ` M ${address.toUpperCase()},4\n`,
        ` L ${address.slice(0, 5)}g${address.slice(6)},8\n`,
        ` L 0${address},8\n`,
        ` L ${address.slice(1)},8\n`,
        `I  ${address},9\n`,
        `I  ${address},3\r\n`,
        `I   ${address},3\n`,
        `I\t ${address},3\n`,
        ` X ${address},8\n`,
        `IL ${address},8\n`,
        `  L${address},8\n`,
      )
    if (index % 30011 === 0) parts.push(` L ${address},8 x\n`, ` L ${address},600\n`, 'é L 1,8\n')
    if (index === 50_000)
      parts.push(`${'y'.repeat(3 * MAX_LINE_LENGTH)}\n`, 'ü'.repeat(MAX_LINE_LENGTH), '\n')
    if (index === 70_000) parts.push(Buffer.from([0x20, 0x4c, 0x20, 0xe0, 0xa0, 0x0a]))
  }
  parts.push(' L 00020000,8')
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)))
}

describe('lackey files read as bytes', () => {
  const bytes = traceBytes()
  const lines = bytes.toString('utf8').split('\n')
  for (const [name, content] of [
    ['plain', bytes],
    ['gzip', gzipSync(bytes)],
  ] as const) {
    for (const onError of ['skip', 'stop'] as const) {
      it(`replays a ${name} file as its lines given as strings (onError ${onError})`, async () => {
        const path = join(directory, `mixed-${onError}.lackey${name === 'gzip' ? '.gz' : ''}`)
        writeFileSync(path, content)
        const fromFile = await replayMemoryTrace(kernel(), path, { format: 'lackey', onError })
        const fromLines = await replayMemoryTrace(kernel(), lines, { format: 'lackey', onError })
        expect(fromFile).toEqual(fromLines)
        if (onError === 'skip') expect(fromFile.malformedLines).toBeGreaterThan(10)
      })
    }
  }
})
