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

describe('options that would do nothing are refused, not ignored', () => {
  it.each([
    [['run', 'article', '--policy', 'fifo'], "--policy: 'article' does not depend on the replacement policy"],
    [['record', 'stack', '--policy', 'lru', '-o', 'x.ntt'], "--policy: 'stack' does not depend"],
    [
      ['run', 'examples/belady.json', '--policy', 'fifo,lru'],
      'a script runs on one machine; give it one policy',
    ],
    [['sweep', '--csv', '--json'], '--csv and --json: choose one'],
    [['sweep', '--trace-format', 'pages'], '--trace-format names the format of the --trace file'],
    [['sweep', '--pages', '12'], '--pages sizes the tlb-loop workload'],
    [['sweep', '--workload', 'tlb-loop', '--policy', 'fifo'], '--policy compares replacement policies'],
    [['events', 'TRACE', '--from', '50', '--to', '10'], '--from 50 is after --to 10'],
    [['run', 'article', '--va', '0x11010'], '--va is the address of the pte view: add --show pte'],
    [['run', 'article', '--pid', '4'], '--pid chooses the process the views show'],
    [['inspect', 'TRACE', 'vad', '11000'], "the address '11000' is for the pte view"],
    [['inspect', 'TRACE', 'pte', '11000', '--va', '12000'], 'the address is given twice'],
    [
      ['import', 'pages', 'examples/anomaly.txt', '--format', 'jsonl'],
      '--format is the encoding of the trace -o writes',
    ],
  ])('%j', async (argv, message) => {
    expect((await run(['record', 'article', '-o', trace])).code).toBe(0)
    expect(await refused(argv.map((item) => (item === 'TRACE' ? trace : item)))).toContain(message)
  })

  it('--policy on a script sets its machine: the textbook string faults 15 times under FIFO, 12 under LRU, 9 under OPT', async () => {
    const faults = async (policy: string) => {
      const { code, out } = await run(['run', 'examples/belady.json', '--policy', policy, '--json'])
      expect(code).toBe(0)
      return (JSON.parse(out) as { state: { stats: { mm: { pageFaults: number } } } }).state.stats.mm
        .pageFaults
    }
    expect([await faults('fifo'), await faults('lru'), await faults('opt')]).toEqual([15, 12, 9])
  })
})

describe("messages speak the command line's words", () => {
  it.each([
    [
      { machine: { physicalMemory: '64G' }, processes: [{ name: 'a' }], steps: [] },
      'machine.physicalMemory: 64 GiB is more RAM than ntmm simulates (at most 4 GiB)',
    ],
    [
      { machine: { arch: 'x86-pae', physicalMemory: '32K' }, processes: [{ name: 'a' }], steps: [] },
      'machine.physicalMemory: 32 KiB is less than the 64 KiB an x86-pae machine needs',
    ],
    [
      { machine: { pageFile: '5000' }, processes: [{ name: 'a' }], steps: [] },
      'machine.pageFile: 5000 bytes is not a whole number of 4 KiB pages',
    ],
    [
      { processes: [{ name: 'a' }], steps: [{ access: 'read', address: '-5' }] },
      'steps[0].address: "-5" is -5; an address is 0 or more',
    ],
    [
      {
        processes: [{ name: 'a' }],
        steps: [{ call: 'NtWriteVirtualMemory', args: { baseAddress: '0x10000', data: [1, 256] } }],
      },
      'steps[0].args.data[1]: 256 is not a byte (0..255)',
    ],
    [
      { processes: [{ name: 'a' }], steps: [{ access: 'write', address: '0x10000', data: [1, 256] }] },
      'steps[0].data[1]: 256 is not a byte (0..255)',
    ],
  ])('a script %j', async (content, message) => {
    const err = await refused(['run', script('words.json', content)])
    expect(err).toContain(message)
    expect(err).not.toMatch(/FrameStore|Invalid value|Expected <=|must be an integer in/)
  })

  it('a memory trace of no known format names the formats `import` takes, not a library option', async () => {
    const junk = script('junk.txt', 'hello world\nfoo\n')
    const err = await refused(['import', 'auto', junk])
    expect(err).toBe(
      `ntmm: ${junk}: cannot tell its format from the first lines; name it: ntmm import <lackey|memsim|memsim-ls|pinatrace|pages> ${junk}`,
    )
  })
})

describe('machine sizes on the command line', () => {
  it.each([
    [
      ['sweep', '--trace', 'examples/belady.txt', '--memory', '8G'],
      '--memory: 8 GiB is more RAM than ntmm simulates (at most 4 GiB)',
    ],
    [
      ['sweep', '--trace', 'examples/belady.txt', '--memory', '28K', '--arch', 'x86-pae'],
      '--memory: 28 KiB is less than the 64 KiB an x86-pae machine needs',
    ],
  ])('%j', async (argv, message) => {
    expect(await refused(argv)).toContain(`ntmm: ${message}`)
  })
})
