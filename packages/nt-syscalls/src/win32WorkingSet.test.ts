// The Win32 working-set functions' return conventions and last-error values (kernelbase / psapi
// over the native services; RtlNtStatusToDosError): FALSE with the last error set on failure, the
// last error untouched on success.
import { describe, expect, it } from 'vitest'
import { PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SET_QUOTA, PROCESS_VM_READ } from './accessRights.js'
import type { KernelOptions } from './kernel.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'
import { Win32Error } from './rtlNtStatusToDosError.js'
import { createTestKernel } from './testing/createTestKernel.js'
import type { Win32Api } from './win32.js'

const {
  ERROR_ACCESS_DENIED,
  ERROR_INVALID_FUNCTION,
  ERROR_INVALID_HANDLE,
  ERROR_INVALID_PARAMETER,
  ERROR_NOACCESS,
  ERROR_NOT_LOCKED,
  ERROR_WORKING_SET_QUOTA,
} = Win32Error
const PAGE = 0x1000
const UNTOUCHED = 0xdead

function machine(options: KernelOptions = { replacementPolicy: 'nt', nt: { tickEvery: 0 } }) {
  const { kernel, pid } = createTestKernel(options)
  const win32 = kernel.win32(pid)
  const base = win32.VirtualAlloc(0, 64 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
  const other = kernel.createProcess().pid
  return { kernel, pid, win32, base, other }
}

type Row = readonly [
  rule: string,
  call: (api: Win32Api, base: number, readOnly: number) => boolean,
  error: number,
]

describe('Win32 working-set functions', () => {
  const failures: readonly Row[] = [
    [
      'SetProcessWorkingSetSize: ERROR_INVALID_HANDLE for a handle that names nothing',
      (api) => api.SetProcessWorkingSetSize(0x1234, 20 * PAGE, 40 * PAGE),
      ERROR_INVALID_HANDLE,
    ],
    [
      'SetProcessWorkingSetSize: ERROR_INVALID_PARAMETER for minimum > maximum',
      (api) => api.SetProcessWorkingSetSize(-1, 40 * PAGE, 20 * PAGE),
      ERROR_INVALID_PARAMETER,
    ],
    [
      'SetProcessWorkingSetSizeEx: ERROR_INVALID_PARAMETER for both hard-maximum flags',
      (api) => api.SetProcessWorkingSetSizeEx(-1, 20 * PAGE, 40 * PAGE, 0xc),
      ERROR_INVALID_PARAMETER,
    ],
    [
      'SetProcessWorkingSetSize: ERROR_ACCESS_DENIED without PROCESS_SET_QUOTA',
      (api, _base, readOnly) => api.SetProcessWorkingSetSize(readOnly, 20 * PAGE, 40 * PAGE),
      ERROR_ACCESS_DENIED,
    ],
    [
      'SetProcessWorkingSetSize: ERROR_INVALID_PARAMETER for a minimum of 0, before the handle (kernelbase)',
      (api) => api.SetProcessWorkingSetSize(0x1234, 0, 40 * PAGE),
      ERROR_INVALID_PARAMETER,
    ],
    [
      'SetProcessWorkingSetSizeEx: ERROR_INVALID_PARAMETER for a maximum of 0 (kernelbase)',
      (api) => api.SetProcessWorkingSetSizeEx(-1, 20 * PAGE, 0, 0),
      ERROR_INVALID_PARAMETER,
    ],
    [
      'EmptyWorkingSet: ERROR_INVALID_HANDLE for a handle that names nothing',
      (api) => api.EmptyWorkingSet(0x1234),
      ERROR_INVALID_HANDLE,
    ],
    [
      'GetProcessWorkingSetSizeEx: ERROR_ACCESS_DENIED without query access',
      (api, _base, readOnly) => api.GetProcessWorkingSetSizeEx(readOnly).result,
      ERROR_ACCESS_DENIED,
    ],
    [
      'GetProcessMemoryInfo: ERROR_INVALID_HANDLE for a handle that names nothing',
      (api) => api.GetProcessMemoryInfo(0x1234).result,
      ERROR_INVALID_HANDLE,
    ],
    [
      'VirtualLock: ERROR_NOACCESS for a page that cannot be read (reserved)',
      (api) => api.VirtualLock(0x7ff0_0000, PAGE),
      ERROR_NOACCESS,
    ],
    [
      'VirtualLock: ERROR_INVALID_PARAMETER for a zero size',
      (api, base) => api.VirtualLock(base, 0),
      ERROR_INVALID_PARAMETER,
    ],
    [
      'VirtualLock: ERROR_WORKING_SET_QUOTA past the lockable pages',
      (api, base) => api.VirtualLock(base, 40 * PAGE),
      ERROR_WORKING_SET_QUOTA,
    ],
    [
      'VirtualUnlock: ERROR_NOT_LOCKED for a page that is not locked',
      (api, base) => api.VirtualUnlock(base, PAGE),
      ERROR_NOT_LOCKED,
    ],
    [
      'SetProcessInformation: ERROR_INVALID_PARAMETER for another class',
      (api) => api.SetProcessInformation(-1, 1, { memoryPriority: 2 }),
      ERROR_INVALID_PARAMETER,
    ],
    [
      'SetProcessInformation: ERROR_INVALID_PARAMETER for no MEMORY_PRIORITY_INFORMATION',
      (api) => api.SetProcessInformation(-1, 0, 2),
      ERROR_INVALID_PARAMETER,
    ],
    [
      'SetProcessInformation: ERROR_INVALID_PARAMETER for a priority above 7',
      (api) => api.SetProcessInformation(-1, 0, { memoryPriority: 8 }),
      ERROR_INVALID_PARAMETER,
    ],
  ]

  it.each(failures)('returns FALSE with the last error: %s', (_rule, call, error) => {
    const { win32, base, other } = machine()
    const readOnly = win32.OpenProcess(PROCESS_VM_READ, false, other)
    win32.SetLastError(UNTOUCHED)
    expect(call(win32, base, readOnly)).toBe(false)
    expect(win32.GetLastError()).toBe(error)
  })

  const successes: readonly Row[] = [
    [
      'SetProcessWorkingSetSize within the RAM',
      (api) => api.SetProcessWorkingSetSize(-1, 20 * PAGE, 40 * PAGE),
      0,
    ],
    ['EmptyWorkingSet', (api) => api.EmptyWorkingSet(-1), 0],
    ['GetProcessWorkingSetSizeEx', (api) => api.GetProcessWorkingSetSizeEx(-1).result, 0],
    ['GetProcessMemoryInfo', (api) => api.GetProcessMemoryInfo(-1).result, 0],
    ['GlobalMemoryStatusEx', (api) => api.GlobalMemoryStatusEx().result, 0],
    ['VirtualLock of two pages', (api, base) => api.VirtualLock(base, 2 * PAGE), 0],
    [
      'SetProcessInformation(ProcessMemoryPriority) 1',
      (api) => api.SetProcessInformation(-1, 0, { memoryPriority: 1 }),
      0,
    ],
  ]

  it.each(successes)('returns TRUE and leaves the last error alone: %s', (_rule, call) => {
    const { win32, base, other } = machine()
    const readOnly = win32.OpenProcess(PROCESS_VM_READ, false, other)
    win32.SetLastError(UNTOUCHED)
    expect(call(win32, base, readOnly)).toBe(true)
    expect(win32.GetLastError()).toBe(UNTOUCHED)
  })

  it('reads back the limits SetProcessWorkingSetSizeEx set, with the hard-limit flags', () => {
    const { win32 } = machine()
    expect(win32.SetProcessWorkingSetSizeEx(-1, 20 * PAGE, 40 * PAGE, 0x1 | 0x4)).toBe(true)
    expect(win32.GetProcessWorkingSetSizeEx(-1)).toEqual({
      result: true,
      minimumWorkingSetSize: 20 * PAGE,
      maximumWorkingSetSize: 40 * PAGE,
      flags: 0x5,
    })
    expect(win32.GetProcessWorkingSetSize(-1)).toEqual({
      result: true,
      minimumWorkingSetSize: 20 * PAGE,
      maximumWorkingSetSize: 40 * PAGE,
    })
  })

  it.each([
    ['x86', 44],
    ['x64', 80],
  ] as const)('GetProcessMemoryInfo fills PROCESS_MEMORY_COUNTERS_EX (cb %s = %d)', (arch, cb) => {
    const { kernel, pid, win32, base } = machine({ arch, replacementPolicy: 'nt', nt: { tickEvery: 0 } })
    for (let index = 0; index < 3; index++) kernel.cpu(pid).write(base + index * PAGE, [1])
    const { result, counters } = win32.GetProcessMemoryInfo(-1)
    expect(result).toBe(true)
    expect(counters?.cb).toBe(cb)
    expect(counters?.workingSetSize).toBe(kernel.mm.processWorkingSet(pid)?.workingSetSize)
    expect(counters?.privateUsage).toBeGreaterThanOrEqual(64 * PAGE)
    expect(counters?.quotaPagedPoolUsage).toBe(0)
  })

  it('GlobalMemoryStatusEx reports the machine: RAM, available pages, commit and free address space', () => {
    const { win32 } = machine()
    const { info } = win32.GlobalMemoryStatusEx()
    expect(info).toMatchObject({ dwLength: 64, ullTotalPhys: 4 * 1024 * 1024, ullAvailExtendedVirtual: 0 })
    expect(info!.ullAvailPhys).toBeLessThanOrEqual(info!.ullTotalPhys)
    expect(info!.dwMemoryLoad).toBe(
      Math.floor(((info!.ullTotalPhys - info!.ullAvailPhys) * 100) / info!.ullTotalPhys),
    )
    expect(info!.ullAvailPageFile).toBeLessThan(info!.ullTotalPageFile)
    expect(info!.ullTotalVirtual).toBe(0x7ffe_ffff - 0x1_0000 + 1)
    expect(info!.ullAvailVirtual).toBeLessThan(info!.ullTotalVirtual)
    expect(info!.ullAvailVirtual).toBeGreaterThan(info!.ullTotalVirtual - 16 * 1024 * 1024)
  })

  it('EmptyWorkingSet needs query access besides PROCESS_SET_QUOTA: psapi reads the quota limits first', () => {
    const { kernel, win32, other } = machine()
    const otherBase = kernel.win32(other).VirtualAlloc(0, 3 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
    for (let index = 0; index < 3; index++) kernel.cpu(other).write(otherBase + index * PAGE, [1])
    const before = kernel.mm.processWorkingSet(other)!.workingSetSize
    const setOnly = win32.OpenProcess(PROCESS_SET_QUOTA, false, other)
    win32.SetLastError(UNTOUCHED)
    expect(win32.EmptyWorkingSet(setOnly)).toBe(false)
    expect(win32.GetLastError()).toBe(ERROR_ACCESS_DENIED)
    expect(kernel.mm.processWorkingSet(other)!.workingSetSize).toBe(before)
    // SetProcessWorkingSetSize itself needs only PROCESS_SET_QUOTA.
    expect(win32.SetProcessWorkingSetSize(setOnly, -1, -1)).toBe(true)
    expect(kernel.mm.processWorkingSet(other)!.workingSetSize).toBeLessThan(before)
    const both = win32.OpenProcess(PROCESS_SET_QUOTA | PROCESS_QUERY_LIMITED_INFORMATION, false, other)
    win32.SetLastError(UNTOUCHED)
    expect(win32.EmptyWorkingSet(both)).toBe(true)
    expect(win32.GetLastError()).toBe(UNTOUCHED)
  })

  it('EmptyWorkingSet keeps VirtualLock-ed pages; VirtualUnlock lets them go', () => {
    const { kernel, pid, win32, base } = machine()
    for (let index = 0; index < 6; index++) kernel.cpu(pid).write(base + index * PAGE, [1])
    expect(win32.VirtualLock(base, 2 * PAGE)).toBe(true)
    expect(win32.EmptyWorkingSet(-1)).toBe(true)
    // The locked pages and the page table mapping them (NT-PAGING.md §3.8).
    expect(win32.GetProcessMemoryInfo(-1).counters?.workingSetSize).toBe(3 * PAGE)
    expect(win32.VirtualUnlock(base, 2 * PAGE)).toBe(true)
    expect(win32.EmptyWorkingSet(-1)).toBe(true)
    // The table stays while it maps the pages now in transition.
    expect(win32.GetProcessMemoryInfo(-1).counters?.workingSetSize).toBe(PAGE)
  })

  it('fails the services that need the nt model with ERROR_INVALID_FUNCTION under a textbook policy', () => {
    const { win32, base } = machine({ replacementPolicy: 'fifo' })
    expect(win32.SetProcessWorkingSetSize(-1, 20 * PAGE, 40 * PAGE)).toBe(false)
    expect(win32.GetLastError()).toBe(ERROR_INVALID_FUNCTION)
    expect(win32.VirtualLock(base, PAGE)).toBe(false)
    expect(win32.GetLastError()).toBe(ERROR_INVALID_FUNCTION)
    win32.SetLastError(UNTOUCHED)
    expect(win32.GetProcessMemoryInfo(-1).result).toBe(true)
    expect(win32.GlobalMemoryStatusEx().result).toBe(true)
    expect(win32.GetLastError()).toBe(UNTOUCHED)
  })
})
