// The Win32 layer end to end: results and GetLastError as kernelbase produces them.
import { describe, expect, it } from 'vitest'
import { PROCESS_VM_READ } from './accessRights.js'
import {
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_FREE,
  MEM_PRIVATE,
  MEM_RELEASE,
  MEM_RESERVE,
  MEM_WRITE_WATCH,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
} from './memoryConstants.js'
import {
  ERROR_ACCESS_DENIED,
  ERROR_INVALID_ADDRESS,
  ERROR_INVALID_HANDLE,
  ERROR_INVALID_PARAMETER,
  ERROR_NOACCESS,
  ERROR_NOT_ENOUGH_MEMORY,
} from './rtlNtStatusToDosError.js'
import { createTestKernel } from './testing/createTestKernel.js'

const RW = PAGE_READWRITE

function win32() {
  const { kernel, pid } = createTestKernel()
  const w = kernel.win32(pid)
  w.SetLastError(0xdeadbeef)
  return { kernel, pid, w }
}

describe('win32', () => {
  it('fails VirtualAlloc of size 0 with ERROR_INVALID_PARAMETER', () => {
    const { w } = win32()
    expect([w.VirtualAlloc(0, 0, MEM_RESERVE, PAGE_NOACCESS), w.GetLastError()]).toEqual([
      0,
      ERROR_INVALID_PARAMETER,
    ])
  })

  it('fails VirtualAlloc at a non-NULL address below 0x10000 with ERROR_INVALID_PARAMETER', () => {
    const { w } = win32()
    expect([w.VirtualAlloc(0x1000, 0x1000, MEM_COMMIT, RW), w.GetLastError()]).toEqual([
      0,
      ERROR_INVALID_PARAMETER,
    ])
  })

  it('fails VirtualAlloc with ERROR_INVALID_ADDRESS when committing past a reservation, ERROR_NOT_ENOUGH_MEMORY when nothing fits', () => {
    const { w } = win32()
    const a = w.VirtualAlloc(0, 0x10000, MEM_RESERVE, RW)
    expect([w.VirtualAlloc(a + 0xf000, 0x2000, MEM_COMMIT, RW), w.GetLastError()]).toEqual([
      0,
      ERROR_INVALID_ADDRESS,
    ])
    expect([w.VirtualAlloc(0, 0x7ffd1000, MEM_RESERVE, RW), w.GetLastError()]).toEqual([
      0,
      ERROR_NOT_ENOUGH_MEMORY,
    ])
  })

  it('returns the page-rounded base of a commit inside a reservation and leaves the last error alone', () => {
    const { w } = win32()
    const a = w.VirtualAlloc(0, 0x10000, MEM_RESERVE, RW)
    expect(w.VirtualAlloc(a + 0x1234, 0x10, MEM_COMMIT, RW)).toBe(a + 0x1000)
    expect(w.GetLastError()).toBe(0xdeadbeef)
  })

  it('fails VirtualFree MEM_RELEASE with a non-zero size with ERROR_INVALID_PARAMETER (VA22), changing nothing', () => {
    const { w } = win32()
    const a = w.VirtualAlloc(0, 0x10000, MEM_RESERVE, RW)
    expect([w.VirtualFree(a, 1, MEM_RELEASE), w.GetLastError()]).toEqual([false, ERROR_INVALID_PARAMETER])
    expect(w.VirtualQuery(a).info.state).toBe(MEM_RESERVE)
    expect(w.VirtualFree(a, 0, MEM_RELEASE)).toBe(true)
  })

  it.each([
    ['type 0', 0],
    ['MEM_FREE', MEM_FREE],
    ['MEM_DECOMMIT|MEM_RELEASE', MEM_DECOMMIT | MEM_RELEASE],
  ])('fails VirtualFree with %s with ERROR_INVALID_PARAMETER (VA19/VA20)', (_what, type) => {
    const { w } = win32()
    const a = w.VirtualAlloc(0, 0x10000, MEM_RESERVE, RW)
    expect([w.VirtualFree(a, 0x10000, type), w.GetLastError()]).toEqual([false, ERROR_INVALID_PARAMETER])
  })

  it('fails VirtualFree of a free address or not at the base with ERROR_INVALID_ADDRESS', () => {
    const { w } = win32()
    const a = w.VirtualAlloc(0, 0x10000, MEM_RESERVE, RW)
    expect([w.VirtualFree(a + 0x1000, 0, MEM_RELEASE), w.GetLastError()]).toEqual([
      false,
      ERROR_INVALID_ADDRESS,
    ])
    expect([w.VirtualFree(0x60000000, 0, MEM_RELEASE), w.GetLastError()]).toEqual([
      false,
      ERROR_INVALID_ADDRESS,
    ])
  })

  it('fails VirtualFreeEx with a NULL process handle with ERROR_INVALID_HANDLE', () => {
    const { w } = win32()
    const a = w.VirtualAlloc(0, 0x10000, MEM_RESERVE, RW)
    expect([w.VirtualFreeEx(0, a, 0, MEM_RELEASE), w.GetLastError()]).toEqual([false, ERROR_INVALID_HANDLE])
  })

  it('returns the old protection from VirtualProtect, and PAGE_NOACCESS with ERROR_INVALID_ADDRESS on reserved pages', () => {
    const { w } = win32()
    const a = w.VirtualAlloc(0, 0xfffc, MEM_RESERVE, PAGE_NOACCESS)
    expect([w.VirtualProtect(a, 0xfffc, PAGE_READONLY), w.GetLastError()]).toEqual([
      { result: false, oldProtect: PAGE_NOACCESS },
      ERROR_INVALID_ADDRESS,
    ])
    w.VirtualAlloc(a, 0x1000, MEM_COMMIT, PAGE_NOACCESS)
    expect(w.VirtualProtect(a, 0x1000, PAGE_READONLY)).toEqual({ result: true, oldProtect: PAGE_NOACCESS })
    expect(w.VirtualProtect(a, 0x1000, RW)).toEqual({ result: true, oldProtect: PAGE_READONLY })
  })

  it('fails VirtualProtect with a NULL old-protect pointer with ERROR_NOACCESS and changes nothing', () => {
    const { w } = win32()
    const a = w.VirtualAlloc(0, 0x1000, MEM_COMMIT, RW)
    expect(w.VirtualProtect(a, 0x1000, PAGE_READONLY, { oldProtectPointer: null }).result).toBe(false)
    expect(w.GetLastError()).toBe(ERROR_NOACCESS)
    expect(w.VirtualQuery(a).info.protect).toBe(RW)
  })

  it('fails VirtualProtect with an invalid protection with ERROR_INVALID_PARAMETER', () => {
    const { w } = win32()
    const a = w.VirtualAlloc(0, 0x1000, MEM_COMMIT, RW)
    expect([w.VirtualProtect(a, 0x1000, 0).result, w.GetLastError()]).toEqual([
      false,
      ERROR_INVALID_PARAMETER,
    ])
  })

  it('returns sizeof(MEMORY_BASIC_INFORMATION) from VirtualQuery (28 on x86, 48 on x64)', () => {
    const { w } = win32()
    const a = w.VirtualAlloc(0, 0x1000, MEM_COMMIT, RW)
    expect(w.VirtualQuery(a)).toMatchObject({ result: 28, info: { state: MEM_COMMIT, type: MEM_PRIVATE } })
    const { kernel, pid } = createTestKernel({ arch: 'x64' })
    expect(kernel.win32(pid).VirtualQuery(0x10000).result).toBe(48)
  })

  it.each([
    0x7fff0000, 0x80000000, 0xffffffff,
  ])('returns 0 with ERROR_INVALID_PARAMETER from VirtualQuery beyond user space (%d)', (address) => {
    const { w } = win32()
    expect([w.VirtualQuery(address).result, w.GetLastError()]).toEqual([0, ERROR_INVALID_PARAMETER])
  })

  it('fails VirtualAllocEx through a handle without PROCESS_VM_OPERATION with ERROR_ACCESS_DENIED', () => {
    const { kernel, w } = win32()
    const other = kernel.createProcess({ name: 'other.exe' }).pid
    const h = w.OpenProcess(PROCESS_VM_READ, false, other)
    expect([w.VirtualAllocEx(h, 0, 0x1000, MEM_COMMIT, RW), w.GetLastError()]).toEqual([
      0,
      ERROR_ACCESS_DENIED,
    ])
    expect(w.CloseHandle(h)).toBe(true)
    expect([w.CloseHandle(h), w.GetLastError()]).toEqual([false, ERROR_INVALID_HANDLE])
  })

  it('returns TRUE from CloseHandle(GetCurrentProcess())', () => {
    const { w } = win32()
    expect(w.CloseHandle(w.GetCurrentProcess())).toBe(true)
  })

  it('fails OpenProcess of an unknown pid with ERROR_INVALID_PARAMETER', () => {
    const { w } = win32()
    expect([w.OpenProcess(PROCESS_VM_READ, false, 999), w.GetLastError()]).toEqual([
      0,
      ERROR_INVALID_PARAMETER,
    ])
  })

  it('returns 0 from GetWriteWatch on success and ~0 with ERROR_INVALID_PARAMETER on a non-watched allocation', () => {
    const { kernel, pid, w } = win32()
    const watched = w.VirtualAlloc(0, 0x2000, MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH, RW)
    kernel.cpu(pid).write(watched + 0x1000, [1])
    expect(w.GetWriteWatch(0, watched, 0x2000, 4)).toEqual({
      result: 0,
      addresses: [watched + 0x1000],
      granularity: 0x1000,
    })
    const plain = w.VirtualAlloc(0, 0x2000, MEM_COMMIT, RW)
    expect([w.GetWriteWatch(0, plain, 0x2000, 4).result, w.GetLastError()]).toEqual([
      0xffffffff,
      ERROR_INVALID_PARAMETER,
    ])
    expect([w.ResetWriteWatch(plain, 0x1000), w.GetLastError()]).toEqual([
      0xffffffff,
      ERROR_INVALID_PARAMETER,
    ])
    expect(w.ResetWriteWatch(watched, 0x2000)).toBe(0)
    expect(w.GetWriteWatch(0, watched, 0x2000, 4).addresses).toEqual([])
  })
})

