import { describe, expect, it } from 'vitest'
import {
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_NOCACHE,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOMBINE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import { makeProtectionMask, maskIsGuard, protectionMaskToWin32 } from './protectionMask.js'

describe('makeProtectionMask', () => {
  it.each([
    ['PAGE_NOACCESS maps to MM_NOACCESS', PAGE_NOACCESS, 0x18],
    ['PAGE_READONLY maps to MM_READONLY', PAGE_READONLY, 1],
    ['PAGE_READWRITE maps to MM_READWRITE', PAGE_READWRITE, 4],
    ['PAGE_WRITECOPY maps to MM_WRITECOPY', PAGE_WRITECOPY, 5],
    ['PAGE_EXECUTE maps to MM_EXECUTE', PAGE_EXECUTE, 2],
    ['PAGE_EXECUTE_READ maps to MM_EXECUTE_READ', PAGE_EXECUTE_READ, 3],
    ['PAGE_EXECUTE_READWRITE maps to MM_EXECUTE_READWRITE', PAGE_EXECUTE_READWRITE, 6],
    ['PAGE_EXECUTE_WRITECOPY maps to MM_EXECUTE_WRITECOPY', PAGE_EXECUTE_WRITECOPY, 7],
    ['PAGE_GUARD adds MM_GUARDPAGE', PAGE_READWRITE | PAGE_GUARD, 0x14],
    ['PAGE_NOCACHE adds MM_NOCACHE', PAGE_READONLY | PAGE_NOCACHE, 0x09],
    ['PAGE_WRITECOMBINE adds MM_WRITECOMBINE', PAGE_EXECUTE_READ | PAGE_WRITECOMBINE, 0x1b],
  ])('%s', (_rule, protect, mask) => {
    expect(makeProtectionMask(protect)).toBe(mask)
  })

  it.each([
    ['zero is invalid (no nibble set)', 0],
    ['PAGE_GUARD alone is invalid (no access nibble)', PAGE_GUARD],
    ['both nibbles set is invalid', PAGE_READONLY | PAGE_EXECUTE],
    ['two flags in one nibble is invalid', PAGE_READONLY | PAGE_READWRITE],
    ['PAGE_NOACCESS with PAGE_GUARD is invalid', PAGE_NOACCESS | PAGE_GUARD],
    ['PAGE_GUARD with PAGE_NOCACHE is invalid', PAGE_READWRITE | PAGE_GUARD | PAGE_NOCACHE],
    ['PAGE_NOCACHE with PAGE_WRITECOMBINE is invalid', PAGE_READWRITE | PAGE_NOCACHE | PAGE_WRITECOMBINE],
    ['PAGE_NOACCESS with PAGE_NOCACHE is invalid', PAGE_NOACCESS | PAGE_NOCACHE],
    ['PAGE_NOACCESS with PAGE_WRITECOMBINE is invalid', PAGE_NOACCESS | PAGE_WRITECOMBINE],
    ['a value at or above 0x800 is invalid', 0x800 | PAGE_READWRITE],
    ['a negative value is invalid', -4],
    ['a non-integer is invalid', 4.5],
    ['NaN is invalid', Number.NaN],
  ])('%s', (_rule, protect) => {
    expect(makeProtectionMask(protect)).toBeUndefined()
  })
})

describe('protectionMaskToWin32', () => {
  it('round-trips every valid Win32 protection below 0x800', () => {
    for (let protect = 0; protect < 0x800; protect++) {
      const mask = makeProtectionMask(protect)
      if (mask === undefined) continue
      expect(protectionMaskToWin32(mask)).toBe(protect)
    }
  })

  it('reads MM_DECOMMIT (guard bit, zero access) back as PAGE_NOACCESS', () => {
    expect(protectionMaskToWin32(0x10)).toBe(PAGE_NOACCESS)
    expect(maskIsGuard(0x10)).toBe(false)
    expect(maskIsGuard(0x14)).toBe(true)
  })
})
