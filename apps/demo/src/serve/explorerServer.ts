// The explorer's small local web server (node:http): the JSON API over an ExplorerSession
// (`/api/meta`, `/api/state`, `/api/walk`, `/api/events`, `/api/find`, `/api/why`, `/api/series`,
// `/api/density`, `/api/lists`, `/api/workingsets`),
// `POST /api/open` to load another trace (uploaded bytes, or a path), and the built web page as
// static files. Safety rules: it listens on 127.0.0.1 only; it answers only requests whose Host is
// 127.0.0.1 or localhost (no DNS rebinding) and only POSTs carrying the explorer's header (a page of
// another origin cannot send it without a preflight this server never grants); static paths are
// resolved inside the web root (no traversal, no dotfiles); URLs and uploads have size bounds.

import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, resolve, sep } from 'node:path'
import { parseNumber } from '../format.js'
import type { ExplorerFilter, ExplorerSession } from './explorerSession.js'
import type { TraceLoadLimits } from './traceLoad.js'
import { loadTraceSession, TraceLoadError } from './traceLoader.js'

/** The header every POST must carry. */
export const explorerHeader = 'x-ntmm-explorer'

/** Options of {@link startExplorerServer}. */
export interface ExplorerServerOptions {
  /** The trace shown first (may be replaced by `POST /api/open`). */
  readonly session: ExplorerSession
  /** The built web page (index.html and assets/). */
  readonly webRoot: string
  /** The port (default 0: any free one). */
  readonly port?: number
  /** Largest accepted upload in bytes (default 256 MiB). */
  readonly maxUploadBytes?: number
  /** Bounds of loading an opened trace (defaults: traceLoad.ts's defaultLoadLimits). */
  readonly loadLimits?: Partial<TraceLoadLimits>
}

/** A running explorer server. */
export interface ExplorerServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string
  readonly server: Server
  /** The session being shown. */
  session(): ExplorerSession
  close(): Promise<void>
}

const maxUrlLength = 8192
const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** Starts the server on 127.0.0.1; resolves once it listens. */
export async function startExplorerServer(options: ExplorerServerOptions): Promise<ExplorerServer> {
  let session = options.session
  const webRoot = resolve(options.webRoot)
  const maxUpload = options.maxUploadBytes ?? 256 * 1024 * 1024
  let port = 0

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const rawUrl = request.url ?? '/'
    if (rawUrl.length > maxUrlLength) throw new HttpError(414, 'the URL is too long')
    const host = (request.headers.host ?? '').toLowerCase()
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      throw new HttpError(403, 'this server answers only http://127.0.0.1 (or localhost) requests')
    const url = new URL(rawUrl, `http://127.0.0.1:${port}`)
    if (url.pathname.startsWith('/api/')) {
      if (request.method === 'POST' && url.pathname === '/api/open') {
        if (request.headers[explorerHeader] !== '1')
          throw new HttpError(403, `POST needs the ${explorerHeader} header`)
        const opened = await openUpload(request, url, maxUpload, options.loadLimits ?? {})
        session = opened
        return sendJson(response, 200, session.meta())
      }
      if (request.method !== 'GET') throw new HttpError(405, 'the API answers GET (and POST /api/open)')
      return sendJson(response, 200, answer(session, url))
    }
    if (request.method !== 'GET' && request.method !== 'HEAD')
      throw new HttpError(405, 'static files answer GET and HEAD')
    await sendStatic(webRoot, url.pathname, request, response)
  }

  const server = createServer({ maxHeaderSize: 16 * 1024 }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500
      const message = error instanceof Error ? error.message : String(error)
      if (!response.headersSent) sendJson(response, status, { error: message })
      else response.destroy()
      // Drain (or drop) a body that was refused.
      if (!request.complete) request.destroy()
    })
  })
  server.requestTimeout = 5 * 60_000
  await new Promise<void>((done, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, '127.0.0.1', () => done())
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    session: () => session,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value)
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  })
  response.end(body)
}

/** An integer query parameter (decimal or 0x hexadecimal), or `fallback` when absent. */
function integer(url: URL, name: string, fallback?: number): number | undefined {
  const text = url.searchParams.get(name)
  if (text === null || text === '') return fallback
  const negative = text.startsWith('-')
  const value = parseNumber(negative ? text.slice(1) : text)
  if (value === undefined) throw new HttpError(400, `${name}=${text.slice(0, 40)}: not a number`)
  return negative ? -value : value
}

function filterOf(url: URL): ExplorerFilter {
  const types = (url.searchParams.get('types') ?? '')
    .split(',')
    .map((type) => type.trim())
    .filter((type) => type !== '')
  const pid = integer(url, 'pid')
  const address = url.searchParams.get('address')
  let range: { low: number; high: number } | undefined
  if (address !== null && address.trim() !== '') {
    const [low, high] = address.split('-').map((part) => parseNumber(part))
    if (low === undefined || (address.includes('-') && (high === undefined || high <= low)))
      throw new HttpError(400, `address=${address.slice(0, 40)}: expected 0x11000 or 0x10000-0x20000`)
    range = { low, high: high ?? Math.floor(low / 4096) * 4096 + 4096 }
  }
  return {
    ...(types.length === 0 ? {} : { types }),
    ...(pid === undefined ? {} : { pid }),
    ...(range === undefined ? {} : { address: range }),
  }
}

