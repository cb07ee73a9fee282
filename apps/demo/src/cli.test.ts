// The command line through main(argv, io), in-process: every command's output, its --json compared
// with the library's own answers, bad input and exit codes. cli.spawn.test.ts runs the binary.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadKernel, NtCurrentProcess } from '@ntmm/nt-syscalls'
import { describe, expect, it } from 'vitest'
import { main } from './cli.js'
import { collectingIo } from './cliIo.js'
import { scenarios } from './scenarios/catalog.js'
import { playArticleStory } from './scenarios/articleStory.js'
import { scriptJsonSchema } from './scriptSchema.js'
import { playSweepJob } from './sweepJob.js'
import { sweepJobs } from './sweep.js'

const appDirectory = new URL('..', import.meta.url).pathname
const scratch = mkdtempSync(join(tmpdir(), 'ntmm-cli-'))

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = collectingIo({ cwd: appDirectory })
  const code = await main(argv, io)
  return { code, out: io.out.join(''), err: io.err.join('') }
}

function script(name: string, value: unknown): string {
  const path = join(scratch, name)
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2))
  return path
}

describe('ntmm demo', () => {
  it('tells the article story: reserve, commit without mapping, demand-zero fault, access violations', async () => {
    const { code, out } = await run(['demo'])
    expect(code).toBe(0)
    expect(out).toMatch(/STATUS_SUCCESS, BaseAddress 0x00010000, RegionSize 64 KiB/)
    expect(out).toContain(
      'MEM_COMMIT mapped nothing: a side-effect-free peek at 0x00011000 gives STATUS_ACCESS_VIOLATION',
    )
    expect(out).toContain('#PF at 0x00011010')
    expect(out).toMatch(/MmAccessFault: write at 0x00011010 → demand-zero/)
    expect(out).toContain('MmRequestPageMemoryConsumer → PFN')
    expect(out).toContain('MmCreateVirtualMapping 0x00011000')
    expect(out).toContain('MmAccessFault → MmNotPresentFault → MmNotPresentFaultVirtualMemory')
    expect(out).toContain('reading back: STATUS_SUCCESS [0x4e 0x54 0x4d 0x4d]')
    expect(out).toMatch(/✓ write to PAGE_READONLY: STATUS_ACCESS_VIOLATION/)
    expect(out).not.toContain('✗')
  })

  it.each(['x86', 'x86-pae', 'x64'])('runs on %s and walks every paging level of that mode', async (arch) => {
    const { code, out } = await run(['demo', '--arch', arch])
    expect(code).toBe(0)
    expect(out).toContain(`on an ${arch} machine`)
    expect(out).toMatch(/PTE\s+at 0x/)
    if (arch === 'x64') expect(out).toMatch(/PML4E\s+at 0x/)
    if (arch === 'x86-pae') expect(out).toMatch(/PDPTE\s+at 0x/)
  })
})

