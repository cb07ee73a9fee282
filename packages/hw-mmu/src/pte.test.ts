import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { PagingMode } from './paging.js'
import {
  decodePte,
  encodePte,
  maxPfn,
  PTE_ACCESSED,
  PTE_CACHE_DISABLE,
  PTE_DIRTY,
  PTE_GLOBAL,
  PTE_HIGH_NO_EXECUTE,
  PTE_LARGE_PAGE,
  PTE_PRESENT,
  PTE_USER,
  PTE_WRITABLE,
  PTE_WRITE_THROUGH,
  reservedBits,
} from './pte.js'

describe('pte', () => {
  it.each([
    ['present', PTE_PRESENT, 0x001],
    ['writable', PTE_WRITABLE, 0x002],
    ['user', PTE_USER, 0x004],
    ['writeThrough', PTE_WRITE_THROUGH, 0x008],
    ['cacheDisable', PTE_CACHE_DISABLE, 0x010],
    ['accessed', PTE_ACCESSED, 0x020],
    ['dirty', PTE_DIRTY, 0x040],
    ['largePage', PTE_LARGE_PAGE, 0x080],
    ['global', PTE_GLOBAL, 0x100],
  ] as const)('encodes %s as bit mask %i (SDM table 4-6 / HARDWARE_PTE)', (name, constant, mask) => {
    expect(constant).toBe(mask)
    const value = encodePte({ [name]: true })
    expect(value).toEqual({ low: mask, high: 0 })
    expect(decodePte(value.low, value.high, 'x86', 2)[name]).toBe(true)
  })

  it('puts the PFN in bits 12-31 of the low half and bits 32+ of the high half', () => {
    expect(encodePte({ pfn: 0xabcde }, 'x86')).toEqual({ low: 0xabcde000, high: 0 })
    expect(encodePte({ pfn: 0x3abcde }, 'x86-pae')).toEqual({ low: 0xabcde000, high: 0x3 })
    expect(encodePte({ pfn: 0x2_3456_789a }, 'x64')).toEqual({ low: 0x6789a000, high: 0x2345 })
  })

  it('keeps NX in bit 63 (bit 31 of the high half) and the software bits in 9-11', () => {
    expect(encodePte({ noExecute: true, software: 5 }, 'x64')).toEqual({
      low: 0xa00,
      high: PTE_HIGH_NO_EXECUTE,
    })
    const decoded = decodePte(0xa00, PTE_HIGH_NO_EXECUTE, 'x86-pae', 1)
    expect(decoded.noExecute).toBe(true)
    expect(decoded.software).toBe(5)
  })

  it('round-trips every field in every mode', () => {
    const modes: PagingMode[] = ['x86', 'x86-pae', 'x64']
    fc.assert(
      fc.property(
        fc.constantFrom(...modes),
        fc.record({
          present: fc.boolean(),
          writable: fc.boolean(),
          user: fc.boolean(),
          writeThrough: fc.boolean(),
          cacheDisable: fc.boolean(),
          accessed: fc.boolean(),
          dirty: fc.boolean(),
          global: fc.boolean(),
          noExecute: fc.boolean(),
          software: fc.integer({ min: 0, max: 7 }),
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (mode, fields, fraction) => {
          const pfn = Math.floor(fraction * maxPfn(mode))
          const input = { ...fields, noExecute: mode !== 'x86' && fields.noExecute, pfn }
          const value = encodePte(input, mode)
          const decoded = decodePte(value.low, value.high, mode, 1)
          expect({ ...decoded, low: 0, high: 0 }).toMatchObject({ ...input, largePage: false })
          expect(decoded.maps).toBe(fields.present ? 'page' : 'none')
        },
      ),
      { numRuns: 200 },
    )
  })

  it.each([
    ['x86', 2, 0x400000],
    ['x86-pae', 2, 0x200000],
    ['x64', 2, 0x200000],
    ['x64', 3, 0x40000000],
  ] as const)('decodes PS in a %s level-%i entry as a page of %i bytes', (mode, level, size) => {
    const pfn = size / 4096
    const value = encodePte({ present: true, largePage: true, pfn }, mode)
    const decoded = decodePte(value.low, value.high, mode, level)
    expect(decoded).toMatchObject({ maps: 'page', pageSize: size, pfn })
    expect(decodePte(value.low & ~PTE_LARGE_PAGE, value.high, mode, level).maps).toBe('table')
  })

  it.each([
    [{ pfn: 0x100000 }, 'x86', /pfn 1048576 does not fit a x86 entry/],
    [{ pfn: -1 }, 'x64', /pfn -1/],
    [{ noExecute: true }, 'x86', /noExecute is not available in 32-bit paging/],
    [{ largePage: true, pfn: 3 }, 'x86-pae', /multiple of 512/],
    [{ software: 8 }, 'x86', /software 8/],
  ] as const)('rejects %j in %s with a clear error', (fields, mode, message) => {
    expect(() => encodePte(fields, mode)).toThrow(message)
  })

  it.each([
    ['x86', 2, true, true, 0x003fe000, 0],
    ['x86', 1, false, false, 0, 0],
    ['x86-pae', 1, false, true, 0, 0x7ffffff0],
    ['x86-pae', 1, false, false, 0, 0xfffffff0],
    ['x86-pae', 2, true, true, 0x001fe000, 0x7ffffff0],
    ['x64', 4, false, true, 0x80, 0x000fc000],
    ['x64', 3, true, true, 0x3fffe000, 0x000fc000],
    ['x64', 1, false, false, 0, 0x800fc000],
  ] as const)('reserved bits of %s level %i (large %s, NXE %s) are low %i high %i', (mode, level, large, nxe, low, high) => {
    expect(reservedBits(mode, level, large, nxe)).toEqual({ low, high })
  })
})
