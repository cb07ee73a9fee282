import { InvariantError as HwInvariantError } from '@ntmm/hw-mmu'
import { InvariantError as MmInvariantError } from '@ntmm/mm-core'
import { InvariantError as TraceInvariantError } from '@ntmm/trace'
import { describe, expect, it } from 'vitest'
import { InvariantError } from './assert.js'
import { InvariantError as PublicInvariantError } from './index.js'

describe('InvariantError', () => {
  it('is one class for hw-mmu, mm-core and nt-syscalls (re-exported, not redeclared)', () => {
    expect(MmInvariantError).toBe(HwInvariantError)
    expect(InvariantError).toBe(HwInvariantError)
    expect(PublicInvariantError).toBe(HwInvariantError)
  })

  it("recognises @ntmm/trace's InvariantError and is recognised by it (instanceof across packages)", () => {
    const fromTrace = new TraceInvariantError('trace broke')
    const fromHardware = new HwInvariantError('hardware broke')
    expect(fromTrace).toBeInstanceOf(HwInvariantError)
    expect(fromTrace).toBeInstanceOf(MmInvariantError)
    expect(fromHardware).toBeInstanceOf(TraceInvariantError)
    expect(fromHardware).toBeInstanceOf(Error)
    expect(fromTrace.name).toBe('InvariantError')
  })

  it('does not claim other errors', () => {
    expect(new RangeError('bad argument')).not.toBeInstanceOf(HwInvariantError)
    expect(new Error('InvariantError')).not.toBeInstanceOf(TraceInvariantError)
    expect({ name: 'InvariantError' }).not.toBeInstanceOf(HwInvariantError)
    expect(null).not.toBeInstanceOf(HwInvariantError)
  })
})
