// What the command line accepts and refuses, through main(argv, io): `--at -1` wherever `--at`
// is, addresses read as WinDbg reads them, options that would do nothing refused, and bad input
// answered in one `ntmm:` line in the command line's own words with exit code 2.

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from './cli.js'
import { collectingIo } from './cliIo.js'

const appDirectory = new URL('..', import.meta.url).pathname
const scratch = mkdtempSync(join(tmpdir(), 'ntmm-input-'))
const trace = join(scratch, 'article.ntt')

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = collectingIo({ cwd: appDirectory })
  const code = await main(argv, io)
  return { code, out: io.out.join(''), err: io.err.join('') }
}

/** Runs `argv` expecting bad input: exit code 2 and one `ntmm:` line on standard error, nothing else. */
async function refused(argv: string[]): Promise<string> {
  const { code, out, err } = await run(argv)
  expect({ argv, code, out }).toEqual({ argv, code: 2, out: '' })
  expect(err.trimEnd().split('\n')).toHaveLength(1)
  expect(err).toMatch(/^ntmm: /)
  expect(err).not.toMatch(/\n\s+at |RangeError|internal error/)
  return err.trimEnd()
}

function script(name: string, value: unknown): string {
  const path = join(scratch, name)
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2))
  return path
}

describe('--at -1: the machine before the first event', () => {
  it('is accepted by replay and inspect, as their help and docs say', async () => {
    expect((await run(['record', 'article', '-o', trace])).code).toBe(0)
    const replay = await run(['replay', trace, '--at', '-1', '--json'])
    expect(replay.code).toBe(0)
    const state = JSON.parse(replay.out) as { seq: number; processes: unknown[] }
    expect(state).toMatchObject({ seq: -1, processes: [] })
    const inspect = await run(['inspect', trace, 'stats', '--at', '-1'])
    expect(inspect.code).toBe(0)
    expect(inspect.out).toMatch(/^.*article\.ntt before the first event:/)
    expect(await refused(['replay', trace, '--at', '-2'])).toContain('--at')
  })
})

describe('bad input is one line and exit code 2, never a stack trace', () => {
  it('refuses an address beyond the machine in the pte view (inspect and run --va)', async () => {
    expect((await run(['record', 'article', '-o', trace])).code).toBe(0)
    expect(await refused(['inspect', trace, 'pte', '0xFFFFFFFFFF'])).toBe(
      'ntmm: address 0xffffffffff is beyond the x86 address space (32 bits: 0x0..0xffffffff)',
    )
    expect(await refused(['run', 'article', '--show', 'pte', '--va', '0xFFFFFFFFFFFF'])).toBe(
      'ntmm: address 0xffffffffffff is beyond the x86 address space (32 bits: 0x0..0xffffffff)',
    )
    expect(
      await refused(['run', 'article', '--arch', 'x64', '--show', 'pte', '--va', '0x0000900000000000']),
    ).toContain('is not a canonical x64 address')
    expect(await refused(['inspect', trace, 'pte', 'zz'])).toBe(
      "ntmm: 'zz' is not an address: hexadecimal as in WinDbg (11010 or 0x11010; 0n69648 for decimal)",
    )
  })

  it('reads a script that is not JSON as one line with its line and column', async () => {
    const err = await refused(['run', script('broken.json', '{\n  "processes": [\n    }\n')])
    expect(err).toMatch(/broken\.json: not valid JSON at line 3, column 5: /)
  })
})

describe('addresses are hexadecimal, as WinDbg reads them; 0n marks a decimal one', () => {
  it('reads the same address written 11010, 0x11010 and 0n69648 in inspect, run --va and events --address', async () => {
    expect((await run(['record', 'article', '-o', trace])).code).toBe(0)
    const pte = async (argv: string[]) => {
      const { code, out } = await run(argv)
      expect(code).toBe(0)
      return (JSON.parse(out) as { address: number }).address
    }
    for (const written of ['11010', '0x11010', '0n69648', '0000`00011010']) {
      expect(await pte(['inspect', trace, 'pte', written, '--json'])).toBe(0x11010)
      expect(await pte(['inspect', trace, 'pte', '--va', written, '--json'])).toBe(0x11010)
    }
    const shown = JSON.parse(
      (await run(['run', 'article', '--show', 'pte', '--va', '11010', '--json'])).out,
    ) as {
      views: { pte: { address: number } }
    }
    expect(shown.views.pte.address).toBe(0x11010)
    const events = async (address: string) =>
      (JSON.parse((await run(['events', trace, '--address', address, '--json'])).out) as { matched: number })
        .matched
    expect(await events('11000')).toBe(await events('0x11000'))
    expect(await events('11000')).toBeGreaterThan(0)
    expect(await events('10000-20000')).toBe(await events('0n65536-0n131072'))
  })

  it('says so in the help of every command that takes an address', async () => {
    for (const command of ['inspect', 'run', 'events'])
      expect((await run([command, '--help'])).out).toContain('0n69648 for decimal')
  })
})
