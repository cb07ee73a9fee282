// NtCreateFile and NtOpenFile over the simulated volume (IoCreateFile → the file system's create):
// the parameters checked first (IoCreateFile's checks of CreateDisposition, ShareAccess,
// FileAttributes and CreateOptions: STATUS_INVALID_PARAMETER), then OBJECT_ATTRIBUTES and the
// `\??\C:\` name, the access mask against IoFileObjectType's mapping, the disposition against the
// volume (STATUS_OBJECT_NAME_NOT_FOUND, STATUS_OBJECT_NAME_COLLISION), share access
// (IoCheckShareAccess: STATUS_SHARING_VIOLATION) and truncation of a mapped file
// (MmCanFileBeTruncated: STATUS_USER_MAPPED_FILE). The file's bytes are mm-core's (volume.ts); its
// name and its file objects are the object manager's. NT-SECTIONS §19.

import { checkAccess, MAXIMUM_ALLOWED } from './accessRights.js'
import { captureUlong } from './captureArguments.js'
import { STATUS_ACCESS_DENIED, STATUS_INVALID_PARAMETER, STATUS_SUCCESS } from './ntStatus.js'
import type { FileBody } from './objectHeader.js'
import { parseFileName, readObjectAttributes } from './objectAttributes.js'
import {
  FILE_APPEND_DATA,
  FILE_CREATE,
  FILE_CREATED,
  FILE_EXECUTE,
  FILE_OPEN,
  FILE_OPENED,
  FILE_OVERWRITE,
  FILE_OVERWRITE_IF,
  FILE_OVERWRITTEN,
  FILE_READ_DATA,
  FILE_SHARE_READ,
  FILE_SHARE_WRITE,
  FILE_SUPERSEDE,
  FILE_SUPERSEDED,
  FILE_WRITE_DATA,
  fileGenericMapping,
  STATUS_OBJECT_NAME_COLLISION,
  STATUS_OBJECT_NAME_INVALID,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_SHARING_VIOLATION,
  STATUS_USER_MAPPED_FILE,
} from './sectionConstants.js'
import type { ServiceContext } from './serviceContext.js'

/** NtCreateFile's result: the handle and IO_STATUS_BLOCK.Information (FILE_CREATED, FILE_OPENED, ...). */
export interface CreateFileResult {
  readonly status: number
  readonly handle: number
  readonly information: number
}

/** The data rights IoCheckShareAccess weighs. */
const READS = FILE_READ_DATA | FILE_EXECUTE
const WRITES = FILE_WRITE_DATA | FILE_APPEND_DATA
/** FILE_ATTRIBUTE_VALID_FLAGS. */
const FILE_ATTRIBUTE_VALID_FLAGS = 0x00007fb7
/** FILE_VALID_OPTION_FLAGS. */
const FILE_VALID_OPTION_FLAGS = 0x00ffffff

/** IoCheckShareAccess of a new open against the file's open file objects. */
function sharingViolation(context: ServiceContext, fileId: number, access: number, share: number): boolean {
  if ((access & (READS | WRITES)) === 0) return false
  for (const header of context.ob.state.objects()) {
    const other = header.body
    if (other.kind !== 'File' || other.fileId !== fileId) continue
    if ((access & READS) !== 0 && (other.shareAccess & FILE_SHARE_READ) === 0) return true
    if ((access & WRITES) !== 0 && (other.shareAccess & FILE_SHARE_WRITE) === 0) return true
    if ((other.dataAccess & READS) !== 0 && (share & FILE_SHARE_READ) === 0) return true
    if ((other.dataAccess & WRITES) !== 0 && (share & FILE_SHARE_WRITE) === 0) return true
  }
  return false
}

/** True when a section maps the file past `size` (MmCanFileBeTruncated says no). */
export function mappedPast(context: ServiceContext, fileId: number, size: number): boolean {
  const segmentId = context.mm.dataSegmentOf(fileId)
  const segment = segmentId === undefined ? undefined : context.mm.segmentInfo(segmentId)
  if (segment === undefined || (segment.mappedViews === 0 && segment.sectionReferences === 0)) return false
  if (segment.mappedViews > 0) return size < segment.sizeBytes
  return context.ob.state
    .objects()
    .some(
      (header) => header.body.kind === 'Section' && header.body.fileId === fileId && header.body.size > size,
    )
}

/** A new file object and its handle for `fileId` (ObInsertObject hands the creator's reference to it). */
function openFileObject(context: ServiceContext, body: FileBody, access: number): number {
  const header = context.ob.createObject('File', body)
  const handle = context.ob.createHandle(context.pid, header.id, access)
  context.ob.dereferenceObject(header.id)
  return handle
}