describe('ntmm scenarios and run', () => {
  it('lists every built-in scenario, as text and as JSON', async () => {
    const text = await run(['scenarios'])
    for (const scenario of scenarios) expect(text.out).toContain(scenario.name)
    const json = JSON.parse((await run(['scenarios', '--json'])).out) as { name: string }[]
    expect(json.map((entry) => entry.name)).toEqual(scenarios.map((scenario) => scenario.name))
  })

  it.each(scenarios.map((scenario) => scenario.name))('plays %s with every expectation met', async (name) => {
    const { code, out } = await run(['run', name])
    expect(code).toBe(0)
    expect(out).toContain('✓')
    expect(out).not.toContain('✗')
  })

  it('--json gives the state as NtQueryVirtualMemory walks it, and the library agrees', async () => {
    const { code, out } = await run(['run', 'article', '--json'])
    expect(code).toBe(0)
    const json = JSON.parse(out) as {
      ok: boolean
      state: {
        seq: number
        processes: {
          pid: number
          name: string
          regions: { baseAddress: number; regionSize: number; state: number; protect: number }[]
        }[]
        stats: { mm: { demandZeroFaults: number } }
      }
    }
    expect(json.ok).toBe(true)
    const narrator = playArticleStory({ arch: 'x86', verbose: false })
    expect(json.state.seq).toBe(narrator.kernel.trace!.length - 1)
    const [process] = json.state.processes
    expect(process?.name).toBe('article.exe')
    const nt = narrator.kernel.syscalls(process!.pid)
    const walked = []
    for (let at = 0; at < narrator.kernel.mm.layout.highestUserAddress; ) {
      const { status, info } = nt.NtQueryVirtualMemory(NtCurrentProcess, at)
      expect(status).toBe(0)
      walked.push(info)
      at = info.baseAddress + info.regionSize
    }
    expect(process?.regions).toEqual(walked)
    expect(json.state.stats.mm.demandZeroFaults).toBe(narrator.kernel.mm.counters.demandZeroFaults)
  })

  it('shows the inspection views of the final state, and their JSON matches the machine', async () => {
    const text = await run([
      'run',
      'processes',
      '--show',
      'address,vad,regions,pfn,tlb,stats',
      '--show',
      'handles',
    ])
    expect(text.code).toBe(0)
    for (const heading of ['!address', '!vad', 'MM_REGION lists', '!pfn', 'TLB (data)', 'commit:', '!handle'])
      expect(text.out).toContain(heading)
    const json = JSON.parse((await run(['run', 'processes', '--show', 'handles', '--json'])).out) as {
      views: { handles: { pid: number; handles: { handle: number; grantedAccess: number }[] } }
    }
    const narrator = scenarios
      .find((scenario) => scenario.name === 'processes')!
      .run({ arch: 'x86', verbose: false })
    const table = narrator.kernel.ob.state.handleTable(json.views.handles.pid)!.handles()
    expect(
      json.views.handles.handles.map(({ handle, grantedAccess }) => ({ handle, grantedAccess })),
    ).toEqual(table.map(({ handle, entry }) => ({ handle, grantedAccess: entry.grantedAccess })))
    const pte = await run(['run', 'article', '--show', 'pte', '--va', '0x11010'])
    expect(pte.out).toMatch(/!pte 0x00011010[\s\S]*PTE\s+at 0x[0-9a-f]+ = 0x[0-9a-f]+ {2}PFN/)
  })

  it('compares replacement policies under memory pressure, opt never worse', async () => {
    const { code, out } = await run(['run', 'pressure', '--policy', 'fifo,opt', '--json'])
    expect(code).toBe(0)
    const log = (JSON.parse(out) as { log: string[] }).log.join('\n')
    const faults = (policy: string) =>
      Number(new RegExp(`${policy}\\s+\\d+\\s+\\d+\\s+(\\d+)`).exec(log)?.[1])
    expect(faults('opt')).toBeLessThanOrEqual(faults('fifo'))
    expect(log).toContain('mm.pageOut')
  })
})

