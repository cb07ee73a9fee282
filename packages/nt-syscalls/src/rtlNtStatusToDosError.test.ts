import { describe, expect, it } from 'vitest'
import { NtStatus } from './ntStatus.js'
import { hasDosErrorMapping, rtlNtStatusToDosError } from './rtlNtStatusToDosError.js'

describe('rtlNtStatusToDosError', () => {
  it.each([
    ['STATUS_SUCCESS', 0],
    ['STATUS_INVALID_HANDLE', 6],
    ['STATUS_OBJECT_TYPE_MISMATCH', 6],
    ['STATUS_NO_MEMORY', 8],
    ['STATUS_ACCESS_DENIED', 5],
    ['STATUS_ALREADY_COMMITTED', 5],
    ['STATUS_INVALID_PARAMETER', 87],
    ['STATUS_INVALID_PARAMETER_1', 87],
    ['STATUS_INVALID_PARAMETER_2', 87],
    ['STATUS_INVALID_PARAMETER_3', 87],
    ['STATUS_INVALID_PARAMETER_4', 87],
    ['STATUS_INVALID_PARAMETER_5', 87],
    ['STATUS_INVALID_PARAMETER_6', 87],
    ['STATUS_INVALID_PAGE_PROTECTION', 87],
    ['STATUS_UNABLE_TO_FREE_VM', 87],
    ['STATUS_UNABLE_TO_DELETE_SECTION', 87],
    ['STATUS_INVALID_CID', 87],
    ['STATUS_INFO_LENGTH_MISMATCH', 24],
    ['STATUS_PARTIAL_COPY', 299],
    ['STATUS_CONFLICTING_ADDRESSES', 487],
    ['STATUS_NOT_COMMITTED', 487],
    ['STATUS_FREE_VM_NOT_AT_BASE', 487],
    ['STATUS_MEMORY_NOT_ALLOCATED', 487],
    ['STATUS_ACCESS_VIOLATION', 998],
    ['STATUS_COMMITMENT_LIMIT', 1455],
    ['STATUS_STACK_OVERFLOW', 1001],
    ['STATUS_PRIVILEGE_NOT_HELD', 1314],
    ['STATUS_PROCESS_IS_TERMINATING', 5],
  ] as const)('maps %s to Win32 error %d', (name, error) => {
    expect(rtlNtStatusToDosError(NtStatus[name])).toBe(error)
  })

  it('passes STATUS_GUARD_PAGE_VIOLATION through unchanged (GetLastError() = 0x80000001)', () => {
    expect(rtlNtStatusToDosError(NtStatus.STATUS_GUARD_PAGE_VIOLATION)).toBe(0x80000001)
  })

  it('maps an unknown error status to ERROR_MR_MID_NOT_FOUND', () => {
    expect(rtlNtStatusToDosError(0xc0001234)).toBe(317)
  })

  it('has a row for every error status the simulator defines', () => {
    for (const [name, value] of Object.entries(NtStatus)) {
      if (value >= 0xc0000000) expect(hasDosErrorMapping(value), name).toBe(true)
    }
  })
})
