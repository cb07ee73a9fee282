import { describe, expect, it } from 'vitest'
import { addressSpaceLayout, isSystemAddress } from './addressSpaceLayout.js'

describe('addressSpaceLayout', () => {
  it.each([
    ['x86', 0x7ffeffff, 0x7ffdffff, false],
    ['x86-pae', 0x7ffeffff, 0x7ffdffff, true],
    ['x64', 0x7ffffffeffff, 0x7ffffffdffff, true],
  ] as const)('%s: user space from 0x10000 to the Windows limit, VADs up to 64 KiB below it', (arch, highestUser, highestVad, nx) => {
    const layout = addressSpaceLayout(arch)
    expect(layout.lowestUserAddress).toBe(0x10000)
    expect(layout.highestUserAddress).toBe(highestUser)
    expect(layout.highestVadAddress).toBe(highestVad)
    expect(layout.sharedUserData).toBe(0x7ffe0000)
    expect(layout.hasNoExecute).toBe(nx)
  })

  it('puts system space at 0x80000000 on x86 and in the negative (upper canonical) half on x64', () => {
    expect(isSystemAddress(addressSpaceLayout('x86'), 0x7fffffff)).toBe(false)
    expect(isSystemAddress(addressSpaceLayout('x86'), 0x80000000)).toBe(true)
    expect(isSystemAddress(addressSpaceLayout('x64'), 0x7ffffffeffff)).toBe(false)
    expect(isSystemAddress(addressSpaceLayout('x64'), -0x800000000000)).toBe(true)
  })

  it('rejects an unknown architecture with a RangeError', () => {
    expect(() => addressSpaceLayout('arm64' as never)).toThrow(RangeError)
  })
})