describe('ntmm run <script.json>', () => {
  const base = {
    processes: [{ name: 'app.exe' }],
    steps: [
      {
        call: 'NtAllocateVirtualMemory',
        args: { regionSize: '64K', allocationType: 'MEM_RESERVE|MEM_COMMIT', protect: 'PAGE_READONLY' },
        save: { baseAddress: 'base' },
        expect: { status: 'STATUS_SUCCESS' },
      },
      { access: 'write', address: '$base', data: [1], expect: { exception: 'STATUS_ACCESS_VIOLATION' } },
    ],
  }

  it('plays the shipped example with every expectation met', async () => {
    const { code, out } = await run(['run', 'examples/reserve-commit-touch.json'])
    expect(code).toBe(0)
    expect(out).toContain('✓ data: [0x4e 0x54 0x4d 0x4d]')
    expect(out).toContain('✓ status: STATUS_ACCESS_DENIED')
  })

  it('a failed expectation is a finding: exit code 1 and the expected and actual values', async () => {
    const failing = {
      ...base,
      steps: [
        base.steps[0],
        { access: 'write', address: '$base', data: [1], expect: { status: 'STATUS_SUCCESS' } },
      ],
    }
    const { code, out } = await run(['run', script('failing.json', failing)])
    expect(code).toBe(1)
    expect(out).toContain('✗ status: expected STATUS_SUCCESS, got STATUS_ACCESS_VIOLATION')
    expect(out).toContain('1 expectation(s) failed')
  })

  it('a passing script exits 0; --arch overrides its machine', async () => {
    const { code, out } = await run(['run', script('passing.json', base), '--arch', 'x64'])
    expect(code).toBe(0)
    expect(out).toContain('on an x64 machine')
  })

  it.each([
    [
      'not JSON',
      '{ "processes": [ }',
      /bad1\.json: not valid JSON at line 1, column 18: expected a value, found '}'/,
    ],
    ['a missing field', { steps: [] }, /bad2\.json: processes: missing$/m],
    [
      'an unknown step kind',
      { processes: [{ name: 'a' }], steps: [{ jump: 1 }] },
      /bad3\.json: steps\[0\]: a step needs one of the keys call, access, show or note/,
    ],
    [
      'a bad field in a step',
      { processes: [{ name: 'a' }], steps: [{ access: 'poke', address: 0 }] },
      /bad4\.json: steps\[0\]\.access: "poke" is not one of "read", "write", "execute"/,
    ],
    [
      'an unknown constant',
      {
        processes: [{ name: 'a' }],
        steps: [
          {
            call: 'NtAllocateVirtualMemory',
            args: { regionSize: 1, allocationType: 'MEM_RESERVE', protect: 'PAGE_RW' },
          },
        ],
      },
      /bad5\.json: steps\[0\]\.args\.protect: unknown name 'PAGE_RW'/,
    ],
    [
      'a variable used before it is saved',
      { processes: [{ name: 'a' }], steps: [{ access: 'read', address: '$base' }] },
      /bad6\.json: steps\[0\]\.address: variable \$base is not saved by an earlier step/,
    ],
    [
      'a missing argument',
      { processes: [{ name: 'a' }], steps: [{ call: 'NtFreeVirtualMemory', args: { baseAddress: 0 } }] },
      /bad7\.json: steps\[0\]\.args\.freeType: required by NtFreeVirtualMemory/,
    ],
    [
      'an unknown process',
      { processes: [{ name: 'a' }], steps: [{ process: 'b', access: 'read', address: 0 }] },
      /bad8\.json: steps\[0\]\.process: no process 'b'/,
    ],
  ])('rejects a script with %s: exit code 2 and the place', async (_label, content, message) => {
    const index =
      [
        'not JSON',
        'a missing field',
        'an unknown step kind',
        'a bad field in a step',
        'an unknown constant',
        'a variable used before it is saved',
        'a missing argument',
        'an unknown process',
      ].indexOf(_label) + 1
    const { code, err, out } = await run(['run', script(`bad${index}.json`, content)])
    expect(code).toBe(2)
    expect(out).toBe('')
    expect(err).toMatch(message)
    expect(err.split('\n').filter((line) => line !== '')).toHaveLength(1)
  })

  it('ntmm schema prints the JSON Schema shipped as scenario.schema.json', async () => {
    const { code, out } = await run(['schema'])
    expect(code).toBe(0)
    expect(JSON.parse(out)).toEqual(scriptJsonSchema())
    expect(JSON.parse(readFileSync(join(appDirectory, 'scenario.schema.json'), 'utf8'))).toEqual(
      scriptJsonSchema(),
    )
  })
})

