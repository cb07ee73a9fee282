// The console examples of the docs print what the pages show: every `$ ntmm …` line of a page's
// ```console blocks is run, in order, in a scratch directory holding the inputs the page names
// (copied at the repository paths and, for docs/cli.md, by bare name), and its output — standard
// output, then standard error — compared line by line with the lines shown under it. A block
// right after an `<!-- illustrative -->` comment is not run (its input is not on the page).
//
// Update mode: `NTMM_UPDATE_DOCS=1 pnpm --filter @ntmm/demo exec vitest run src/docsConsole.test.ts`
// runs the same commands and rewrites each command's lines in the page with what it printed (the
// commands, the text around the blocks and the blank lines between commands stay). For an output
// change you meant: run it, then read the diff (`git diff docs/`) before committing it.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from './cli.js'
import { collectingIo } from './cliIo.js'

const root = join(import.meta.dirname, '../../..')
const inputs = [
  'apps/demo/examples/belady.txt',
  'apps/demo/examples/anomaly.txt',
  'apps/demo/examples/reserve-commit-touch.json',
  'packages/nt-syscalls/test-data/sort.lackey.gz',
]
const scratches: string[] = []
afterAll(() => {
  for (const scratch of scratches) rmSync(scratch, { recursive: true, force: true })
})

/** Rewrite the pages' transcripts with the actual output instead of comparing (see the top). */
const updating = process.env.NTMM_UPDATE_DOCS === '1'

interface Example {
  readonly argv: string[]
  readonly expected: string[]
}

/** The runnable commands of a page's console blocks, each with the output lines shown under it. */
function consoleExamples(page: string): Example[] {
  const found: Example[] = []
  for (const block of page.matchAll(/(<!-- illustrative -->\s*)?```console\n([\s\S]*?)```/g)) {
    if (block[1] !== undefined) continue
    let current: Example | undefined
    for (const line of (block[2] as string).split('\n')) {
      if (line.startsWith('$ ')) {
        // Another command (printf, cd): shown for the reader, not run; its output is not checked.
        current = line.startsWith('$ ntmm ')
          ? { argv: line.slice('$ ntmm '.length).split(/\s+/), expected: [] }
          : undefined
        if (current !== undefined) found.push(current)
      } else current?.expected.push(line)
    }
  }
  // A block ends with a newline: drop the empty lines that leaves after each command's output.
  for (const example of found) while (example.expected.at(-1) === '') example.expected.pop()
  return found
}

/**
 * `page` with the output lines of its runnable console commands replaced, in order, by `outputs`
 * (one per command {@link consoleExamples} finds); the blank lines ending each output are kept.
 */
function updatedPage(page: string, outputs: readonly (readonly string[])[]): string {
  let next = 0
  return page.replace(
    /(<!-- illustrative -->\s*)?```console\n([\s\S]*?)```/g,
    (whole, illustrative, body) => {
      if (illustrative !== undefined) return whole
      const lines = (body as string).split('\n')
      const updated: string[] = []
      for (let index = 0; index < lines.length; ) {
        const line = lines[index] as string
        updated.push(line)
        index++
        if (!line.startsWith('$ ntmm ')) continue
        const start = index
        while (index < lines.length && !(lines[index] as string).startsWith('$ ')) index++
        const shown = lines.slice(start, index)
        let blank = 0
        while (blank < shown.length && shown[shown.length - 1 - blank] === '') blank++
        updated.push(...(outputs[next++] ?? []), ...shown.slice(shown.length - blank))
      }
      return `\`\`\`console\n${updated.join('\n')}\`\`\``
    },
  )
}

describe.each(['docs/teaching.md', 'docs/cli.md'])('%s console examples', (file) => {
  it('run and print what the page shows', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'ntmm-docs-'))
    scratches.push(scratch)
    for (const input of inputs) {
      mkdirSync(join(scratch, dirname(input)), { recursive: true })
      copyFileSync(join(root, input), join(scratch, input))
      copyFileSync(join(root, input), join(scratch, basename(input)))
    }
    const page = readFileSync(join(root, file), 'utf8')
    const examples = consoleExamples(page)
    expect(examples.length).toBeGreaterThanOrEqual(8)
    const outputs: string[][] = []
    for (const { argv, expected } of examples) {
      const io = collectingIo({ cwd: scratch })
      await main(argv, io)
      const text = `${io.out.join('')}${io.err.join('')}`.trimEnd()
      const printed = text === '' ? [] : text.split('\n').map((line) => line.trimEnd())
      outputs.push(printed)
      if (!updating)
        expect({ argv, printed }).toEqual({ argv, printed: expected.map((line) => line.trimEnd()) })
    }
    if (updating) {
      const updated = updatedPage(page, outputs)
      if (updated !== page) writeFileSync(join(root, file), updated)
    }
  }, 180_000)
})
