// NtReadFile, NtWriteFile, NtQueryInformationFile and NtSetInformationFile on a file handle of the
// simulated volume. The bytes go through mm-core's readFile / writeFile, which read and write the
// resident pages of the file's data segment, so views and these services see the same bytes at all
// times (the cache manager and views share pages on Windows). Synchronous I/O with an explicit
// ByteOffset (no current file position is modelled). NT-SECTIONS §19.

import { captureHandle, captureUlong } from './captureArguments.js'
import {
  STATUS_ACCESS_DENIED,
  STATUS_ACCESS_VIOLATION,
  STATUS_INFO_LENGTH_MISMATCH,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_INFO_CLASS,
  STATUS_INVALID_PARAMETER,
  STATUS_SUCCESS,
} from './ntStatus.js'
import type { FileBody } from './objectHeader.js'
import { mappedPast } from './ntCreateFile.js'
import {
  FILE_APPEND_DATA,
  FILE_READ_DATA,
  FILE_WRITE_DATA,
  STATUS_DISK_FULL,
  STATUS_END_OF_FILE,
  STATUS_USER_MAPPED_FILE,
} from './sectionConstants.js'
import type { ServiceContext } from './serviceContext.js'
import { fieldJson, isCaptured, markCaptured } from './syscallArguments.js'

/** FileStandardInformation (FILE_STANDARD_INFORMATION, 24 bytes). */
export const FileStandardInformation = 5
/** FileEndOfFileInformation (FILE_END_OF_FILE_INFORMATION, 8 bytes; set only). */
export const FileEndOfFileInformation = 20
/** FILE_WRITE_TO_END_OF_FILE as a ByteOffset of NtWriteFile (0xFFFFFFFF`FFFFFFFF, passed as -1). */
export const FILE_WRITE_TO_END_OF_FILE = -1
/** The largest file the volume holds (mm-core's MAXIMUM_FILE_SIZE). */
const MAXIMUM_FILE_SIZE = 2 ** 44

/** The file a handle names, referenced with `access` (ObReferenceObjectByHandle with IoFileObjectType). */
export function referenceFile(
  context: ServiceContext,
  value: unknown,
  access: number,
): { status: number; body?: FileBody; release?: () => void } {
  const handle = captureHandle(value, context.limits)
  if (handle === undefined) return { status: STATUS_INVALID_HANDLE }
  const result = context.ob.referenceObjectByHandle({
    pid: context.pid,
    handle,
    desiredAccess: access,
    objectType: 'File',
    mode: context.mode,
  })
  if (!('object' in result)) return { status: result.status }
  const id = result.object.id
  return {
    status: STATUS_SUCCESS,
    body: result.object.body as FileBody,
    release: () => context.ob.dereferenceObject(id),
  }
}

/** A byte offset: a non-negative exact integer (LARGE_INTEGER), else undefined. */
function offsetOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined
}

/** NtReadFile(FileHandle, ByteOffset, Length) → the bytes read (none at or past the end: STATUS_END_OF_FILE). */
export function ntReadFile(
  context: ServiceContext,
  args: { readonly fileHandle: number; readonly byteOffset: number; readonly length: number },
): { readonly status: number; readonly data: Uint8Array; readonly bytesRead: number } {
  const empty = new Uint8Array(0)
  const file = referenceFile(context, args.fileHandle, FILE_READ_DATA)
  if (file.body === undefined) return { status: file.status, data: empty, bytesRead: 0 }
  try {
    const length = captureUlong(args.length)
    const offset = offsetOf(args.byteOffset)
    if (length === undefined || offset === undefined)
      return { status: STATUS_INVALID_PARAMETER, data: empty, bytesRead: 0 }
    if (length === 0) return { status: STATUS_SUCCESS, data: empty, bytesRead: 0 }
    const size = context.mm.fileSize(file.body.fileId) ?? 0
    if (offset >= size) return { status: STATUS_END_OF_FILE, data: empty, bytesRead: 0 }
    const data = context.mm.readFile(file.body.fileId, offset, Math.min(length, size - offset)) ?? empty
    return { status: STATUS_SUCCESS, data, bytesRead: data.length }
  } finally {
    file.release?.()
  }
}

/** NtWriteFile(FileHandle, ByteOffset, Data): writes past the end extend the file (the gap reads zero). */
export function ntWriteFile(
  context: ServiceContext,
  args: { readonly fileHandle: number; readonly byteOffset: number; readonly data: Uint8Array },
): { readonly status: number; readonly bytesWritten: number } {
  const file = referenceFile(context, args.fileHandle, 0)
  if (file.body === undefined) return { status: file.status, bytesWritten: 0 }
  try {
    const toEnd = args.byteOffset === FILE_WRITE_TO_END_OF_FILE
    // FILE_APPEND_DATA alone may write only at the end of the file.
    const needed = toEnd ? FILE_WRITE_DATA | FILE_APPEND_DATA : FILE_WRITE_DATA
    const granted = grantedAccessOf(context, args.fileHandle)
    if ((granted & needed) === 0) return { status: STATUS_ACCESS_DENIED, bytesWritten: 0 }
    if (!(args.data instanceof Uint8Array)) return { status: STATUS_ACCESS_VIOLATION, bytesWritten: 0 }
    const size = context.mm.fileSize(file.body.fileId) ?? 0
    const offset = toEnd ? size : offsetOf(args.byteOffset)
    if (offset === undefined) return { status: STATUS_INVALID_PARAMETER, bytesWritten: 0 }
    if (offset + args.data.length > MAXIMUM_FILE_SIZE) return { status: STATUS_DISK_FULL, bytesWritten: 0 }
    if (args.data.length === 0) return { status: STATUS_SUCCESS, bytesWritten: 0 }
    const { status } = context.mm.writeFile(file.body.fileId, offset, args.data)
    return { status, bytesWritten: status === STATUS_SUCCESS ? args.data.length : 0 }
  } finally {
    file.release?.()
  }
}

