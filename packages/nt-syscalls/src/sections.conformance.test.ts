// The conformance table of NT-SECTIONS.md at the service level: one row per rule (named by its
// section), each run on a fresh x86 and a fresh x64 machine. A row makes the setup it needs and
// returns the status (or value) the rule pins. The image rows (§15) are in testing/imageConformanceRows.ts,
// the MEM_RESERVE view rows (§4.3's exception, R-KMV 198) in testing/reserveViewConformanceRows.ts,
// the process handle, success values, page access, §13.6 and §16 in testing/viewAccessConformanceRows.ts.
import { describe, expect, it } from 'vitest'
import { DUPLICATE_SAME_ACCESS } from './accessRights.js'
import { createKernel } from './createKernel.js'
import type { Kernel } from './kernel.js'
import { imageRows } from './testing/imageConformanceRows.js'
import { reserveViewRows } from './testing/reserveViewConformanceRows.js'
import { viewAccessRows } from './testing/viewAccessConformanceRows.js'
import {
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_FREE,
  MEM_MAPPED,
  MEM_RELEASE,
  MEM_RESERVE,
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_NOCACHE,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import {
  STATUS_ACCESS_DENIED,
  STATUS_ALREADY_COMMITTED,
  STATUS_COMMITMENT_LIMIT,
  STATUS_CONFLICTING_ADDRESSES,
  STATUS_INFO_LENGTH_MISMATCH,
  STATUS_INSUFFICIENT_RESOURCES,
  STATUS_INVALID_ADDRESS,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_PAGE_PROTECTION,
  STATUS_INVALID_PARAMETER_3,
  STATUS_INVALID_PARAMETER_4,
  STATUS_INVALID_PARAMETER_5,
  STATUS_INVALID_PARAMETER_6,
  STATUS_NOT_COMMITTED,
  STATUS_OBJECT_TYPE_MISMATCH,
  STATUS_SUCCESS,
  STATUS_UNABLE_TO_DELETE_SECTION,
} from './ntStatus.js'
import { NtCurrentProcess } from './objectManager.js'
import {
  FILE_ALL_ACCESS,
  FILE_CREATE,
  FILE_CREATED,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FILE_OPEN,
  FILE_OPEN_IF,
  FILE_OPENED,
  FILE_OVERWRITE_IF,
  FILE_OVERWRITTEN,
  FILE_READ_DATA,
  OBJ_CASE_INSENSITIVE,
  OBJ_OPENIF,
  SEC_COMMIT,
  SEC_FILE,
  SEC_IMAGE,
  SEC_LARGE_PAGES,
  SEC_NOCACHE,
  SEC_RESERVE,
  SECTION_ALL_ACCESS,
  SECTION_MAP_READ,
  SECTION_MAP_WRITE,
  SECTION_QUERY,
  STATUS_END_OF_FILE,
  STATUS_INVALID_FILE_FOR_SECTION,
  STATUS_INVALID_PARAMETER_8,
  STATUS_INVALID_PARAMETER_9,
  STATUS_INVALID_VIEW_SIZE,
  STATUS_MAPPED_ALIGNMENT,
  STATUS_MAPPED_FILE_SIZE_ZERO,
  STATUS_NOT_MAPPED_VIEW,
  STATUS_NOT_SAME_DEVICE,
  STATUS_OBJECT_NAME_COLLISION,
  STATUS_OBJECT_NAME_EXISTS,
  STATUS_OBJECT_NAME_NOT_FOUND,
  STATUS_OBJECT_PATH_SYNTAX_BAD,
  STATUS_SECTION_NOT_EXTENDED,
  STATUS_SECTION_NOT_IMAGE,
  STATUS_SECTION_PROTECTION,
  STATUS_SECTION_TOO_BIG,
  ViewShare,
} from './sectionConstants.js'

const me = NtCurrentProcess
const RW: number = PAGE_READWRITE
const ALL = SECTION_ALL_ACCESS
const FILE_RW = FILE_GENERIC_READ | FILE_GENERIC_WRITE

/** One machine per row, with helpers for the common setups. */
function machine(arch: 'x86' | 'x64') {
  const kernel: Kernel = createKernel({ arch, physicalMemory: 4 << 20, pageFile: 8 << 20 })
  const { pid } = kernel.createProcess({ name: 'test.exe' })
  const nt = kernel.syscalls(pid)
  let files = 0
  const file = (bytes: number, access = FILE_RW) => {
    const created = nt.NtCreateFile(
      access | FILE_GENERIC_WRITE,
      { name: `\\??\\C:\\f${files++}.bin` },
      undefined,
      0,
      7,
      FILE_CREATE,
      0,
    )
    if (bytes > 0) nt.NtWriteFile(created.handle, 0, new Uint8Array(bytes).fill(0x5a))
    if (access === FILE_RW) return created.handle
    return nt.NtOpenFile(access, { name: `\\??\\C:\\f${files - 1}.bin` }, 7, 0).handle
  }
  const section = (
    size: number,
    protect: number = RW,
    attributes: number = SEC_COMMIT,
    fileHandle?: number,
    name?: string,
  ) =>
    nt.NtCreateSection(
      ALL,
      name === undefined ? undefined : { name, attributes: OBJ_OPENIF },
      size,
      protect,
      attributes,
      fileHandle,
    )
  const map = (
    handle: number,
    protect = RW,
    options: { base?: number; offset?: number; size?: number; type?: number; commit?: number } = {},
  ) =>
    nt.NtMapViewOfSection(
      handle,
      me,
      options.base ?? 0,
      0,
      options.commit ?? 0,
      options.offset,
      options.size ?? 0,
      ViewShare,
      options.type ?? 0,
      protect,
    )
  // FILE_EXECUTE too: an EXECUTE_* image section needs it of the file handle (§2.1.7).
  const imageFile = (bytes: Uint8Array) => {
    const handle = file(0, FILE_ALL_ACCESS)
    nt.NtWriteFile(handle, 0, bytes)
    return handle
  }
  return { arch, kernel, pid, nt, file, section, map, imageFile }
}

type Machine = ReturnType<typeof machine>

/** A rule of NT-SECTIONS.md and what it gives. */
interface Row {
  readonly rule: string
  readonly run: (m: Machine) => unknown
  readonly expected: unknown
}

const rows: Row[] = [
  // §2.1 NtCreateSection's check order.
  {
    rule: '§2.1.1 unknown AllocationAttributes bits (-1) give STATUS_INVALID_PARAMETER_6',
    run: (m) => m.section(0x1000, RW, -1).status,
    expected: STATUS_INVALID_PARAMETER_6,
  },
  {
    rule: '§2.1.1 a caller-supplied SEC_FILE gives STATUS_INVALID_PARAMETER_6',
    run: (m) => m.section(0x1000, RW, SEC_FILE | SEC_COMMIT).status,
    expected: STATUS_INVALID_PARAMETER_6,
  },
  {
    rule: '§2.1.2 none of SEC_COMMIT, SEC_RESERVE, SEC_IMAGE gives _6',
    run: (m) => m.section(0x1000, RW, SEC_NOCACHE).status,
    expected: STATUS_INVALID_PARAMETER_6,
  },
  {
    rule: '§2.1.3 SEC_IMAGE with SEC_COMMIT gives _6',
    run: (m) => m.section(0x1000, RW, SEC_IMAGE | SEC_COMMIT).status,
    expected: STATUS_INVALID_PARAMETER_6,
  },
  {
    rule: '§2.1.4 SEC_COMMIT with SEC_RESERVE gives _6',
    run: (m) => m.section(0x1000, RW, SEC_COMMIT | SEC_RESERVE).status,
    expected: STATUS_INVALID_PARAMETER_6,
  },
  {
    rule: '§17 SEC_LARGE_PAGES gives _6',
    run: (m) => m.section(0x1000, RW, SEC_COMMIT | SEC_LARGE_PAGES).status,
    expected: STATUS_INVALID_PARAMETER_6,
  },
  {
    rule: '§2.1.5 two protections combined give STATUS_INVALID_PAGE_PROTECTION',
    run: (m) => m.section(0x1000, RW | PAGE_READONLY).status,
    expected: STATUS_INVALID_PAGE_PROTECTION,
  },
  {
    rule: '§2.1.5 PAGE_NOACCESS gives STATUS_INVALID_PAGE_PROTECTION before the commit charge',
    run: (m) => m.section(2 ** 39, PAGE_NOACCESS).status,
    expected: STATUS_INVALID_PAGE_PROTECTION,
  },
  {
    rule: '§2.1.5 PAGE_GUARD modifiers give STATUS_INVALID_PAGE_PROTECTION',
    run: (m) => m.section(0x1000, RW | PAGE_GUARD).status,
    expected: STATUS_INVALID_PAGE_PROTECTION,
  },
  {
    rule: '§2.1.5 PAGE_EXECUTE is accepted',
    run: (m) => m.section(0x1000, PAGE_EXECUTE).status,
    expected: STATUS_SUCCESS,
  },
  {
    rule: '§2.1.6 pagefile SEC_IMAGE gives STATUS_INVALID_FILE_FOR_SECTION',
    run: (m) => m.section(0x1000, RW, SEC_IMAGE).status,
    expected: STATUS_INVALID_FILE_FOR_SECTION,
  },
  {
    rule: '§2.1.6 pagefile MaximumSize 0 gives STATUS_INVALID_PARAMETER_4',
    run: (m) => m.section(0).status,
    expected: STATUS_INVALID_PARAMETER_4,
  },
  {
    rule: '§2.1.6 pagefile MaximumSize -1 gives STATUS_SECTION_TOO_BIG',
    run: (m) => m.section(-1).status,
    expected: STATUS_SECTION_TOO_BIG,
  },
  {
    rule: '§2.1.6 pagefile 2^47 gives STATUS_SECTION_TOO_BIG',
    run: (m) => m.section(2 ** 47, RW, SEC_RESERVE).status,
    expected: STATUS_SECTION_TOO_BIG,
  },
  {
    rule: '§2.1.6 a SEC_RESERVE size beyond the prototype entries gives STATUS_INSUFFICIENT_RESOURCES',
    run: (m) => m.section(2 ** 43, RW, SEC_RESERVE).status,
    expected: STATUS_INSUFFICIENT_RESOURCES,
  },
  {
    rule: '§2.1.6 SEC_COMMIT above the commit limit gives STATUS_COMMITMENT_LIMIT',
    run: (m) => m.section(2 ** 39).status,
    expected: STATUS_COMMITMENT_LIMIT,
  },
  {
    rule: '§2.1.6 an 8 GiB SEC_RESERVE section is created',
    run: (m) => m.section(2 ** 33, RW, SEC_RESERVE).status,
    expected: STATUS_SUCCESS,
  },
  {
    rule: '§2.1.7 a READWRITE section of a read-only file handle gives STATUS_ACCESS_DENIED',
    run: (m) => m.section(0, RW, SEC_COMMIT, m.file(10, FILE_GENERIC_READ)).status,
    expected: STATUS_ACCESS_DENIED,
  },
  {
    rule: '§2.1.7 a READONLY section of a read-only file handle is created',
    run: (m) => m.section(0, PAGE_READONLY, SEC_COMMIT, m.file(10, FILE_GENERIC_READ)).status,
    expected: STATUS_SUCCESS,
  },
  {
    rule: '§2.1.7 a section of an empty file gives STATUS_MAPPED_FILE_SIZE_ZERO',
    run: (m) => m.section(0, RW, SEC_COMMIT, m.file(0)).status,
    expected: STATUS_MAPPED_FILE_SIZE_ZERO,
  },
  {
    rule: '§2.1.7 SEC_IMAGE of an empty file gives STATUS_INVALID_FILE_FOR_SECTION',
    run: (m) => m.section(0, RW, SEC_IMAGE, m.file(0)).status,
    expected: STATUS_INVALID_FILE_FOR_SECTION,
  },
  {
    rule: '§15.1.2 SEC_IMAGE of a file without MZ gives STATUS_INVALID_IMAGE_NOT_MZ',
    run: (m) => m.section(0, RW, SEC_IMAGE, m.file(100)).status,
    expected: 0xc000012f,
  },
  {
    rule: '§2.1.7 a READONLY section larger than its file gives STATUS_SECTION_TOO_BIG',
    run: (m) => m.section(0x3457, PAGE_READONLY, SEC_COMMIT, m.file(0x3456)).status,
    expected: STATUS_SECTION_TOO_BIG,
  },
  {
    rule: '§2.1.7 a READWRITE section larger than its file grows the file',
    run: (m) => {
      const file = m.file(0x1000)
      m.section(0x100000, RW, SEC_COMMIT, file)
      return m.nt.NtQueryInformationFile(file, 24, 5).info?.endOfFile
    },
    expected: 0x100000,
  },
  {
    rule: '§2.1.8 creating an existing name with OBJ_OPENIF gives STATUS_OBJECT_NAME_EXISTS',
    run: (m) => {
      m.section(0x1000, RW, SEC_COMMIT, undefined, '\\BaseNamedObjects\\A')
      return m.section(0x5000, RW, SEC_COMMIT, undefined, '\\BaseNamedObjects\\A').status
    },
    expected: STATUS_OBJECT_NAME_EXISTS,
  },
  {
    rule: '§2.1.8 creating an existing name without OBJ_OPENIF gives STATUS_OBJECT_NAME_COLLISION',
    run: (m) => {
      m.section(0x1000, RW, SEC_COMMIT, undefined, '\\BaseNamedObjects\\A')
      return m.nt.NtCreateSection(ALL, { name: '\\BaseNamedObjects\\A' }, 0x1000, RW, SEC_COMMIT, undefined)
        .status
    },
    expected: STATUS_OBJECT_NAME_COLLISION,
  },
  {
    rule: '§2.1.8 names are case-sensitive unless OBJ_CASE_INSENSITIVE',
    run: (m) => {
      m.section(0x1000, RW, SEC_COMMIT, undefined, '\\BaseNamedObjects\\Name')
      return [
        m.nt.NtOpenSection(ALL, { name: '\\BaseNamedObjects\\NAME' }).status,
        m.nt.NtOpenSection(ALL, { name: '\\BaseNamedObjects\\NAME', attributes: OBJ_CASE_INSENSITIVE })
          .status,
      ]
    },
    expected: [STATUS_OBJECT_NAME_NOT_FOUND, STATUS_SUCCESS],
  },
  {
    rule: '§3 (issue) a relative name without a root directory gives STATUS_OBJECT_PATH_SYNTAX_BAD',
    run: (m) => m.section(0x1000, RW, SEC_COMMIT, undefined, 'Foo').status,
    expected: STATUS_OBJECT_PATH_SYNTAX_BAD,
  },
  // §2.2 what the new section looks like.
  {
    rule: '§2.2 a pagefile SEC_COMMIT section reports ROUND_UP(size, P) and SEC_COMMIT',
    run: (m) => m.nt.NtQuerySection(m.section(0x3452).handle, 0).info,
    expected: { baseAddress: 0, attributes: SEC_COMMIT, size: 0x4000 },
  },
  {
    rule: '§2.2 a data file section reports its exact size and SEC_FILE',
    run: (m) => m.nt.NtQuerySection(m.section(0, RW, SEC_RESERVE, m.file(0x3452)).handle, 0).info,
    expected: { baseAddress: 0, attributes: SEC_FILE, size: 0x3452 },
  },
  // §3 names and lifetime.
  {
    rule: '§3 opening a missing name gives STATUS_OBJECT_NAME_NOT_FOUND',
    run: (m) => m.nt.NtOpenSection(ALL, { name: '\\BaseNamedObjects\\Missing' }).status,
    expected: STATUS_OBJECT_NAME_NOT_FOUND,
  },
  {
    rule: '§3 closing the last handle deletes the name; views keep their data',
    run: (m) => {
      const section = m.section(0x1000, RW, SEC_COMMIT, undefined, '\\BaseNamedObjects\\Gone')
      const view = m.map(section.handle)
      m.kernel.cpu(m.pid).write(view.baseAddress, [9])
      m.nt.NtClose(section.handle)
      return [
        m.nt.NtOpenSection(ALL, { name: '\\BaseNamedObjects\\Gone' }).status,
        m.kernel.cpu(m.pid).read(view.baseAddress, 1).data[0],
      ]
    },
    expected: [STATUS_OBJECT_NAME_NOT_FOUND, 9],
  },
  {
    rule: '§3 a handle narrowed by NtDuplicateObject maps only what its rights allow',
    run: (m) => {
      const section = m.section(0x1000)
      const narrow = m.nt.NtDuplicateObject(me, section.handle, me, SECTION_MAP_READ, 0, 0)
      return [m.map(narrow.targetHandle, RW).status, m.map(narrow.targetHandle, PAGE_READONLY).status]
    },
    expected: [STATUS_ACCESS_DENIED, STATUS_SUCCESS],
  },
  // §4 NtMapViewOfSection.
  {
    rule: '§4.1.1 InheritDisposition 0 gives STATUS_INVALID_PARAMETER_8',
    run: (m) => m.nt.NtMapViewOfSection(m.section(0x1000).handle, me, 0, 0, 0, undefined, 0, 0, 0, RW).status,
    expected: STATUS_INVALID_PARAMETER_8,
  },
  {
    rule: '§4.1.2 MEM_COMMIT in AllocationType gives STATUS_INVALID_PARAMETER_9',
    run: (m) => m.map(m.section(0x1000).handle, RW, { type: MEM_COMMIT }).status,
    expected: STATUS_INVALID_PARAMETER_9,
  },
  {
    rule: '§4.1.3 a combined Win32Protect gives STATUS_INVALID_PAGE_PROTECTION',
    run: (m) => m.map(m.section(0x1000).handle, RW | PAGE_READONLY).status,
    expected: STATUS_INVALID_PAGE_PROTECTION,
  },
  {
    rule: '§4.1.4 ViewSize -1 gives STATUS_INVALID_PARAMETER_3',
    run: (m) => m.map(m.section(0x1000).handle, RW, { size: -1 }).status,
    expected: STATUS_INVALID_PARAMETER_3,
  },
  {
    rule: '§4.1.5 ZeroBits -1 gives STATUS_INVALID_PARAMETER_4',
    run: (m) =>
      m.nt.NtMapViewOfSection(m.section(0x1000).handle, me, 0, -1, 0, undefined, 0, ViewShare, 0, RW).status,
    expected: STATUS_INVALID_PARAMETER_4,
  },
  {
    rule: '§4.1.7 a NULL section handle gives STATUS_INVALID_HANDLE',
    run: (m) => m.map(0).status,
    expected: STATUS_INVALID_HANDLE,
  },
  {
    rule: '§4.1.7 NtCurrentProcess() as the section gives STATUS_OBJECT_TYPE_MISMATCH',
    run: (m) => m.map(me).status,
    expected: STATUS_OBJECT_TYPE_MISMATCH,
  },
  {
    rule: '§4.2 a FILE_MAP_WRITE-only handle maps READWRITE but not READONLY',
    run: (m) => {
      const section = m.section(0x1000)
      const write = m.nt.NtDuplicateObject(me, section.handle, me, SECTION_MAP_WRITE, 0, 0).targetHandle
      return [m.map(write, RW).status, m.map(write, PAGE_READONLY).status]
    },
    expected: [STATUS_SUCCESS, STATUS_ACCESS_DENIED],
  },
  {
    rule: '§4.1.8 a base not on 64 KiB gives STATUS_MAPPED_ALIGNMENT',
    run: (m) => m.map(m.section(0x1000).handle, RW, { base: 0x501000 }).status,
    expected: STATUS_MAPPED_ALIGNMENT,
  },
  {
    rule: '§4.1.8 an offset not on 64 KiB gives STATUS_MAPPED_ALIGNMENT',
    run: (m) => m.map(m.section(0x20000).handle, RW, { offset: 0x1000 }).status,
    expected: STATUS_MAPPED_ALIGNMENT,
  },
  {
    rule: '§4.3.1 MEM_RESERVE on a pagefile section gives _9',
    run: (m) => m.map(m.section(0x1000).handle, RW, { type: MEM_RESERVE }).status,
    expected: STATUS_INVALID_PARAMETER_9,
  },
  {
    rule: '§4.3.2 an RW section mapped EXECUTE_READWRITE gives STATUS_SECTION_PROTECTION',
    run: (m) => m.map(m.section(0x1000).handle, PAGE_EXECUTE_READWRITE).status,
    expected: STATUS_SECTION_PROTECTION,
  },
  {
    rule: '§5 an EXECUTE_READ section maps EXECUTE_WRITECOPY',
    run: (m) => m.map(m.section(0x1000, PAGE_EXECUTE_READ).handle, PAGE_EXECUTE_WRITECOPY).status,
    expected: STATUS_SUCCESS,
  },
  {
    rule: '§4.3.3 ViewSize past the section gives STATUS_INVALID_VIEW_SIZE',
    run: (m) => m.map(m.section(0, RW, SEC_COMMIT, m.file(0x3452)).handle, RW, { size: 0x3453 }).status,
    expected: STATUS_INVALID_VIEW_SIZE,
  },
  {
    rule: '§4.3.3 an offset at the section size gives STATUS_INVALID_VIEW_SIZE',
    run: (m) => m.map(m.section(0x10000).handle, RW, { offset: 0x10000 }).status,
    expected: STATUS_INVALID_VIEW_SIZE,
  },
  {
    rule: '§4.3.3 ViewSize equal to an unaligned section size is fine (rounded up)',
    run: (m) => m.map(m.section(0, RW, SEC_COMMIT, m.file(0x3452)).handle, RW, { size: 0x3452 }).viewSize,
    expected: 0x4000,
  },
  {
    rule: '§4.3.4 CommitSize above the view size gives STATUS_INVALID_PARAMETER_5',
    run: (m) => m.map(m.section(0x1000).handle, RW, { commit: 0x2000 }).status,
    expected: STATUS_INVALID_PARAMETER_5,
  },
  {
    rule: '§4.3.5 a fixed base over private memory gives STATUS_CONFLICTING_ADDRESSES',
    run: (m) => {
      const base = m.nt.NtAllocateVirtualMemory(me, 0, 0, 0x10000, MEM_RESERVE, RW).baseAddress
      return m.map(m.section(0x1000).handle, RW, { base }).status
    },
    expected: STATUS_CONFLICTING_ADDRESSES,
  },
  // §6 queries.
  {
    rule: '§6 a READONLY view of an RW section reports AllocationProtect READONLY, MEM_MAPPED, one run',
    run: (m) => {
      const info = m.nt.NtQueryVirtualMemory(
        me,
        m.map(m.section(0x100000).handle, PAGE_READONLY).baseAddress,
      ).info
      return info && [info.allocationProtect, info.type, info.regionSize, info.state]
    },
    expected: [PAGE_READONLY, MEM_MAPPED, 0x100000, MEM_COMMIT],
  },
  {
    rule: '§6 an uncommitted SEC_RESERVE page reports MEM_RESERVE with Protect 0',
    run: (m) => {
      const info = m.nt.NtQueryVirtualMemory(
        me,
        m.map(m.section(0x10000, RW, SEC_RESERVE).handle).baseAddress,
      ).info
      return info && [info.state, info.protect]
    },
    expected: [MEM_RESERVE, 0],
  },
  {
    rule: '§6 a SEC_NOCACHE section adds PAGE_NOCACHE to AllocationProtect',
    run: (m) =>
      m.nt.NtQueryVirtualMemory(me, m.map(m.section(0x1000, RW, SEC_COMMIT | SEC_NOCACHE).handle).baseAddress)
        .info?.allocationProtect,
    expected: RW | PAGE_NOCACHE,
  },
  {
    rule: '§6 after the unmap the range is MEM_FREE',
    run: (m) => {
      const view = m.map(m.section(0x1000).handle)
      m.nt.NtUnmapViewOfSection(me, view.baseAddress)
      return m.nt.NtQueryVirtualMemory(me, view.baseAddress).info?.state
    },
    expected: MEM_FREE,
  },
  // §7 protection on views.
  {
    rule: '§7.4 an incompatible NtProtectVirtualMemory gives STATUS_SECTION_PROTECTION, before the commit check',
    run: (m) => {
      const view = m.map(m.section(0x10000, RW, SEC_RESERVE).handle, PAGE_READONLY)
      return m.nt.NtProtectVirtualMemory(me, view.baseAddress, 0x1000, RW).status
    },
    expected: STATUS_SECTION_PROTECTION,
  },
  {
    rule: '§7.4 WRITECOPY is allowed on a READWRITE pagefile view and stays WRITECOPY until written',
    run: (m) => {
      const view = m.map(m.section(0x2000).handle)
      const status = m.nt.NtProtectVirtualMemory(me, view.baseAddress, 0x1000, PAGE_WRITECOPY).status
      return [status, m.nt.NtQueryVirtualMemory(me, view.baseAddress).info?.protect]
    },
    expected: [STATUS_SUCCESS, PAGE_WRITECOPY],
  },
  {
    rule: '§7.3 the first write to a WRITECOPY page makes that page alone PAGE_READWRITE',
    run: (m) => {
      const view = m.map(m.section(0x3000).handle, PAGE_WRITECOPY)
      m.kernel.cpu(m.pid).write(view.baseAddress + 0x1000, [1])
      const at = (offset: number) => m.nt.NtQueryVirtualMemory(me, view.baseAddress + offset).info
      return [at(0)?.protect, at(0x1000)?.protect, at(0x1000)?.regionSize, at(0x2000)?.protect]
    },
    expected: [PAGE_WRITECOPY, RW, 0x1000, PAGE_WRITECOPY],
  },
  // §8 NtAllocateVirtualMemory inside a view.
  {
    rule: '§8.1 MEM_COMMIT in a file view gives STATUS_ALREADY_COMMITTED',
    run: (m) =>
      m.nt.NtAllocateVirtualMemory(
        me,
        m.map(m.section(0, RW, SEC_COMMIT, m.file(0x2000)).handle).baseAddress,
        0,
        0x1000,
        MEM_COMMIT,
        RW,
      ).status,
    expected: STATUS_ALREADY_COMMITTED,
  },
  {
    rule: '§8.2 MEM_COMMIT in a SEC_RESERVE view commits in the segment (every view sees it)',
    run: (m) => {
      const section = m.section(0x10000, RW, SEC_RESERVE)
      const first = m.map(section.handle)
      const second = m.map(section.handle, PAGE_READONLY)
      const status = m.nt.NtAllocateVirtualMemory(me, first.baseAddress, 0, 0x1000, MEM_COMMIT, RW).status
      const info = m.nt.NtQueryVirtualMemory(me, second.baseAddress).info
      return [status, info?.state, info?.protect]
    },
    expected: [STATUS_SUCCESS, MEM_COMMIT, PAGE_READONLY],
  },
  {
    rule: '§8.2 MEM_COMMIT past the view gives STATUS_CONFLICTING_ADDRESSES',
    run: (m) =>
      m.nt.NtAllocateVirtualMemory(
        me,
        m.map(m.section(0x1000, RW, SEC_RESERVE).handle).baseAddress,
        0,
        0x2000,
        MEM_COMMIT,
        RW,
      ).status,
    expected: STATUS_CONFLICTING_ADDRESSES,
  },
  {
    rule: '§8.2 an incompatible commit protection gives STATUS_SECTION_PROTECTION (recommended)',
    run: (m) =>
      m.nt.NtAllocateVirtualMemory(
        me,
        m.map(m.section(0x1000, RW, SEC_RESERVE).handle, PAGE_READONLY).baseAddress,
        0,
        0x1000,
        MEM_COMMIT,
        RW,
      ).status,
    expected: STATUS_SECTION_PROTECTION,
  },
  // §9 NtFreeVirtualMemory on a view.
  {
    rule: '§9 MEM_RELEASE of a view gives STATUS_UNABLE_TO_DELETE_SECTION',
    run: (m) =>
      m.nt.NtFreeVirtualMemory(me, m.map(m.section(0x1000).handle).baseAddress, 0, MEM_RELEASE).status,
    expected: STATUS_UNABLE_TO_DELETE_SECTION,
  },
  {
    rule: '§9 MEM_DECOMMIT in a view gives STATUS_UNABLE_TO_DELETE_SECTION',
    run: (m) =>
      m.nt.NtFreeVirtualMemory(me, m.map(m.section(0x1000).handle).baseAddress, 0x1000, MEM_DECOMMIT).status,
    expected: STATUS_UNABLE_TO_DELETE_SECTION,
  },
  // §10 NtUnmapViewOfSection.
  {
    rule: '§10 any address inside a view unmaps the whole view',
    run: (m) => {
      const view = m.map(m.section(0x3000).handle)
      return [
        m.nt.NtUnmapViewOfSection(me, view.baseAddress + 0x1050).status,
        m.nt.NtUnmapViewOfSection(me, view.baseAddress).status,
      ]
    },
    expected: [STATUS_SUCCESS, STATUS_NOT_MAPPED_VIEW],
  },
  {
    rule: '§10 private memory gives STATUS_NOT_MAPPED_VIEW',
    run: (m) =>
      m.nt.NtUnmapViewOfSection(
        me,
        m.nt.NtAllocateVirtualMemory(me, 0, 0, 0x1000, MEM_COMMIT, RW).baseAddress,
      ).status,
    expected: STATUS_NOT_MAPPED_VIEW,
  },
  // §11 NtQuerySection.
  {
    rule: '§11.1 an unknown class gives STATUS_INVALID_INFO_CLASS',
    run: (m) => m.nt.NtQuerySection(m.section(0x1000).handle, 7).status,
    expected: 0xc0000003,
  },
  {
    rule: '§11.2 a handle without SECTION_QUERY gives STATUS_ACCESS_DENIED',
    run: (m) =>
      m.nt.NtQuerySection(
        m.nt.NtDuplicateObject(me, m.section(0x1000).handle, me, SECTION_MAP_READ, 0, 0).targetHandle,
        0,
      ).status,
    expected: STATUS_ACCESS_DENIED,
  },
  {
    rule: '§11.3 SectionImageInformation of a data section gives STATUS_SECTION_NOT_IMAGE',
    run: (m) => m.nt.NtQuerySection(m.section(0x1000).handle, 1).status,
    expected: STATUS_SECTION_NOT_IMAGE,
  },
  // §12 NtExtendSection [unverified: the recommended behaviour].
  {
    rule: '§12 a pagefile section gives STATUS_SECTION_NOT_EXTENDED',
    run: (m) => m.nt.NtExtendSection(m.section(0x1000).handle, 0x2000).status,
    expected: STATUS_SECTION_NOT_EXTENDED,
  },
  {
    rule: '§12 a handle without SECTION_EXTEND_SIZE gives STATUS_ACCESS_DENIED',
    run: (m) =>
      m.nt.NtExtendSection(
        m.nt.NtDuplicateObject(me, m.section(0x1000).handle, me, SECTION_QUERY, 0, 0).targetHandle,
        0x2000,
      ).status,
    expected: STATUS_ACCESS_DENIED,
  },
  {
    rule: '§12 a larger size grows a writable data section and its file; a smaller one changes nothing',
    run: (m) => {
      const file = m.file(0x1000)
      const section = m.section(0, RW, SEC_COMMIT, file)
      const grown = m.nt.NtExtendSection(section.handle, 0x5000)
      const same = m.nt.NtExtendSection(section.handle, 0x10)
      return [grown, same, m.nt.NtQueryInformationFile(file, 24, 5).info?.endOfFile]
    },
    expected: [{ status: STATUS_SUCCESS, size: 0x5000 }, { status: STATUS_SUCCESS, size: 0x5000 }, 0x5000],
  },
  // §13 NtAreMappedFilesTheSame.
  {
    rule: '§13.1 an address in no allocation gives STATUS_INVALID_ADDRESS',
    run: (m) => m.nt.NtAreMappedFilesTheSame(0, 0).status,
    expected: STATUS_INVALID_ADDRESS,
  },
  {
    rule: '§13.2 private memory gives STATUS_CONFLICTING_ADDRESSES',
    run: (m) => {
      const base = m.nt.NtAllocateVirtualMemory(me, 0, 0, 0x1000, MEM_COMMIT, RW).baseAddress
      return m.nt.NtAreMappedFilesTheSame(base, base).status
    },
    expected: STATUS_CONFLICTING_ADDRESSES,
  },
  {
    rule: '§13.3 two addresses of the same data view give STATUS_SUCCESS; two views of one file STATUS_NOT_SAME_DEVICE',
    run: (m) => {
      const section = m.section(0, RW, SEC_COMMIT, m.file(0x2000))
      const a = m.map(section.handle).baseAddress
      const b = m.map(section.handle).baseAddress
      return [m.nt.NtAreMappedFilesTheSame(a, a + 0x1000).status, m.nt.NtAreMappedFilesTheSame(a, b).status]
    },
    expected: [STATUS_SUCCESS, STATUS_NOT_SAME_DEVICE],
  },
  // §18 NtFlushVirtualMemory.
  {
    rule: '§18 flushing writes the dirty view pages to the file and returns the rounded range',
    run: (m) => {
      const file = m.file(0x2000)
      const view = m.map(m.section(0, RW, SEC_COMMIT, file).handle)
      m.kernel.cpu(m.pid).write(view.baseAddress + 0x1001, [0x11])
      const flush = m.nt.NtFlushVirtualMemory(me, view.baseAddress + 0x1001, 1)
      return [flush, m.nt.NtReadFile(file, 0x1001, 1).data[0]]
    },
    expected: [{ status: STATUS_SUCCESS, baseAddress: expect.any(Number), regionSize: 0x1000 }, 0x11],
  },
  {
    rule: '§4.3.7 NtWriteVirtualMemory into another process view reaches the segment every view shares',
    run: (m) => {
      const other = m.kernel.createProcess({ name: 'other.exe' }).pid
      const section = m.section(0x2000)
      const mine = m.map(section.handle)
      const process = m.nt.NtOpenProcess(0x1fffff, other).handle
      const theirs = m.nt.NtMapViewOfSection(section.handle, process, 0, 0, 0, undefined, 0, ViewShare, 0, RW)
      m.nt.NtWriteVirtualMemory(process, theirs.baseAddress + 0x1000, Uint8Array.of(5, 6))
      return [
        theirs.status,
        Array.from(m.nt.NtReadVirtualMemory(me, mine.baseAddress + 0x1000, 2).data ?? []),
      ]
    },
    expected: [STATUS_SUCCESS, [5, 6]],
  },
  // §19 files.
  {
    rule: '§19 NtCreateFile reports FILE_CREATED, FILE_OPENED and FILE_OVERWRITTEN',
    run: (m) => {
      const name = { name: '\\??\\C:\\info.txt' }
      return [
        m.nt.NtCreateFile(FILE_RW, name, undefined, 0, 7, FILE_OPEN_IF, 0).information,
        m.nt.NtCreateFile(FILE_RW, name, undefined, 0, 7, FILE_OPEN_IF, 0).information,
        m.nt.NtCreateFile(FILE_RW, name, undefined, 0, 7, FILE_OVERWRITE_IF, 0).information,
      ]
    },
    expected: [FILE_CREATED, FILE_OPENED, FILE_OVERWRITTEN],
  },
  {
    rule: '§19 NtOpenFile of a missing file gives STATUS_OBJECT_NAME_NOT_FOUND',
    run: (m) => m.nt.NtOpenFile(FILE_READ_DATA, { name: '\\??\\C:\\none' }, 7, 0).status,
    expected: STATUS_OBJECT_NAME_NOT_FOUND,
  },
  {
    rule: '§19 a write past the end extends the file with zeros; a read at the end gives STATUS_END_OF_FILE',
    run: (m) => {
      const file = m.file(2)
      m.nt.NtWriteFile(file, 6, new Uint8Array([1]))
      return [Array.from(m.nt.NtReadFile(file, 0, 100).data), m.nt.NtReadFile(file, 7, 1).status]
    },
    expected: [[0x5a, 0x5a, 0, 0, 0, 0, 1], STATUS_END_OF_FILE],
  },
  {
    rule: '§19 a file outlives its handles',
    run: (m) => {
      const file = m.file(3)
      m.nt.NtClose(file)
      const again = m.nt.NtCreateFile(FILE_RW, { name: '\\??\\C:\\F0.BIN' }, undefined, 0, 7, FILE_OPEN, 0)
      return [again.status, again.information, m.nt.NtReadFile(again.handle, 0, 10).bytesRead]
    },
    expected: [STATUS_SUCCESS, FILE_OPENED, 3],
  },
  {
    rule: '§11.1 (files) FileStandardInformation with a short buffer gives STATUS_INFO_LENGTH_MISMATCH',
    run: (m) => m.nt.NtQueryInformationFile(m.file(1), 8, 5).status,
    expected: STATUS_INFO_LENGTH_MISMATCH,
  },
  {
    rule: '§2.2 a file truncated under a mapped view gives STATUS_USER_MAPPED_FILE',
    run: (m) => {
      const file = m.file(0x2000)
      m.map(m.section(0, RW, SEC_COMMIT, file).handle)
      return m.nt.NtSetInformationFile(file, { endOfFile: 0 }, 8, 20).status
    },
    expected: 0xc0000243,
  },
]

for (const arch of ['x86', 'x64'] as const) {
  describe(`NT-SECTIONS conformance (${arch})`, () => {
    for (const row of [...rows, ...imageRows, ...reserveViewRows, ...viewAccessRows]) {
      it(row.rule, () => {
        expect(row.run(machine(arch))).toEqual(row.expected)
      })
    }
  })
}

void [DUPLICATE_SAME_ACCESS, PAGE_GUARD, STATUS_NOT_COMMITTED]
