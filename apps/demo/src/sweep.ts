// `ntmm sweep`: one workload across a grid of machine configurations — replacement policies,
// memory sizes, TLB organisations — played on lanes (this thread and worker threads,
// node:worker_threads), then a comparison table. Each worker is started once and every lane takes
// job after job, longest first. The worker runs from the built dist/ in production and from the
// TypeScript source (through tsx) when the command line itself runs from source, as in the tests.

import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { TlbConfig } from '@ntmm/hw-mmu'
import type { ReplacementPolicyName } from '@ntmm/mm-core'
import { type Arch, DEFAULT_PHYSICAL_MEMORY, type MemoryTraceFormat } from '@ntmm/nt-syscalls'
import { CliError } from './cliError.js'
import { table } from './format.js'
import { comparedPolicies } from './machine.js'
import { packageFile } from './packageFile.js'
import {
  playSweepJob,
  type SweepJob,
  type SweepResult,
  type SweepShare,
  type SweepWorkerMessage,
} from './sweepJob.js'
import type { SweepGrid, SweepInput } from './sweepReport.js'
import type { WorkloadName } from './workloads.js'

/** What to sweep. */
export interface SweepRequest {
  readonly workload: WorkloadName
  readonly arch: Arch
  /**
   * A program's memory trace to replay instead of the workload (absolute path; format detected
   * when absent): compared across `policies` (default: all; OPT reads the trace whole first, to
   * know its future), `memory` and `tlbs`.
   */
  readonly trace?: { readonly path: string; readonly format?: MemoryTraceFormat }
  /** RAM sizes of a `trace` sweep's machines, in bytes (default: createKernel's alone). */
  readonly memory?: readonly number[]
  /** Replacement policies to compare (pressure, trace). */
  readonly policies?: readonly ReplacementPolicyName[]
  /** TLB organisations to compare, as `entries x ways` (tlb-loop; pressure and trace too). */
  readonly tlbs?: readonly string[]
  /** Pages of the tlb-loop workload. */
  readonly pages: number
  /** Rounds of the tlb-loop workload. */
  readonly rounds: number
}

/** Parses `64x4` (entries × ways, LRU) or `64x4:fifo` into a TLB configuration. */
export function parseTlb(text: string): TlbConfig {
  const match = /^(\d+)x(\d+)(?::(lru|fifo|random))?$/.exec(text)
  const entries = Number(match?.[1])
  const ways = Number(match?.[2])
  if (match === null || entries < 1 || ways < 1 || entries % ways !== 0)
    throw new CliError(
      `--tlb '${text}': expected <entries>x<ways>[:lru|fifo|random] with entries a multiple of ways, e.g. 64x4`,
    )
  return { data: { entries, ways, policy: (match[3] ?? 'lru') as 'lru' | 'fifo' | 'random' } }
}

/** The TLB organisations the tlb-loop workload compares when none is given. */
const defaultLoopTlbs = ['8x8', '16x4', '32x4', '64x4']

/** A RAM size as a label reads it: `128K`, `1M`. */
export function memoryLabel(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}G`
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}M`
  return `${bytes / 1024}K`
}

/**
 * The grid of a request: its input and its axes, defaults filled in (the order of `sweepJobs`:
 * policies, then memory sizes, then TLBs). `input` identifies what is played (a trace's format,
 * size and digest are the caller's to give).
 */
export function sweepGrid(request: SweepRequest, input: SweepInput): SweepGrid {
  const loop = request.workload === 'tlb-loop' && request.trace === undefined
  return {
    arch: request.arch,
    input,
    policies: loop ? [] : (request.policies ?? comparedPolicies),
    memory: request.trace === undefined ? [] : (request.memory ?? [DEFAULT_PHYSICAL_MEMORY]),
    tlbs: loop ? (request.tlbs ?? defaultLoopTlbs) : (request.tlbs ?? []),
    configurations: sweepJobs(request).length,
  }
}

/**
 * The jobs of a request, one per configuration, in grid order: policy by policy, each over the
 * memory sizes (a trace sweep), each over the TLB organisations. A label names the policy, the
 * memory size when there are several, and the TLB.
 */
export function sweepJobs(request: SweepRequest): SweepJob[] {
  const tlbs = request.tlbs ?? []
  const trace = request.trace
  if (request.workload === 'tlb-loop' && trace === undefined) {
    const list = tlbs.length === 0 ? defaultLoopTlbs : tlbs
    return list.map((label) => ({
      label: `tlb ${label}`,
      workload: 'tlb-loop',
      arch: request.arch,
      tlb: parseTlb(label),
      pages: request.pages,
      rounds: request.rounds,
    }))
  }
  // The pressure workload, or a program's trace, under each policy, memory size and TLB organisation.
  const policies = request.policies ?? comparedPolicies
  const memories = trace === undefined ? [undefined] : (request.memory ?? [undefined])
  const tlbList = tlbs.length === 0 ? [undefined] : tlbs
  return policies.flatMap((policy) =>
    memories.flatMap((memory) =>
      tlbList.map((tlb) => ({
        label: [
          policy,
          ...(memories.length > 1 && memory !== undefined ? [`mem ${memoryLabel(memory)}`] : []),
          ...(tlb === undefined ? [] : [`tlb ${tlb}`]),
        ].join(' '),
        arch: request.arch,
        policy,
        ...(tlb === undefined ? {} : { tlb: parseTlb(tlb) }),
        pages: request.pages,
        rounds: request.rounds,
        ...(trace === undefined
          ? { workload: 'pressure' as const }
          : {
              workload: 'trace' as const,
              trace,
              ...(memory === undefined ? {} : { physicalMemory: memory }),
            }),
      })),
    ),
  )
}

