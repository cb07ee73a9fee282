// `ntmm sweep`: one workload across several machine configurations — TLB organisations or page
// replacement policies — each played in its own worker thread (node:worker_threads), then a
// comparison table. The worker runs from the built dist/ in production and from the TypeScript
// source (through tsx) when the command line itself runs from source, as in the tests.

import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { TlbConfig } from '@ntmm/hw-mmu'
import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch, MemoryTraceFormat } from '@ntmm/nt-syscalls'
import { CliError } from './cliError.js'
import { table } from './format.js'
import { replacementPolicies } from './machine.js'
import type { SweepJob, SweepOutcome, SweepResult } from './sweepJob.js'
import type { WorkloadName } from './workloads.js'

/** What to sweep. */
export interface SweepRequest {
  readonly workload: WorkloadName
  readonly arch: Arch
  /**
   * A program's memory trace to replay instead of the workload (absolute path; format detected
   * when absent): compared across `policies` (default: all; OPT reads the trace whole first, to
   * know its future) and `tlbs`.
   */
  readonly trace?: { readonly path: string; readonly format?: MemoryTraceFormat }
  /** RAM of every machine of a `trace` sweep (default createKernel's). */
  readonly physicalMemory?: number
  /** Replacement policies to compare (pressure). */
  readonly policies?: readonly ReplacementPolicyName[]
  /** TLB organisations to compare, as `entries x ways` (tlb-loop; pressure too). */
  readonly tlbs?: readonly string[]
  /** Pages of the tlb-loop workload. */
  readonly pages: number
  /** Rounds of the tlb-loop workload. */
  readonly rounds: number
  /** Worker threads at once. */
  readonly jobs?: number
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

/** The jobs of a request, one per configuration. */
export function sweepJobs(request: SweepRequest): SweepJob[] {
  const tlbs = request.tlbs ?? []
  const memory = request.physicalMemory === undefined ? {} : { physicalMemory: request.physicalMemory }
  const trace = request.trace
  if (request.workload === 'tlb-loop' && trace === undefined) {
    const list = tlbs.length === 0 ? ['8x8', '16x4', '32x4', '64x4'] : tlbs
    return list.map((label) => ({
      label: `tlb ${label}`,
      workload: 'tlb-loop',
      arch: request.arch,
      tlb: parseTlb(label),
      pages: request.pages,
      rounds: request.rounds,
    }))
  }
  // The pressure workload, or a program's trace, under each policy and TLB organisation.
  const policies = request.policies ?? replacementPolicies
  const tlbList = tlbs.length === 0 ? [undefined] : tlbs
  const played =
    trace === undefined ? { workload: 'pressure' as const } : { workload: 'trace' as const, trace, ...memory }
  return policies.flatMap((policy) =>
    tlbList.map((tlb) => ({
      label: tlb === undefined ? policy : `${policy} tlb ${tlb}`,
      arch: request.arch,
      policy,
      ...(tlb === undefined ? {} : { tlb: parseTlb(tlb) }),
      pages: request.pages,
      rounds: request.rounds,
      ...played,
    })),
  )
}

/**
 * Starts the worker for `job`: the built sweepWorker.js, or — when this module runs from its
 * TypeScript source (tests, `tsx src/cli.ts`) — sweepWorker.ts through tsx's loader, registered
 * inside the worker before the import (a worker does not inherit the parent's loader hooks), with
 * the @ntmm/source condition so sibling packages resolve to their sources too.
 */
function startWorker(job: SweepJob): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./sweepWorker.js', import.meta.url), { workerData: job })
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href
  const entry = new URL('./sweepWorker.ts', import.meta.url).href
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(bootstrap, { eval: true, workerData: job, execArgv: ['--conditions=@ntmm/source'] })
}

function runInWorker(job: SweepJob, running: Set<Worker>): Promise<SweepResult> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(job)
    running.add(worker)
    worker.once('exit', () => running.delete(worker))
    worker.once('message', (outcome: SweepOutcome) =>
      'error' in outcome
        ? reject(new CliError(`sweep '${job.label}': ${outcome.error}`))
        : resolve(outcome.result),
    )
    worker.once('error', reject)
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`sweep worker for '${job.label}' exited with code ${code}`))
    })
  })
}

/** Runs every job in worker threads, `jobs` at a time, calling `progress` after each; results in job order. */
export async function runSweep(
  jobs: readonly SweepJob[],
  options: { readonly jobs?: number; readonly progress?: () => void } = {},
): Promise<SweepResult[]> {
  const limit = Math.max(1, Math.min(options.jobs ?? availableParallelism(), jobs.length))
  const results: SweepResult[] = new Array(jobs.length)
  const running = new Set<Worker>()
  let next = 0
  const lane = async () => {
    while (next < jobs.length) {
      const index = next++
      results[index] = await runInWorker(jobs[index]!, running)
      options.progress?.()
    }
  }
  try {
    await Promise.all(Array.from({ length: limit }, lane))
  } catch (error) {
    // One configuration failed (a malformed trace line fails them all): stop the others now.
    next = jobs.length
    await Promise.all([...running].map((worker) => worker.terminate()))
    throw error
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
