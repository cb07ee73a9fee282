// A small PE32 / PE32+ writer for tests, scenarios and users: the on-disk image a SEC_IMAGE section
// is created from (NT-SECTIONS.md §15.7, the synthetic image ReactOS's NtMapViewOfSection apitest
// builds). It writes what the memory manager's image rules read and nothing more: no imports,
// exports or resources. `parsePeImage` (peImage.ts) is its inverse.
//
//   file offset                       contents
//   0x0000                            IMAGE_DOS_HEADER (e_magic 'MZ', e_lfanew 0x80)
//   0x0080                            'PE\0\0', IMAGE_FILE_HEADER (20 bytes)
//   0x0098                            IMAGE_OPTIONAL_HEADER32 (0xE0) or ..64 (0xF0), 16 directories
//   then                              one IMAGE_SECTION_HEADER (40 bytes) per section
//   ROUND_UP(.., FileAlignment)       = SizeOfHeaders; each section's raw data follows, FileAlignment
//                                     aligned (a flat image, SectionAlignment < 4096, keeps every
//                                     section's raw data at its RVA: file offset = RVA)

import {
  IMAGE_DIRECTORY_ENTRY,
  IMAGE_FILE,
  IMAGE_FILE_MACHINE,
  IMAGE_NT_OPTIONAL_HDR_MAGIC,
  IMAGE_SCN,
  IMAGE_SUBSYSTEM,
} from './peImageConstants.js'

/** One section of an image to build. */
export interface PeSectionOptions {
  /** Up to 8 ASCII characters ('.text'). */
  readonly name: string
  /** RVA; default: the end of the previous section (or of the headers), SectionAlignment aligned. */
  readonly virtualAddress?: number
  /** VirtualSize; default: the raw data's length. 0 makes the span SizeOfRawData (§15.2). */
  readonly virtualSize?: number
  /** The section's bytes in the file (SizeOfRawData is their length rounded up to FileAlignment). */
  readonly data?: Uint8Array
  /** IMAGE_SCN_* bits: CNT_CODE / CNT_INITIALIZED_DATA / CNT_UNINITIALIZED_DATA, MEM_EXECUTE / READ / WRITE / SHARED. */
  readonly characteristics: number
}

/** A data directory entry (IMAGE_DATA_DIRECTORY) to write at `index`. */
export interface PeDataDirectory {
  readonly index: number
  readonly virtualAddress: number
  readonly size: number
}

/** What {@link buildPeImage} writes; every field but `sections` has the default of §15.7. */
export interface PeImageOptions {
  /** FileHeader.Machine (default IMAGE_FILE_MACHINE_I386); AMD64 and ARM64 write a PE32+ header. */
  readonly machine?: number
  /** Optional header format; default: PE32+ for AMD64 / ARM64, else PE32. */
  readonly format?: 'PE32' | 'PE32+'
  /** OptionalHeader.ImageBase (default 0x400000; 64 KiB aligned for a valid image). */
  readonly imageBase?: number
  /** OptionalHeader.SectionAlignment (default 0x1000). Below 0x1000 makes a flat image. */
  readonly sectionAlignment?: number
  /** OptionalHeader.FileAlignment (default 0x200; a flat image needs it equal to SectionAlignment). */
  readonly fileAlignment?: number
  /** AddressOfEntryPoint, an RVA (default 0). */
  readonly entryPoint?: number
  /** OptionalHeader.Subsystem (default IMAGE_SUBSYSTEM_WINDOWS_CUI). */
  readonly subsystem?: number
  /** Major/MinorSubsystemVersion (default 4.0). */
  readonly subsystemVersion?: { readonly major: number; readonly minor: number }
  /** Major/MinorOperatingSystemVersion (default 4.0). */
  readonly operatingSystemVersion?: { readonly major: number; readonly minor: number }
  /** FileHeader.Characteristics (default EXECUTABLE_IMAGE; RELOCS_STRIPPED follows `relocations`). */
  readonly characteristics?: number
  /** OptionalHeader.DllCharacteristics (default 0). */
  readonly dllCharacteristics?: number
  /** SizeOfStackReserve / SizeOfStackCommit (default 0x100000 / 0x1000). */
  readonly stackReserve?: number
  readonly stackCommit?: number
  /** OptionalHeader.CheckSum (default 0: not computed). */
  readonly checkSum?: number
  /**
   * 'stripped' (default) sets IMAGE_FILE_RELOCS_STRIPPED and writes no relocation directory;
   * 'present' clears it and appends a `.reloc` section holding one empty base-relocation block,
   * named by the BASERELOC directory.
   */
  readonly relocations?: 'present' | 'stripped'
  /** More data directories (e.g. COM_DESCRIPTOR, which sets LoaderFlags in the image information). */
  readonly dataDirectories?: readonly PeDataDirectory[]
  /** OptionalHeader.SizeOfImage; default: the end of the last section, SectionAlignment aligned. */
  readonly sizeOfImage?: number
  readonly sections: readonly PeSectionOptions[]
}

