// One configuration of a sweep and its figures: what a sweep's workers are given and post back
// (plain structured-clone data, and the shared counter of the next job). `playSweepJob` is the
// work itself, the same in a worker and in the command's own thread.

import type { TlbConfig } from '@ntmm/hw-mmu'
import type { ReplacementPolicyName } from '@ntmm/mm-core'
import {
  type Arch,
  type Kernel,
  type KernelEventRecord,
  type LineInput,
  type MemoryTraceFormat,
  type MemoryTraceReport,
  replayMemoryTrace,
} from '@ntmm/nt-syscalls'
import { createMachine } from './machine.js'
import {
  loopReferences,
  PRESSURE_MACHINE,
  PRESSURE_PAGES,
  playReferences,
  pressureReferences,
  type WorkloadName,
} from './workloads.js'

/** A configuration to play. */
export interface SweepJob {
  readonly label: string
  /** A built-in workload, or 'trace': a program's memory trace replayed (see `trace`). */
  readonly workload: WorkloadName | 'trace'
  readonly arch: Arch
  readonly policy?: ReplacementPolicyName
  readonly tlb?: TlbConfig
  readonly pages: number
  readonly rounds: number
  /** The memory trace of a 'trace' job: an absolute path and its format (detected when absent). */
  readonly trace?: { readonly path: string; readonly format?: MemoryTraceFormat }
  /** RAM of the machine (default createKernel's). */
  readonly physicalMemory?: number
}

/** The figures of a job, or why it could not be played. */
export type SweepOutcome = { readonly result: SweepResult } | { readonly error: string }

/**
 * What a sweep's workers are given: every job, the order to take them in (indices into `jobs`),
 * and the counter of the next position in `order`, shared by every lane (Atomics.add takes one).
 */
export interface SweepShare {
  readonly jobs: readonly SweepJob[]
  readonly order: readonly number[]
  readonly next: Int32Array
}

/** What a worker posts: a job's outcome, or that it found no job left. */
export type SweepWorkerMessage =
  | { readonly index: number; readonly outcome: SweepOutcome }
  | { readonly done: true }

/** The figures of one configuration. */
export interface SweepResult {
  readonly label: string
  readonly references: number
  readonly tlbHits: number
  readonly tlbMisses: number
  readonly tlbHitRate: number
  readonly pageFaults: number
  readonly hardFaults: number
  readonly softFaults: number
  readonly pagesWritten: number
  readonly corruptPages: number
}

/** Plays one configuration (a 'trace' job streams its file, hence the promise). */
export async function playSweepJob(job: SweepJob): Promise<SweepResult> {
  if (job.workload === 'trace') return playTraceJob(job)
  return playBuiltInJob(job)
}

/**
 * Replays a memory trace (a file, or lines) on the machine of `job`, recording nothing, with
 * `onEvent` told of every event when given: LRU notes every access (the hardware keeps only
 * Accessed bits), OPT reads the trace whole first, to know its future. A malformed line stops
 * the replay with `file:line`.
 */
export async function replayOnJobMachine(
  job: SweepJob,
  input: LineInput,
  options: {
    readonly format?: MemoryTraceFormat
    readonly onEvent?: (record: KernelEventRecord) => void
  } = {},
): Promise<{ readonly kernel: Kernel; readonly report: MemoryTraceReport }> {
  const kernel = createMachine(
    {
      arch: job.arch,
      ...(job.physicalMemory === undefined ? {} : { physicalMemory: job.physicalMemory }),
      ...(job.policy === undefined ? {} : { replacementPolicy: job.policy }),
      ...(job.tlb === undefined ? {} : { tlb: job.tlb }),
    },
    options.onEvent === undefined ? {} : { onEvent: options.onEvent },
  )
  const report = await replayMemoryTrace(kernel, input, {
    ...(options.format === undefined ? {} : { format: options.format }),
    noteAccesses: job.policy === 'lru',
    futureReferences: job.policy === 'opt',
  })
  const first = report.errors[0]
  if (!report.completed && first !== undefined)
    throw new Error(
      `${typeof input === 'string' ? input : 'the references'}:${first.line}: ${first.message} ('${first.text.slice(0, 60)}')`,
    )
  return { kernel, report }
}

/** The row of a replayed trace: its figures from the replay's report and the machine's counters. */
export function traceResult(label: string, kernel: Kernel, report: MemoryTraceReport): SweepResult {
  const { hits, misses } = report.tlb.data
  return {
    label,
    references: report.accesses,
    tlbHits: hits,
    tlbMisses: misses,
    tlbHitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
    pageFaults: report.faults.total,
    hardFaults: report.faults.hard,
    softFaults: report.faults.soft,
    pagesWritten: kernel.mm.counters.pagesWritten,
    corruptPages: 0,
  }
}

/** Replays a program's memory trace file on the job's machine and takes its figures. */
async function playTraceJob(job: SweepJob): Promise<SweepResult> {
  const trace = job.trace
  if (trace === undefined) throw new Error(`sweep job '${job.label}' has no trace`)
  const { kernel, report } = await replayOnJobMachine(
    job,
    trace.path,
    trace.format === undefined ? {} : { format: trace.format },
  )
  return traceResult(job.label, kernel, report)
}

function playBuiltInJob(job: SweepJob): SweepResult {
  const pressure = job.workload === 'pressure'
  const kernel = createMachine({
    arch: job.arch,
    ...(pressure ? PRESSURE_MACHINE : {}),
    ...(job.policy === undefined ? {} : { replacementPolicy: job.policy }),
    ...(job.tlb === undefined ? {} : { tlb: job.tlb }),
  })
  const figures = pressure
    ? playReferences(kernel, PRESSURE_PAGES.hot + PRESSURE_PAGES.cold, pressureReferences())
    : playReferences(kernel, job.pages, loopReferences(job.pages, job.rounds))
  return {
    label: job.label,
    references: figures.references,
    tlbHits: figures.tlb.hits,
    tlbMisses: figures.tlb.misses,
    tlbHitRate: figures.tlb.lookups === 0 ? 0 : figures.tlb.hits / figures.tlb.lookups,
    pageFaults: figures.mm.pageFaults,
    hardFaults: figures.mm.hardFaults,
    softFaults: figures.mm.softFaults,
    pagesWritten: figures.mm.pagesWritten,
    corruptPages: figures.corruptPages,
  }
}
