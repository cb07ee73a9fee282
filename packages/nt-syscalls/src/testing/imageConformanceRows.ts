// The image rows of the NT-SECTIONS conformance table (sections.conformance.test.ts runs them on x86
// and x64 with its other rows): one row per rule of §15 (creating, laying out, mapping, querying,
// protecting image views) and the image cases of §11, §12 and §13, each named by its rule. Kept
// apart only so the table's file stays readable; the rows build their images with buildPeImage.

import type { Kernel } from '../kernel.js'
import {
  MEM_COMMIT,
  MEM_FREE,
  MEM_IMAGE,
  MEM_RESERVE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
} from '../memoryConstants.js'
import { NtCurrentProcess } from '../objectManager.js'
import type { SectionImageInfo } from '../peImage.js'
import { buildPeImage, type PeImageOptions, type PeSectionOptions } from '../peImageBuilder.js'
import { IMAGE_FILE_MACHINE, IMAGE_SCN, ImageStatus } from '../peImageConstants.js'
import { SEC_COMMIT, SEC_FILE, SEC_IMAGE, SECTION_ALL_ACCESS, ViewShare } from '../sectionConstants.js'
import type { NtSyscalls } from '../syscalls.js'

/** What an image row needs of the conformance table's machine. */
export interface ImageRowMachine {
  readonly arch: 'x86' | 'x64'
  readonly kernel: Kernel
  readonly pid: number
  readonly nt: NtSyscalls
  /** A new read/write file holding `bytes`; its handle. */
  readonly imageFile: (bytes: Uint8Array) => number
}

/** A rule of NT-SECTIONS.md about images and what it gives. */
export interface ImageRow {
  readonly rule: string
  readonly run: (m: ImageRowMachine) => unknown
  readonly expected: unknown
}

const me = NtCurrentProcess
const P = 0x1000
const BASE = 0x400000
const { MEM_READ, MEM_WRITE, MEM_EXECUTE, CNT_CODE, CNT_INITIALIZED_DATA } = IMAGE_SCN
const S = ImageStatus
const STATUS_SUCCESS = 0
const STATUS_CONFLICTING_ADDRESSES = 0xc0000018
const STATUS_ALREADY_COMMITTED = 0xc0000021
const STATUS_INVALID_VIEW_SIZE = 0xc000001f
const STATUS_SECTION_NOT_EXTENDED = 0xc0000087
const STATUS_NOT_SAME_DEVICE = 0xc00000d4

const TEXT: PeSectionOptions = {
  name: '.text',
  data: new Uint8Array(0x300).fill(0xcc),
  characteristics: CNT_CODE | MEM_READ | MEM_EXECUTE,
}
const DATA: PeSectionOptions = {
  name: '.data',
  data: new Uint8Array(0x80).fill(0xdd),
  virtualSize: 0x1800,
  characteristics: CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE,
}

/** The machine of the process on `arch` (or of the other bitness), PE32 / PE32+ to match. */
function machineOf(arch: 'x86' | 'x64', other = false): number {
  return (arch === 'x64') !== other ? IMAGE_FILE_MACHINE.AMD64 : IMAGE_FILE_MACHINE.I386
}

/**
 * A small image for `m`'s bitness: headers [0, 0x1000) READONLY, .text [0x1000, 0x2000)
 * EXECUTE_READ, .data [0x2000, 0x4000) WRITECOPY, and with relocations a .reloc page at 0x4000.
 */
function image(m: ImageRowMachine, options: Partial<PeImageOptions> = {}): Uint8Array {
  return buildPeImage({
    machine: machineOf(m.arch),
    entryPoint: 0x1000,
    relocations: 'present',
    sections: [TEXT, DATA],
    ...options,
  })
}

function createImage(
  m: ImageRowMachine,
  bytes: Uint8Array,
  maximumSize = 0,
  protect: number = PAGE_READONLY,
) {
  return m.nt.NtCreateSection(
    SECTION_ALL_ACCESS,
    undefined,
    maximumSize,
    protect,
    SEC_IMAGE,
    m.imageFile(bytes),
  )
}

function mapImage(
  m: ImageRowMachine,
  handle: number,
  options: { base?: number; offset?: number; size?: number } = {},
) {
  return m.nt.NtMapViewOfSection(
    handle,
    me,
    options.base ?? 0,
    0,
    0,
    options.offset,
    options.size ?? 0,
    ViewShare,
    0,
    PAGE_READONLY,
  )
}

/** A fresh image mapped once; its section handle and view base. */
function mapped(m: ImageRowMachine, options: Partial<PeImageOptions> = {}) {
  const section = createImage(m, image(m, options))
  const view = mapImage(m, section.handle)
  return { section: section.handle, base: view.baseAddress, status: view.status }
}

