// Checking an uploaded trace before the explorer shows it: the work a load worker does
// (traceLoadWorker.ts), away from the server's request thread. A gzip upload is inflated up to a
// byte limit; a machine trace is loaded with loadKernel, a memory trace (valgrind lackey, course,
// pinatrace, page list) replayed on a recording x64 machine as `ntmm import auto` does; either is
// refused past an event limit, and the loaded machine must pass checkKernelInvariants (an unsound
// trace is refused now rather than answered later with errors). An accepted memory trace is saved
// as a binary machine trace, so the server loads the result without importing it again. Errors
// name the problem and where, never the file's content (a path may name any readable file).

import { open, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { constants, gunzipSync } from 'node:zlib'
import {
  checkKernelInvariants,
  createKernel,
  detectMemoryTraceFormat,
  type Kernel,
  loadKernel,
  machineSchema,
  replayMemoryTrace,
} from '@ntmm/nt-syscalls'
import { openBinaryTraceFile, TraceFormatError } from '@ntmm/trace'
import type { TraceLoadLimits } from './loadLimits.js'

export { defaultLoadLimits, type TraceLoadLimits } from './loadLimits.js'

/** What the server asks a worker to check. */
export interface TraceLoadRequest {
  /** The file to read (an upload's temporary file, or a path the user typed). */
  readonly file: string
  /** The name to use in messages and as the source (the upload's name or the typed path). */
  readonly name: string
  /** An upload may be a memory trace; a typed path must be a machine trace. */
  readonly allowMemoryTrace: boolean
  /** A directory to write the inflated or imported trace into. */
  readonly workDirectory: string
  readonly limits: TraceLoadLimits
}

/** The answer: a machine trace file the server can load, or why the upload is refused. */
export type TraceLoadOutcome =
  | { readonly ok: true; readonly file: string; readonly source: string; readonly events: number }
  | { readonly ok: false; readonly status: number; readonly error: string }

/** A refusal with its HTTP status. */
class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** Checks one trace (see the file comment); never throws. */
export async function checkTrace(request: TraceLoadRequest): Promise<TraceLoadOutcome> {
  try {
    return await check(request)
  } catch (error) {
    if (error instanceof Refused) return { ok: false, status: error.status, error: error.message }
    return {
      ok: false,
      status: 400,
      error: `${request.name}: cannot be loaded (${safeReason(error, request)})`,
    }
  }
}

async function check(request: TraceLoadRequest): Promise<TraceLoadOutcome> {
  const { name, limits } = request
  let file = request.file
  const head = await readHead(file, 2)
  if (head[0] === 0x1f && head[1] === 0x8b) file = await inflate(request)
  await checkDeclared(file, request)
  let failure: string
  try {
    const kernel = await loadKernel(file)
    return accept(kernel, request, file, name)
  } catch (error) {
    if (error instanceof Refused) throw error
    // Read as a machine trace, but an event does not hold against the machine it applies to (or
    // the machine at the end is unsound): the loader's refusal names a seq and no line or byte.
    if (
      error instanceof TraceFormatError &&
      error.seq !== undefined &&
      error.line === undefined &&
      error.offset === undefined
    )
      throw new Refused(
        422,
        `${name}: the trace is unsound: event ${error.seq}, ${safeReason(error, request)}`,
      )
    failure = safeReason(error, request)
  }
  if (!request.allowMemoryTrace) throw new Refused(400, `${name}: not a readable ntmm trace (${failure})`)
  const text = (await readHead(file, 16 * 1024)).toString('latin1')
  const format = detectMemoryTraceFormat(text.split('\n').slice(0, 200))
  if (format === undefined) throw new Refused(400, `${name}: not a readable ntmm trace (${failure})`)
  await checkLineLengths(file, request)
  const kernel = createKernel({ arch: 'x64', record: 'eager' })
  let report: Awaited<ReturnType<typeof replayMemoryTrace>>
  try {
    report = await replayMemoryTrace(kernel, file, {
      format,
      onError: 'stop',
      progressEvery: 4096,
      onProgress: () => {
        if (kernel.trace!.length > limits.maxEvents) throw tooManyEvents(request)
      },
    })
  } catch (error) {
    if (error instanceof Refused) throw error
    throw new Refused(400, `${name}: cannot import the ${format} trace (${safeReason(error, request)})`)
  }
  const first = report.errors[0]
  if (!report.completed && first !== undefined)
    throw new Refused(400, `${name}:${first.line}: ${first.message} (a ${format} trace)`)
  const saved = join(request.workDirectory, 'imported.ntt')
  await kernel.saveTrace(saved, { format: 'binary' })
  return accept(kernel, request, saved, `${name} (${format} trace imported on x64)`)
}

/** The machine is accepted when it is within the event limit and sound. */
function accept(kernel: Kernel, request: TraceLoadRequest, file: string, source: string): TraceLoadOutcome {
  const events = kernel.trace?.length ?? 0
  if (events > request.limits.maxEvents) throw tooManyEvents(request)
  const problems = checkKernelInvariants(kernel)
  if (problems.length > 0)
    throw new Refused(
      422,
      `${request.name}: the trace is unsound: ${problems.length} broken invariant(s), the first: ${problems[0]!.slice(0, 200)}`,
    )
  return { ok: true, file, source, events }
}

/**
 * What a machine trace declares before its events: the configuration in its header, and (binary
 * traces) the event count in its index. A file that is neither is left to loadKernel's message.
 */
async function checkDeclared(file: string, request: TraceLoadRequest): Promise<void> {
  const head = await readHead(file, 1024 * 1024)
  let config: unknown
  if (head.subarray(0, 8).toString('latin1') === 'NTMMTRCE') {
    const index = await openBinaryTraceFile(file, machineSchema).catch(() => undefined)
    if (index === undefined) return
    await index.close()
    if (index.events > request.limits.maxEvents)
      throw new Refused(
        413,
        `${request.name}: declares ${index.events} events, more than ${request.limits.maxEvents} (the explorer's limit)`,
      )
    config = index.header.config
  } else if (head[0] === 0x7b) {
    const end = head.indexOf(0x0a)
    try {
      config = (
        JSON.parse(head.subarray(0, end < 0 ? head.length : end).toString('utf8')) as { config?: unknown }
      ).config
    } catch {
      return
    }
  }
  const { pageFile, physicalMemory } = (config ?? {}) as { pageFile?: unknown; physicalMemory?: unknown }
  const { maxPageFileBytes, maxPhysicalMemoryBytes } = request.limits
  if (typeof pageFile === 'number' && pageFile > maxPageFileBytes)
    throw new Refused(
      413,
      `${request.name}: the header configures a ${pageFile}-byte page file, more than ${maxPageFileBytes} (the explorer's limit)`,
    )
  if (typeof physicalMemory === 'number' && physicalMemory > maxPhysicalMemoryBytes)
    throw new Refused(
      413,
      `${request.name}: the header configures ${physicalMemory} bytes of RAM, more than ${maxPhysicalMemoryBytes} (the explorer's limit)`,
    )
}

function tooManyEvents(request: TraceLoadRequest): Refused {
  return new Refused(
    413,
    `${request.name}: more than ${request.limits.maxEvents} events (the explorer's limit; see docs/explorer.md)`,
  )
}

async function readHead(file: string, length: number): Promise<Buffer> {
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(length)
    const { bytesRead } = await handle.read(buffer, 0, length, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** Inflates a gzip upload into the work directory, refusing past the decompressed-byte limit. */
async function inflate(request: TraceLoadRequest): Promise<string> {
  const packed = await readFile(request.file)
  let plain: Buffer
  try {
    plain = gunzipSync(packed, { maxOutputLength: request.limits.maxDecompressedBytes })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
      throw new Refused(
        413,
        `${request.name}: inflates to more than ${request.limits.maxDecompressedBytes} bytes (the explorer's limit)`,
      )
    // A truncated gzip: keep what inflates, as the importer's stream would.
    plain = gunzipSync(packed, {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: request.limits.maxDecompressedBytes,
    })
  }
  const inflated = join(request.workDirectory, 'inflated')
  await writeFile(inflated, plain)
  return inflated
}

/** A memory trace's lines are short: one longer than the limit is refused before the import reads it. */
async function checkLineLengths(file: string, request: TraceLoadRequest): Promise<void> {
  const handle = await open(file, 'r')
  try {
    const chunk = Buffer.alloc(1024 * 1024)
    let line = 1
    let current = 0
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null)
      if (bytesRead === 0) return
      for (let index = 0; index < bytesRead; index++) {
        if (chunk[index] === 0x0a) {
          line++
          current = 0
        } else if (++current > request.limits.maxLineBytes)
          throw new Refused(
            413,
            `${request.name}:${line}: a line longer than ${request.limits.maxLineBytes} bytes (not a memory trace)`,
          )
      }
    }
  } finally {
    await handle.close()
  }
}

/**
 * Why a load failed, in words that never quote the file: a parser's message may quote the bytes
 * it could not read (JSON.parse's does), and a typed path may name any readable file. Temporary
 * paths are replaced by the name the user knows.
 */
export function safeReason(error: unknown, request: Pick<TraceLoadRequest, 'file' | 'name'>): string {
  if (error instanceof TraceFormatError) {
    const where = [
      error.line === undefined ? '' : `line ${error.line}`,
      error.offset === undefined ? '' : `byte ${error.offset}`,
      error.field === undefined ? '' : `field ${error.field}`,
    ].filter((part) => part !== '')
    return `${where.length === 0 ? '' : `${where.join(', ')}: `}${scrub(error.reason)}`
  }
  const message = error instanceof Error ? error.message : String(error)
  return scrub(message.split('\n')[0] ?? 'unknown error')
    .replaceAll(`${request.file}, `, '')
    .replaceAll(request.file, request.name)
}

/** Drops quoted text and parentheses that quote input, keeping the words around them. */
function scrub(text: string): string {
  return text
    .replace(/\s*\([^()]*["'`][^()]*\)/g, '')
    .replace(/"[^"]*"?/g, '"…"')
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, 200)
}
