import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RunIndex } from './runIndex.js'

describe('runIndex', () => {
  it('gives the same kind and row for every seq as a per-event table, in any lookup order', () => {
    fc.assert(
      fc.property(
        // Each step appends one event of a kind; `jump` makes its row not follow the kind's last row.
        fc.array(fc.record({ kind: fc.nat(3), jump: fc.boolean() }), { minLength: 1, maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 200 }),
        (steps, lookups) => {
          const runs = new RunIndex()
          const nextRow = [0, 0, 0, 0]
          const kinds: number[] = []
          const rows: number[] = []
          steps.forEach(({ kind, jump }, seq) => {
            if (jump) nextRow[kind] = (nextRow[kind] as number) + 7
            const row = nextRow[kind] as number
            nextRow[kind] = row + 1
            runs.note(kind, seq, row)
            kinds.push(kind)
            rows.push(row)
          })
          const check = (seq: number): void => {
            const run = runs.runOf(seq)
            expect(runs.kind(run)).toBe(kinds[seq])
            expect(runs.firstRow(run) + (seq - runs.firstSeq(run))).toBe(rows[seq])
          }
          for (let seq = 0; seq < steps.length; seq++) check(seq)
          for (let seq = steps.length - 1; seq >= 0; seq--) check(seq)
          for (const lookup of lookups) check(lookup % steps.length)
          // One run per change of kind or break in rows, never one per event.
          let expected = 1
          for (let seq = 1; seq < steps.length; seq++) {
            if (kinds[seq] !== kinds[seq - 1] || rows[seq] !== (rows[seq - 1] as number) + 1) expected++
          }
          expect(runs.count).toBe(expected)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('keeps a long run of one kind as one entry across chunk boundaries', () => {
    const runs = new RunIndex()
    for (let seq = 0; seq < 200_000; seq++) runs.note(1, seq, seq)
    runs.note(2, 200_000, 0)
    expect(runs.count).toBe(2)
    expect(runs.runOf(199_999)).toBe(0)
    expect(runs.runOf(200_000)).toBe(1)
  })
})
