// NtAllocateVirtualMemory end to end (createTestKernel: services over the real hw-mmu and
// mm-core), one table row per rule of NT-SEMANTICS.md (Part B §5.1 first, then Part A §2 where
// Windows agrees). Each row asserts the NTSTATUS and the out-values: the rounded base and size on
// success, the caller's own values on failure.
import { describe, expect, it } from 'vitest'
import {
  AT_ROUND_TO_PAGE,
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_FREE,
  MEM_LARGE_PAGES,
  MEM_PHYSICAL,
  MEM_PRIVATE,
  MEM_RELEASE,
  MEM_RESERVE,
  MEM_RESET,
  MEM_TOP_DOWN,
  MEM_WRITE_WATCH,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_NOCACHE,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import { MEM_RESERVE_PLACEHOLDER } from './ntAllocateVirtualMemory.js'
import { ntStatusName } from './ntStatus.js'
import type { NtSyscalls } from './syscalls.js'
import { createTestKernel } from './testing/createTestKernel.js'
import type { Arch } from './userAddressLimits.js'

const A = 0x50000000
const RW = PAGE_READWRITE

function machine(arch: Arch = 'x86') {
  const { kernel, pid } = createTestKernel({ arch })
  return { kernel, pid, nt: kernel.syscalls(pid) }
}

type Args = [handle: number, base: number, zeroBits: number, size: number, type: number, protect: number]

interface Row {
  /** The rule, in words: the test's name. */
  readonly rule: string
  readonly arch?: Arch
  /** Calls made first (their results are not checked). */
  readonly before?: (nt: NtSyscalls) => void
  readonly args: Args
  readonly status: string
  /** Expected out base/size; default on failure: the caller's own values. */
  readonly out?: readonly [number, number]
}

const rows: Row[] = [
  // Part B §5.1: size, type bits, protection, ZeroBits
  {
    rule: 'returns STATUS_INVALID_PARAMETER_4 when RegionSize is 0 (ERROR_INVALID_PARAMETER in Win32)',
    args: [-1, 0, 0, 0, MEM_RESERVE, PAGE_NOACCESS],
    status: 'STATUS_INVALID_PARAMETER_4',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_5 for AT_ROUND_TO_PAGE',
    args: [-1, A + 0x1000, 0, 0x1000, MEM_RESERVE | MEM_COMMIT | AT_ROUND_TO_PAGE, PAGE_EXECUTE_READWRITE],
    status: 'STATUS_INVALID_PARAMETER_5',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER for MEM_RESERVE_PLACEHOLDER (an NtAllocateVirtualMemoryEx flag)',
    args: [-1, 0, 0, 0x10000, MEM_RESERVE | MEM_RESERVE_PLACEHOLDER, PAGE_NOACCESS],
    status: 'STATUS_INVALID_PARAMETER',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_5 when MEM_WRITE_WATCH comes alone',
    args: [-1, 0, 0, 0x1000, MEM_WRITE_WATCH, RW],
    status: 'STATUS_INVALID_PARAMETER_5',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_5 when none of MEM_COMMIT, MEM_RESERVE, MEM_RESET is given',
    args: [-1, 0, 0, 0x1000, MEM_TOP_DOWN, RW],
    status: 'STATUS_INVALID_PARAMETER_5',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_5 for MEM_DECOMMIT or MEM_RELEASE as an allocation type',
    args: [-1, 0, 0, 0x1000, MEM_COMMIT | MEM_DECOMMIT | MEM_RELEASE, RW],
    status: 'STATUS_INVALID_PARAMETER_5',
  },
  {
    rule: 'returns STATUS_INVALID_PAGE_PROTECTION for Protect 0',
    args: [-1, 0, 0, 0x1000, MEM_COMMIT, 0],
    status: 'STATUS_INVALID_PAGE_PROTECTION',
  },
  {
    rule: 'returns STATUS_INVALID_PAGE_PROTECTION for two base protections together',
    args: [-1, 0, 0, 0x1000, MEM_COMMIT, PAGE_READONLY | PAGE_READWRITE],
    status: 'STATUS_INVALID_PAGE_PROTECTION',
  },
  {
    rule: 'returns STATUS_INVALID_PAGE_PROTECTION for PAGE_WRITECOPY on private memory',
    args: [-1, 0, 0, 0x1000, MEM_COMMIT, PAGE_WRITECOPY],
    status: 'STATUS_INVALID_PAGE_PROTECTION',
  },
  {
    rule: 'returns STATUS_INVALID_PAGE_PROTECTION for PAGE_EXECUTE_WRITECOPY on private memory',
    args: [-1, 0, 0, 0x1000, MEM_RESERVE, PAGE_EXECUTE_WRITECOPY],
    status: 'STATUS_INVALID_PAGE_PROTECTION',
  },
  {
    rule: 'returns STATUS_INVALID_PAGE_PROTECTION for PAGE_GUARD without a base protection (KB26)',
    args: [-1, 0, 0, 0x1000, MEM_COMMIT, PAGE_GUARD],
    status: 'STATUS_INVALID_PAGE_PROTECTION',
  },
  {
    rule: 'returns STATUS_INVALID_PAGE_PROTECTION when committing PAGE_WRITECOPY into a reservation',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, RW),
    args: [-1, A, 0, 0x1000, MEM_COMMIT, PAGE_WRITECOPY],
    status: 'STATUS_INVALID_PAGE_PROTECTION',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_3 for ZeroBits 22 (NA7)',
    args: [-1, 0, 22, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE],
    status: 'STATUS_INVALID_PARAMETER_3',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_3 for a ZeroBits mask on a 32-bit process',
    args: [-1, 0, 0x1aaaaaaa, 0x1000, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, RW],
    status: 'STATUS_INVALID_PARAMETER_3',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_3 for ZeroBits 24 on x64 (AR13)',
    arch: 'x64',
    args: [-1, 0, 24, 0x1000, MEM_RESERVE | MEM_COMMIT, RW],
    status: 'STATUS_INVALID_PARAMETER_3',
  },
  {
    rule: 'returns STATUS_NO_MEMORY for ZeroBits 21 (nothing fits below 0x800)',
    args: [-1, 0, 21, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE],
    status: 'STATUS_NO_MEMORY',
  },
  {
    rule: 'returns STATUS_NO_MEMORY for ZeroBits 16 (nothing fits above 0x10000 and below 0x10000)',
    args: [-1, 0, 16, 0x1000, MEM_RESERVE | MEM_COMMIT, RW],
    status: 'STATUS_NO_MEMORY',
  },
  {
    rule: 'reports ZeroBits errors even when the address also conflicts (NA9: flags first)',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_RESERVE, RW),
    args: [-1, A, 22, 0x1000, MEM_RESERVE, RW],
    status: 'STATUS_INVALID_PARAMETER_3',
  },
  {
    rule: 'reports type errors even when the address also conflicts (VA33)',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_RESERVE, RW),
    args: [-1, A, 0, 0x1000, MEM_RESERVE | MEM_DECOMMIT, RW],
    status: 'STATUS_INVALID_PARAMETER_5',
  },
  // Rounding and placement (§5.1 "Address rounding", Part A §2.2 worked examples)
  {
    rule: 'rounds a reservation base down to 64 KiB and the size up from there (0x50001010/0x1000)',
    args: [-1, A + 0x1010, 0, 0x1000, MEM_RESERVE, RW],
    status: 'STATUS_SUCCESS',
    out: [A, 0x3000],
  },
  {
    rule: 'rounds 0x5000FFFF/0x3000 to 0x50000000/0x13000',
    args: [-1, A + 0xffff, 0, 0x3000, MEM_RESERVE, RW],
    status: 'STATUS_SUCCESS',
    out: [A, 0x13000],
  },
  {
    rule: 'rounds a reserve+commit at 0x50004080/0x1000 to 0x50000000/0x6000',
    args: [-1, A + 0x4080, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, RW],
    status: 'STATUS_SUCCESS',
    out: [A, 0x6000],
  },
  {
    rule: 'rounds a size of 0xFFFC to a 0x10000 region',
    args: [-1, A, 0, 0xfffc, MEM_RESERVE, PAGE_NOACCESS],
    status: 'STATUS_SUCCESS',
    out: [A, 0x10000],
  },
  {
    rule: 'returns STATUS_CONFLICTING_ADDRESSES when a reservation rounds down into an allocated 64 KiB block (NA2)',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, RW),
    args: [-1, A + 0x1000, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE],
    status: 'STATUS_CONFLICTING_ADDRESSES',
  },
  {
    rule: 'ignores ZeroBits when an explicit base is given (NA3: still conflicts)',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, RW),
    args: [-1, A + 0x1000, 12, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE],
    status: 'STATUS_CONFLICTING_ADDRESSES',
  },
  {
    rule: 'ignores ZeroBits when an explicit base is given (the base may lie above the ZeroBits limit)',
    args: [-1, A, 2, 0x1000, MEM_RESERVE, RW],
    status: 'STATUS_SUCCESS',
    out: [A, 0x1000],
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_2 for a fixed base below 0x10000 (Windows 8.1+)',
    args: [-1, 0x1000, 0, 0x1000, MEM_RESERVE, RW],
    status: 'STATUS_INVALID_PARAMETER_2',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_2 for a base above MM_HIGHEST_VAD_ADDRESS',
    args: [-1, 0x7ffe0000, 0, 0x1000, MEM_RESERVE, RW],
    status: 'STATUS_INVALID_PARAMETER_2',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_4 for a range running past MM_HIGHEST_VAD_ADDRESS',
    args: [-1, 0x7ffd0000, 0, 0x10001, MEM_RESERVE, RW],
    status: 'STATUS_INVALID_PARAMETER_4',
  },
  {
    rule: 'reserves the last 64 KiB below MM_HIGHEST_VAD_ADDRESS',
    args: [-1, 0x7ffd0000, 0, 0x10000, MEM_RESERVE, RW],
    status: 'STATUS_SUCCESS',
    out: [0x7ffd0000, 0x10000],
  },
  // Commit path (Part A §2.3/§2.4; Part B §5.1, §5.6)
  {
    rule: 'commits inside a reservation with page rounding only (no 64 KiB rounding)',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, PAGE_NOACCESS),
    args: [-1, A + 0x1010, 0, 0x10, MEM_COMMIT, RW],
    status: 'STATUS_SUCCESS',
    out: [A + 0x1000, 0x1000],
  },
  {
    rule: 'returns STATUS_CONFLICTING_ADDRESSES when a commit runs past the end of its reservation',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, PAGE_NOACCESS),
    args: [-1, A + 0xf000, 0, 0x2000, MEM_COMMIT, RW],
    status: 'STATUS_CONFLICTING_ADDRESSES',
  },
  {
    rule: 'returns STATUS_CONFLICTING_ADDRESSES when a commit spans two reservations',
    before: (nt) => {
      nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, RW)
      nt.NtAllocateVirtualMemory(-1, A + 0x10000, 0, 0x10000, MEM_RESERVE, RW)
    },
    args: [-1, A + 0xf000, 0, 0x2000, MEM_COMMIT, RW],
    status: 'STATUS_CONFLICTING_ADDRESSES',
  },
  {
    rule: 'returns STATUS_CONFLICTING_ADDRESSES when committing at an address never reserved',
    args: [-1, 0x60000000, 0, 0x1000, MEM_COMMIT, RW],
    status: 'STATUS_CONFLICTING_ADDRESSES',
  },
  {
    rule: 'returns STATUS_CONFLICTING_ADDRESSES when committing in the unused tail of a 64 KiB block',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_RESERVE, RW),
    args: [-1, A + 0x1000, 0, 0x1000, MEM_COMMIT, RW],
    status: 'STATUS_CONFLICTING_ADDRESSES',
  },
  {
    rule: 'returns STATUS_CONFLICTING_ADDRESSES when committing into KUSER_SHARED_DATA',
    args: [-1, 0x7ffd0000, 0, 0x10000, MEM_COMMIT, RW],
    status: 'STATUS_CONFLICTING_ADDRESSES',
  },
  {
    rule: 'succeeds when committing pages that are already committed, returning the rounded range',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x2000, MEM_RESERVE | MEM_COMMIT, RW),
    args: [-1, A + 0x10, 0, 0x1ff0, MEM_COMMIT, RW],
    status: 'STATUS_SUCCESS',
    out: [A, 0x2000],
  },
  {
    rule: 'returns the page-rounded range for MEM_RESET (W-reset: protect ignored)',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x2000, MEM_RESERVE | MEM_COMMIT, RW),
    args: [-1, A + 0x10, 0, 0x1000, MEM_RESET, PAGE_NOACCESS],
    status: 'STATUS_SUCCESS',
    out: [A, 0x2000],
  },
  {
    rule: 'returns STATUS_CONFLICTING_ADDRESSES for MEM_RESET past the allocation (W12: ERROR_INVALID_ADDRESS)',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x2000, MEM_RESERVE | MEM_COMMIT, RW),
    args: [-1, A, 0, 0x20000, MEM_RESET, PAGE_NOACCESS],
    status: 'STATUS_CONFLICTING_ADDRESSES',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_5 for MEM_RESET combined with MEM_COMMIT',
    before: (nt) => nt.NtAllocateVirtualMemory(-1, A, 0, 0x2000, MEM_RESERVE | MEM_COMMIT, RW),
    args: [-1, A, 0, 0x1000, MEM_RESET | MEM_COMMIT, RW],
    status: 'STATUS_INVALID_PARAMETER_5',
  },
  // Unsupported features (NT-SEMANTICS "Not yet in scope")
  {
    rule: 'returns STATUS_PRIVILEGE_NOT_HELD for MEM_LARGE_PAGES (no SeLockMemoryPrivilege)',
    args: [-1, 0, 0, 0x400000, MEM_RESERVE | MEM_COMMIT | MEM_LARGE_PAGES, RW],
    status: 'STATUS_PRIVILEGE_NOT_HELD',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER for MEM_PHYSICAL (AWE is not simulated)',
    args: [-1, 0, 0, 0x10000, MEM_RESERVE | MEM_PHYSICAL, RW],
    status: 'STATUS_INVALID_PARAMETER',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_6 for MEM_PHYSICAL with a protection other than PAGE_READWRITE',
    args: [-1, 0, 0, 0x10000, MEM_RESERVE | MEM_PHYSICAL, PAGE_READONLY],
    status: 'STATUS_INVALID_PARAMETER_6',
  },
  // Handles (Part A §9, Part B §5.2/5.3: NULL handle)
  {
    rule: 'returns STATUS_INVALID_HANDLE for a NULL process handle',
    args: [0, 0, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, RW],
    status: 'STATUS_INVALID_HANDLE',
  },
  {
    rule: 'returns STATUS_INVALID_HANDLE for a handle value never handed out',
    args: [0x44, 0, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, RW],
    status: 'STATUS_INVALID_HANDLE',
  },
  {
    rule: 'returns STATUS_OBJECT_TYPE_MISMATCH for the current-thread pseudo-handle',
    args: [-2, 0, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, RW],
    status: 'STATUS_OBJECT_TYPE_MISMATCH',
  },
  {
    rule: 'returns STATUS_INVALID_HANDLE for a negative (kernel) handle from user mode',
    args: [-8, 0, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, RW],
    status: 'STATUS_INVALID_HANDLE',
  },
  // x64 (Windows 10: ZeroBits as a mask, user space up to 0x7FFFFFFEFFFF)
  {
    rule: 'reserves above 4 GiB on x64',
    arch: 'x64',
    args: [-1, 0x7ff000001234, 0, 0x1000, MEM_RESERVE, RW],
    status: 'STATUS_SUCCESS',
    out: [0x7ff000000000, 0x3000],
  },
  {
    rule: 'reserves the last 64 KiB below MM_HIGHEST_VAD_ADDRESS on x64 (0x7FFFFFFD0000)',
    arch: 'x64',
    args: [-1, 0x7ffffffd0000, 0, 0x10000, MEM_RESERVE, RW],
    status: 'STATUS_SUCCESS',
    out: [0x7ffffffd0000, 0x10000],
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_2 for an x64 base above MM_HIGHEST_VAD_ADDRESS',
    arch: 'x64',
    args: [-1, 0x7ffffffe0000, 0, 0x1000, MEM_RESERVE, RW],
    status: 'STATUS_INVALID_PARAMETER_2',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_4 for an x64 range running past MM_HIGHEST_VAD_ADDRESS',
    arch: 'x64',
    args: [-1, 0x7ffffffd0000, 0, 0x20000, MEM_RESERVE, RW],
    status: 'STATUS_INVALID_PARAMETER_4',
  },
  {
    rule: 'returns STATUS_INVALID_PARAMETER_2 for an x64 base of 2^53 or more (captured as a huge pointer)',
    arch: 'x64',
    args: [-1, 2 ** 60, 0, 0x1000, MEM_RESERVE, RW],
    status: 'STATUS_INVALID_PARAMETER_2',
  },
]

