// The state the 'nt' policy adds to MmState (NT-PAGING.md §3): the balance-set tick count, each
// process's working-set limits, flags, memory priority, fault count and locked pages (the EPROCESS
// Vm fields and MMSUPPORT of NT), and the counters Windows reports that the other counters do not
// already hold (write I/Os, repurposed pages by priority). Present only on a machine running the
// 'nt' policy, so every other machine keeps the state and digests it always had.

import type { NtPagingConfig } from './ntPagingOptions.js'

/** QUOTA_LIMITS_HARDWS_MIN_ENABLE: the working set never shrinks below its minimum. */
export const QUOTA_LIMITS_HARDWS_MIN_ENABLE = 0x1
/** QUOTA_LIMITS_HARDWS_MIN_DISABLE. */
export const QUOTA_LIMITS_HARDWS_MIN_DISABLE = 0x2
/** QUOTA_LIMITS_HARDWS_MAX_ENABLE: the working set never grows past its maximum. */
export const QUOTA_LIMITS_HARDWS_MAX_ENABLE = 0x4
/** QUOTA_LIMITS_HARDWS_MAX_DISABLE. */
export const QUOTA_LIMITS_HARDWS_MAX_DISABLE = 0x8

/** MEMORY_PRIORITY_NORMAL: the page priority of a new process. */
export const MEMORY_PRIORITY_NORMAL = 5

/** One process's working-set parameters (immutable; replaced on change). */
export interface NtProcessWorkingSet {
  /** Working-set minimum in pages. */
  readonly minimum: number
  /** Working-set maximum in pages. */
  readonly maximum: number
  /** QUOTA_LIMITS_HARDWS_* flags in force (only the _ENABLE bits are kept). */
  readonly flags: number
  /** Page priority 0-7: the standby sub-list its trimmed pages go to. */
  readonly priority: number
  /** Page addresses locked in the working set (VirtualLock). */
  readonly lockedPages: ReadonlySet<number>
}

/** Counters of the 'nt' policy. */
export interface NtPagingCounters {
  /** Balance-set ticks run. */
  ticks: number
  /** Write I/Os of the modified page writer (DirtyWriteIoCount). */
  dirtyWriteIos: number
  /** Pages the working-set manager, local replacement or an explicit trim took out of working sets. */
  pagesTrimmed: number
  /** Frames the zero page thread zeroed. */
  pagesZeroed: number
  /** Standby frames repurposed, by the priority of the page that lost them. */
  repurposedByPriority: number[]
}

/** A frozen copy of {@link NtPagingState}. */
export interface NtPagingCheckpoint {
  readonly tick: number
  readonly referencesSinceTick: number
  readonly processes: ReadonlyMap<number, NtProcessWorkingSet>
  readonly pageFaults: ReadonlyMap<number, number>
  readonly counters: NtPagingCounters
}

/** The 'nt' policy's part of MmState. Changed only by the events of ntEvents.ts. */
export class NtPagingState {
  /** The number of the last balance-set tick (0: none yet). */
  tick = 0
  /**
   * CPU references counted toward the next tick (tickEvery > 0). Each reference is an input (a
   * recorded nt.cpuAccess adds one when replayed, MemoryManager.applyRecordedReferences); a tick
   * of reason 'references' takes `tickEvery` off. Not in the digest: live, an access counts after
   * its own events, replay at its row, so the two agree at every access boundary only.
   */
  referencesSinceTick = 0
  processes = new Map<number, NtProcessWorkingSet>()
  /**
   * Page faults each process took (VM_COUNTERS.PageFaultCount): counted in place on every fault
   * (a record copy per fault measured a tenth of a soft fault), copied by checkpoints.
   */
  pageFaults = new Map<number, number>()
  counters: NtPagingCounters = freshCounters()

  constructor(readonly config: NtPagingConfig) {}

  /** A new process's parameters: the configured defaults. */
  defaultProcess(): NtProcessWorkingSet {
    return {
      minimum: this.config.workingSetMinimum,
      maximum: this.config.workingSetMaximum,
      flags: 0,
      priority: MEMORY_PRIORITY_NORMAL,
      lockedPages: new Set(),
    }
  }

  /** The parameters of `pid` (the defaults for a process not yet seen). */
  process(pid: number): NtProcessWorkingSet {
    return this.processes.get(pid) ?? this.defaultProcess()
  }

  /** Replace the parameters of `pid`. */
  update(pid: number, change: (process: NtProcessWorkingSet) => NtProcessWorkingSet): void {
    this.processes.set(pid, change(this.process(pid)))
  }

  /** A copy that `restore` brings back. */
  checkpoint(): NtPagingCheckpoint {
    return {
      tick: this.tick,
      referencesSinceTick: this.referencesSinceTick,
      processes: new Map(this.processes),
      pageFaults: new Map(this.pageFaults),
      counters: copyCounters(this.counters),
    }
  }

  /** Return to `checkpoint` (which stays valid). */
  restore(checkpoint: NtPagingCheckpoint): void {
    this.tick = checkpoint.tick
    this.referencesSinceTick = checkpoint.referencesSinceTick
    this.processes = new Map(checkpoint.processes)
    this.pageFaults = new Map(checkpoint.pageFaults)
    this.counters = copyCounters(checkpoint.counters)
  }

  /** A stable text for the digest. */
  digestInput(): string {
    const parts = [`t${this.tick}`]
    const c = this.counters
    parts.push(
      `${c.ticks}:${c.dirtyWriteIos}:${c.pagesTrimmed}:${c.pagesZeroed}:${c.repurposedByPriority.join('.')}`,
    )
    for (const pid of [...this.processes.keys()].sort((a, b) => a - b)) {
      const p = this.processes.get(pid)!
      parts.push(
        `w${pid}:${p.minimum}:${p.maximum}:${p.flags}:${p.priority}:${[...p.lockedPages].sort((a, b) => a - b).join('.')}`,
      )
    }
    for (const pid of [...this.pageFaults.keys()].sort((a, b) => a - b))
      parts.push(`f${pid}:${this.pageFaults.get(pid)}`)
    return parts.join(',')
  }
}

function freshCounters(): NtPagingCounters {
  return {
    ticks: 0,
    dirtyWriteIos: 0,
    pagesTrimmed: 0,
    pagesZeroed: 0,
    repurposedByPriority: new Array(8).fill(0),
  }
}

function copyCounters(counters: NtPagingCounters): NtPagingCounters {
  return { ...counters, repurposedByPriority: counters.repurposedByPriority.slice() }
}