const failed = (status: number): CreateFileResult => ({ status, handle: 0, information: 0 })

/** NtCreateFile(DesiredAccess, ObjectAttributes, AllocationSize, FileAttributes, ShareAccess, CreateDisposition, CreateOptions). */
export function ntCreateFile(
  context: ServiceContext,
  args: {
    readonly desiredAccess: number
    readonly objectAttributes: unknown
    readonly allocationSize: number | undefined
    readonly fileAttributes: number
    readonly shareAccess: number
    readonly createDisposition: number
    readonly createOptions: number
  },
): CreateFileResult {
  const desired = captureUlong(args.desiredAccess)
  if (desired === undefined) return failed(STATUS_INVALID_PARAMETER)
  const attributes = readObjectAttributes(args.objectAttributes)
  if (!('name' in attributes)) return failed(attributes.status)
  const disposition = captureUlong(args.createDisposition)
  const share = captureUlong(args.shareAccess)
  const fileAttributes = captureUlong(args.fileAttributes)
  const options = captureUlong(args.createOptions)
  const allocation = args.allocationSize
  if (
    disposition === undefined ||
    disposition > FILE_OVERWRITE_IF ||
    share === undefined ||
    (share & ~7) !== 0 ||
    fileAttributes === undefined ||
    (fileAttributes & ~FILE_ATTRIBUTE_VALID_FLAGS) !== 0 ||
    options === undefined ||
    (options & ~FILE_VALID_OPTION_FLAGS) !== 0 ||
    (allocation !== undefined && (!Number.isSafeInteger(allocation) || allocation < 0))
  )
    return failed(STATUS_INVALID_PARAMETER)
  if (attributes.name === undefined) return failed(STATUS_OBJECT_NAME_INVALID)
  const parsed = parseFileName(attributes.name)
  if (parsed.name === undefined) return failed(parsed.status)
  const check = checkAccess(desired, fileGenericMapping)
  if (!check.granted) return failed(STATUS_ACCESS_DENIED)
  const access = (desired & MAXIMUM_ALLOWED) !== 0 ? fileGenericMapping.all : check.access
  const dataAccess = access & (READS | WRITES)
  const existing = context.ob.state.fileByName(parsed.name)
  if (existing === undefined) {
    if (disposition === FILE_OPEN || disposition === FILE_OVERWRITE)
      return failed(STATUS_OBJECT_NAME_NOT_FOUND)
    const { fileId } = context.mm.createFile()
    const body: FileBody = { kind: 'File', fileId, name: parsed.name, dataAccess, shareAccess: share }
    return {
      status: STATUS_SUCCESS,
      handle: openFileObject(context, body, access),
      information: FILE_CREATED,
    }
  }
  if (disposition === FILE_CREATE) return failed(STATUS_OBJECT_NAME_COLLISION)
  if (sharingViolation(context, existing, dataAccess, share)) return failed(STATUS_SHARING_VIOLATION)
  let information = FILE_OPENED
  if (disposition === FILE_SUPERSEDE || disposition === FILE_OVERWRITE || disposition === FILE_OVERWRITE_IF) {
    if (mappedPast(context, existing, 0)) return failed(STATUS_USER_MAPPED_FILE)
    context.mm.setFileSize(existing, 0)
    information = disposition === FILE_SUPERSEDE ? FILE_SUPERSEDED : FILE_OVERWRITTEN
  }
  const body: FileBody = { kind: 'File', fileId: existing, name: parsed.name, dataAccess, shareAccess: share }
  return { status: STATUS_SUCCESS, handle: openFileObject(context, body, access), information }
}

/** NtOpenFile(DesiredAccess, ObjectAttributes, ShareAccess, OpenOptions): NtCreateFile with FILE_OPEN. */
export function ntOpenFile(
  context: ServiceContext,
  args: {
    readonly desiredAccess: number
    readonly objectAttributes: unknown
    readonly shareAccess: number
    readonly openOptions: number
  },
): { readonly status: number; readonly handle: number } {
  const { status, handle } = ntCreateFile(context, {
    desiredAccess: args.desiredAccess,
    objectAttributes: args.objectAttributes,
    allocationSize: undefined,
    fileAttributes: 0,
    shareAccess: args.shareAccess,
    createDisposition: FILE_OPEN,
    createOptions: args.openOptions,
  })
  return { status, handle }
}
