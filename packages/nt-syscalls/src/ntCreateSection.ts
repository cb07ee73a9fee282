// NtCreateSection and NtOpenSection (ReactOS NtCreateSection / MmCreateSection / MmCreateArm3Section,
// ntoskrnl/mm/section.c and ARM3/section.c; Windows results from NT-SECTIONS §2 and §3): the
// AllocationAttributes and SectionPageProtection checks in their order (§2.1 steps 1 to 5), the
// backing store (a pagefile segment, or the file's data segment: steps 6 and 7), then the name in
// `\BaseNamedObjects` (step 8: an existing name opens that section, STATUS_OBJECT_NAME_EXISTS with
// OBJ_OPENIF, else STATUS_OBJECT_NAME_COLLISION). The section object refers to its segment
// (NumberOfSectionReferences); its deletion lets go of it (kernel.ts's onObjectDeleted).
// SEC_IMAGE (§15.1): the file is parsed as a PE image (peImage.ts) and its laid-out pages become an
// image segment; the section keeps the image's facts (SECTION_IMAGE_INFORMATION, preferred base,
// view size, whether it can be moved) for NtQuerySection and NtMapViewOfSection.

import { ACCESS_SYSTEM_SECURITY, checkAccess, MAXIMUM_ALLOWED, mapGenericMask } from './accessRights.js'
import { captureUlong } from './captureArguments.js'
import { PAGE_READWRITE, PAGE_EXECUTE_READWRITE } from './memoryConstants.js'
import {
  STATUS_ACCESS_DENIED,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_PAGE_PROTECTION,
  STATUS_INVALID_PARAMETER_2,
  STATUS_INVALID_PARAMETER_4,
  STATUS_INVALID_PARAMETER_6,
  STATUS_PRIVILEGE_NOT_HELD,
  STATUS_SUCCESS,
} from './ntStatus.js'
import type { SectionBody, SectionImage } from './objectHeader.js'
import { parsePeImage } from './peImage.js'
import { parseSectionName, readObjectAttributes } from './objectAttributes.js'
import { referenceFile } from './ntReadWriteFile.js'
import {
  FILE_EXECUTE,
  FILE_READ_DATA,
  FILE_WRITE_DATA,
  OBJ_CASE_INSENSITIVE,
  OBJ_OPENIF,
  SEC_BASED,
  SEC_COMMIT,
  SEC_FILE,
  SEC_IMAGE,
  SEC_LARGE_PAGES,
  SEC_NO_CHANGE,
  SEC_NOCACHE,
  SEC_RESERVE,
  SEC_WRITECOMBINE,
  sectionGenericMapping,
  STATUS_INVALID_FILE_FOR_SECTION,
  STATUS_MAPPED_FILE_SIZE_ZERO,
  STATUS_OBJECT_NAME_COLLISION,
  STATUS_OBJECT_NAME_EXISTS,
  STATUS_OBJECT_NAME_INVALID,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_SECTION_TOO_BIG,
} from './sectionConstants.js'
import type { ServiceContext } from './serviceContext.js'

/** The result of NtCreateSection / NtOpenSection: the new handle (0 on failure). */
export interface SectionHandleResult {
  readonly status: number
  readonly handle: number
}

const PAGE = 0x1000
/** The attribute bits NtCreateSection accepts (§2.1 step 1; SEC_LARGE_PAGES is refused: §17). */
const VALID_ATTRIBUTES =
  SEC_COMMIT | SEC_RESERVE | SEC_IMAGE | SEC_NOCACHE | SEC_BASED | SEC_NO_CHANGE | SEC_WRITECOMBINE
/** Windows refuses sections of 2^47 bytes or more (R-API 540). */
const SECTION_SIZE_LIMIT = 2 ** 47
/** The prototype entries mm-core can hold for one segment (0x7FFFFFFF pages). */
const PROTOTYPE_PAGE_LIMIT = 0x7fffffff
/** The largest file of the volume (mm-core's MAXIMUM_FILE_SIZE). */
const MAXIMUM_FILE_SIZE = 2 ** 44

/** The seven valid section protections (§2.1 step 5). */
const SECTION_PROTECTIONS = new Set([0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80])

