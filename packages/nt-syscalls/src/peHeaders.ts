// Reading and checking a PE file's headers, in the order NT-SECTIONS.md §15.1 gives for
// NtCreateSection(SEC_IMAGE) (Windows' MiCreateImageFileMap; ReactOS ntoskrnl/mm/section.c
// PeFmtCreateSection; Wine server/mapping.c get_image_params). The layout of the view is
// peImage.ts's; this file answers "is this an image, and what do its headers say".
//
// Checks, in order (the rule number of §15.1, or [impl]/[unverified] where no test pins it):
//   1  file size 0                                         STATUS_INVALID_FILE_FOR_SECTION
//   2  shorter than IMAGE_DOS_HEADER [impl Wine], or
//      e_magic != 'MZ'                                     STATUS_INVALID_IMAGE_NOT_MZ
//   3  e_lfanew + 4 past the end of the file               STATUS_INVALID_IMAGE_PROTECT
//   4  'NE': ne_exetyp 2 → WIN_16, 5 → PROTECT, else       STATUS_INVALID_IMAGE_NE_FORMAT
//      not 'PE\0\0'                                        STATUS_INVALID_IMAGE_PROTECT
//   -  IMAGE_FILE_HEADER cut off by the end of file [impl] STATUS_INVALID_IMAGE_FORMAT
//   5  Magic not 0x10B / 0x20B, unknown Machine, or a
//      Machine whose bitness differs from the Magic        STATUS_INVALID_IMAGE_FORMAT
//   -  optional header shorter than its fixed part, or
//      cut off by the end of file [unverified]             STATUS_INVALID_IMAGE_FORMAT
//   -  alignments [impl ReactOS]: both powers of two;
//      SectionAlignment < 4096 needs FileAlignment equal
//      to it, else SectionAlignment >= FileAlignment       STATUS_INVALID_IMAGE_FORMAT
//   -  ImageBase not 64 KiB aligned [impl ReactOS], or the
//      image past the 48-bit address space [unverified]    STATUS_INVALID_IMAGE_FORMAT
//   -  more than 96 sections [impl ReactOS], section table
//      past SizeOfHeaders or the file [unverified]         STATUS_INVALID_IMAGE_FORMAT

import { IMAGE_FILE_MACHINE, IMAGE_NT_OPTIONAL_HDR_MAGIC, ImageStatus } from './peImageConstants.js'

/** One IMAGE_SECTION_HEADER as read from the file. */
export interface PeSectionHeader {
  readonly name: string
  readonly virtualSize: number
  readonly virtualAddress: number
  readonly sizeOfRawData: number
  readonly pointerToRawData: number
  readonly characteristics: number
}

/** The header fields the image rules use. */
export interface PeHeaders {
  readonly machine: number
  readonly format: 'PE32' | 'PE32+'
  readonly characteristics: number
  readonly sizeOfCode: number
  readonly addressOfEntryPoint: number
  readonly imageBase: number
  readonly sectionAlignment: number
  readonly fileAlignment: number
  readonly majorOperatingSystemVersion: number
  readonly minorOperatingSystemVersion: number
  readonly majorSubsystemVersion: number
  readonly minorSubsystemVersion: number
  readonly sizeOfImage: number
  readonly sizeOfHeaders: number
  readonly checkSum: number
  readonly subsystem: number
  readonly dllCharacteristics: number
  readonly sizeOfStackReserve: number
  readonly sizeOfStackCommit: number
  /** Each present data directory's (RVA, size); absent ones read as zero. */
  readonly dataDirectories: readonly { readonly virtualAddress: number; readonly size: number }[]
  /** File offset of the first IMAGE_SECTION_HEADER. */
  readonly sectionTableOffset: number
  readonly sections: readonly PeSectionHeader[]
}

/** The headers of an image, or the status that rejects it. */
export type PeHeadersResult =
  | { readonly status: 0; readonly headers: PeHeaders }
  | { readonly status: number; readonly headers?: undefined }

const DOS_HEADER_SIZE = 0x40
const FILE_HEADER_SIZE = 20
const SECTION_HEADER_SIZE = 40
const MAXIMUM_SECTIONS = 96
/** Bytes of the optional header up to and including NumberOfRvaAndSizes. */
const FIXED_OPTIONAL = { PE32: 96, 'PE32+': 112 } as const
const ADDRESS_SPACE_LIMIT = 2 ** 48
const NE_EXETYP_WINDOWS = 2
const NE_EXETYP_WINDOWS_386 = 5

/** The Magic each accepted Machine must come with (bitness). */
const MACHINE_FORMAT = new Map<number, 'PE32' | 'PE32+'>([
  [IMAGE_FILE_MACHINE.I386, 'PE32'],
  [IMAGE_FILE_MACHINE.ARMNT, 'PE32'],
  [IMAGE_FILE_MACHINE.AMD64, 'PE32+'],
  [IMAGE_FILE_MACHINE.ARM64, 'PE32+'],
])

function isPowerOfTwo(value: number): boolean {
  return value > 0 && (value & (value - 1)) === 0
}

function fail(status: number): PeHeadersResult {
  return { status }
}

/**
 * Read and check the headers of `bytes` as NtCreateSection(SEC_IMAGE) does, in the order of the
 * table above. Never throws: a malformed file gives its status.
 */
