// NtQueryVirtualMemory's working-set classes and psapi's QueryWorkingSetEx / QueryWorkingSet over
// them, each rule as Wine's psapi tests (dlls/psapi/tests/psapi_main.c, test_QueryWorkingSetEx)
// observe Windows.
import { describe, expect, it } from 'vitest'
import { PROCESS_VM_READ } from './accessRights.js'
import type { KernelOptions } from './kernel.js'
import {
  MEM_COMMIT,
  MEM_RELEASE,
  MEM_RESERVE,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
} from './memoryConstants.js'
import { MemoryInformationClass } from './ntQueryWorkingSet.js'
import {
  STATUS_ACCESS_DENIED,
  STATUS_ACCESS_VIOLATION,
  STATUS_INFO_LENGTH_MISMATCH,
  STATUS_INVALID_HANDLE,
  STATUS_SUCCESS,
} from './ntStatus.js'
import { NtCurrentProcess } from './objectManager.js'
import { Win32Error } from './rtlNtStatusToDosError.js'
import { createTestKernel } from './testing/createTestKernel.js'
import { FILE_MAP_READ, FILE_MAP_WRITE, INVALID_HANDLE_VALUE } from './win32Sections.js'

const { MemoryWorkingSetExInformation, MemoryWorkingSetInformation } = MemoryInformationClass
const PAGE = 0x1000
const ME = NtCurrentProcess

