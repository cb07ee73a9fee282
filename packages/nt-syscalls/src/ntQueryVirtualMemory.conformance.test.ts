// NtQueryVirtualMemory end to end, one row per rule (NT-SEMANTICS.md Part B §5.4, Part A §6).
import { describe, expect, it } from 'vitest'
import { PROCESS_QUERY_INFORMATION, PROCESS_VM_OPERATION } from './accessRights.js'
import {
  MEM_COMMIT,
  MEM_FREE,
  MEM_PRIVATE,
  MEM_RESERVE,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
} from './memoryConstants.js'
import { ntStatusName } from './ntStatus.js'
import { createTestKernel } from './testing/createTestKernel.js'
import type { Arch } from './userAddressLimits.js'

const A = 0x50000000
const RW = PAGE_READWRITE

function machine(arch: Arch = 'x86') {
  const { kernel, pid } = createTestKernel({ arch })
  return { kernel, pid, nt: kernel.syscalls(pid) }
}

describe('NtQueryVirtualMemory (end to end)', () => {
  it.each<[string, Arch, number, number | undefined, string, number]>([
    [
      'returns STATUS_INFO_LENGTH_MISMATCH for a buffer smaller than MEMORY_BASIC_INFORMATION',
      'x86',
      A,
      27,
      'STATUS_INFO_LENGTH_MISMATCH',
      0,
    ],
    ['checks the buffer length before the address', 'x86', 0xffffffff, 4, 'STATUS_INFO_LENGTH_MISMATCH', 0],
    [
      'returns STATUS_INVALID_PARAMETER for HighestUserAddress + 1',
      'x86',
      0x7fff0000,
      undefined,
      'STATUS_INVALID_PARAMETER',
      0,
    ],
    ['returns STATUS_INVALID_PARAMETER for ~0', 'x86', 0xffffffff, undefined, 'STATUS_INVALID_PARAMETER', 0],
    ['accepts LowestUserAddress - 1 (0xFFFF)', 'x86', 0xffff, undefined, 'STATUS_SUCCESS', 28],
    ['accepts HighestUserAddress itself (0x7FFEFFFF)', 'x86', 0x7ffeffff, undefined, 'STATUS_SUCCESS', 28],
    ['returns ReturnLength 0x30 for a 64-bit process', 'x64', A, undefined, 'STATUS_SUCCESS', 48],
    ['needs a 0x30-byte buffer for a 64-bit process', 'x64', A, 28, 'STATUS_INFO_LENGTH_MISMATCH', 0],
    ['accepts 0x7FFFFFFEFFFF on x64', 'x64', 0x7ffffffeffff, undefined, 'STATUS_SUCCESS', 48],
    [
      'returns STATUS_INVALID_PARAMETER for 0x7FFFFFFF0000 on x64',
      'x64',
      0x7fffffff0000,
      undefined,
      'STATUS_INVALID_PARAMETER',
      0,
    ],
  ])('%s', (_rule, arch, address, length, status, returnLength) => {
    const { nt } = machine(arch)
    const r = nt.NtQueryVirtualMemory(-1, address, 0, length)
    expect([ntStatusName(r.status), r.returnLength]).toEqual([status, returnLength])
  })

  it('describes free memory: MEM_FREE, PAGE_NOACCESS, no allocation, up to the next allocation', () => {
    const { nt } = machine()
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_RESERVE, RW)
    expect(nt.NtQueryVirtualMemory(-1, A - 0x1234).info).toEqual({
      baseAddress: A - 0x2000,
      allocationBase: 0,
      allocationProtect: 0,
      regionSize: 0x2000,
      state: MEM_FREE,
      protect: PAGE_NOACCESS,
      type: 0,
    })
  })

  it('reports a reserved run with Protect 0 and the whole 0x10000 of a 0xFFFC reservation', () => {
    const { nt } = machine()
    const base = nt.NtAllocateVirtualMemory(-1, 0, 0, 0xfffc, MEM_RESERVE, PAGE_NOACCESS).baseAddress
    expect(nt.NtQueryVirtualMemory(-1, base).info).toEqual({
      baseAddress: base,
      allocationBase: base,
      allocationProtect: PAGE_NOACCESS,
      regionSize: 0x10000,
      state: MEM_RESERVE,
      protect: 0,
      type: MEM_PRIVATE,
    })
  })

  it('splits runs at a change of state: 0x1000 committed then 0xF000 reserved', () => {
    const { nt } = machine()
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, PAGE_NOACCESS)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_COMMIT, PAGE_NOACCESS)
    expect(nt.NtQueryVirtualMemory(-1, A + 0x10).info).toMatchObject({
      baseAddress: A,
      regionSize: 0x1000,
      state: MEM_COMMIT,
      protect: PAGE_NOACCESS,
      allocationProtect: PAGE_NOACCESS,
    })
    expect(nt.NtQueryVirtualMemory(-1, A + 0x1000).info).toMatchObject({
      regionSize: 0xf000,
      state: MEM_RESERVE,
    })
  })

  it('splits runs at a change of protection and joins them again when protections match', () => {
    const { nt } = machine()
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE | MEM_COMMIT, RW)
    nt.NtProtectVirtualMemory(-1, A, 0x3000, PAGE_READONLY)
    expect(nt.NtQueryVirtualMemory(-1, A).info.regionSize).toBe(0x3000)
    expect(nt.NtQueryVirtualMemory(-1, A + 0x3000).info).toMatchObject({ regionSize: 0xd000, protect: RW })
    nt.NtProtectVirtualMemory(-1, A, 0x3000, RW)
    expect(nt.NtQueryVirtualMemory(-1, A).info.regionSize).toBe(0x10000)
  })

  it('stops a run at the end of its allocation even when the next allocation looks the same', () => {
    const { nt } = machine()
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE | MEM_COMMIT, RW)
    nt.NtAllocateVirtualMemory(-1, A + 0x10000, 0, 0x10000, MEM_RESERVE | MEM_COMMIT, RW)
    expect(nt.NtQueryVirtualMemory(-1, A + 0x8000).info).toMatchObject({
      allocationBase: A,
      regionSize: 0x8000,
    })
  })

  it('reports a guard page as committed RW|PAGE_GUARD until it fires, then plain RW', () => {
    const { kernel, pid, nt } = machine()
    const base = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x1000, MEM_COMMIT, RW | PAGE_GUARD).baseAddress
    expect(nt.NtQueryVirtualMemory(-1, base).info).toMatchObject({
      state: MEM_COMMIT,
      protect: 0x104,
      allocationProtect: 0x104,
    })
    kernel.cpu(pid).read(base, 1)
    expect(nt.NtQueryVirtualMemory(-1, base).info).toMatchObject({ protect: RW, allocationProtect: 0x104 })
  })

  it.each<[Arch]>([
    ['x86'],
    ['x64'],
  ])('answers KUSER_SHARED_DATA as one committed read-only page (%s)', (arch) => {
    const { nt } = machine(arch)
    expect(nt.NtQueryVirtualMemory(-1, 0x7ffe0abc).info).toEqual({
      baseAddress: 0x7ffe0000,
      allocationBase: 0x7ffe0000,
      allocationProtect: PAGE_READONLY,
      regionSize: 0x1000,
      state: MEM_COMMIT,
      protect: PAGE_READONLY,
      type: MEM_PRIVATE,
    })
  })

  it.each<[Arch, number]>([
    ['x86', 0x7ffe1000],
    ['x86', 0x7ffeffff],
    ['x64', 0x7ffe5000],
  ])('answers the rest of the KUSER_SHARED_DATA block as reserved (%s, %d)', (arch, address) => {
    const { nt } = machine(arch)
    const page = Math.floor(address / 0x1000) * 0x1000
    expect(nt.NtQueryVirtualMemory(-1, address).info).toEqual({
      baseAddress: page,
      allocationBase: 0x7ffe0000,
      allocationProtect: PAGE_READONLY,
      regionSize: 0x7fff0000 - page,
      state: MEM_RESERVE,
      protect: 0,
      type: MEM_PRIVATE,
    })
  })

  it('reports free memory after the shared block up to the x64 user limit', () => {
    const { nt } = machine('x64')
    expect(nt.NtQueryVirtualMemory(-1, 0x7fff0000).info).toMatchObject({
      state: MEM_FREE,
      regionSize: 0x7fffffff0000 - 0x7fff0000,
    })
  })

  it('needs PROCESS_QUERY_INFORMATION on a process handle and answers for the target process', () => {
    const { kernel, nt } = machine()
    const other = kernel.createProcess({ name: 'other.exe' }).pid
    const b = kernel.syscalls(other).NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_RESERVE, RW).baseAddress
    const operator = nt.NtOpenProcess(PROCESS_VM_OPERATION, other).handle
    expect(ntStatusName(nt.NtQueryVirtualMemory(operator, b).status)).toBe('STATUS_ACCESS_DENIED')
    const querier = nt.NtOpenProcess(PROCESS_QUERY_INFORMATION, other).handle
    expect(nt.NtQueryVirtualMemory(querier, b).info).toMatchObject({ state: MEM_RESERVE, allocationBase: A })
    expect(nt.NtQueryVirtualMemory(-1, b).info.state).toBe(MEM_FREE)
  })

  it('returns STATUS_INVALID_INFO_CLASS for a class the simulator does not answer', () => {
    const { nt } = machine()
    expect(ntStatusName(nt.NtQueryVirtualMemory(-1, A, 3).status)).toBe('STATUS_INVALID_INFO_CLASS')
  })
})
