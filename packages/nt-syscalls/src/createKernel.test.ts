import { describe, expect, it } from 'vitest'
import { createKernel, MAX_PAGE_FILE, MAX_PHYSICAL_MEMORY } from './createKernel.js'

describe('createKernel', () => {
  it.each([
    ['pageFile', 2 ** 40, MAX_PAGE_FILE, 'MAX_PAGE_FILE'],
    ['physicalMemory', 2 ** 40, MAX_PHYSICAL_MEMORY, 'MAX_PHYSICAL_MEMORY'],
    ['pageFile', MAX_PAGE_FILE + 4096, MAX_PAGE_FILE, 'MAX_PAGE_FILE'],
    ['physicalMemory', MAX_PHYSICAL_MEMORY + 4096, MAX_PHYSICAL_MEMORY, 'MAX_PHYSICAL_MEMORY'],
  ] as const)('refuses %s = %d with a RangeError naming the option and its maximum', (name, value, maximum, maximumName) => {
    expect(() => createKernel({ [name]: value })).toThrow(
      new RangeError(
        `${name} ${value} must be a non-negative multiple of 4096 bytes of at most ${maximum} (${maximumName})`,
      ),
    )
  })

  it("builds a machine running the 'nt' policy by default, and records its configuration with the defaults applied", () => {
    const kernel = createKernel({ physicalMemory: 1 << 20 })
    expect(kernel.config.replacementPolicy).toBe('nt')
    expect(kernel.config.nt).toEqual(kernel.mm.ntConfig)
    expect(createKernel({ replacementPolicy: 'working-set' }).config).not.toHaveProperty('nt')
  })

  it('makes the largest page file lazily: it holds a few KiB until pages go to it', () => {
    const kernel = createKernel({ physicalMemory: 1 << 20, pageFile: MAX_PAGE_FILE })
    expect(kernel.config.pageFile).toBe(MAX_PAGE_FILE)
    expect(kernel.mm.pageFileState.storageBytes).toBeLessThan(64 * 1024)
  })

  it('refuses a seed that is not a finite number', () => {
    expect(() => createKernel({ seed: Number.NaN })).toThrow(/seed NaN must be a finite number/)
  })
})
