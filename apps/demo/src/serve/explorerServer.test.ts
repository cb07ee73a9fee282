import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { createGzip } from 'node:zlib'
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
    // An address outside the paging mode's range is the caller's mistake, not the server's.
    for (const va of ['0x100000000', '0x10000000000', '-5']) {
      const walk = await fetch(`${server.url}api/walk?seq=33&pid=4&va=${va}`)
      expect(walk.status, va).toBe(400)
      expect(((await walk.json()) as { error: string }).error).toMatch(/out of range/)
    }
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

/** POSTs bytes to /api/open as the page does. */
function upload(url: string, name: string, body: Uint8Array | string) {
  return fetch(`${url}api/open?name=${name}`, {
    method: 'POST',
    headers: { [explorerHeader]: '1', 'content-type': 'application/octet-stream' },
    body,
  })
}

/** Gzips `chunks` copies of `chunk` (a stream: the inflated text is never held whole here). */
async function gzipRepeated(prefix: string, chunk: Buffer, chunks: number): Promise<Buffer> {
  const gzip = createGzip()
  const parts: Buffer[] = []
  gzip.on('data', (part: Buffer) => parts.push(part))
  const done = new Promise((resolve) => gzip.on('end', resolve))
  gzip.write(prefix)
  for (let index = 0; index < chunks; index++)
    if (!gzip.write(chunk)) await new Promise((resolve) => gzip.once('drain', resolve))
  gzip.end()
  await done
  return Buffer.concat(parts)
}

/**
 * Counts the GETs the server answers while `pending` is unsettled: one after another, so each
 * answer needs the request thread. A server whose thread is busy loading answers none.
 */
async function answeredDuring(url: string, pending: Promise<Response>): Promise<number> {
  let settled = false
  void pending.then(
    () => {
      settled = true
    },
    () => {
      settled = true
    },
  )
  let answered = 0
  while (!settled && answered < 10_000) {
    const response = await fetch(`${url}api/meta`)
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    if (!settled) answered++
  }
  return answered
}

