// NtReadVirtualMemory / NtWriteVirtualMemory end to end: the probe, the handle rights, and the
// exact count copied when an inaccessible page stops the copy (ReadProcessMemory then fails with
// ERROR_PARTIAL_COPY, also when the very first page is inaccessible and nothing was copied).
import { describe, expect, it } from 'vitest'
import { PROCESS_QUERY_INFORMATION, PROCESS_VM_READ, PROCESS_VM_WRITE } from './accessRights.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_NOACCESS, PAGE_READONLY, PAGE_READWRITE } from './memoryConstants.js'
import { ntStatusName } from './ntStatus.js'
import { createTestKernel } from './testing/createTestKernel.js'

const RW = PAGE_READWRITE
const name = ntStatusName

/** Two processes; `other` has 0x2000 reserved at `target` with only the first page committed RW. */
function setup() {
  const { kernel, pid } = createTestKernel()
  const other = kernel.createProcess({ name: 'other.exe' }).pid
  const ntOther = kernel.syscalls(other)
  const target = ntOther.NtAllocateVirtualMemory(-1, 0, 0, 0x2000, MEM_RESERVE, RW).baseAddress
  ntOther.NtAllocateVirtualMemory(-1, target, 0, 0x1000, MEM_COMMIT, RW)
  const nt = kernel.syscalls(pid)
  const handle = nt.NtOpenProcess(PROCESS_VM_READ | PROCESS_VM_WRITE, other).handle
  return { kernel, nt, ntOther, other, target, handle }
}

describe('NtReadVirtualMemory and NtWriteVirtualMemory', () => {
  it('copies into and out of another process', () => {
    const { nt, target, handle } = setup()
    expect(nt.NtWriteVirtualMemory(handle, target + 8, new Uint8Array([1, 2, 3]))).toEqual({
      status: 0,
      bytesWritten: 3,
    })
    const r = nt.NtReadVirtualMemory(handle, target + 8, 4)
    expect([name(r.status), r.bytesRead, Array.from(r.data)]).toEqual(['STATUS_SUCCESS', 4, [1, 2, 3, 0]])
  })

  it('returns STATUS_PARTIAL_COPY with the exact count when the copy runs into a reserved page', () => {
    const { nt, target, handle } = setup()
    const w = nt.NtWriteVirtualMemory(handle, target + 0xffe, new Uint8Array([9, 8, 7, 6]))
    expect([name(w.status), w.bytesWritten]).toEqual(['STATUS_PARTIAL_COPY', 2])
    const r = nt.NtReadVirtualMemory(handle, target + 0xffc, 8)
    expect([name(r.status), r.bytesRead, Array.from(r.data)]).toEqual([
      'STATUS_PARTIAL_COPY',
      4,
      [0, 0, 9, 8],
    ])
  })

  it.each([
    ['a reserved page', 0x1000],
    ['free memory', 0x10000000],
  ])('returns STATUS_PARTIAL_COPY and 0 bytes when the first page is %s (ERROR_PARTIAL_COPY)', (_what, offset) => {
    const { nt, target, handle } = setup()
    const address = offset === 0x1000 ? target + offset : offset
    const r = nt.NtReadVirtualMemory(handle, address, 4)
    expect([name(r.status), r.bytesRead]).toEqual(['STATUS_PARTIAL_COPY', 0])
    const w = nt.NtWriteVirtualMemory(handle, address, new Uint8Array(4))
    expect([name(w.status), w.bytesWritten]).toEqual(['STATUS_PARTIAL_COPY', 0])
  })

  it('cannot write a PAGE_READONLY or read a PAGE_NOACCESS page (0 bytes, STATUS_PARTIAL_COPY)', () => {
    const { nt, ntOther, target, handle } = setup()
    ntOther.NtProtectVirtualMemory(-1, target, 0x1000, PAGE_READONLY)
    expect(nt.NtWriteVirtualMemory(handle, target, new Uint8Array(1)).bytesWritten).toBe(0)
    expect(name(nt.NtReadVirtualMemory(handle, target, 1).status)).toBe('STATUS_SUCCESS')
    ntOther.NtProtectVirtualMemory(-1, target, 0x1000, PAGE_NOACCESS)
    expect([
      name(nt.NtReadVirtualMemory(handle, target, 1).status),
      nt.NtReadVirtualMemory(handle, target, 1).bytesRead,
    ]).toEqual(['STATUS_PARTIAL_COPY', 0])
  })

  it('returns STATUS_ACCESS_VIOLATION for a range reaching MmUserProbeAddress, before the handle', () => {
    const { nt } = setup()
    expect(name(nt.NtReadVirtualMemory(0, 0x7fffff00, 0x200).status)).toBe('STATUS_ACCESS_VIOLATION')
    expect(name(nt.NtWriteVirtualMemory(0, 0x80000000, new Uint8Array(1)).status)).toBe(
      'STATUS_ACCESS_VIOLATION',
    )
  })

  it('succeeds for size 0 without looking at the handle', () => {
    const { nt } = setup()
    expect(nt.NtReadVirtualMemory(0, 0x10000, 0)).toMatchObject({ status: 0, bytesRead: 0 })
    expect(nt.NtWriteVirtualMemory(0, 0x10000, new Uint8Array(0))).toEqual({ status: 0, bytesWritten: 0 })
  })

  it('needs PROCESS_VM_READ to read and PROCESS_VM_WRITE to write', () => {
    const { nt, other, target } = setup()
    const query = nt.NtOpenProcess(PROCESS_QUERY_INFORMATION, other).handle
    expect(name(nt.NtReadVirtualMemory(query, target, 1).status)).toBe('STATUS_ACCESS_DENIED')
    expect(name(nt.NtWriteVirtualMemory(query, target, new Uint8Array(1)).status)).toBe(
      'STATUS_ACCESS_DENIED',
    )
    const reader = nt.NtOpenProcess(PROCESS_VM_READ, other).handle
    expect(name(nt.NtReadVirtualMemory(reader, target, 1).status)).toBe('STATUS_SUCCESS')
    expect(name(nt.NtWriteVirtualMemory(reader, target, new Uint8Array(1)).status)).toBe(
      'STATUS_ACCESS_DENIED',
    )
  })
})