describe('NtAllocateVirtualMemory (end to end)', () => {
  it.each(rows.map((row) => [row.rule, row] as const))('%s', (_rule, row) => {
    const { nt } = machine(row.arch)
    row.before?.(nt)
    const [handle, base, zeroBits, size, type, protect] = row.args
    const result = nt.NtAllocateVirtualMemory(handle, base, zeroBits, size, type, protect)
    const out = row.out ?? [base, size]
    expect([ntStatusName(result.status), result.baseAddress, result.regionSize]).toEqual([row.status, ...out])
  })

  it('reserves and commits at a system-chosen 64 KiB-aligned address when MEM_COMMIT comes with a NULL base (VA24, VA31)', () => {
    const { nt } = machine()
    const r = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x1234, MEM_COMMIT, PAGE_READONLY | PAGE_GUARD)
    expect([ntStatusName(r.status), r.baseAddress % 0x10000, r.regionSize]).toEqual([
      'STATUS_SUCCESS',
      0,
      0x2000,
    ])
    expect(nt.NtQueryVirtualMemory(-1, r.baseAddress).info).toEqual({
      baseAddress: r.baseAddress,
      allocationBase: r.baseAddress,
      allocationProtect: PAGE_READONLY | PAGE_GUARD,
      regionSize: 0x2000,
      state: MEM_COMMIT,
      protect: PAGE_READONLY | PAGE_GUARD,
      type: MEM_PRIVATE,
    })
  })

  it('reuses a freed 64 KiB-aligned address exactly (VA32, FV8)', () => {
    const { nt } = machine()
    const first = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x10000, MEM_RESERVE, RW).baseAddress
    expect(ntStatusName(nt.NtFreeVirtualMemory(-1, first, 0, MEM_RELEASE).status)).toBe('STATUS_SUCCESS')
    const again = nt.NtAllocateVirtualMemory(-1, first, 0, 0x10000, MEM_RESERVE, RW)
    expect([ntStatusName(again.status), again.baseAddress]).toEqual(['STATUS_SUCCESS', first])
  })

  it('places a MEM_TOP_DOWN allocation at the highest free 64 KiB-aligned address', () => {
    const { nt } = machine()
    const r = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x3000, MEM_RESERVE | MEM_TOP_DOWN, RW)
    expect([ntStatusName(r.status), r.baseAddress, r.regionSize]).toEqual([
      'STATUS_SUCCESS',
      0x7ffd0000,
      0x3000,
    ])
    const below = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x3000, MEM_RESERVE | MEM_TOP_DOWN, RW)
    expect(below.baseAddress).toBe(0x7ffc0000)
  })

  it('never hands out the unused tail of a 64 KiB block to a later search', () => {
    const { nt } = machine()
    const a = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x1000, MEM_RESERVE, RW).baseAddress
    const b = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x1000, MEM_RESERVE, RW).baseAddress
    expect(b - a).toBe(0x10000)
  })

  it.each([1, 2, 12, 15])('keeps a ZeroBits %d allocation below 2^(32 - ZeroBits)', (zeroBits) => {
    const { nt } = machine()
    const r = nt.NtAllocateVirtualMemory(-1, 0, zeroBits, 0x1000, MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN, RW)
    expect(ntStatusName(r.status)).toBe('STATUS_SUCCESS')
    expect(Math.floor((r.baseAddress + r.regionSize - 1) / 2 ** (32 - zeroBits))).toBe(0)
  })

  it('treats a ZeroBits of 32 or more as a mask on x64: only the leading zeroes matter (NA8: 0x1aaaaaaa)', () => {
    const { nt } = machine('x64')
    const r = nt.NtAllocateVirtualMemory(
      -1,
      0,
      0x1aaaaaaa,
      0x1000,
      MEM_RESERVE | MEM_COMMIT | MEM_TOP_DOWN,
      RW,
    )
    expect(ntStatusName(r.status)).toBe('STATUS_SUCCESS')
    expect(r.baseAddress).toBeLessThanOrEqual(0x1fffffff)
    expect(r.baseAddress).toBeGreaterThan(0x0fffffff) // top-down: the mask's top bit is the limit, not the mask
  })

  it('accepts the ZeroBits mask 0xFFFFFFFF on x64 and stays below 4 GiB (AR14)', () => {
    const { nt } = machine('x64')
    const r = nt.NtAllocateVirtualMemory(-1, 0, 0xffffffff, 0x1000, MEM_RESERVE | MEM_TOP_DOWN, RW)
    expect([ntStatusName(r.status), r.baseAddress]).toEqual(['STATUS_SUCCESS', 0xffff0000])
  })

  it('places an x64 top-down allocation just below MM_HIGHEST_VAD_ADDRESS (0x7FFFFFFEFFFF user space)', () => {
    const { nt } = machine('x64')
    const r = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x10000, MEM_RESERVE | MEM_TOP_DOWN, RW)
    expect([ntStatusName(r.status), r.baseAddress]).toEqual(['STATUS_SUCCESS', 0x7ffffffd0000])
  })

  it('applies the new protection when committing again with another protection, keeping the contents', () => {
    const { kernel, pid, nt } = machine()
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x2000, MEM_RESERVE | MEM_COMMIT, RW)
    kernel.cpu(pid).write(A, [5])
    expect(ntStatusName(nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_COMMIT, PAGE_READONLY).status)).toBe(
      'STATUS_SUCCESS',
    )
    expect(nt.NtQueryVirtualMemory(-1, A).info).toMatchObject({ protect: PAGE_READONLY, regionSize: 0x1000 })
    expect(Array.from(kernel.cpu(pid).read(A, 1).data)).toEqual([5])
    expect(kernel.cpu(pid).write(A, [6]).exception?.code).toBe(0xc0000005)
  })

  it('leaves state, protection and contents unchanged on MEM_RESET, also on reserved-only pages', () => {
    const { kernel, pid, nt } = machine()
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x10000, MEM_RESERVE, RW)
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_COMMIT, PAGE_READONLY)
    expect(ntStatusName(nt.NtAllocateVirtualMemory(-1, A, 0, 0x4000, MEM_RESET, PAGE_NOACCESS).status)).toBe(
      'STATUS_SUCCESS',
    )
    expect(nt.NtQueryVirtualMemory(-1, A).info).toMatchObject({ state: MEM_COMMIT, protect: PAGE_READONLY })
    expect(nt.NtQueryVirtualMemory(-1, A + 0x1000).info).toMatchObject({ state: MEM_RESERVE, protect: 0 })
    expect(kernel.cpu(pid).read(A, 1).status).toBe(0)
  })

  it('keeps PAGE_NOCACHE in AllocationProtect and Protect when allocated with it', () => {
    const { nt } = machine()
    const r = nt.NtAllocateVirtualMemory(-1, 0, 0, 0x1000, MEM_COMMIT, RW | PAGE_NOCACHE)
    expect(nt.NtQueryVirtualMemory(-1, r.baseAddress).info).toMatchObject({
      allocationProtect: RW | PAGE_NOCACHE,
      protect: RW | PAGE_NOCACHE,
    })
  })

  it('writes nothing on failure: the address space is unchanged', () => {
    const { nt } = machine()
    nt.NtAllocateVirtualMemory(-1, A, 0, 0x1000, MEM_RESERVE, RW)
    nt.NtAllocateVirtualMemory(-1, A + 0x1000, 0, 0x1000, MEM_RESERVE, RW)
    expect(nt.NtQueryVirtualMemory(-1, A + 0x1000).info.state).toBe(MEM_FREE)
  })
})
