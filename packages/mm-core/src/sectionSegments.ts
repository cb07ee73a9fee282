// Segment lifetime (ReactOS ntoskrnl/mm/ARM3/section.c MiCreatePagingFileMap, MiCheckControlArea,
// MiSegmentDelete; ntoskrnl/mm/section.c MmCreateDataFileSection, MmCreateImageSection,
// MmExtendSection): creating the three kinds of segment, the section objects' references on them,
// committing SEC_RESERVE pages, and deleting a segment once no section object refers to it and no
// view maps it — dirty file pages written to the file first, pagefile contents discarded, frames
// freed, page-file slots released, the commit charge returned.
//
//   kind      created by                          charged
//   pagefile  createSegment (SEC_COMMIT / RESERVE) SEC_COMMIT: every page now; SEC_RESERVE: each
//                                                  page when committed (commitSegmentPages, or
//                                                  MEM_COMMIT inside a view)
//   file      openDataSegment (one per file)       nothing (the file backs it)
//   image     createImageSegment (per creation)    nothing here (its views are charged)
//
// Every create (and openDataSegment of an existing data segment) takes one section reference for
// the caller's section object; dereferenceSegment drops it.

import { assert } from './assert.js'
import { canCharge, chargeCommit } from './commitCharge.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { KERNEL_SPACE_ID } from './mmState.js'
import { STATUS_COMMITMENT_LIMIT, STATUS_INVALID_PARAMETER, STATUS_SUCCESS } from './ntStatus.js'
import { releasePageMemoryConsumer, writeMappedPage } from './pageMemoryConsumer.js'
import { makeProtectionMask } from './protectionMask.js'
import { PrototypeEntryKind, type PrototypeEntryKindName } from './prototypeEntries.js'
import type { SegmentRecord, SegmentState } from './segment.js'
import { setPrototypeEntry } from './sharedPages.js'

/** A segment created or opened, or the status that says why not. */
export type SegmentResult =
  | { readonly status: typeof STATUS_SUCCESS; readonly segmentId: number }
  | { readonly status: number; readonly segmentId?: undefined }

/** The laid-out pages of an image and the Win32 protection of each (NT-SECTIONS §15.2). */
export interface ImageLayout {
  /** Each page's bytes (at most 4096; shorter pages end in zeros). */
  readonly pages: readonly Uint8Array[]
  /** Each page's Win32 protection (PAGE_READONLY for headers, WRITECOPY for writable sections, ...). */
  readonly protections: readonly number[]
}

function isPageCount(pages: number): boolean {
  return Number.isInteger(pages) && pages >= 1 && pages <= 0x7fffffff
}

function created(core: MmCore, record: Omit<SegmentRecord, 'id'>): number {
  const id = core.state.nextSegmentId
  core.emit({ type: 'mm.segmentCreated', segment: { id, ...record } })
  return id
}

/**
 * A pagefile-backed segment of `pages` pages (a section created without a file): SEC_COMMIT
 * (`commit`) commits and charges every page now (STATUS_COMMITMENT_LIMIT, nothing made, past the
 * limit); SEC_RESERVE leaves them reserved. STATUS_INVALID_PARAMETER for a bad page count.
 */
export function mmCreatePagefileSegment(
  core: MmCore,
  options: { readonly pages: number; readonly commit: boolean },
): SegmentResult {
  const { pages, commit } = options
  if (!isPageCount(pages)) return { status: STATUS_INVALID_PARAMETER }
  if (commit && !canCharge(core.state.commit, pages)) return { status: STATUS_COMMITMENT_LIMIT }
  const initial: PrototypeEntryKindName = commit ? 'DEMAND_ZERO' : 'RESERVED'
  const segmentId = created(core, {
    kind: 'pagefile',
    fileId: -1,
    sizeBytes: pages * PAGE_SIZE,
    entries: [[initial, 0, pages]],
    mappedViews: 0,
    sectionReferences: 1,
    views: [],
  })
  if (commit) chargeCommit(core, KERNEL_SPACE_ID, pages)
  return { status: STATUS_SUCCESS, segmentId }
}

/**
 * The data segment of file `fileId` with one more section reference: the existing one (every data
 * section of a file shares it), or a new one sized to the file. STATUS_INVALID_PARAMETER for an
 * unknown file.
 */
