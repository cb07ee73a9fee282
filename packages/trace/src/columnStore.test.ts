import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  COLUMN_CONSTRUCTORS,
  type ColumnArray,
  FIELD_RANGES,
  firstMisfit,
  fitsField,
  narrowChunk,
} from './columnStore.js'
import type { NumericFieldType } from './traceSchema.js'

const types = Object.keys(FIELD_RANGES) as NumericFieldType[]

/** A full chunk of a column of `type` holding `values` (stored as that typed array stores them). */
function chunkOf(type: NumericFieldType, values: readonly number[]): ColumnArray {
  const chunk = new COLUMN_CONSTRUCTORS[type](values.length)
  values.forEach((value, index) => {
    chunk[index] = value
  })
  return chunk
}

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

  it('narrowChunk: the narrowest array holding every value exactly, per rule', () => {
    const cases: [string, NumericFieldType, number[], string | undefined][] = [
      ['small integers in an f64 column fit one byte', 'f64', [0, 1, 255], 'Uint8Array'],
      ['x86 addresses in an f64 column fit four bytes', 'f64', [0x7ffe0000, 0xffffffff], 'Uint32Array'],
      ['a fraction keeps f64', 'f64', [1, 2.5], undefined],
      ['-0 keeps f64 (an integer array would read it back as 0)', 'f64', [1, -0], undefined],
      ['NaN keeps f64', 'f64', [1, Number.NaN], undefined],
      ['2^32 keeps f64', 'f64', [0, 2 ** 32], undefined],
      ['negative integers take a signed array', 'f64', [-1, 127], 'Int8Array'],
      ['a signed value beyond i16 takes i32', 'f64', [-1, 40000], 'Int32Array'],
      ['a negative value beyond i32 keeps f64', 'f64', [-(2 ** 31) - 1, 0], undefined],
      ['u32 values within u16 take two bytes', 'u32', [0, 65535], 'Uint16Array'],
      ['i32 values within i8 take one byte', 'i32', [-1, 0, 1], 'Int8Array'],
      ['u16 values that need two bytes stay', 'u16', [0, 256], undefined],
      ['a u8 column is as narrow as it gets', 'u8', [0, 1], undefined],
    ]
    for (const [rule, type, values, expected] of cases) {
      const narrow = narrowChunk(chunkOf(type, values))
      expect(narrow?.constructor.name, rule).toBe(expected)
      if (narrow !== undefined) expect(Array.from(narrow), rule).toEqual(values)
    }
  })

  it('narrowChunk never changes a value and only ever narrows', () => {
    const value = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.integer({ min: -300, max: 70000 }),
      fc.constantFrom(-0, 0, 0.5, 2 ** 32 - 1, 2 ** 32, -(2 ** 31), Number.NaN, Number.POSITIVE_INFINITY),
    )
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.array(value, { minLength: 1, maxLength: 40 }),
        (type, values) => {
          const chunk = chunkOf(type, values)
          const narrow = narrowChunk(chunk)
          if (narrow === undefined) return
          expect(narrow.BYTES_PER_ELEMENT).toBeLessThan(chunk.BYTES_PER_ELEMENT)
          expect(narrow.length).toBe(chunk.length)
          chunk.forEach((stored: number, index: number) => {
            expect(Object.is(narrow[index], stored)).toBe(true)
          })
        },
      ),
      { numRuns: 600 },
    )
  })
})
