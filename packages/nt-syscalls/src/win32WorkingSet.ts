// The Win32 working-set and physical-memory API as kernelbase and psapi implement it over the
// native services: Set/GetProcessWorkingSetSize(Ex), EmptyWorkingSet, GetProcessMemoryInfo,
// GlobalMemoryStatusEx, VirtualLock/VirtualUnlock, SetProcessInformation(ProcessMemoryPriority),
// QueryWorkingSet(Ex) (psapi, K32* in kernel32 since Windows 7).
// Windows' return conventions: a BOOL, FALSE with the thread's last error set through
// RtlNtStatusToDosError; the last error is left alone on success; out-values are zeros on failure
// (nothing was written to the caller's buffer).

import type { WorkingSetBlock, WorkingSetExInformation } from '@ntmm/mm-core'
import { captureNumberFields } from './captureArguments.js'
import { MemoryInformationClass } from './ntQueryWorkingSet.js'
import { MEM_FREE, PAGE_SIZE } from './memoryConstants.js'
import { MAP_PROCESS } from './ntLockVirtualMemory.js'
import type { QuotaLimitsEx, VmCountersEx } from './ntProcessInformation.js'
import { ProcessInformationClass } from './ntProcessInformation.js'
import { NT_SUCCESS, STATUS_INVALID_PARAMETER } from './ntStatus.js'
import { NtCurrentProcess } from './objectManager.js'
import type { SystemBasicInformation, SystemPerformanceInformation } from './ntSystemInformation.js'
import { SystemInformationClass } from './ntSystemInformation.js'
import type { NtSyscalls } from './syscalls.js'

/** PROCESS_MEMORY_COUNTERS_EX (bytes); `cb` is its size for the process's pointer width. */
export interface ProcessMemoryCountersEx {
  readonly cb: number
  readonly pageFaultCount: number
  readonly peakWorkingSetSize: number
  readonly workingSetSize: number
  readonly quotaPeakPagedPoolUsage: number
  readonly quotaPagedPoolUsage: number
  readonly quotaPeakNonPagedPoolUsage: number
  readonly quotaNonPagedPoolUsage: number
  readonly pagefileUsage: number
  readonly peakPagefileUsage: number
  readonly privateUsage: number
}

/** MEMORYSTATUSEX (bytes, dwMemoryLoad a percentage). */
export interface MemoryStatusEx {
  readonly dwLength: number
  readonly dwMemoryLoad: number
  readonly ullTotalPhys: number
  readonly ullAvailPhys: number
  readonly ullTotalPageFile: number
  readonly ullAvailPageFile: number
  readonly ullTotalVirtual: number
  readonly ullAvailVirtual: number
  readonly ullAvailExtendedVirtual: number
}

/** SetProcessInformation's class for MEMORY_PRIORITY_INFORMATION (PROCESS_INFORMATION_CLASS). */
export const ProcessMemoryPriority = 0

