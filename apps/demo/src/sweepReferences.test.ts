// `ntmm sweep --refs … --frames …`: the textbook's page-replacement exercise in one line, with the
// textbook's counts (FIFO 15, LRU 12, OPT 9 on Silberschatz's string with 3 frames; Belady's
// anomaly), one line per reference, random strings drawn again from their seed, and questions.

import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { main } from './cli.js'
import { collectingIo } from './cliIo.js'

const appDirectory = new URL('..', import.meta.url).pathname
const textbook = '7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1'
const anomaly = '1,2,3,4,1,2,5,1,2,3,4,5'

async function run(argv: string[], stdin?: string) {
  const io = collectingIo({ cwd: appDirectory, ...(stdin === undefined ? {} : { stdin }) })
  const code = await main(argv, io)
  return { code, out: io.out.join(''), err: io.err.join('') }
}

interface Row {
  label: string
  references: number
  pageFaults: number
  pageHits: number
  pageHitRate: number
  steps: { page: number; hit: boolean; resident: number[]; evicted: number[] }[]
}

async function rows(argv: string[]): Promise<Row[]> {
  const { code, out } = await run([...argv, '--json'])
  expect(code).toBe(0)
  return (JSON.parse(out) as { rows: Row[] }).rows
}

describe('ntmm sweep --refs', () => {
  it("gives the textbook's counts: FIFO 15, LRU 12, OPT 9 faults with 3 frames, as sweep --trace does on 28K", async () => {
    const played = await rows(['sweep', '--refs', textbook, '--frames', '3', '--policy', 'fifo,lru,opt'])
    expect(played.map(({ label, pageFaults, pageHits }) => [label, pageFaults, pageHits])).toEqual([
      ['fifo', 15, 5],
      ['lru', 12, 8],
      ['opt', 9, 11],
    ])
    for (const row of played) {
      expect(row.steps.map((step) => step.page).join(',')).toBe(textbook)
      expect(row.steps.filter((step) => !step.hit)).toHaveLength(row.pageFaults)
      expect(Math.max(...row.steps.map((step) => step.resident.length))).toBe(3)
      expect(row.pageHitRate).toBe(row.pageHits / 20)
    }
    const traced = await run([
      'sweep',
      '--trace',
      'examples/belady.txt',
      '--memory',
      '28K',
      '--policy',
      'fifo,lru,opt',
      '--json',
    ])
    const expected = JSON.parse(traced.out).results as {
      label: string
      pageFaults: number
      tlbHits: number
    }[]
    expect(played.map(({ label, pageFaults }) => ({ label, pageFaults }))).toEqual(
      expected.map(({ label, pageFaults }) => ({ label, pageFaults })),
    )
  })

  it("shows Belady's anomaly: FIFO faults 9 times with 3 frames and 10 times with 4", async () => {
    const faults = async (frames: string) =>
      (await rows(['sweep', '--refs', anomaly, '--frames', frames, '--policy', 'fifo']))[0]?.pageFaults
    expect([await faults('3'), await faults('4')]).toEqual([9, 10])
  })

  it('prints one line per reference: hit or miss, the resident pages, the page evicted; then the hit rates', async () => {
    const { code, out } = await run(['sweep', '--refs', textbook, '--frames', '3', '--policy', 'fifo,lru'])
    expect(code).toBe(0)
    const lines = out.split('\n')
    expect(lines[1]).toBe(
      "frames: 3 for the program, 4 more for the memory manager (1 KUSER_SHARED_DATA, 1 of the system's page tables, 2 of the process's page directory and tables): 7 pages of RAM on x86 (28 KiB, as --memory 28K)",
    )
    expect(lines.slice(3, 9)).toEqual([
      ' #  page  fifo                lru',
      ' 1     7  miss [7]            miss [7]',
      ' 2     0  miss [7 0]          miss [7 0]',
      ' 3     1  miss [7 0 1]        miss [7 0 1]',
      ' 4     2  miss [0 1 2] out 7  miss [0 1 2] out 7',
      ' 5     0  hit  [0 1 2]        hit  [1 2 0]',
    ])
    expect(out).toContain('fifo            20      15     5   0.2500')
    expect(out).toContain('lru             20      12     8   0.4000')
  })

  it('plays every policy the simulator has, side by side', async () => {
    const played = await rows(['sweep', '--refs', textbook, '--policy', 'fifo,lru,opt,clock,working-set'])
    expect(played.map((row) => row.label)).toEqual(['fifo', 'lru', 'opt', 'clock', 'working-set'])
    expect(played.every((row) => row.pageFaults >= 9 && row.pageFaults <= 15)).toBe(true)
  })

  it('reads the reference string from standard input with --trace -', async () => {
    const { code, out } = await run(
      ['sweep', '--trace', '-', '--frames', '4', '--policy', 'fifo', '--json'],
      '1 2 3 4 1 2 5\n1 2 3 4 5\n',
    )
    expect(code).toBe(0)
    const piped = (JSON.parse(out) as { references: number[]; rows: Row[] }).references
    expect(piped.join(',')).toBe(anomaly)
    expect((JSON.parse(out) as { rows: Row[] }).rows[0]?.pageFaults).toBe(10)
  })

  it('draws a random string from its seed, prints how, and draws the same one again', async () => {
    const first = await run(['sweep', '--random', '12', '--pages', '5', '--seed', '7'])
    expect(first.out).toMatch(
      /^sweep: random reference string \(--random 12 --pages 5 --seed 7\) [0-4](,[0-4]){11} /,
    )
    expect((await run(['sweep', '--random', '12', '--pages', '5', '--seed', '7'])).out).toBe(first.out)
    expect((await run(['sweep', '--random', '12', '--pages', '5', '--seed', '8'])).out).not.toBe(first.out)
  })

  it('--questions prints the exercise without its answers', async () => {
    const { code, out } = await run(['sweep', '--refs', textbook, '--questions'])
    expect(code).toBe(0)
    expect(out).toContain(' 1     7  ?     ?    ?')
    expect(out).not.toMatch(/miss \[|hit {2}\[|\d\.\d{4}/)
    expect(out).toContain('Answers: the same command without --questions.')
  })

  it.each([
    [['sweep', '--refs', '1,2', '--memory', '28K'], '--memory has no use in a reference-string sweep'],
    [['sweep', '--refs', '1,2', '--seed', '3'], '--seed draws a random reference string: add --random <n>'],
    [['sweep', '--refs', '1,2', '--questions', '--json'], '--questions and --json'],
    [['sweep', '--refs', '1,x'], "--refs: 'x' is not a page number 0..479"],
    [['sweep', '--refs', '1,2', '--random', '3'], 'give the reference string once'],
    [['sweep', '--frames', '3'], '--frames needs a reference string'],
    [['sweep', '--refs', '1,2', '--frames', '3', '--arch', 'x86-pae'], 'give at least --frames 4'],
    [['sweep', '--questions'], '--questions asks about a reference string'],
  ])('%j is refused', async (argv, message) => {
    const { code, out, err } = await run(argv)
    expect({ code, out }).toEqual({ code: 2, out: '' })
    expect(err).toContain(message)
  })
})

describe('ntmm --version', () => {
  it("prints apps/demo/package.json's version", async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    expect(await run(['--version'])).toEqual({ code: 0, out: `${version}\n`, err: '' })
  })
})
