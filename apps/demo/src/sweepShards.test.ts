// `ntmm sweep --shard i/n` and `--merge`: every configuration in exactly one shard for every n
// (round-robin by grid index), the shards' --json joined into byte for byte what one run prints in
// each output form (table, CSV, JSON), on a workload and on a trace, and clear refusals of what
// cannot be merged (overlaps, gaps, other grids or inputs) or sharded.

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { main } from './cli.js'
import { collectingIo } from './cliIo.js'
import { CliError } from './cliError.js'
import { longestFirst, sweepJobs } from './sweep.js'
import { parseShard, shardIndices } from './sweepShards.js'

const scratch = mkdtempSync(join(tmpdir(), 'ntmm-shards-'))

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = collectingIo({ cwd: scratch })
  const code = await main(argv, io)
  return { code, out: io.out.join(''), err: io.err.join('') }
}

/** Runs shard i/n of `grid` for each i, writing each --json to a file; the files, last shard first. */
async function shards(name: string, grid: string[], count: number): Promise<string[]> {
  const files: string[] = []
  for (let index = 0; index < count; index++) {
    const { code, out, err } = await run([
      'sweep',
      ...grid,
      '--shard',
      `${index}/${count}`,
      '--json',
      '--jobs',
      '1',
    ])
    expect({ code, err }).toEqual({ code: 0, err: '' })
    const file = `${name}-${index}-of-${count}.json`
    writeFileSync(join(scratch, file), out)
    files.unshift(file)
  }
  return files
}

// A hot/cold page list: replacement matters with a few frames.
const pages = `${Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 40 + ((i * 7) % 23) : i % 5)).join('\n')}\n`
writeFileSync(join(scratch, 'pages.txt'), pages)

const grids: Record<string, string[]> = {
  workload: ['--policy', 'fifo,lru,clock', '--tlb', '8x2,16x4'],
  trace: ['--trace', 'pages.txt', '--policy', 'fifo,lru,opt', '--memory', '40K,64K', '--tlb', '8x2,16x4'],
}

describe('sweep --shard', () => {
  it('puts every configuration in exactly one shard, for every n (round-robin by grid index)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 }), (size, count) => {
        const seen = Array.from({ length: count }, (_, index) => shardIndices({ index, count }, size)).flat()
        expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: size }, (_, index) => index))
      }),
    )
    expect(shardIndices({ index: 1, count: 3 }, 8)).toEqual([1, 4, 7])
  })

  it.each([
    ['0/1', { index: 0, count: 1 }],
    ['7/8', { index: 7, count: 8 }],
  ])('reads %s', (text, shard) => expect(parseShard(text)).toEqual(shard))

  it.each([
    ['8/8', 'i counts from 0, so it runs 0..7 for 8 shards'],
    ['1/0', 'n must be at least 1'],
    ['3', 'expected i/n'],
    ['-1/4', 'expected i/n'],
    ['1/2/3', 'expected i/n'],
    ['a/b', 'expected i/n'],
  ])('refuses --shard %s', (text, message) => {
    expect(() => parseShard(text)).toThrow(CliError)
    expect(() => parseShard(text)).toThrow(message)
  })

  it('prints the shard and how much of the grid it holds', async () => {
    const { code, out } = await run(['sweep', ...grids.workload!, '--shard', '1/4', '--jobs', '1'])
    expect(code).toBe(0)
    expect(out.split('\n')[0]).toBe("sweep: workload 'pressure' on x86, shard 1/4: 2 of 6 configurations")
    expect(out).toMatch(/\nfifo tlb 16x4 .*\nclock tlb 16x4 .*\n$/)
  })
})