export function readPeHeaders(bytes: Uint8Array): PeHeadersResult {
  const size = bytes.length
  if (size === 0) return fail(ImageStatus.STATUS_INVALID_FILE_FOR_SECTION)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (size < DOS_HEADER_SIZE || view.getUint16(0, true) !== 0x5a4d) {
    return fail(ImageStatus.STATUS_INVALID_IMAGE_NOT_MZ)
  }
  const ntOffset = view.getUint32(0x3c, true)
  if (ntOffset + 4 > size) return fail(ImageStatus.STATUS_INVALID_IMAGE_PROTECT)
  if (view.getUint16(ntOffset, true) === 0x454e) {
    // 'NE': a 16-bit image; ne_exetyp is at 0x36 of the NE header.
    const exeType = ntOffset + 0x37 <= size ? view.getUint8(ntOffset + 0x36) : -1
    if (exeType === NE_EXETYP_WINDOWS) return fail(ImageStatus.STATUS_INVALID_IMAGE_WIN_16)
    if (exeType === NE_EXETYP_WINDOWS_386) return fail(ImageStatus.STATUS_INVALID_IMAGE_PROTECT)
    return fail(ImageStatus.STATUS_INVALID_IMAGE_NE_FORMAT)
  }
  if (view.getUint32(ntOffset, true) !== 0x00004550) return fail(ImageStatus.STATUS_INVALID_IMAGE_PROTECT)
  const fileHeader = ntOffset + 4
  if (fileHeader + FILE_HEADER_SIZE > size) return fail(ImageStatus.STATUS_INVALID_IMAGE_FORMAT)
  const machine = view.getUint16(fileHeader, true)
  const numberOfSections = view.getUint16(fileHeader + 2, true)
  const sizeOfOptionalHeader = view.getUint16(fileHeader + 16, true)
  const characteristics = view.getUint16(fileHeader + 18, true)
  const optional = fileHeader + FILE_HEADER_SIZE
  const magic = sizeOfOptionalHeader >= 2 && optional + 2 <= size ? view.getUint16(optional, true) : -1
  const format =
    magic === IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32
      ? 'PE32'
      : magic === IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32_PLUS
        ? 'PE32+'
        : undefined
  if (format === undefined || MACHINE_FORMAT.get(machine) !== format) {
    return fail(ImageStatus.STATUS_INVALID_IMAGE_FORMAT)
  }
  const wide = format === 'PE32+'
  if (sizeOfOptionalHeader < FIXED_OPTIONAL[format] || optional + sizeOfOptionalHeader > size) {
    return fail(ImageStatus.STATUS_INVALID_IMAGE_FORMAT)
  }
  const u16 = (at: number): number => view.getUint16(optional + at, true)
  const u32 = (at: number): number => view.getUint32(optional + at, true)
  const u64 = (at: number): number => u32(at) + u32(at + 4) * 0x1_0000_0000
  const sectionAlignment = u32(32)
  const fileAlignment = u32(36)
  if (!isPowerOfTwo(sectionAlignment) || !isPowerOfTwo(fileAlignment)) {
    return fail(ImageStatus.STATUS_INVALID_IMAGE_FORMAT)
  }
  if (sectionAlignment < 0x1000 ? fileAlignment !== sectionAlignment : sectionAlignment < fileAlignment) {
    return fail(ImageStatus.STATUS_INVALID_IMAGE_FORMAT)
  }
  const imageBase = wide ? u64(24) : u32(28)
  const sizeOfImage = u32(56)
  if (imageBase % 0x10000 !== 0 || imageBase + sizeOfImage > ADDRESS_SPACE_LIMIT) {
    return fail(ImageStatus.STATUS_INVALID_IMAGE_FORMAT)
  }
  const sizeOfHeaders = u32(60)
  const sectionTable = optional + sizeOfOptionalHeader
  const sectionTableEnd = sectionTable + numberOfSections * SECTION_HEADER_SIZE
  if (numberOfSections > MAXIMUM_SECTIONS || sectionTableEnd > sizeOfHeaders || sectionTableEnd > size) {
    return fail(ImageStatus.STATUS_INVALID_IMAGE_FORMAT)
  }
  const directoryCount = Math.min(
    u32(wide ? 108 : 92),
    16,
    Math.floor((sizeOfOptionalHeader - FIXED_OPTIONAL[format]) / 8),
  )
  const dataDirectories = Array.from({ length: 16 }, (_, index) =>
    index < directoryCount
      ? {
          virtualAddress: u32(FIXED_OPTIONAL[format] + index * 8),
          size: u32(FIXED_OPTIONAL[format] + index * 8 + 4),
        }
      : { virtualAddress: 0, size: 0 },
  )
  const sections: PeSectionHeader[] = []
  for (let index = 0; index < numberOfSections; index++) {
    const header = sectionTable + index * SECTION_HEADER_SIZE
    let name = ''
    for (let character = 0; character < 8 && bytes[header + character] !== 0; character++) {
      name += String.fromCharCode(bytes[header + character]!)
    }
    sections.push({
      name,
      virtualSize: view.getUint32(header + 8, true),
      virtualAddress: view.getUint32(header + 12, true),
      sizeOfRawData: view.getUint32(header + 16, true),
      pointerToRawData: view.getUint32(header + 20, true),
      characteristics: view.getUint32(header + 36, true),
    })
  }
  return {
    status: 0,
    headers: {
      machine,
      format,
      characteristics,
      sizeOfCode: u32(4),
      addressOfEntryPoint: u32(16),
      imageBase,
      sectionAlignment,
      fileAlignment,
      majorOperatingSystemVersion: u16(40),
      minorOperatingSystemVersion: u16(42),
      majorSubsystemVersion: u16(48),
      minorSubsystemVersion: u16(50),
      sizeOfImage,
      sizeOfHeaders,
      checkSum: u32(64),
      subsystem: u16(68),
      dllCharacteristics: u16(70),
      sizeOfStackReserve: wide ? u64(72) : u32(72),
      sizeOfStackCommit: wide ? u64(80) : u32(76),
      dataDirectories,
      sectionTableOffset: sectionTable,
      sections,
    },
  }
}