export function mmOpenDataSegment(core: MmCore, fileId: number): SegmentResult {
  const file = core.state.volume.file(fileId)
  if (file === undefined) return { status: STATUS_INVALID_PARAMETER }
  if (file.dataSegmentId >= 0) {
    referenceSegment(core, core.state.segments.get(file.dataSegmentId)!, 1)
    return { status: STATUS_SUCCESS, segmentId: file.dataSegmentId }
  }
  const pages = Math.ceil(file.size / PAGE_SIZE)
  const segmentId = created(core, {
    kind: 'file',
    fileId,
    sizeBytes: file.size,
    entries: pages === 0 ? [] : [['FILE', 0, pages]],
    mappedViews: 0,
    sectionReferences: 1,
    views: [],
  })
  return { status: STATUS_SUCCESS, segmentId }
}

/**
 * An image segment for file `fileId`: a copy of the image's laid-out pages taken now (later writes
 * to the file do not reach it, NT-SECTIONS §15.3) and their protections. STATUS_INVALID_PARAMETER
 * when the layout is empty, a page is longer than 4096 bytes, the two lists differ in length or a
 * protection is not valid.
 */
export function mmCreateImageSegment(
  core: MmCore,
  options: { readonly fileId: number; readonly layout: ImageLayout },
): SegmentResult {
  const { pages, protections } = options.layout
  if (
    !isPageCount(pages.length) ||
    protections.length !== pages.length ||
    pages.some((page) => page.length > PAGE_SIZE) ||
    protections.some((protect) => makeProtectionMask(protect) === undefined)
  ) {
    return { status: STATUS_INVALID_PARAMETER }
  }
  const segmentId = created(core, {
    kind: 'image',
    fileId: options.fileId,
    sizeBytes: pages.length * PAGE_SIZE,
    entries: [['FILE', 0, pages.length]],
    mappedViews: 0,
    sectionReferences: 1,
    views: [],
    protections: [...protections],
    imagePages: pages.map((page) => {
      if (!page.some((byte) => byte !== 0)) return null
      const full = new Uint8Array(PAGE_SIZE)
      full.set(page)
      return Array.from(full)
    }),
  })
  return { status: STATUS_SUCCESS, segmentId }
}

/**
 * Grow a data segment to `bytes` (NtExtendSection; a data section larger than the segment): the
 * new pages are the file's. A size not larger changes nothing. STATUS_INVALID_PARAMETER for an
 * unknown segment, a bad size, or a pagefile or image segment (which the caller refuses first,
 * with STATUS_SECTION_NOT_EXTENDED).
 */
export function mmExtendSegment(core: MmCore, segmentId: number, bytes: number): { readonly status: number } {
  const segment = core.state.segments.get(segmentId)
  if (segment === undefined || !Number.isInteger(bytes) || bytes < 0 || bytes > 0x7fffffff * PAGE_SIZE)
    return { status: STATUS_INVALID_PARAMETER }
  if (segment.kind !== 'file') return { status: STATUS_INVALID_PARAMETER }
  if (bytes <= segment.sizeBytes) return { status: STATUS_SUCCESS }
  core.emit({
    type: 'mm.segmentExtended',
    segmentId,
    sizeBytes: bytes,
    pageCount: Math.ceil(bytes / PAGE_SIZE),
    previousSizeBytes: segment.sizeBytes,
    previousPageCount: segment.pageCount,
  })
  return { status: STATUS_SUCCESS }
}

function referenceSegment(core: MmCore, segment: SegmentState, delta: 1 | -1): void {
  core.emit({
    type: 'mm.segmentReferenced',
    segmentId: segment.id,
    sectionReferences: segment.sectionReferences + delta,
    previous: segment.sectionReferences,
  })
}

/** One more section object refers to the segment. STATUS_INVALID_PARAMETER for an unknown segment. */
export function mmReferenceSegment(core: MmCore, segmentId: number): { readonly status: number } {
  const segment = core.state.segments.get(segmentId)
  if (segment === undefined) return { status: STATUS_INVALID_PARAMETER }
  referenceSegment(core, segment, 1)
  return { status: STATUS_SUCCESS }
}

