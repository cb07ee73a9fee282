// End-to-end tests of the machine: services over the real hw-mmu and mm-core (createTestKernel),
// from the reservation rules to the source article's story (reserve, commit, touch, demand-zero
// fault, mapping), handles across processes, write watch and the Win32 layer.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PROCESS_QUERY_INFORMATION, PROCESS_VM_OPERATION, PROCESS_VM_READ } from './accessRights.js'
import type { KernelEventRecord } from './kernel.js'
import {
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_FREE,
  MEM_PRIVATE,
  MEM_RELEASE,
  MEM_RESERVE,
  MEM_RESET,
  MEM_TOP_DOWN,
  MEM_WRITE_WATCH,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
} from './memoryConstants.js'
import { isKnownNtStatus, ntStatusName } from './ntStatus.js'
import { NtCurrentProcess } from './objectManager.js'
import { createTestKernel } from './testing/createTestKernel.js'

const A = 0x50000000
const name = ntStatusName

describe('Kernel', () => {
  it('reserves at a 64 KiB boundary and rounds the size from there (0x50001010/0x1000 → 0x50000000/0x3000)', () => {
    const { kernel, pid } = createTestKernel()
    const r = kernel
      .syscalls(pid)
      .NtAllocateVirtualMemory(NtCurrentProcess, 0x50001010, 0, 0x1000, MEM_RESERVE, PAGE_READWRITE)
    expect([name(r.status), r.baseAddress, r.regionSize]).toEqual(['STATUS_SUCCESS', A, 0x3000])
  })

  it('returns STATUS_CONFLICTING_ADDRESSES when a reservation rounds down into an allocated 64 KiB block', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
    expect(
      name(nt.NtAllocateVirtualMemory(-1, A + 0x1000, 0, 0x1000, MEM_RESERVE, PAGE_READWRITE).status),
    ).toBe('STATUS_CONFLICTING_ADDRESSES')
  })

  it('commits inside a reservation with page rounding only and returns STATUS_CONFLICTING_ADDRESSES past its end', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, PAGE_NOACCESS)
    const commit = nt.NtAllocateVirtualMemory(-1, A + 0x1010, 0, 0x10, MEM_COMMIT, PAGE_READWRITE)
    expect([name(commit.status), commit.baseAddress, commit.regionSize]).toEqual([
      'STATUS_SUCCESS',
      A + 0x1000,
      0x1000,
    ])
    expect(
      name(nt.NtAllocateVirtualMemory(-1, A + 0xf000, 0, 0x2000, MEM_COMMIT, PAGE_READWRITE).status),
    ).toBe('STATUS_CONFLICTING_ADDRESSES')
    expect(
      name(nt.NtAllocateVirtualMemory(-1, 0x60000000, 0, 0x1000, MEM_COMMIT, PAGE_READWRITE).status),
    ).toBe('STATUS_CONFLICTING_ADDRESSES')
  })

  it('leaves state and protection unchanged on MEM_RESET and fails it past the allocation', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
    expect(name(nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_RESET, PAGE_NOACCESS).status)).toBe(
      'STATUS_SUCCESS',
    )
    expect(nt.NtQueryVirtualMemory(-1, A).info).toMatchObject({ state: MEM_COMMIT, protect: PAGE_READWRITE })
    expect(name(nt.NtAllocateVirtualMemory(-1, A, 0, 0x20000, MEM_RESET, PAGE_NOACCESS).status)).toBe(
      'STATUS_CONFLICTING_ADDRESSES',
    )
  })

  it('returns STATUS_INVALID_PAGE_PROTECTION for PAGE_WRITECOPY on private memory', () => {
    const { kernel, pid } = createTestKernel()
    expect(
      name(kernel.syscalls(pid).NtAllocateVirtualMemory(-1, 0, 0, 0x1000, MEM_COMMIT, 0x08).status),
    ).toBe('STATUS_INVALID_PAGE_PROTECTION')
  })

  it('returns STATUS_NO_MEMORY when ZeroBits 21 leaves no room, and keeps ZeroBits 2 allocations below 1 GiB', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    expect(name(nt.NtAllocateVirtualMemory(-1, 0, 21, 0x1000, MEM_COMMIT, PAGE_READWRITE).status)).toBe(
      'STATUS_NO_MEMORY',
    )
    const r = nt.NtAllocateVirtualMemory(-1, 0, 2, 0x1000, MEM_COMMIT | MEM_TOP_DOWN, PAGE_READWRITE)
    expect(name(r.status)).toBe('STATUS_SUCCESS')
    expect(r.baseAddress + r.regionSize - 1).toBeLessThanOrEqual(0x3fffffff)
  })

  it('returns STATUS_FREE_VM_NOT_AT_BASE when size is 0 and the base is not the allocation base', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    const a = nt.NtAllocateVirtualMemory(
      -1,
      0,
      0,
      0x10000,
      MEM_RESERVE | MEM_COMMIT,
      PAGE_READWRITE,
    ).baseAddress
    const r = nt.NtFreeVirtualMemory(-1, a + 0x1001, 0, MEM_RELEASE)
    expect([name(r.status), r.baseAddress, r.regionSize]).toEqual([
      'STATUS_FREE_VM_NOT_AT_BASE',
      a + 0x1001,
      0,
    ])
    const d = nt.NtFreeVirtualMemory(-1, a + 0x1fff, 2, MEM_DECOMMIT)
    expect([name(d.status), d.baseAddress, d.regionSize]).toEqual(['STATUS_SUCCESS', a + 0x1000, 0x2000])
    const whole = nt.NtFreeVirtualMemory(-1, a + 0xffe, 0, MEM_DECOMMIT)
    expect([name(whole.status), whole.baseAddress, whole.regionSize]).toEqual(['STATUS_SUCCESS', a, 0])
    const release = nt.NtFreeVirtualMemory(-1, a + 0xfff, 0, MEM_RELEASE)
    expect([name(release.status), release.baseAddress, release.regionSize]).toEqual([
      'STATUS_SUCCESS',
      a,
      0x10000,
    ])
    expect(name(nt.NtFreeVirtualMemory(-1, a, 0, MEM_RELEASE).status)).toBe('STATUS_MEMORY_NOT_ALLOCATED')
  })

  it('splits an allocation on a partial MEM_RELEASE: each piece gets its own allocation base', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, PAGE_READWRITE)
    expect(name(nt.NtFreeVirtualMemory(-1, A + 0x4000, 0x2000, MEM_RELEASE).status)).toBe('STATUS_SUCCESS')
    expect(nt.NtQueryVirtualMemory(-1, A + 0x4000).info.state).toBe(MEM_FREE)
    expect(nt.NtQueryVirtualMemory(-1, A + 0x6000).info.allocationBase).toBe(A + 0x6000)
    expect(nt.NtQueryVirtualMemory(-1, A).info.allocationBase).toBe(A)
    expect(name(nt.NtFreeVirtualMemory(-1, A, 0x11000, MEM_RELEASE).status)).toBe('STATUS_UNABLE_TO_FREE_VM')
  })

  it('reports the first page as OldProtect, STATUS_NOT_COMMITTED on reserved pages, PAGE_NOACCESS on failure', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, PAGE_NOACCESS)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x2000, MEM_COMMIT, PAGE_READWRITE)
    const p = nt.NtProtectVirtualMemory(-1, A + 1, 1, PAGE_READONLY)
    expect([name(p.status), p.baseAddress, p.regionSize, p.oldProtect]).toEqual([
      'STATUS_SUCCESS',
      A,
      0x1000,
      PAGE_READWRITE,
    ])
    const both = nt.NtProtectVirtualMemory(-1, A, 0x2000, PAGE_READWRITE)
    expect(both.oldProtect).toBe(PAGE_READONLY)
    const bad = nt.NtProtectVirtualMemory(-1, A, 0x3000, PAGE_READONLY)
    expect([name(bad.status), bad.baseAddress, bad.regionSize, bad.oldProtect]).toEqual([
      'STATUS_NOT_COMMITTED',
      A,
      0x3000,
      PAGE_NOACCESS,
    ])
  })

  it('describes runs of equal state and protection in MemoryBasicInformation', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, PAGE_READWRITE)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_COMMIT, PAGE_READWRITE)
    expect(nt.NtQueryVirtualMemory(-1, A + 0x10).info).toEqual({
      baseAddress: A,
      allocationBase: A,
      allocationProtect: PAGE_READWRITE,
      regionSize: 0x1000,
      state: MEM_COMMIT,
      protect: PAGE_READWRITE,
      type: MEM_PRIVATE,
    })
    expect(nt.NtQueryVirtualMemory(-1, A + 0x1000).info).toMatchObject({
      regionSize: 0xf000,
      state: MEM_RESERVE,
      protect: 0,
    })
    expect(nt.NtQueryVirtualMemory(-1, 0x10000).info).toMatchObject({
      state: MEM_FREE,
      protect: PAGE_NOACCESS,
      allocationBase: 0,
      type: 0,
    })
  })

  it('answers KUSER_SHARED_DATA as one committed read-only page', () => {
    const { kernel, pid } = createTestKernel()
    expect(kernel.syscalls(pid).NtQueryVirtualMemory(-1, 0x7ffe0000).info).toMatchObject({
      baseAddress: 0x7ffe0000,
      state: MEM_COMMIT,
      protect: PAGE_READONLY,
    })
  })

  it('resolves the source article story: reserve, commit, touch, demand-zero fault, mapping', () => {
    const events: KernelEventRecord[] = []
    const { kernel, pid } = createTestKernel({ onEvent: (record) => events.push(record) })
    const nt = kernel.syscalls(pid)
    const base = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x10000, MEM_RESERVE, PAGE_READWRITE).baseAddress
    expect(name(nt.NtAllocateVirtualMemory(-1, base, 0, 0x1000, MEM_COMMIT, PAGE_READWRITE).status)).toBe(
      'STATUS_SUCCESS',
    )
    expect(kernel.cpu(pid).peek(base, 4).status).not.toBe(0) // MEM_COMMIT mapped nothing
    const start = events.length
    expect(name(kernel.cpu(pid).write(base, [1, 2, 3, 4]).status)).toBe('STATUS_SUCCESS')
    const touch = events.slice(start).map((record) => record.event.type)
    expect(touch[0]).toBe('nt.cpuAccess')
    expect(touch).toContain('mm.pageFault')
    expect(touch).toContain('mm.mappingCreated')
    expect(events.slice(start + 1).every((record) => record.cause !== undefined)).toBe(true)
    expect(Array.from(kernel.cpu(pid).read(base, 5).data)).toEqual([1, 2, 3, 4, 0])
    const reserved = kernel.cpu(pid).read(base + 0x1000, 1)
    expect(reserved.exception).toEqual({ code: 0xc0000005, accessKind: 0, address: base + 0x1000 })
  })

  it('raises STATUS_GUARD_PAGE_VIOLATION once, then lets the retried access through', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    const base = nt.NtAllocateVirtualMemory(
      -1,
      0,
      0,
      0x1000,
      MEM_COMMIT,
      PAGE_READWRITE | PAGE_GUARD,
    ).baseAddress
    expect(kernel.cpu(pid).write(base, [7]).exception).toEqual({
      code: 0x80000001,
      accessKind: 1,
      address: base,
    })
    expect(name(kernel.cpu(pid).write(base, [7]).status)).toBe('STATUS_SUCCESS')
    expect(nt.NtQueryVirtualMemory(-1, base).info.protect).toBe(PAGE_READWRITE)
  })

  it('denies allocation through a handle without PROCESS_VM_OPERATION', () => {
    const { kernel, pid } = createTestKernel()
    const other = kernel.createProcess({ name: 'other.exe' }).pid
    const nt = kernel.syscalls(pid)
    const reader = nt.NtOpenProcess(PROCESS_VM_READ | PROCESS_QUERY_INFORMATION, other).handle
    expect(name(nt.NtAllocateVirtualMemory(reader, 0, 0, 0x1000, MEM_COMMIT, PAGE_READWRITE).status)).toBe(
      'STATUS_ACCESS_DENIED',
    )
    const operator = nt.NtOpenProcess(PROCESS_VM_OPERATION, other).handle
    const r = nt.NtAllocateVirtualMemory(operator, 0, 0, 0x1000, MEM_COMMIT, PAGE_READWRITE)
    expect(name(r.status)).toBe('STATUS_SUCCESS')
    expect(kernel.syscalls(other).NtQueryVirtualMemory(-1, r.baseAddress).info.state).toBe(MEM_COMMIT)
    expect(nt.NtQueryVirtualMemory(-1, r.baseAddress).info.state).toBe(MEM_FREE)
  })

  it('keeps handles per process and invalidates closed handles', () => {
    const { kernel, pid } = createTestKernel()
    const other = kernel.createProcess({ name: 'other.exe' }).pid
    const handle = kernel.syscalls(pid).NtOpenProcess(PROCESS_VM_OPERATION, other).handle
    expect(name(kernel.syscalls(other).NtClose(handle).status)).toBe('STATUS_INVALID_HANDLE')
    expect(name(kernel.syscalls(pid).NtClose(handle).status)).toBe('STATUS_SUCCESS')
    expect(
      name(kernel.syscalls(pid).NtAllocateVirtualMemory(handle, 0, 0, 0x1000, MEM_COMMIT, 4).status),
    ).toBe('STATUS_INVALID_HANDLE')
    expect(name(kernel.syscalls(pid).NtOpenProcess(PROCESS_VM_OPERATION, 1000).status)).toBe(
      'STATUS_INVALID_CID',
    )
  })

  it('copies across processes and returns STATUS_PARTIAL_COPY at the first inaccessible page', () => {
    const { kernel, pid } = createTestKernel()
    const other = kernel.createProcess({ name: 'other.exe' }).pid
    const target = kernel
      .syscalls(other)
      .NtAllocateVirtualMemory(-1, 0, 0, 0x2000, MEM_RESERVE, PAGE_READWRITE).baseAddress
    kernel.syscalls(other).NtAllocateVirtualMemory(-1, target, 0, 0x1000, MEM_COMMIT, PAGE_READWRITE)
    const nt = kernel.syscalls(pid)
    const handle = nt.NtOpenProcess(0x1fffff, other).handle
    const w = nt.NtWriteVirtualMemory(handle, target + 0xffe, new Uint8Array([9, 8, 7, 6]))
    expect([name(w.status), w.bytesWritten]).toEqual(['STATUS_PARTIAL_COPY', 2])
    const r = nt.NtReadVirtualMemory(handle, target + 0xffc, 8)
    expect([name(r.status), r.bytesRead, Array.from(r.data)]).toEqual([
      'STATUS_PARTIAL_COPY',
      4,
      [0, 0, 9, 8],
    ])
  })

  it('reports written pages of a MEM_WRITE_WATCH allocation in ascending order', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    const base = nt.NtAllocateVirtualMemory(
      -1,
      0,
      0,
      0x4000,
      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
      PAGE_READWRITE,
    ).baseAddress
    kernel.cpu(pid).write(base + 0x2000, [1])
    kernel.cpu(pid).write(base, [1])
    const w = nt.NtGetWriteWatch(-1, 1, base, 0x4000, 16)
    expect([name(w.status), w.addresses, w.granularity]).toEqual([
      'STATUS_SUCCESS',
      [base, base + 0x2000],
      0x1000,
    ])
    expect(nt.NtGetWriteWatch(-1, 0, base, 0x4000, 16).addresses).toEqual([])
  })

  it('implements the Win32 layer over the services with GetLastError', () => {
    const { kernel, pid } = createTestKernel()
    const w = kernel.win32(pid)
    const p = w.VirtualAlloc(0, 0x1000, MEM_COMMIT, PAGE_READWRITE)
    expect(p).toBeGreaterThan(0)
    expect(w.VirtualFree(p, 0x1000, MEM_RELEASE)).toBe(false)
    expect(w.GetLastError()).toBe(87)
    expect(w.VirtualAlloc(0x1000, 0x1000, MEM_COMMIT, PAGE_READWRITE)).toBe(0)
    expect(w.GetLastError()).toBe(87)
    expect(w.VirtualProtect(p, 0x1000, PAGE_READONLY)).toEqual({ result: true, oldProtect: PAGE_READWRITE })
    expect(w.VirtualQuery(p).result).toBe(28)
    expect(w.VirtualFree(p + 0x1000, 0, MEM_RELEASE)).toBe(false)
    expect(w.GetLastError()).toBe(487)
    expect(w.VirtualFree(p, 0, MEM_RELEASE)).toBe(true)
  })

  it('never throws and always returns a known NTSTATUS for random sequences of calls', () => {
    const value = fc.oneof(
      fc.constantFrom(0, -1, -2, 4, 0x1000, 0x10000, 0x7ffe0000, 0xffffffff, Number.NaN, 1.5, 2 ** 40),
      fc.integer({ min: 0, max: 0x7fffffff }),
    )
    const call = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.array(value, { minLength: 6, maxLength: 6 }))
    fc.assert(
      fc.property(fc.array(call, { maxLength: 20 }), (calls) => {
        const { kernel, pid } = createTestKernel()
        const nt = kernel.syscalls(pid)
        for (const [which, [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0]] of calls) {
          const status = [
            () => nt.NtAllocateVirtualMemory(a, b, c, d, e, f).status,
            () => nt.NtFreeVirtualMemory(a, b, c, d).status,
            () => nt.NtProtectVirtualMemory(a, b, c, d).status,
            () => nt.NtQueryVirtualMemory(a, b).status,
            () => nt.NtClose(a).status,
            () => kernel.cpu(pid).read(b, 4).status,
            () => kernel.cpu(pid).write(a, [1, 2]).status,
          ][which]!()
          expect(isKnownNtStatus(status), name(status)).toBe(true)
        }
      }),
      { numRuns: 40 },
    )
  })
})
