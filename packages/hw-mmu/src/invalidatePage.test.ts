import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { HwEvent } from './events.js'
import type { PagingMode } from './paging.js'
import {
  applyEdit,
  buildRandomMachine,
  controlArbitrary,
  operationArbitrary,
  regionArbitrary,
  repairingHandler,
  tlbArbitrary,
} from './testing/randomMachine.js'
import { expectSameMmu } from './testing/expectSameMmu.js'

// INVLPG and the #PF's invalidation drop the entries they find as they find them when nothing
// records (no list of them: the memory manager's aging scan invalidates a page per accessed PTE,
// docs/performance.md, issue 22, `hardfault2`); with a recorder they are listed for hw.tlbFlush
// and then dropped. The two must leave the same TLBs: the same outcomes, statistics (the
// 'single' flush counts), entries with their ages and digest, large pages among them.

const stepArbitrary = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(operationArbitrary, fc.nat(3)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant({ kind: 'cr3' as const }), fc.nat(3)) },
)

describe('INVLPG without a recorder (property)', () => {
  it('leaves the outcomes, statistics, entries and digest a recorded run leaves', () => {
    let singles = 0
    fc.assert(
      fc.property(
        fc.constantFrom<PagingMode>('x86', 'x86-pae', 'x64'),
        controlArbitrary,
        tlbArbitrary,
        fc.array(regionArbitrary, { minLength: 3, maxLength: 3 }),
        fc.array(stepArbitrary, { maxLength: 80 }),
        fc.boolean(),
        (mode, control, tlb, regions, steps, handle) => {
          const machines = [true, false].map((record) => {
            const built = buildRandomMachine(mode, control, tlb, regions)
            const events: HwEvent[] = []
            if (record) built.mmu.setRecorder((event) => events.push(event))
            if (handle) built.mmu.setFaultHandler(repairingHandler(built.mmu, mode, built.slots))
            expect(built.mmu.loadCr3(built.root).ok).toBe(true)
            return built
          })
          const outcomes: string[][] = [[], []]
          machines.forEach(({ mmu, root, slots }, m) => {
            const out = outcomes[m]!
            for (const [op, api] of steps) {
              if (op.kind === 'cr3') out.push(String(mmu.loadCr3(root).ok))
              else if (!applyEdit(mmu, mode, root, slots, op)) {
                const va = slots[op.slot]!.va + op.offset
                if (api === 0) out.push(String(mmu.translateToPhysical(va, op.access, op.mode)))
                else if (op.access === 'write')
                  out.push(JSON.stringify(mmu.write(va, [1, 2, 3], { mode: op.mode })))
                else out.push(JSON.stringify(mmu.read(va, api, { mode: op.mode })))
              }
              out.push(JSON.stringify(mmu.statistics()))
            }
          })
          const [a, b] = machines as [(typeof machines)[0], (typeof machines)[0]]
          expect(outcomes[0]).toEqual(outcomes[1])
          expectSameMmu(a.mmu, b.mmu)
          singles += a.mmu.statistics().data.flushes.single
        },
      ),
      { numRuns: 300 },
    )
    // Not vacuous: INVLPGs and #PFs invalidated pages.
    expect(singles).toBeGreaterThan(100)
  })
})
