// RtlNtStatusToDosError: the Win32 error code kernelbase stores in the thread's last-error value
// when a system service fails (ntdll's status → error table; the rows used here are the ones
// Wine's ntdll/tests/error.c checks on Windows, plus the Samba/ReactOS rows they agree with).

import { NtStatus } from './ntStatus.js'

/** Win32 error codes (winerror.h) produced by the memory and handle services. */
export const Win32Error = {
  ERROR_SUCCESS: 0,
  ERROR_INVALID_FUNCTION: 1,
  ERROR_ACCESS_DENIED: 5,
  ERROR_INVALID_HANDLE: 6,
  ERROR_NOT_ENOUGH_MEMORY: 8,
  ERROR_BAD_LENGTH: 24,
  ERROR_GEN_FAILURE: 31,
  ERROR_NOT_SUPPORTED: 50,
  ERROR_INVALID_PARAMETER: 87,
  ERROR_CALL_NOT_IMPLEMENTED: 120,
  ERROR_INSUFFICIENT_BUFFER: 122,
  ERROR_NOT_LOCKED: 158,
  ERROR_PARTIAL_COPY: 299,
  ERROR_INVALID_ADDRESS: 487,
  ERROR_NOACCESS: 998,
  ERROR_STACK_OVERFLOW: 1001,
  ERROR_PRIVILEGE_NOT_HELD: 1314,
  ERROR_NO_SYSTEM_RESOURCES: 1450,
  ERROR_COMMITMENT_LIMIT: 1455,
  ERROR_WORKING_SET_QUOTA: 1453,
  ERROR_NOT_ENOUGH_QUOTA: 1816,
  ERROR_SWAPERROR: 999,
  ERROR_MR_MID_NOT_FOUND: 317,
} as const

export const {
  /** Win32 error 0: success. */
  ERROR_SUCCESS,
  /** Win32 error 5: what RtlNtStatusToDosError returns for STATUS_ACCESS_DENIED, among others. */
  ERROR_ACCESS_DENIED,
  /** Win32 error 6: what RtlNtStatusToDosError returns for STATUS_INVALID_HANDLE, among others. */
  ERROR_INVALID_HANDLE,
  /** Win32 error 8: what RtlNtStatusToDosError returns for STATUS_NO_MEMORY, among others. */
  ERROR_NOT_ENOUGH_MEMORY,
  /** Win32 error 24: what RtlNtStatusToDosError returns for STATUS_INFO_LENGTH_MISMATCH, among others. */
  ERROR_BAD_LENGTH,
  /** Win32 error 50. */
  ERROR_NOT_SUPPORTED,
  /** Win32 error 87: what RtlNtStatusToDosError returns for STATUS_INVALID_PARAMETER and STATUS_INVALID_PARAMETER_1..6, among others. */
  ERROR_INVALID_PARAMETER,
  /** Win32 error 299: what RtlNtStatusToDosError returns for STATUS_PARTIAL_COPY, among others. */
  ERROR_PARTIAL_COPY,
  /** Win32 error 487: what RtlNtStatusToDosError returns for STATUS_CONFLICTING_ADDRESSES, STATUS_NOT_COMMITTED and STATUS_MEMORY_NOT_ALLOCATED, among others. */
  ERROR_INVALID_ADDRESS,
  /** Win32 error 998: what RtlNtStatusToDosError returns for STATUS_ACCESS_VIOLATION, among others. */
  ERROR_NOACCESS,
  /** Win32 error 1001: what RtlNtStatusToDosError returns for STATUS_STACK_OVERFLOW, among others. */
  ERROR_STACK_OVERFLOW,
  /** Win32 error 1314: what RtlNtStatusToDosError returns for STATUS_PRIVILEGE_NOT_HELD, among others. */
  ERROR_PRIVILEGE_NOT_HELD,
  /** Win32 error 1455: what RtlNtStatusToDosError returns for STATUS_COMMITMENT_LIMIT, among others. */
  ERROR_COMMITMENT_LIMIT,
  /** Win32 error 317: what RtlNtStatusToDosError returns for a status it does not know. */
  ERROR_MR_MID_NOT_FOUND,
} = Win32Error

const S = NtStatus
const E = Win32Error

