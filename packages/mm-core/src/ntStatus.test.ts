import { describe, expect, it } from 'vitest'
import {
  NT_ERROR,
  NT_SUCCESS,
  NtStatus,
  STATUS_ACCESS_VIOLATION,
  STATUS_GUARD_PAGE_VIOLATION,
  STATUS_PAGE_FAULT_DEMAND_ZERO,
  STATUS_SUCCESS,
  ntStatusName,
} from './ntStatus.js'

describe('ntStatus', () => {
  it('keeps values unsigned 32-bit as ntstatus.h writes them', () => {
    expect(STATUS_ACCESS_VIOLATION).toBe(0xc0000005)
    for (const value of Object.values(NtStatus)) {
      expect(value).toBeGreaterThanOrEqual(0)
      expect(value).toBeLessThanOrEqual(0xffffffff)
    }
  })

  it('gives each value a unique name', () => {
    const values = Object.values(NtStatus)
    expect(new Set(values).size).toBe(values.length)
  })

  it('names known statuses and prints unknown ones in hexadecimal', () => {
    expect(ntStatusName(STATUS_ACCESS_VIOLATION)).toBe('STATUS_ACCESS_VIOLATION')
    expect(ntStatusName(-1073741819)).toBe('STATUS_ACCESS_VIOLATION')
    expect(ntStatusName(0xc0001234)).toBe('0xC0001234')
  })

  it('treats success and informational severities as NT_SUCCESS, warnings and errors not', () => {
    expect(NT_SUCCESS(STATUS_SUCCESS)).toBe(true)
    expect(NT_SUCCESS(STATUS_PAGE_FAULT_DEMAND_ZERO)).toBe(true)
    expect(NT_SUCCESS(0x40000017)).toBe(true)
    expect(NT_SUCCESS(STATUS_GUARD_PAGE_VIOLATION)).toBe(false)
    expect(NT_SUCCESS(STATUS_ACCESS_VIOLATION)).toBe(false)
    expect(NT_ERROR(STATUS_GUARD_PAGE_VIOLATION)).toBe(false)
    expect(NT_ERROR(STATUS_ACCESS_VIOLATION)).toBe(true)
  })
})
