import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireScenario } from '../scenarios/catalog.js'
import type { ExplorerMeta, ExplorerState, ExplorerWalk } from './explorerApi.js'
import { type ExplorerServer, explorerHeader, startExplorerServer } from './explorerServer.js'
import { ExplorerSession } from './explorerSession.js'

/** Sends one raw HTTP request (no URL normalisation, any Host) and returns the status and body. */
function raw(port: number, request: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.on('data', (chunk) => {
      text += chunk.toString('utf8')
    })
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0)
      done({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) })
    })
    socket.on('error', fail)
    socket.write(request)
  })
}

describe('explorerServer', () => {
  let server: ExplorerServer
  let port: number
  const webRoot = mkdtempSync(join(tmpdir(), 'ntmm-web-'))
  const outside = mkdtempSync(join(tmpdir(), 'ntmm-outside-'))
  let tracePath: string

  beforeAll(async () => {
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>explorer</title>')
    writeFileSync(join(outside, 'secret.txt'), 'secret')
    writeFileSync(join(webRoot, '.hidden'), 'hidden')
    const kernel = requireScenario('article').run({ arch: 'x86', verbose: false, record: true }).kernel
    tracePath = join(outside, 'article.ntt')
    await kernel.saveTrace(tracePath, { format: 'binary' })
    server = await startExplorerServer({
      session: new ExplorerSession(kernel, 'article'),
      webRoot,
      maxUploadBytes: 256 * 1024,
    })
    port = Number(new URL(server.url).port)
  })
  afterAll(async () => {
    await server.close()
  })

  it('listens on 127.0.0.1 only and prints that address', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(server.server.address()).toMatchObject({ address: '127.0.0.1' })
  })

  it('answers the JSON API with the state at a seq', async () => {
    const meta = (await (await fetch(`${server.url}api/meta`)).json()) as ExplorerMeta
    expect(meta.length).toBe(server.session().length)
    const state = (await (await fetch(`${server.url}api/state?seq=33&pid=4`)).json()) as ExplorerState
    expect(state.seq).toBe(33)
    expect(state.regions).toEqual(server.session().state(33, 4).regions)
    const walk = (await (await fetch(`${server.url}api/walk?seq=33&pid=4&va=0x11010`)).json()) as ExplorerWalk
    const expected = server.session().walk(33, 4, 0x11010) as ExplorerWalk
    expect(walk.levels.map((level) => level.low)).toEqual(expected.levels.map((level) => level.low))
    expect(walk.physicalAddress).toBe(expected.physicalAddress)
  })

  it('rejects malformed parameters and unknown APIs with a JSON error', async () => {
    const bad = await fetch(`${server.url}api/state?seq=abc`)
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toContain('seq=abc')
    expect((await fetch(`${server.url}api/nothing`)).status).toBe(404)
    expect((await fetch(`${server.url}api/events?address=zz`)).status).toBe(400)
  })

  it('serves its own files and nothing outside them (no path traversal, no dotfiles)', async () => {
    expect(
      (await raw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)).body,
    ).toContain('explorer')
    for (const path of [
      `/../${basename(outside)}/secret.txt`,
      `/%2e%2e/${basename(outside)}/secret.txt`,
      `/..%2f${basename(outside)}%2fsecret.txt`,
      '/..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
      `/${'..%5c'.repeat(4)}etc/passwd`,
      '/.hidden',
      '/index.html%00.png',
    ]) {
      const answer = await raw(
        port,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
      )
      expect(answer.status, path).toBeGreaterThanOrEqual(400)
      expect(answer.body).not.toContain('secret')
      expect(answer.body).not.toContain('root:')
      expect(answer.body).not.toContain('hidden')
    }
  })

  it('answers only requests addressed to 127.0.0.1 or localhost (no DNS rebinding)', async () => {
    const answer = await raw(
      port,
      `GET /api/meta HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`,
    )
    expect(answer.status).toBe(403)
    const local = await raw(
      port,
      `GET /api/meta HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`,
    )
    expect(local.status).toBe(200)
  })

  it('bounds the URL and upload sizes', async () => {
    expect((await fetch(`${server.url}api/meta?x=${'a'.repeat(9000)}`)).status).toBe(414)
    const tooBig = await fetch(`${server.url}api/open?name=big.ntt`, {
      method: 'POST',
      headers: { [explorerHeader]: '1', 'content-type': 'application/octet-stream' },
      body: new Uint8Array(257 * 1024),
    }).catch(() => undefined)
    // The server answers 413 (or drops the connection while the body is still coming).
    if (tooBig !== undefined) expect(tooBig.status).toBe(413)
    expect(server.session().source).toBe('article')
  })

  it('refuses a POST without the explorer header (another origin cannot send it)', async () => {
    const answer = await fetch(`${server.url}api/open`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: tracePath }),
    })
    expect(answer.status).toBe(403)
  })

  it('reports a corrupt upload clearly and keeps the trace it had', async () => {
    const answer = await fetch(`${server.url}api/open?name=corrupt.ntt`, {
      method: 'POST',
      headers: { [explorerHeader]: '1', 'content-type': 'application/octet-stream' },
      body: 'this is not a trace\n',
    })
    expect(answer.status).toBe(400)
    const error = ((await answer.json()) as { error: string }).error
    expect(error).toMatch(/^corrupt\.ntt: not a readable ntmm trace/)
    // The temporary file the upload went through is not named.
    expect(error).not.toContain('ntmm-explorer-')
    expect(server.session().source).toBe('article')
  })

  it('imports an uploaded memory trace (a gzipped lackey trace) instead of refusing it', async () => {
    const gz = readFileSync(
      new URL('../../../../packages/nt-syscalls/test-data/sort.lackey.gz', import.meta.url),
    )
    const answer = await fetch(`${server.url}api/open?name=sort.lackey.gz`, {
      method: 'POST',
      headers: { [explorerHeader]: '1', 'content-type': 'application/octet-stream' },
      body: gz,
    })
    expect(answer.status).toBe(200)
    const meta = (await answer.json()) as ExplorerMeta
    expect(meta.source).toBe('sort.lackey.gz (lackey trace imported on x64)')
    expect(meta.arch).toBe('x64')
    expect(meta.countByType['nt.cpuAccess']).toBeGreaterThan(100_000)
    const broken = await fetch(`${server.url}api/open?name=broken.lackey`, {
      method: 'POST',
      headers: { [explorerHeader]: '1', 'content-type': 'application/octet-stream' },
      body: `${'I  04017a0,3\n S 7ff000ba8,8\n'.repeat(30)} L zzzz,8\n`,
    })
    expect(broken.status).toBe(400)
    expect(((await broken.json()) as { error: string }).error).toMatch(
      /^broken\.lackey:61: expected a hex address/,
    )
  })

  it('opens another trace by path, and by its uploaded bytes', async () => {
    const byPath = await fetch(`${server.url}api/open`, {
      method: 'POST',
      headers: { [explorerHeader]: '1', 'content-type': 'application/json' },
      body: JSON.stringify({ path: tracePath }),
    })
    expect(byPath.status).toBe(200)
    const opened = (await byPath.json()) as ExplorerMeta
    expect(opened.source).toBe(tracePath)
    const missing = await fetch(`${server.url}api/open`, {
      method: 'POST',
      headers: { [explorerHeader]: '1', 'content-type': 'application/json' },
      body: JSON.stringify({ path: join(outside, 'none.ntt') }),
    })
    expect(missing.status).toBe(400)
    expect(((await missing.json()) as { error: string }).error).toContain('no such trace file')
    const upload = await fetch(`${server.url}api/open?name=again.ntt`, {
      method: 'POST',
      headers: { [explorerHeader]: '1', 'content-type': 'application/octet-stream' },
      body: readFileSync(tracePath),
    })
    expect(upload.status).toBe(200)
    expect(server.session().source).toBe('again.ntt')
    expect(server.session().length).toBe(opened.length)
  })
})
