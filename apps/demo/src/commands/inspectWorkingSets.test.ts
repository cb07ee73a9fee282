// `ntmm inspect <trace> ws | lists` and `run --show ws,lists` on the recorded working-sets scenario
// ('nt'): the faults by kind come from the trace's events and partition each process's
// VM_COUNTERS.PageFaultCount; the lists at an event are the machine's at that event; a bad --pid
// is a one-line error.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../cli.js'
import { collectingIo } from '../cliIo.js'

const scratch = mkdtempSync(join(tmpdir(), 'ntmm-ws-'))
const trace = join(scratch, 'ws.ntt')

async function run(argv: string[]) {
  const io = collectingIo({ cwd: scratch })
  const code = await main(argv, io)
  return { code, out: io.out.join(''), err: io.err.join('') }
}

interface WsJson {
  seq: number
  policy: string
  processes: { pid: number; name: string; pageFaultCount: number; faultsByKind: Record<string, number> }[]
  pid: number
  entries: { address: number; dirty: boolean; pageFileSlot: number }[]
}

describe("ntmm inspect ws and lists on a recorded 'nt' trace", () => {
  /** The seq where EmptyWorkingSet(idle.exe) returned: its NtSetInformationProcess's return, the last one. */
  let emptied = -1
  beforeAll(async () => {
    expect((await run(['record', 'working-sets', '-o', trace])).code).toBe(0)
    const returns = JSON.parse(
      (await run(['events', trace, '--type', 'nt.syscallReturned', '--json'])).out,
    ) as {
      events: { seq: number; event: { service: string } }[]
    }
    emptied = returns.events.filter((entry) => entry.event.service === 'NtSetInformationProcess').at(-1)!.seq
  })
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it("counts each process's faults by kind from the trace, and they add up to its PageFaultCount", async () => {
    const result = await run(['inspect', trace, 'ws', '--json'])
    expect(result.code).toBe(0)
    const json = JSON.parse(result.out) as WsJson
    expect(json.policy).toBe('nt')
    expect(json.processes.map((process) => [process.name, process.faultsByKind])).toEqual([
      // Each process's page table made for its pages is a fault of its own (each level counts).
      ['idle.exe', { 'demand-zero': 24, soft: 24, 'page table': 1 }],
      ['cache.exe', { 'demand-zero': 24, hard: 21, soft: 3, 'page table': 1 }],
      ['stream.exe', { 'demand-zero': 320, 'page table': 1 }],
    ])
    for (const process of json.processes)
      expect(Object.values(process.faultsByKind).reduce((sum, count) => sum + count, 0)).toBe(
        process.pageFaultCount,
      )
  })

  it('counts only the faults up to --at', async () => {
    const json = JSON.parse(
      (await run(['inspect', trace, 'ws', '--at', String(emptied), '--json'])).out,
    ) as WsJson
    expect(json.processes.find((process) => process.name === 'idle.exe')!.faultsByKind).toEqual({
      'demand-zero': 24,
      'page table': 1,
    })
  })

  it('shows the lists at an event: right after EmptyWorkingSet, the 24 pages on the modified list', async () => {
    const result = await run(['inspect', trace, 'lists', '--at', String(emptied), '--json'])
    const json = JSON.parse(result.out) as {
      memoryListInformation: { modifiedPageCount: number }
      inUse: { active: { name: string }[] }
    }
    expect(json.memoryListInformation.modifiedPageCount).toBe(24)
    expect(json.inUse.active.map((owner) => owner.name)).toEqual(['cache.exe', 'stream.exe'])
  })

  it('refuses a process that does not exist, naming the ones that do', async () => {
    const result = await run(['inspect', trace, 'ws', '--pid', '99'])
    expect(result.code).toBe(2)
    expect(result.err).toBe('ntmm: --pid 99: no such process with an address space (processes: 4, 8, 12)\n')
  })

  it('shows both views of the final state with run --show', async () => {
    const result = await run(['run', 'working-sets', '--show', 'ws,lists', '--pid', '8', '--json'])
    expect(result.code).toBe(0)
    const json = JSON.parse(result.out) as { views: { ws: WsJson; lists: { policy: string } } }
    expect(json.views.ws.pid).toBe(8)
    expect(json.views.ws.processes.find((process) => process.pid === 8)!.faultsByKind).toEqual({
      'demand-zero': 24,
      hard: 21,
      soft: 3,
      'page table': 1,
    })
    expect(json.views.lists.policy).toBe('nt')
  })
})
