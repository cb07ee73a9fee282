// `ntmm sweep`: one workload across a grid of machine configurations — replacement policies,
// memory sizes, TLB organisations — played in worker threads (node:worker_threads), then a
// comparison table. A worker is started once per lane and plays job after job, longest first; one
// lane plays in this thread. The worker runs from the built dist/ in production and from the
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
import { replacementPolicies } from './machine.js'
import { playSweepJob, type SweepJob, type SweepOutcome, type SweepResult } from './sweepJob.js'
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
    policies: loop ? [] : (request.policies ?? replacementPolicies),
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
  const policies = request.policies ?? replacementPolicies
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
 * Starts a worker that plays the jobs it is sent, one after another: the built sweepWorker.js,
 * or — when this module runs from its TypeScript source (tests, `tsx src/cli.ts`) — sweepWorker.ts
 * through tsx's loader, registered inside the worker before the import (a worker does not inherit
 * the parent's loader hooks), with the @ntmm/source condition so sibling packages resolve to their
 * sources too.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./sweepWorker.js', import.meta.url))
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href
  const entry = new URL('./sweepWorker.ts', import.meta.url).href
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(bootstrap, { eval: true, execArgv: ['--conditions=@ntmm/source'] })
}

/** Plays jobs one at a time, in a worker thread or in this thread. */
interface Lane {
  play(job: SweepJob): Promise<SweepResult>
  close(): Promise<void>
}

/** Why a job failed, as the command line says it. */
const jobFailure = (job: SweepJob, message: string) => new CliError(`sweep '${job.label}': ${message}`)

/** A lane in this thread: no worker to start (a one-lane sweep). */
const inProcessLane: Lane = {
  play: (job) =>
    playSweepJob(job).catch((error: unknown) => {
      throw jobFailure(job, error instanceof Error ? error.message : String(error))
    }),
  close: async () => {},
}

/**
 * A lane backed by one worker thread, started once and sent one job after another: a worker's
 * start-up (its isolate, the simulator's modules) is paid once per lane, not once per job.
 */
function workerLane(): Lane {
  const worker = startWorker()
  let waiting:
    | { job: SweepJob; resolve: (result: SweepResult) => void; reject: (error: Error) => void }
    | undefined
  let failure: Error | undefined
  const fail = (error: Error) => {
    failure ??= error
    const current = waiting
    waiting = undefined
    current?.reject(error)
  }
  worker.on('message', (outcome: SweepOutcome) => {
    const current = waiting
    waiting = undefined
    if (current === undefined) return
    if ('error' in outcome) current.reject(jobFailure(current.job, outcome.error))
    else current.resolve(outcome.result)
  })
  worker.on('error', fail)
  worker.on('exit', (code) => {
    if (waiting !== undefined)
      fail(new Error(`sweep worker for '${waiting.job.label}' exited with code ${code}`))
    failure ??= new Error(`sweep worker exited with code ${code}`)
  })
  return {
    play: (job) =>
      failure !== undefined
        ? Promise.reject(failure)
        : new Promise((resolve, reject) => {
            waiting = { job, resolve, reject }
            worker.postMessage(job)
          }),
    close: async () => {
      await worker.terminate()
    },
  }
}

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
 * Runs every job, `jobs` at a time (default: the number of CPUs), longest first, in worker threads
 * started once each (one lane: in this thread, no worker), calling `progress` after each job;
 * results in job order.
 */
export async function runSweep(
  jobs: readonly SweepJob[],
  options: { readonly jobs?: number; readonly progress?: () => void } = {},
): Promise<SweepResult[]> {
  const laneCount = Math.max(1, Math.min(options.jobs ?? availableParallelism(), jobs.length))
  const results: SweepResult[] = new Array(jobs.length)
  const order = longestFirst(jobs)
  const lanes = laneCount === 1 ? [inProcessLane] : Array.from({ length: laneCount }, workerLane)
  let next = 0
  const drive = async (lane: Lane) => {
    while (next < order.length) {
      const index = order[next++]!
      results[index] = await lane.play(jobs[index]!)
      options.progress?.()
    }
  }
  try {
    await Promise.all(lanes.map(drive))
  } catch (error) {
    // One configuration failed (a malformed trace line fails them all): stop the others now.
    next = order.length
    throw error
  } finally {
    await Promise.all(lanes.map((lane) => lane.close()))
  }
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
