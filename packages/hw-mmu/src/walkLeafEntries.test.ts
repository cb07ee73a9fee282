import { describe, expect, it } from 'vitest'
import type { HwEvent } from './events.js'
import type { PagingMode } from './paging.js'
import { decodePte } from './pte.js'
import { createMachine, mapPage } from './testing/addressSpace.js'
import { walkLeafEntries } from './walkLeafEntries.js'

/** A software (not-present) PTE value, as an OS keeps a transition or page-file PTE. */
const SOFTWARE_PTE = 0x00005820

/** Maps `pages` (and a not-present software PTE next to the first), then walks and records. */
function walkAfterMapping(
  mode: PagingMode,
  pages: readonly { va: number; pfn: number; level?: 1 | 2 | 3 }[],
): { visits: [number, number, number][]; events: HwEvent[]; unchanged: boolean } {
  const { mmu, root } = createMachine({ mode })
  for (const page of pages)
    mapPage(mmu, root, page.va, page.pfn, { writable: true, user: true }, { leafLevel: page.level ?? 1 })
  const first = pages[0]!
  const written = mmu.pageTables.writeEntry(root, first.va + 0x1000, 1, { low: SOFTWARE_PTE, high: 0 })
  expect(written.ok).toBe(true)
  const events: HwEvent[] = []
  mmu.setRecorder((event) => events.push(event))
  const before = mmu.digest()
  const visits: [number, number, number][] = []
  walkLeafEntries(mmu.pageTables, root, (va, low, high, level) => {
    const entry = decodePte(low, high, mode, level)
    visits.push([va, level, entry.present ? entry.pfn : -low])
  })
  return { visits, events, unchanged: mmu.digest() === before }
}

describe('walkLeafEntries', () => {
  it('visits the non-zero PTEs and large-page PDEs of 32-bit paging in address order, present or not', () => {
    const result = walkAfterMapping('x86', [
      { va: 0x00401000, pfn: 300 },
      { va: 0x7ffe0000, pfn: 301 },
      { va: 0x00010000, pfn: 302 },
      { va: 0x80c00000, pfn: 1024, level: 2 },
    ])
    expect(result.visits).toEqual([
      [0x00010000, 1, 302],
      [0x00401000, 1, 300],
      [0x00402000, 1, -SOFTWARE_PTE],
      [0x7ffe0000, 1, 301],
      [0x80c00000, 2, 1024],
    ])
  })

  it('walks the four PAE page directories behind the PDPT, with 2 MiB large pages', () => {
    const result = walkAfterMapping('x86-pae', [
      { va: 0xc0001000, pfn: 300 },
      { va: 0x00010000, pfn: 0x123456 % 0x1000 },
      { va: 0x40200000, pfn: 512, level: 2 },
    ])
    expect(result.visits).toEqual([
      [0x00010000, 1, 0x456],
      [0x40200000, 2, 512],
      [0xc0001000, 1, 300],
      [0xc0002000, 1, -SOFTWARE_PTE],
    ])
  })

  it('gives x64 upper-half entries their sign-extended (negative) addresses, after the lower half', () => {
    const kernel = -0x80000000000 + 0x201000 // 0xFFFFF80000201000: PML4 index 0x1F0
    const top = -0x800000000000 // 0xFFFF800000000000: PML4 index 256
    const result = walkAfterMapping('x64', [
      { va: kernel, pfn: 300 },
      { va: 0x7ffffffff000, pfn: 301 },
      { va: top, pfn: 302 },
      { va: 0x40000000, pfn: 0x40000, level: 3 },
      { va: 0x00010000, pfn: 303 },
    ])
    expect(result.visits).toEqual([
      [0x00010000, 1, 303],
      [0x40000000, 3, 0x40000],
      [0x7ffffffff000, 1, 301],
      [top, 1, 302],
      [kernel, 1, 300],
      [kernel + 0x1000, 1, -SOFTWARE_PTE],
    ])
  })

  it.each([
    'x86',
    'x86-pae',
    'x64',
  ] as const)('%s: sets no accessed or dirty bit, touches no TLB and records no event', (mode) => {
    const result = walkAfterMapping(mode, [{ va: 0x00401000, pfn: 300 }])
    expect(result.visits.length).toBe(2)
    expect(result.events).toEqual([])
    expect(result.unchanged).toBe(true)
  })

  it('skips upper-level entries that are not present, whatever their bits', () => {
    const { mmu, root } = createMachine({ mode: 'x86' })
    mmu.pageTables.writeEntryAt(root + 5 * 4, 2, { low: 0x7000, high: 0 })
    const visits: number[] = []
    walkLeafEntries(mmu.pageTables, root, (va) => visits.push(va))
    expect(visits).toEqual([])
  })
})
