// An image file as NtCreateSection(SEC_IMAGE) sees it (NT-SECTIONS.md §15: Windows'
// MiCreateImageFileMap, ReactOS ntoskrnl/mm/section.c PeFmtCreateSection and
// ExeFmtpCreateImageSection): the header checks (peHeaders.ts), then the layout of the view — the
// page contents and each page's protection that mm-core's createImageSegment takes — and the
// SECTION_IMAGE_INFORMATION that NtQuerySection(SectionImageInformation) returns.
//
//   RVA 0                    ROUND_UP(SizeOfHeaders, SA)     each section i (contiguous, ascending)
//   ┌────────────────────────┬───────────────────────────────┬───────────────┬─────┐
//   │ headers: file [0,      │ section 0: file bytes          │ section 1 ... │tail │ ROUND_UP(SizeOfImage, P)
//   │ SizeOfHeaders), zeros, │ [0, min(SizeOfRawData, span)), │               │     │
//   │ PAGE_READONLY          │ zeros; protection from MEM_*   │               │     │
//   └────────────────────────┴───────────────────────────────┴───────────────┴─────┘
//   span = ROUND_UP(VirtualSize, SectionAlignment), or of SizeOfRawData when VirtualSize is 0.
//   A flat image (SectionAlignment < 4096) is one PAGE_EXECUTE_WRITECOPY run.

import type { ImageLayout } from '@ntmm/mm-core'
import {
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_SIZE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import { STATUS_SUCCESS } from './ntStatus.js'
import { type PeHeaders, type PeSectionHeader, readPeHeaders } from './peHeaders.js'
import {
  IMAGE_DIRECTORY_ENTRY,
  IMAGE_DLLCHARACTERISTICS,
  IMAGE_FILE,
  IMAGE_FILE_MACHINE,
  IMAGE_FLAGS,
  IMAGE_SCN,
  ImageStatus,
} from './peImageConstants.js'

export type { PeSectionHeader } from './peHeaders.js'

/** SECTION_IMAGE_INFORMATION (NT-SECTIONS §15.5), its fields in lowerCamelCase. */
export interface SectionImageInfo {
  /** ImageBase + AddressOfEntryPoint. */
  readonly transferAddress: number
  /** Always 0. */
  readonly zeroBits: number
  /** SizeOfStackReserve. */
  readonly maximumStackSize: number
  /** SizeOfStackCommit. */
  readonly committedStackSize: number
  /** OptionalHeader.Subsystem. */
  readonly subSystemType: number
  readonly subSystemMinorVersion: number
  readonly subSystemMajorVersion: number
  readonly majorOperatingSystemVersion: number
  readonly minorOperatingSystemVersion: number
  /** FileHeader.Characteristics (IMAGE_FILE_*). */
  readonly imageCharacteristics: number
  /** OptionalHeader.DllCharacteristics. */
  readonly dllCharacteristics: number
  /** FileHeader.Machine. */
  readonly machine: number
  /** SizeOfCode ≠ 0 or AddressOfEntryPoint ≠ 0. */
  readonly imageContainsCode: boolean
  /** ImageMappedFlat (SectionAlignment % 4096 ≠ 0), ImageDynamicallyRelocated (DYNAMIC_BASE with code). */
  readonly imageFlags: number
  /** 1 when the image has a COM descriptor, else 0. */
  readonly loaderFlags: number
  /** The file's size in bytes. */
  readonly imageFileSize: number
  /** OptionalHeader.CheckSum. */
  readonly checkSum: number
}

/** What a valid image gives besides its layout and information: where and how it wants to be mapped. */
export interface PeImageFacts {
  /** OptionalHeader.ImageBase, the preferred view base. */
  readonly imageBase: number
  /** ROUND_UP(SizeOfImage, 4096): the view's size and the section's Size (§2.2, §15.2). */
  readonly viewSize: number
  /** Whether the loader can move the image (IMAGE_FILE_RELOCS_STRIPPED clear) [unverified, see imageViewStatus]. */
  readonly relocatable: boolean
  readonly format: 'PE32' | 'PE32+'
  /** The section headers as read (before the view's PointerToRawData fix-up). */
  readonly sections: readonly PeSectionHeader[]
}

/** The result of {@link parsePeImage}: on success the layout, the information and the facts. */
export type PeImageParseResult =
  | {
      readonly status: typeof STATUS_SUCCESS
      readonly layout: ImageLayout
      readonly information: SectionImageInfo
      readonly image: PeImageFacts
    }
  | {
      readonly status: number
      readonly layout?: undefined
      readonly information?: undefined
      readonly image?: undefined
    }

/** NtCreateSection's own arguments the image rules read. */
export interface ParsePeImageOptions {
  /** MaximumSize (0 or absent: the image's size); above ROUND_UP(SizeOfImage, 4096) gives STATUS_SECTION_TOO_BIG. */
  readonly maximumSize?: number
}

const UINT32_LIMIT = 0x1_0000_0000

function roundUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment
}

