// kernel.cpu(pid) follows the services' address rule (issue 18, point 8): on x86 an address is a C
// pointer truncated to 32 bits, for read, write, execute and peek alike; an access past the top of
// the address space faults without reaching the MMU. Lengths and buffers a thread cannot have are
// answered with a status, never thrown (point 9).
import { describe, expect, it } from 'vitest'
import { MAX_ACCESS_LENGTH } from './cpu.js'
import { createKernel } from './createKernel.js'
import {
  MEM_COMMIT,
  MEM_RESERVE,
  MEM_WRITE_WATCH,
  PAGE_EXECUTE_READWRITE,
  PAGE_READWRITE,
} from './memoryConstants.js'
import { STATUS_ACCESS_VIOLATION, STATUS_INVALID_PARAMETER, STATUS_SUCCESS } from './ntStatus.js'
import type { Arch } from './userAddressLimits.js'

function machine(arch: Arch) {
  const kernel = createKernel({ arch, physicalMemory: 1 << 20, pageFile: 1 << 20 })
  const pid = kernel.createProcess({ name: 'a.exe' }).pid
  const base = kernel
    .syscalls(pid)
    .NtAllocateVirtualMemory(-1, 0, 0, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE).baseAddress
  return { kernel, cpu: kernel.cpu(pid), base }
}

