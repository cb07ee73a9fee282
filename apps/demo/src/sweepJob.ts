// One configuration of a sweep and its figures: what the main thread sends a worker and what the
// worker sends back (plain structured-clone data). `playSweepJob` is the work itself, the same in
// a worker and in-process.

import type { TlbConfig } from '@ntmm/hw-mmu'
import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch } from '@ntmm/nt-syscalls'
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
  readonly workload: WorkloadName
  readonly arch: Arch
  readonly policy?: ReplacementPolicyName
  readonly tlb?: TlbConfig
  readonly pages: number
  readonly rounds: number
}

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

/** Plays one configuration. */
export function playSweepJob(job: SweepJob): SweepResult {
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