/**
 * A section's page protection from its Characteristics (§15.2 rule 4): only MEM_READ, MEM_WRITE,
 * MEM_EXECUTE and MEM_SHARED count. A writable section is copy-on-write unless it is shared [impl].
 */
export function sectionProtection(characteristics: number): number {
  const read = (characteristics & IMAGE_SCN.MEM_READ) !== 0
  const write = (characteristics & IMAGE_SCN.MEM_WRITE) !== 0
  const execute = (characteristics & IMAGE_SCN.MEM_EXECUTE) !== 0
  const shared = (characteristics & IMAGE_SCN.MEM_SHARED) !== 0
  if (write) {
    if (execute) return shared ? PAGE_EXECUTE_READWRITE : PAGE_EXECUTE_WRITECOPY
    return shared ? PAGE_READWRITE : PAGE_WRITECOPY
  }
  if (execute) return read ? PAGE_EXECUTE_READ : PAGE_EXECUTE
  return read ? PAGE_READONLY : PAGE_NOACCESS
}

/** The span a section takes in the view (§15.2 rule 3). */
function sectionSpan(section: PeSectionHeader, sectionAlignment: number): number {
  return roundUp(section.virtualSize === 0 ? section.sizeOfRawData : section.virtualSize, sectionAlignment)
}

/**
 * The layout checks after the headers': rule 6 (raw data ending past 4 GiB) for every section, then
 * [impl ReactOS PeFmtCreateSection] each section SectionAlignment aligned and starting where the
 * previous one (or the headers) ends, with a non-empty span, and [unverified] its raw data inside
 * the file and the last span inside ROUND_UP(SizeOfImage, 4096).
 */
function checkSections(headers: PeHeaders, fileSize: number): number {
  const { sections, sectionAlignment } = headers
  if (sections.some((section) => section.pointerToRawData + section.sizeOfRawData >= UINT32_LIMIT)) {
    return ImageStatus.STATUS_INVALID_IMAGE_FORMAT
  }
  if (headers.sizeOfImage === 0) return ImageStatus.STATUS_INVALID_IMAGE_FORMAT
  let nextVirtualAddress = roundUp(headers.sizeOfHeaders, sectionAlignment)
  for (const section of sections) {
    const span = sectionSpan(section, sectionAlignment)
    const rawBytes = Math.min(section.sizeOfRawData, span)
    if (
      section.virtualAddress % sectionAlignment !== 0 ||
      section.virtualAddress !== nextVirtualAddress ||
      span === 0 ||
      section.pointerToRawData + rawBytes > fileSize
    ) {
      return ImageStatus.STATUS_INVALID_IMAGE_FORMAT
    }
    nextVirtualAddress = section.virtualAddress + span
  }
  if (roundUp(nextVirtualAddress, PAGE_SIZE) > roundUp(headers.sizeOfImage, PAGE_SIZE)) {
    return ImageStatus.STATUS_INVALID_IMAGE_FORMAT
  }
  return STATUS_SUCCESS
}

/** The view's pages and protections (§15.2). */
function layOut(bytes: Uint8Array, headers: PeHeaders, sectionTableOffset: number): ImageLayout {
  const pageCount = Math.ceil(headers.sizeOfImage / PAGE_SIZE)
  const image = new Uint8Array(pageCount * PAGE_SIZE)
  image.set(bytes.subarray(0, Math.min(headers.sizeOfHeaders, bytes.length)))
  const flat = headers.sectionAlignment < PAGE_SIZE
  const protections = new Array<number>(pageCount).fill(flat ? PAGE_EXECUTE_WRITECOPY : PAGE_READONLY)
  for (const [index, section] of headers.sections.entries()) {
    const span = sectionSpan(section, headers.sectionAlignment)
    const rawBytes = Math.min(section.sizeOfRawData, span)
    if (rawBytes > 0) {
      image.set(
        bytes.subarray(section.pointerToRawData, section.pointerToRawData + rawBytes),
        section.virtualAddress,
      )
    } else {
      // A section without raw data shows PointerToRawData 0 in the mapped header (§15.2 rule 3).
      const field = sectionTableOffset + index * 40 + 20
      if (field + 4 <= headers.sizeOfHeaders) image.fill(0, field, field + 4)
    }
    if (flat) continue
    const protect = sectionProtection(section.characteristics)
    const first = section.virtualAddress / PAGE_SIZE
    protections.fill(protect, first, first + span / PAGE_SIZE)
  }
  const pages = Array.from({ length: pageCount }, (_, page) =>
    image.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE),
  )
  return { pages, protections }
}

