import { describe, expect, it } from 'vitest'
import { checkTlbConsistency } from './checkTlbConsistency.js'
import { PAGING_MODES } from './paging.js'
import { createMachine, mapPage } from './testing/addressSpace.js'

const VA = 0x40_0000

describe('checkTlbConsistency', () => {
  it.each(
    PAGING_MODES,
  )('reports a TLB entry left stale by a PTE change without INVLPG, none after it (%s)', (mode) => {
    const { mmu, root } = createMachine({ mode })
    mapPage(mmu, root, VA, 300, { user: true, writable: true })
    expect(mmu.write(VA, [1]).ok).toBe(true)
    expect(checkTlbConsistency(mmu)).toEqual([])
    mapPage(mmu, root, VA, 301, { user: true, writable: true })
    expect(checkTlbConsistency(mmu).join('\n')).toMatch(/frame 0x12c000, page tables say 0x12d000/)
    mmu.invlpg(VA)
    expect(checkTlbConsistency(mmu)).toEqual([])
  })

  it('allows an entry that grants less than the PTE (a spurious fault fixes it) but not more', () => {
    const { mmu, root } = createMachine()
    mapPage(mmu, root, VA, 300, { user: true, writable: false })
    expect(mmu.read(VA, 1).ok).toBe(true)
    mapPage(mmu, root, VA, 300, { user: true, writable: true })
    expect(checkTlbConsistency(mmu)).toEqual([])
    mmu.invlpg(VA)
    expect(mmu.write(VA, [1]).ok).toBe(true)
    mapPage(mmu, root, VA, 300, { user: true, writable: false })
    expect(checkTlbConsistency(mmu)).toEqual([`data TLB entry for 0x400000: writable, the PTE is not`])
  })
})
