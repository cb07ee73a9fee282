// docs/time-travel.md's worked example runs as written and prints what the page says it prints:
// the example is extracted, run from the repository root (its lackey path is relative to it) and
// its output checked against the outputs quoted after it.
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const page = readFileSync(join(root, 'docs/time-travel.md'), 'utf8')

describe('docs/time-travel.md worked example', () => {
  it('runs and prints the outputs the page quotes', () => {
    const section = page.slice(page.indexOf('## Worked example'))
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
    const quoted = /It prints, among others: ([^\n]*(?:\n[^\n]+)*)/.exec(section)?.[1]
    expect(code).toBeDefined()
    expect(quoted).toBeDefined()
    const expected = [...(quoted as string).matchAll(/`([^`]+)`/g)].map((match) => match[1] as string)
    expect(expected.length).toBeGreaterThanOrEqual(4)
    // Inside the package, so that '@ntmm/nt-syscalls' resolves to itself (its sources).
    const file = join(root, 'packages/nt-syscalls', `docs-example-${process.pid}.ts`)
    writeFileSync(file, code as string)
    try {
      const run = spawnSync(process.execPath, ['--conditions=@ntmm/source', '--import', 'tsx', file], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      })
      expect(run.stderr).toBe('')
      expect(run.status).toBe(0)
      const printed = run.stdout.replace(/\s+/g, ' ')
      for (const text of expected) expect(printed).toContain(text.replace(/\s+/g, ' '))
    } finally {
      rmSync(file, { force: true })
    }
  }, 90_000)
})
