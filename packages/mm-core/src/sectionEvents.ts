// The memory manager's events for sections (issue #20): files' bytes, segments and their prototype
// entries, views, shared frames, copy-on-write and the mapped page writer, with the function that
// applies them (called by applyMmEvent, events.ts). Like every mm event they are plain JSON data
// carrying the old values beside the new ones, and the live code changes section state only by
// emitting them (MmCore.emit). Frame contents move through hw events (page-ins, copies, zeroing);
// the events here say what the memory manager's structures became.

import type { FrameStore } from '@ntmm/hw-mmu'
import { assert } from './assert.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { WorkingSetTrimReason } from './ntEvents.js'
import type { MmState } from './mmState.js'
import { PfnState } from './pfnDatabase.js'
import { type PfnRecord, setPfn } from './pfnRecord.js'
import { PrototypeEntryKind, type PrototypeEntryKindName } from './prototypeEntries.js'
import { type SegmentRecord, SegmentState } from './segment.js'

/** A file was created on the volume, empty. */
export interface MmFileCreated {
  readonly type: 'mm.fileCreated'
  readonly fileId: number
}

/** A file's size was set: extended (the new bytes read zero) or truncated (stored bytes past it dropped). */
export interface MmFileSizeSet {
  readonly type: 'mm.fileSizeSet'
  readonly fileId: number
  readonly size: number
  readonly previousSize: number
}

/** Bytes stored in a file where its pages were not resident (a file write, or an image's layout). */
export interface MmFileWritten {
  readonly type: 'mm.fileWritten'
  readonly fileId: number
  readonly offset: number
  readonly bytes: readonly number[]
  readonly previousBytes: readonly number[]
}

/** A segment was created (its whole initial state; a data segment becomes its file's). */
export interface MmSegmentCreated {
  readonly type: 'mm.segmentCreated'
  readonly segment: SegmentRecord
}

/** A file segment grew (NtExtendSection, or a data section larger than the segment): new pages are FILE. */
export interface MmSegmentExtended {
  readonly type: 'mm.segmentExtended'
  readonly segmentId: number
  readonly sizeBytes: number
  readonly pageCount: number
  readonly previousSizeBytes: number
  readonly previousPageCount: number
}

/** A section object took (or dropped) its reference on a segment (NumberOfSectionReferences). */
export interface MmSegmentReferenced {
  readonly type: 'mm.segmentReferenced'
  readonly segmentId: number
  readonly sectionReferences: number
  readonly previous: number
}

/** A segment was deleted (no view and no section object left), with its final state for undo. */
export interface MmSegmentDeleted {
  readonly type: 'mm.segmentDeleted'
  readonly segment: SegmentRecord
  readonly cause: 'last section reference dropped' | 'last view unmapped'
}

/** A prototype entry changed state (see prototypeEntries.ts). */
export interface MmPrototypeEntryChanged {
  readonly type: 'mm.prototypeEntryChanged'
  readonly segmentId: number
  readonly page: number
  readonly kind: PrototypeEntryKindName
  readonly value: number
  readonly previousKind: PrototypeEntryKindName
  readonly previousValue: number
}

/** A view of a segment was mapped in process `pid` at `start` (NumberOfMappedViews after and before). */
export interface MmViewMapped {
  readonly type: 'mm.viewMapped'
  readonly segmentId: number
  readonly pid: number
  readonly start: number
  readonly mappedViews: number
  readonly previous: number
}

/** A view of a segment was unmapped. */
export interface MmViewUnmapped {
  readonly type: 'mm.viewUnmapped'
  readonly segmentId: number
  readonly pid: number
  readonly start: number
  readonly mappedViews: number
  readonly previous: number
}

/** The commit a view holds for its copy-on-write pages changed (a WRITECOPY protection given later). */
export interface MmViewChargeSet {
  readonly type: 'mm.viewChargeSet'
  readonly pid: number
  readonly start: number
  readonly pages: number
  readonly previous: number
}

/**
 * A write to a WRITECOPY page made a private copy for process `pid`: its PTE now maps the private
 * frame (`protectMask`: READWRITE or EXECUTE_READWRITE) instead of the shared one, which lost one
 * share (the old PTE's dirty bit folded into its PFN). The frame request, the bytes copied, the
 * region split and, for the last share, the shared frame leaving memory are their own events.
 */
