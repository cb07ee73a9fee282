// The whole state of the memory manager, as the events of events.ts change it: the address
// spaces (each an immutable record holding its persistent MEMORY_AREA tree), the system commit
// charge, the counters, the PFN database and the page file. Checkpoints share the immutable parts
// and copy the typed arrays; the digest is a stable hash of everything that events determine.

import type { AreaTree } from './areaTree.js'
import { PageFile, type PageFileCheckpoint } from './pageFile.js'
import type { NtPagingCheckpoint, NtPagingState } from './ntPagingState.js'
import { PfnDatabase, type PfnDatabaseCheckpoint } from './pfnDatabase.js'
import { regionsOf } from './region.js'
import { SegmentState, type SegmentCheckpoint } from './segment.js'
import { Volume, type VolumeCheckpoint } from './volume.js'

/** The id of the kernel (system) address space; process ids are positive. */
export const KERNEL_SPACE_ID = 0

/**
 * One address space as the state holds it: replaced on every change but its working-set counters,
 * which the fault path counts in place on the state's own record (workingSetDelta in events.ts);
 * a checkpoint holds copies, so the records it holds never change.
 */
export interface AddressSpaceState {
  /** The process id, or {@link KERNEL_SPACE_ID}. */
  readonly pid: number
  /** The MEMORY_AREA tree (persistent). */
  readonly tree: AreaTree
  /** PFN of the top paging structure (page directory, PAE PDPT, PML4): CR3 = pfn << 12. */
  readonly directoryPfn: number
  /** Pages of private memory committed (EPROCESS.CommitCharge). */
  readonly commitCharge: number
  readonly commitChargePeak: number
  /** Resident private pages (working-set size). */
  readonly workingSetSize: number
  readonly workingSetPeak: number
}

/** The state's own record of a space, whose working-set counters workingSetDelta counts in place. */
export type LiveAddressSpaceState = {
  -readonly [K in keyof AddressSpaceState]: AddressSpaceState[K]
}

/** A copy of a space's record (a checkpoint's, or the live one a restore makes from it). */
function copySpace(space: AddressSpaceState): AddressSpaceState {
  return {
    pid: space.pid,
    tree: space.tree,
    directoryPfn: space.directoryPfn,
    commitCharge: space.commitCharge,
    commitChargePeak: space.commitChargePeak,
    workingSetSize: space.workingSetSize,
    workingSetPeak: space.workingSetPeak,
  }
}

/** The records of `spaces` copied (see {@link AddressSpaceState}: the live ones change in place). */
function copySpaces(spaces: ReadonlyMap<number, AddressSpaceState>): Map<number, AddressSpaceState> {
  const copy = new Map<number, AddressSpaceState>()
  for (const [pid, space] of spaces) copy.set(pid, copySpace(space))
  return copy
}

/**
 * The system-wide commit state, in pages (see commitCharge.ts). It lives with the state it is part
 * of, so commitCharge.ts can charge through the MmCore without a type cycle.
 */
export interface CommitState {
  /** Pages charged now (MmTotalCommittedPages). */
  readonly charge: number
  /** Highest charge seen (MmPeakCommitment). */
  readonly peak: number
  /** The limit (MmTotalCommitLimit): RAM pages plus page-file pages. */
  readonly limit: number
}

/** Counters of the memory manager (all monotonic except where noted). */
export interface MmCounters {
  pageFaults: number
  demandZeroFaults: number
  hardFaults: number
  softFaults: number
  guardPageFaults: number
  accessViolations: number
  /** Faults that needed no work (the PTE was already valid). */
  spuriousFaults: number
  /** Faults that failed for lack of memory (STATUS_NO_MEMORY / in-page error). */
  failedFaults: number
  /** Pages written to the page file. */
  pagesWritten: number
  /** Clean pages dropped without a write. */
  pagesDropped: number
  /** Pages read back from the page file (hard faults). */
  pagesRead: number
  /** Standby frames taken for another page. */
  framesRepurposed: number
  /** Page-table frames created. */
  pageTablesCreated: number
}

/** Fresh counters. */
export function zeroCounters(): MmCounters {
  return {
    pageFaults: 0,
    demandZeroFaults: 0,
    hardFaults: 0,
    softFaults: 0,
    guardPageFaults: 0,
    accessViolations: 0,
    spuriousFaults: 0,
    failedFaults: 0,
    pagesWritten: 0,
    pagesDropped: 0,
    pagesRead: 0,
    framesRepurposed: 0,
    pageTablesCreated: 0,
  }
}

/**
 * Counters of section activity. Kept apart from {@link MmCounters} (and out of the digest while
 * all zero) so machines that use no section report and digest exactly what they always did.
 */
export interface SectionCounters {
  /** Copy-on-write faults: a private copy made of a shared page. */
  copyOnWriteFaults: number
  /** Pages the mapped page writer wrote to their files (MappedPagesWriteCount). */
  mappedPagesWritten: number
  /** Pages read in from their files (data and image pages). */
  mappedPagesRead: number
}

/** Fresh section counters. */
export function zeroSectionCounters(): SectionCounters {
  return { copyOnWriteFaults: 0, mappedPagesWritten: 0, mappedPagesRead: 0 }
}

