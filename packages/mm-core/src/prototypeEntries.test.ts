import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { PrototypeEntries, PrototypeEntryKind } from './prototypeEntries.js'

const { RESERVED, DEMAND_ZERO, VALID, TRANSITION, PAGE_FILE } = PrototypeEntryKind

describe('prototypeEntries', () => {
  it('keeps an 8 GiB SEC_RESERVE segment sparse: chunks only where entries changed', () => {
    const entries = new PrototypeEntries(0x200000, RESERVED)
    expect(entries.byteLength).toBe((0x200000 / 512) * 8)
    entries.set(0x1ffffe, DEMAND_ZERO, 0)
    expect(entries.kindOf(0x1ffffe)).toBe(DEMAND_ZERO)
    expect(entries.kindOf(0x1ffff0)).toBe(RESERVED)
    expect(entries.runEnd(0, 0x200000, (kind) => kind === RESERVED)).toBe(0x1ffffe)
    expect(entries.runs()).toEqual([
      ['RESERVED', 0, 0x1ffffe],
      ['DEMAND_ZERO', 0, 1],
      ['RESERVED', 0, 1],
    ])
  })

  it('rebuilds from its runs, and a checkpoint keeps its entries while the table changes (copy-on-write chunks)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.nat({ max: 1999 }),
            fc.constantFrom(VALID, TRANSITION, PAGE_FILE, DEMAND_ZERO),
            fc.nat({ max: 99 }),
          ),
          {
            maxLength: 60,
          },
        ),
        (writes) => {
          const entries = new PrototypeEntries(2000, DEMAND_ZERO)
          const half = Math.floor(writes.length / 2)
          for (const [page, kind, value] of writes.slice(0, half)) entries.set(page, kind, value)
          const runs = entries.runs()
          const checkpoint = entries.checkpoint()
          for (const [page, kind, value] of writes.slice(half)) entries.set(page, kind, value)
          expect(PrototypeEntries.restore(checkpoint).runs()).toEqual(runs)
          const rebuilt = PrototypeEntries.fromRuns(DEMAND_ZERO, entries.runs())
          for (let page = 0; page < 2000; page += 7) {
            expect(rebuilt.kindOf(page)).toBe(entries.kindOf(page))
            expect(rebuilt.valueOf(page)).toBe(entries.valueOf(page))
          }
        },
      ),
    )
  })

  it('grows with new entries of the given kind', () => {
    const entries = new PrototypeEntries(3, PrototypeEntryKind.FILE)
    entries.set(2, VALID, 5)
    entries.grow(1030, PrototypeEntryKind.FILE)
    expect(entries.pageCount).toBe(1030)
    expect(entries.kindOf(1029)).toBe(PrototypeEntryKind.FILE)
    expect(entries.runs()).toEqual([
      ['FILE', 0, 2],
      ['VALID', 5, 1],
      ['FILE', 0, 1027],
    ])
  })
})