export interface MmCopyOnWrite {
  readonly type: 'mm.copyOnWrite'
  readonly pid: number
  readonly address: number
  readonly segmentId: number
  readonly page: number
  readonly sharedPfn: number
  readonly privatePfn: number
  readonly protectMask: number
  readonly shared: { readonly before: PfnRecord; readonly after: PfnRecord }
  readonly private: { readonly before: PfnRecord; readonly after: PfnRecord }
}

/** A resident section page's frame was written outside any PTE (a file write through the data segment). */
export interface MmPageModified {
  readonly type: 'mm.pageModified'
  readonly pfn: number
  readonly before: PfnRecord
  readonly after: PfnRecord
}

/**
 * A section page's frame left memory because no process maps it any more: dirty to the modified
 * list, clean to standby (its prototype entry becomes TRANSITION), or, a pagefile page never
 * written, dropped (freed; its entry DEMAND_ZERO again).
 */
export interface MmSharedPageOut {
  readonly type: 'mm.sharedPageOut'
  readonly pfn: number
  readonly segmentId: number
  readonly page: number
  readonly outcome: 'modified' | 'standby' | 'dropped'
  readonly before: PfnRecord
  readonly after: PfnRecord
  /**
   * 'nt': the balance-set tick and the reason of the working-set trim that removed the page's
   * last entry (absent when the last mapping went for another reason: unmap, protection, COW).
   */
  readonly tick?: number
  readonly reason?: WorkingSetTrimReason
}

/** The mapped page writer wrote a dirty file page to its file (`length` bytes: up to the end of the file). */
export interface MmMappedPageWritten {
  readonly type: 'mm.mappedPageWritten'
  readonly pfn: number
  readonly segmentId: number
  readonly page: number
  readonly fileId: number
  readonly offset: number
  readonly length: number
  readonly before: PfnRecord
  readonly after: PfnRecord
  readonly cause: 'modified page writer' | 'flush' | 'segment deleted'
}

/** A hard fault read a data or image page from its backing file into `pfn` (the bytes are hw events). */
export interface MmMappedPageRead {
  readonly type: 'mm.mappedPageRead'
  readonly pid: number
  readonly address: number
  readonly pfn: number
  readonly segmentId: number
  readonly page: number
}

/** Every section event. */
export type MmSectionEvent =
  | MmFileCreated
  | MmFileSizeSet
  | MmFileWritten
  | MmSegmentCreated
  | MmSegmentExtended
  | MmSegmentReferenced
  | MmSegmentDeleted
  | MmPrototypeEntryChanged
  | MmViewMapped
  | MmViewUnmapped
  | MmViewChargeSet
  | MmCopyOnWrite
  | MmPageModified
  | MmSharedPageOut
  | MmMappedPageWritten
  | MmMappedPageRead

/** The type strings of the section events (in the order a trace schema should append them). */
export const SECTION_EVENT_TYPES = [
  'mm.fileCreated',
  'mm.fileSizeSet',
  'mm.fileWritten',
  'mm.segmentCreated',
  'mm.segmentExtended',
  'mm.segmentReferenced',
  'mm.segmentDeleted',
  'mm.prototypeEntryChanged',
  'mm.viewMapped',
  'mm.viewUnmapped',
  'mm.viewChargeSet',
  'mm.copyOnWrite',
  'mm.pageModified',
  'mm.sharedPageOut',
  'mm.mappedPageWritten',
  'mm.mappedPageRead',
] as const satisfies readonly MmSectionEvent['type'][]

function segmentOf(state: MmState, id: number): SegmentState {
  const segment = state.segments.get(id)
  assert(segment !== undefined, () => `mm event for unknown segment ${id}`)
  return segment
}

/**
 * mm.copyOnWrite from its fields (the copy-on-write fault without a recorder: sectionViewFault.ts):
 * what its case below applies, setPfn of both `after` records and the count. The shared frame
 * keeps its state and owner, takes `sharedModified` and loses one share; the private copy becomes
 * an ACTIVE page of (`pid`, `va`), modified, with no page-file copy.
 */
export function applyCopyOnWrite(
  state: MmState,
  shared: number,
  sharedModified: boolean,
  copy: number,
  pid: number,
  va: number,
  protectMask: number,
): void {
  const pfnDb = state.pfn
  pfnDb.setOwnerFields(
    shared,
    pfnDb.ownerPid[shared]!,
    pfnDb.ownerAddress[shared]!,
    pfnDb.protectMask[shared]!,
    pfnDb.pageFileSlot[shared]!,
    sharedModified,
    pfnDb.segmentId[shared]!,
    pfnDb.shareCount[shared]! - 1,
  )
  if (pfnDb.state[copy] !== PfnState.ACTIVE) pfnDb.setState(copy, 'ACTIVE')
  pfnDb.setOwnerFields(copy, pid, va, protectMask, -1, true, -1, 0)
  state.sectionCounters.copyOnWriteFaults++
}

