import { describe, expect, it } from 'vitest'
import {
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import { STATUS_SUCCESS } from './ntStatus.js'
import { imageViewStatus, parsePeImage, sectionProtection } from './peImage.js'
import { buildPeImage, type PeImageOptions, type PeSectionOptions } from './peImageBuilder.js'
import {
  IMAGE_DIRECTORY_ENTRY,
  IMAGE_DLLCHARACTERISTICS,
  IMAGE_FILE,
  IMAGE_FILE_MACHINE,
  IMAGE_FLAGS,
  IMAGE_SCN,
  ImageStatus,
} from './peImageConstants.js'

const { MEM_READ, MEM_WRITE, MEM_EXECUTE, MEM_SHARED, CNT_CODE, CNT_INITIALIZED_DATA } = IMAGE_SCN
const E_LFANEW = 0x80
const OPTIONAL = E_LFANEW + 24

function filled(length: number, value: number): Uint8Array {
  return new Uint8Array(length).fill(value)
}

const TEXT: PeSectionOptions = {
  name: '.text',
  data: filled(0x300, 0xcc),
  characteristics: CNT_CODE | MEM_READ | MEM_EXECUTE,
}
const DATA: PeSectionOptions = {
  name: '.data',
  data: filled(0x80, 0xdd),
  virtualSize: 0x1800,
  characteristics: CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE,
}

function sample(overrides: Partial<PeImageOptions> = {}): Uint8Array {
  return buildPeImage({ entryPoint: 0x1000, sections: [TEXT, DATA], ...overrides })
}

function patched(bytes: Uint8Array, edit: (view: DataView) => void): Uint8Array {
  const copy = bytes.slice()
  edit(new DataView(copy.buffer))
  return copy
}

describe('parsePeImage', () => {
  const rejections: [string, () => Uint8Array, number, { maximumSize?: number }?][] = [
    [
      'rule 1: an empty file gives STATUS_INVALID_FILE_FOR_SECTION',
      () => new Uint8Array(0),
      ImageStatus.STATUS_INVALID_FILE_FOR_SECTION,
    ],
    [
      'rule 2: e_magic other than MZ gives STATUS_INVALID_IMAGE_NOT_MZ',
      () => patched(sample(), (v) => v.setUint16(0, 0x4d5a, true)),
      ImageStatus.STATUS_INVALID_IMAGE_NOT_MZ,
    ],
    [
      'rule 2: a file shorter than IMAGE_DOS_HEADER gives STATUS_INVALID_IMAGE_NOT_MZ',
      () => sample().slice(0, 0x20),
      ImageStatus.STATUS_INVALID_IMAGE_NOT_MZ,
    ],
    [
      'rule 3: e_lfanew outside the file gives STATUS_INVALID_IMAGE_PROTECT',
      () => patched(sample(), (v) => v.setUint32(0x3c, 0x100000, true)),
      ImageStatus.STATUS_INVALID_IMAGE_PROTECT,
    ],
    [
      'rule 4: an NE signature gives STATUS_INVALID_IMAGE_NE_FORMAT',
      () => patched(sample(), (v) => v.setUint16(E_LFANEW, 0x454e, true)),
      ImageStatus.STATUS_INVALID_IMAGE_NE_FORMAT,
    ],
    [
      'rule 4: NE with ne_exetyp 2 gives STATUS_INVALID_IMAGE_WIN_16',
      () =>
        patched(sample(), (v) => {
          v.setUint16(E_LFANEW, 0x454e, true)
          v.setUint8(E_LFANEW + 0x36, 2)
        }),
      ImageStatus.STATUS_INVALID_IMAGE_WIN_16,
    ],
    [
      'rule 4: NE with ne_exetyp 5 gives STATUS_INVALID_IMAGE_PROTECT',
      () =>
        patched(sample(), (v) => {
          v.setUint16(E_LFANEW, 0x454e, true)
          v.setUint8(E_LFANEW + 0x36, 5)
        }),
      ImageStatus.STATUS_INVALID_IMAGE_PROTECT,
    ],
    [
      'rule 4: a signature other than PE\\0\\0 gives STATUS_INVALID_IMAGE_PROTECT',
      () => patched(sample(), (v) => v.setUint32(E_LFANEW, 0x00014550, true)),
      ImageStatus.STATUS_INVALID_IMAGE_PROTECT,
    ],
    [
      'a file header cut off by the end of the file gives STATUS_INVALID_IMAGE_FORMAT [impl]',
      () => sample().slice(0, E_LFANEW + 10),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'rule 5: an unknown Magic gives STATUS_INVALID_IMAGE_FORMAT',
      () => patched(sample(), (v) => v.setUint16(OPTIONAL, 0x107, true)),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'rule 5: an unknown Machine gives STATUS_INVALID_IMAGE_FORMAT',
      () => patched(sample(), (v) => v.setUint16(E_LFANEW + 4, 0x1234, true)),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'rule 5: machine I386 with a PE32+ header gives STATUS_INVALID_IMAGE_FORMAT',
      () => sample({ format: 'PE32+' }),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'rule 5: machine AMD64 with a PE32 header gives STATUS_INVALID_IMAGE_FORMAT',
      () => sample({ machine: IMAGE_FILE_MACHINE.AMD64, format: 'PE32' }),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'an optional header shorter than its fixed part gives STATUS_INVALID_IMAGE_FORMAT [unverified]',
      () => patched(sample(), (v) => v.setUint16(E_LFANEW + 20, 0x40, true)),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'a SectionAlignment that is not a power of two gives STATUS_INVALID_IMAGE_FORMAT [impl]',
      () => patched(sample(), (v) => v.setUint32(OPTIONAL + 32, 0x1800, true)),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'a FileAlignment above SectionAlignment gives STATUS_INVALID_IMAGE_FORMAT [impl]',
      () => patched(sample(), (v) => v.setUint32(OPTIONAL + 36, 0x2000, true)),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'a SectionAlignment below a page with a different FileAlignment gives STATUS_INVALID_IMAGE_FORMAT [impl]',
      () => sample({ sectionAlignment: 0x200, fileAlignment: 0x100 }),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'an ImageBase not 64 KiB aligned gives STATUS_INVALID_IMAGE_FORMAT [impl]',
      () => sample({ imageBase: 0x401000 }),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'more than 96 sections gives STATUS_INVALID_IMAGE_FORMAT [impl]',
      () => patched(sample(), (v) => v.setUint16(E_LFANEW + 6, 97, true)),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'a section table past SizeOfHeaders gives STATUS_INVALID_IMAGE_FORMAT [unverified]',
      () => patched(sample(), (v) => v.setUint32(OPTIONAL + 60, 0x100, true)),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'rule 6: PointerToRawData + SizeOfRawData past 4 GiB gives STATUS_INVALID_IMAGE_FORMAT',
      () => patched(sample(), (v) => v.setUint32(OPTIONAL + 0xe0 + 20, 0xffffff00, true)),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'a section RVA not SectionAlignment aligned gives STATUS_INVALID_IMAGE_FORMAT [impl]',
      () => sample({ sections: [{ ...TEXT, virtualAddress: 0x1200 }] }),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'a gap between sections gives STATUS_INVALID_IMAGE_FORMAT [impl]',
      () => sample({ sections: [TEXT, { ...DATA, virtualAddress: 0x4000 }] }),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'an empty section gives STATUS_INVALID_IMAGE_FORMAT [impl]',
      () => sample({ sections: [TEXT, { name: '.bss', characteristics: MEM_READ }] }),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'raw data past the end of the file gives STATUS_INVALID_IMAGE_FORMAT [unverified]',
      () => sample().slice(0, 0x500),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'a section past SizeOfImage gives STATUS_INVALID_IMAGE_FORMAT [unverified]',
      () => sample({ sizeOfImage: 0x2000 }),
      ImageStatus.STATUS_INVALID_IMAGE_FORMAT,
    ],
    [
      'rule 7: MaximumSize above ROUND_UP(SizeOfImage, P) gives STATUS_SECTION_TOO_BIG',
      () => sample(),
      ImageStatus.STATUS_SECTION_TOO_BIG,
      { maximumSize: 0x4001 },
    ],
  ]
  for (const [rule, image, status, options] of rejections) {
    it(rule, () => {
      const result = parsePeImage(image(), options)
      expect(result.status.toString(16)).toBe(status.toString(16))
      expect(result.layout).toBeUndefined()
    })
  }

  it('checks in the rules order: NOT_MZ before PROTECT before FORMAT', () => {
    const broken = patched(sample({ format: 'PE32+' }), (v) => v.setUint32(E_LFANEW, 0, true))
    expect(parsePeImage(broken).status).toBe(ImageStatus.STATUS_INVALID_IMAGE_PROTECT)
    expect(parsePeImage(patched(broken, (v) => v.setUint16(0, 0, true))).status).toBe(
      ImageStatus.STATUS_INVALID_IMAGE_NOT_MZ,
    )
  })

  it('accepts MaximumSize equal to the image size (rule 7)', () => {
    expect(parsePeImage(sample(), { maximumSize: 0x4000 }).status).toBe(STATUS_SUCCESS)
  })

  it('lays out the headers page READONLY and each section with its span (§15.2)', () => {
    const result = parsePeImage(sample())
    expect(result.status).toBe(STATUS_SUCCESS)
    const { layout, image } = result
    expect(image?.viewSize).toBe(0x4000)
    expect(layout?.protections).toEqual([PAGE_READONLY, PAGE_EXECUTE_READ, PAGE_WRITECOPY, PAGE_WRITECOPY])
    const pages = layout!.pages
    expect(pages[0]![0]).toBe(0x4d)
    expect(pages[0]![0x400]).toBe(0) // past SizeOfHeaders: zero
    expect(pages[1]![0x2ff]).toBe(0xcc)
    expect(pages[1]![0x300]).toBe(0) // past the raw data: zero
    expect(pages[2]![0x7f]).toBe(0xdd)
    expect(pages[2]![0x80]).toBe(0)
    expect(pages[3]!.every((byte) => byte === 0)).toBe(true)
  })

  it('fills min(SizeOfRawData, ROUND_UP(VirtualSize, SectionAlignment)) from the file (§15.2 rule 3)', () => {
    const bytes = sample({ sections: [{ ...TEXT, data: filled(0x1400, 0xee), virtualSize: 0x10 }] })
    const { layout } = parsePeImage(bytes)
    expect(layout?.pages.length).toBe(2)
    expect(layout?.pages[1]?.every((byte) => byte === 0xee)).toBe(true)
  })

  it('shows PointerToRawData 0 in the mapped header of a section without raw data (§15.2 rule 3)', () => {
    const bytes = patched(
      sample({
        sections: [TEXT, { name: '.bss', virtualSize: 0x1000, characteristics: MEM_READ | MEM_WRITE }],
      }),
      (v) => v.setUint32(OPTIONAL + 0xe0 + 40 + 20, 0x600, true),
    )
    const { layout, image } = parsePeImage(bytes)
    expect(image?.sections[1]?.pointerToRawData).toBe(0x600)
    const header = new DataView(layout!.pages[0]!.buffer)
    expect(header.getUint32(OPTIONAL + 0xe0 + 40 + 20, true)).toBe(0)
    expect(layout?.pages[2]?.every((byte) => byte === 0)).toBe(true)
  })

  const protections: [string, number, number][] = [
    ['no MEM_ bits: PAGE_NOACCESS (CNT_ bits ignored)', CNT_CODE | CNT_INITIALIZED_DATA, PAGE_NOACCESS],
    ['MEM_READ: PAGE_READONLY', MEM_READ, PAGE_READONLY],
    ['MEM_WRITE: PAGE_WRITECOPY', MEM_WRITE, PAGE_WRITECOPY],
    ['MEM_READ|MEM_WRITE: PAGE_WRITECOPY', MEM_READ | MEM_WRITE, PAGE_WRITECOPY],
    ['MEM_EXECUTE: PAGE_EXECUTE', MEM_EXECUTE, PAGE_EXECUTE],
    ['MEM_READ|MEM_EXECUTE: PAGE_EXECUTE_READ', MEM_READ | MEM_EXECUTE, PAGE_EXECUTE_READ],
    ['MEM_WRITE|MEM_EXECUTE: PAGE_EXECUTE_WRITECOPY', MEM_WRITE | MEM_EXECUTE, PAGE_EXECUTE_WRITECOPY],
    [
      'MEM_READ|MEM_WRITE|MEM_EXECUTE: PAGE_EXECUTE_WRITECOPY',
      MEM_READ | MEM_WRITE | MEM_EXECUTE,
      PAGE_EXECUTE_WRITECOPY,
    ],
    ['MEM_SHARED|MEM_WRITE: PAGE_READWRITE [impl]', MEM_SHARED | MEM_READ | MEM_WRITE, PAGE_READWRITE],
    [
      'MEM_SHARED|MEM_WRITE|MEM_EXECUTE: PAGE_EXECUTE_READWRITE [impl]',
      MEM_SHARED | MEM_WRITE | MEM_EXECUTE,
      PAGE_EXECUTE_READWRITE,
    ],
    ['MEM_SHARED without MEM_WRITE: PAGE_READONLY', MEM_SHARED | MEM_READ, PAGE_READONLY],
  ]
  for (const [rule, characteristics, protect] of protections) {
    it(`gives a section's pages their protection from Characteristics: ${rule} (§15.2 rule 4)`, () => {
      expect(sectionProtection(characteristics)).toBe(protect)
      const { layout } = parsePeImage(
        sample({ sections: [{ name: '.s', data: filled(16, 1), characteristics }] }),
      )
      expect(layout?.protections[1]).toBe(protect)
    })
  }

  it('maps a flat image (SectionAlignment < P) as one PAGE_EXECUTE_WRITECOPY run, ImageMappedFlat (§15.2 rule 5, §15.5)', () => {
    const bytes = sample({ sectionAlignment: 0x200, fileAlignment: 0x200, entryPoint: 0x400 })
    const { layout, information } = parsePeImage(bytes)
    expect(layout?.protections.every((protect) => protect === PAGE_EXECUTE_WRITECOPY)).toBe(true)
    expect(layout?.pages[0]?.[0x400]).toBe(0xcc)
    expect(information?.imageFlags).toBe(IMAGE_FLAGS.ImageMappedFlat)
  })

  it('fills SECTION_IMAGE_INFORMATION from the headers (§15.5)', () => {
    const bytes = sample({
      imageBase: 0x10000000,
      subsystemVersion: { major: 6, minor: 1 },
      operatingSystemVersion: { major: 6, minor: 2 },
      characteristics: IMAGE_FILE.EXECUTABLE_IMAGE | IMAGE_FILE.DLL,
      dllCharacteristics: IMAGE_DLLCHARACTERISTICS.DYNAMIC_BASE | IMAGE_DLLCHARACTERISTICS.NX_COMPAT,
      stackReserve: 0x200000,
      stackCommit: 0x2000,
      checkSum: 0x1234,
      relocations: 'present',
      dataDirectories: [{ index: IMAGE_DIRECTORY_ENTRY.COM_DESCRIPTOR, virtualAddress: 0x2000, size: 0x48 }],
    })
    const result = parsePeImage(bytes)
    expect(result.information).toEqual({
      transferAddress: 0x10001000,
      zeroBits: 0,
      maximumStackSize: 0x200000,
      committedStackSize: 0x2000,
      subSystemType: 3,
      subSystemMinorVersion: 1,
      subSystemMajorVersion: 6,
      majorOperatingSystemVersion: 6,
      minorOperatingSystemVersion: 2,
      imageCharacteristics: IMAGE_FILE.EXECUTABLE_IMAGE | IMAGE_FILE.DLL,
      dllCharacteristics: IMAGE_DLLCHARACTERISTICS.DYNAMIC_BASE | IMAGE_DLLCHARACTERISTICS.NX_COMPAT,
      machine: IMAGE_FILE_MACHINE.I386,
      imageContainsCode: true,
      imageFlags: IMAGE_FLAGS.ImageDynamicallyRelocated,
      loaderFlags: 1,
      imageFileSize: bytes.length,
      checkSum: 0x1234,
    })
    expect(result.image?.relocatable).toBe(true)
  })

  it('reports ImageContainsCode false without SizeOfCode and entry point, and no dynamic relocation then (§15.5)', () => {
    const bytes = sample({
      entryPoint: 0,
      sections: [DATA],
      dllCharacteristics: IMAGE_DLLCHARACTERISTICS.DYNAMIC_BASE,
    })
    const { information } = parsePeImage(bytes)
    expect(information?.imageContainsCode).toBe(false)
    expect(information?.imageFlags).toBe(0)
    expect(information?.loaderFlags).toBe(0)
  })

  it('reads a PE32+ image: 64-bit ImageBase and stack sizes', () => {
    const bytes = sample({
      machine: IMAGE_FILE_MACHINE.AMD64,
      imageBase: 0x140000000,
      stackReserve: 0x300000,
    })
    const result = parsePeImage(bytes)
    expect(result.status).toBe(STATUS_SUCCESS)
    expect(result.image?.format).toBe('PE32+')
    expect(result.information?.transferAddress).toBe(0x140001000)
    expect(result.information?.maximumStackSize).toBe(0x300000)
  })

  it('marks an image with IMAGE_FILE_RELOCS_STRIPPED as not relocatable', () => {
    const result = parsePeImage(sample({ relocations: 'stripped' }))
    expect((result.information?.imageCharacteristics ?? 0) & IMAGE_FILE.RELOCS_STRIPPED).toBe(
      IMAGE_FILE.RELOCS_STRIPPED,
    )
    expect(result.image?.relocatable).toBe(false)
  })
})

describe('imageViewStatus', () => {
  const image = { imageBase: 0x400000, machine: IMAGE_FILE_MACHINE.I386 }
  it('returns STATUS_SUCCESS for a view at the preferred base (§15.4)', () => {
    expect(imageViewStatus(image, { viewBase: 0x400000, architecture: 'x86' })).toBe(STATUS_SUCCESS)
  })
  it('returns STATUS_IMAGE_NOT_AT_BASE for a view elsewhere (§15.4)', () => {
    expect(imageViewStatus(image, { viewBase: 0x500000, architecture: 'x86' })).toBe(
      ImageStatus.STATUS_IMAGE_NOT_AT_BASE,
    )
  })
  it('returns STATUS_IMAGE_MACHINE_TYPE_MISMATCH for an x86 image in an x64 process (§15.4)', () => {
    expect(imageViewStatus(image, { viewBase: 0x400000, architecture: 'x64' })).toBe(
      ImageStatus.STATUS_IMAGE_MACHINE_TYPE_MISMATCH,
    )
  })
})
