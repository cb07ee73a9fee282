// The Win32 memory API as kernelbase implements it over the native services: VirtualAlloc(Ex),
// VirtualFree(Ex), VirtualProtect(Ex), VirtualQuery(Ex), Get/ResetWriteWatch, OpenProcess,
// CloseHandle, and the thread's last-error value set through RtlNtStatusToDosError. kernelbase's own
// rules sit here: VirtualAllocEx rejects a non-NULL address below the allocation granularity and
// VirtualFreeEx rejects MEM_RELEASE with a non-zero size, both with ERROR_INVALID_PARAMETER and
// without entering the kernel.
//
// VirtualProtect's lpflOldProtect is mandatory on NT: NtProtectVirtualMemory fails a NULL pointer
// with STATUS_ACCESS_VIOLATION (ERROR_NOACCESS) before any other check, so nothing changes. The
// native surface here returns OldProtect by value, so the NULL pointer is an option of the Win32
// call (`{ oldProtectPointer: null }`) and the failure is produced where the probe would fail.

import { MEM_RELEASE, MM_ALLOCATION_GRANULARITY, PAGE_NOACCESS } from './memoryConstants.js'
import { NT_SUCCESS, STATUS_ACCESS_VIOLATION } from './ntStatus.js'
import { NtCurrentProcess } from './objectManager.js'
import { ERROR_INVALID_PARAMETER, rtlNtStatusToDosError } from './rtlNtStatusToDosError.js'
import type { NtSyscalls } from './syscalls.js'
import type { MemoryBasicInformation } from './virtualMemoryPort.js'
import { createWin32SectionApi, type LastErrorSlot, type Win32SectionApi } from './win32Sections.js'
import { createWin32WorkingSetApi, type Win32WorkingSetApi } from './win32WorkingSet.js'

export type { LastErrorSlot } from './win32Sections.js'

/** How lpflOldProtect is passed: a valid pointer (the default) or NULL. */
export interface VirtualProtectOptions {
  readonly oldProtectPointer?: 'valid' | null
}

/**
 * The Win32 API of one process (one thread). No function throws for a caller's mistake: each fails
 * as kernelbase does (FALSE, NULL or ~0u with the last error set). On a read-only view of the past
 * (`kernel.at(seq)`), the functions that would change state throw the view's Error.
 */
export interface Win32Api extends Win32SectionApi, Win32WorkingSetApi {
  /** The current-process pseudo-handle (-1). */
  GetCurrentProcess(): number
  /** The thread's last-error value. */
  GetLastError(): number
  /** Sets the thread's last-error value (a number, converted to a DWORD; anything else changes nothing). */
  SetLastError(error: number): void
  /** Returns the base address, or 0 (NULL) with the last error set. */
  VirtualAlloc(address: number, size: number, allocationType: number, protect: number): number
  /** VirtualAlloc in another process: the base address, or 0 (NULL) with the last error set. */
  VirtualAllocEx(
    process: number,
    address: number,
    size: number,
    allocationType: number,
    protect: number,
  ): number
  /** Decommits or releases a range; FALSE with the last error set on failure. */
  VirtualFree(address: number, size: number, freeType: number): boolean
  /** VirtualFree in another process. */
  VirtualFreeEx(process: number, address: number, size: number, freeType: number): boolean
  /**
   * `result` is the BOOL; `oldProtect` is what lpflOldProtect receives (PAGE_NOACCESS on failure).
   * `{ oldProtectPointer: null }` passes a NULL lpflOldProtect: FALSE with ERROR_NOACCESS.
   */
  VirtualProtect(
    address: number,
    size: number,
    newProtect: number,
    options?: VirtualProtectOptions,
  ): { result: boolean; oldProtect: number }
  /** VirtualProtect in another process. */
  VirtualProtectEx(
    process: number,
    address: number,
    size: number,
    newProtect: number,
    options?: VirtualProtectOptions,
  ): { result: boolean; oldProtect: number }
  /** `result` is the number of bytes written to the buffer (sizeof(MEMORY_BASIC_INFORMATION)) or 0. */
  VirtualQuery(address: number): { result: number; info: MemoryBasicInformation }
  /** VirtualQuery in another process. */
  VirtualQueryEx(process: number, address: number): { result: number; info: MemoryBasicInformation }
  /** 0 on success, 0xFFFFFFFF (~0u) on failure. */
  GetWriteWatch(
    flags: number,
    address: number,
    size: number,
    count: number,
  ): { result: number; addresses: readonly number[]; granularity: number }
  /** Clears the write-watch state of a range: 0 on success. */
  ResetWriteWatch(address: number, size: number): number
  /** Returns the handle, or 0 (NULL) with the last error set. */
  OpenProcess(desiredAccess: number, inheritHandle: boolean, pid: number): number
  /** Closes a handle; FALSE with the last error set on failure. */
  CloseHandle(handle: number): boolean
}

