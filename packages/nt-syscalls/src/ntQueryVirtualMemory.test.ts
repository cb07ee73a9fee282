import { describe, expect, it } from 'vitest'
import { ntStatusName } from './ntStatus.js'
import { type QueryVirtualMemoryArguments, validateQueryVirtualMemory } from './ntQueryVirtualMemory.js'
import { userAddressLimits } from './userAddressLimits.js'

const x86 = userAddressLimits('x86')
const x64 = userAddressLimits('x64')
const good: QueryVirtualMemoryArguments = { processHandle: -1, baseAddress: 0x10000 }

function statusOf(changes: Partial<QueryVirtualMemoryArguments>, limits = x86): string {
  const result = validateQueryVirtualMemory({ ...good, ...changes }, limits)
  return result.ok ? 'ok' : ntStatusName(result.status)
}

describe('validateQueryVirtualMemory', () => {
  it.each<[string, Partial<QueryVirtualMemoryArguments>, string]>([
    [
      'returns STATUS_INVALID_INFO_CLASS for a class the simulator does not answer',
      { memoryInformationClass: 9 },
      'STATUS_INVALID_INFO_CLASS',
    ],
    [
      'returns STATUS_INFO_LENGTH_MISMATCH when the buffer is smaller than MEMORY_BASIC_INFORMATION',
      { memoryInformationLength: 27 },
      'STATUS_INFO_LENGTH_MISMATCH',
    ],
    [
      'checks the buffer length before the address',
      { memoryInformationLength: 4, baseAddress: 0xffffffff },
      'STATUS_INFO_LENGTH_MISMATCH',
    ],
    [
      'returns STATUS_INVALID_PARAMETER for HighestUserAddress + 1',
      { baseAddress: 0x7fff0000 },
      'STATUS_INVALID_PARAMETER',
    ],
    ['returns STATUS_INVALID_PARAMETER for ~0', { baseAddress: 0xffffffff }, 'STATUS_INVALID_PARAMETER'],
    ['accepts LowestUserAddress - 1', { baseAddress: 0xffff }, 'ok'],
    ['accepts HighestUserAddress itself', { baseAddress: 0x7ffeffff }, 'ok'],
  ])('%s', (_rule, changes, expected) => {
    expect(statusOf(changes)).toBe(expected)
  })

  it('needs a 48-byte buffer for a 64-bit process', () => {
    expect(statusOf({ memoryInformationLength: 28 }, x64)).toBe('STATUS_INFO_LENGTH_MISMATCH')
    expect(statusOf({ memoryInformationLength: 48 }, x64)).toBe('ok')
    expect(statusOf({ baseAddress: 0x7ffffffeffff }, x64)).toBe('ok')
    expect(statusOf({ baseAddress: 0x7fffffff0000 }, x64)).toBe('STATUS_INVALID_PARAMETER')
  })
})