/** The working-set part of {@link Win32Api} (see win32.ts). */
export interface Win32WorkingSetApi {
  /**
   * (SIZE_T)-1, (SIZE_T)-1 empties the working set; FALSE with the last error set on failure
   * (ERROR_INVALID_PARAMETER for a size of 0, checked before the handle).
   */
  SetProcessWorkingSetSize(
    process: number,
    minimumWorkingSetSize: number,
    maximumWorkingSetSize: number,
  ): boolean
  /** With QUOTA_LIMITS_HARDWS_* flags. */
  SetProcessWorkingSetSizeEx(
    process: number,
    minimumWorkingSetSize: number,
    maximumWorkingSetSize: number,
    flags: number,
  ): boolean
  /** The limits in bytes (zeros on failure). */
  GetProcessWorkingSetSize(process: number): {
    result: boolean
    minimumWorkingSetSize: number
    maximumWorkingSetSize: number
  }
  /** The limits in bytes and the QUOTA_LIMITS_HARDWS_*_ENABLE flags (zeros on failure). */
  GetProcessWorkingSetSizeEx(process: number): {
    result: boolean
    minimumWorkingSetSize: number
    maximumWorkingSetSize: number
    flags: number
  }
  /** psapi's EmptyWorkingSet: NtQueryInformationProcess(ProcessQuotaLimits), then (SIZE_T)-1, (SIZE_T)-1. */
  EmptyWorkingSet(process: number): boolean
  /** PROCESS_MEMORY_COUNTERS_EX of a process (PROCESS_QUERY_LIMITED_INFORMATION); undefined counters on failure. */
  GetProcessMemoryInfo(process: number): { result: boolean; counters: ProcessMemoryCountersEx | undefined }
  /** The machine's physical memory, commit and the caller's address space. */
  GlobalMemoryStatusEx(): { result: boolean; info: MemoryStatusEx | undefined }
  /** Locks the pages of a range in the caller's working set (NtLockVirtualMemory, MAP_PROCESS). */
  VirtualLock(address: number, size: number): boolean
  /** Unlocks them (ERROR_NOT_LOCKED when a page is not locked). */
  VirtualUnlock(address: number, size: number): boolean
  /**
   * psapi/K32QueryWorkingSetEx: for each entry of `pv` (PSAPI_WORKING_SET_EX_INFORMATION: its
   * `virtualAddress` on input), the page's PSAPI_WORKING_SET_EX_BLOCK; `cb` is the buffer's size in
   * bytes (entries × 8 for a 32-bit process, × 16 for a 64-bit one). FALSE with ERROR_BAD_LENGTH
   * when `cb` holds no entry; `info` is undefined on failure.
   */
  QueryWorkingSetEx(
    process: number,
    pv: readonly { readonly virtualAddress: number }[],
    cb: number,
  ): { result: boolean; info: readonly WorkingSetExInformation[] | undefined }
  /**
   * psapi/K32QueryWorkingSet: PSAPI_WORKING_SET_INFORMATION in a buffer of `cb` bytes. Too small:
   * FALSE with ERROR_BAD_LENGTH, and `numberOfEntries` (the entries needed) is still filled in.
   */
  QueryWorkingSet(
    process: number,
    cb: number,
  ): { result: boolean; numberOfEntries: number; workingSetInfo: readonly WorkingSetBlock[] }
  /** ProcessMemoryPriority (0) with `{ memoryPriority }`: the standby priority of the process's pages. */
  SetProcessInformation(
    process: number,
    processInformationClass: number,
    processInformation: unknown,
  ): boolean
}

