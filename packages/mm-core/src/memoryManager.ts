// The memory manager facade: VirtualMemoryManager (address spaces, private memory, faults, time
// travel; virtualMemoryManager.ts) plus what sections need (issue #20, NT-SECTIONS.md): the
// volume's files (fileData.ts), segments (sectionSegments.ts: pagefile, a file's data segment,
// images), views (mapViewOfSection.ts) and the mapped page writer on demand
// (flushVirtualMemory.ts). Section objects, handles and the services' parameter rules are
// nt-syscalls'; these methods take validated, rounded arguments and return a status, never throwing
// for a caller's mistake. A view's protection changes and commits go through `alterRegion`, its
// queries through `queryAddress`, its faults through the MMU as for any memory.

import type { AddressSpace } from './addressSpace.js'
import { mmCreateFile, mmSetFileSize, mmWriteFile, readFile } from './fileData.js'
import { type FlushViewResult, mmFlushVirtualMemory } from './flushVirtualMemory.js'
import {
  type MapViewOptions,
  type MapViewResult,
  mmMapViewOfSection,
  mmUnmapViewOfSection,
} from './mapViewOfSection.js'
import type { MemoryArea } from './memoryArea.js'
import {
  type WorkingSetBlock,
  type WorkingSetExInformation,
  queryWorkingSet,
  queryWorkingSetEx,
} from './queryWorkingSet.js'
import type { SectionCounters } from './mmState.js'
import { type PrototypeEntryKindName, prototypeEntryKindName } from './prototypeEntries.js'
import {
  type ImageLayout,
  type SegmentResult,
  mmCommitSegmentPages,
  mmCreateImageSegment,
  mmCreatePagefileSegment,
  mmDereferenceSegment,
  mmExtendSegment,
  mmOpenDataSegment,
  mmReferenceSegment,
} from './sectionSegments.js'
import type { SegmentKind, ViewReference } from './segment.js'
import { VirtualMemoryManager } from './virtualMemoryManager.js'
import { balanceSetTick, countReferences, ReferenceCounter } from './ntBalanceSet.js'
import {
  type MemoryListInformation,
  type ProcessWorkingSetInformation,
  type SystemPagingCounters,
  type WorkingSetEntry,
  memoryListInformation,
  processWorkingSetInformation,
  systemPagingCounters,
  workingSetEntries,
} from './ntPagingInformation.js'
import type { NtPagingConfig } from './ntPagingOptions.js'
import {
  type NtServiceStatus,
  type WorkingSetLimits,
  lockPages,
  memoryListCommand,
  setPagePriority,
  setWorkingSetLimits,
  unlockPages,
} from './ntWorkingSetServices.js'

export { MINIMUM_RAM_PAGES, type MemoryManagerOptions, areaPages } from './virtualMemoryManager.js'

/** A segment as inspection sees it (NtQuerySection's and the explorer's view of SEGMENT + CONTROL_AREA). */
export interface SegmentInfo {
  readonly id: number
  readonly kind: SegmentKind
  /** The file of a data or image segment; -1 for a pagefile segment. */
  readonly fileId: number
  /** Bytes (a data segment's exact size; pages × 4096 otherwise). */
  readonly sizeBytes: number
  readonly pageCount: number
  /** Pages not RESERVED (a pagefile segment's commit charge). */
  readonly committedPages: number
  /** NumberOfMappedViews. */
  readonly mappedViews: number
  /** NumberOfSectionReferences. */
  readonly sectionReferences: number
  /** The views, by process and base. */
  readonly views: readonly ViewReference[]
  /** An image's per-page Win32 protections. */
  readonly protections?: readonly number[]
}

/** The NT memory manager over one simulated machine, with files, sections and views. */
export class MemoryManager extends VirtualMemoryManager {
  // ---- files: the volume's bytes (fileData.ts) ------------------------------------------------

  /** Create an empty file on the volume; its id is the memory manager's (names are nt-syscalls'). */
  createFile(): { readonly fileId: number } {
    return mmCreateFile(this.core)
  }

  /** The size of a file in bytes, or undefined for an unknown file. */
  fileSize(fileId: number): number | undefined {
    return this.state.volume.file(fileId)?.size
  }

