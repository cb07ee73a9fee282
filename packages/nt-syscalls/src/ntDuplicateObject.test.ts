// Handles across processes end to end: NtOpenProcess, NtClose, NtDuplicateObject, process
// termination (NT-SEMANTICS.md Part A §9 and the "Other Windows facts" of its introduction).
import { describe, expect, it } from 'vitest'
import {
  DUPLICATE_CLOSE_SOURCE,
  DUPLICATE_SAME_ACCESS,
  PROCESS_ALL_ACCESS,
  PROCESS_DUP_HANDLE,
  PROCESS_QUERY_INFORMATION,
  PROCESS_VM_OPERATION,
  PROCESS_VM_READ,
  PROCESS_VM_WRITE,
} from './accessRights.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'
import { ntStatusName } from './ntStatus.js'
import { createTestKernel } from './testing/createTestKernel.js'

const RW = PAGE_READWRITE
const name = ntStatusName

function twoProcesses() {
  const { kernel, pid } = createTestKernel()
  const other = kernel.createProcess({ name: 'other.exe' }).pid
  return { kernel, pid, other, nt: kernel.syscalls(pid), ntOther: kernel.syscalls(other) }
}

describe('NtDuplicateObject', () => {
  it('duplicates within a process with DUPLICATE_SAME_ACCESS: the copy has the same rights', () => {
    const { nt, other } = twoProcesses()
    const reader = nt.NtOpenProcess(PROCESS_VM_READ, other).handle
    const copy = nt.NtDuplicateObject(-1, reader, -1, 0, 0, DUPLICATE_SAME_ACCESS)
    expect(name(copy.status)).toBe('STATUS_SUCCESS')
    expect(copy.targetHandle).not.toBe(reader)
    expect(name(nt.NtReadVirtualMemory(copy.targetHandle, 0x7ffe0000, 4).status)).toBe('STATUS_SUCCESS')
    expect(name(nt.NtAllocateVirtualMemory(copy.targetHandle, 0, 0, 0x1000, MEM_COMMIT, RW).status)).toBe(
      'STATUS_ACCESS_DENIED',
    )
  })

  it('grants the DesiredAccess asked for without DUPLICATE_SAME_ACCESS', () => {
    const { nt, ntOther, other } = twoProcesses()
    const reader = nt.NtOpenProcess(PROCESS_VM_READ, other).handle
    const copy = nt.NtDuplicateObject(-1, reader, -1, PROCESS_VM_OPERATION, 0, 0)
    const r = nt.NtAllocateVirtualMemory(copy.targetHandle, 0, 0, 0x1000, MEM_COMMIT, RW)
    expect(name(r.status)).toBe('STATUS_SUCCESS')
    expect(ntOther.NtQueryVirtualMemory(-1, r.baseAddress).info.state).toBe(MEM_COMMIT)
  })

  it('closes the source handle with DUPLICATE_CLOSE_SOURCE before the copy takes its freed slot', () => {
    const { kernel, nt, other } = twoProcesses()
    const source = nt.NtOpenProcess(PROCESS_VM_OPERATION, other).handle
    const objectId = kernel.ob.state.processObjectId(other)!
    const handles = kernel.ob.state.object(objectId)!.handleCount
    const copy = nt.NtDuplicateObject(-1, source, -1, 0, 0, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE)
    expect([name(copy.status), copy.targetHandle]).toEqual(['STATUS_SUCCESS', source])
    expect(kernel.ob.state.object(objectId)!.handleCount).toBe(handles)
    expect(name(nt.NtAllocateVirtualMemory(copy.targetHandle, 0, 0, 0x1000, MEM_COMMIT, RW).status)).toBe(
      'STATUS_SUCCESS',
    )
  })

  it('only closes the source handle when no target process is given', () => {
    const { nt, other } = twoProcesses()
    const source = nt.NtOpenProcess(PROCESS_VM_OPERATION, other).handle
    const r = nt.NtDuplicateObject(-1, source, undefined, 0, 0, DUPLICATE_CLOSE_SOURCE)
    expect([name(r.status), r.targetHandle]).toEqual(['STATUS_SUCCESS', 0])
    expect(name(nt.NtClose(source).status)).toBe('STATUS_INVALID_HANDLE')
  })

  it('turns the NtCurrentProcess pseudo-handle into a real handle with PROCESS_ALL_ACCESS', () => {
    const { kernel, nt, other } = twoProcesses()
    const toOther = nt.NtOpenProcess(PROCESS_DUP_HANDLE, other).handle
    const copy = nt.NtDuplicateObject(-1, -1, toOther, 0, 0, DUPLICATE_SAME_ACCESS)
    expect(name(copy.status)).toBe('STATUS_SUCCESS')
    // The new handle lives in other's table and names the caller's process.
    const ntOther = kernel.syscalls(other)
    const r = ntOther.NtAllocateVirtualMemory(copy.targetHandle, 0, 0, 0x1000, MEM_COMMIT, RW)
    expect(name(r.status)).toBe('STATUS_SUCCESS')
    expect(nt.NtQueryVirtualMemory(-1, r.baseAddress).info.state).toBe(MEM_COMMIT)
    expect(name(ntOther.NtClose(copy.targetHandle).status)).toBe('STATUS_SUCCESS')
  })

  it('copies a handle out of another process through a source-process handle with PROCESS_DUP_HANDLE', () => {
    const { kernel, pid, nt, ntOther, other } = twoProcesses()
    const third = kernel.createProcess({ name: 'third.exe' }).pid
    const inOther = ntOther.NtOpenProcess(PROCESS_VM_OPERATION, third).handle
    const dup = nt.NtOpenProcess(PROCESS_DUP_HANDLE, other).handle
    const copy = nt.NtDuplicateObject(dup, inOther, -1, 0, 0, DUPLICATE_SAME_ACCESS)
    expect(name(copy.status)).toBe('STATUS_SUCCESS')
    const r = nt.NtAllocateVirtualMemory(copy.targetHandle, 0, 0, 0x1000, MEM_COMMIT, RW)
    expect(name(r.status)).toBe('STATUS_SUCCESS')
    expect(kernel.syscalls(third).NtQueryVirtualMemory(-1, r.baseAddress).info.state).toBe(MEM_COMMIT)
    expect(pid).not.toBe(third)
  })

  it('returns STATUS_ACCESS_DENIED when the source-process handle lacks PROCESS_DUP_HANDLE', () => {
    const { nt, ntOther, other, pid } = twoProcesses()
    const inOther = ntOther.NtOpenProcess(PROCESS_VM_OPERATION, pid).handle
    const noDup = nt.NtOpenProcess(PROCESS_VM_READ | PROCESS_VM_WRITE, other).handle
    const r = nt.NtDuplicateObject(noDup, inOther, -1, 0, 0, DUPLICATE_SAME_ACCESS)
    expect([name(r.status), r.targetHandle]).toEqual(['STATUS_ACCESS_DENIED', 0])
  })

  it('returns STATUS_INVALID_HANDLE for a source handle that is not open in the source process', () => {
    const { nt, other } = twoProcesses()
    const dup = nt.NtOpenProcess(PROCESS_DUP_HANDLE, other).handle
    expect(name(nt.NtDuplicateObject(dup, 0x40, -1, 0, 0, DUPLICATE_SAME_ACCESS).status)).toBe(
      'STATUS_INVALID_HANDLE',
    )
  })

  it('returns STATUS_INVALID_PARAMETER for unknown options', () => {
    const { nt } = twoProcesses()
    expect(name(nt.NtDuplicateObject(-1, -1, -1, 0, 0, 0x100).status)).toBe('STATUS_INVALID_PARAMETER')
  })
})