describe('createCpu', () => {
  it.each([
    'x86',
    'x86-pae',
  ] as const)('truncates an address to 32 bits for read, write, execute and peek (%s)', (arch) => {
    const { cpu, base } = machine(arch)
    for (const alias of [base + 2 ** 32, base + 2 ** 33, base - 2 ** 32]) {
      expect(cpu.write(alias + 0x10, [1, 2, 3]).status).toBe(STATUS_SUCCESS)
      expect(cpu.read(alias + 0x10, 3)).toEqual({ status: STATUS_SUCCESS, data: Uint8Array.of(1, 2, 3) })
      expect(cpu.peek(alias + 0x10, 3)).toEqual({ status: STATUS_SUCCESS, data: Uint8Array.of(1, 2, 3) })
      expect(cpu.execute(alias + 0x10).status).toBe(STATUS_SUCCESS)
    }
  })

  it.each([
    'x86',
    'x86-pae',
  ] as const)('refuses a range past the top of the 4 GiB address space (%s)', (arch) => {
    const { cpu } = machine(arch)
    const top = 0xffff_fffe
    expect(cpu.read(top, 4)).toMatchObject({
      status: STATUS_ACCESS_VIOLATION,
      exception: { address: top, accessKind: 0 },
    })
    expect(cpu.write(top, [1, 2, 3, 4])).toMatchObject({
      status: STATUS_ACCESS_VIOLATION,
      exception: { address: top },
    })
    expect(cpu.peek(top, 4).status).toBe(STATUS_ACCESS_VIOLATION)
  })

  it('takes x64 addresses as they are (no truncation: 2^32 + base is another address)', () => {
    const { cpu, base } = machine('x64')
    expect(cpu.write(base, [9]).status).toBe(STATUS_SUCCESS)
    expect(cpu.read(base + 2 ** 32, 1).status).toBe(STATUS_ACCESS_VIOLATION)
    expect(cpu.read(2 ** 47, 1).status).toBe(STATUS_ACCESS_VIOLATION)
    expect(cpu.peek(2 ** 60, 1).status).toBe(STATUS_ACCESS_VIOLATION)
  })

  it.each([
    'x86',
    'x64',
  ] as const)('answers lengths and buffers a thread cannot have with a status (%s)', (arch) => {
    const { cpu, base } = machine(arch)
    const over = MAX_ACCESS_LENGTH + 1
    expect(cpu.read(base, over)).toEqual({ status: STATUS_INVALID_PARAMETER, data: new Uint8Array(0) })
    expect(cpu.peek(base, over)).toEqual({ status: STATUS_INVALID_PARAMETER, data: new Uint8Array(0) })
    for (const length of [-1, 1.5, Number.NaN, '4' as never])
      expect(cpu.read(base, length).status).toBe(STATUS_ACCESS_VIOLATION)
    for (const data of [[256], [-1], [1.5], ['a'], 'abc', null] as never[]) {
      expect(cpu.write(base, data)).toMatchObject({
        status: STATUS_ACCESS_VIOLATION,
        exception: { accessKind: 1 },
      })
    }
    // Nothing was written by the refused stores.
    expect(cpu.read(base, 1).data[0]).toBe(0)
  })

  it("reads and writes its own process's memory when threads of several processes interleave, and a stale thread never reaches a newer process", () => {
    // A CPU holds its process's CR3 between accesses (no lookup per access): every interleaving
    // must still switch, and a process created after another ended (it may take the same page
    // directory frame) must not be reached through the ended process's thread.
    const kernel = createKernel({ physicalMemory: 1 << 20, pageFile: 1 << 20 })
    const spawn = (value: number) => {
      const pid = kernel.createProcess().pid
      const base = kernel
        .syscalls(pid)
        .NtAllocateVirtualMemory(
          -1,
          0,
          0,
          0x1000,
          MEM_RESERVE | MEM_COMMIT,
          PAGE_EXECUTE_READWRITE,
        ).baseAddress
      const cpu = kernel.cpu(pid)
      expect(cpu.writeUint32(base, value)).toBe(STATUS_SUCCESS)
      return { pid, base, cpu, value }
    }
    const first = spawn(0x11111111)
    const second = spawn(0x22222222)
    const buffer = new Uint8Array(4)
    for (let round = 0; round < 4; round++)
      for (const { base, cpu, value } of round % 2 === 0 ? [first, second] : [second, first]) {
        expect(cpu.readUint32(base)).toBe(value)
        expect(cpu.readInto(base, buffer, 0, 4)).toBe(STATUS_SUCCESS)
        expect(new DataView(buffer.buffer).getUint32(0, true)).toBe(value)
        expect(cpu.read(base, 4).data).toEqual(buffer)
      }
    kernel.terminateProcess(first.pid)
    const third = spawn(0x33333333)
    expect(third.cpu.readUint32(third.base)).toBe(third.value)
    expect(second.cpu.readUint32(second.base)).toBe(second.value)
    expect(() => first.cpu.readUint32(first.base)).toThrow()
    expect(third.cpu.readUint32(third.base)).toBe(third.value)
  })

  it.each([
    'writeUint32',
    'write',
    'write (array)',
  ] as const)('notes a %s in a MEM_WRITE_WATCH allocation made after the thread last wrote (GetWriteWatch)', (form) => {
    const { kernel, cpu, base } = machine('x86')
    const nt = kernel.syscalls(cpu.pid)
    const store = (at: number) =>
      form === 'writeUint32'
        ? cpu.writeUint32(at, 7)
        : cpu.write(at, form === 'write' ? Uint8Array.of(7, 0, 0, 0) : [7, 0, 0, 0]).status
    // Writes before any watched allocation exists, on a TLB hit and not.
    expect(store(base)).toBe(STATUS_SUCCESS)
    expect(store(base + 4)).toBe(STATUS_SUCCESS)
    const watched = nt.NtAllocateVirtualMemory(
      -1,
      0,
      0,
      0x2000,
      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
      PAGE_READWRITE,
    ).baseAddress
    expect(store(watched + 0x1000)).toBe(STATUS_SUCCESS)
    expect(store(watched + 0x1004)).toBe(STATUS_SUCCESS)
    expect(nt.NtGetWriteWatch(-1, 1, watched, 0x2000, 8).addresses).toEqual([watched + 0x1000])
    expect(store(watched + 0x1008)).toBe(STATUS_SUCCESS)
    expect(store(watched)).toBe(STATUS_SUCCESS)
    expect(nt.NtGetWriteWatch(-1, 0, watched, 0x2000, 8).addresses).toEqual([watched, watched + 0x1000])
  })
})
