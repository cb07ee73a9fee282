// A segment: the shared backing store of one or more section objects (NT's SEGMENT + CONTROL_AREA;
// RosMm's MM_SECTION_SEGMENT, ReactOS ntoskrnl/mm/section.c): its kind (pagefile-backed, a file's
// data, or an image's laid-out pages), its size, one prototype entry per page
// (prototypeEntries.ts), how many views map it (NumberOfMappedViews) and how many section objects
// refer to it (NumberOfSectionReferences), and the views themselves (the reverse map that finds
// every process PTE of a shared page, as ReactOS's rmap.c does for a frame). A segment lives while
// either count is non-zero (MiCheckControlArea).
//
//   kind       pages start as      backing store of a page that left memory
//   pagefile   DEMAND_ZERO         the page file (PAGE_FILE slot); SEC_RESERVE pages start RESERVED
//              or RESERVED
//   file       FILE                the file itself (one data segment per file, shared by every data
//                                  section of it and by NtReadFile/NtWriteFile: volume.ts)
//   image      FILE                the image's pages as laid out at creation (a private copy: an
//                                  image view is not coherent with later writes to the file);
//                                  never written back — a page written in place goes to the page file

import {
  PrototypeEntries,
  type PrototypeEntriesCheckpoint,
  PrototypeEntryKind,
  type PrototypeEntryRun,
} from './prototypeEntries.js'

/** What backs a segment. */
export type SegmentKind = 'pagefile' | 'file' | 'image'

/** A view of a segment: the process and the view's base (its MEMORY_AREA holds the rest). */
export interface ViewReference {
  readonly pid: number
  readonly start: number
}

/** A segment as plain data (events carry it whole when a segment is created or deleted). */
export interface SegmentRecord {
  readonly id: number
  readonly kind: SegmentKind
  /** The file of a data or image segment (the file the section was created from); -1 for pagefile. */
  readonly fileId: number
  /** Bytes: the data section's exact size (the last page past it reads zero); pages × 4096 otherwise. */
  readonly sizeBytes: number
  /** The prototype entries as runs of equal entries, in page order. */
  readonly entries: readonly PrototypeEntryRun[]
  readonly mappedViews: number
  readonly sectionReferences: number
  readonly views: readonly ViewReference[]
  /** Image: the Win32 protection of each page of the layout. */
  readonly protections?: readonly number[]
  /** Image: the laid-out bytes of each page (null: all zeros). */
  readonly imagePages?: readonly (readonly number[] | null)[]
}

/** The live state of a segment (changed only by the apply functions of sectionEvents.ts). */
export class SegmentState {
  /** Committed pages (entries that are not RESERVED): what a pagefile segment charges. */
  committedPages: number

  constructor(
    readonly id: number,
    readonly kind: SegmentKind,
    readonly fileId: number,
    public sizeBytes: number,
    public entries: PrototypeEntries,
    public mappedViews: number,
    public sectionReferences: number,
    public views: readonly ViewReference[],
    readonly protections: readonly number[] | undefined,
    readonly imagePages: readonly (Uint8Array | undefined)[] | undefined,
  ) {
    const isReserved = (kind: number) => kind === PrototypeEntryKind.RESERVED
    const pages = entries.pageCount
    let reserved = 0
    for (let page = entries.runEnd(0, pages, (kind) => !isReserved(kind)); page < pages; ) {
      const end = entries.runEnd(page, pages, isReserved)
      reserved += end - page
      page = entries.runEnd(end, pages, (kind) => !isReserved(kind))
    }
    this.committedPages = entries.pageCount - reserved
  }

  /** Pages of the segment. */
  get pageCount(): number {
    return this.entries.pageCount
  }

  /** The commit charge this segment holds: its committed pages if pagefile-backed, else none. */
  get chargedPages(): number {
    return this.kind === 'pagefile' ? this.committedPages : 0
  }

  /** The segment as plain data. */
  toRecord(): SegmentRecord {
    const base = {
      id: this.id,
      kind: this.kind,
      fileId: this.fileId,
      sizeBytes: this.sizeBytes,
      entries: this.entries.runs(),
      mappedViews: this.mappedViews,
      sectionReferences: this.sectionReferences,
      views: this.views,
    }
    if (this.kind !== 'image') return base
    return {
      ...base,
      protections: this.protections ?? [],
      imagePages: (this.imagePages ?? []).map((page) => (page === undefined ? null : Array.from(page))),
    }
  }

  /** The segment a record describes. */
  static fromRecord(record: SegmentRecord): SegmentState {
    const initialKind = record.kind === 'pagefile' ? PrototypeEntryKind.DEMAND_ZERO : PrototypeEntryKind.FILE
    return new SegmentState(
      record.id,
      record.kind,
      record.fileId,
      record.sizeBytes,
      PrototypeEntries.fromRuns(initialKind, record.entries),
      record.mappedViews,
      record.sectionReferences,
      record.views,
      record.protections,
      record.imagePages?.map((page) => (page === null ? undefined : Uint8Array.from(page))),
    )
  }

  /** A frozen copy (the prototype entries copy-on-write; the rest is small or immutable). */
  checkpoint(): SegmentCheckpoint {
    return {
      id: this.id,
      kind: this.kind,
      fileId: this.fileId,
      sizeBytes: this.sizeBytes,
      entries: this.entries.checkpoint(),
      mappedViews: this.mappedViews,
      sectionReferences: this.sectionReferences,
      views: this.views,
      protections: this.protections,
      imagePages: this.imagePages,
    }
  }

  /** The live segment of a checkpoint (which stays valid). */
  static restore(checkpoint: SegmentCheckpoint): SegmentState {
    return new SegmentState(
      checkpoint.id,
      checkpoint.kind,
      checkpoint.fileId,
      checkpoint.sizeBytes,
      PrototypeEntries.restore(checkpoint.entries),
      checkpoint.mappedViews,
      checkpoint.sectionReferences,
      checkpoint.views,
      checkpoint.protections,
      checkpoint.imagePages,
    )
  }

  /** A stable text of the segment (for digests): its fields and every entry that changed. */
  digestInput(): string {
    const parts = [
      `G${this.id}:${this.kind}:${this.fileId}:${this.sizeBytes}:${this.pageCount}:${this.mappedViews}:${this.sectionReferences}:${this.committedPages}`,
      this.views.map((view) => `${view.pid}@${view.start}`).join(';'),
    ]
    this.entries.forEachSet((page, kind, value) => parts.push(`${page}=${kind}:${value}`))
    if (this.protections !== undefined) parts.push(`p${this.protections.join(';')}`)
    return parts.join(',')
  }
}

/** A frozen copy of a segment. */
export interface SegmentCheckpoint {
  readonly id: number
  readonly kind: SegmentKind
  readonly fileId: number
  readonly sizeBytes: number
  readonly entries: PrototypeEntriesCheckpoint
  readonly mappedViews: number
  readonly sectionReferences: number
  readonly views: readonly ViewReference[]
  readonly protections: readonly number[] | undefined
  readonly imagePages: readonly (Uint8Array | undefined)[] | undefined
}
