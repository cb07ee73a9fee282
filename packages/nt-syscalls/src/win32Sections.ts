// The Win32 file and file-mapping API as kernelbase implements it over the native services:
// CreateFileW, ReadFile, WriteFile, GetFileSizeEx, CreateFileMappingW, OpenFileMappingW,
// MapViewOfFile(Ex), UnmapViewOfFile and FlushViewOfFile, with the last error as kernelbase sets it
// (RtlNtStatusToDosError, plus kernelbase's own rules: CreateFileMapping's protection switch and
// SEC_COMMIT default, the `\BaseNamedObjects\` prefix, ERROR_ALREADY_EXISTS for an existing name,
// MapViewOfFile's FILE_MAP_* → page protection, CreateFileW's dispositions). No file pointer is
// modelled: ReadFile and WriteFile take the byte offset an OVERLAPPED would carry (default 0).

import { STANDARD_RIGHTS_REQUIRED, SYNCHRONIZE } from './accessRights.js'
import {
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import { NT_SUCCESS } from './ntStatus.js'
import { NtCurrentProcess } from './objectManager.js'
import {
  ERROR_ALREADY_EXISTS,
  ERROR_INVALID_PARAMETER,
  rtlNtStatusToDosError,
} from './rtlNtStatusToDosError.js'
import {
  BASE_NAMED_OBJECTS,
  FILE_CREATE,
  FILE_OPEN,
  FILE_OPEN_IF,
  FILE_OVERWRITE,
  FILE_OVERWRITE_IF,
  FILE_READ_ATTRIBUTES,
  OBJ_OPENIF,
  SEC_COMMIT,
  SECTION_MAP_EXECUTE,
  SECTION_MAP_READ,
  SECTION_MAP_WRITE,
  SECTION_QUERY,
  STATUS_END_OF_FILE,
  STATUS_OBJECT_NAME_COLLISION,
  STATUS_OBJECT_NAME_EXISTS,
  VOLUME_PREFIX,
  ViewShare,
} from './sectionConstants.js'
import type { NtSyscalls } from './syscalls.js'

/** Where a process's last-error value lives (the TEB's LastErrorValue). */
export interface LastErrorSlot {
  lastError: number
}

/** INVALID_HANDLE_VALUE: what CreateFileW returns on failure, and CreateFileMapping's "no file". */
export const INVALID_HANDLE_VALUE = -1
/** CreateFileW dispositions. */
export const CREATE_NEW = 1
/** CreateFileW: create or truncate. */
export const CREATE_ALWAYS = 2
/** CreateFileW: open an existing file. */
export const OPEN_EXISTING = 3
/** CreateFileW: open or create. */
export const OPEN_ALWAYS = 4
/** CreateFileW: truncate an existing file. */
export const TRUNCATE_EXISTING = 5
/** MapViewOfFile access: a copy-on-write view. */
export const FILE_MAP_COPY = 0x1
/** MapViewOfFile access: a writable view. */
export const FILE_MAP_WRITE = 0x2
/** MapViewOfFile access: a readable view. */
export const FILE_MAP_READ = 0x4
/** MapViewOfFile access: an executable view. */
export const FILE_MAP_EXECUTE = 0x20
/** MapViewOfFile access: everything (SECTION_ALL_ACCESS). */
export const FILE_MAP_ALL_ACCESS = 0x000f001f
/** Win32 error 80: CreateFileW(CREATE_NEW) of an existing file. */
export const ERROR_FILE_EXISTS = 80

const DISPOSITIONS: Readonly<Record<number, number>> = {
  [CREATE_NEW]: FILE_CREATE,
  [CREATE_ALWAYS]: FILE_OVERWRITE_IF,
  [OPEN_EXISTING]: FILE_OPEN,
  [OPEN_ALWAYS]: FILE_OPEN_IF,
  [TRUNCATE_EXISTING]: FILE_OVERWRITE,
}

/** The file and file-mapping part of the Win32 API (see {@link Win32Api}). */
export interface Win32SectionApi {
  /** A handle to the file (`C:\name` or a name relative to `C:\`), or INVALID_HANDLE_VALUE with the last error set. */
  CreateFileW(
    fileName: string,
    desiredAccess: number,
    shareMode: number,
    securityAttributes: null,
    creationDisposition: number,
    flagsAndAttributes: number,
    templateFile: number,
  ): number
  /** Reads at `offset` (the OVERLAPPED offset; no file pointer is modelled). At the end: TRUE, no bytes. */
  ReadFile(
    file: number,
    bytesToRead: number,
    offset?: number,
  ): { result: boolean; data: Uint8Array; bytesRead: number }
  /** Writes `data` at `offset` (default 0). */
  WriteFile(file: number, data: Uint8Array, offset?: number): { result: boolean; bytesWritten: number }
  /** The file's size. */
  GetFileSizeEx(file: number): { result: boolean; size: number }
  /** A section handle (NULL with the last error set); an existing name sets ERROR_ALREADY_EXISTS. */
  CreateFileMappingW(
    file: number,
    securityAttributes: null,
    protect: number,
    maximumSizeHigh: number,
    maximumSizeLow: number,
    name: string | null,
  ): number
  /** A handle to a named section, or NULL (ERROR_FILE_NOT_FOUND when the name does not exist). */
  OpenFileMappingW(desiredAccess: number, inheritHandle: boolean, name: string | null): number
  /** The view's base, or NULL with the last error set. */
  MapViewOfFile(
    mapping: number,
    desiredAccess: number,
    offsetHigh: number,
    offsetLow: number,
    bytes: number,
  ): number
  /** MapViewOfFile at a chosen base (0: anywhere). */
  MapViewOfFileEx(
    mapping: number,
    desiredAccess: number,
    offsetHigh: number,
    offsetLow: number,
    bytes: number,
    baseAddress: number,
  ): number
  /** Unmaps the view containing `address`. */
  UnmapViewOfFile(address: number): boolean
  /** Writes the view's dirty pages to its file. */
  FlushViewOfFile(address: number, bytes: number): boolean
}

/** RtlDosPathNameToNtPathName for the one volume: `C:\x` and `x` (relative to `C:\`) become `\??\C:\x`. */
function ntPathOf(fileName: unknown): string | undefined {
  if (typeof fileName !== 'string') return undefined
  if (fileName.startsWith('\\')) return fileName
  if (/^[A-Za-z]:\\/.test(fileName)) return `\\??\\${fileName}`
  return `${VOLUME_PREFIX}${fileName}`
}

/** Build the file and mapping functions over the native services. */
export function createWin32SectionApi(nt: NtSyscalls, slot: LastErrorSlot): Win32SectionApi {
  const fail = <T>(status: number, value: T): T => {
    slot.lastError = rtlNtStatusToDosError(status)
    return value
  }
  const invalid = <T>(value: T): T => {
    slot.lastError = ERROR_INVALID_PARAMETER
    return value
  }
  const api: Win32SectionApi = {
    CreateFileW: (
      fileName,
      desiredAccess,
      shareMode,
      _securityAttributes,
      creationDisposition,
      flagsAndAttributes,
    ) => {
      const disposition = DISPOSITIONS[creationDisposition]
      const name = ntPathOf(fileName)
      if (disposition === undefined || name === undefined) return invalid(INVALID_HANDLE_VALUE)
      const access =
        typeof desiredAccess === 'number'
          ? (desiredAccess | SYNCHRONIZE | FILE_READ_ATTRIBUTES) >>> 0
          : desiredAccess
      const attributes =
        typeof flagsAndAttributes === 'number' ? flagsAndAttributes & 0x7fb7 : flagsAndAttributes
      const result = nt.NtCreateFile(access, { name }, undefined, attributes, shareMode, disposition, 0)
      if (result.status === STATUS_OBJECT_NAME_COLLISION) {
        slot.lastError = ERROR_FILE_EXISTS
        return INVALID_HANDLE_VALUE
      }
      if (!NT_SUCCESS(result.status)) return fail(result.status, INVALID_HANDLE_VALUE)
      // CREATE_ALWAYS and OPEN_ALWAYS say whether the file existed.
      const existed =
        (creationDisposition === CREATE_ALWAYS || creationDisposition === OPEN_ALWAYS) &&
        result.information !== 2
      slot.lastError = existed ? ERROR_ALREADY_EXISTS : 0
      return result.handle
    },
    ReadFile: (file, bytesToRead, offset = 0) => {
      const result = nt.NtReadFile(file, offset, bytesToRead)
      if (result.status === STATUS_END_OF_FILE) return { result: true, data: result.data, bytesRead: 0 }
      if (!NT_SUCCESS(result.status))
        return fail(result.status, { result: false, data: result.data, bytesRead: 0 })
      return { result: true, data: result.data, bytesRead: result.bytesRead }
    },
    WriteFile: (file, data, offset = 0) => {
      const result = nt.NtWriteFile(file, offset, data)
      if (!NT_SUCCESS(result.status)) return fail(result.status, { result: false, bytesWritten: 0 })
      return { result: true, bytesWritten: result.bytesWritten }
    },
    GetFileSizeEx: (file) => {
      const result = nt.NtQueryInformationFile(file, 24, 5)
      if (!NT_SUCCESS(result.status) || result.info === null)
        return fail(result.status, { result: false, size: 0 })
      return { result: true, size: result.info.endOfFile }
    },
    CreateFileMappingW: (file, _securityAttributes, protect, maximumSizeHigh, maximumSizeLow, name) => {
      if (typeof protect !== 'number') return invalid(0)
      const flags = protect & 0xfff00000
      const pageProtect = (protect & ~flags) >>> 0
      let access = STANDARD_RIGHTS_REQUIRED | SECTION_QUERY | SECTION_MAP_READ
      switch (pageProtect) {
        case PAGE_READONLY:
        case PAGE_WRITECOPY:
          break
        case PAGE_READWRITE:
          access |= SECTION_MAP_WRITE
          break
        case PAGE_EXECUTE_READ:
        case PAGE_EXECUTE_WRITECOPY:
          access |= SECTION_MAP_EXECUTE
          break
        case PAGE_EXECUTE_READWRITE:
          access |= SECTION_MAP_EXECUTE | SECTION_MAP_WRITE
          break
        default:
          return invalid(0)
      }
      const attributes = flags === 0 ? SEC_COMMIT : flags >>> 0
      const high = typeof maximumSizeHigh === 'number' ? maximumSizeHigh >>> 0 : 0
      const low = typeof maximumSizeLow === 'number' ? maximumSizeLow >>> 0 : 0
      const size = high * 2 ** 32 + low
      const noFile = file === INVALID_HANDLE_VALUE
      if (noFile && size === 0) return invalid(0)
      const objectAttributes =
        typeof name === 'string' && name !== ''
          ? { name: `${BASE_NAMED_OBJECTS}${name}`, attributes: OBJ_OPENIF }
          : undefined
      const result = nt.NtCreateSection(
        access,
        objectAttributes,
        size === 0 ? undefined : size,
        pageProtect,
        attributes,
        noFile ? 0 : file,
      )
      if (result.status === STATUS_OBJECT_NAME_EXISTS) {
        slot.lastError = ERROR_ALREADY_EXISTS
        return result.handle
      }
      if (!NT_SUCCESS(result.status)) return fail(result.status, 0)
      slot.lastError = 0
      return result.handle
    },
    OpenFileMappingW: (desiredAccess, _inheritHandle, name) => {
      if (typeof name !== 'string' || name === '') return invalid(0)
      const access = desiredAccess === FILE_MAP_COPY ? SECTION_MAP_READ : desiredAccess
      const result = nt.NtOpenSection(access, { name: `${BASE_NAMED_OBJECTS}${name}` })
      if (!NT_SUCCESS(result.status)) return fail(result.status, 0)
      return result.handle
    },
    MapViewOfFile: (mapping, desiredAccess, offsetHigh, offsetLow, bytes) =>
      api.MapViewOfFileEx(mapping, desiredAccess, offsetHigh, offsetLow, bytes, 0),
    MapViewOfFileEx: (mapping, desiredAccess, offsetHigh, offsetLow, bytes, baseAddress) => {
      const access = typeof desiredAccess === 'number' ? desiredAccess : 0
      const execute = (access & FILE_MAP_EXECUTE) !== 0
      let protect: number = PAGE_NOACCESS
      if (access & FILE_MAP_WRITE) protect = execute ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE
      else if (access & FILE_MAP_COPY) protect = execute ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY
      else if (access & FILE_MAP_READ) protect = execute ? PAGE_EXECUTE_READ : PAGE_READONLY
      const high = typeof offsetHigh === 'number' ? offsetHigh >>> 0 : 0
      const low = typeof offsetLow === 'number' ? offsetLow >>> 0 : 0
      const result = nt.NtMapViewOfSection(
        mapping,
        NtCurrentProcess,
        baseAddress,
        0,
        0,
        high * 2 ** 32 + low,
        bytes,
        ViewShare,
        0,
        protect,
      )
      if (!NT_SUCCESS(result.status)) return fail(result.status, 0)
      return result.baseAddress
    },
    UnmapViewOfFile: (address) => {
      const result = nt.NtUnmapViewOfSection(NtCurrentProcess, address)
      return NT_SUCCESS(result.status) ? true : fail(result.status, false)
    },
    FlushViewOfFile: (address, bytes) => {
      const result = nt.NtFlushVirtualMemory(NtCurrentProcess, address, bytes)
      return NT_SUCCESS(result.status) ? true : fail(result.status, false)
    },
  }
  return api
}
