// What a property comparing two runs of one program on two MMUs checks at the end (a fast path
// against the general path it stands for, a recorded run against an unrecorded one): the
// statistics, every TLB level's entries with their ages, and the state digest. Test-only.

import { expect } from 'vitest'
import type { Mmu } from '../mmu.js'

const LEVELS = ['data', 'instruction', 'second'] as const

/** Expects `a` and `b` to have ended in the same hardware state. */
export function expectSameMmu(a: Mmu, b: Mmu): void {
  expect(a.statistics()).toEqual(b.statistics())
  for (const [index, name] of LEVELS.entries())
    if (a.state.tlbs[index] !== undefined) expect(a.tlbEntries(name)).toEqual(b.tlbEntries(name))
  expect(a.digest()).toBe(b.digest())
}
