// NtProtectVirtualMemory end to end, one row per rule (NT-SEMANTICS.md Part B §5.3, Part A §5):
// NTSTATUS, base, size and OldProtect (PAGE_NOACCESS on any failure, the caller's base and size).
import { describe, expect, it } from 'vitest'
import { PROCESS_VM_READ } from './accessRights.js'
import {
  MEM_COMMIT,
  MEM_RESERVE,
  MEM_WRITE_WATCH,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_NOCACHE,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOMBINE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import { ntStatusName } from './ntStatus.js'
import { createTestKernel } from './testing/createTestKernel.js'

const A = 0x50000000
const RW = PAGE_READWRITE

/** A 64 KiB reservation at A whose first two pages are committed RW. */
function machine() {
  const { kernel, pid } = createTestKernel()
  const nt = kernel.syscalls(pid)
  nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, PAGE_NOACCESS)
  nt.NtAllocateVirtualMemory(-1, A, 0, 0x2000, MEM_COMMIT, RW)
  return { kernel, pid, nt }
}

type Row = readonly [
  rule: string,
  handle: number,
  base: number,
  size: number,
  protect: number,
  status: string,
  out?: [number, number, number],
]

const rows: Row[] = [
  [
    'rounds B+1 size 1 to B/0x1000 and returns the old protection',
    -1,
    A + 1,
    1,
    PAGE_READONLY,
    'STATUS_SUCCESS',
    [A, 0x1000, RW],
  ],
  [
    'returns TRUE and the same protection when it does not change',
    -1,
    A,
    0x2000,
    RW,
    'STATUS_SUCCESS',
    [A, 0x2000, RW],
  ],
  [
    'returns STATUS_NOT_COMMITTED on reserved-only pages (VA4)',
    -1,
    A + 0x2000,
    0x1000,
    RW,
    'STATUS_NOT_COMMITTED',
  ],
  [
    'returns STATUS_NOT_COMMITTED on a partly committed range (VA7)',
    -1,
    A,
    0x3000,
    PAGE_READONLY,
    'STATUS_NOT_COMMITTED',
  ],
  [
    'returns STATUS_CONFLICTING_ADDRESSES at a NULL address (NP10: win64 comment)',
    -1,
    0,
    1,
    RW,
    'STATUS_CONFLICTING_ADDRESSES',
  ],
  [
    'returns STATUS_CONFLICTING_ADDRESSES for a range running past its allocation',
    -1,
    A + 0xf000,
    0x2000,
    RW,
    'STATUS_CONFLICTING_ADDRESSES',
  ],
  [
    'returns STATUS_CONFLICTING_ADDRESSES for free memory',
    -1,
    0x60000000,
    0x1000,
    RW,
    'STATUS_CONFLICTING_ADDRESSES',
  ],
  [
    'returns STATUS_INVALID_PAGE_PROTECTION for NewProtect 0 (NP5)',
    -1,
    A,
    0x1000,
    0,
    'STATUS_INVALID_PAGE_PROTECTION',
  ],
  [
    'returns STATUS_INVALID_PAGE_PROTECTION for two base protections',
    -1,
    A,
    0x1000,
    PAGE_READONLY | RW,
    'STATUS_INVALID_PAGE_PROTECTION',
  ],
  [
    'returns STATUS_INVALID_PAGE_PROTECTION for PAGE_WRITECOMBINE',
    -1,
    A,
    0x1000,
    RW | PAGE_WRITECOMBINE,
    'STATUS_INVALID_PAGE_PROTECTION',
  ],
  [
    'returns STATUS_INVALID_PAGE_PROTECTION for PAGE_NOACCESS|PAGE_GUARD',
    -1,
    A,
    0x1000,
    PAGE_NOACCESS | PAGE_GUARD,
    'STATUS_INVALID_PAGE_PROTECTION',
  ],
  [
    'returns STATUS_INVALID_PARAMETER_4 for PAGE_WRITECOPY on private memory',
    -1,
    A,
    0x1000,
    PAGE_WRITECOPY,
    'STATUS_INVALID_PARAMETER_4',
  ],
  [
    'returns STATUS_INVALID_PARAMETER_4 for PAGE_EXECUTE_WRITECOPY on private memory',
    -1,
    A,
    0x1000,
    PAGE_EXECUTE_WRITECOPY,
    'STATUS_INVALID_PARAMETER_4',
  ],
  ['returns STATUS_INVALID_PARAMETER_3 for size 0', -1, A, 0, RW, 'STATUS_INVALID_PARAMETER_3'],
  [
    'returns STATUS_INVALID_PARAMETER_2 for a base above MM_HIGHEST_USER_ADDRESS',
    -1,
    0x7fff0000,
    0x1000,
    RW,
    'STATUS_INVALID_PARAMETER_2',
  ],
  ['returns STATUS_INVALID_HANDLE for a NULL handle', 0, A, 0x1000, RW, 'STATUS_INVALID_HANDLE'],
  [
    'returns STATUS_OBJECT_TYPE_MISMATCH for the current-thread pseudo-handle',
    -2,
    A,
    0x1000,
    RW,
    'STATUS_OBJECT_TYPE_MISMATCH',
  ],
]

