import { describe, expect, it } from 'vitest'
import { MEM_DECOMMIT, MEM_FREE, MEM_RELEASE } from './memoryConstants.js'
import { type FreeVirtualMemoryArguments, validateFreeVirtualMemory } from './ntFreeVirtualMemory.js'
import { ntStatusName } from './ntStatus.js'
import { userAddressLimits } from './userAddressLimits.js'

const x86 = userAddressLimits('x86')
const good: FreeVirtualMemoryArguments = {
  processHandle: -1,
  baseAddress: 0x10000,
  regionSize: 0,
  freeType: MEM_RELEASE,
}

function statusOf(changes: Partial<FreeVirtualMemoryArguments>): string {
  const result = validateFreeVirtualMemory({ ...good, ...changes }, x86)
  return result.ok ? 'ok' : ntStatusName(result.status)
}

describe('validateFreeVirtualMemory', () => {
  it.each<[string, Partial<FreeVirtualMemoryArguments>, string]>([
    ['returns STATUS_INVALID_PARAMETER_4 when FreeType is 0', { freeType: 0 }, 'STATUS_INVALID_PARAMETER_4'],
    [
      'returns STATUS_INVALID_PARAMETER_4 when FreeType is MEM_FREE',
      { freeType: MEM_FREE },
      'STATUS_INVALID_PARAMETER_4',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_4 when FreeType is MEM_DECOMMIT|MEM_RELEASE',
      { freeType: MEM_DECOMMIT | MEM_RELEASE },
      'STATUS_INVALID_PARAMETER_4',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_4 before looking at a NULL handle',
      { freeType: 0, processHandle: 0, baseAddress: 0 },
      'STATUS_INVALID_PARAMETER_4',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_4 for a fractional FreeType',
      { freeType: 32768.5 },
      'STATUS_INVALID_PARAMETER_4',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_2 when BaseAddress reaches MM_HIGHEST_USER_ADDRESS',
      { baseAddress: 0x7ffeffff },
      'STATUS_INVALID_PARAMETER_2',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_2 when BaseAddress is a kernel address',
      { baseAddress: 0x80000000 },
      'STATUS_INVALID_PARAMETER_2',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_3 when the range runs past MM_HIGHEST_USER_ADDRESS',
      { baseAddress: 0x7ffe0000, regionSize: 0x20000 },
      'STATUS_INVALID_PARAMETER_3',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_3 when RegionSize is negative',
      { regionSize: -1 },
      'STATUS_INVALID_PARAMETER_3',
    ],
    ['accepts MEM_DECOMMIT with size 0', { freeType: MEM_DECOMMIT }, 'ok'],
    ['accepts MEM_RELEASE with a size (only VirtualFree rejects it)', { regionSize: 0x1000 }, 'ok'],
  ])('%s', (_rule, changes, expected) => {
    expect(statusOf(changes)).toBe(expected)
  })
})
