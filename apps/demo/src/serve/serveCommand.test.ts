import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { requireScenario } from '../scenarios/catalog.js'
import type { ExplorerMeta } from './explorerApi.js'

const appDirectory = new URL('../..', import.meta.url).pathname
const ntmmArguments = ['--conditions=@ntmm/source', '--import', 'tsx', 'src/cli.ts']

describe('serveCommand', () => {
  it('serves a recorded scenario on 127.0.0.1, prints the address and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [...ntmmArguments, 'serve', 'stack'], { cwd: appDirectory })
    try {
      const url = await new Promise<string>((done, fail) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8')
          const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)
          if (match) done(match[0])
        })
        child.on('exit', (code) => fail(new Error(`ntmm serve exited with ${code}`)))
      })
      const meta = (await (await fetch(`${url}api/meta`)).json()) as ExplorerMeta
      expect(meta.source).toBe('scenario stack')
      expect(meta.processes.map((process) => process.name)).toContain('stack.exe')
      expect(meta.countByType['mm.pageFault']).toBeGreaterThan(0)
    } finally {
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    }
  })

  it('applies the load limits given on the command line to a trace opened in the page', async () => {
    const child = spawn(process.execPath, [...ntmmArguments, 'serve', 'stack', '--max-events', '10'], {
      cwd: appDirectory,
    })
    try {
      const url = await new Promise<string>((done, fail) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8')
          const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)
          if (match) done(match[0])
        })
        child.on('exit', (code) => fail(new Error(`ntmm serve exited with ${code}`)))
      })
      const trace = join(mkdtempSync(join(tmpdir(), 'ntmm-serve-')), 'stack.ntt')
      await requireScenario('stack')
        .run({ arch: 'x86', verbose: false, record: true })
        .kernel.saveTrace(trace)
      const answer = await fetch(`${url}api/open`, {
        method: 'POST',
        headers: { 'x-ntmm-explorer': '1', 'content-type': 'application/json' },
        body: JSON.stringify({ path: trace }),
      })
      expect(answer.status).toBe(413)
      expect(((await answer.json()) as { error: string }).error).toMatch(/declares \d+ events, more than 10/)
    } finally {
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    }
  })

  it('reports a missing trace in one line with exit code 2', () => {
    const result = spawnSync(process.execPath, [...ntmmArguments, 'serve', 'missing/run.ntt'], {
      cwd: appDirectory,
      encoding: 'utf8',
    })
    expect(result.status).toBe(2)
    expect(result.stderr.trim().split('\n')).toEqual(['ntmm: missing/run.ntt: no such trace file'])
  })

  it('reports an unknown scenario with exit code 2', () => {
    const result = spawnSync(process.execPath, [...ntmmArguments, 'serve', 'no-such-scenario'], {
      cwd: appDirectory,
      encoding: 'utf8',
    })
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/^ntmm: unknown scenario 'no-such-scenario'/)
  })
})
