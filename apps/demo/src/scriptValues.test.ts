import { describe, expect, it } from 'vitest'
import { evaluate } from './scriptValues.js'

const variables = new Map([['base', 0x10000]])

describe('scriptValues: evaluate', () => {
  it.each([
    [4096, 4096],
    ['4096', 4096],
    ['0x1000', 0x1000],
    ['64K', 0x10000],
    ['1M', 0x100000],
    ['MEM_RESERVE|MEM_COMMIT', 0x3000],
    ['PAGE_READWRITE | PAGE_GUARD', 0x104],
    ['$base+0x1234', 0x11234],
    ['$base - 0x1000', 0xf000],
    ['-1', -1],
    ['NtCurrentProcess', -1],
    ['PROCESS_VM_READ|PROCESS_VM_WRITE', 0x30],
  ])('evaluates the value %j as %d', (value, expected) => {
    expect(evaluate(value, variables)).toBe(expected)
  })

  it.each([
    ['PAGE_RW', /unknown name 'PAGE_RW'/],
    ['$size', /variable \$size is not saved/],
    ['0x10+', /is not an expression/],
    ['|4', /is not an expression/],
  ])('rejects %j naming the problem', (value, message) => {
    expect(() => evaluate(value, variables)).toThrow(message)
  })
})