describe('sweep --merge', () => {
  it.each(
    Object.keys(grids),
  )('joins the shards of a %s sweep into what one run prints, as a table, CSV and JSON, for n = 1..4', async (name) => {
    const grid = grids[name]!
    const whole = {
      table: await run(['sweep', ...grid]),
      csv: await run(['sweep', ...grid, '--csv', '--jobs', '1']),
      json: await run(['sweep', ...grid, '--json', '--jobs', '1']),
    }
    expect(whole.table.code).toBe(0)
    expect(whole.table.out.split('\n')[0]).toMatch(/, 12 configurations$|, 6 configurations$/)
    for (let count = 1; count <= 4; count++) {
      const files = await shards(name, grid, count)
      expect(await run(['sweep', '--merge', ...files])).toEqual(whole.table)
      expect(await run(['sweep', '--merge', ...files, '--csv'])).toEqual(whole.csv)
      expect(await run(['sweep', '--merge', ...files, '--json'])).toEqual(whole.json)
    }
  }, 240_000)

  it('names what the JSON identifies the sweep by: arch, input (a trace by size and SHA-256), axes', async () => {
    const { grid, shard } = JSON.parse((await run(['sweep', ...grids.trace!, '--json', '--jobs', '1'])).out)
    expect(shard).toEqual({ index: 0, count: 1 })
    expect(grid).toEqual({
      arch: 'x86',
      input: {
        trace: 'pages.txt',
        format: 'page-list',
        bytes: pages.length,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      policies: ['fifo', 'lru', 'opt'],
      memory: [40 * 1024, 64 * 1024],
      tlbs: ['8x2', '16x4'],
      configurations: 12,
    })
  })

  it('refuses shards that overlap or leave configurations out', async () => {
    const halves = await shards('halves', grids.workload!, 2)
    const quarters = await shards('quarters', grids.workload!, 4)
    const thirds = await shards('thirds', grids.workload!, 3)
    const cases: [string[], string][] = [
      [
        [...halves, halves[0]!],
        'configuration 1 (fifo tlb 16x4) is in halves-1-of-2.json (shard 1/2) and in halves-1-of-2.json',
      ],
      [
        [halves[1]!, quarters[3]!],
        'configuration 0 (fifo tlb 8x2) is in halves-0-of-2.json (shard 0/2) and in quarters-0-of-4.json (shard 0/4): shards overlap',
      ],
      [
        [thirds[0]!, thirds[2]!],
        'configurations 1 (fifo tlb 16x4), 4 (clock tlb 8x2) in no file given: shard 1/3 missing',
      ],
      [
        [quarters[0]!],
        'configurations 0 (fifo tlb 8x2), 1 (fifo tlb 16x4), 2 (lru tlb 8x2), 4 (clock tlb 8x2), 5 (clock tlb 16x4) in no file given: shards 0/4, 1/4, 2/4 missing',
      ],
    ]
    for (const [files, message] of cases) {
      const { code, err } = await run(['sweep', '--merge', ...files])
      expect({ files, code }).toEqual({ files, code: 2 })
      expect(err).toContain(message)
    }
  }, 120_000)

  it('refuses shards of different grids or inputs', async () => {
    const [fifoLru] = await shards('fl', ['--policy', 'fifo,lru'], 2)
    const [fifoClock] = await shards('fc', ['--policy', 'fifo,clock'], 2)
    const [x64] = await shards('x64', ['--policy', 'fifo,lru', '--arch', 'x64'], 2)
    writeFileSync(join(scratch, 'changing.txt'), pages)
    const [before] = await shards('before', ['--trace', 'changing.txt', '--memory', '40K'], 2)
    writeFileSync(join(scratch, 'changing.txt'), `${pages}1\n`)
    const after = (await shards('after', ['--trace', 'changing.txt', '--memory', '40K'], 2))[1]!
    const cases: [string[], string][] = [
      [
        [fifoLru!, fifoClock!],
        'is a shard of another sweep than fl-1-of-2.json (policies fifo,lru and fifo,clock)',
      ],
      [[fifoLru!, x64!], '(--arch x86 and x64)'],
      [[fifoLru!, before!], `workload pressure and trace changing.txt (page-list, ${pages.length} bytes`],
      [[before!, after], `trace changing.txt (page-list, ${pages.length} bytes, sha256 `],
    ]
    for (const [files, message] of cases) {
      const { code, err } = await run(['sweep', '--merge', ...files])
      expect({ files, code }).toEqual({ files, code: 2 })
      expect(err).toContain(message)
    }
  }, 120_000)

  it('refuses files that are not a sweep --json, or whose rows are not their shard of their grid', async () => {
    const [file] = await shards('tampered', ['--policy', 'fifo,lru'], 2)
    const json = JSON.parse(
      (await run(['sweep', '--policy', 'fifo,lru', '--shard', '1/2', '--json', '--jobs', '1'])).out,
    )
    writeFileSync(
      join(scratch, 'relabelled.json'),
      JSON.stringify({ ...json, results: [{ ...json.results[0], label: 'opt' }] }),
    )
    writeFileSync(join(scratch, 'rows.json'), JSON.stringify(json.results))
    writeFileSync(join(scratch, 'broken.json'), '{ "grid": ')
    const cases: [string[], string][] = [
      [
        ['relabelled.json'],
        '--merge relabelled.json: its results are not shard 1/2 of its grid (expected lru; found opt)',
      ],
      [
        ['rows.json'],
        '--merge rows.json: not the --json of a sweep (a list of rows without the grid they belong to)',
      ],
      [['broken.json'], '--merge broken.json: not JSON (line 1, column 11'],
      [['nowhere.json'], '--merge nowhere.json: cannot read it (no such file)'],
      [[file!, 'nowhere.json'], '--merge nowhere.json: cannot read it'],
    ]
    for (const [files, message] of cases) {
      const { code, err } = await run(['sweep', '--merge', ...files])
      expect({ files, code }).toEqual({ files, code: 2 })
      expect(err).toContain(message)
    }
  })

  it.each([
    [['--policy', 'fifo'], '--policy has no use with it'],
    [['--trace', 'pages.txt'], '--trace has no use with it'],
    [['--shard', '0/2'], '--shard has no use with it'],
    [['--jobs', '2'], '--jobs has no use with it'],
    [['--arch', 'x64'], '--arch has no use with it'],
    [['--memory', '64K'], '--memory has no use with it'],
    [['--frames', '3'], '--frames has no use with it'],
    [['--csv', '--json'], '--csv and --json: choose one'],
  ])('refuses --merge with %j', async (options, message) => {
    const { code, err } = await run(['sweep', '--merge', 'a.json', ...options])
    expect(code).toBe(2)
    expect(err).toContain(message)
  })
})

describe('runSweep scheduling', () => {
  it('starts the smallest machines first (the most faults: the longest jobs), then OPT and LRU', () => {
    const jobs = sweepJobs({
      workload: 'pressure',
      arch: 'x86',
      pages: 9,
      rounds: 20,
      policies: ['fifo', 'lru', 'opt'],
      memory: [1024 * 1024, 128 * 1024],
      trace: { path: '/nowhere', format: 'page-list' },
    })
    expect(longestFirst(jobs).map((index) => jobs[index]!.label)).toEqual([
      'opt mem 128K',
      'lru mem 128K',
      'fifo mem 128K',
      'opt mem 1M',
      'lru mem 1M',
      'fifo mem 1M',
    ])
  })
})