describe('ntmm sweep', () => {
  it('plays each configuration in a worker thread and agrees with an in-process run', async () => {
    const { code, out } = await run([
      'sweep',
      '--workload',
      'tlb-loop',
      '--tlb',
      '8x8,16x4',
      '--pages',
      '9',
      '--rounds',
      '5',
      '--json',
    ])
    expect(code).toBe(0)
    const results = JSON.parse(out).results as { label: string; tlbHits: number }[]
    const expected = sweepJobs({
      workload: 'tlb-loop',
      arch: 'x86',
      tlbs: ['8x8', '16x4'],
      pages: 9,
      rounds: 5,
    })
    expect(results).toEqual(await Promise.all(expected.map(playSweepJob)))
    expect(results[0]?.tlbHits).toBe(0)
    expect(results[1]?.tlbHits).toBeGreaterThan(0)
  })

  it("sweeps a program's memory trace across policies and TLBs, as an in-process replay does", async () => {
    const pages = script(
      'sweep-pages.txt',
      `${Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? (i / 2) % 4 : 100 + i)).join('\n')}\n`,
    )
    const args = [
      'sweep',
      '--trace',
      pages,
      '--memory',
      '256K',
      '--policy',
      'fifo,lru,opt',
      '--tlb',
      '8x2,16x4',
    ]
    const { code, out } = await run([...args, '--json'])
    expect(code).toBe(0)
    const results = JSON.parse(out).results as { label: string; references: number; pageFaults: number }[]
    expect(results.map((result) => result.label)).toEqual([
      'fifo tlb 8x2',
      'fifo tlb 16x4',
      'lru tlb 8x2',
      'lru tlb 16x4',
      'opt tlb 8x2',
      'opt tlb 16x4',
    ])
    // Belady: OPT faults least; LRU (every reference noted) less than FIFO on this hot/cold mix.
    const faultsOf = (label: string) => results.find((result) => result.label === label)?.pageFaults
    expect(faultsOf('opt tlb 8x2')).toBeLessThanOrEqual(faultsOf('lru tlb 8x2') ?? 0)
    expect(faultsOf('lru tlb 8x2')).toBeLessThan(faultsOf('fifo tlb 8x2') ?? 0)
    expect(results.every((result) => result.references === 400 && result.pageFaults > 0)).toBe(true)
    const expected = await Promise.all(
      sweepJobs({
        workload: 'pressure',
        arch: 'x86',
        pages: 9,
        rounds: 20,
        policies: ['fifo', 'lru', 'opt'],
        tlbs: ['8x2', '16x4'],
        trace: { path: pages, format: 'page-list' },
        memory: [256 * 1024],
      }).map(playSweepJob),
    )
    expect(results).toEqual(expected)
    // Detected or named, the format gives the same figures.
    const named = JSON.parse((await run([...args, '--trace-format', 'pages', '--json'])).out).results
    expect(named).toEqual(results)
  })

  it("reproduces the textbook's FIFO, LRU and OPT counts on its reference string with 3 frames", async () => {
    const belady = script('belady.txt', '7\n0\n1\n2\n0\n3\n0\n4\n2\n3\n0\n3\n2\n1\n2\n0\n1\n7\n0\n1\n')
    // 7 pages of RAM on x86: 4 for the system and the process's paging structures, 3 for the program.
    const { code, out } = await run([
      'sweep',
      '--trace',
      belady,
      '--memory',
      '28K',
      '--policy',
      'fifo,lru,opt',
      '--csv',
    ])
    expect(code).toBe(0)
    const faults = out
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','))
      .map((cells) => [cells[0], Number(cells[5])])
    expect(faults).toEqual([
      ['fifo', 15],
      ['lru', 12],
      ['opt', 9],
    ])
  })

  it('prints CSV with a header and one row per configuration', async () => {
    const { code, out } = await run(['sweep', '--policy', 'fifo,lru', '--csv', '--jobs', '2'])
    expect(code).toBe(0)
    const lines = out.trim().split('\n')
    expect(lines[0]).toBe(
      'config,references,tlbHits,tlbMisses,tlbHitRate,pageFaults,hardFaults,softFaults,pagesWritten',
    )
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['fifo', 'lru'])
  })
})