  /**
   * Set a file's size: an extension reads zero; a truncation drops the bytes past the end, also from
   * the resident pages of its data segment (a view then reads zero past the end). STATUS_INVALID_PARAMETER
   * for an unknown file or a bad size.
   */
  setFileSize(fileId: number, bytes: number): { readonly status: number } {
    return mmSetFileSize(this.core, fileId, bytes)
  }

  /**
   * Up to `length` bytes of a file from `offset` (none at or past its end), coherent with views:
   * pages resident in its data segment are read from their frames. Side-effect free; undefined for
   * an unknown file.
   */
  readFile(fileId: number, offset: number, length: number): Uint8Array | undefined {
    return readFile(this.core, fileId, offset, length)
  }

  /**
   * Write `bytes` at `offset` of a file, extending it when the write ends past its end: through the
   * resident pages of its data segment (every view sees the write at once), else to the stored
   * bytes. STATUS_INVALID_PARAMETER for an unknown file or a bad offset.
   */
  writeFile(fileId: number, offset: number, bytes: Uint8Array): { readonly status: number } {
    return mmWriteFile(this.core, fileId, offset, bytes)
  }

  // ---- segments (sectionSegments.ts) ------------------------------------------------------------

  /**
   * A pagefile-backed segment (a section without a file) of `pages` pages, with one section
   * reference: SEC_COMMIT (`commit`) charges every page now (STATUS_COMMITMENT_LIMIT past the
   * limit), SEC_RESERVE leaves them reserved.
   */
  createSegment(options: {
    readonly kind: 'pagefile'
    readonly pages: number
    readonly commit: boolean
  }): SegmentResult {
    return mmCreatePagefileSegment(this.core, options)
  }

  /**
   * The data segment of a file, with one more section reference: the one every data section of the
   * file shares, created sized to the file when it has none. STATUS_INVALID_PARAMETER for an unknown file.
   */
  openDataSegment(fileId: number): SegmentResult {
    return mmOpenDataSegment(this.core, fileId)
  }

  /** The id of a file's data segment, or undefined when it has none (side-effect free). */
  dataSegmentOf(fileId: number): number | undefined {
    const id = this.state.volume.file(fileId)?.dataSegmentId
    return id === undefined || id < 0 ? undefined : id
  }

  /**
   * An image segment (SEC_IMAGE) for file `fileId`, with one section reference: the laid-out pages,
   * copied now (later file writes do not reach it), and each page's protection.
   * STATUS_INVALID_PARAMETER for an inconsistent layout.
   */
  createImageSegment(options: { readonly fileId: number; readonly layout: ImageLayout }): SegmentResult {
    return mmCreateImageSegment(this.core, options)
  }

  /**
   * Grow a data segment to `bytes` (NtExtendSection; a larger data section): new pages are the file's.
   * STATUS_INVALID_PARAMETER for pagefile and image segments (NtExtendSection's
   * STATUS_SECTION_NOT_EXTENDED is the caller's).
   */
  extendSegment(segmentId: number, bytes: number): { readonly status: number } {
    return mmExtendSegment(this.core, segmentId, bytes)
  }

  /** One more section object refers to the segment (NumberOfSectionReferences + 1). */
  referenceSegment(segmentId: number): { readonly status: number } {
    return mmReferenceSegment(this.core, segmentId)
  }

  /**
   * A section object lets go of the segment; with no reference and no view left the segment is
   * deleted (dirty file pages written first, pagefile contents discarded, frames and slots freed,
   * its commit charge returned). STATUS_INVALID_PARAMETER when it holds no reference.
   */
  dereferenceSegment(segmentId: number): { readonly status: number } {
    return mmDereferenceSegment(this.core, segmentId)
  }

  /**
   * Commit pages [firstPage, firstPage + pageCount) of a SEC_RESERVE segment in the segment (every
   * view sees them committed), charging the newly committed ones (STATUS_COMMITMENT_LIMIT past the limit).
   */
  commitSegmentPages(segmentId: number, firstPage: number, pageCount: number): { readonly status: number } {
    return mmCommitSegmentPages(this.core, segmentId, firstPage, pageCount)
  }

