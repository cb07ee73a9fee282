// OBJECT_HEADER: what the object manager keeps for every object: its type, its pointer count
// (every reference, including one per handle, as in NT) and its handle count, and the body of the
// object (EPROCESS / ETHREAD / FILE_OBJECT / SECTION reduced to what the simulator needs).

import type { SectionImageInfo } from './peImage.js'

/** The object types (OBJECT_TYPE): PsProcessType, PsThreadType, IoFileObjectType, MmSectionObjectType. */
export type ObjectTypeName = 'Process' | 'Thread' | 'File' | 'Section'

/** The body of a process object (EPROCESS, reduced). */
export interface ProcessBody {
  readonly kind: 'Process'
  readonly pid: number
  readonly name: string
  /** Set when the process exited (its address space is gone; VmDeleted). */
  readonly exited: boolean
}

/** The body of a thread object (ETHREAD, reduced): each process has one thread today. */
export interface ThreadBody {
  readonly kind: 'Thread'
  readonly tid: number
  readonly pid: number
}

/**
 * The body of a file object (FILE_OBJECT, reduced): the volume's file it opened, by the name it was
 * opened with, the data access it was opened for and the share access it allows others (the
 * file's SHARE_ACCESS is the union over its open file objects).
 */
export interface FileBody {
  readonly kind: 'File'
  /** The file on mm-core's volume. */
  readonly fileId: number
  /** The NT path (`\??\C:\data.bin`), as the file's first creation spelled it. */
  readonly name: string
  /** FILE_READ_DATA / FILE_WRITE_DATA / FILE_EXECUTE bits granted to this open (share checks). */
  readonly dataAccess: number
  /** FILE_SHARE_* this open allows others. */
  readonly shareAccess: number
}

/**
 * The body of a section object (SECTION, reduced): its segment on mm-core's side, the size
 * NtQuerySection reports, the attributes it reports (SEC_FILE for a data section of a file), the
 * page protection it was created with, the file it maps (-1: pagefile-backed) and its name in
 * `\BaseNamedObjects` (null: unnamed).
 */
export interface SectionBody {
  readonly kind: 'Section'
  readonly segmentId: number
  readonly size: number
  readonly attributes: number
  readonly protection: number
  readonly fileId: number
  readonly name: string | null
  /** What an image section (SEC_IMAGE) keeps of its PE headers; absent for data sections. */
  readonly image?: SectionImage
}

/** An image section's facts, read once at NtCreateSection (NT-SECTIONS §15.1, §15.4, §15.5). */
export interface SectionImage {
  /** What NtQuerySection(SectionImageInformation) returns. */
  readonly information: SectionImageInfo
  /** OptionalHeader.ImageBase: where NtMapViewOfSection tries first. */
  readonly imageBase: number
  /** ROUND_UP(SizeOfImage, 4096): every image view's size. */
  readonly viewSize: number
  /** IMAGE_FILE_RELOCS_STRIPPED clear: the image may be mapped away from its base. */
  readonly relocatable: boolean
}

/** An object body, by type. */
export type ObjectBody = ProcessBody | ThreadBody | FileBody | SectionBody

/** A read-only view of an object's header. */
export interface ObjectHeader {
  readonly id: number
  readonly type: ObjectTypeName
  /** References of every kind, one per handle included; the object is deleted at zero. */
  readonly pointerCount: number
  readonly handleCount: number
  readonly body: ObjectBody
}
