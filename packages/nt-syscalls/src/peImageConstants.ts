// The PE/COFF constants of winnt.h that image sections read (IMAGE_FILE_*, IMAGE_SCN_*,
// IMAGE_DLLCHARACTERISTICS_*, IMAGE_FILE_MACHINE_*, IMAGE_DIRECTORY_ENTRY_*) and the NTSTATUS values
// an image section's creation and mapping return (NT-SECTIONS.md §1 table, §15.1, §15.4). The
// status values themselves are mm-core's NtStatus rows; ImageStatus only names the image ones.

import { NtStatus } from '@ntmm/mm-core'

/** FileHeader.Machine values the simulator accepts, with the optional-header Magic each needs. */
export const IMAGE_FILE_MACHINE = {
  I386: 0x014c,
  ARMNT: 0x01c4,
  AMD64: 0x8664,
  ARM64: 0xaa64,
} as const

/** OptionalHeader.Magic: PE32 (IMAGE_NT_OPTIONAL_HDR32_MAGIC) and PE32+ (..._HDR64_MAGIC). */
export const IMAGE_NT_OPTIONAL_HDR_MAGIC = { PE32: 0x10b, PE32_PLUS: 0x20b } as const

/** FileHeader.Characteristics bits (IMAGE_FILE_*). */
export const IMAGE_FILE = {
  RELOCS_STRIPPED: 0x0001,
  EXECUTABLE_IMAGE: 0x0002,
  LARGE_ADDRESS_AWARE: 0x0020,
  MACHINE_32BIT: 0x0100,
  DLL: 0x2000,
} as const

/** OptionalHeader.DllCharacteristics bits (IMAGE_DLLCHARACTERISTICS_*). */
export const IMAGE_DLLCHARACTERISTICS = {
  HIGH_ENTROPY_VA: 0x0020,
  DYNAMIC_BASE: 0x0040,
  NX_COMPAT: 0x0100,
} as const

/** Section header Characteristics bits (IMAGE_SCN_*). Only the MEM_ bits decide a page's protection. */
export const IMAGE_SCN = {
  CNT_CODE: 0x00000020,
  CNT_INITIALIZED_DATA: 0x00000040,
  CNT_UNINITIALIZED_DATA: 0x00000080,
  MEM_DISCARDABLE: 0x02000000,
  MEM_SHARED: 0x10000000,
  MEM_EXECUTE: 0x20000000,
  MEM_READ: 0x40000000,
  MEM_WRITE: 0x80000000,
} as const

/** OptionalHeader.Subsystem values (IMAGE_SUBSYSTEM_*). */
export const IMAGE_SUBSYSTEM = { NATIVE: 1, WINDOWS_GUI: 2, WINDOWS_CUI: 3 } as const

/** Data directory indexes (IMAGE_DIRECTORY_ENTRY_*) the image rules look at. */
export const IMAGE_DIRECTORY_ENTRY = { BASERELOC: 5, COM_DESCRIPTOR: 14 } as const

/** SECTION_IMAGE_INFORMATION.ImageFlags bits (NT-SECTIONS §15.5). */
export const IMAGE_FLAGS = {
  ImageDynamicallyRelocated: 0x04,
  ImageMappedFlat: 0x08,
} as const

/**
 * The statuses of image-section creation and mapping: a view of mm-core's NtStatus table (the one
 * place their values live), named here so the image rules read as one list.
 */
export const ImageStatus = {
  STATUS_IMAGE_NOT_AT_BASE: NtStatus.STATUS_IMAGE_NOT_AT_BASE,
  STATUS_IMAGE_MACHINE_TYPE_MISMATCH: NtStatus.STATUS_IMAGE_MACHINE_TYPE_MISMATCH,
  STATUS_INVALID_IMAGE_FORMAT: NtStatus.STATUS_INVALID_IMAGE_FORMAT,
  STATUS_INVALID_FILE_FOR_SECTION: NtStatus.STATUS_INVALID_FILE_FOR_SECTION,
  STATUS_SECTION_TOO_BIG: NtStatus.STATUS_SECTION_TOO_BIG,
  STATUS_INVALID_IMAGE_NOT_MZ: NtStatus.STATUS_INVALID_IMAGE_NOT_MZ,
  STATUS_INVALID_IMAGE_PROTECT: NtStatus.STATUS_INVALID_IMAGE_PROTECT,
  STATUS_INVALID_IMAGE_WIN_16: NtStatus.STATUS_INVALID_IMAGE_WIN_16,
  STATUS_INVALID_IMAGE_NE_FORMAT: NtStatus.STATUS_INVALID_IMAGE_NE_FORMAT,
} as const

/** The name of an image status (`ImageStatus`), or undefined for any other value. */
export function imageStatusName(status: number): keyof typeof ImageStatus | undefined {
  for (const [name, value] of Object.entries(ImageStatus)) {
    if (value === status) return name as keyof typeof ImageStatus
  }
  return undefined
}