function machine(options: KernelOptions = { replacementPolicy: 'nt', nt: { tickEvery: 0 } }) {
  const { kernel, pid } = createTestKernel(options)
  const win32 = kernel.win32(pid)
  const nt = kernel.syscalls(pid)
  const cpu = kernel.cpu(pid)
  const alloc = () => win32.VirtualAlloc(0, 2 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
  return { kernel, pid, win32, nt, cpu, alloc }
}

/** The attributes QueryWorkingSetEx gives `address` (the call must succeed). */
function attributes(win32: ReturnType<typeof machine>['win32'], address: number) {
  const answer = win32.QueryWorkingSetEx(-1, [{ virtualAddress: address }], 8)
  expect(answer.result).toBe(true)
  const block = answer.info![0]!.virtualAttributes
  return {
    valid: block.valid,
    win32Protection: block.win32Protection,
    shared: block.shared,
    shareCount: block.shareCount,
  }
}

describe('NtQueryVirtualMemory(MemoryWorkingSetExInformation)', () => {
  it('returns STATUS_INFO_LENGTH_MISMATCH for a length of 0 and writes no ReturnLength', () => {
    const { nt } = machine()
    expect(
      nt.NtQueryVirtualMemory(ME, 0, MemoryWorkingSetExInformation, 0, [{ virtualAddress: 0 }]),
    ).toMatchObject({
      status: STATUS_INFO_LENGTH_MISMATCH,
      returnLength: 0,
    })
  })

  it('answers one entry for a length of one and a half entries: address 0 is not valid', () => {
    const { nt } = machine()
    const result = nt.NtQueryVirtualMemory(ME, 0, MemoryWorkingSetExInformation, 12, [
      { virtualAddress: 0 },
      { virtualAddress: 0 },
    ])
    expect(result.status).toBe(STATUS_SUCCESS)
    expect(result.workingSetExInformation).toHaveLength(1)
    expect(result.workingSetExInformation![0]!.virtualAttributes.valid).toBe(0)
    // A 32-bit process: the bytes of the entries answered.
    expect(result.returnLength).toBe(8)
  })

  it('answers ReturnLength = the length given for a 64-bit process (16-byte entries)', () => {
    const { nt } = machine({ arch: 'x64', replacementPolicy: 'nt', nt: { tickEvery: 0 } })
    const result = nt.NtQueryVirtualMemory(ME, 0, MemoryWorkingSetExInformation, 24, [{ virtualAddress: 0 }])
    expect(result).toMatchObject({ status: STATUS_SUCCESS, returnLength: 24 })
    expect(nt.NtQueryVirtualMemory(ME, 0, MemoryWorkingSetExInformation, 8, []).status).toBe(
      STATUS_INFO_LENGTH_MISMATCH,
    )
  })

  it.each([
    [
      'STATUS_ACCESS_VIOLATION for a buffer shorter than the length',
      ME,
      16,
      [{ virtualAddress: 0 }],
      STATUS_ACCESS_VIOLATION,
    ],
    ['STATUS_ACCESS_VIOLATION for no buffer', ME, 8, undefined, STATUS_ACCESS_VIOLATION],
    [
      'STATUS_INVALID_HANDLE for a handle that names nothing',
      0x1234,
      8,
      [{ virtualAddress: 0 }],
      STATUS_INVALID_HANDLE,
    ],
  ] as const)('returns %s', (_rule, handle, length, buffer, status) => {
    const { nt } = machine()
    expect(nt.NtQueryVirtualMemory(handle, 0, MemoryWorkingSetExInformation, length, buffer).status).toBe(
      status,
    )
  })

  it('returns STATUS_ACCESS_DENIED for a handle without PROCESS_QUERY_INFORMATION', () => {
    const { kernel, nt } = machine()
    const other = kernel.createProcess().pid
    const handle = nt.NtOpenProcess(PROCESS_VM_READ, other).handle
    expect(
      nt.NtQueryVirtualMemory(handle, 0, MemoryWorkingSetExInformation, 8, [{ virtualAddress: 0 }]).status,
    ).toBe(STATUS_ACCESS_DENIED)
  })
})

describe('QueryWorkingSetEx (psapi)', () => {
  it('fails with ERROR_BAD_LENGTH for cb = 0', () => {
    const { win32 } = machine()
    expect(win32.QueryWorkingSetEx(-1, [{ virtualAddress: 0 }], 0)).toEqual({
      result: false,
      info: undefined,
    })
    expect(win32.GetLastError()).toBe(Win32Error.ERROR_BAD_LENGTH)
  })

  it('follows a private page: not valid before a touch, valid PAGE_READWRITE after a read or a write, Shared 0', () => {
    const { win32, cpu, alloc } = machine()
    const address = alloc()
    expect(attributes(win32, address)).toEqual({ valid: 0, win32Protection: 0, shared: 0, shareCount: 0 })
    cpu.read(address, 1)
    expect(attributes(win32, address)).toEqual({
      valid: 1,
      win32Protection: PAGE_READWRITE,
      shared: 0,
      shareCount: 0,
    })
    cpu.write(address, [0x42])
    expect(attributes(win32, address)).toEqual({
      valid: 1,
      win32Protection: PAGE_READWRITE,
      shared: 0,
      shareCount: 0,
    })
  })

  it('reports a page made PAGE_NOACCESS as not valid, and still not valid with its protection back until touched', () => {
    const { win32, cpu, alloc } = machine()
    const address = alloc()
    cpu.write(address, [1])
    const { oldProtect } = win32.VirtualProtect(address, PAGE, PAGE_NOACCESS)
    expect(attributes(win32, address)).toEqual({ valid: 0, win32Protection: 0, shared: 0, shareCount: 0 })
    win32.VirtualProtect(address, PAGE, oldProtect)
    expect(attributes(win32, address).valid).toBe(0)
    cpu.read(address, 1)
    expect(attributes(win32, address)).toEqual({
      valid: 1,
      win32Protection: PAGE_READWRITE,
      shared: 0,
      shareCount: 0,
    })
  })

  it('answers each entry of the buffer in its place, and a released range as not valid', () => {
    const { win32, cpu, alloc } = machine()
    const a = alloc()
    cpu.read(a, 1)
    const b = alloc()
    cpu.write(b + PAGE, [1])
    const entries = [
      { virtualAddress: a + PAGE },
      { virtualAddress: a },
      { virtualAddress: b + PAGE },
      { virtualAddress: b },
    ]
    const valid = () =>
      win32.QueryWorkingSetEx(-1, entries, 32).info!.map((entry) => entry.virtualAttributes.valid)
    expect(valid()).toEqual([0, 1, 1, 0])
    expect(win32.VirtualFree(a, 0, MEM_RELEASE)).toBe(true)
    expect(valid()).toEqual([0, 0, 1, 0])
    expect(win32.QueryWorkingSetEx(-1, entries, 32).info!.map((entry) => entry.virtualAddress)).toEqual(
      entries.map((entry) => entry.virtualAddress),
    )
  })

  it('reports a mapped section page as Shared, valid or not, with ShareCount > 0 when valid', () => {
    const { kernel, pid, win32, cpu } = machine()
    const mapping = win32.CreateFileMappingW(INVALID_HANDLE_VALUE, null, PAGE_READWRITE, 0, PAGE, null)
    const view = win32.MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, PAGE)
    expect(attributes(win32, view)).toEqual({ valid: 0, win32Protection: 0, shared: 1, shareCount: 0 })
    cpu.write(view, [7])
    expect(attributes(win32, view)).toEqual({
      valid: 1,
      win32Protection: PAGE_READWRITE,
      shared: 1,
      shareCount: 1,
    })
    const second = kernel.win32(pid).MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, PAGE)
    cpu.read(second, 1)
    expect(attributes(win32, second)).toEqual({
      valid: 1,
      win32Protection: PAGE_READONLY,
      shared: 1,
      shareCount: 2,
    })
  })

  it('answers the same under a textbook policy', () => {
    const { win32, cpu, alloc } = machine({ replacementPolicy: 'lru' })
    const address = alloc()
    cpu.write(address, [1])
    expect(attributes(win32, address)).toEqual({
      valid: 1,
      win32Protection: PAGE_READWRITE,
      shared: 0,
      shareCount: 0,
    })
  })
})

describe('QueryWorkingSet (psapi) over MemoryWorkingSetInformation', () => {
  it('fails with ERROR_BAD_LENGTH when the buffer is too small, giving NumberOfEntries anyway', () => {
    const { win32, cpu, alloc } = machine()
    const address = alloc()
    cpu.write(address, [1])
    const small = win32.QueryWorkingSet(-1, 8)
    expect(small.result).toBe(false)
    expect(win32.GetLastError()).toBe(Win32Error.ERROR_BAD_LENGTH)
    expect(small.workingSetInfo).toEqual([])
    const full = win32.QueryWorkingSet(-1, (small.numberOfEntries + 1) * 4)
    expect(full.result).toBe(true)
    expect(full.numberOfEntries).toBe(small.numberOfEntries)
    expect(full.workingSetInfo.map((entry) => entry.virtualPage)).toContain(address)
    expect(full.numberOfEntries * PAGE).toBe(win32.GetProcessMemoryInfo(-1).counters!.workingSetSize)
  })

  it('returns STATUS_INFO_LENGTH_MISMATCH below NumberOfEntries itself', () => {
    const { nt } = machine()
    expect(nt.NtQueryVirtualMemory(ME, 0, MemoryWorkingSetInformation, 3).status).toBe(
      STATUS_INFO_LENGTH_MISMATCH,
    )
  })
})