const E_LFANEW = 0x80
const FILE_HEADER_SIZE = 20
const SECTION_HEADER_SIZE = 40
const DIRECTORY_COUNT = 16
const PAGE = 0x1000

function roundUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment
}

function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value > 0 && (value & (value - 1)) === 0
}

function writeU64(view: DataView, offset: number, value: number): void {
  view.setUint32(offset, value % 0x1_0000_0000, true)
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true)
}

interface PlacedSection {
  readonly name: string
  readonly virtualAddress: number
  readonly virtualSize: number
  readonly data: Uint8Array
  readonly sizeOfRawData: number
  readonly pointerToRawData: number
  readonly characteristics: number
}

/**
 * Write a PE32 / PE32+ image file from `options` (sections in ascending RVA order). The result parses
 * with {@link parsePeImage} when the options describe a valid image; options that cannot be laid out
 * at all (a non-power-of-two alignment, overlapping sections, a name longer than 8 characters) throw
 * a RangeError naming the field. Invalid-but-writable values (an unaligned ImageBase, a section gap)
 * are written as given, so tests can build the images the rules reject.
 */
export function buildPeImage(options: PeImageOptions): Uint8Array {
  const machine = options.machine ?? IMAGE_FILE_MACHINE.I386
  const wide =
    (options.format ??
      (machine === IMAGE_FILE_MACHINE.AMD64 || machine === IMAGE_FILE_MACHINE.ARM64 ? 'PE32+' : 'PE32')) ===
    'PE32+'
  const sectionAlignment = options.sectionAlignment ?? PAGE
  const fileAlignment = options.fileAlignment ?? 0x200
  if (!isPowerOfTwo(sectionAlignment)) throw new RangeError('sectionAlignment must be a power of two')
  if (!isPowerOfTwo(fileAlignment)) throw new RangeError('fileAlignment must be a power of two')
  const flat = sectionAlignment < PAGE
  const relocations = options.relocations ?? 'stripped'
  const specs: PeSectionOptions[] = [...options.sections]
  if (relocations === 'present') {
    // One IMAGE_BASE_RELOCATION block with no entries: PageRVA 0, SizeOfBlock 8.
    const block = new Uint8Array(8)
    new DataView(block.buffer).setUint32(4, 8, true)
    specs.push({
      name: '.reloc',
      data: block,
      characteristics: IMAGE_SCN.CNT_INITIALIZED_DATA | IMAGE_SCN.MEM_READ | IMAGE_SCN.MEM_DISCARDABLE,
    })
  }
  const optionalHeaderSize = wide ? 0xf0 : 0xe0
  const sectionTable = E_LFANEW + 4 + FILE_HEADER_SIZE + optionalHeaderSize
  const sizeOfHeaders = roundUp(sectionTable + SECTION_HEADER_SIZE * specs.length, fileAlignment)

  const placed: PlacedSection[] = []
  let nextRva = roundUp(sizeOfHeaders, sectionAlignment)
  let fileEnd = sizeOfHeaders
  for (const [index, spec] of specs.entries()) {
    if (spec.name.length > 8 || /[^\x20-\x7e]/.test(spec.name)) {
      throw new RangeError(`sections[${index}].name must be at most 8 printable ASCII characters`)
    }
    const data = spec.data ?? new Uint8Array(0)
    const virtualAddress = spec.virtualAddress ?? nextRva
    const virtualSize = spec.virtualSize ?? data.length
    const sizeOfRawData = roundUp(data.length, fileAlignment)
    let pointerToRawData = 0
    if (sizeOfRawData > 0) {
      pointerToRawData = flat ? virtualAddress : roundUp(fileEnd, fileAlignment)
      if (pointerToRawData < fileEnd) {
        throw new RangeError(`sections[${index}] overlaps the previous section's raw data`)
      }
      fileEnd = pointerToRawData + sizeOfRawData
    }
    placed.push({
      name: spec.name,
      virtualAddress,
      virtualSize,
      data,
      sizeOfRawData,
      pointerToRawData,
      characteristics: spec.characteristics,
    })
    const span = roundUp(virtualSize === 0 ? sizeOfRawData : virtualSize, sectionAlignment)
    nextRva = virtualAddress + span
  }
  const sizeOfImage = options.sizeOfImage ?? nextRva

  const bytes = new Uint8Array(fileEnd)
  const view = new DataView(bytes.buffer)
  view.setUint16(0, 0x5a4d, true) // e_magic 'MZ'
  view.setUint32(0x3c, E_LFANEW, true)
  view.setUint32(E_LFANEW, 0x00004550, true) // 'PE\0\0'

  const fileHeader = E_LFANEW + 4
  let characteristics = options.characteristics ?? IMAGE_FILE.EXECUTABLE_IMAGE
  characteristics =
    relocations === 'stripped'
      ? characteristics | IMAGE_FILE.RELOCS_STRIPPED
      : characteristics & ~IMAGE_FILE.RELOCS_STRIPPED
  view.setUint16(fileHeader, machine, true)
  view.setUint16(fileHeader + 2, placed.length, true)
  view.setUint16(fileHeader + 16, optionalHeaderSize, true)
  view.setUint16(fileHeader + 18, characteristics, true)

  const optional = fileHeader + FILE_HEADER_SIZE
  const sumOf = (flag: number): number =>
    placed
      .filter((section) => section.characteristics & flag)
      .reduce((sum, section) => sum + section.sizeOfRawData, 0)
  view.setUint16(
    optional,
    wide ? IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32_PLUS : IMAGE_NT_OPTIONAL_HDR_MAGIC.PE32,
    true,
  )
  view.setUint32(optional + 4, sumOf(IMAGE_SCN.CNT_CODE), true)
  view.setUint32(optional + 8, sumOf(IMAGE_SCN.CNT_INITIALIZED_DATA), true)
  view.setUint32(optional + 12, sumOf(IMAGE_SCN.CNT_UNINITIALIZED_DATA), true)
  view.setUint32(optional + 16, options.entryPoint ?? 0, true)
  view.setUint32(
    optional + 20,
    placed.find((section) => section.characteristics & IMAGE_SCN.CNT_CODE)?.virtualAddress ?? 0,
    true,
  )
  const imageBase = options.imageBase ?? 0x400000
  if (wide) writeU64(view, optional + 24, imageBase)
  else view.setUint32(optional + 28, imageBase, true)
  view.setUint32(optional + 32, sectionAlignment, true)
  view.setUint32(optional + 36, fileAlignment, true)
  const osVersion = options.operatingSystemVersion ?? { major: 4, minor: 0 }
  view.setUint16(optional + 40, osVersion.major, true)
  view.setUint16(optional + 42, osVersion.minor, true)
  const subsystemVersion = options.subsystemVersion ?? { major: 4, minor: 0 }
  view.setUint16(optional + 48, subsystemVersion.major, true)
  view.setUint16(optional + 50, subsystemVersion.minor, true)
  view.setUint32(optional + 56, sizeOfImage, true)
  view.setUint32(optional + 60, sizeOfHeaders, true)
  view.setUint32(optional + 64, options.checkSum ?? 0, true)
  view.setUint16(optional + 68, options.subsystem ?? IMAGE_SUBSYSTEM.WINDOWS_CUI, true)
  view.setUint16(optional + 70, options.dllCharacteristics ?? 0, true)
  const stackReserve = options.stackReserve ?? 0x100000
  const stackCommit = options.stackCommit ?? 0x1000
  if (wide) {
    writeU64(view, optional + 72, stackReserve)
    writeU64(view, optional + 80, stackCommit)
    writeU64(view, optional + 88, 0x100000)
    writeU64(view, optional + 96, 0x1000)
  } else {
    view.setUint32(optional + 72, stackReserve, true)
    view.setUint32(optional + 76, stackCommit, true)
    view.setUint32(optional + 80, 0x100000, true)
    view.setUint32(optional + 84, 0x1000, true)
  }
  const directories = optional + (wide ? 112 : 96)
  view.setUint32(directories - 4, DIRECTORY_COUNT, true)
  const writeDirectory = (directory: PeDataDirectory): void => {
    if (!Number.isInteger(directory.index) || directory.index < 0 || directory.index >= DIRECTORY_COUNT) {
      throw new RangeError(`data directory index ${directory.index} is not 0..15`)
    }
    view.setUint32(directories + directory.index * 8, directory.virtualAddress, true)
    view.setUint32(directories + directory.index * 8 + 4, directory.size, true)
  }
  if (relocations === 'present') {
    const reloc = placed[placed.length - 1]!
    writeDirectory({ index: IMAGE_DIRECTORY_ENTRY.BASERELOC, virtualAddress: reloc.virtualAddress, size: 8 })
  }
  for (const directory of options.dataDirectories ?? []) writeDirectory(directory)

  for (const [index, section] of placed.entries()) {
    const header = sectionTable + index * SECTION_HEADER_SIZE
    for (let character = 0; character < section.name.length; character++) {
      bytes[header + character] = section.name.charCodeAt(character)
    }
    view.setUint32(header + 8, section.virtualSize, true)
    view.setUint32(header + 12, section.virtualAddress, true)
    view.setUint32(header + 16, section.sizeOfRawData, true)
    view.setUint32(header + 20, section.pointerToRawData, true)
    view.setUint32(header + 36, section.characteristics >>> 0, true)
    bytes.set(section.data, section.pointerToRawData)
  }
  return bytes
}
