import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { Mmu } from './mmu.js'
import type { PagingMode } from './paging.js'
import { createRoot, mapPage } from './testing/addressSpace.js'
import {
  buildRandomMachine,
  controlArbitrary,
  leafValue,
  operationArbitrary,
  regionArbitrary,
  tlbArbitrary,
} from './testing/randomMachine.js'
import { referenceTranslate } from './testing/referenceWalker.js'

describe('mmu (property)', () => {
  it('agrees with a TLB-less reference walker unless a leaf changed without INVLPG (or a CR3 load for non-global entries)', () => {
    const outcomes = { ok: 0, faults: 0 }
    fc.assert(
      fc.property(
        fc.constantFrom<PagingMode>('x86', 'x86-pae', 'x64'),
        controlArbitrary,
        tlbArbitrary,
        fc.array(regionArbitrary, { minLength: 3, maxLength: 3 }),
        fc.array(operationArbitrary, { maxLength: 60 }),
        (mode, control, tlb, regions, operations) => {
          const { mmu, root, slots, nxe } = buildRandomMachine(mode, control, tlb, regions)
          expect(mmu.loadCr3(root).ok).toBe(true)
          const stale = new Set<number>()
          for (const op of operations) {
            const slot = slots[op.slot]!
            if (op.kind === 'invlpg') {
              mmu.invlpg(slot.va)
              stale.delete(slot.entry)
            } else if (op.kind === 'modify') {
              const old = mmu.pageTables.readEntryAt(slot.entry)
              mmu.pageTables.writeEntryAt(slot.entry, slot.level, leafValue(mode, slot.large, op.leaf))
              if (op.invalidation === 'invlpg') {
                mmu.invlpg(slot.va)
                stale.delete(slot.entry)
              } else if (op.invalidation === 'cr3') {
                mmu.loadCr3(root)
                if (!control.globalPages) stale.clear()
                else if ((old.low & 0x100) !== 0) stale.add(slot.entry)
              } else stale.add(slot.entry)
            } else {
              const va = slot.va + op.offset
              const actual = mmu.translate(va, op.access, op.mode)
              if (stale.has(slot.entry)) continue
              const expected = referenceTranslate(
                mmu.frames,
                mode,
                root,
                { ...control, noExecute: nxe },
                va,
                op.access,
                op.mode,
              )
              outcomes[expected.ok ? 'ok' : 'faults']++
              if (expected.ok)
                expect(actual).toMatchObject({ ok: true, physicalAddress: expected.physicalAddress })
              else
                expect(actual).toMatchObject({
                  ok: false,
                  fault: { errorCode: expected.errorCode, address: va },
                })
            }
          }
        },
      ),
      { numRuns: 300 },
    )
    // The comparison is not vacuous: both outcomes were checked many times.
    expect(outcomes.ok).toBeGreaterThan(150)
    expect(outcomes.faults).toBeGreaterThan(500)
  })

  it('shows the stale entry when a PTE changes without invalidation (and the reference does not)', () => {
    const mmu = new Mmu({ frames: 2048 })
    const root = createRoot(mmu)
    mmu.loadCr3(root)
    mapPage(mmu, root, 0x00400000, 600, { user: true })
    expect(mmu.translate(0x00400010)).toMatchObject({ physicalAddress: 600 * 4096 + 0x10 })
    mapPage(mmu, root, 0x00400000, 601, { user: true })
    const control = { writeProtect: true, pageSizeExtension: true, noExecute: false }
    expect(referenceTranslate(mmu.frames, 'x86', root, control, 0x00400010, 'read', 'user')).toEqual({
      ok: true,
      physicalAddress: 601 * 4096 + 0x10,
    })
    expect(mmu.translate(0x00400010)).toMatchObject({ physicalAddress: 600 * 4096 + 0x10 })
    mapPage(mmu, root, 0x00400000, 601, { user: false })
    expect(mmu.translate(0x00400010, 'read', 'user')).toMatchObject({ ok: true }) // stale user permission
    mmu.loadCr3(root)
    expect(mmu.translate(0x00400010, 'read', 'user')).toMatchObject({ ok: false, fault: { errorCode: 0x5 } })
  })
})