describe('handles', () => {
  it('denies allocation through a handle without PROCESS_VM_OPERATION', () => {
    const { nt, other } = twoProcesses()
    const h = nt.NtOpenProcess(PROCESS_VM_READ | PROCESS_VM_WRITE | PROCESS_QUERY_INFORMATION, other).handle
    const r = nt.NtAllocateVirtualMemory(h, 0, 0, 0x1000, MEM_COMMIT, RW)
    expect([name(r.status), r.baseAddress, r.regionSize]).toEqual(['STATUS_ACCESS_DENIED', 0, 0x1000])
    expect(name(nt.NtFreeVirtualMemory(h, 0x10000, 0, 0x8000).status)).toBe('STATUS_ACCESS_DENIED')
  })

  it('keeps handle values per process: the same value is invalid in another process', () => {
    const { nt, ntOther, other } = twoProcesses()
    const h = nt.NtOpenProcess(PROCESS_ALL_ACCESS, other).handle
    expect(name(ntOther.NtQueryVirtualMemory(h, 0x10000).status)).toBe('STATUS_INVALID_HANDLE')
    expect(name(ntOther.NtClose(h).status)).toBe('STATUS_INVALID_HANDLE')
  })

  it.each([
    [
      'NtAllocateVirtualMemory',
      (nt: ReturnType<typeof twoProcesses>['nt'], h: number) =>
        nt.NtAllocateVirtualMemory(h, 0, 0, 0x1000, MEM_COMMIT, RW).status,
    ],
    [
      'NtFreeVirtualMemory',
      (nt: ReturnType<typeof twoProcesses>['nt'], h: number) =>
        nt.NtFreeVirtualMemory(h, 0x10000, 0, 0x8000).status,
    ],
    [
      'NtProtectVirtualMemory',
      (nt: ReturnType<typeof twoProcesses>['nt'], h: number) =>
        nt.NtProtectVirtualMemory(h, 0x10000, 1, RW).status,
    ],
    [
      'NtQueryVirtualMemory',
      (nt: ReturnType<typeof twoProcesses>['nt'], h: number) => nt.NtQueryVirtualMemory(h, 0x10000).status,
    ],
    [
      'NtReadVirtualMemory',
      (nt: ReturnType<typeof twoProcesses>['nt'], h: number) =>
        nt.NtReadVirtualMemory(h, 0x7ffe0000, 4).status,
    ],
    [
      'NtWriteVirtualMemory',
      (nt: ReturnType<typeof twoProcesses>['nt'], h: number) =>
        nt.NtWriteVirtualMemory(h, 0x10000, new Uint8Array(1)).status,
    ],
    ['NtClose', (nt: ReturnType<typeof twoProcesses>['nt'], h: number) => nt.NtClose(h).status],
  ])('returns STATUS_INVALID_HANDLE from %s for a closed handle', (_service, call) => {
    const { nt, other } = twoProcesses()
    const h = nt.NtOpenProcess(PROCESS_ALL_ACCESS, other).handle
    expect(name(nt.NtClose(h).status)).toBe('STATUS_SUCCESS')
    expect(name(call(nt, h))).toBe('STATUS_INVALID_HANDLE')
  })

  it.each([-1, -2, -3, -6])('succeeds and changes nothing when closing the pseudo-handle %d', (handle) => {
    const { nt } = twoProcesses()
    expect(name(nt.NtClose(handle).status)).toBe('STATUS_SUCCESS')
    expect(name(nt.NtAllocateVirtualMemory(-1, 0, 0, 0x1000, MEM_COMMIT, RW).status)).toBe('STATUS_SUCCESS')
  })

  it.each([-7, 0, 1, 0x800, Number.NaN])('returns STATUS_INVALID_HANDLE from NtClose(%d)', (handle) => {
    const { nt } = twoProcesses()
    expect(name(nt.NtClose(handle).status)).toBe('STATUS_INVALID_HANDLE')
  })

  it('returns STATUS_INVALID_CID and no handle for a pid that names no process', () => {
    const { nt } = twoProcesses()
    expect(nt.NtOpenProcess(PROCESS_ALL_ACCESS, 1000)).toEqual({ status: 0xc000000b, handle: 0 })
  })

  it('closes every handle of a process when it terminates; its own object lives while others hold handles', () => {
    const { kernel, pid, nt, ntOther, other } = twoProcesses()
    ntOther.NtOpenProcess(PROCESS_ALL_ACCESS, pid) // other's handle to pid
    const before = kernel.ob.state.object(kernel.ob.state.processObjectId(pid)!)!.handleCount
    const h = nt.NtOpenProcess(PROCESS_ALL_ACCESS, other).handle
    kernel.terminateProcess(other)
    expect(kernel.ob.state.object(kernel.ob.state.processObjectId(pid)!)!.handleCount).toBe(before - 1)
    expect(kernel.processes().find((p) => p.pid === other)?.exited).toBe(true)
    expect(name(nt.NtAllocateVirtualMemory(h, 0, 0, 0x1000, MEM_RESERVE, RW).status)).toBe(
      'STATUS_PROCESS_IS_TERMINATING',
    )
    expect(name(nt.NtQueryVirtualMemory(h, 0x10000).status)).toBe('STATUS_PROCESS_IS_TERMINATING')
    expect(name(nt.NtReadVirtualMemory(h, 0x7ffe0000, 4).status)).toBe('STATUS_PROCESS_IS_TERMINATING')
    expect(name(nt.NtClose(h).status)).toBe('STATUS_SUCCESS')
    expect(kernel.processes().some((p) => p.pid === other)).toBe(false)
    expect(() => kernel.syscalls(other)).toThrow(RangeError)
  })
})