describe('NtProtectVirtualMemory (end to end)', () => {
  it.each(rows.map((row) => [row[0], row] as const))('%s', (_rule, [
    ,
    handle,
    base,
    size,
    protect,
    status,
    out,
  ]) => {
    const { nt } = machine()
    const r = nt.NtProtectVirtualMemory(handle, base, size, protect)
    expect([ntStatusName(r.status), r.baseAddress, r.regionSize, r.oldProtect]).toEqual([
      status,
      ...(out ?? [base, size, PAGE_NOACCESS]),
    ])
  })

  it('reports the protection of the first page only as OldProtect (NP8, WW36)', () => {
    const { nt } = machine()
    nt.NtProtectVirtualMemory(-1, A + 0x1000, 0x1000, PAGE_EXECUTE_READ)
    expect(nt.NtProtectVirtualMemory(-1, A, 0x2000, PAGE_READONLY).oldProtect).toBe(RW)
    expect(nt.NtProtectVirtualMemory(-1, A + 0x1000, 0x1000, RW).oldProtect).toBe(PAGE_READONLY)
  })

  it('includes PAGE_GUARD in OldProtect and in Query until the guard fires', () => {
    const { nt } = machine()
    nt.NtProtectVirtualMemory(-1, A, 0x1000, RW | PAGE_GUARD)
    expect(nt.NtQueryVirtualMemory(-1, A).info.protect).toBe(RW | PAGE_GUARD)
    expect(nt.NtProtectVirtualMemory(-1, A, 0x1000, RW).oldProtect).toBe(RW | PAGE_GUARD)
  })

  it.each([
    ['a page touched after the guard fired', true],
    ['a page never touched after the guard fired', false],
  ])('re-arms a guard page every time PAGE_GUARD is set again (STATUS_GUARD_PAGE_VIOLATION once per arming): %s', (_, touch) => {
    const { kernel, pid, nt } = machine()
    const cpu = kernel.cpu(pid)
    for (let arming = 0; arming < 3; arming++) {
      expect(ntStatusName(nt.NtProtectVirtualMemory(-1, A, 0x1000, RW | PAGE_GUARD).status)).toBe(
        'STATUS_SUCCESS',
      )
      expect(nt.NtQueryVirtualMemory(-1, A).info.protect).toBe(RW | PAGE_GUARD)
      expect(ntStatusName(cpu.read(A, 1).status)).toBe('STATUS_GUARD_PAGE_VIOLATION')
      expect(nt.NtQueryVirtualMemory(-1, A).info.protect).toBe(RW)
      if (touch) expect(ntStatusName(cpu.write(A, [arming]).status)).toBe('STATUS_SUCCESS')
    }
  })

  it('keeps PAGE_NOCACHE on every later protection of an allocation made with it (0x204, 0x202)', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    const base = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x1000, MEM_COMMIT, RW | PAGE_NOCACHE).baseAddress
    const p = nt.NtProtectVirtualMemory(-1, base, 0x1000, PAGE_READONLY)
    expect(p.oldProtect).toBe(RW | PAGE_NOCACHE)
    expect(nt.NtQueryVirtualMemory(-1, base).info).toMatchObject({
      protect: PAGE_READONLY | PAGE_NOCACHE,
      allocationProtect: RW | PAGE_NOCACHE,
    })
    nt.NtProtectVirtualMemory(-1, base, 0x1000, RW)
    expect(nt.NtQueryVirtualMemory(-1, base).info.protect).toBe(RW | PAGE_NOCACHE)
  })

  it('drops PAGE_NOCACHE asked for on an allocation made without it, without an error', () => {
    const { nt } = machine()
    const r = nt.NtProtectVirtualMemory(-1, A, 0x1000, PAGE_READONLY | PAGE_NOCACHE)
    expect(ntStatusName(r.status)).toBe('STATUS_SUCCESS')
    expect(nt.NtQueryVirtualMemory(-1, A).info).toMatchObject({
      protect: PAGE_READONLY,
      allocationProtect: PAGE_NOACCESS,
    })
  })

  it('references the process even for NtCurrentProcess and denies a handle without PROCESS_VM_OPERATION', () => {
    const { kernel, pid, nt } = machine()
    const self = nt.NtOpenProcess(PROCESS_VM_READ, pid).handle
    const r = nt.NtProtectVirtualMemory(self, A, 0x1000, PAGE_READONLY)
    expect([ntStatusName(r.status), r.oldProtect]).toEqual(['STATUS_ACCESS_DENIED', PAGE_NOACCESS])
    expect(kernel.syscalls(pid).NtQueryVirtualMemory(-1, A).info.protect).toBe(RW)
  })

  it('never resets or affects the write-watch state (WW14, WW43)', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    const base = nt.NtAllocateVirtualMemory(
      -1,
      0,
      0,
      0x2000,
      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
      RW,
    ).baseAddress
    kernel.cpu(pid).write(base + 0x1000, [1])
    nt.NtProtectVirtualMemory(-1, base, 0x2000, PAGE_READONLY)
    nt.NtProtectVirtualMemory(-1, base, 0x2000, RW)
    expect(nt.NtGetWriteWatch(-1, 0, base, 0x2000, 8).addresses).toEqual([base + 0x1000])
  })

  it('makes later writes to a page made PAGE_READONLY fault with an access violation', () => {
    const { kernel, pid, nt } = machine()
    kernel.cpu(pid).write(A, [3])
    nt.NtProtectVirtualMemory(-1, A, 0x1000, PAGE_READONLY)
    expect(kernel.cpu(pid).write(A, [4]).exception).toEqual({ code: 0xc0000005, accessKind: 1, address: A })
    expect(Array.from(kernel.cpu(pid).read(A, 1).data)).toEqual([3])
  })
})