/** A checkpoint of {@link MmState}. */
export interface MmStateCheckpoint {
  readonly spaces: ReadonlyMap<number, AddressSpaceState>
  readonly commit: CommitState
  readonly counters: Readonly<MmCounters>
  readonly pfn: PfnDatabaseCheckpoint
  readonly pageFile: PageFileCheckpoint
  readonly segments: readonly SegmentCheckpoint[]
  readonly nextSegmentId: number
  readonly volume: VolumeCheckpoint
  readonly sectionCounters: Readonly<SectionCounters>
  /** The 'nt' policy's state (absent for other policies). */
  readonly nt?: NtPagingCheckpoint
}

/** The memory manager's state. Change it only through the apply functions of events.ts. */
export class MmState {
  spaces = new Map<number, AddressSpaceState>()
  commit: CommitState
  counters: MmCounters = zeroCounters()
  readonly pfn: PfnDatabase
  readonly pageFile: PageFile
  /** The segments (section backing stores) by id. */
  segments = new Map<number, SegmentState>()
  /** The id the next created segment takes. */
  nextSegmentId = 1
  /** The files' bytes. */
  readonly volume = new Volume()
  sectionCounters: SectionCounters = zeroSectionCounters()
  /** The 'nt' policy's working sets, tick and counters (undefined under every other policy). */
  nt: NtPagingState | undefined = undefined
  /**
   * Bumped whenever an address space is created or deleted and on every restore: a CPU that
   * looked up its process's CR3 keeps it while this is unchanged (VirtualMemoryManager.spaceGeneration).
   */
  spaceGeneration = 0

  constructor(options: { frameCount: number; pageFileSlots: number }) {
    this.pfn = new PfnDatabase(options.frameCount)
    this.pageFile = new PageFile(options.pageFileSlots)
    this.commit = { charge: 0, peak: 0, limit: options.frameCount + options.pageFileSlots }
  }

  /** The address space `pid`, or undefined. */
  space(pid: number): AddressSpaceState | undefined {
    return this.spaces.get(pid)
  }

  /**
   * A copy of the state that `restore` brings back (areas and regions are persistent, so shared;
   * the spaces' records copied, their working-set counters changing in place).
   */
  checkpoint(): MmStateCheckpoint {
    return {
      spaces: copySpaces(this.spaces),
      commit: this.commit,
      counters: { ...this.counters },
      pfn: this.pfn.checkpoint(),
      pageFile: this.pageFile.checkpoint(),
      segments: [...this.segments.values()].map((segment) => segment.checkpoint()),
      nextSegmentId: this.nextSegmentId,
      volume: this.volume.checkpoint(),
      sectionCounters: { ...this.sectionCounters },
      ...(this.nt === undefined ? {} : { nt: this.nt.checkpoint() }),
    }
  }

  /** Brings the state back to a `checkpoint`. */
  restore(checkpoint: MmStateCheckpoint): void {
    this.spaces = copySpaces(checkpoint.spaces)
    this.spaceGeneration++
    this.commit = checkpoint.commit
    this.counters = { ...checkpoint.counters }
    this.pfn.restore(checkpoint.pfn)
    this.pageFile.restore(checkpoint.pageFile)
    this.segments = new Map(checkpoint.segments.map((segment) => [segment.id, SegmentState.restore(segment)]))
    this.nextSegmentId = checkpoint.nextSegmentId
    this.volume.restore(checkpoint.volume)
    this.sectionCounters = { ...checkpoint.sectionCounters }
    if (this.nt !== undefined && checkpoint.nt !== undefined) this.nt.restore(checkpoint.nt)
  }

  /** The segment `id`, or undefined. */
  segment(id: number): SegmentState | undefined {
    return this.segments.get(id)
  }

  /** A stable text of everything events determine (the digest hashes it). */
  digestInput(): string {
    const parts: string[] = []
    const pids = [...this.spaces.keys()].sort((a, b) => a - b)
    for (const pid of pids) {
      const space = this.spaces.get(pid)!
      parts.push(
        `S${pid}:${space.directoryPfn}:${space.commitCharge}:${space.commitChargePeak}:${space.workingSetSize}:${space.workingSetPeak}`,
      )
      for (const area of space.tree.areas()) {
        parts.push(
          `A${area.startingAddress}-${area.endingAddress}:${area.type}:${area.protect}:${area.deleteInProgress ? 1 : 0}`,
        )
        if (area.view !== undefined)
          parts.push(`W${area.view.segmentId}+${area.view.offsetPages}:${area.view.copyOnWriteCharge}`)
        for (const region of regionsOf(area.regions))
          parts.push(`R${region.start}+${region.length}:${region.type}:${region.protect}`)
      }
    }
    parts.push(`C${this.commit.charge}:${this.commit.peak}:${this.commit.limit}`)
    parts.push(`N${Object.values(this.counters).join(':')}`)
    parts.push(`P${this.pfn.digestInput()}`)
    parts.push(`F${this.pageFile.digestInput()}`)
    // Sections add their parts only once used, so other machines keep the digests they had.
    if (this.nextSegmentId !== 1) {
      parts.push(`g${this.nextSegmentId}`)
      for (const id of [...this.segments.keys()].sort((a, b) => a - b))
        parts.push(this.segments.get(id)!.digestInput())
    }
    const volume = this.volume.digestInput()
    if (volume !== '') parts.push(`V${volume}`)
    const sections = Object.values(this.sectionCounters)
    if (sections.some((count) => count !== 0)) parts.push(`n${sections.join(':')}`)
    if (this.nt !== undefined) parts.push(`T${this.nt.digestInput()}`)
    return parts.join('|')
  }
}

/** FNV-1a over a string, as 8 hex digits (stable across runs and platforms). */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, '0')
}
