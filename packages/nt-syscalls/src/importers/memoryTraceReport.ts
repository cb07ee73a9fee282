// What replayMemoryTrace (replayMemoryTrace.ts) reports: the accesses made, the faults and TLB
// counts they caused, the blocks placed, the malformed lines, and the machine-trace seqs spanned.

import type { MemoryTraceFormat } from './memoryTraceFormats.js'

/** A malformed line. */
export interface ImportLineError {
  /** 1-based line number (0: a `layout` range that could not be allocated). */
  readonly line: number
  /** What is wrong with it (no text of the line). */
  readonly message: string
  /**
   * The line as a report may quote it: control characters escaped (`\x1b`), cut to 100
   * characters (the last `…` when cut).
   */
  readonly text: string
}

/** Hits and misses of one TLB level during the replay. */
export interface TlbLevelReport {
  readonly hits: number
  readonly misses: number
}

/** What a replay did. */
export interface MemoryTraceReport {
  readonly format: MemoryTraceFormat
  readonly pid: number
  /** The address policy, in words. */
  readonly policy: string
  /** True when every line was read (false: stopped at a malformed line). */
  readonly completed: boolean
  readonly lines: number
  readonly accesses: number
  readonly reads: number
  readonly writes: number
  readonly fetches: number
  /** Accesses that ended in an exception (access violation, guard page, ...). */
  readonly exceptions: number
  /** Malformed lines (the first 100 kept in `errors`). */
  readonly malformedLines: number
  readonly errors: readonly ImportLineError[]
  /** 'heap-blocks': 64 KiB blocks reserved and committed, and those placed elsewhere than their own address. */
  readonly blocksReserved: number
  readonly blocksRelocated: number
  readonly tlb: {
    readonly data: TlbLevelReport
    readonly instruction?: TlbLevelReport
    readonly second?: TlbLevelReport
  }
  readonly faults: {
    readonly total: number
    readonly demandZero: number
    readonly hard: number
    readonly soft: number
    readonly guard: number
    readonly accessViolation: number
  }
  /** Pages trimmed and written to the page file or dropped (page-outs); pages read back (page-ins). */
  readonly pageOuts: number
  readonly pageIns: number
  /** Peak working set of the process, in pages. */
  readonly peakWorkingSet: number
  /** The machine-trace seqs the replay spans (when the kernel records): [firstSeq, endSeq). */
  readonly traceRange?: { readonly firstSeq: number; readonly endSeq: number }
}