/** Every status the simulator can produce, mapped as ntdll maps it. */
const table = new Map<number, number>([
  [S.STATUS_SUCCESS, E.ERROR_SUCCESS],
  [S.STATUS_UNSUCCESSFUL, E.ERROR_GEN_FAILURE],
  [S.STATUS_NOT_IMPLEMENTED, E.ERROR_INVALID_FUNCTION],
  [S.STATUS_INVALID_INFO_CLASS, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_INFO_LENGTH_MISMATCH, E.ERROR_BAD_LENGTH],
  [S.STATUS_ACCESS_VIOLATION, E.ERROR_NOACCESS],
  [S.STATUS_IN_PAGE_ERROR, E.ERROR_SWAPERROR],
  [S.STATUS_INVALID_HANDLE, E.ERROR_INVALID_HANDLE],
  [S.STATUS_INVALID_CID, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_INVALID_PARAMETER, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_NO_MEMORY, E.ERROR_NOT_ENOUGH_MEMORY],
  [S.STATUS_CONFLICTING_ADDRESSES, E.ERROR_INVALID_ADDRESS],
  [S.STATUS_NOT_MAPPED_VIEW, E.ERROR_INVALID_ADDRESS],
  [S.STATUS_UNABLE_TO_FREE_VM, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_UNABLE_TO_DELETE_SECTION, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_INVALID_VIEW_SIZE, E.ERROR_ACCESS_DENIED],
  [S.STATUS_ALREADY_COMMITTED, E.ERROR_ACCESS_DENIED],
  [S.STATUS_ACCESS_DENIED, E.ERROR_ACCESS_DENIED],
  [S.STATUS_BUFFER_TOO_SMALL, E.ERROR_INSUFFICIENT_BUFFER],
  [S.STATUS_OBJECT_TYPE_MISMATCH, E.ERROR_INVALID_HANDLE],
  [S.STATUS_NOT_LOCKED, E.ERROR_NOT_LOCKED],
  [S.STATUS_NOT_COMMITTED, E.ERROR_INVALID_ADDRESS],
  [S.STATUS_QUOTA_EXCEEDED, E.ERROR_NOT_ENOUGH_QUOTA],
  [S.STATUS_INVALID_PAGE_PROTECTION, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_BAD_WORKING_SET_LIMIT, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_INCOMPATIBLE_FILE_MAP, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_PRIVILEGE_NOT_HELD, E.ERROR_PRIVILEGE_NOT_HELD],
  [S.STATUS_INSUFFICIENT_RESOURCES, E.ERROR_NO_SYSTEM_RESOURCES],
  [S.STATUS_FREE_VM_NOT_AT_BASE, E.ERROR_INVALID_ADDRESS],
  [S.STATUS_MEMORY_NOT_ALLOCATED, E.ERROR_INVALID_ADDRESS],
  [S.STATUS_WORKING_SET_QUOTA, E.ERROR_WORKING_SET_QUOTA],
  [S.STATUS_INVALID_PARAMETER_1, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_INVALID_PARAMETER_2, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_INVALID_PARAMETER_3, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_INVALID_PARAMETER_4, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_INVALID_PARAMETER_5, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_INVALID_PARAMETER_6, E.ERROR_INVALID_PARAMETER],
  [S.STATUS_STACK_OVERFLOW, E.ERROR_STACK_OVERFLOW],
  [S.STATUS_PROCESS_IS_TERMINATING, E.ERROR_ACCESS_DENIED],
  [S.STATUS_COMMITMENT_LIMIT, E.ERROR_COMMITMENT_LIMIT],
  [S.STATUS_INVALID_ADDRESS, E.ERROR_INVALID_ADDRESS],
  [S.STATUS_PARTIAL_COPY, E.ERROR_PARTIAL_COPY],
])

/**
 * RtlNtStatusToDosError. Codes of the form 0x0000xxxx are already Win32 codes and pass through;
 * STATUS_GUARD_PAGE_VIOLATION and the other warnings without a row pass through unchanged (that is
 * why VirtualLock on a guard page leaves GetLastError() = 0x80000001); unknown error codes map to
 * ERROR_MR_MID_NOT_FOUND (317), as on Windows.
 */
export function rtlNtStatusToDosError(status: number): number {
  const value = status >>> 0
  const mapped = table.get(value)
  if (mapped !== undefined) return mapped
  if ((value & 0xffff0000) === 0) return value
  if (value >= 0x80000000 && value < 0xc0000000) return value
  return E.ERROR_MR_MID_NOT_FOUND
}

/** True when the simulator's table has a row for `status` (every status a service here returns). */
export function hasDosErrorMapping(status: number): boolean {
  return table.has(status >>> 0)
}