/** Build the Win32 API of a process over its native system calls (`pointerBits`: SIZE_T's width, 32 by default). */
export function createWin32Api(nt: NtSyscalls, slot: LastErrorSlot, pointerBits: 32 | 64 = 32): Win32Api {
  /** BaseSetLastNTError: map and store; returns the mapped error. */
  const setLastNtError = (status: number): void => {
    slot.lastError = rtlNtStatusToDosError(status)
  }
  const api: Win32Api = {
    ...createWin32SectionApi(nt, slot),
    ...createWin32WorkingSetApi(nt, setLastNtError, pointerBits),
    GetCurrentProcess: () => NtCurrentProcess,
    GetLastError: () => slot.lastError,
    SetLastError: (error) => {
      // A DWORD: a number converted as C converts it (ToUint32); anything else is none, and leaves
      // the last error as it is (a symbol or an object with a throwing valueOf cannot throw here).
      if (typeof error === 'number') slot.lastError = error >>> 0
    },
    VirtualAlloc: (address, size, allocationType, protect) =>
      api.VirtualAllocEx(NtCurrentProcess, address, size, allocationType, protect),
    VirtualAllocEx: (process, address, size, allocationType, protect) => {
      if (typeof address === 'number' && address !== 0 && address < MM_ALLOCATION_GRANULARITY) {
        slot.lastError = ERROR_INVALID_PARAMETER
        return 0
      }
      const result = nt.NtAllocateVirtualMemory(process, address, 0, size, allocationType, protect)
      if (!NT_SUCCESS(result.status)) {
        setLastNtError(result.status)
        return 0
      }
      return result.baseAddress
    },
    VirtualFree: (address, size, freeType) => api.VirtualFreeEx(NtCurrentProcess, address, size, freeType),
    VirtualFreeEx: (process, address, size, freeType) => {
      if (freeType === MEM_RELEASE && size !== 0) {
        slot.lastError = ERROR_INVALID_PARAMETER
        return false
      }
      const result = nt.NtFreeVirtualMemory(process, address, size, freeType)
      if (!NT_SUCCESS(result.status)) {
        setLastNtError(result.status)
        return false
      }
      return true
    },
    VirtualProtect: (address, size, newProtect, options) =>
      api.VirtualProtectEx(NtCurrentProcess, address, size, newProtect, options),
    VirtualProtectEx: (process, address, size, newProtect, options) => {
      if (options?.oldProtectPointer === null) {
        setLastNtError(STATUS_ACCESS_VIOLATION)
        return { result: false, oldProtect: PAGE_NOACCESS }
      }
      const result = nt.NtProtectVirtualMemory(process, address, size, newProtect)
      if (!NT_SUCCESS(result.status)) {
        setLastNtError(result.status)
        return { result: false, oldProtect: result.oldProtect }
      }
      return { result: true, oldProtect: result.oldProtect }
    },
    VirtualQuery: (address) => api.VirtualQueryEx(NtCurrentProcess, address),
    VirtualQueryEx: (process, address) => {
      const result = nt.NtQueryVirtualMemory(process, address)
      if (!NT_SUCCESS(result.status)) {
        setLastNtError(result.status)
        return { result: 0, info: result.info }
      }
      return { result: result.returnLength, info: result.info }
    },
    GetWriteWatch: (flags, address, size, count) => {
      const result = nt.NtGetWriteWatch(NtCurrentProcess, flags, address, size, count)
      if (!NT_SUCCESS(result.status)) {
        setLastNtError(result.status)
        return { result: 0xffffffff, addresses: [], granularity: 0 }
      }
      return { result: 0, addresses: result.addresses, granularity: result.granularity }
    },
    ResetWriteWatch: (address, size) => {
      const result = nt.NtResetWriteWatch(NtCurrentProcess, address, size)
      if (!NT_SUCCESS(result.status)) {
        setLastNtError(result.status)
        return 0xffffffff
      }
      return 0
    },
    OpenProcess: (desiredAccess, _inheritHandle, pid) => {
      const result = nt.NtOpenProcess(desiredAccess, pid)
      if (!NT_SUCCESS(result.status)) {
        setLastNtError(result.status)
        return 0
      }
      return result.handle
    },
    CloseHandle: (handle) => {
      const result = nt.NtClose(handle)
      if (!NT_SUCCESS(result.status)) {
        setLastNtError(result.status)
        return false
      }
      return true
    },
  }
  return api
}