describe('ntmm usage errors', () => {
  it.each([
    [['frobnicate'], /^ntmm: unknown command 'frobnicate'/],
    [
      ['demo', '--arch', 'arm64'],
      /^ntmm: option '--arch <arch>' argument 'arm64' is invalid\. Allowed choices are x86, x86-pae, x64\./,
    ],
    [['demo', '--bogus'], /^ntmm: unknown option '--bogus'/],
    [['run', 'nosuch'], /^ntmm: unknown scenario 'nosuch' \(scenarios: article, /],
    [['run', 'missing.json'], /^ntmm: missing\.json: cannot read the script \(no such file\)/],
    [['run', 'article', '--show', 'heap'], /^ntmm: unknown view 'heap' \(views: address, vad/],
    [['run', 'article', '--show', 'pte'], /^ntmm: --show pte needs --va <address>/],
    [['run', 'article', '--show', 'address', '--pid', '99'], /^ntmm: --pid 99: no such process/],
    [['run', 'pressure', '--policy', 'mru'], /'mru' is not one of working-set, fifo, lru, clock, opt, nt/],
    [['sweep', '--tlb', '7x2'], /^ntmm: --tlb '7x2': expected <entries>x<ways>/],
  ])('%j is bad usage: exit code 2, one clear line, no stack trace', async (argv, message) => {
    const { code, err } = await run(argv as string[])
    expect(code).toBe(2)
    expect(err).toMatch(message)
    expect(err).not.toMatch(/\n\s+at /)
  })

  it.each([
    'demo',
    'scenarios',
    'run',
    'schema',
    'sweep',
  ])('%s --help prints usage with examples, exit code 0', async (command) => {
    const { code, out } = await run([command, '--help'])
    expect(code).toBe(0)
    expect(out).toContain(`Usage: ntmm ${command}`)
    expect(out).toContain('Examples:')
  })

  it('no arguments prints the overall help', async () => {
    const { code, out } = await run([])
    expect(code).toBe(0)
    expect(out).toContain('Usage: ntmm [options] [command]')
    expect(out).toContain('Exit codes: 0 success, 1 a finding')
  })
})

describe('ntmm record, replay, inspect, events, why, import, export', () => {
  const trace = join(scratch, 'article.ntt')

  it('records a scenario; replay --verify re-executes it, and --at N shows NtQueryVirtualMemory at that event', async () => {
    const recorded = await run(['record', 'article', '-o', trace, '--json'])
    expect(recorded.code).toBe(0)
    const summary = JSON.parse(recorded.out) as { events: number; ok: boolean }
    expect(summary.ok).toBe(true)
    const replay = await run(['replay', trace, '--verify', '--json'])
    expect(replay.code).toBe(0)
    const end = JSON.parse(replay.out) as { seq: number; determinism: { ok: boolean; events: number } }
    expect(end.seq).toBe(summary.events - 1)
    expect(end.determinism).toMatchObject({ ok: true, events: summary.events })

    const kernel = await loadKernel(trace)
    const log = kernel.trace!
    let reserveSeq = 0
    while (log.typeAt(reserveSeq) !== 'nt.syscallEntered') reserveSeq++
    for (const seq of [reserveSeq - 1, summary.events - 1]) {
      const json = JSON.parse((await run(['replay', trace, '--at', String(seq), '--json'])).out) as {
        seq: number
        processes: { pid: number; regions: { baseAddress: number; state: number }[] }[]
      }
      expect(json.seq).toBe(seq)
      const view = kernel.at(seq)
      const [process] = json.processes
      const walked = []
      for (let at = 0; at < view.mm.layout.highestUserAddress; ) {
        const { info } = view.syscalls(process!.pid).NtQueryVirtualMemory(NtCurrentProcess, at)
        walked.push(info)
        at = info.baseAddress + info.regionSize
      }
      expect(process?.regions).toEqual(walked)
      const reserved = process?.regions.some(
        (region) => region.baseAddress === 0x10000 && region.state !== 0x10000,
      )
      expect(reserved).toBe(seq !== reserveSeq - 1)
    }
  })

  it('inspect shows a view at an event; events and why agree with the trace', async () => {
    const kernel = await loadKernel(trace)
    const log = kernel.trace!
    const types = Array.from({ length: log.length }, (_, seq) => log.typeAt(seq))
    const mapped = types.indexOf('mm.mappingCreated')
    const fault = log.causeOf(mapped)!
    const before = await run(['inspect', trace, 'pte', '0x11010', '--at', String(fault), '--json'])
    const after = await run(['inspect', trace, 'pte', '0x11010', '--at', String(mapped), '--json'])
    expect((JSON.parse(before.out) as { physicalAddress: number | null }).physicalAddress).toBeNull()
    expect((JSON.parse(after.out) as { physicalAddress: number | null }).physicalAddress).not.toBeNull()
    const vad = await run(['inspect', trace, 'vad'])
    expect(vad.out).toContain('!vad: process 4 (article.exe)')

    const events = JSON.parse((await run(['events', trace, '--type', 'mm.pageFault', '--json'])).out) as {
      matched: number
      events: { seq: number }[]
    }
    expect(events.events.map((event) => event.seq)).toEqual(
      types.flatMap((type, seq) => (type === 'mm.pageFault' ? [seq] : [])),
    )
    const layer = JSON.parse(
      (await run(['events', trace, '--type', 'nt.*', '--from', '0', '--to', '20', '--json'])).out,
    ) as { events: { seq: number; event: { type: string } }[] }
    expect(layer.events.every(({ seq, event }) => seq <= 20 && event.type.startsWith('nt.'))).toBe(true)
    // --limit cuts the list, not the count; a pid filter reads the events of the kinds asked for.
    const accesses = types.flatMap((type, seq) => (type === 'nt.cpuAccess' ? [seq] : []))
    const limited = JSON.parse(
      (await run(['events', trace, '--type', 'nt.cpuAccess', '--pid', '4', '--limit', '2', '--json'])).out,
    ) as { matched: number; events: { seq: number }[] }
    expect(accesses.length).toBeGreaterThan(2)
    expect(limited.matched).toBe(accesses.length)
    expect(limited.events.map((event) => event.seq)).toEqual(accesses.slice(0, 2))
    const all = JSON.parse((await run(['events', trace, '--limit', '1', '--json'])).out) as {
      matched: number
    }
    expect(all.matched).toBe(log.length)
    const otherProcess = JSON.parse(
      (await run(['events', trace, '--type', 'nt.cpuAccess', '--pid', '8', '--json'])).out,
    ) as { matched: number }
    expect(otherProcess.matched).toBe(0)

    const why = await run(['why', trace, String(mapped), '--json'])
    expect(why.code).toBe(0)
    const chain = (JSON.parse(why.out) as { chain: { seq: number; event: { type: string } }[] }).chain
    expect(chain.map((link) => link.seq)).toEqual(kernel.history.causeOf(mapped).chain)
    expect(chain.map((link) => link.event.type)).toEqual([
      'mm.mappingCreated',
      'hw.pageFault',
      'nt.cpuAccess',
    ])
    expect((await run(['why', trace, String(mapped)])).out).toContain('← #')
  })

  it.each([
    'tlb',
    'pressure --policy lru',
    'pressure --policy opt',
  ])('a scenario that edits the machine through kernel.debug (%s) replays with --verify', async (line) => {
    const scenario = line.split(' ')
    const path = join(scratch, `debug-${scenario.join('-')}.ntt`)
    expect((await run(['record', ...scenario, '-o', path])).code).toBe(0)
    const { code, out } = await run(['replay', path, '--verify', '--json'])
    expect(code).toBe(0)
    const { determinism } = JSON.parse(out) as { determinism: { ok: boolean; inputs: number } }
    expect(determinism.ok).toBe(true)
    // The debugger's edits are among the inputs re-executed.
    const kernel = await loadKernel(path)
    const log = kernel.trace!
    const debugInputs = Array.from({ length: log.length }, (_, seq) => log.view(seq)!).filter(
      (event) => event.type === 'nt.debugInput',
    )
    expect(debugInputs.length).toBeGreaterThan(0)
  })

  it("records a machine under the 'nt' policy: replay --verify, inspect, events and why read its working-set events", async () => {
    const path = join(scratch, 'pressure-nt.ntt')
    expect((await run(['record', 'pressure', '--policy', 'nt', '-o', path])).code).toBe(0)
    const replay = await run(['replay', path, '--verify', '--json'])
    expect(replay.code).toBe(0)
    expect((JSON.parse(replay.out) as { determinism: { ok: boolean } }).determinism.ok).toBe(true)
    const kernel = await loadKernel(path)
    expect(kernel.config.replacementPolicy).toBe('nt')
    expect(kernel.config.nt).toEqual(kernel.mm.ntConfig)
    const log = kernel.trace!
    const types = Array.from({ length: log.length }, (_, seq) => log.typeAt(seq))
    for (const type of [
      'mm.workingSetTrimmed',
      'mm.clusterWritten',
      'mm.balanceSetTick',
      'mm.pageReclaimed',
    ]) {
      const listed = JSON.parse((await run(['events', path, '--type', type, '--json'])).out) as {
        matched: number
      }
      expect(listed.matched, type).toBe(types.filter((t) => t === type).length)
      expect(listed.matched, type).toBeGreaterThan(0)
    }
    const cluster = types.indexOf('mm.clusterWritten')
    const why = JSON.parse((await run(['why', path, String(cluster), '--json'])).out) as {
      chain: { seq: number }[]
    }
    expect(why.chain.map((link) => link.seq)).toEqual(kernel.history.causeOf(cluster).chain)
    const pfn = await run(['inspect', path, 'pfn', '--at', String(cluster)])
    expect(pfn.code).toBe(0)
    expect(pfn.out).toMatch(/lists: free \d+, zeroed \d+, standby \d+, modified \d+/)
  }, 240_000)

  it('events over a window reads a binary trace through its index, as the loaded trace answers', async () => {
    const jsonl = join(scratch, 'article.jsonl')
    expect((await run(['record', 'article', '-o', jsonl, '--format', 'jsonl'])).code).toBe(0)
    const kernel = await loadKernel(trace)
    const length = kernel.trace!.length
    const cases = [
      ['--from', '0', '--to', String(length - 1)],
      ['--from', '5', '--to', '40', '--type', 'mm.*,nt.exceptionRaised'],
      ['--from', '10', '--type', 'hw.pteWritten', '--limit', '2'],
      ['--to', '50', '--address', '0x11000', '--pid', '4'],
      ['--from', '3', '--to', '3'],
    ]
    for (const window of cases) {
      const indexed = await run(['events', trace, ...window, '--json'])
      const loaded = await run(['events', jsonl, ...window, '--json'])
      expect(indexed.code).toBe(0)
      expect(JSON.parse(indexed.out)).toEqual(JSON.parse(loaded.out))
      expect((JSON.parse(indexed.out) as { matched: number }).matched).toBeGreaterThan(0)
    }
    // The index path checks the window and the types as the loaded path does.
    const late = await run(['events', trace, '--from', String(length)])
    expect(late.code).toBe(2)
    expect(late.err).toContain(`--from ${length}: out of range; ${trace} has events 0..${length - 1}`)
    expect((await run(['events', trace, '--from', '0', '--type', 'hw.tlbfill'])).err).toMatch(
      /did you mean hw\.tlbFill\?/,
    )
  })

  it('a re-execution that diverges is a finding: exit code 1 and the first divergent event', async () => {
    const tlbTrace = join(scratch, 'tlb.ntt')
    expect((await run(['record', 'tlb', '-o', tlbTrace, '--format', 'jsonl'])).code).toBe(0)
    // Tamper with the debugger's PTE rewrite: the recorded PTE store no longer reproduces.
    const text = readFileSync(tlbTrace, 'utf8')
    const tampered = text.replace(/("call":"writePte","address":\d+,"low":)\d+/, '$10')
    expect(tampered).not.toBe(text)
    writeFileSync(tlbTrace, tampered)
    const { code, out } = await run(['replay', tlbTrace, '--verify'])
    expect(code).toBe(1)
    expect(out).toMatch(/verify: first divergence at event #\d+: recorded \{"type":"hw\.pteWritten"/)
  })

  it('imports a page list and a memsim trace, and exports for Perfetto', async () => {
    const pages = script('pages.txt', '1\n2\n3\n1\n')
    const out = join(scratch, 'pages.ntt')
    const imported = await run(['import', 'pages', pages, '-o', out, '--json'])
    expect(imported.code).toBe(0)
    const report = (
      JSON.parse(imported.out) as { report: { accesses: number; faults: { demandZero: number } } }
    ).report
    expect(report.accesses).toBe(4)
    expect(report.faults.demandZero).toBe(3)
    expect((await run(['replay', out, '--verify'])).code).toBe(0)
    // Without -o: the same report from a machine that records nothing, and no file.
    const reportOnly = await run(['import', 'pages', pages, '--json'])
    expect(reportOnly.code).toBe(0)
    const parsed = JSON.parse(reportOnly.out) as { report: unknown; trace: unknown }
    expect(parsed.trace).toBeNull()
    // The same figures; only the seqs the replay spans in a trace are missing (there is none).
    const { traceRange, ...recorded } = (JSON.parse(imported.out) as { report: { traceRange: unknown } })
      .report
    expect(traceRange).toBeDefined()
    expect(parsed.report).toEqual(recorded)
    const text = await run(['import', 'pages', pages])
    expect(text.out).toContain('4 accesses')
    expect(text.out).toContain('no trace written (-o <file> records one)')
    const memsim = script('memsim.txt', '0041f7a0 R\n0041f7a4 W\n13f5e2c0 R\n')
    expect((await run(['import', 'memsim', memsim, '-o', join(scratch, 'memsim.ntt')])).out).toContain(
      '3 accesses',
    )
    const perfetto = join(scratch, 'article.perfetto-trace')
    const exported = await run(['export', 'perfetto', trace, '-o', perfetto])
    expect(exported.code).toBe(0)
    expect(readFileSync(perfetto).length).toBeGreaterThan(100)
  })

  it.each([
    [['replay', 'nowhere.ntt'], /^ntmm: nowhere\.ntt: no such trace file/],
    [['replay', 'CORRUPT'], /^ntmm: .*corrupt\.ntt: not a readable ntmm trace \(/],
    [
      ['replay', 'TRACE', '--at', '99999'],
      /^ntmm: --at 99999: out of range; .*article\.ntt has events 0\.\.\d+/,
    ],
    [['inspect', 'TRACE', 'heap'], /^ntmm: unknown view 'heap'/],
    [['inspect', 'TRACE', 'pte'], /^ntmm: the pte view needs an address/],
    [['events', 'TRACE', '--address', 'zzz'], /^ntmm: --address 'zzz': expected an address/],
    [['sweep', '--trace', 'nowhere.txt'], /^ntmm: --trace nowhere\.txt: no such file/],
    [['sweep', '--memory', '1M'], /^ntmm: --memory sizes the machines of a --trace sweep/],
    [
      ['sweep', '--trace', 'TRACE', '--memory', '1000'],
      /^ntmm: option '--memory <sizes>' argument '1000' is invalid/,
    ],
    [
      ['sweep', '--trace', 'BADPAGES', '--trace-format', 'pages'],
      /^ntmm: sweep '[^']+': .*badpages\.txt:2: expected a decimal page number/,
    ],
    [
      ['sweep', '--trace', 'BADPAGES'],
      /^ntmm: --trace .*badpages\.txt: cannot tell its format from the first lines; name it with --trace-format \(lackey, memsim/,
    ],
    [
      ['events', 'TRACE', '--type', 'hw.tlbfill'],
      /^ntmm: --type 'hw.tlbfill': no event type of this trace matches \(did you mean hw\.tlbFill\?\)/,
    ],
    [['events', 'TRACE', '--type', 'zz.*'], /^ntmm: --type 'zz\.\*': no event type of this trace matches;/],
    [['why', 'TRACE', '99999'], /^ntmm: <seq> 99999: out of range/],
    [['import', 'strace', 'TRACE', '-o', 'x.ntt'], /^ntmm: unknown trace format 'strace'/],
    [['import', 'pages', 'BADPAGES', '-o', 'x.ntt'], /^ntmm: .*badpages\.txt:2: /],
    [['export', 'svg', 'TRACE', '-o', 'x.svg'], /^ntmm: unknown export 'svg'/],
    [['record', 'article'], /^ntmm: required option '-o, --output <file>' not specified/],
  ])('%j is bad input: exit code 2 and one line', async (argv, message) => {
    writeFileSync(join(scratch, 'corrupt.ntt'), 'this is not a trace\n')
    writeFileSync(join(scratch, 'badpages.txt'), '1\nnot a page\n3\n')
    const substituted = (argv as string[]).map((item) =>
      item === 'TRACE'
        ? trace
        : item === 'CORRUPT'
          ? join(scratch, 'corrupt.ntt')
          : item === 'BADPAGES'
            ? join(scratch, 'badpages.txt')
            : item,
    )
    const { code, err } = await run(substituted)
    expect(code).toBe(2)
    expect(err).toMatch(message)
    expect(err.trim().split('\n')).toHaveLength(1)
  })
})