describe('win32 files and mappings', () => {
  it('creates a file, maps it, writes through the view, flushes and reads it back', () => {
    const { kernel, pid, w } = win32()
    const file = w.CreateFileW('C:\\map.bin', 0xc0000000, 3, null, 2, 0x80, 0)
    expect([file > 0, w.GetLastError()]).toEqual([true, 0])
    expect(w.WriteFile(file, new Uint8Array([1, 2, 3])).result).toBe(true)
    expect(w.GetFileSizeEx(file)).toEqual({ result: true, size: 3 })
    const mapping = w.CreateFileMappingW(file, null, PAGE_READWRITE, 0, 0, null)
    expect([mapping > 0, w.GetLastError()]).toEqual([true, 0])
    const view = w.MapViewOfFile(mapping, 0x2, 0, 0, 0)
    expect(kernel.cpu(pid).write(view + 1, [9]).status).toBe(0)
    expect(w.FlushViewOfFile(view, 0)).toBe(true)
    expect(Array.from(w.ReadFile(file, 10).data)).toEqual([1, 9, 3])
    expect(w.UnmapViewOfFile(view)).toBe(true)
    expect([w.UnmapViewOfFile(view), w.GetLastError()]).toEqual([false, ERROR_INVALID_ADDRESS])
  })

  it('MapViewOfFileEx maps at the address asked; an unaligned one is ERROR_MAPPED_ALIGNMENT, a taken one ERROR_INVALID_ADDRESS', () => {
    const { kernel, pid, w } = win32()
    const mapping = w.CreateFileMappingW(-1, null, PAGE_READWRITE, 0, 0x2000, null)
    const view = w.MapViewOfFileEx(mapping, 0x2, 0, 0, 0, 0x500000)
    expect([view, w.GetLastError()]).toEqual([0x500000, 0])
    expect(kernel.cpu(pid).write(view + 0x1fff, [7]).status).toBe(0)
    expect([w.MapViewOfFileEx(mapping, 0x2, 0, 0, 0, 0x601000), w.GetLastError()]).toEqual([0, 1132])
    expect([w.MapViewOfFileEx(mapping, 0x4, 0, 0, 0, 0x500000), w.GetLastError()]).toEqual([
      0,
      ERROR_INVALID_ADDRESS,
    ])
  })

  it('names mappings in \\BaseNamedObjects: ERROR_ALREADY_EXISTS, then ERROR_FILE_NOT_FOUND once closed', () => {
    const { w } = win32()
    const first = w.CreateFileMappingW(-1, null, PAGE_READWRITE, 0, 0x1000, 'Local')
    expect(w.GetLastError()).toBe(0)
    const second = w.CreateFileMappingW(-1, null, PAGE_READWRITE, 0, 0x1000, 'Local')
    expect([second > 0, w.GetLastError()]).toEqual([true, 183])
    const opened = w.OpenFileMappingW(0x4, false, 'Local')
    expect(opened > 0).toBe(true)
    for (const handle of [first, second, opened]) w.CloseHandle(handle)
    expect([w.OpenFileMappingW(0x4, false, 'Local'), w.GetLastError()]).toEqual([0, 2])
  })

  it('refuses CreateFileMapping with PAGE_EXECUTE, or size 0 without a file, with ERROR_INVALID_PARAMETER', () => {
    const { w } = win32()
    expect([w.CreateFileMappingW(-1, null, 0x10, 0, 0x1000, null), w.GetLastError()]).toEqual([
      0,
      ERROR_INVALID_PARAMETER,
    ])
    expect([w.CreateFileMappingW(-1, null, PAGE_READWRITE, 0, 0, null), w.GetLastError()]).toEqual([
      0,
      ERROR_INVALID_PARAMETER,
    ])
  })

  it('maps a READONLY mapping handle only for reading (ERROR_ACCESS_DENIED for FILE_MAP_WRITE)', () => {
    const { w } = win32()
    const mapping = w.CreateFileMappingW(-1, null, PAGE_READONLY, 0, 0x1000, null)
    expect([w.MapViewOfFile(mapping, 0x2, 0, 0, 0), w.GetLastError()]).toEqual([0, ERROR_ACCESS_DENIED])
    expect(w.MapViewOfFile(mapping, 0x4, 0, 0, 0) > 0).toBe(true)
  })

  it('fails CreateFileW(CREATE_NEW) of an existing file with ERROR_FILE_EXISTS and OPEN_EXISTING of a missing one with ERROR_FILE_NOT_FOUND', () => {
    const { w } = win32()
    w.CreateFileW('a.txt', 0x80000000, 3, null, 1, 0, 0)
    expect([w.CreateFileW('a.txt', 0x80000000, 3, null, 1, 0, 0), w.GetLastError()]).toEqual([-1, 80])
    expect([w.CreateFileW('b.txt', 0x80000000, 3, null, 3, 0, 0), w.GetLastError()]).toEqual([-1, 2])
  })
})
