import { describe, expect, it } from 'vitest'
import {
  PAGE_EXECUTE_WRITECOPY,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_NOCACHE,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOMBINE,
} from './memoryConstants.js'
import { type ProtectVirtualMemoryArguments, validateProtectVirtualMemory } from './ntProtectVirtualMemory.js'
import { ntStatusName } from './ntStatus.js'
import { userAddressLimits } from './userAddressLimits.js'

const x86 = userAddressLimits('x86')
const good: ProtectVirtualMemoryArguments = {
  processHandle: -1,
  baseAddress: 0x10000,
  regionSize: 0x1000,
  newProtect: PAGE_READONLY,
}

function statusOf(changes: Partial<ProtectVirtualMemoryArguments>): string {
  const result = validateProtectVirtualMemory({ ...good, ...changes }, x86)
  return result.ok ? 'ok' : ntStatusName(result.status)
}

describe('validateProtectVirtualMemory', () => {
  it.each<[string, Partial<ProtectVirtualMemoryArguments>, string]>([
    [
      'returns STATUS_INVALID_PAGE_PROTECTION when NewProtect is 0',
      { newProtect: 0 },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION when NewProtect combines two base protections',
      { newProtect: PAGE_READONLY | PAGE_READWRITE },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION for anything with PAGE_WRITECOMBINE',
      { newProtect: PAGE_READWRITE | PAGE_WRITECOMBINE },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION for PAGE_GUARD alone',
      { newProtect: PAGE_GUARD },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PAGE_PROTECTION before the address is looked at',
      { newProtect: 0, baseAddress: 0x80000000 },
      'STATUS_INVALID_PAGE_PROTECTION',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_2 when BaseAddress is above MM_HIGHEST_USER_ADDRESS',
      { baseAddress: 0x7fff0000 },
      'STATUS_INVALID_PARAMETER_2',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_3 when RegionSize is 0',
      { regionSize: 0 },
      'STATUS_INVALID_PARAMETER_3',
    ],
    [
      'returns STATUS_INVALID_PARAMETER_3 when the range reaches past MmUserProbeAddress',
      { baseAddress: 0x7ffe0000, regionSize: 0x20000 },
      'STATUS_INVALID_PARAMETER_3',
    ],
    [
      'lets PAGE_NOACCESS|PAGE_GUARD through to the mask check after the handle',
      { newProtect: PAGE_NOACCESS | PAGE_GUARD },
      'ok',
    ],
    [
      'lets PAGE_EXECUTE_WRITECOPY through to the private-memory check',
      { newProtect: PAGE_EXECUTE_WRITECOPY },
      'ok',
    ],
    ['accepts PAGE_READWRITE|PAGE_NOCACHE', { newProtect: PAGE_READWRITE | PAGE_NOCACHE }, 'ok'],
  ])('%s', (_rule, changes, expected) => {
    expect(statusOf(changes)).toBe(expected)
  })
})
