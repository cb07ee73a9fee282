// More rows of the NT-SECTIONS conformance table (sections.conformance.test.ts runs them on x86 and
// x64 with its other rows): the process handle of NtMapViewOfSection (§4.1.6), what a successful
// map returns (§4.3.6), page access through views (§7.1, §7.2), NtAreMappedFilesTheSame on
// pagefile views (§13.6) and the 8 GiB view of §16. Kept apart only so the table's file stays
// readable.

import type { Kernel } from '../kernel.js'
import { PAGE_GUARD, PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE } from '../memoryConstants.js'
import { SEC_RESERVE, SECTION_ALL_ACCESS, ViewShare } from '../sectionConstants.js'
import type { NtSyscalls } from '../syscalls.js'

/** What these rows need of the conformance table's machine. */
export interface ViewAccessRowMachine {
  readonly arch: 'x86' | 'x64'
  readonly kernel: Kernel
  readonly pid: number
  readonly nt: NtSyscalls
  /** NtCreateSection with every access, no file unless given. */
  readonly section: (
    size: number,
    protect?: number,
    attributes?: number,
    fileHandle?: number,
  ) => { readonly status: number; readonly handle: number }
  /** NtMapViewOfSection into this process. */
  readonly map: (
    handle: number,
    protect?: number,
    options?: { base?: number; offset?: number; size?: number; type?: number; commit?: number },
  ) => {
    readonly status: number
    readonly baseAddress: number
    readonly viewSize: number
    readonly sectionOffset: number | undefined
  }
}

/** A rule of NT-SECTIONS.md and what it gives. */
export interface ViewAccessRow {
  readonly rule: string
  readonly run: (m: ViewAccessRowMachine) => unknown
  readonly expected: unknown
}

const P = 0x1000
const RW = PAGE_READWRITE
const STATUS_SUCCESS = 0
const STATUS_ACCESS_VIOLATION = 0xc0000005
const STATUS_INVALID_HANDLE = 0xc0000008
const STATUS_INVALID_VIEW_SIZE = 0xc000001f
const STATUS_ACCESS_DENIED = 0xc0000022
const STATUS_OBJECT_TYPE_MISMATCH = 0xc0000024
const STATUS_CONFLICTING_ADDRESSES = 0xc0000018
const STATUS_NO_MEMORY = 0xc0000017
const STATUS_GUARD_PAGE_VIOLATION = 0x80000001
const PROCESS_QUERY_INFORMATION = 0x400

export const viewAccessRows: readonly ViewAccessRow[] = [
  {
    rule: '§4.1.6 a NULL process handle gives STATUS_INVALID_HANDLE; a section handle as the process STATUS_OBJECT_TYPE_MISMATCH',
    run: (m) => {
      const section = m.section(P)
      const map = (process: number) =>
        m.nt.NtMapViewOfSection(section.handle, process, 0, 0, 0, undefined, 0, ViewShare, 0, RW).status
      return [map(0), map(section.handle)]
    },
    expected: [STATUS_INVALID_HANDLE, STATUS_OBJECT_TYPE_MISMATCH],
  },
  {
    rule: '§4.1.6 a process handle without PROCESS_VM_OPERATION gives STATUS_ACCESS_DENIED',
    run: (m) => {
      const other = m.kernel.createProcess({ name: 'other.exe' }).pid
      const process = m.nt.NtOpenProcess(PROCESS_QUERY_INFORMATION, other).handle
      return m.nt.NtMapViewOfSection(m.section(P).handle, process, 0, 0, 0, undefined, 0, ViewShare, 0, RW)
        .status
    },
    expected: STATUS_ACCESS_DENIED,
  },
  {
    rule: '§4.3.6 success: ViewSize rounded up to a page, SectionOffset unchanged, the base 64 KiB aligned',
    run: (m) => {
      const view = m.map(m.section(0x20000).handle, RW, { offset: 0x10000, size: 0x1801 })
      return [view.status, view.viewSize, view.sectionOffset, view.baseAddress % 0x10000]
    },
    expected: [STATUS_SUCCESS, 0x2000, 0x10000, 0],
  },
  {
    rule: '§7.1 a write through one view is seen at once by another view of the section in the same process',
    run: (m) => {
      const section = m.section(2 * P)
      const first = m.map(section.handle)
      const second = m.map(section.handle, PAGE_READONLY)
      const cpu = m.kernel.cpu(m.pid)
      cpu.read(second.baseAddress + P, 1)
      cpu.write(first.baseAddress + P + 3, [0x77])
      return Array.from(cpu.read(second.baseAddress + P + 3, 1).data)
    },
    expected: [0x77],
  },
  {
    rule: '§7.2 a write to a READONLY view, any access to a NOACCESS view or an uncommitted SEC_RESERVE page: STATUS_ACCESS_VIOLATION',
    run: (m) => {
      const cpu = m.kernel.cpu(m.pid)
      const readOnly = m.map(m.section(P).handle, PAGE_READONLY).baseAddress
      const noAccess = m.map(m.section(P).handle, PAGE_NOACCESS).baseAddress
      const reserved = m.map(m.section(0x10000, RW, SEC_RESERVE).handle).baseAddress
      return [
        cpu.read(readOnly, 1).status,
        cpu.write(readOnly, [1]).status,
        cpu.read(noAccess, 1).status,
        cpu.read(reserved, 1).status,
      ]
    },
    expected: [STATUS_SUCCESS, STATUS_ACCESS_VIOLATION, STATUS_ACCESS_VIOLATION, STATUS_ACCESS_VIOLATION],
  },
  {
    rule: '§7.2 a view mapped PAGE_GUARD|READWRITE: the first access STATUS_GUARD_PAGE_VIOLATION, the next succeeds',
    run: (m) => {
      const cpu = m.kernel.cpu(m.pid)
      const view = m.map(m.section(P).handle, PAGE_GUARD | RW).baseAddress
      return [cpu.read(view, 1).status, cpu.read(view, 1).status]
    },
    expected: [STATUS_GUARD_PAGE_VIOLATION, STATUS_SUCCESS],
  },
  {
    rule: '§13.6 pagefile-backed views have no file: STATUS_CONFLICTING_ADDRESSES',
    run: (m) => {
      const section = m.section(P)
      const first = m.map(section.handle).baseAddress
      const second = m.map(section.handle).baseAddress
      return m.nt.NtAreMappedFilesTheSame(first, second).status
    },
    expected: STATUS_CONFLICTING_ADDRESSES,
  },
  {
    rule: '§16 an 8 GiB SEC_RESERVE section mapped with ViewSize 0: x64 maps 0x200000000; x86 STATUS_NO_MEMORY or STATUS_INVALID_VIEW_SIZE, ViewSize still 0',
    run: (m) => {
      const section = m.nt.NtCreateSection(SECTION_ALL_ACCESS, undefined, 2 ** 33, RW, SEC_RESERVE, undefined)
      const view = m.map(section.handle)
      if (m.arch === 'x64')
        return [section.status, view.status === STATUS_SUCCESS && view.viewSize === 2 ** 33]
      return [
        section.status,
        (view.status === STATUS_NO_MEMORY || view.status === STATUS_INVALID_VIEW_SIZE) && view.viewSize === 0,
      ]
    },
    expected: [STATUS_SUCCESS, true],
  },
]
