import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FIELD_RANGES, firstMisfit, fitsField } from './columnStore.js'
import type { NumericFieldType } from './traceSchema.js'

const types = Object.keys(FIELD_RANGES) as NumericFieldType[]

describe('columnStore', () => {
  it('firstMisfit finds the first value fitsField refuses, for every field type', () => {
    // Doubles of every kind, and the edges of each range (in and just out of it).
    const edges = types.flatMap((type) => {
      const [low, high] = FIELD_RANGES[type]
      return [low, high, low - 1, high + 1, low - 0.5, high + 0.5]
    })
    const value = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(...edges, -0, 0.5, Number.NaN))
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.array(value, { maxLength: 12 }), (type, values) => {
        const column = Float64Array.from(values)
        const expected = Array.from(column).findIndex((entry) => !fitsField(type, entry))
        expect(firstMisfit(type, column)).toBe(expected)
      }),
      { numRuns: 400 },
    )
  })
})
