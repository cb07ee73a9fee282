// The MEM_RESERVE rows of the NT-SECTIONS conformance table (sections.conformance.test.ts runs them
// on x86 and x64 with its other rows): §4.3's exception — a file-backed section mapped with
// MEM_RESERVE may be larger than the section (R-KMV 198) — and what follows from it, as Windows
// does it: the pages past the section are reserved (no prototype PTE: NtQueryVirtualMemory says
// MEM_RESERVE, Protect 0), a touch there is an access violation (NT's MiCheckVirtualAddress bounds
// the view by MMEXTEND_INFO.CommittedSize), and NtExtendSection makes them the file's in every such
// view at once. Kept apart only so the table's file stays readable.

import type { Kernel } from '../kernel.js'
import { MEM_COMMIT, MEM_MAPPED, MEM_RESERVE, PAGE_READONLY, PAGE_READWRITE } from '../memoryConstants.js'
import { NtCurrentProcess } from '../objectManager.js'
import { SEC_COMMIT, ViewShare } from '../sectionConstants.js'
import type { NtSyscalls } from '../syscalls.js'

/** What a MEM_RESERVE row needs of the conformance table's machine. */
export interface ReserveRowMachine {
  readonly kernel: Kernel
  readonly pid: number
  readonly nt: NtSyscalls
  /** A new read/write file of `bytes` bytes of 0x5a; its handle. */
  readonly file: (bytes: number) => number
  /** NtCreateSection with every access (size 0: the file's). */
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
  ) => { readonly status: number; readonly baseAddress: number; readonly viewSize: number }
}

/** A rule of NT-SECTIONS.md about MEM_RESERVE views and what it gives. */
export interface ReserveRow {
  readonly rule: string
  readonly run: (m: ReserveRowMachine) => unknown
  readonly expected: unknown
}

const me = NtCurrentProcess
const P = 0x1000
const RW = PAGE_READWRITE
const STATUS_SUCCESS = 0
const STATUS_ACCESS_VIOLATION = 0xc0000005
const STATUS_INVALID_VIEW_SIZE = 0xc000001f
const STATUS_INVALID_PARAMETER_5 = 0xc00000f3
const STATUS_SECTION_PROTECTION = 0xc000004e

/** A one-page file section (200 bytes, as R-KMV's test string) mapped MEM_RESERVE over `pages` pages. */
function reserveView(m: ReserveRowMachine, pages: number, bytes = 200) {
  const section = m.section(0, RW, SEC_COMMIT, m.file(bytes))
  return { section, view: m.map(section.handle, RW, { size: pages * P, type: MEM_RESERVE }) }
}

/** MemoryBasicInformation at `address` (AllocationBase as an offset from `base`). */
const basic = (m: ReserveRowMachine, address: number, base = address) => {
  const info = m.nt.NtQueryVirtualMemory(me, address).info
  return (
    info && {
      allocationBase: info.allocationBase - base,
      allocationProtect: info.allocationProtect,
      regionSize: info.regionSize,
      state: info.state,
      protect: info.protect,
      type: info.type,
    }
  )
}

