// Isolation and access control as Windows enforces them (issue 9): a handle grants only its access
// mask; another process's memory is reachable only through a handle with the right access; user
// mode reaches neither system space nor the page tables; a closed handle, or a handle value from
// another process's table, is invalid; a frame freed by one process reaches another zeroed.
import { describe, expect, it } from 'vitest'
import {
  PROCESS_QUERY_INFORMATION,
  PROCESS_VM_OPERATION,
  PROCESS_VM_READ,
  PROCESS_VM_WRITE,
} from './accessRights.js'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { MEM_COMMIT, MEM_RELEASE, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'
import { STATUS_ACCESS_DENIED, STATUS_ACCESS_VIOLATION, STATUS_INVALID_HANDLE } from './ntStatus.js'
import { createTestKernel } from './testing/createTestKernel.js'
import type { Arch } from './userAddressLimits.js'

const RW = MEM_RESERVE | MEM_COMMIT

function machine(arch: Arch = 'x86') {
  const { kernel, pid: a } = createTestKernel({ arch })
  const b = kernel.createProcess({ name: 'victim.exe' }).pid
  const victim = kernel.syscalls(b).NtAllocateVirtualMemory(-1, 0, 0, 0x2000, RW, PAGE_READWRITE).baseAddress
  expect(kernel.cpu(b).write(victim, [0x53, 0x45, 0x43, 0x52, 0x45, 0x54]).status).toBe(0)
  return { kernel, a, b, victim, nt: kernel.syscalls(a) }
}

describe('isolation', () => {
  it.each<[string, number, { read: boolean; write: boolean; operate: boolean; query: boolean }]>([
    ['query only', PROCESS_QUERY_INFORMATION, { read: false, write: false, operate: false, query: true }],
    ['read only', PROCESS_VM_READ, { read: true, write: false, operate: false, query: false }],
    ['write only', PROCESS_VM_WRITE, { read: false, write: true, operate: false, query: false }],
    ['operation only', PROCESS_VM_OPERATION, { read: false, write: false, operate: true, query: false }],
  ])('a handle with %s access grants exactly that', (_name, access, grants) => {
    const { kernel, b, victim, nt } = machine()
    const opened = nt.NtOpenProcess(access, b)
    expect(opened.status).toBe(0)
    const h = opened.handle
    const expectGrant = (status: number, granted: boolean) =>
      expect(status).toBe(granted ? 0 : STATUS_ACCESS_DENIED)
    const read = nt.NtReadVirtualMemory(h, victim, 6)
    expectGrant(read.status, grants.read)
    if (!grants.read) expect(read.data.every((byte) => byte === 0)).toBe(true)
    expectGrant(nt.NtWriteVirtualMemory(h, victim, new Uint8Array([1])).status, grants.write)
    expectGrant(nt.NtAllocateVirtualMemory(h, 0, 0, 0x1000, RW, PAGE_READWRITE).status, grants.operate)
    expectGrant(nt.NtProtectVirtualMemory(h, victim, 0x1000, PAGE_READWRITE).status, grants.operate)
    expectGrant(nt.NtFreeVirtualMemory(h, victim + 0x1000, 0x1000, 0x4000).status, grants.operate)
    expectGrant(nt.NtQueryVirtualMemory(h, victim).status, grants.query)
    expect(checkKernelInvariants(kernel)).toEqual([])
  })

  it('cannot reach another process without a handle: closed handles and other tables are invalid', () => {
    const { kernel, a, b, victim, nt } = machine()
    const c = kernel.createProcess({ name: 'third.exe' }).pid
    // b holds a full handle to c; its value means nothing in a's table.
    const foreign = kernel.syscalls(b).NtOpenProcess(0x1fffff, c).handle
    expect(nt.NtReadVirtualMemory(foreign, victim, 4).status).toBe(STATUS_INVALID_HANDLE)
    const own = nt.NtOpenProcess(PROCESS_VM_READ, b).handle
    expect(nt.NtReadVirtualMemory(own, victim, 6).status).toBe(0)
    expect(nt.NtClose(own).status).toBe(0)
    expect(nt.NtReadVirtualMemory(own, victim, 6).status).toBe(STATUS_INVALID_HANDLE)
    expect(nt.NtClose(own).status).toBe(STATUS_INVALID_HANDLE)
    // The same address in a's own space is a's memory (free there), never b's bytes.
    expect(kernel.cpu(a).read(victim, 6).status).toBe(STATUS_ACCESS_VIOLATION)
    expect(checkKernelInvariants(kernel)).toEqual([])
  })

  it.each<[Arch, number[]]>([
    ['x86', [0x80000000, 0xc0000000, 0xc0300000, 0xffdf0000]],
    ['x86-pae', [0x80000000, 0xc0000000, 0xc0600000, 0xffdf0000]],
    ['x64', [0x7fffffff0000 + 0x20000]],
  ])('user mode reaches neither system space nor the page tables (%s)', (arch, addresses) => {
    const { kernel, a, nt } = machine(arch)
    const cpu = kernel.cpu(a)
    for (const address of addresses) {
      expect(cpu.read(address, 4).status, `read 0x${address.toString(16)}`).toBe(STATUS_ACCESS_VIOLATION)
      expect(cpu.write(address, [1]).status).toBe(STATUS_ACCESS_VIOLATION)
      expect(nt.NtReadVirtualMemory(-1, address, 4).status).not.toBe(0)
      expect(nt.NtWriteVirtualMemory(-1, address, new Uint8Array(4)).status).not.toBe(0)
      expect(nt.NtAllocateVirtualMemory(-1, address, 0, 0x1000, RW, PAGE_READWRITE).status).not.toBe(0)
      expect(nt.NtProtectVirtualMemory(-1, address, 0x1000, PAGE_READWRITE).status).not.toBe(0)
    }
    expect(checkKernelInvariants(kernel)).toEqual([])
  })

  it('hands a frame freed by one process to another zeroed', () => {
    const { kernel, a, nt } = machine()
    const base = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x40000, RW, PAGE_READWRITE).baseAddress
    for (let va = base; va < base + 0x40000; va += 0x1000) kernel.cpu(a).write(va, [0xde, 0xad, 0xbe, 0xef])
    expect(nt.NtFreeVirtualMemory(-1, base, 0, MEM_RELEASE).status).toBe(0)
    const c = kernel.createProcess({ name: 'next.exe' }).pid
    const next = kernel.syscalls(c).NtAllocateVirtualMemory(-1, 0, 0, 0x40000, RW, PAGE_READWRITE).baseAddress
    for (let va = next; va < next + 0x40000; va += 0x1000)
      expect([...kernel.cpu(c).read(va, 0x1000).data].some((byte) => byte !== 0)).toBe(false)
    expect(checkKernelInvariants(kernel)).toEqual([])
  })
})
