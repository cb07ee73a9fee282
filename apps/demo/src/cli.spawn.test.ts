// The command line as a user runs it: spawned processes (from source, through tsx), their output,
// JSON and exit codes. Most behaviour is tested in-process (cli.test.ts); these check the binary.

import { spawn, spawnSync } from 'node:child_process'
import { statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'

const appDirectory = new URL('..', import.meta.url).pathname

function ntmm(args: string[], env: Record<string, string> = {}, input?: string) {
  const result = spawnSync(
    process.execPath,
    ['--conditions=@ntmm/source', '--import', 'tsx', 'src/cli.ts', ...args],
    {
      cwd: appDirectory,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      ...(input === undefined ? {} : { input }),
    },
  )
  return { code: result.status, out: result.stdout, err: result.stderr }
}

/** Runs ntmm with its standard output closed before it writes, as `ntmm … | head -1` ends up. */
function ntmmIntoClosedPipe(args: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@ntmm/source', '--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: appDirectory, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child.stdout.destroy()
    let err = ''
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.on('close', (code) => resolve({ code, err }))
  })
}

describe('ntmm as a spawned process', () => {
  it.each([
    [['--help']],
    [['demo', '--verbose']],
  ])('%j into a closed pipe ends quietly: exit code 0, nothing on standard error', async (args) => {
    expect(await ntmmIntoClosedPipe(args)).toEqual({ code: 0, err: '' })
  })

  it("runs the README's demo: the article's story, without colours when not on a terminal", () => {
    const { code, out, err } = ntmm(['demo'])
    expect(err).toBe('')
    expect(code).toBe(0)
    expect(out).toContain("the source article's story")
    expect(out).toContain('MmCreateVirtualMapping 0x00011000')
    expect(out).not.toContain('\u001b[')
  })

  it('prints parseable JSON for run --json', () => {
    const { code, out } = ntmm(['run', 'stack', '--json'])
    expect(code).toBe(0)
    const json = JSON.parse(out) as { ok: boolean; state: { processes: { name: string }[] } }
    expect(json.ok).toBe(true)
    expect(json.state.processes[0]?.name).toBe('stack.exe')
  })

  it('reports bad input in one line with exit code 2', () => {
    const { code, out, err } = ntmm(['run', 'no-such-scenario'])
    expect(code).toBe(2)
    expect(out).toBe('')
    expect(err.trim().split('\n')).toHaveLength(1)
    expect(err).toMatch(/^ntmm: unknown scenario 'no-such-scenario'/)
  })

  it('reads a reference string from standard input (sweep --trace -)', () => {
    const { code, out } = ntmm(
      ['sweep', '--trace', '-', '--frames', '3', '--policy', 'fifo', '--json'],
      {},
      '7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1\n',
    )
    expect(code).toBe(0)
    expect((JSON.parse(out) as { rows: { pageFaults: number }[] }).rows[0]?.pageFaults).toBe(15)
  })

  it('sweeps in worker threads started from the source', () => {
    const { code, out } = ntmm(['sweep', '--workload', 'tlb-loop', '--tlb', '8x8,16x4', '--csv'])
    expect(code).toBe(0)
    expect(out.trim().split('\n')).toHaveLength(3)
  })
})

describe('ntmm time travel as a spawned process', () => {
  const file = `${tmpdir()}/ntmm-spawn-${process.pid}.ntt`

  it('records a scenario to a file and replays it with --verify', () => {
    expect(ntmm(['record', 'processes', '-o', file]).code).toBe(0)
    const { code, out } = ntmm(['replay', file, '--verify', '--json'])
    expect(code).toBe(0)
    const json = JSON.parse(out) as { determinism: { ok: boolean }; processes: { name: string }[] }
    expect(json.determinism.ok).toBe(true)
    expect(json.processes.map((process) => process.name)).toEqual(['debugger.exe', 'target.exe'])
  })

  it('lists events into a closed pipe (`ntmm events t.ntt | head -1`): exit code 0, nothing on standard error', async () => {
    expect(await ntmmIntoClosedPipe(['events', file, '--limit', '100000'])).toEqual({ code: 0, err: '' })
  })

  it('inspects, lists and explains events of the recorded trace', () => {
    const handles = ntmm(['inspect', file, 'handles', '--pid', '4', '--json'])
    expect(handles.code).toBe(0)
    const view = JSON.parse(handles.out) as { handles: { target: { name: string } | null }[] }
    expect(view.handles.map((handle) => handle.target?.name)).toEqual(['target.exe'])
    const events = ntmm(['events', file, '--type', 'nt.syscallReturned', '--json'])
    const listed = JSON.parse(events.out) as {
      matched: number
      events: { seq: number; event: { statusName: string } }[]
    }
    expect(listed.events.map((entry) => entry.event.statusName)).toContain('STATUS_ACCESS_DENIED')
    const last = listed.events.at(-1)!.seq
    const why = ntmm(['why', file, String(last)])
    expect(why.code).toBe(0)
    expect(why.out).toMatch(/← #\s*\d+ nt /)
  })

  it('imports a memory trace and exports a trace for Perfetto', () => {
    const pages = `${tmpdir()}/ntmm-spawn-${process.pid}.pages`
    writeFileSync(pages, '1\n2\n1\n')
    const imported = ntmm(['import', 'pages', pages, '-o', `${pages}.ntt`])
    expect(imported.code).toBe(0)
    expect(imported.out).toContain('3 accesses')
    const exported = ntmm(['export', 'perfetto', `${pages}.ntt`, '-o', `${pages}.perfetto`])
    expect(exported.code).toBe(0)
    expect(statSync(`${pages}.perfetto`).size).toBeGreaterThan(0)
  })
})