function imageInformation(headers: PeHeaders, fileSize: number): SectionImageInfo {
  const containsCode = headers.sizeOfCode !== 0 || headers.addressOfEntryPoint !== 0
  const comDescriptor = headers.dataDirectories[IMAGE_DIRECTORY_ENTRY.COM_DESCRIPTOR]!
  let imageFlags = 0
  if (headers.sectionAlignment % PAGE_SIZE !== 0) imageFlags |= IMAGE_FLAGS.ImageMappedFlat
  if (headers.dllCharacteristics & IMAGE_DLLCHARACTERISTICS.DYNAMIC_BASE && containsCode) {
    imageFlags |= IMAGE_FLAGS.ImageDynamicallyRelocated
  }
  return {
    transferAddress: headers.imageBase + headers.addressOfEntryPoint,
    zeroBits: 0,
    maximumStackSize: headers.sizeOfStackReserve,
    committedStackSize: headers.sizeOfStackCommit,
    subSystemType: headers.subsystem,
    subSystemMinorVersion: headers.minorSubsystemVersion,
    subSystemMajorVersion: headers.majorSubsystemVersion,
    majorOperatingSystemVersion: headers.majorOperatingSystemVersion,
    minorOperatingSystemVersion: headers.minorOperatingSystemVersion,
    imageCharacteristics: headers.characteristics,
    dllCharacteristics: headers.dllCharacteristics,
    machine: headers.machine,
    imageContainsCode: containsCode,
    imageFlags,
    loaderFlags: comDescriptor.virtualAddress !== 0 && comDescriptor.size !== 0 ? 1 : 0,
    imageFileSize: fileSize,
    checkSum: headers.checkSum,
  }
}

/**
 * Parse an image file as NtCreateSection(SEC_IMAGE) does (NT-SECTIONS §15.1, §15.2, §15.5): the
 * checks of peHeaders.ts, then rule 6 and the section layout checks (STATUS_INVALID_IMAGE_FORMAT),
 * then rule 7 (`maximumSize` past the image: STATUS_SECTION_TOO_BIG). On success: the laid-out
 * pages and their protections for `MemoryManager.createImageSegment`, the SECTION_IMAGE_INFORMATION,
 * and the preferred base and view size. Never throws.
 */
export function parsePeImage(bytes: Uint8Array, options: ParsePeImageOptions = {}): PeImageParseResult {
  const read = readPeHeaders(bytes)
  if (read.headers === undefined) return { status: read.status }
  const { headers } = read
  const sectionStatus = checkSections(headers, bytes.length)
  if (sectionStatus !== STATUS_SUCCESS) return { status: sectionStatus }
  const viewSize = roundUp(headers.sizeOfImage, PAGE_SIZE)
  if ((options.maximumSize ?? 0) > viewSize) return { status: ImageStatus.STATUS_SECTION_TOO_BIG }
  return {
    status: STATUS_SUCCESS,
    layout: layOut(bytes, headers, headers.sectionTableOffset),
    information: imageInformation(headers, bytes.length),
    image: {
      imageBase: headers.imageBase,
      viewSize,
      relocatable: (headers.characteristics & IMAGE_FILE.RELOCS_STRIPPED) === 0,
      format: headers.format,
      sections: headers.sections,
    },
  }
}

/**
 * The status NtMapViewOfSection returns for an image view mapped at `viewBase` (§15.4):
 * STATUS_IMAGE_MACHINE_TYPE_MISMATCH (a success code) for an image of the other bitness than the
 * process, else STATUS_SUCCESS at the preferred base and STATUS_IMAGE_NOT_AT_BASE (also a success
 * code: the view is mapped, not relocated) anywhere else. Whether the image may be placed elsewhere
 * at all is `relocatable`: the kernel itself never relocates; [unverified] an image with relocations
 * stripped whose preferred range is busy should fail with STATUS_CONFLICTING_ADDRESSES.
 */
export function imageViewStatus(
  image: { readonly imageBase: number; readonly machine: number },
  view: { readonly viewBase: number; readonly architecture: 'x86' | 'x86-pae' | 'x64' },
): number {
  const wideImage = image.machine === IMAGE_FILE_MACHINE.AMD64 || image.machine === IMAGE_FILE_MACHINE.ARM64
  if (wideImage !== (view.architecture === 'x64')) return ImageStatus.STATUS_IMAGE_MACHINE_TYPE_MISMATCH
  return view.viewBase === image.imageBase ? STATUS_SUCCESS : ImageStatus.STATUS_IMAGE_NOT_AT_BASE
}