describe('explorerServer under hostile uploads', () => {
  let server: ExplorerServer
  const outside = mkdtempSync(join(tmpdir(), 'ntmm-hostile-'))
  let jsonLines: string[]

  beforeAll(async () => {
    const kernel = requireScenario('article').run({ arch: 'x86', verbose: false, record: true }).kernel
    const path = join(outside, 'article.jsonl')
    await kernel.saveTrace(path, { format: 'jsonl' })
    jsonLines = readFileSync(path, 'utf8').split('\n')
    server = await startExplorerServer({
      session: new ExplorerSession(kernel, 'article'),
      webRoot: outside,
      maxUploadBytes: 64 * 1024 * 1024,
    })
  })
  afterAll(async () => {
    await server.close()
  })

  it('survives a trace whose header asks for a 2^40-byte page file, answering GETs meanwhile', async () => {
    const header = JSON.parse(jsonLines[0]!) as { config: { pageFile: number } }
    header.config.pageFile = 2 ** 40
    const hostile = [JSON.stringify(header), ...jsonLines.slice(1)].join('\n')
    const pending = upload(server.url, 'huge-pagefile.jsonl', hostile)
    expect(await answeredDuring(server.url, pending)).toBeGreaterThan(0)
    const answer = await pending
    expect(answer.status).toBe(413)
    expect(((await answer.json()) as { error: string }).error).toMatch(
      /^huge-pagefile\.jsonl: the header configures a 1099511627776-byte page file/,
    )
    expect((await fetch(`${server.url}api/meta`)).status).toBe(200)
    expect(server.session().source).toBe('article')
  })

  it('refuses a small gzip that inflates to a 400 MB line, answering GETs while it is checked', async () => {
    // Lines that look like valgrind lackey's, then one line of 400 MB.
    const bomb = await gzipRepeated(' L 04222cac,8\n'.repeat(300), Buffer.alloc(1024 * 1024, 0x41), 400)
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024)
    const pending = upload(server.url, 'bomb.lackey.gz', bomb)
    expect(await answeredDuring(server.url, pending)).toBeGreaterThan(3)
    const answer = await pending
    expect(answer.status).toBe(413)
    expect(((await answer.json()) as { error: string }).error).toMatch(
      /^bomb\.lackey\.gz:301: a line longer than \d+ bytes/,
    )
    expect(server.session().source).toBe('article')
  })

  it('refuses a trace past the event limit, and a load worker that runs out of memory', async () => {
    const limited = await startExplorerServer({
      session: server.session(),
      webRoot: outside,
      loadLimits: { maxEvents: 20 },
    })
    try {
      const answer = await upload(limited.url, 'long.jsonl', jsonLines.join('\n'))
      expect(answer.status).toBe(413)
      expect(((await answer.json()) as { error: string }).error).toMatch(/^long\.jsonl: more than 20 events/)
      // A binary trace declares its event count in its index: refused before its events are read.
      const binary = join(outside, 'article.ntt')
      await server.session().kernel.saveTrace(binary, { format: 'binary' })
      const declared = await upload(limited.url, 'long.ntt', readFileSync(binary))
      expect(declared.status).toBe(413)
      expect(((await declared.json()) as { error: string }).error).toMatch(
        /^long\.ntt: declares \d+ events, more than 20/,
      )
    } finally {
      await limited.close()
    }
    const starved = await startExplorerServer({
      session: server.session(),
      webRoot: outside,
      // 4 MB: the lackey import now reads its file as bytes and keeps little on the heap, so 16 MB
      // no longer starves it.
      loadLimits: { memoryMb: 4 },
    })
    try {
      const gz = readFileSync(
        new URL('../../../../packages/nt-syscalls/test-data/sort.lackey.gz', import.meta.url),
      )
      const answer = await upload(starved.url, 'sort.lackey.gz', gz)
      expect(answer.status).toBeGreaterThanOrEqual(400)
      expect(((await answer.json()) as { error: string }).error).toMatch(/^sort\.lackey\.gz: /)
      expect((await fetch(`${starved.url}api/meta`)).status).toBe(200)
    } finally {
      await starved.close()
    }
  })

  it('never echoes the content of a file it cannot read as a trace', async () => {
    const secret = join(outside, 'passwd')
    writeFileSync(secret, 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin\n')
    const binary = join(outside, 'program')
    writeFileSync(binary, Buffer.from('\x7fELF\x02\x01\x01secret-bytes', 'latin1'))
    for (const path of [secret, binary]) {
      const answer = await fetch(`${server.url}api/open`, {
        method: 'POST',
        headers: { [explorerHeader]: '1', 'content-type': 'application/json' },
        body: JSON.stringify({ path }),
      })
      expect(answer.status).toBe(400)
      const error = ((await answer.json()) as { error: string }).error
      expect(error).toMatch(/not a readable ntmm trace/)
      for (const content of ['root', 'daemon', 'bash', 'ELF', 'secret-bytes'])
        expect(error).not.toContain(content)
    }
  })

  it('refuses an unsound trace at upload instead of failing later with 500s', async () => {
    const tampered = jsonLines.map((line, index) => {
      if (index === 0 || !line.includes('"mm.areaInserted"')) return line
      const entry = JSON.parse(line) as { event: { area: { endingAddress: number } } }
      entry.event.area.endingAddress += 0x100000
      return JSON.stringify(entry)
    })
    const answer = await upload(server.url, 'tampered.jsonl', tampered.join('\n'))
    expect(answer.status).toBe(422)
    expect(((await answer.json()) as { error: string }).error).toMatch(
      /^tampered\.jsonl: the trace is unsound: event \d+, field event\.area/,
    )
    expect(server.session().source).toBe('article')
  })
})
