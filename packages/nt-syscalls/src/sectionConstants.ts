// The constants of sections and files (winnt.h, ntifs.h, ntstatus.h): SEC_* allocation
// attributes, SECTION_* and FILE_* access rights with their generic mappings (ReactOS
// MmpSectionMapping; IoFileObjectType's mapping), OBJ_* attributes, the NtCreateFile dispositions
// and the statuses the section and file services return (values from mm-core's NtStatus table,
// the one source of status values). NT-SECTIONS.md §1 lists them.

import { NtStatus } from '@ntmm/mm-core'
import {
  type GenericMapping,
  STANDARD_RIGHTS_EXECUTE,
  STANDARD_RIGHTS_READ,
  STANDARD_RIGHTS_WRITE,
  SYNCHRONIZE,
} from './accessRights.js'

/** A data section of a file (reported by NtQuerySection; a caller may not pass it). */
export const SEC_FILE = 0x00800000
/** An image section (a PE file laid out as the loader maps it). */
export const SEC_IMAGE = 0x01000000
/** Pages start reserved; MEM_COMMIT through a view commits them in the segment. */
export const SEC_RESERVE = 0x04000000
/** Every page committed (charged) at creation. */
export const SEC_COMMIT = 0x08000000
/** Views are mapped uncached (AllocationProtect gains PAGE_NOCACHE). */
export const SEC_NOCACHE = 0x10000000
/** Views are mapped write-combined. */
export const SEC_WRITECOMBINE = 0x40000000
/** Large pages (rejected: NT-SECTIONS §17). */
export const SEC_LARGE_PAGES = 0x80000000
/** A based section (accepted as an attribute, not modelled). */
export const SEC_BASED = 0x00200000
/** Views may not change protection (accepted as an attribute, not modelled). */
export const SEC_NO_CHANGE = 0x00400000

/** Section right: NtQuerySection. */
export const SECTION_QUERY = 0x0001
/** Section right: map writable views. */
export const SECTION_MAP_WRITE = 0x0002
/** Section right: map readable views. */
export const SECTION_MAP_READ = 0x0004
/** Section right: map executable views. */
export const SECTION_MAP_EXECUTE = 0x0008
/** Section right: NtExtendSection. */
export const SECTION_EXTEND_SIZE = 0x0010
/** Section right: map explicitly executable views. */
export const SECTION_MAP_EXECUTE_EXPLICIT = 0x0020
/** Every section right: STANDARD_RIGHTS_REQUIRED | 0x1F. */
export const SECTION_ALL_ACCESS = 0x000f001f

/** MmpSectionMapping (NT-SECTIONS §2.1.9). */
export const sectionGenericMapping: GenericMapping = {
  read: STANDARD_RIGHTS_READ | SECTION_MAP_READ | SECTION_QUERY,
  write: STANDARD_RIGHTS_WRITE | SECTION_MAP_WRITE,
  execute: STANDARD_RIGHTS_EXECUTE | SECTION_MAP_EXECUTE,
  all: SECTION_ALL_ACCESS | SECTION_MAP_EXECUTE_EXPLICIT,
}

/** File right: read data. */
export const FILE_READ_DATA = 0x0001
/** File right: write data. */
export const FILE_WRITE_DATA = 0x0002
/** File right: append data. */
export const FILE_APPEND_DATA = 0x0004
/** File right: read extended attributes. */
export const FILE_READ_EA = 0x0008
/** File right: write extended attributes. */
export const FILE_WRITE_EA = 0x0010
/** File right: execute (map executable views). */
export const FILE_EXECUTE = 0x0020
/** File right: read attributes (no data access). */
export const FILE_READ_ATTRIBUTES = 0x0080
/** File right: write attributes. */
export const FILE_WRITE_ATTRIBUTES = 0x0100
/** Every file right: STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF. */
export const FILE_ALL_ACCESS = 0x001f01ff
/** FILE_GENERIC_READ. */
export const FILE_GENERIC_READ =
  STANDARD_RIGHTS_READ | FILE_READ_DATA | FILE_READ_ATTRIBUTES | FILE_READ_EA | SYNCHRONIZE
