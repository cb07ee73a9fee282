// NtFreeVirtualMemory end to end, one row per rule (NT-SEMANTICS.md Part B §5.2, Part A §4): the
// NTSTATUS and the out-values (rounded base and size on success, the caller's values on failure).
import { describe, expect, it } from 'vitest'
import {
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_FREE,
  MEM_RELEASE,
  MEM_RESERVE,
  PAGE_READWRITE,
} from './memoryConstants.js'
import { MEM_COALESCE_PLACEHOLDERS, MEM_PRESERVE_PLACEHOLDER } from './ntFreeVirtualMemory.js'
import { ntStatusName } from './ntStatus.js'
import { createTestKernel } from './testing/createTestKernel.js'

const A = 0x50000000
const RW = PAGE_READWRITE

/** A fresh process with one 64 KiB reserve+commit allocation at A. */
function withAllocation() {
  const { kernel, pid } = createTestKernel()
  const nt = kernel.syscalls(pid)
  nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE | MEM_COMMIT, RW)
  return { kernel, pid, nt }
}

type Row = readonly [
  rule: string,
  base: number,
  size: number,
  type: number,
  status: string,
  out?: [number, number],
]

const rows: Row[] = [
  [
    'returns STATUS_INVALID_PARAMETER_4 when FreeType is 0 (VA19)',
    A,
    0x10000,
    0,
    'STATUS_INVALID_PARAMETER_4',
  ],
  [
    'returns STATUS_INVALID_PARAMETER_4 when FreeType is MEM_FREE',
    A,
    0,
    MEM_FREE,
    'STATUS_INVALID_PARAMETER_4',
  ],
  [
    'returns STATUS_INVALID_PARAMETER_4 when FreeType is MEM_DECOMMIT|MEM_RELEASE',
    A,
    0,
    MEM_DECOMMIT | MEM_RELEASE,
    'STATUS_INVALID_PARAMETER_4',
  ],
  [
    'returns STATUS_INVALID_PARAMETER_4 for MEM_COALESCE_PLACEHOLDERS without MEM_RELEASE',
    A,
    0x10000,
    MEM_COALESCE_PLACEHOLDERS,
    'STATUS_INVALID_PARAMETER_4',
  ],
  [
    'returns STATUS_INVALID_PARAMETER_3 for MEM_RELEASE|MEM_PRESERVE_PLACEHOLDER with size 0',
    A,
    0,
    MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER,
    'STATUS_INVALID_PARAMETER_3',
  ],
  [
    'returns STATUS_INVALID_PARAMETER_3 for MEM_RELEASE|MEM_COALESCE_PLACEHOLDERS with size 0',
    A,
    0,
    MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS,
    'STATUS_INVALID_PARAMETER_3',
  ],
  [
    'returns STATUS_CONFLICTING_ADDRESSES for MEM_PRESERVE_PLACEHOLDER on an allocation that is not a placeholder',
    A,
    0x10000,
    MEM_RELEASE | MEM_PRESERVE_PLACEHOLDER,
    'STATUS_CONFLICTING_ADDRESSES',
  ],
  [
    'returns STATUS_CONFLICTING_ADDRESSES for MEM_COALESCE_PLACEHOLDERS without free placeholders',
    A,
    0x10000,
    MEM_RELEASE | MEM_COALESCE_PLACEHOLDERS,
    'STATUS_CONFLICTING_ADDRESSES',
  ],
  [
    'returns STATUS_FREE_VM_NOT_AT_BASE when size is 0 and the base is not the allocation base (MEM_DECOMMIT)',
    A + 0x1001,
    0,
    MEM_DECOMMIT,
    'STATUS_FREE_VM_NOT_AT_BASE',
  ],
  [
    'returns STATUS_FREE_VM_NOT_AT_BASE when size is 0 and the base is not the allocation base (MEM_RELEASE)',
    A + 0x1001,
    0,
    MEM_RELEASE,
    'STATUS_FREE_VM_NOT_AT_BASE',
  ],
  [
    'decommits A+0x1fff size 2 as A+0x1000/0x2000',
    A + 0x1fff,
    2,
    MEM_DECOMMIT,
    'STATUS_SUCCESS',
    [A + 0x1000, 0x2000],
  ],
  [
    'decommits A+0x1001 size 0xfff as A+0x1000/0x1000',
    A + 0x1001,
    0xfff,
    MEM_DECOMMIT,
    'STATUS_SUCCESS',
    [A + 0x1000, 0x1000],
  ],
  ['decommits A+1 size 0xfff as A/0x1000', A + 1, 0xfff, MEM_DECOMMIT, 'STATUS_SUCCESS', [A, 0x1000]],
  [
    'decommits the whole allocation for size 0 at an offset inside its first page and returns size 0',
    A + 0xffe,
    0,
    MEM_DECOMMIT,
    'STATUS_SUCCESS',
    [A, 0],
  ],
  [
    'releases the whole allocation for size 0 at A+0xfff and returns the allocation size',
    A + 0xfff,
    0,
    MEM_RELEASE,
    'STATUS_SUCCESS',
    [A, 0x10000],
  ],
  [
    'returns STATUS_UNABLE_TO_FREE_VM for 0x11000 bytes at A (past the end)',
    A,
    0x11000,
    MEM_DECOMMIT,
    'STATUS_UNABLE_TO_FREE_VM',
  ],
  [
    'returns STATUS_UNABLE_TO_FREE_VM for 0xffff bytes at A+0x1001 (past the end after rounding)',
    A + 0x1001,
    0xffff,
    MEM_RELEASE,
    'STATUS_UNABLE_TO_FREE_VM',
  ],
  [
    'returns STATUS_MEMORY_NOT_ALLOCATED for a free address (MEM_RELEASE)',
    0x60000000,
    0,
    MEM_RELEASE,
    'STATUS_MEMORY_NOT_ALLOCATED',
  ],
  [
    'returns STATUS_MEMORY_NOT_ALLOCATED for a free address (MEM_DECOMMIT)',
    0x60000000,
    0x1000,
    MEM_DECOMMIT,
    'STATUS_MEMORY_NOT_ALLOCATED',
  ],
  ['returns STATUS_MEMORY_NOT_ALLOCATED for address 0', 0, 0, MEM_RELEASE, 'STATUS_MEMORY_NOT_ALLOCATED'],
  [
    'returns STATUS_UNABLE_TO_DELETE_SECTION for KUSER_SHARED_DATA (not private memory)',
    0x7ffe0000,
    0,
    MEM_RELEASE,
    'STATUS_UNABLE_TO_DELETE_SECTION',
  ],
  [
    'returns STATUS_INVALID_PARAMETER_2 for a base at MM_HIGHEST_USER_ADDRESS',
    0x7ffeffff,
    0,
    MEM_RELEASE,
    'STATUS_INVALID_PARAMETER_2',
  ],
  [
    'returns STATUS_INVALID_PARAMETER_3 for a range running past MM_HIGHEST_USER_ADDRESS',
    0x7ffe0000,
    0x20000,
    MEM_DECOMMIT,
    'STATUS_INVALID_PARAMETER_3',
  ],
  [
    'releases a sub-range at the NT level (FV6)',
    A + 0x4000,
    0x2000,
    MEM_RELEASE,
    'STATUS_SUCCESS',
    [A + 0x4000, 0x2000],
  ],
]