  /** A segment as inspection sees it, or undefined when it does not exist. */
  segmentInfo(segmentId: number): SegmentInfo | undefined {
    const segment = this.state.segments.get(segmentId)
    if (segment === undefined) return undefined
    return {
      id: segment.id,
      kind: segment.kind,
      fileId: segment.fileId,
      sizeBytes: segment.sizeBytes,
      pageCount: segment.pageCount,
      committedPages: segment.committedPages,
      mappedViews: segment.mappedViews,
      sectionReferences: segment.sectionReferences,
      views: segment.views,
      ...(segment.protections === undefined ? {} : { protections: segment.protections }),
    }
  }

  /** The prototype entry of page `page` of a segment (inspection), or undefined outside it. */
  prototypeEntry(
    segmentId: number,
    page: number,
  ): { readonly kind: PrototypeEntryKindName; readonly value: number } | undefined {
    const segment = this.state.segments.get(segmentId)
    if (segment === undefined || !Number.isInteger(page) || page < 0 || page >= segment.pageCount)
      return undefined
    return {
      kind: prototypeEntryKindName(segment.entries.kindOf(page)),
      value: segment.entries.valueOf(page),
    }
  }

  /** Ids of the segments that exist, ascending. */
  segmentIds(): number[] {
    return [...this.state.segments.keys()].sort((a, b) => a - b)
  }

  // ---- views (mapViewOfSection.ts, flushVirtualMemory.ts) --------------------------------------

  /**
   * MmMapViewOfSection: a view of `pages` pages of a segment from `offsetPages`, at a fixed base or in
   * the lowest (top-down: highest) 64 KiB-aligned hole; its pages are touched on demand. A
   * WRITECOPY / EXECUTE_WRITECOPY view and an image view charge their size to the process. Fails
   * with STATUS_INVALID_VIEW_SIZE, STATUS_INVALID_PAGE_PROTECTION, STATUS_CONFLICTING_ADDRESSES,
   * STATUS_NO_MEMORY or STATUS_COMMITMENT_LIMIT, nothing changed.
   */
  mapView(space: AddressSpace, options: MapViewOptions): MapViewResult {
    return mmMapViewOfSection(this.core, space, options)
  }

  /**
   * MmUnmapViewOfSection: unmap the whole view (shared pages lose a share, private copies are
   * freed, the copy-on-write charge is returned; the segment is deleted when nothing refers to it).
   * STATUS_NOT_MAPPED_VIEW when `area` is not a view of `space`.
   */
  unmapView(space: AddressSpace, area: MemoryArea): { readonly status: number } {
    return mmUnmapViewOfSection(this.core, space, area)
  }

  /**
   * NtFlushVirtualMemory's page side: the mapped page writer, now, for the dirty shared pages of the
   * view containing `start` in [start, start + length) (page rounded; 0: to the view's end).
   * STATUS_NOT_MAPPED_VIEW when `start` is in no view.
   */
  flushView(space: AddressSpace, start: number, length: number): FlushViewResult {
    return mmFlushVirtualMemory(this.core, space, start, length)
  }

  // ---- physical memory under the 'nt' policy (ntBalanceSet.ts, ntWorkingSetServices.ts) --------

  /**
   * An explicit balance-set tick (the working-set manager, the modified page writer, the zero page
   * thread): its number, or 0 when the policy is not 'nt'.
   */
  balanceSetTick(): number {
    return this.state.nt === undefined ? 0 : balanceSetTick(this.core, 'explicit')
  }

  /**
   * Count `count` CPU references toward the next tick ('nt' with tickEvery > 0): runs the ticks
   * that fall due and returns how many ran. No effect under other policies.
   */
  countReferences(count = 1): number {
    return this.state.nt === undefined ? 0 : countReferences(this.core, count)
  }

  /**
   * The counter a CPU calls once per reference ({@link ReferenceCounter.count}: countReferences(1)
   * without the policy lookups, so a reference that ticks nothing costs an increment and a
   * compare); undefined when references tick nothing (another policy, or tickEvery 0).
   */
  referenceCounter(): ReferenceCounter | undefined {
    const nt = this.state.nt
    return nt === undefined || nt.config.tickEvery === 0 ? undefined : new ReferenceCounter(this.core)
  }

