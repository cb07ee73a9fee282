// docs/teaching.md's exercises print what the page shows: every `$ ntmm …` line of its console
// blocks is run, in order, in a scratch directory laid out like the repository (the inputs the
// page names, copied), and its output compared line by line with the lines shown under it.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from './cli.js'
import { collectingIo } from './cliIo.js'

const root = join(import.meta.dirname, '../../..')
const page = readFileSync(join(root, 'docs/teaching.md'), 'utf8')
const inputs = [
  'apps/demo/examples/belady.txt',
  'apps/demo/examples/anomaly.txt',
  'packages/nt-syscalls/test-data/sort.lackey.gz',
]
const scratch = mkdtempSync(join(tmpdir(), 'ntmm-teaching-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** The commands of the page's console blocks, each with the output lines shown under it. */
function commands(): { argv: string[]; expected: string[] }[] {
  const found: { argv: string[]; expected: string[] }[] = []
  for (const block of page.matchAll(/```console\n([\s\S]*?)```/g)) {
    for (const line of (block[1] as string).split('\n')) {
      if (line.startsWith('$ ntmm '))
        found.push({ argv: line.slice('$ ntmm '.length).split(/\s+/), expected: [] })
      else if (line !== '') found.at(-1)?.expected.push(line)
    }
  }
  return found
}

describe('docs/teaching.md', () => {
  it('runs every command of its exercises with the output it shows', async () => {
    for (const input of inputs) {
      mkdirSync(join(scratch, dirname(input)), { recursive: true })
      copyFileSync(join(root, input), join(scratch, input))
    }
    const all = commands()
    expect(all.length).toBeGreaterThanOrEqual(8)
    for (const { argv, expected } of all) {
      const io = collectingIo({ cwd: scratch })
      const code = await main(argv, io)
      expect({ argv, code, err: io.err.join('') }).toEqual({ argv, code: 0, err: '' })
      const printed = io.out
        .join('')
        .trimEnd()
        .split('\n')
        .map((line) => line.trimEnd())
      expect({ argv, printed }).toEqual({ argv, printed: expected.map((line) => line.trimEnd()) })
    }
  }, 120_000)
})
