// The narration of `ntmm run` and `ntmm demo` as a student uses it: every event number it prints
// is the recorded trace's (copied into `ntmm why`, it names that event), --verbose prints every
// event, and the ReactOS routines of a fault or an allocation are told in the order they run.

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from './cli.js'
import { collectingIo } from './cliIo.js'
import { scenarios } from './scenarios/catalog.js'

const appDirectory = new URL('..', import.meta.url).pathname
const scratch = mkdtempSync(join(tmpdir(), 'ntmm-narration-'))

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const io = collectingIo({ cwd: appDirectory })
  const code = await main(argv, io)
  return { code, out: io.out.join('') }
}

interface Numbered {
  readonly seq: number
  readonly text: string
}

/** The numbered event lines of a narration or of `events`: seq and the text after the layer. */
function numbered(text: string): Numbered[] {
  return text.split('\n').flatMap((line) => {
    const match = /^\s*(?:← )?#\s*(\d+) (?:nt|mm|hw) +(.*?)(?: {2}\((?:cause #\d+|stored in .*)\))?$/.exec(
      line,
    )
    return match === null ? [] : [{ seq: Number(match[1]), text: match[2]! }]
  })
}

/** Records `target` and lists every event of its trace, as `ntmm events` prints them. */
async function recordedEvents(target: string): Promise<Map<number, string>> {
  const file = join(scratch, `${target.replaceAll('/', '-')}.ntt`)
  expect((await run(['record', target, '-o', file])).code).toBe(0)
  const listed = await run(['events', file, '--limit', '1000000'])
  return new Map(numbered(listed.out).map(({ seq, text }) => [seq, text]))
}

describe('the narration numbers events as the recorded trace does', () => {
  it.each([
    ...scenarios.map((scenario) => scenario.name),
    'examples/reserve-commit-touch.json',
  ])('%s: every narrated #N is event N of `record` + `events`', async (target) => {
    const narrated = numbered((await run(['run', target])).out)
    expect(narrated.length).toBeGreaterThan(0)
    const trace = await recordedEvents(target)
    for (const { seq, text } of narrated) expect({ seq, text }).toEqual({ seq, text: trace.get(seq) })
  })

  it("demo's second MmAccessFault is #41, as `events` lists it, and `why 41` explains that event", async () => {
    const demo = numbered((await run(['demo'])).out).filter(({ text }) => text.startsWith('MmAccessFault'))
    expect(demo[1]?.seq).toBe(41)
    const file = join(scratch, 'article.ntt')
    expect((await run(['record', 'article', '-o', file])).code).toBe(0)
    const why = numbered((await run(['why', file, '41'])).out)
    expect(why[0]).toEqual(demo[1])
  })

  it("`run tlb`'s PTE rewrite without INVLPG is the trace's event of that number", async () => {
    const rewrite = numbered((await run(['run', 'tlb'])).out).find(({ text }) =>
      text.endsWith('written: 0xe067 → 0xf067'),
    )
    expect(rewrite?.seq).toBe(333)
    expect((await recordedEvents('tlb')).get(333)).toBe(rewrite?.text)
  })

  it('--verbose prints every event of the trace, each once (a TLB hit in the row of its access)', async () => {
    const verbose = numbered((await run(['demo', '--verbose'])).out)
    const trace = await recordedEvents('article')
    expect(new Set(verbose.map(({ seq }) => seq))).toEqual(new Set(trace.keys()))
    expect(verbose.filter(({ seq }) => seq === 36).map(({ text }) => text)).toEqual([
      'CPU read of 4 byte(s) at 0x00011010',
      'hw.tlbHit',
    ])
  })
})

describe("the ReactOS path in the narration of a user's own script", () => {
  it('tells the fault path where the fault starts, before the frames and the mapping it makes', async () => {
    const lines = (await run(['run', 'examples/reserve-commit-touch.json'])).out.split('\n')
    const fault = lines.findIndex((line) => / hw #PF at 0x00011010/.test(line))
    expect(lines[fault + 1]?.trim()).toBe(
      '↳ MmAccessFault → MmNotPresentFault → MmNotPresentFaultVirtualMemory → MmRequestPageMemoryConsumer + MmCreateVirtualMapping',
    )
    const request = lines.findIndex(
      (line, at) => at > fault && line.includes('mm MmRequestPageMemoryConsumer'),
    )
    const mapping = lines.findIndex((line, at) => at > fault && line.includes('mm MmCreateVirtualMapping'))
    const verdict = lines.findIndex((line, at) => at > fault && line.includes('mm MmAccessFault:'))
    expect(fault + 1 < request && request < mapping && mapping < verdict).toBe(true)
    const reserve = lines.findIndex((line) => / nt NtAllocateVirtualMemory\(.*MEM_RESERVE/.test(line))
    expect(lines[reserve + 1]?.trim()).toBe('↳ NtAllocateVirtualMemory → MmCreateMemoryArea')
    const commit = lines.findIndex((line) =>
      / nt NtAllocateVirtualMemory\(.*allocationType=MEM_COMMIT,/.test(line),
    )
    expect(lines[commit + 1]?.trim()).toBe('↳ NtAllocateVirtualMemory → MmAlterRegion (commit charged)')
    const reserved = lines.findIndex((line) => / hw #PF at 0x00012000/.test(line))
    expect(lines[reserved + 1]?.trim()).toBe(
      '↳ MmAccessFault → MmNotPresentFault → MmNotPresentFaultVirtualMemory → page reserved, not committed: STATUS_ACCESS_VIOLATION',
    )
  })

  it('names the constants of a query, and says why a fired guard page is gone from it but not from the region list', async () => {
    const file = join(scratch, 'guard.json')
    writeFileSync(
      file,
      JSON.stringify({
        processes: [{ name: 'guard.exe' }],
        steps: [
          {
            call: 'NtAllocateVirtualMemory',
            args: { regionSize: '8K', allocationType: 'MEM_RESERVE', protect: 'PAGE_READWRITE' },
            save: { baseAddress: 'base' },
          },
          {
            call: 'NtAllocateVirtualMemory',
            args: {
              baseAddress: '$base',
              regionSize: '4K',
              allocationType: 'MEM_COMMIT',
              protect: 'PAGE_READWRITE|PAGE_GUARD',
            },
          },
          {
            access: 'write',
            address: '$base',
            data: [1],
            expect: { exception: 'STATUS_GUARD_PAGE_VIOLATION' },
          },
          {
            call: 'NtQueryVirtualMemory',
            args: { baseAddress: '$base' },
            expect: { state: 'MEM_COMMIT', type: 'MEM_PRIVATE', protect: 'PAGE_READWRITE' },
          },
          { show: 'regions' },
        ],
      }),
    )
    const { code, out } = await run(['run', file])
    expect(code).toBe(0)
    expect(out).toContain(
      'allocationProtect PAGE_READWRITE, regionSize 0x1000, state MEM_COMMIT, protect PAGE_READWRITE, type MEM_PRIVATE',
    )
    expect(out).toContain('✓ state: MEM_COMMIT')
    expect(out).toContain('✓ type: MEM_PRIVATE')
    expect(out).toContain(
      'PAGE_GUARD is not in the answer: the guard fired on the first touch and was consumed in the PTE; the MM_REGION keeps the protection it was committed with (PAGE_READWRITE|PAGE_GUARD), as the regions view shows',
    )
    expect(out).toMatch(
      /MEM_COMMIT PAGE_READWRITE\|PAGE_GUARD {2}\(guard consumed in the PTE: NtQueryVirtualMemory answers PAGE_READWRITE\)/,
    )
  })
})