/** FILE_GENERIC_WRITE. */
export const FILE_GENERIC_WRITE =
  STANDARD_RIGHTS_WRITE |
  FILE_WRITE_DATA |
  FILE_WRITE_ATTRIBUTES |
  FILE_WRITE_EA |
  FILE_APPEND_DATA |
  SYNCHRONIZE
/** FILE_GENERIC_EXECUTE. */
export const FILE_GENERIC_EXECUTE =
  STANDARD_RIGHTS_EXECUTE | FILE_READ_ATTRIBUTES | FILE_EXECUTE | SYNCHRONIZE

/** IoFileObjectType's generic mapping (NT-SECTIONS §19). */
export const fileGenericMapping: GenericMapping = {
  read: FILE_GENERIC_READ,
  write: FILE_GENERIC_WRITE,
  execute: FILE_GENERIC_EXECUTE,
  all: FILE_ALL_ACCESS,
}

/** Share access: others may read. */
export const FILE_SHARE_READ = 0x1
/** Share access: others may write. */
export const FILE_SHARE_WRITE = 0x2
/** Share access: others may delete. */
export const FILE_SHARE_DELETE = 0x4

/** CreateDisposition: replace an existing file, else create. */
export const FILE_SUPERSEDE = 0
/** CreateDisposition: open an existing file only. */
export const FILE_OPEN = 1
/** CreateDisposition: create a new file only. */
export const FILE_CREATE = 2
/** CreateDisposition: open, else create. */
export const FILE_OPEN_IF = 3
/** CreateDisposition: open and truncate an existing file only. */
export const FILE_OVERWRITE = 4
/** CreateDisposition: open and truncate, else create. */
export const FILE_OVERWRITE_IF = 5

/** IO_STATUS_BLOCK.Information of NtCreateFile: an existing file was superseded. */
export const FILE_SUPERSEDED = 0
/** IO_STATUS_BLOCK.Information of NtCreateFile: an existing file was opened. */
export const FILE_OPENED = 1
/** IO_STATUS_BLOCK.Information of NtCreateFile: a file was created. */
export const FILE_CREATED = 2
/** IO_STATUS_BLOCK.Information of NtCreateFile: an existing file was truncated. */
export const FILE_OVERWRITTEN = 3

/** OBJECT_ATTRIBUTES.Attributes: the handle is inherited. */
export const OBJ_INHERIT = 0x2
/** OBJECT_ATTRIBUTES.Attributes: the name is looked up without regard to case. */
export const OBJ_CASE_INSENSITIVE = 0x40
/** OBJECT_ATTRIBUTES.Attributes: a create of an existing name opens it (STATUS_OBJECT_NAME_EXISTS). */
export const OBJ_OPENIF = 0x80
/** Every OBJECT_ATTRIBUTES.Attributes bit ObpCaptureObjectAttributes accepts. */
export const OBJ_VALID_ATTRIBUTES = 0x1ff2

/** The object directory of named sections (and of every Win32 named object). */
export const BASE_NAMED_OBJECTS = '\\BaseNamedObjects\\'
/** The NT path prefix of the simulated volume (`\??\C:\name`). */
export const VOLUME_PREFIX = '\\??\\C:\\'

/** ViewShare: the view is mapped into child processes. */
export const ViewShare = 1
/** ViewUnmap: the view is not mapped into child processes. */
export const ViewUnmap = 2
/** Placeholders (Windows 10 1803+): accepted by NtMapViewOfSection's check, not modelled. */
export const MEM_REPLACE_PLACEHOLDER = 0x00004000