/** The access a (valid) handle of the caller grants. */
function grantedAccessOf(context: ServiceContext, value: unknown): number {
  const handle = captureHandle(value, context.limits) ?? -1
  return context.ob.state.handleTable(context.pid)?.lookup(handle)?.grantedAccess ?? 0
}

/** FILE_STANDARD_INFORMATION as NtQueryInformationFile returns it. */
export interface FileStandardInfo {
  readonly allocationSize: number
  readonly endOfFile: number
  readonly numberOfLinks: number
  readonly deletePending: boolean
  readonly directory: boolean
}

/**
 * NtQueryInformationFile(FileHandle, Length, FileInformationClass): FileStandardInformation only
 * (other classes STATUS_INVALID_INFO_CLASS); the class and length are checked before the handle
 * (IopQueryOperationLength), a Length below 24 is STATUS_INFO_LENGTH_MISMATCH.
 */
export function ntQueryInformationFile(
  context: ServiceContext,
  args: { readonly fileHandle: number; readonly length: number; readonly fileInformationClass: number },
): { readonly status: number; readonly info: FileStandardInfo | null } {
  if (args.fileInformationClass !== FileStandardInformation)
    return { status: STATUS_INVALID_INFO_CLASS, info: null }
  const length = captureUlong(args.length)
  if (length === undefined || length < 24) return { status: STATUS_INFO_LENGTH_MISMATCH, info: null }
  const file = referenceFile(context, args.fileHandle, 0)
  if (file.body === undefined) return { status: file.status, info: null }
  file.release?.()
  const size = context.mm.fileSize(file.body.fileId) ?? 0
  const allocationSize = Math.ceil(size / 4096) * 4096
  return {
    status: STATUS_SUCCESS,
    info: { allocationSize, endOfFile: size, numberOfLinks: 1, deletePending: false, directory: false },
  }
}

/** A FileInformation argument as the service sees it (captured like OBJECT_ATTRIBUTES). */
export function captureFileInformationArgument(value: unknown): unknown {
  if (value === undefined || value === null || isCaptured(value)) return value
  if (typeof value !== 'object') return fieldJson(value)
  try {
    const endOfFile = (value as { readonly endOfFile?: unknown }).endOfFile
    return markCaptured(endOfFile === undefined ? {} : { endOfFile: fieldJson(endOfFile) })
  } catch {
    return 'unreadable FileInformation'
  }
}

/**
 * NtSetInformationFile(FileHandle, FileInformation, Length, FileInformationClass):
 * FileEndOfFileInformation (`{ endOfFile }`, Length ≥ 8, FILE_WRITE_DATA) only; truncating below
 * a section that maps the file is STATUS_USER_MAPPED_FILE (MmCanFileBeTruncated).
 */
export function ntSetInformationFile(
  context: ServiceContext,
  args: {
    readonly fileHandle: number
    readonly fileInformation: unknown
    readonly length: number
    readonly fileInformationClass: number
  },
): { readonly status: number } {
  if (args.fileInformationClass !== FileEndOfFileInformation) return { status: STATUS_INVALID_INFO_CLASS }
  const length = captureUlong(args.length)
  if (length === undefined || length < 8) return { status: STATUS_INFO_LENGTH_MISMATCH }
  const file = referenceFile(context, args.fileHandle, FILE_WRITE_DATA)
  if (file.body === undefined) return { status: file.status }
  try {
    const information = args.fileInformation
    if (typeof information !== 'object' || information === null) return { status: STATUS_ACCESS_VIOLATION }
    const endOfFile = (information as { readonly endOfFile?: unknown }).endOfFile
    if (typeof endOfFile !== 'number' || !Number.isSafeInteger(endOfFile) || endOfFile < 0)
      return { status: STATUS_INVALID_PARAMETER }
    if (endOfFile > MAXIMUM_FILE_SIZE) return { status: STATUS_DISK_FULL }
    const size = context.mm.fileSize(file.body.fileId) ?? 0
    if (endOfFile < size && mappedPast(context, file.body.fileId, endOfFile))
      return { status: STATUS_USER_MAPPED_FILE }
    return context.mm.setFileSize(file.body.fileId, endOfFile)
  } finally {
    file.release?.()
  }
}
