import { describe, expect, it } from 'vitest'
import { captureHandle, capturePointer, captureUlong, HUGE_64 } from './captureArguments.js'
import { userAddressLimits } from './userAddressLimits.js'

const x86 = userAddressLimits('x86')
const x64 = userAddressLimits('x64')

describe('captureArguments', () => {
  it.each([
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1.5,
    -0.25,
    '4096',
    undefined,
    null,
  ])('rejects %s, which no C parameter can hold', (value) => {
    expect(captureUlong(value)).toBeUndefined()
    expect(capturePointer(value, x86)).toBeUndefined()
    expect(capturePointer(value, x64)).toBeUndefined()
    expect(captureHandle(value, x86)).toBeUndefined()
  })

  it.each([
    [0, 0],
    [0x1000, 0x1000],
    [-1, 0xffffffff],
    [-0x1000, 0xfffff000],
    [0x1_0000_1000, 0x1000],
    [2 ** 40 + 5, 5],
  ])('truncates %d to the 32-bit ULONG %d as the C ABI does', (value, expected) => {
    expect(captureUlong(value)).toBe(expected)
    expect(capturePointer(value, x86)).toBe(expected)
  })

  it('keeps x64 pointers exact below 2^53 and maps negatives and larger values beyond every limit', () => {
    expect(capturePointer(0x7ffffffeffff, x64)).toBe(0x7ffffffeffff)
    expect(capturePointer(-1, x64)).toBe(HUGE_64)
    expect(capturePointer(2 ** 60, x64)).toBe(HUGE_64)
    expect(HUGE_64).toBeGreaterThan(x64.userProbeAddress)
  })

  it('treats HANDLE as signed: 0xFFFFFFFF is NtCurrentProcess on x86 but an ordinary value on x64', () => {
    expect(captureHandle(0xffffffff, x86)).toBe(-1)
    expect(captureHandle(0xfffffffe, x86)).toBe(-2)
    expect(captureHandle(0xffffffff, x64)).toBe(0xffffffff)
    expect(captureHandle(-1, x64)).toBe(-1)
    expect(captureHandle(8, x86)).toBe(8)
  })
})
