import { describe, expect, it } from 'vitest'
import {
  ACCESS_SYSTEM_SECURITY,
  checkAccess,
  GENERIC_ALL,
  GENERIC_READ,
  GENERIC_WRITE,
  MAXIMUM_ALLOWED,
  mapGenericMask,
  PROCESS_ALL_ACCESS,
  PROCESS_QUERY_INFORMATION,
  PROCESS_QUERY_LIMITED_INFORMATION,
  PROCESS_VM_OPERATION,
  PROCESS_VM_READ,
  PROCESS_VM_WRITE,
  processGenericMapping,
} from './accessRights.js'

describe('accessRights', () => {
  it('has the Windows values of the process rights', () => {
    expect([PROCESS_VM_OPERATION, PROCESS_VM_READ, PROCESS_VM_WRITE, PROCESS_QUERY_INFORMATION]).toEqual([
      0x8, 0x10, 0x20, 0x400,
    ])
    expect(PROCESS_ALL_ACCESS).toBe(0x1fffff)
  })

  it('maps GENERIC_READ to VM_READ and QUERY_INFORMATION, GENERIC_WRITE to VM_OPERATION and VM_WRITE', () => {
    const read = mapGenericMask(GENERIC_READ, processGenericMapping)
    expect(read & (PROCESS_VM_READ | PROCESS_QUERY_INFORMATION)).toBe(
      PROCESS_VM_READ | PROCESS_QUERY_INFORMATION,
    )
    expect(read & PROCESS_VM_WRITE).toBe(0)
    const write = mapGenericMask(GENERIC_WRITE, processGenericMapping)
    expect(write & (PROCESS_VM_OPERATION | PROCESS_VM_WRITE)).toBe(PROCESS_VM_OPERATION | PROCESS_VM_WRITE)
    expect(mapGenericMask(GENERIC_ALL, processGenericMapping)).toBe(PROCESS_ALL_ACCESS)
  })

  it.each([
    [MAXIMUM_ALLOWED, { granted: true, access: PROCESS_ALL_ACCESS }],
    [
      PROCESS_QUERY_INFORMATION,
      { granted: true, access: PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION },
    ],
    [ACCESS_SYSTEM_SECURITY, { granted: false, reason: 'privilege' }],
    [0x00400000, { granted: false, reason: 'denied' }],
    [0, { granted: true, access: 0 }],
  ])('grants the access an open of %s asks for as the access check decides', (desired, expected) => {
    expect(checkAccess(desired, processGenericMapping)).toEqual(expected)
  })
})