/**
 * Starts a worker that plays jobs of `share` until none is left: the bundled dist/sweepWorker.js, or —
 * when this module runs from its TypeScript source (tests, `tsx src/cli.ts`) — sweepWorker.ts
 * through tsx's loader, registered inside the worker before the import (a worker does not inherit
 * the parent's loader hooks), with the @ntmm/source condition so sibling packages resolve to their
 * sources too.
 */
function startWorker(share: SweepShare): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(packageFile('dist/sweepWorker.js'), { workerData: share })
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href
  const entry = new URL('./sweepWorker.ts', import.meta.url).href
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(bootstrap, { eval: true, workerData: share, execArgv: ['--conditions=@ntmm/source'] })
}

/** Why a job failed, as the command line says it. */
const jobFailure = (job: SweepJob, message: string) => new CliError(`sweep '${job.label}': ${message}`)

/**
 * The jobs' indices, longest first as far as the cost can be told up front — a long job started
 * last leaves the other lanes idle at the end. A sweep's time goes to page faults (docs/performance.md:
 * ~20 µs a fault, next to nothing a TLB hit), so the smaller machine first; on one machine size, OPT
 * and LRU first (they note every access, and OPT reads the trace whole before replaying it); then
 * grid order.
 */
export function longestFirst(jobs: readonly SweepJob[]): number[] {
  const memory = (job: SweepJob) => job.physicalMemory ?? DEFAULT_PHYSICAL_MEMORY
  const noting = (job: SweepJob) => (job.policy === 'opt' ? 2 : job.policy === 'lru' ? 1 : 0)
  return jobs
    .map((_, index) => index)
    .sort((a, b) => memory(jobs[a]!) - memory(jobs[b]!) || noting(jobs[b]!) - noting(jobs[a]!) || a - b)
}

/**
 * Runs every job on `jobs` lanes (default: the number of CPUs), longest first, and resolves to the
 * results in job order, calling `progress` after each job. This thread is a lane, the others are
 * worker threads started once each; every lane takes the next job from a shared counter (Atomics),
 * so a worker never waits for this thread — busy with its own job — to hand it one. A failed job
 * stops the sweep: no lane starts another, and the workers are terminated.
 */
export async function runSweep(
  jobs: readonly SweepJob[],
  options: { readonly jobs?: number; readonly progress?: () => void } = {},
): Promise<SweepResult[]> {
  const laneCount = Math.max(1, Math.min(options.jobs ?? availableParallelism(), jobs.length))
  const results: SweepResult[] = new Array(jobs.length)
  const order = longestFirst(jobs)
  const next = new Int32Array(new SharedArrayBuffer(4))
  let failure: Error | undefined
  // Set once the lanes are done or stopped: the workers' exits are ours from then on.
  let closing = false
  let failed: () => void = () => {}
  const stopped = new Promise<void>((resolve) => {
    failed = resolve
  })
  const stop = (error: Error) => {
    failure ??= error
    Atomics.store(next, 0, order.length)
    failed()
  }
  const workers = Array.from({ length: laneCount - 1 }, () => startWorker({ jobs, order, next }))
  const finished = workers.map(
    (worker) =>
      new Promise<void>((resolve) => {
        worker.on('message', (message: SweepWorkerMessage) => {
          if ('done' in message) return resolve()
          const { index, outcome } = message
          if ('error' in outcome) stop(jobFailure(jobs[index]!, outcome.error))
          else {
            results[index] = outcome.result
            options.progress?.()
          }
        })
        worker.on('error', (error) => {
          stop(error)
          resolve()
        })
        worker.on('exit', (code) => {
          if (code !== 0 && !closing) stop(new Error(`a sweep worker exited with code ${code}`))
          resolve()
        })
      }),
  )
  try {
    for (
      let position = Atomics.add(next, 0, 1);
      position < order.length;
      position = Atomics.add(next, 0, 1)
    ) {
      const job = jobs[order[position]!]!
      try {
        results[order[position]!] = await playSweepJob(job)
        options.progress?.()
      } catch (error) {
        stop(jobFailure(job, error instanceof Error ? error.message : String(error)))
      }
    }
    // The workers' last jobs, unless one failed (a malformed trace line fails them all): then now.
    await Promise.race([Promise.all(finished), stopped])
  } finally {
    closing = true
    await Promise.all(workers.map((worker) => worker.terminate()))
  }
  if (failure !== undefined) throw failure
  return results
}

const columns = [
  'config',
  'references',
  'tlbHits',
  'tlbMisses',
  'tlbHitRate',
  'pageFaults',
  'hardFaults',
  'softFaults',
  'pagesWritten',
] as const

/** The results as rows (header first), for the table and CSV. */
export function sweepRows(results: readonly SweepResult[]): string[][] {
  return [
    [...columns],
    ...results.map((result) => [
      result.label,
      String(result.references),
      String(result.tlbHits),
      String(result.tlbMisses),
      result.tlbHitRate.toFixed(4),
      String(result.pageFaults),
      String(result.hardFaults),
      String(result.softFaults),
      String(result.pagesWritten),
    ]),
  ]
}

/** The comparison table. */
export function sweepTable(results: readonly SweepResult[]): string[] {
  return table(sweepRows(results), { right: [1, 2, 3, 4, 5, 6, 7, 8] })
}

/** The results as CSV (RFC 4180; labels have no commas or quotes). */
export function sweepCsv(results: readonly SweepResult[]): string {
  return `${sweepRows(results)
    .map((row) => row.join(','))
    .join('\n')}\n`
}
