// The working-set list as inspection reads it (QueryWorkingSet, VMMap): one entry per resident
// private page of the process, in working-set order, with the age the working-set manager gave it.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { QUOTA_LIMITS_HARDWS_MIN_ENABLE } from './ntPagingState.js'
import { createNtMachine } from './testing/createNtMachine.js'

describe('workingSetEntries', () => {
  it('lists the resident pages oldest first with age, priority 5, lock and the modified flag (MMWSLE + MMPFN)', () => {
    const { mm, process } = createNtMachine({ nt: { minimumFreePages: 1000, plentyFreePages: 1000 } })
    const p = process(1, 8)
    p.write(0, 1)
    p.read(1)
    p.write(2, 3)
    expect(mm.lockPages(1, [p.base]).status).toBe(0)
    mm.setWorkingSetLimits(1, { minimum: 1, maximum: 20 })
    const entries = mm.workingSetEntries(1)!
    // The three pages, then the page table mapping them (NT-PAGING.md §3.8).
    expect(entries.map((entry) => entry.address)).toEqual([p.base, p.base + 0x1000, p.base + 0x2000, 0])
    expect(entries[3]!.pageTable).toEqual({ maps: 0, mapsEnd: 0x400000 })
    expect(entries[0]).toMatchObject({ age: 0, priority: 5, locked: true, modified: true, pageFileSlot: -1 })
    expect(entries[1]).toMatchObject({ locked: false })
    // Memory is short (TrimHard), so each pass ages the entries: accessed → 0, untouched → +1.
    mm.balanceSetTick()
    mm.balanceSetTick()
    p.read(1)
    mm.balanceSetTick()
    expect(
      mm
        .workingSetEntries(1)!
        .map((entry) => entry.age)
        .slice(0, 3),
    ).toEqual([2, 0, 2])
  })

  it('is undefined for an unknown process and leaves the machine as it was', () => {
    const { mm, process } = createNtMachine()
    process(1, 4).write(0, 1)
    const digest = mm.digest()
    expect(mm.workingSetEntries(9)).toBeUndefined()
    mm.workingSetEntries(1)
    expect(mm.digest()).toBe(digest)
  })

  it('has as many entries as the working-set size counts, under random trims and touches (invariant)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 23 })), {
          maxLength: 80,
        }),
        (steps) => {
          const { mm, process } = createNtMachine({
            frames: 48,
            nt: { minimumFreePages: 4, plentyFreePages: 8, modifiedWriteThreshold: 4 },
          })
          const processes = [process(1, 24), process(2, 24)]
          mm.setWorkingSetLimits(2, { minimum: 4, maximum: 8, flags: QUOTA_LIMITS_HARDWS_MIN_ENABLE })
          for (const [action, page] of steps) {
            if (action === 2) mm.balanceSetTick()
            else processes[action]!.write(page, page)
          }
          for (const pid of [1, 2]) {
            const entries = mm.workingSetEntries(pid)!
            expect(entries.length * 4096).toBe(mm.processWorkingSet(pid)!.workingSetSize)
            expect(entries.every((entry) => entry.age >= 0 && entry.age <= 3)).toBe(true)
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})