function patched(bytes: Uint8Array, edit: (view: DataView) => void): Uint8Array {
  const copy = bytes.slice()
  edit(new DataView(copy.buffer))
  return copy
}

/** The image rows (see the file comment). */
export const imageRows: ImageRow[] = [
  {
    rule: '§15.1.3 e_lfanew outside the file gives STATUS_INVALID_IMAGE_PROTECT',
    run: (m) =>
      createImage(
        m,
        patched(image(m), (v) => v.setUint32(0x3c, 0x100000, true)),
      ).status,
    expected: S.STATUS_INVALID_IMAGE_PROTECT,
  },
  {
    rule: "§15.1.4 an 'NE' signature gives STATUS_INVALID_IMAGE_NE_FORMAT",
    run: (m) =>
      createImage(
        m,
        patched(image(m), (v) => v.setUint16(0x80, 0x454e, true)),
      ).status,
    expected: S.STATUS_INVALID_IMAGE_NE_FORMAT,
  },
  {
    rule: "§15.1.4 'NE' with ne_exetyp 2 gives STATUS_INVALID_IMAGE_WIN_16",
    run: (m) =>
      createImage(
        m,
        patched(image(m), (v) => {
          v.setUint16(0x80, 0x454e, true)
          v.setUint8(0x80 + 0x36, 2)
        }),
      ).status,
    expected: S.STATUS_INVALID_IMAGE_WIN_16,
  },
  {
    rule: "§15.1.4 a signature other than 'PE\\0\\0' gives STATUS_INVALID_IMAGE_PROTECT",
    run: (m) =>
      createImage(
        m,
        patched(image(m), (v) => v.setUint32(0x80, 0x12345678, true)),
      ).status,
    expected: S.STATUS_INVALID_IMAGE_PROTECT,
  },
  {
    rule: '§15.1.5 a Machine whose bitness differs from the Magic gives STATUS_INVALID_IMAGE_FORMAT',
    run: (m) => createImage(m, image(m, { machine: IMAGE_FILE_MACHINE.I386, format: 'PE32+' })).status,
    expected: S.STATUS_INVALID_IMAGE_FORMAT,
  },
  {
    rule: '§15.1.7 MaximumSize above ROUND_UP(SizeOfImage, P) gives STATUS_SECTION_TOO_BIG',
    run: (m) => createImage(m, image(m), 0x6000).status,
    expected: S.STATUS_SECTION_TOO_BIG,
  },
  {
    rule: '§15.1.8 READONLY, READWRITE, WRITECOPY, EXECUTE_READ and EXECUTE_READWRITE all create an image',
    run: (m) =>
      (
        [PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY, PAGE_EXECUTE_READ, PAGE_EXECUTE_READWRITE] as number[]
      ).map((protect) => createImage(m, image(m), 0, protect).status),
    expected: [0, 0, 0, 0, 0],
  },
  {
    rule: '§2.2 an image section reports SEC_FILE|SEC_IMAGE and Size ROUND_UP(SizeOfImage, P)',
    run: (m) => m.nt.NtQuerySection(createImage(m, image(m)).handle, 0).info,
    expected: { baseAddress: 0, attributes: SEC_FILE | SEC_IMAGE, size: 0x5000 },
  },
  {
    rule: '§2.2 an image section with MaximumSize reports that Size',
    run: (m) => m.nt.NtQuerySection(createImage(m, image(m), 0x3000).handle, 0).info,
    expected: { baseAddress: 0, attributes: SEC_FILE | SEC_IMAGE, size: 0x3000 },
  },
  {
    rule: '§15.5 SectionImageInformation: TransferAddress, stack sizes, Machine, ImageContainsCode, file size',
    run: (m) => {
      const bytes = image(m)
      const info = m.nt.NtQuerySection(createImage(m, bytes).handle, 1).info as SectionImageInfo
      return [
        info.transferAddress,
        info.zeroBits,
        info.maximumStackSize,
        info.committedStackSize,
        info.machine === machineOf(m.arch),
        info.imageContainsCode,
        info.imageFileSize === bytes.length,
      ]
    },
    expected: [BASE + 0x1000, 0, 0x100000, 0x1000, true, true, true],
  },
  {
    rule: '§15.4 an image maps at its preferred base with STATUS_SUCCESS, its view the whole image',
    run: (m) => {
      const view = mapImage(m, createImage(m, image(m)).handle)
      return [view.status, view.baseAddress, view.viewSize]
    },
    expected: [STATUS_SUCCESS, BASE, 0x5000],
  },
  {
    rule: '§15.4 a second view in the process gives STATUS_IMAGE_NOT_AT_BASE, mapped elsewhere',
    run: (m) => {
      const first = mapped(m)
      const second = mapImage(m, first.section)
      const info = m.nt.NtQueryVirtualMemory(me, second.baseAddress).info
      return [second.status, second.baseAddress !== BASE, second.viewSize, info?.type]
    },
    expected: [S.STATUS_IMAGE_NOT_AT_BASE, true, 0x5000, MEM_IMAGE],
  },
  {
    rule: '§15.4 a busy preferred base moves a relocatable image: STATUS_IMAGE_NOT_AT_BASE',
    run: (m) => {
      m.nt.NtAllocateVirtualMemory(me, BASE, 0, 0x10000, MEM_RESERVE, PAGE_READWRITE)
      return mapped(m).status
    },
    expected: S.STATUS_IMAGE_NOT_AT_BASE,
  },
  {
    rule: '§15.4 [unverified] a busy preferred base with relocations stripped gives STATUS_CONFLICTING_ADDRESSES',
    run: (m) => {
      m.nt.NtAllocateVirtualMemory(me, BASE, 0, 0x10000, MEM_RESERVE, PAGE_READWRITE)
      return mapped(m, { relocations: 'stripped' }).status
    },
    expected: STATUS_CONFLICTING_ADDRESSES,
  },
  {
    rule: '§15.4 a given BaseAddress is used exactly: STATUS_IMAGE_NOT_AT_BASE',
    run: (m) => {
      const view = mapImage(m, createImage(m, image(m)).handle, { base: 0x600000 })
      return [view.status, view.baseAddress]
    },
    expected: [S.STATUS_IMAGE_NOT_AT_BASE, 0x600000],
  },
  {
    rule: '§15.4 an image of the other architecture maps with STATUS_IMAGE_MACHINE_TYPE_MISMATCH',
    run: (m) => {
      const view = mapImage(m, createImage(m, image(m, { machine: machineOf(m.arch, true) })).handle)
      return [view.status, m.nt.NtQueryVirtualMemory(me, view.baseAddress).info?.type]
    },
    expected: [S.STATUS_IMAGE_MACHINE_TYPE_MISMATCH, MEM_IMAGE],
  },
  {
    rule: '§15.4 [unverified] a non-zero SectionOffset or a partial ViewSize gives STATUS_INVALID_VIEW_SIZE',
    run: (m) => {
      const section = createImage(m, image(m)).handle
      return [mapImage(m, section, { offset: 0x10000 }).status, mapImage(m, section, { size: P }).status]
    },
    expected: [STATUS_INVALID_VIEW_SIZE, STATUS_INVALID_VIEW_SIZE],
  },
  {
    rule: '§15.2 an image view is MEM_IMAGE, AllocationProtect EXECUTE_WRITECOPY, each section its own protection',
    run: (m) => {
      const { base } = mapped(m)
      return [0, 0x1000, 0x2000].map((rva) => {
        const info = m.nt.NtQueryVirtualMemory(me, base + rva).info!
        return [
          info.type,
          info.state,
          info.allocationBase,
          info.allocationProtect,
          info.protect,
          info.regionSize,
        ]
      })
    },
    expected: [
      [MEM_IMAGE, MEM_COMMIT, BASE, PAGE_EXECUTE_WRITECOPY, PAGE_READONLY, P],
      [MEM_IMAGE, MEM_COMMIT, BASE, PAGE_EXECUTE_WRITECOPY, PAGE_EXECUTE_READ, P],
      [MEM_IMAGE, MEM_COMMIT, BASE, PAGE_EXECUTE_WRITECOPY, PAGE_WRITECOPY, 0x2000],
    ],
  },
  {
    rule: '§15.2.1 the addresses past ROUND_UP(SizeOfImage, P) are MEM_FREE',
    run: (m) => m.nt.NtQueryVirtualMemory(me, mapped(m).base + 0x5000).info?.state,
    expected: MEM_FREE,
  },
  {
    rule: '§15.2.2-3 the view holds the headers and the section bytes, zeros after them',
    run: (m) => {
      const { base } = mapped(m)
      const cpu = m.kernel.cpu(m.pid)
      return [
        [...cpu.read(base, 2).data],
        [...cpu.read(base + 0x12ff, 2).data],
        [...cpu.read(base + 0x207f, 2).data],
      ]
    },
    expected: [
      [0x4d, 0x5a],
      [0xcc, 0],
      [0xdd, 0],
    ],
  },
  {
    rule: '§15.2.4 the first write to a WRITECOPY image page makes that page READWRITE',
    run: (m) => {
      const { base } = mapped(m)
      m.kernel.cpu(m.pid).write(base + 0x2000, [1])
      return [
        m.nt.NtQueryVirtualMemory(me, base + 0x2000).info?.protect,
        m.nt.NtQueryVirtualMemory(me, base + 0x3000).info?.protect,
      ]
    },
    expected: [PAGE_READWRITE, PAGE_WRITECOPY],
  },
  {
    rule: '§15.3 an image view does not see later writes to the file',
    run: (m) => {
      const bytes = image(m)
      const file = m.imageFile(bytes)
      const section = m.nt.NtCreateSection(SECTION_ALL_ACCESS, undefined, 0, PAGE_READONLY, SEC_IMAGE, file)
      m.nt.NtWriteFile(file, 0x400, new Uint8Array([0x11]))
      return m.kernel.cpu(m.pid).read(mapImage(m, section.handle).baseAddress + 0x1000, 1).data[0]
    },
    expected: 0xcc,
  },
  {
    rule: '§15.6 NtProtectVirtualMemory(READWRITE) on an image page gives WRITECOPY, EXECUTE_READWRITE EXECUTE_WRITECOPY',
    run: (m) => {
      const { base } = mapped(m)
      const first = m.nt.NtProtectVirtualMemory(me, base + 0x1000, P, PAGE_READWRITE)
      const second = m.nt.NtProtectVirtualMemory(me, base + 0x1000, P, PAGE_EXECUTE_READWRITE)
      const protect = m.nt.NtQueryVirtualMemory(me, base + 0x1000).info?.protect
      return [first.status, first.oldProtect, second.status, second.oldProtect, protect]
    },
    expected: [STATUS_SUCCESS, PAGE_EXECUTE_READ, STATUS_SUCCESS, PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY],
  },
  {
    rule: '§15.6 after a copy-on-write the private page keeps READWRITE',
    run: (m) => {
      const { base } = mapped(m)
      m.kernel.cpu(m.pid).write(base + 0x2000, [1])
      m.nt.NtProtectVirtualMemory(me, base + 0x2000, P, PAGE_READWRITE)
      return m.nt.NtQueryVirtualMemory(me, base + 0x2000).info?.protect
    },
    expected: PAGE_READWRITE,
  },
  {
    rule: '§15.6 MEM_COMMIT inside an image gives STATUS_ALREADY_COMMITTED',
    run: (m) =>
      m.nt.NtAllocateVirtualMemory(me, mapped(m).base + 0x2000, 0, P, MEM_COMMIT, PAGE_READWRITE).status,
    expected: STATUS_ALREADY_COMMITTED,
  },
  {
    rule: '§15.6 MEM_RESERVE inside an image gives STATUS_CONFLICTING_ADDRESSES',
    run: (m) => m.nt.NtAllocateVirtualMemory(me, mapped(m).base, 0, P, MEM_RESERVE, PAGE_READWRITE).status,
    expected: STATUS_CONFLICTING_ADDRESSES,
  },
  {
    rule: '§13.5 an image view and a data view of the same file are the same file; of another file not',
    run: (m) => {
      const bytes = image(m)
      const file = m.imageFile(bytes)
      const imageSection = m.nt.NtCreateSection(
        SECTION_ALL_ACCESS,
        undefined,
        0,
        PAGE_READONLY,
        SEC_IMAGE,
        file,
      )
      const imageView = mapImage(m, imageSection.handle).baseAddress
      const data = (handle: number) =>
        m.nt.NtMapViewOfSection(
          m.nt.NtCreateSection(SECTION_ALL_ACCESS, undefined, 0, PAGE_READONLY, SEC_COMMIT, handle).handle,
          me,
          0,
          0,
          0,
          undefined,
          0,
          ViewShare,
          0,
          PAGE_READONLY,
        ).baseAddress
      const same = data(file)
      const other = data(m.imageFile(bytes))
      return [
        m.nt.NtAreMappedFilesTheSame(imageView, same).status,
        m.nt.NtAreMappedFilesTheSame(imageView + 0x2000, imageView).status,
        m.nt.NtAreMappedFilesTheSame(imageView, other).status,
        m.nt.NtAreMappedFilesTheSame(same, imageView).status,
      ]
    },
    expected: [STATUS_SUCCESS, STATUS_SUCCESS, STATUS_NOT_SAME_DEVICE, STATUS_NOT_SAME_DEVICE],
  },
  {
    rule: '§12 NtExtendSection on an image section gives STATUS_SECTION_NOT_EXTENDED',
    run: (m) => m.nt.NtExtendSection(createImage(m, image(m)).handle, 0x10000).status,
    expected: STATUS_SECTION_NOT_EXTENDED,
  },
  {
    rule: '§10 unmapping an image view frees the whole image range',
    run: (m) => {
      const { base } = mapped(m)
      const status = m.nt.NtUnmapViewOfSection(me, base + 0x2000).status
      return [status, m.nt.NtQueryVirtualMemory(me, base).info?.state]
    },
    expected: [STATUS_SUCCESS, MEM_FREE],
  },
]