/** The file access a section protection needs (MmMakeFileAccess; §2.1 step 7). */
export function fileAccessFor(protection: number): number {
  switch (protection) {
    case 0x02: // PAGE_READONLY
    case 0x08: // PAGE_WRITECOPY
      return FILE_READ_DATA
    case 0x04: // PAGE_READWRITE
      return FILE_READ_DATA | FILE_WRITE_DATA
    case 0x10: // PAGE_EXECUTE
      return FILE_EXECUTE
    case 0x20: // PAGE_EXECUTE_READ
    case 0x80: // PAGE_EXECUTE_WRITECOPY
      return FILE_EXECUTE | FILE_READ_DATA
    default: // PAGE_EXECUTE_READWRITE
      return FILE_EXECUTE | FILE_READ_DATA | FILE_WRITE_DATA
  }
}

const failed = (status: number): SectionHandleResult => ({ status, handle: 0 })

/** The access a new handle to a section gets: generic rights mapped, MAXIMUM_ALLOWED as all. */
function grantedFor(desired: number): { status: number; access: number } {
  if (((desired >>> 0) & ACCESS_SYSTEM_SECURITY) !== 0)
    return { status: STATUS_PRIVILEGE_NOT_HELD, access: 0 }
  const mapped = mapGenericMask(desired, sectionGenericMapping)
  const access = (mapped & MAXIMUM_ALLOWED) !== 0 ? sectionGenericMapping.all : mapped
  return { status: STATUS_SUCCESS, access: access & ~MAXIMUM_ALLOWED }
}

/** A handle to an existing section, access-checked as ObOpenObjectByName does. */
function openExisting(
  context: ServiceContext,
  objectId: number,
  desired: number,
  status: number,
): SectionHandleResult {
  const check = checkAccess(desired, sectionGenericMapping)
  if (!check.granted)
    return failed(check.reason === 'privilege' ? STATUS_PRIVILEGE_NOT_HELD : STATUS_ACCESS_DENIED)
  return { status, handle: context.ob.createHandle(context.pid, objectId, check.access) }
}

/** The backing of a new section: its segment (referenced once), size and reported attributes. */
type Backing =
  | {
      readonly status: typeof STATUS_SUCCESS
      readonly segmentId: number
      readonly size: number
      readonly attributes: number
      readonly fileId: number
      readonly image?: SectionImage
    }
  | { readonly status: number; readonly segmentId?: undefined }

/** The checks of a size argument: undefined (NULL) or an exact integer (LARGE_INTEGER). */
function sizeOf(value: unknown): number | 'null' | 'bad' {
  if (value === undefined || value === null) return 'null'
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : 'bad'
}

/** A pagefile-backed segment (§2.1 step 6). */
function pagefileBacking(context: ServiceContext, maximumSize: unknown, attributes: number): Backing {
  if ((attributes & SEC_IMAGE) !== 0) return { status: STATUS_INVALID_FILE_FOR_SECTION }
  const size = sizeOf(maximumSize)
  if (size === 'null' || size === 'bad' || size === 0) return { status: STATUS_INVALID_PARAMETER_4 }
  if (size < 0 || size >= SECTION_SIZE_LIMIT) return { status: STATUS_SECTION_TOO_BIG }
  const pages = Math.ceil(size / PAGE)
  if (pages > PROTOTYPE_PAGE_LIMIT) return { status: STATUS_INSUFFICIENT_RESOURCES }
  const created = context.mm.createSegment({
    kind: 'pagefile',
    pages,
    commit: (attributes & SEC_COMMIT) !== 0,
  })
  if (created.status !== STATUS_SUCCESS || created.segmentId === undefined) return { status: created.status }
  const reported = attributes & (SEC_COMMIT | SEC_RESERVE | SEC_NOCACHE | SEC_WRITECOMBINE)
  return {
    status: STATUS_SUCCESS,
    segmentId: created.segmentId,
    size: pages * PAGE,
    attributes: reported,
    fileId: -1,
  }
}