/** Apply one section event to `state` (applyMmEvent's share; `frames` for the mapped page writer). */
export function applySectionEvent(state: MmState, event: MmSectionEvent, frames: FrameStore): void {
  switch (event.type) {
    case 'mm.fileCreated':
      state.volume.create(event.fileId)
      return
    case 'mm.fileSizeSet':
      state.volume.setSize(event.fileId, event.size)
      return
    case 'mm.fileWritten':
      state.volume.writeStored(event.fileId, event.offset, event.bytes)
      return
    case 'mm.segmentCreated': {
      const record = event.segment
      assert(!state.segments.has(record.id), () => `segment ${record.id} created twice`)
      state.segments.set(record.id, SegmentState.fromRecord(record))
      state.nextSegmentId = Math.max(state.nextSegmentId, record.id + 1)
      if (record.kind === 'file') state.volume.setDataSegment(record.fileId, record.id)
      return
    }
    case 'mm.segmentExtended': {
      const segment = segmentOf(state, event.segmentId)
      segment.entries.grow(event.pageCount, PrototypeEntryKind.FILE)
      segment.committedPages += event.pageCount - event.previousPageCount
      segment.sizeBytes = event.sizeBytes
      return
    }
    case 'mm.segmentReferenced':
      segmentOf(state, event.segmentId).sectionReferences = event.sectionReferences
      return
    case 'mm.segmentDeleted': {
      const record = event.segment
      state.segments.delete(record.id)
      const file = record.kind === 'file' ? state.volume.file(record.fileId) : undefined
      if (file !== undefined && file.dataSegmentId === record.id) state.volume.setDataSegment(file.id, -1)
      return
    }
    case 'mm.prototypeEntryChanged': {
      const segment = segmentOf(state, event.segmentId)
      const kind = PrototypeEntryKind[event.kind]
      const wasReserved = event.previousKind === 'RESERVED'
      if (wasReserved !== (kind === PrototypeEntryKind.RESERVED))
        segment.committedPages += wasReserved ? 1 : -1
      segment.entries.set(event.page, kind, event.value)
      return
    }
    case 'mm.viewMapped': {
      const segment = segmentOf(state, event.segmentId)
      segment.mappedViews = event.mappedViews
      segment.views = [...segment.views, { pid: event.pid, start: event.start }]
      return
    }
    case 'mm.viewUnmapped': {
      const segment = segmentOf(state, event.segmentId)
      segment.mappedViews = event.mappedViews
      segment.views = segment.views.filter((view) => view.pid !== event.pid || view.start !== event.start)
      return
    }
    case 'mm.viewChargeSet': {
      const space = state.spaces.get(event.pid)
      const area = space?.tree.locate(event.start)
      assert(space !== undefined && area?.view !== undefined, 'mm.viewChargeSet: no view')
      const view = { ...area.view, copyOnWriteCharge: event.pages }
      state.spaces.set(event.pid, { ...space, tree: space.tree.replace({ ...area, view }) })
      return
    }
    case 'mm.copyOnWrite':
      // One valid PTE of the process replaced another: its working set does not change.
      setPfn(state, event.sharedPfn, event.shared.after)
      setPfn(state, event.privatePfn, event.private.after)
      state.sectionCounters.copyOnWriteFaults++
      return
    case 'mm.pageModified':
      setPfn(state, event.pfn, event.after)
      return
    case 'mm.sharedPageOut':
      if (event.outcome === 'dropped') state.counters.pagesDropped++
      setPfn(state, event.pfn, event.after)
      return
    case 'mm.mappedPageWritten':
      state.volume.writeStored(
        event.fileId,
        event.offset,
        frames.readBytes(event.pfn * PAGE_SIZE, event.length),
      )
      state.sectionCounters.mappedPagesWritten++
      setPfn(state, event.pfn, event.after)
      return
    case 'mm.mappedPageRead':
      state.sectionCounters.mappedPagesRead++
      return
    default: {
      const unknown: never = event
      throw new TypeError(`unknown mm section event ${JSON.stringify(unknown)}`)
    }
  }
}
