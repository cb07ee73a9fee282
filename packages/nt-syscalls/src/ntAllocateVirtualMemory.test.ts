import { describe, expect, it } from 'vitest'
import {
  AT_ROUND_TO_PAGE,
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_LARGE_PAGES,
  MEM_PHYSICAL,
  MEM_RELEASE,
  MEM_RESERVE,
  MEM_RESET,
  MEM_RESET_UNDO,
  MEM_ROTATE,
  MEM_TOP_DOWN,
  MEM_WRITE_WATCH,
  PAGE_EXECUTE_READ,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_NOCACHE,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOMBINE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import {
  type AllocateVirtualMemoryArguments,
  validateAllocateVirtualMemory,
  zeroBitsLimit,
} from './ntAllocateVirtualMemory.js'
import { ntStatusName } from './ntStatus.js'
import { userAddressLimits } from './userAddressLimits.js'

const x86 = userAddressLimits('x86')
const x64 = userAddressLimits('x64')

const good: AllocateVirtualMemoryArguments = {
  processHandle: -1,
  baseAddress: 0,
  zeroBits: 0,
  regionSize: 0x1000,
  allocationType: MEM_RESERVE | MEM_COMMIT,
  protect: PAGE_READWRITE,
}

function statusOf(changes: Partial<AllocateVirtualMemoryArguments>, limits = x86): string {
  const result = validateAllocateVirtualMemory({ ...good, ...changes }, limits)
  return result.ok ? 'ok' : ntStatusName(result.status)
}

describe('validateAllocateVirtualMemory', () => {
  it.each<[string, Partial<AllocateVirtualMemoryArguments>, string]>([
    [
      'returns STATUS_INVALID_PARAMETER_3 when ZeroBits is 22 (above MI_MAX_ZERO_BITS)',
      { zeroBits: 22 },
      'STATUS_INVALID_PARAMETER_3',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_3 when ZeroBits is a mask on a 32-bit process',
      { zeroBits: 0x1aaaaaaa },
      'STATUS_INVALID_PARAMETER_3',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_3 when ZeroBits is negative (a huge ULONG_PTR)',
      { zeroBits: -1 },
      'STATUS_INVALID_PARAMETER_3',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_3 when ZeroBits is NaN',
      { zeroBits: Number.NaN },
      'STATUS_INVALID_PARAMETER_3',
    ],
    ['accepts ZeroBits 1 on x86 (Windows, unlike ReactOS)', { zeroBits: 1 }, 'ok'],
    ['accepts ZeroBits 21 (the placement then fails with STATUS_NO_MEMORY)', { zeroBits: 21 }, 'ok'],
    [
      'returns STATUS_INVALID_PARAMETER_5 when MEM_RESET is combined with MEM_COMMIT',
      { allocationType: MEM_RESET | MEM_COMMIT },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 when MEM_RESET is combined with MEM_RESERVE',
      { allocationType: MEM_RESET | MEM_RESERVE },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 when AllocationType is 0',
      { allocationType: 0 },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 when only MEM_TOP_DOWN is given',
      { allocationType: MEM_TOP_DOWN },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 when only MEM_WRITE_WATCH is given',
      { allocationType: MEM_WRITE_WATCH },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 for AT_ROUND_TO_PAGE',
      { allocationType: MEM_RESERVE | MEM_COMMIT | AT_ROUND_TO_PAGE },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 for MEM_DECOMMIT',
      { allocationType: MEM_DECOMMIT | MEM_COMMIT },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 for MEM_RELEASE',
      { allocationType: MEM_RELEASE },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 for MEM_ROTATE',
      { allocationType: MEM_RESERVE | MEM_ROTATE },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 when MEM_RESET_UNDO is combined with anything',
      { allocationType: MEM_RESET_UNDO | MEM_COMMIT },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 when MEM_WRITE_WATCH comes without MEM_RESERVE',
      { allocationType: MEM_COMMIT | MEM_WRITE_WATCH },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 when MEM_LARGE_PAGES comes without MEM_COMMIT',
      { allocationType: MEM_RESERVE | MEM_LARGE_PAGES },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 when MEM_PHYSICAL comes without MEM_RESERVE',
      { allocationType: MEM_COMMIT | MEM_PHYSICAL },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 when MEM_PHYSICAL comes with MEM_COMMIT',
      { allocationType: MEM_RESERVE | MEM_COMMIT | MEM_PHYSICAL },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_6 when MEM_PHYSICAL asks for a protection other than PAGE_READWRITE',
      { allocationType: MEM_RESERVE | MEM_PHYSICAL, protect: PAGE_READONLY },
      'STATUS_INVALID_PARAMETER_6',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_5 for a fractional AllocationType',
      { allocationType: 0.5 },
      'STATUS_INVALID_PARAMETER_5',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION when Protect is 0',
      { protect: 0 },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION when PAGE_GUARD comes without a base protection',
      { protect: PAGE_GUARD },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION for PAGE_NOACCESS|PAGE_GUARD',
      { protect: PAGE_NOACCESS | PAGE_GUARD },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION for PAGE_GUARD|PAGE_NOCACHE',
      { protect: PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION for two base protections',
      { protect: PAGE_READONLY | PAGE_READWRITE },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION for a read and an execute protection together',
      { protect: PAGE_READONLY | PAGE_EXECUTE_READ },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION for PAGE_NOACCESS|PAGE_WRITECOMBINE',
      { protect: PAGE_NOACCESS | PAGE_WRITECOMBINE },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION for NaN',
      { protect: Number.NaN },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    ['accepts PAGE_READWRITE|PAGE_GUARD', { protect: PAGE_READWRITE | PAGE_GUARD }, 'ok'],
    ['accepts PAGE_READONLY|PAGE_NOCACHE', { protect: PAGE_READONLY | PAGE_NOCACHE }, 'ok'],
    [
      'leaves PAGE_WRITECOPY to the allocation path (accepted by the mask)',
      { protect: PAGE_WRITECOPY },
      'ok',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_2 when BaseAddress is above MM_HIGHEST_VAD_ADDRESS',
      { baseAddress: 0x7ffe0000 },
      'STATUS_INVALID_PARAMETER_2',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_2 when BaseAddress is below 0x10000 and not NULL (Windows 8.1+)',
      { baseAddress: 0x1000 },
      'STATUS_INVALID_PARAMETER_2',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_2 when BaseAddress is negative (a kernel address)',
      { baseAddress: -0x10000 },
      'STATUS_INVALID_PARAMETER_2',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_2 when BaseAddress is fractional',
      { baseAddress: 65536.5 },
      'STATUS_INVALID_PARAMETER_2',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_4 when RegionSize is 0',
      { regionSize: 0 },
      'STATUS_INVALID_PARAMETER_4',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_4 when the range runs past MM_HIGHEST_VAD_ADDRESS',
      { baseAddress: 0x7ffd0000, regionSize: 0x20000 },
      'STATUS_INVALID_PARAMETER_4',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_4 when RegionSize is negative (a huge SIZE_T)',
      { regionSize: -1 },
      'STATUS_INVALID_PARAMETER_4',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_4 when RegionSize is NaN',
      { regionSize: Number.NaN },
      'STATUS_INVALID_PARAMETER_4',
    ],
    [
      'accepts a range ending exactly at MM_HIGHEST_VAD_ADDRESS',
      { baseAddress: 0x7ffd0000, regionSize: 0x10000 },
      'ok',
    ],
    ['accepts MEM_RESET alone', { allocationType: MEM_RESET, baseAddress: 0x10000 }, 'ok'],
    ['accepts MEM_RESERVE|MEM_WRITE_WATCH', { allocationType: MEM_RESERVE | MEM_WRITE_WATCH }, 'ok'],
  ])('%s', (_rule, changes, expected) => {
    expect(statusOf(changes)).toBe(expected)
  })

  it('reports flag errors before address errors (NA9: ZeroBits and type checked first)', () => {
    expect(statusOf({ zeroBits: 22, baseAddress: 0x7fff0000 })).toBe('STATUS_INVALID_PARAMETER_3')
    expect(statusOf({ allocationType: 0, baseAddress: 0x7fff0000, regionSize: 0 })).toBe(
      'STATUS_INVALID_PARAMETER_5',
    )
    expect(statusOf({ protect: 0, regionSize: 0 })).toBe('STATUS_INVALID_PAGE_PROTECTION')
    expect(statusOf({ baseAddress: 0x7fff0000, regionSize: 0 })).toBe('STATUS_INVALID_PARAMETER_2')
  })

  it.each<[string, Partial<AllocateVirtualMemoryArguments>, string]>([
    ['accepts a ZeroBits mask 0x1aaaaaaa on x64', { zeroBits: 0x1aaaaaaa }, 'ok'],
    ['accepts the ZeroBits mask 0xffffffff on x64', { zeroBits: 0xffffffff }, 'ok'],
    [
      'returns STATUS_INVALID_PARAMETER_3 for ZeroBits 24 on x64',
      { zeroBits: 24 },
      'STATUS_INVALID_PARAMETER_3',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_3 for ZeroBits 33..0xFFFE on x64 (Wine)',
      { zeroBits: 0x100 },
      'STATUS_INVALID_PARAMETER_3',
    ],
    ['accepts an x64 base above 4 GiB', { baseAddress: 0x7ff000000000 }, 'ok'],
    [
      'returns STATUS_INVALID_PARAMETER_2 for an x64 base above MM_HIGHEST_VAD_ADDRESS',
      { baseAddress: 0x7ffffffe0000 },
      'STATUS_INVALID_PARAMETER_2',
    ],
  ])('%s', (_rule, changes, expected) => {
    expect(statusOf(changes, x64)).toBe(expected)
  })
})

describe('zeroBitsLimit', () => {
  it.each([
    [0, Number.POSITIVE_INFINITY],
    [1, 0x7fffffff],
    [2, 0x3fffffff],
    [12, 0xfffff],
    [21, 0x7ff],
  ])('limits ZeroBits %d to addresses at or below %d', (zeroBits, limit) => {
    expect(zeroBitsLimit(zeroBits, x86)).toBe(limit)
    expect(zeroBitsLimit(zeroBits, x64)).toBe(limit)
  })

  it('reads a mask of 32 bits or more by its highest set bit on x64', () => {
    expect(zeroBitsLimit(0x1aaaaaaa, x64)).toBe(0x1fffffff)
    expect(zeroBitsLimit(0xffffffff, x64)).toBe(0xffffffff)
    expect(zeroBitsLimit(0x7fffffff, x64)).toBe(0x7fffffff)
    expect(zeroBitsLimit(0x1aaaaaaa, x86)).toBeUndefined()
  })
})