/** A section of a file (§2.1 step 7; SEC_IMAGE §15.1). */
function fileBacking(
  context: ServiceContext,
  fileHandle: unknown,
  maximumSize: unknown,
  protection: number,
  attributes: number,
): Backing {
  const file = referenceFile(context, fileHandle, fileAccessFor(protection))
  if (file.body === undefined) return { status: file.status }
  file.release?.()
  const fileId = file.body.fileId
  const fileSize = context.mm.fileSize(fileId) ?? 0
  if ((attributes & SEC_IMAGE) !== 0) return imageBacking(context, fileId, fileSize, maximumSize)
  const requested = sizeOf(maximumSize)
  if (requested === 'bad') return { status: STATUS_INVALID_PARAMETER_4 }
  if (requested !== 'null' && (requested < 0 || requested >= SECTION_SIZE_LIMIT))
    return { status: STATUS_SECTION_TOO_BIG }
  const size = requested === 'null' || requested === 0 ? fileSize : requested
  if (size === 0) return { status: STATUS_MAPPED_FILE_SIZE_ZERO }
  if (size > fileSize) {
    const writable = protection === PAGE_READWRITE || protection === PAGE_EXECUTE_READWRITE
    if (!writable || size > MAXIMUM_FILE_SIZE) return { status: STATUS_SECTION_TOO_BIG }
    context.mm.setFileSize(fileId, size)
  }
  const opened = context.mm.openDataSegment(fileId)
  if (opened.status !== STATUS_SUCCESS || opened.segmentId === undefined) return { status: opened.status }
  const segment = context.mm.segmentInfo(opened.segmentId)
  if (segment !== undefined && segment.sizeBytes < size) context.mm.extendSegment(opened.segmentId, size)
  return {
    status: STATUS_SUCCESS,
    segmentId: opened.segmentId,
    size,
    attributes: SEC_FILE | (attributes & (SEC_NOCACHE | SEC_WRITECOMBINE)),
    fileId,
  }
}

/**
 * An image section of a file (§15.1): the file's bytes as they are now (§15.3: later writes do not
 * reach the image), parsePeImage's checks in the rules' order, then an image segment holding the
 * laid-out pages. Size is MaximumSize when given, else the image's rounded size (§2.2).
 */
function imageBacking(
  context: ServiceContext,
  fileId: number,
  fileSize: number,
  maximumSize: unknown,
): Backing {
  const requested = sizeOf(maximumSize)
  if (requested === 'bad') return { status: STATUS_INVALID_PARAMETER_4 }
  if (requested !== 'null' && (requested < 0 || requested >= SECTION_SIZE_LIMIT))
    return { status: STATUS_SECTION_TOO_BIG }
  const bytes =
    fileSize === 0 ? new Uint8Array(0) : (context.mm.readFile(fileId, 0, fileSize) ?? new Uint8Array(0))
  const maximum = requested === 'null' ? 0 : requested
  const parsed = parsePeImage(bytes, { maximumSize: maximum })
  if (parsed.layout === undefined) return { status: parsed.status }
  const created = context.mm.createImageSegment({ fileId, layout: parsed.layout })
  if (created.status !== STATUS_SUCCESS || created.segmentId === undefined) return { status: created.status }
  return {
    status: STATUS_SUCCESS,
    segmentId: created.segmentId,
    size: maximum === 0 ? parsed.image.viewSize : maximum,
    attributes: SEC_FILE | SEC_IMAGE,
    fileId,
    image: {
      information: parsed.information,
      imageBase: parsed.image.imageBase,
      viewSize: parsed.image.viewSize,
      relocatable: parsed.image.relocatable,
    },
  }
}