export const reserveViewRows: readonly ReserveRow[] = [
  {
    rule: '§4.3.3 (R-KMV 196–198) ViewSize one byte past a file section: STATUS_INVALID_VIEW_SIZE, with MEM_RESERVE mapped',
    run: (m) => {
      const section = m.section(0, RW, SEC_COMMIT, m.file(200))
      const plain = m.map(section.handle, RW, { size: 201 })
      const reserved = m.map(section.handle, RW, { size: 201, type: MEM_RESERVE })
      return [plain.status, reserved.status, reserved.viewSize]
    },
    expected: [STATUS_INVALID_VIEW_SIZE, STATUS_SUCCESS, P],
  },
  {
    rule: '§4.3.3 (R-KMV 198) a MEM_RESERVE view four pages long over a one-page file section: the section page committed, the three past it MEM_RESERVE with Protect 0, one run',
    run: (m) => {
      const { view } = reserveView(m, 4)
      const base = view.baseAddress
      return [view.status, view.viewSize, basic(m, base), basic(m, base + 0x1800, base)]
    },
    expected: [
      STATUS_SUCCESS,
      4 * P,
      {
        allocationBase: 0,
        allocationProtect: RW,
        regionSize: P,
        state: MEM_COMMIT,
        protect: RW,
        type: MEM_MAPPED,
      },
      {
        allocationBase: 0,
        allocationProtect: RW,
        regionSize: 3 * P,
        state: MEM_RESERVE,
        protect: 0,
        type: MEM_MAPPED,
      },
    ],
  },
  {
    rule: '§4.3.3 a touch past the section in a MEM_RESERVE view is an access violation; the section page reads the file',
    run: (m) => {
      const { view } = reserveView(m, 2)
      const cpu = m.kernel.cpu(m.pid)
      return [
        Array.from(cpu.read(view.baseAddress + 199, 2).data),
        cpu.read(view.baseAddress + P, 1).status,
        cpu.write(view.baseAddress + P, [1]).status,
      ]
    },
    expected: [[0x5a, 0], STATUS_ACCESS_VIOLATION, STATUS_ACCESS_VIOLATION],
  },
  {
    rule: '§12 NtExtendSection makes the reserved pages of every MEM_RESERVE view the file’s, in every process, at once',
    run: (m) => {
      const other = m.kernel.createProcess({ name: 'other.exe' }).pid
      const process = m.nt.NtOpenProcess(0x1fffff, other).handle
      const { section, view } = reserveView(m, 3)
      const theirs = m.nt.NtMapViewOfSection(
        section.handle,
        process,
        0,
        0,
        0,
        undefined,
        3 * P,
        ViewShare,
        MEM_RESERVE,
        RW,
      )
      const extended = m.nt.NtExtendSection(section.handle, 2 * P + 16)
      const written = m.kernel.cpu(m.pid).write(view.baseAddress + P + 8, [7, 8]).status
      return [
        theirs.status,
        extended.status,
        extended.size,
        written,
        Array.from(m.nt.NtReadVirtualMemory(process, theirs.baseAddress + P + 8, 2).data ?? []),
        basic(m, view.baseAddress + P)?.state,
        basic(m, view.baseAddress + P)?.regionSize,
        basic(m, view.baseAddress + 2 * P)?.state,
        (m.nt.NtQuerySection(section.handle, 0).info as { size: number } | null)?.size,
      ]
    },
    expected: [
      STATUS_SUCCESS,
      STATUS_SUCCESS,
      2 * P + 16,
      STATUS_SUCCESS,
      [7, 8],
      MEM_COMMIT,
      // 2 pages + 16 bytes: the view's pages 1 and 2 are the file's now, page 0 was already.
      2 * P,
      MEM_COMMIT,
      2 * P + 16,
    ],
  },
  {
    rule: '§12 past the extended size the view stays reserved (an access violation, MEM_RESERVE)',
    run: (m) => {
      const { section, view } = reserveView(m, 4)
      m.nt.NtExtendSection(section.handle, 2 * P)
      return [
        m.kernel.cpu(m.pid).read(view.baseAddress + 2 * P, 1).status,
        basic(m, view.baseAddress + 2 * P)?.state,
        basic(m, view.baseAddress + 2 * P)?.regionSize,
      ]
    },
    expected: [STATUS_ACCESS_VIOLATION, MEM_RESERVE, 2 * P],
  },
  {
    rule: '§4.3.3 an offset at the section size stays STATUS_INVALID_VIEW_SIZE with MEM_RESERVE [choice]',
    run: (m) =>
      m.map(m.section(0, RW, SEC_COMMIT, m.file(0x10000)).handle, RW, {
        offset: 0x10000,
        size: P,
        type: MEM_RESERVE,
      }).status,
    expected: STATUS_INVALID_VIEW_SIZE,
  },
  {
    rule: '§8.1 MEM_COMMIT in the reserved pages of a MEM_RESERVE file view: STATUS_ALREADY_COMMITTED [not modelled: NT extends the file]',
    run: (m) => {
      const { view } = reserveView(m, 2)
      return m.nt.NtAllocateVirtualMemory(me, view.baseAddress + P, 0, P, MEM_COMMIT, RW).status
    },
    expected: 0xc0000021,
  },
  {
    rule: '§4.3.1 (R-KMV 223) MEM_RESERVE of a READONLY file section gives STATUS_SECTION_PROTECTION, even for a READONLY view',
    run: (m) =>
      m.map(m.section(0, PAGE_READONLY, SEC_COMMIT, m.file(200)).handle, PAGE_READONLY, { type: MEM_RESERVE })
        .status,
    expected: STATUS_SECTION_PROTECTION,
  },
  {
    rule: '§4.3.4 (R-KMV 176–177) CommitSize above the view: _5, but not with MEM_RESERVE',
    run: (m) => {
      const section = m.section(0, RW, SEC_COMMIT, m.file(200))
      return [
        m.map(section.handle, RW, { commit: 500 }).status,
        m.map(section.handle, RW, { commit: 500, type: MEM_RESERVE }).status,
      ]
    },
    expected: [STATUS_INVALID_PARAMETER_5, STATUS_SUCCESS],
  },
  {
    rule: '§7.4 NtProtectVirtualMemory takes the reserved pages of a file view (no sparse file maps); they keep it once the section grows',
    run: (m) => {
      const { section, view } = reserveView(m, 2)
      const changed = m.nt.NtProtectVirtualMemory(me, view.baseAddress, 2 * P, PAGE_READONLY)
      m.nt.NtExtendSection(section.handle, 2 * P)
      return [
        changed.status,
        changed.oldProtect,
        basic(m, view.baseAddress + P)?.protect,
        m.kernel.cpu(m.pid).write(view.baseAddress + P, [1]).status,
      ]
    },
    expected: [STATUS_SUCCESS, RW, PAGE_READONLY, STATUS_ACCESS_VIOLATION],
  },
]