/** A named object of this name existed and was opened (a success code). `0x40000000`. */
export const STATUS_OBJECT_NAME_EXISTS = NtStatus.STATUS_OBJECT_NAME_EXISTS
/** The image was mapped somewhere other than its preferred base (a success code). `0x40000003`. */
export const STATUS_IMAGE_NOT_AT_BASE = NtStatus.STATUS_IMAGE_NOT_AT_BASE
/** A read at or past the end of a file. `0xC0000011`. */
export const STATUS_END_OF_FILE = NtStatus.STATUS_END_OF_FILE
/** The file cannot back this kind of section. `0xC0000020`. */
export const STATUS_INVALID_FILE_FOR_SECTION = NtStatus.STATUS_INVALID_FILE_FOR_SECTION
/** The object name is malformed. `0xC0000033`. */
export const STATUS_OBJECT_NAME_INVALID = NtStatus.STATUS_OBJECT_NAME_INVALID
/** No object has this name. `0xC0000034`. */
export const STATUS_OBJECT_NAME_NOT_FOUND = NtStatus.STATUS_OBJECT_NAME_NOT_FOUND
/** An object of this name exists (create without OBJ_OPENIF). `0xC0000035`. */
export const STATUS_OBJECT_NAME_COLLISION = NtStatus.STATUS_OBJECT_NAME_COLLISION
/** A directory of the path does not exist. `0xC000003A`. */
export const STATUS_OBJECT_PATH_NOT_FOUND = NtStatus.STATUS_OBJECT_PATH_NOT_FOUND
/** A relative name without a root directory. `0xC000003B`. */
export const STATUS_OBJECT_PATH_SYNTAX_BAD = NtStatus.STATUS_OBJECT_PATH_SYNTAX_BAD
/** The section would be larger than allowed (or than the file, for a read-only one). `0xC0000040`. */
export const STATUS_SECTION_TOO_BIG = NtStatus.STATUS_SECTION_TOO_BIG
/** The file is open with a share access that excludes this open. `0xC0000043`. */
export const STATUS_SHARING_VIOLATION = NtStatus.STATUS_SHARING_VIOLATION
/** Image information of a section that is not an image. `0xC0000049`. */
export const STATUS_SECTION_NOT_IMAGE = NtStatus.STATUS_SECTION_NOT_IMAGE
/** The view protection is not compatible with the section's (or the view's). `0xC000004E`. */
export const STATUS_SECTION_PROTECTION = NtStatus.STATUS_SECTION_PROTECTION
/** The section cannot be extended. `0xC0000087`. */
export const STATUS_SECTION_NOT_EXTENDED = NtStatus.STATUS_SECTION_NOT_EXTENDED
/** The two views are not of the same file. `0xC00000D4`. */
export const STATUS_NOT_SAME_DEVICE = NtStatus.STATUS_NOT_SAME_DEVICE
/** Parameter 7 is not valid. `0xC00000F5`. */
export const STATUS_INVALID_PARAMETER_7 = NtStatus.STATUS_INVALID_PARAMETER_7
/** Parameter 8 is not valid. `0xC00000F6`. */
export const STATUS_INVALID_PARAMETER_8 = NtStatus.STATUS_INVALID_PARAMETER_8
/** Parameter 9 is not valid. `0xC00000F7`. */
export const STATUS_INVALID_PARAMETER_9 = NtStatus.STATUS_INVALID_PARAMETER_9
/** Parameter 10 is not valid. `0xC00000F8`. */
export const STATUS_INVALID_PARAMETER_10 = NtStatus.STATUS_INVALID_PARAMETER_10
/** A section of an empty file. `0xC000011E`. */
export const STATUS_MAPPED_FILE_SIZE_ZERO = NtStatus.STATUS_MAPPED_FILE_SIZE_ZERO
/** A view base or section offset not on a 64 KiB boundary. `0xC0000220`. */
export const STATUS_MAPPED_ALIGNMENT = NtStatus.STATUS_MAPPED_ALIGNMENT
/** The address is not in a mapped view. `0xC0000019`. */
export const STATUS_NOT_MAPPED_VIEW = NtStatus.STATUS_NOT_MAPPED_VIEW
/** The view does not fit the section. `0xC000001F`. */
export const STATUS_INVALID_VIEW_SIZE = NtStatus.STATUS_INVALID_VIEW_SIZE
/** The file cannot be truncated below a section that maps it. `0xC0000243`. */
export const STATUS_USER_MAPPED_FILE = NtStatus.STATUS_USER_MAPPED_FILE
/** The volume cannot hold the file (past mm-core's MAXIMUM_FILE_SIZE). `0xC000007F`. */
export const STATUS_DISK_FULL = NtStatus.STATUS_DISK_FULL