/** Build the working-set functions of one process over its native calls and last-error slot. */
export function createWin32WorkingSetApi(
  nt: NtSyscalls,
  setLastNtError: (status: number) => void,
  pointerBits: 32 | 64,
): Win32WorkingSetApi {
  const succeeded = (status: number): boolean => {
    if (NT_SUCCESS(status)) return true
    setLastNtError(status)
    return false
  }
  const quotaLimits = (process: number): QuotaLimitsEx | undefined => {
    const result = nt.NtQueryInformationProcess(process, ProcessInformationClass.ProcessQuotaLimits)
    return succeeded(result.status) ? (result.info as QuotaLimitsEx) : undefined
  }
  const api: Win32WorkingSetApi = {
    SetProcessWorkingSetSize: (process, minimum, maximum) =>
      api.SetProcessWorkingSetSizeEx(process, minimum, maximum, 0),
    // kernelbase refuses a size of 0 before the kernel sees the call (the native call keeps a
    // limit passed as 0): ERROR_INVALID_PARAMETER, whatever the handle.
    SetProcessWorkingSetSizeEx: (process, minimum, maximum, flags) =>
      minimum === 0 || maximum === 0
        ? succeeded(STATUS_INVALID_PARAMETER)
        : succeeded(
            nt.NtSetInformationProcess(process, ProcessInformationClass.ProcessQuotaLimits, {
              minimumWorkingSetSize: minimum,
              maximumWorkingSetSize: maximum,
              flags,
            }).status,
          ),
    GetProcessWorkingSetSize: (process) => {
      const { result, minimumWorkingSetSize, maximumWorkingSetSize } = api.GetProcessWorkingSetSizeEx(process)
      return { result, minimumWorkingSetSize, maximumWorkingSetSize }
    },
    GetProcessWorkingSetSizeEx: (process) => {
      const limits = quotaLimits(process)
      if (limits === undefined)
        return { result: false, minimumWorkingSetSize: 0, maximumWorkingSetSize: 0, flags: 0 }
      return {
        result: true,
        minimumWorkingSetSize: limits.minimumWorkingSetSize,
        maximumWorkingSetSize: limits.maximumWorkingSetSize,
        flags: limits.flags,
      }
    },
    // psapi reads the process's QUOTA_LIMITS first (so the handle needs query access as well as
    // PROCESS_SET_QUOTA, as the documentation says), then sets (SIZE_T)-1, (SIZE_T)-1 with them.
    EmptyWorkingSet: (process) => {
      if (quotaLimits(process) === undefined) return false
      return api.SetProcessWorkingSetSize(process, -1, -1)
    },
    GetProcessMemoryInfo: (process) => {
      const result = nt.NtQueryInformationProcess(process, ProcessInformationClass.ProcessVmCounters)
      if (!succeeded(result.status)) return { result: false, counters: undefined }
      // kernelbase copies VM_COUNTERS_EX from PageFaultCount on: PROCESS_MEMORY_COUNTERS has no
      // PeakVirtualSize or VirtualSize.
      const { peakVirtualSize: _peak, virtualSize: _size, ...counters } = result.info as VmCountersEx
      // Two DWORDs (cb, PageFaultCount) and nine SIZE_Ts.
      const cb = 8 + 9 * (pointerBits / 8)
      return { result: true, counters: { cb, ...counters } }
    },
    GlobalMemoryStatusEx: () => {
      const basic = nt.NtQuerySystemInformation(SystemInformationClass.SystemBasicInformation)
      const performance = nt.NtQuerySystemInformation(SystemInformationClass.SystemPerformanceInformation)
      if (!succeeded(basic.status) || !succeeded(performance.status))
        return { result: false, info: undefined }
      const machine = basic.info as SystemBasicInformation
      const counters = performance.info as SystemPerformanceInformation
      const totalPhys = machine.numberOfPhysicalPages * PAGE_SIZE
      const availPhys = counters.availablePages * PAGE_SIZE
      const totalVirtual = machine.maximumUserModeAddress - machine.minimumUserModeAddress + 1
      return {
        result: true,
        info: {
          dwLength: 64,
          dwMemoryLoad: totalPhys === 0 ? 0 : Math.floor(((totalPhys - availPhys) * 100) / totalPhys),
          ullTotalPhys: totalPhys,
          ullAvailPhys: availPhys,
          ullTotalPageFile: counters.commitLimit * PAGE_SIZE,
          ullAvailPageFile: Math.max(0, counters.commitLimit - counters.committedPages) * PAGE_SIZE,
          ullTotalVirtual: totalVirtual,
          ullAvailVirtual: freeVirtual(nt, machine),
          ullAvailExtendedVirtual: 0,
        },
      }
    },
    VirtualLock: (address, size) =>
      succeeded(nt.NtLockVirtualMemory(NtCurrentProcess, address, size, MAP_PROCESS).status),
    VirtualUnlock: (address, size) =>
      succeeded(nt.NtUnlockVirtualMemory(NtCurrentProcess, address, size, MAP_PROCESS).status),
    QueryWorkingSetEx: (process, pv, cb) => {
      const result = nt.NtQueryVirtualMemory(
        process,
        0,
        MemoryInformationClass.MemoryWorkingSetExInformation,
        cb,
        pv,
      )
      if (!succeeded(result.status)) return { result: false, info: undefined }
      return { result: true, info: result.workingSetExInformation ?? [] }
    },
    QueryWorkingSet: (process, cb) => {
      const result = nt.NtQueryVirtualMemory(
        process,
        0,
        MemoryInformationClass.MemoryWorkingSetInformation,
        cb,
      )
      const numberOfEntries = result.workingSetInformation?.numberOfEntries ?? 0
      if (!succeeded(result.status)) return { result: false, numberOfEntries, workingSetInfo: [] }
      return {
        result: true,
        numberOfEntries,
        workingSetInfo: result.workingSetInformation?.workingSetInfo ?? [],
      }
    },
    SetProcessInformation: (process, processInformationClass, processInformation) => {
      // kernelbase knows the class and reads MEMORY_PRIORITY_INFORMATION's one ULONG; another
      // class or no such structure fails before the kernel, as its own parameter check does.
      const priority = captureNumberFields(processInformation)?.memoryPriority
      if (processInformationClass !== ProcessMemoryPriority || typeof priority !== 'number')
        return succeeded(STATUS_INVALID_PARAMETER)
      return succeeded(
        nt.NtSetInformationProcess(process, ProcessInformationClass.ProcessPagePriority, priority).status,
      )
    },
  }
  return api
}

/** The free bytes of the caller's user address space: its MEM_FREE regions, walked as VirtualQuery walks them. */
function freeVirtual(nt: NtSyscalls, machine: SystemBasicInformation): number {
  let free = 0
  let address = machine.minimumUserModeAddress
  // The walk only moves forward (a region that would not is the end of it): it ends.
  while (address <= machine.maximumUserModeAddress) {
    const query = nt.NtQueryVirtualMemory(NtCurrentProcess, address)
    if (!NT_SUCCESS(query.status)) break
    const end = Math.min(query.info.baseAddress + query.info.regionSize, machine.maximumUserModeAddress + 1)
    if (end <= address) break
    if (query.info.state === MEM_FREE) free += end - address
    address = end
  }
  return free
}
