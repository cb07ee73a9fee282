// Loading a trace for the explorer's server off its request thread: a worker thread
// (traceLoadWorker.ts) with a bounded heap (resourceLimits) and a time limit checks the upload;
// only an accepted trace — within the limits and sound — is then loaded here, by loadKernel, into
// the session the server shows. A worker that runs out of memory, crashes or overruns its time is
// an error answer for that upload; the server and the trace it shows are untouched.

import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { loadKernel } from '@ntmm/nt-syscalls'
import { packageFile } from '../packageFile.js'
import { ExplorerSession } from './explorerSession.js'
import {
  defaultLoadLimits,
  type TraceLoadLimits,
  type TraceLoadOutcome,
  type TraceLoadRequest,
} from './traceLoad.js'

/** A load that was refused, with the HTTP status to answer. */
export class TraceLoadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Starts a load worker: the bundled dist/traceLoadWorker.js, or — when this module runs from its
 * TypeScript source (tests, `tsx src/cli.ts`) — the .ts file through tsx's loader, registered
 * inside the worker (a worker does not inherit the parent's loader hooks), as sweep.ts does.
 */
function startWorker(request: TraceLoadRequest): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: request.limits.memoryMb, maxYoungGenerationSizeMb: 64 }
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(packageFile('dist/traceLoadWorker.js'), {
      workerData: request,
      resourceLimits,
    })
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href
  const entry = new URL('./traceLoadWorker.ts', import.meta.url).href
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(bootstrap, {
    eval: true,
    workerData: request,
    resourceLimits,
    execArgv: ['--conditions=@ntmm/source'],
  })
}

/** Runs the check in a worker; resolves to its outcome, or to a refusal when the worker fails. */
function checkInWorker(request: TraceLoadRequest): Promise<TraceLoadOutcome> {
  return new Promise((resolve) => {
    const worker = startWorker(request)
    let settled = false
    const finish = (outcome: TraceLoadOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void worker.terminate()
      resolve(outcome)
    }
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          status: 413,
          error: `${request.name}: loading took longer than ${request.limits.timeoutMs / 1000} s (the explorer's limit)`,
        }),
      request.limits.timeoutMs,
    )
    worker.once('message', (outcome: TraceLoadOutcome) => finish(outcome))
    worker.once('error', (error: Error & { code?: string }) =>
      finish({
        ok: false,
        status: error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 413 : 500,
        error:
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `${request.name}: loading needs more than ${request.limits.memoryMb} MiB (the explorer's limit)`
            : `${request.name}: the loader failed (${error.name})`,
      }),
    )
    worker.once('exit', (code) =>
      finish({ ok: false, status: 500, error: `${request.name}: the loader stopped (exit code ${code})` }),
    )
  })
}

/**
 * Loads `file` into a new ExplorerSession: checked in a worker first (see the file comment), then
 * loaded here. Rejects with a TraceLoadError naming the problem.
 */
export async function loadTraceSession(
  file: string,
  name: string,
  options: { readonly allowMemoryTrace: boolean; readonly limits?: Partial<TraceLoadLimits> },
): Promise<ExplorerSession> {
  const workDirectory = await mkdtemp(join(tmpdir(), 'ntmm-explorer-load-'))
  try {
    const outcome = await checkInWorker({
      file,
      name,
      allowMemoryTrace: options.allowMemoryTrace,
      workDirectory,
      limits: { ...defaultLoadLimits, ...options.limits },
    })
    if (!outcome.ok) throw new TraceLoadError(outcome.status, outcome.error)
    const kernel = await loadKernel(outcome.file).catch(() => {
      throw new TraceLoadError(400, `${name}: changed while it was being loaded`)
    })
    return new ExplorerSession(kernel, outcome.source)
  } finally {
    await rm(workDirectory, { recursive: true, force: true })
  }
}
