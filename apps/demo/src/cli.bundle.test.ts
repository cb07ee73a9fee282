// The command line as it ships: `pnpm build` writes dist/cli.js and its two worker threads as one
// esbuild bundle each (scripts/bundle.mjs, docs/decisions/008-bundled-cli.md). The other tests run
// the sources through tsx, so a path the bundle resolves differently (package.json's version, a
// worker's file, a module left out of the bundle) would go unseen there. Here the same script
// bundles the sources into a directory laid out as the package is (<root>/dist/*.js beside
// <root>/package.json), and each command's output, files and exit code must equal the sources'.

import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const appDirectory = new URL('..', import.meta.url).pathname
// Inside apps/demo/node_modules: the bundle leaves cli-progress outside (loaded on first draw), and
// Node finds it from here by walking up to apps/demo/node_modules, as it does from apps/demo/dist.
const cacheDirectory = `${appDirectory}node_modules/.cache`
let root = ''

type Run = { code: number | null; out: string; err: string }

function run(command: string[], input?: string): Run {
  const result = spawnSync(process.execPath, command, {
    cwd: appDirectory,
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  })
  return { code: result.status, out: result.stdout, err: result.stderr }
}

const fromSources = (args: string[], input?: string) =>
  run(['--conditions=@ntmm/source', '--import', 'tsx', 'src/cli.ts', ...args], input)
const fromBundle = (args: string[], input?: string) => run([`${root}/dist/cli.js`, ...args], input)

beforeAll(() => {
  mkdirSync(cacheDirectory, { recursive: true })
  root = mkdtempSync(`${cacheDirectory}/ntmm-bundle-`)
  const bundled = run(['scripts/bundle.mjs', '--outdir', `${root}/dist`, '--source'])
  expect(bundled.err).toBe('')
  expect(bundled.code).toBe(0)
  copyFileSync(`${appDirectory}package.json`, `${root}/package.json`)
}, 60_000)

afterAll(() => {
  if (root !== '') rmSync(root, { recursive: true, force: true })
})

describe('the bundled command line (dist/cli.js) against the sources', () => {
  it.each([
    ['--version (package.json read next to the bundle)', ['--version']],
    ['a lazily loaded command', ['sweep', '--refs', '7,0,1,2,0,3,0,4,2,3,0,3,2', '--frames', '3']],
    [
      'a sweep in two worker threads (dist/sweepWorker.js)',
      ['sweep', '--workload', 'tlb-loop', '--tlb', '8x8,16x4,32x4', '--jobs', '2', '--json'],
    ],
    ['a usage error (exit code 2, one line on standard error)', ['sweep', '--jobs', 'two']],
    ['an unknown command', ['no-such-command']],
  ])('%s: the same output and exit code', (_rule, args) => {
    const bundled = fromBundle(args)
    expect(bundled).toEqual(fromSources(args))
    expect(bundled.err).not.toMatch(/at .*\.(js|ts):\d+/)
  })

  it('a reference string on standard input under fifo, lru and opt: the same JSON', () => {
    const references = `${Array.from({ length: 400 }, (_, i) => (i * 7919) % 37).join('\n')}\n`
    const args = ['sweep', '--trace', '-', '--frames', '5', '--json']
    const bundled = fromBundle(args, references)
    expect(bundled.code).toBe(0)
    expect((JSON.parse(bundled.out) as { rows: unknown[] }).rows).toHaveLength(3)
    expect(bundled).toEqual(fromSources(args, references))
  })

  it('import -o, replay --verify and export perfetto write the same files', () => {
    const pages = `${root}/refs.pages`
    writeFileSync(pages, `${Array.from({ length: 300 }, (_, i) => (i * 31) % 23).join('\n')}\n`)
    const written: Record<'sources' | 'bundle', { trace: Buffer; perfetto: Buffer; replay: Run }> =
      {} as never
    for (const [side, ntmm] of [
      ['sources', fromSources],
      ['bundle', fromBundle],
    ] as const) {
      const trace = `${root}/${side}.ntt`
      const imported = ntmm(['import', 'pages', pages, '-o', trace])
      expect(imported.code, imported.err).toBe(0)
      const exported = ntmm(['export', 'perfetto', trace, '-o', `${trace}.perfetto`])
      expect(exported.code, exported.err).toBe(0)
      written[side] = {
        trace: readFileSync(trace),
        perfetto: readFileSync(`${trace}.perfetto`),
        replay: ntmm(['replay', trace, '--verify', '--json']),
      }
    }
    expect(written.bundle.trace.equals(written.sources.trace)).toBe(true)
    expect(written.bundle.perfetto.equals(written.sources.perfetto)).toBe(true)
    expect(written.bundle.replay).toEqual(written.sources.replay)
    expect((JSON.parse(written.bundle.replay.out) as { determinism: { ok: boolean } }).determinism.ok).toBe(
      true,
    )
  })

  it('serve: a trace uploaded is checked in the bundled load worker (dist/traceLoadWorker.js)', async () => {
    const trace = `${root}/upload.ntt`
    expect(fromBundle(['record', 'processes', '-o', trace]).code).toBe(0)
    const server = spawn(process.execPath, [`${root}/dist/cli.js`, 'serve', 'processes'], {
      cwd: appDirectory,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        let out = ''
        server.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          const found = /http:\/\/127\.0\.0\.1:\d+/.exec(out)
          if (found !== null) resolve(found[0])
        })
        server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)))
      })
      const upload = (bytes: Uint8Array, name: string) =>
        fetch(`${origin}/api/open?name=${name}`, {
          method: 'POST',
          headers: { 'x-ntmm-explorer': '1', 'content-type': 'application/octet-stream' },
          body: bytes,
        })
      const opened = await upload(readFileSync(trace), 'upload.ntt')
      expect(opened.status).toBe(200)
      expect(((await opened.json()) as { source: string; length: number }).source).toBe('upload.ntt')
      const refused = await upload(new TextEncoder().encode('garbage'), 'bad.ntt')
      expect(refused.status).toBe(400)
      expect(((await refused.json()) as { error: string }).error).toMatch(
        /^bad\.ntt: not a readable ntmm trace/,
      )
    } finally {
      server.kill()
    }
  }, 30_000)
})