function answer(session: ExplorerSession, url: URL): unknown {
  const seq = integer(url, 'seq', session.length - 1)!
  const pid = integer(url, 'pid')
  switch (url.pathname) {
    case '/api/meta':
      return session.meta()
    case '/api/state':
      return session.state(seq, pid)
    case '/api/walk': {
      const walk = session.walk(seq, pid, integer(url, 'va', 0)!)
      if ('error' in walk) throw new HttpError(400, walk.error)
      return walk
    }
    case '/api/events': {
      const before = Math.min(500, Math.max(0, integer(url, 'before', 40)!))
      const after = Math.min(500, Math.max(0, integer(url, 'after', 60)!))
      return session.events(seq, filterOf(url), before, after)
    }
    case '/api/find': {
      const direction = url.searchParams.get('direction') === 'previous' ? 'previous' : 'next'
      return session.find(seq, direction, filterOf(url))
    }
    case '/api/why':
      return session.why(seq)
    case '/api/series':
      return session.series()
    case '/api/density':
      return session.density()
    case '/api/lists':
      return session.lists(seq)
    case '/api/workingsets':
      return session.workingSets()
    case '/api/step':
      return session.step(seq)
    case '/api/outcome':
      return session.outcome(seq)
    case '/api/sweep':
      return session.sweep()
    default:
      throw new HttpError(404, `no such API: ${url.pathname}`)
  }
}

/** Reads a request body of at most `limit` bytes. */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN)
  if (declared > limit) throw new HttpError(413, `the file is larger than ${limit} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > limit) throw new HttpError(413, `the file is larger than ${limit} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/**
 * `POST /api/open`: a JSON `{ path }` of a machine trace, or the bytes of a machine trace or a
 * memory trace (`?name=` for messages). Either is checked in a load worker (traceLoader.ts).
 */
async function openUpload(
  request: IncomingMessage,
  url: URL,
  limit: number,
  limits: Partial<TraceLoadLimits>,
): Promise<ExplorerSession> {
  const type = request.headers['content-type'] ?? ''
  if (type.startsWith('application/json')) {
    const body = await readBody(request, 64 * 1024)
    let path: unknown
    try {
      path = (JSON.parse(body.toString('utf8')) as { path?: unknown }).path
    } catch {
      throw new HttpError(400, 'expected { "path": "<trace file>" }')
    }
    if (typeof path !== 'string' || path === '')
      throw new HttpError(400, 'expected { "path": "<trace file>" }')
    const full = resolve(path)
    const info = await stat(full).catch(() => undefined)
    if (info === undefined || !info.isFile()) throw new HttpError(400, `${path}: no such trace file`)
    return loaded(loadTraceSession(full, path, { allowMemoryTrace: false, limits }))
  }
  const name = (url.searchParams.get('name') ?? 'upload').replace(/[^\w.\- ]/g, '_').slice(0, 100)
  const body = await readBody(request, limit)
  if (body.length === 0) throw new HttpError(400, `${name}: the file is empty`)
  const directory = await mkdtemp(join(tmpdir(), 'ntmm-explorer-'))
  const file = join(directory, 'upload')
  try {
    await writeFile(file, body)
    return await loaded(loadTraceSession(file, name, { allowMemoryTrace: true, limits }))
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
}

/** A load's refusal as the HTTP error it answers. */
async function loaded(session: Promise<ExplorerSession>): Promise<ExplorerSession> {
  try {
    return await session
  } catch (error) {
    if (error instanceof TraceLoadError) throw new HttpError(error.status, error.message)
    throw error
  }
}

/** Serves a file of the web root; `/` and unknown page paths give index.html. */
async function sendStatic(
  root: string,
  pathname: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    throw new HttpError(400, 'malformed path')
  }
  if (decoded.includes('\0') || decoded.split('/').some((part) => part.startsWith('.') && part !== ''))
    throw new HttpError(404, 'not found')
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '')
  const full = resolve(root, relative)
  if (full !== root && !full.startsWith(root + sep)) throw new HttpError(404, 'not found')
  const info = await stat(full).catch(() => undefined)
  if (info === undefined || !info.isFile()) {
    if (decoded === '/' || decoded === '/index.html')
      throw new HttpError(404, 'the web page is not built (run `pnpm --filter @ntmm/demo build`)')
    throw new HttpError(404, 'not found')
  }
  response.writeHead(200, {
    'content-type': contentTypes[extname(full)] ?? 'application/octet-stream',
    'content-length': info.size,
    'x-content-type-options': 'nosniff',
    'cache-control': relative.startsWith('assets/') ? 'max-age=31536000, immutable' : 'no-cache',
  })
  if (request.method === 'HEAD') {
    response.end()
    return
  }
  await new Promise<void>((done, fail) => {
    createReadStream(full).on('error', fail).pipe(response).on('finish', done).on('error', fail)
  })
}