/**
 * A section object lets go of the segment; with no reference and no view left it is deleted
 * (MiCheckControlArea). STATUS_INVALID_PARAMETER for an unknown segment or one with no reference.
 */
export function mmDereferenceSegment(core: MmCore, segmentId: number): { readonly status: number } {
  const segment = core.state.segments.get(segmentId)
  if (segment === undefined || segment.sectionReferences === 0) return { status: STATUS_INVALID_PARAMETER }
  referenceSegment(core, segment, -1)
  deleteSegmentIfUnused(core, segment, 'last section reference dropped')
  return { status: STATUS_SUCCESS }
}

/**
 * Commit pages [firstPage, firstPage + pageCount) of a pagefile segment (SEC_RESERVE): its reserved
 * pages become demand-zero and are charged (STATUS_COMMITMENT_LIMIT, nothing changed, past the
 * limit); committed pages stay as they are. Every page of a file or image segment is committed
 * already. STATUS_INVALID_PARAMETER for an unknown segment or a range outside it.
 */
export function mmCommitSegmentPages(
  core: MmCore,
  segmentId: number,
  firstPage: number,
  pageCount: number,
): { readonly status: number } {
  const segment = core.state.segments.get(segmentId)
  if (
    segment === undefined ||
    !Number.isInteger(firstPage) ||
    !Number.isInteger(pageCount) ||
    firstPage < 0 ||
    pageCount < 0 ||
    firstPage + pageCount > segment.pageCount
  ) {
    return { status: STATUS_INVALID_PARAMETER }
  }
  if (segment.kind !== 'pagefile') return { status: STATUS_SUCCESS }
  const reserved: number[] = []
  for (let page = firstPage; page < firstPage + pageCount; page++)
    if (segment.entries.kindOf(page) === PrototypeEntryKind.RESERVED) reserved.push(page)
  if (!canCharge(core.state.commit, reserved.length)) return { status: STATUS_COMMITMENT_LIMIT }
  for (const page of reserved) setPrototypeEntry(core, segment, page, PrototypeEntryKind.DEMAND_ZERO, 0)
  if (reserved.length > 0) chargeCommit(core, KERNEL_SPACE_ID, reserved.length)
  return { status: STATUS_SUCCESS }
}

/**
 * MiCheckControlArea + MiSegmentDelete: a segment with no section reference and no mapped view is
 * deleted. No page is valid then (no view); a transition page of a data file that is dirty is
 * written to its file, then every frame goes back to the free list and every slot is released,
 * and a pagefile segment's commit charge is returned.
 */
export function deleteSegmentIfUnused(
  core: MmCore,
  segment: SegmentState,
  cause: 'last section reference dropped' | 'last view unmapped',
): void {
  if (segment.sectionReferences > 0 || segment.mappedViews > 0) return
  const held: { page: number; kind: number; value: number }[] = []
  segment.entries.forEachSet((page, kind, value) => {
    if (
      kind === PrototypeEntryKind.TRANSITION ||
      kind === PrototypeEntryKind.PAGE_FILE ||
      kind === PrototypeEntryKind.VALID
    )
      held.push({ page, kind, value })
  })
  const idle = segment.kind === 'pagefile' ? PrototypeEntryKind.DEMAND_ZERO : PrototypeEntryKind.FILE
  for (const { page, kind, value } of held) {
    assert(
      kind !== PrototypeEntryKind.VALID,
      () => `segment ${segment.id} page ${page} is mapped with no view`,
    )
    if (kind === PrototypeEntryKind.TRANSITION) {
      if (segment.kind === 'file' && core.state.pfn.modified[value] === 1)
        writeMappedPage(core, value, 'segment deleted')
      const slot = core.state.pfn.pageFileSlot[value]!
      setPrototypeEntry(core, segment, page, idle, 0)
      if (slot >= 0) core.emit({ type: 'mm.pageFileSlotFreed', slot })
      releasePageMemoryConsumer(core, value)
    } else {
      setPrototypeEntry(core, segment, page, idle, 0)
      core.emit({ type: 'mm.pageFileSlotFreed', slot: value })
    }
  }
  const charged = segment.chargedPages
  if (charged > 0) chargeCommit(core, KERNEL_SPACE_ID, -charged)
  core.emit({ type: 'mm.segmentDeleted', segment: segment.toRecord(), cause })
}
