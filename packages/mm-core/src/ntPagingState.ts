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
  /** Page tables made for a fault below a zero PDE (counted in DemandZeroCount, as ARM3 does). */
  pageTableDemandZero: number
  /** Page tables taken back from standby or modified (counted in TransitionCount). */
  pageTableTransitions: number
  /** Page tables read back from the page file (counted in PageReadCount with the pages). */
  pageTableReads: number
  /** Page tables that left their working sets (NT-PAGING.md §3.8). */
  pageTablesTrimmed: number
}

/** A frozen copy of {@link NtPagingState}. */
export interface NtPagingCheckpoint {
  readonly tick: number
  readonly referencesSinceTick: number
  readonly processes: ReadonlyMap<number, NtProcessWorkingSet>
  readonly pageFaults: ReadonlyMap<number, number>
  readonly counters: NtPagingCounters
  readonly sharedAges: ReadonlyMap<string, number>
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
  /**
   * The ages of section-page entries by "pid:address" (each process's entry ages apart,
   * ntSharedEntries.ts); absent: age 0. Replaced, never changed in place, by checkpoints' copies.
   */
  sharedAges = new Map<string, number>()

  constructor(readonly config: NtPagingConfig) {}

  /**
   * A new process's parameters: the configured defaults. One value, made once: the fault path
   * reads a process's parameters on every mapping (its page priority, its working-set limits), and
   * a fresh object and Set per read was 4% of an 'nt' fault (bench/ntPaging.ts). Read-only, as
   * every process's parameters are (`update` replaces them).
   */
  defaultProcess(): NtProcessWorkingSet {
    this.defaults ??= {
      minimum: this.config.workingSetMinimum,
      maximum: this.config.workingSetMaximum,
      flags: 0,
      priority: MEMORY_PRIORITY_NORMAL,
      lockedPages: new Set(),
    }
    return this.defaults
  }

  private defaults: NtProcessWorkingSet | undefined = undefined

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
      sharedAges: new Map(this.sharedAges),
    }
  }

  /** Return to `checkpoint` (which stays valid). */
  restore(checkpoint: NtPagingCheckpoint): void {
    this.tick = checkpoint.tick
    this.referencesSinceTick = checkpoint.referencesSinceTick
    this.processes = new Map(checkpoint.processes)
    this.pageFaults = new Map(checkpoint.pageFaults)
    this.counters = copyCounters(checkpoint.counters)
    this.sharedAges = new Map(checkpoint.sharedAges)
  }

  /** A stable text for the digest. */
  digestInput(): string {
    const parts = [`t${this.tick}`]
    const c = this.counters
    parts.push(
      `${c.ticks}:${c.dirtyWriteIos}:${c.pagesTrimmed}:${c.pagesZeroed}:${c.repurposedByPriority.join('.')}:${c.pageTableDemandZero}:${c.pageTableTransitions}:${c.pageTableReads}:${c.pageTablesTrimmed}`,
    )
    for (const pid of [...this.processes.keys()].sort((a, b) => a - b)) {
      const p = this.processes.get(pid)!
      parts.push(
        `w${pid}:${p.minimum}:${p.maximum}:${p.flags}:${p.priority}:${[...p.lockedPages].sort((a, b) => a - b).join('.')}`,
      )
    }
    for (const pid of [...this.pageFaults.keys()].sort((a, b) => a - b))
      parts.push(`f${pid}:${this.pageFaults.get(pid)}`)
    for (const key of [...this.sharedAges.keys()].sort()) parts.push(`a${key}:${this.sharedAges.get(key)}`)
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
    pageTableDemandZero: 0,
    pageTableTransitions: 0,
    pageTableReads: 0,
    pageTablesTrimmed: 0,
  }
}

function copyCounters(counters: NtPagingCounters): NtPagingCounters {
  return { ...counters, repurposedByPriority: counters.repurposedByPriority.slice() }
}