/** NtCreateSection(DesiredAccess, ObjectAttributes, MaximumSize, SectionPageProtection, AllocationAttributes, FileHandle). */
export function ntCreateSection(
  context: ServiceContext,
  args: {
    readonly desiredAccess: number
    readonly objectAttributes: unknown
    readonly maximumSize: number | undefined
    readonly sectionPageProtection: number
    readonly allocationAttributes: number
    readonly fileHandle: number | undefined
  },
): SectionHandleResult {
  const desired = captureUlong(args.desiredAccess)
  if (desired === undefined) return failed(STATUS_INVALID_PARAMETER_2)
  const attributes = captureUlong(args.allocationAttributes)
  // Steps 1 to 4: the attribute bits and their combinations.
  if (attributes === undefined || (attributes & ~VALID_ATTRIBUTES) !== 0)
    return failed(STATUS_INVALID_PARAMETER_6)
  if ((attributes & (SEC_COMMIT | SEC_RESERVE | SEC_IMAGE)) === 0) return failed(STATUS_INVALID_PARAMETER_6)
  if (
    (attributes & SEC_IMAGE) !== 0 &&
    (attributes & (SEC_COMMIT | SEC_RESERVE | SEC_LARGE_PAGES | SEC_WRITECOMBINE | SEC_NO_CHANGE)) !== 0
  )
    return failed(STATUS_INVALID_PARAMETER_6)
  if ((attributes & SEC_COMMIT) !== 0 && (attributes & SEC_RESERVE) !== 0)
    return failed(STATUS_INVALID_PARAMETER_6)
  // Step 5: exactly one of the seven protections.
  const protection = captureUlong(args.sectionPageProtection)
  if (protection === undefined || !SECTION_PROTECTIONS.has(protection))
    return failed(STATUS_INVALID_PAGE_PROTECTION)
  const objectAttributes = readObjectAttributes(args.objectAttributes)
  if (!('name' in objectAttributes)) return failed(objectAttributes.status)
  let name: string | null = null
  if (objectAttributes.name !== undefined) {
    const parsed = parseSectionName(objectAttributes.name)
    if (parsed.name === undefined) return failed(parsed.status)
    name = parsed.name
  }
  const granted = grantedFor(desired)
  if (granted.status !== STATUS_SUCCESS) return failed(granted.status)
  // Step 8 comes after the backing's checks on Windows (ObInsertObject finds the name last); the
  // checks that cannot change state run first, so an existing name is opened without a segment
  // ever being made for the discarded new object.
  const fileHandle = args.fileHandle
  const pagefile = fileHandle === undefined || fileHandle === 0
  if (name !== null) {
    const existing = context.ob.state.namedObject(
      name,
      (objectAttributes.attributes & OBJ_CASE_INSENSITIVE) !== 0,
    )
    if (existing !== undefined) {
      const early = pagefile ? pagefileProblem(args.maximumSize, attributes) : undefined
      if (early !== undefined) return failed(early)
      if ((objectAttributes.attributes & OBJ_OPENIF) === 0) return failed(STATUS_OBJECT_NAME_COLLISION)
      return openExisting(context, existing, desired, STATUS_OBJECT_NAME_EXISTS)
    }
  }
  const backing = pagefile
    ? pagefileBacking(context, args.maximumSize, attributes)
    : fileBacking(context, fileHandle, args.maximumSize, protection, attributes)
  if (backing.segmentId === undefined) return failed(backing.status)
  const body: SectionBody = {
    kind: 'Section',
    segmentId: backing.segmentId,
    size: backing.size,
    attributes: backing.attributes,
    protection,
    fileId: backing.fileId,
    name,
    ...(backing.image === undefined ? {} : { image: backing.image }),
  }
  const header = context.ob.createObject('Section', body)
  const handle = context.ob.createHandle(context.pid, header.id, granted.access)
  context.ob.dereferenceObject(header.id)
  return { status: STATUS_SUCCESS, handle }
}

/** The pagefile checks that do not depend on state (step 6), or undefined. */
function pagefileProblem(maximumSize: unknown, attributes: number): number | undefined {
  if ((attributes & SEC_IMAGE) !== 0) return STATUS_INVALID_FILE_FOR_SECTION
  const size = sizeOf(maximumSize)
  if (size === 'null' || size === 'bad' || size === 0) return STATUS_INVALID_PARAMETER_4
  if (size < 0 || size >= SECTION_SIZE_LIMIT) return STATUS_SECTION_TOO_BIG
  return Math.ceil(size / PAGE) > PROTOTYPE_PAGE_LIMIT ? STATUS_INSUFFICIENT_RESOURCES : undefined
}

/** NtOpenSection(DesiredAccess, ObjectAttributes): a handle to a named section (§3). */
export function ntOpenSection(
  context: ServiceContext,
  args: { readonly desiredAccess: number; readonly objectAttributes: unknown },
): SectionHandleResult {
  const desired = captureUlong(args.desiredAccess)
  if (desired === undefined) return failed(STATUS_INVALID_PARAMETER_2)
  const objectAttributes = readObjectAttributes(args.objectAttributes)
  if (!('name' in objectAttributes)) return failed(objectAttributes.status)
  if (objectAttributes.name === undefined) return failed(STATUS_OBJECT_NAME_INVALID)
  const parsed = parseSectionName(objectAttributes.name)
  if (parsed.name === undefined) return failed(parsed.status)
  const existing = context.ob.state.namedObject(
    parsed.name,
    (objectAttributes.attributes & OBJ_CASE_INSENSITIVE) !== 0,
  )
  if (existing === undefined) return failed(STATUS_OBJECT_NAME_NOT_FOUND)
  return openExisting(context, existing, desired, STATUS_SUCCESS)
}
