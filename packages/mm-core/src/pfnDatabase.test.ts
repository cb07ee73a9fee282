import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PfnDatabase, type PfnStateName } from './pfnDatabase.js'

const states: PfnStateName[] = ['FREE', 'ZEROED', 'STANDBY', 'MODIFIED', 'ACTIVE', 'PAGE_TABLE', 'SYSTEM']

describe('pfnDatabase', () => {
  it('starts with every frame on the free list in PFN order', () => {
    const pfn = new PfnDatabase(8)
    expect(pfn.framesOn('FREE')).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(pfn.check()).toEqual([])
  })

  it('keeps the free, zeroed, standby, modified and working-set lists consistent under any transitions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.constantFrom(...states)), { maxLength: 80 }),
        (moves) => {
          const db = new PfnDatabase(16)
          const model = new Map<number, PfnStateName>()
          const order: Record<string, number[]> = {
            FREE: [...Array(16).keys()],
            ZEROED: [],
            STANDBY: [],
            MODIFIED: [],
            ACTIVE: [],
          }
          for (const [frame, state] of moves) {
            const old = model.get(frame) ?? 'FREE'
            if (order[old]) order[old] = order[old]!.filter((f) => f !== frame)
            if (order[state]) order[state]!.push(frame)
            model.set(frame, state)
            db.setState(frame, state)
            expect(db.check()).toEqual([])
          }
          for (const list of ['FREE', 'ZEROED', 'STANDBY', 'MODIFIED', 'ACTIVE'] as const) {
            expect(db.framesOn(list)).toEqual(order[list])
            expect(db.count(list)).toBe(order[list]!.length)
          }
        },
      ),
      { numRuns: 150 },
    )
  })

  it('restores a checkpoint exactly, and the checkpoint stays valid', () => {
    const db = new PfnDatabase(8)
    db.setState(3, 'ACTIVE')
    db.setOwner(3, { pid: 7, address: 0x10000, protectMask: 4, pageFileSlot: -1, modified: true })
    const checkpoint = db.checkpoint()
    const before = db.digestInput()
    db.setState(3, 'STANDBY')
    db.setState(5, 'ZEROED')
    expect(db.digestInput()).not.toBe(before)
    db.restore(checkpoint)
    expect(db.digestInput()).toBe(before)
    expect(db.entry(3)).toMatchObject({ state: 'ACTIVE', ownerPid: 7, ownerAddress: 0x10000, modified: true })
    db.setState(3, 'FREE')
    db.restore(checkpoint)
    expect(db.digestInput()).toBe(before)
  })
})