describe('NtFreeVirtualMemory (end to end)', () => {
  it.each(rows.map((row) => [row[0], row] as const))('%s', (_rule, [, base, size, type, status, out]) => {
    const { nt } = withAllocation()
    const result = nt.NtFreeVirtualMemory(-1, base, size, type)
    expect([ntStatusName(result.status), result.baseAddress, result.regionSize]).toEqual([
      status,
      ...(out ?? [base, size]),
    ])
  })

  it('returns STATUS_INVALID_HANDLE for a NULL process handle', () => {
    const { nt } = withAllocation()
    const r = nt.NtFreeVirtualMemory(0, A, 0, MEM_RELEASE)
    expect([ntStatusName(r.status), r.baseAddress, r.regionSize]).toEqual(['STATUS_INVALID_HANDLE', A, 0])
  })

  it('returns STATUS_INVALID_PARAMETER_4 for a bad FreeType before looking at a NULL handle', () => {
    const { nt } = withAllocation()
    expect(ntStatusName(nt.NtFreeVirtualMemory(0, 0, 0, 0).status)).toBe('STATUS_INVALID_PARAMETER_4')
  })

  it('returns STATUS_UNABLE_TO_FREE_VM for a range spanning two allocations (FV9/FV10)', () => {
    const { nt } = withAllocation()
    nt.NtAllocateVirtualMemory(-1, A + 0x10000, 0, 0x10000, MEM_RESERVE, RW)
    expect(ntStatusName(nt.NtFreeVirtualMemory(-1, A + 0xf000, 0x2000, MEM_RELEASE).status)).toBe(
      'STATUS_UNABLE_TO_FREE_VM',
    )
  })

  it('returns STATUS_MEMORY_NOT_ALLOCATED in the unused tail of a 64 KiB block (A8)', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_RESERVE, RW)
    expect(ntStatusName(nt.NtFreeVirtualMemory(-1, A + 0x1000, 0x1000, MEM_RELEASE).status)).toBe(
      'STATUS_MEMORY_NOT_ALLOCATED',
    )
  })

  it('succeeds in decommitting pages that were only reserved (VA21)', () => {
    const { kernel, pid } = createTestKernel()
    const nt = kernel.syscalls(pid)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, RW)
    const r = nt.NtFreeVirtualMemory(-1, A, 0x10000, MEM_DECOMMIT)
    expect([ntStatusName(r.status), r.baseAddress, r.regionSize]).toEqual(['STATUS_SUCCESS', A, 0x10000])
  })

  it('makes each remaining piece of a partial release its own allocation (FV13)', () => {
    const { nt } = withAllocation()
    nt.NtFreeVirtualMemory(-1, A + 0x4000, 0x2000, MEM_RELEASE)
    expect(nt.NtQueryVirtualMemory(-1, A).info).toMatchObject({ allocationBase: A, regionSize: 0x4000 })
    expect(nt.NtQueryVirtualMemory(-1, A + 0x4000).info).toMatchObject({
      state: MEM_FREE,
      regionSize: 0x2000,
    })
    expect(nt.NtQueryVirtualMemory(-1, A + 0x6000).info).toMatchObject({
      allocationBase: A + 0x6000,
      regionSize: 0xa000,
    })
    const front = nt.NtFreeVirtualMemory(-1, A + 0x6000, 0, MEM_RELEASE)
    expect([ntStatusName(front.status), front.regionSize]).toEqual(['STATUS_SUCCESS', 0xa000])
  })

  it('loses the contents of decommitted pages: a recommitted page reads zero', () => {
    const { kernel, pid, nt } = withAllocation()
    kernel.cpu(pid).write(A, [9])
    nt.NtFreeVirtualMemory(-1, A, 0x1000, MEM_DECOMMIT)
    expect(nt.NtQueryVirtualMemory(-1, A).info).toMatchObject({ state: MEM_RESERVE, protect: 0 })
    expect(kernel.cpu(pid).read(A, 1).exception?.code).toBe(0xc0000005)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_COMMIT, RW)
    expect(Array.from(kernel.cpu(pid).read(A, 1).data)).toEqual([0])
  })
})