  /**
   * Replay of a recorded trace: `count` recorded CPU references counted toward the next tick
   * without running it (the tick's own recorded events follow). No effect under other policies
   * or with tickEvery 0.
   */
  applyRecordedReferences(count = 1): void {
    const nt = this.state.nt
    if (nt !== undefined && nt.config.tickEvery !== 0) nt.referencesSinceTick += count
  }

  /** The 'nt' policy: CPU references counted toward the next tick (0 under other policies). */
  get referencesSinceTick(): number {
    return this.state.nt?.referencesSinceTick ?? 0
  }

  /** SetProcessWorkingSetSizeEx's memory-manager side, in pages ({@link WorkingSetLimits}). */
  setWorkingSetLimits(pid: number, limits: WorkingSetLimits): NtServiceStatus {
    return setWorkingSetLimits(this.core, pid, limits)
  }

  /** EmptyWorkingSet: every unlocked page of `pid` leaves its working set now. */
  emptyWorkingSet(pid: number): NtServiceStatus {
    return setWorkingSetLimits(this.core, pid, { minimum: -1, maximum: -1 })
  }

  /** ProcessPagePriority (0-7): the standby sub-list `pid`'s pages go to. */
  setPagePriority(pid: number, priority: number): NtServiceStatus {
    return setPagePriority(this.core, pid, priority)
  }

  /**
   * NtLockVirtualMemory's memory-manager side: lock the resident pages `addresses` (page aligned)
   * of `pid` in its working set (STATUS_INVALID_PARAMETER when one is not resident,
   * STATUS_WORKING_SET_QUOTA past the minimum less an overhead).
   */
  lockPages(pid: number, addresses: readonly number[]): NtServiceStatus {
    return lockPages(this.core, pid, addresses)
  }

  /** NtUnlockVirtualMemory's memory-manager side (STATUS_NOT_LOCKED when a page is not locked). */
  unlockPages(pid: number, addresses: readonly number[]): NtServiceStatus {
    return unlockPages(this.core, pid, addresses)
  }

  /** NtSetSystemInformation(SystemMemoryListInformation, command) with RAMMap's commands (2-5). */
  memoryListCommand(command: number): NtServiceStatus {
    return memoryListCommand(this.core, command)
  }

  /** SYSTEM_PERFORMANCE_INFORMATION's paging counters. */
  get systemPagingCounters(): SystemPagingCounters {
    return systemPagingCounters(this.core)
  }

  /** SYSTEM_MEMORY_LIST_INFORMATION: the PFN lists by priority. */
  get memoryListInformation(): MemoryListInformation {
    return memoryListInformation(this.core)
  }

  /** VM_COUNTERS_EX and the working-set parameters of `pid`, or undefined for an unknown process. */
  processWorkingSet(pid: number): ProcessWorkingSetInformation | undefined {
    return processWorkingSetInformation(this.core, pid)
  }

  /**
   * The entries of `pid`'s working set (private pages, oldest resident first) with their age,
   * priority, lock and modified state; undefined for an unknown process. Side-effect free.
   */
  workingSetEntries(pid: number): WorkingSetEntry[] | undefined {
    return workingSetEntries(this.core, pid)
  }

  /**
   * NtQueryVirtualMemory(MemoryWorkingSetExInformation): each address's page as
   * MEMORY_WORKING_SET_EX_INFORMATION (queryWorkingSet.ts). Side-effect free; any policy.
   */
  queryWorkingSetEx(pid: number, addresses: readonly number[]): WorkingSetExInformation[] {
    return queryWorkingSetEx(this.core, pid, addresses)
  }

  /** NtQueryVirtualMemory(MemoryWorkingSetInformation): the entries of `pid`'s working set. Side-effect free. */
  queryWorkingSet(pid: number): WorkingSetBlock[] {
    return queryWorkingSet(this.core, pid)
  }

  /** The 'nt' configuration in force (defaults applied), or undefined under another policy. */
  get ntConfig(): NtPagingConfig | undefined {
    return this.state.nt?.config
  }

  /** The number of the last balance-set tick (0: none yet); undefined when the policy is not 'nt'. */
  get lastBalanceSetTick(): number | undefined {
    return this.state.nt?.tick
  }

  /** Copy-on-write faults, mapped pages written and read (kept apart from {@link MemoryManager.counters}). */
  get sectionCounters(): Readonly<SectionCounters> {
    return { ...this.state.sectionCounters }
  }
}
