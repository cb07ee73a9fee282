import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ByteReader, ByteWriter } from './byteCodec.js'

/** The binary trace's integer column: zigzag varints of each value's delta of delta. */
function encode(values: readonly number[]): Uint8Array {
  const writer = new ByteWriter(16)
  let previous = 0
  let previousDelta = 0
  for (const value of values) {
    const delta = value - previous
    writer.zigzag(delta - previousDelta)
    previousDelta = delta
    previous = value
  }
  return writer.result()
}

/** The reference decoder: one `zigzag()` call per value. */
function decodeOneByOne(reader: ByteReader, rows: number): { values: number[]; overflow: number } {
  const values: number[] = []
  let previous = 0
  let previousDelta = 0
  for (let row = 0; row < rows; row++) {
    const delta = previousDelta + reader.zigzag()
    const value = previous + delta
    if (!Number.isSafeInteger(value)) return { values, overflow: row }
    values.push(value)
    previous = value
    previousDelta = delta
  }
  return { values, overflow: -1 }
}

/** The outcome of decoding `rows` values from `bytes` with `decode`: values, or the error thrown. */
function outcome(bytes: Uint8Array, rows: number, batch: boolean) {
  const reader = new ByteReader(bytes, 100)
  try {
    if (batch) {
      const column = new Float64Array(rows)
      const overflow = reader.deltaOfDeltaColumn(column, rows)
      const count = overflow < 0 ? rows : overflow
      return { values: [...column.subarray(0, count)], overflow, offset: reader.offset }
    }
    return { ...decodeOneByOne(reader, rows), offset: reader.offset }
  } catch (error) {
    return { error: (error as Error).message, offset: (error as { offset?: number }).offset }
  }
}

describe('byteCodec: delta-of-delta integer columns', () => {
  const integers = fc.oneof(
    fc.integer({ min: -300, max: 300 }),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.constantFrom(0, 2 ** 32, -(2 ** 40), 2 ** 50),
  )

  it('decodes a column in one call as one zigzag() per value does (property)', () => {
    fc.assert(
      fc.property(fc.array(integers, { maxLength: 300 }), (values) => {
        const bytes = encode(values)
        const batch = outcome(bytes, values.length, true)
        expect(batch).toEqual(outcome(bytes, values.length, false))
        // Integers within ±2^50 (what the encoder writes as integers) come back exactly.
        if (values.every((value) => Math.abs(value) <= 2 ** 50)) expect(batch.values).toEqual(values)
      }),
      { numRuns: 300 },
    )
  })

  it('fails truncated, overlong and overflowing input as the one-by-one decoder does (property)', () => {
    fc.assert(
      fc.property(
        fc.array(integers, { minLength: 1, maxLength: 60 }),
        fc.nat(),
        fc.nat(255),
        fc.nat(8),
        (values, cutAt, flip, extraRows) => {
          const bytes = encode(values)
          const damaged = bytes.slice(0, cutAt % (bytes.length + 1))
          if (damaged.length > 0) damaged[cutAt % damaged.length] = flip
          const rows = values.length + extraRows
          expect(outcome(damaged, rows, true)).toEqual(outcome(damaged, rows, false))
        },
      ),
      { numRuns: 400 },
    )
    // Nine bytes of continuation: longer than any varint.
    const overlong = new Uint8Array(9).fill(0x81)
    expect(outcome(overlong, 1, true)).toEqual(outcome(overlong, 1, false))
    expect(outcome(overlong, 1, true)).toMatchObject({ error: 'varint longer than 8 bytes' })
  })
})

describe('ByteWriter.utf8', () => {
  /** What `utf8` replaces: the string encoded apart, then its length and bytes. */
  function apart(prefix: readonly number[], texts: readonly string[]): Uint8Array {
    const writer = new ByteWriter(4)
    for (const byte of prefix) writer.u8(byte)
    for (const text of texts) {
      const bytes = new TextEncoder().encode(text)
      writer.varint(bytes.length)
      writer.raw(bytes)
    }
    return writer.result().slice()
  }

  function inPlace(prefix: readonly number[], texts: readonly string[]): Uint8Array {
    const writer = new ByteWriter(4)
    for (const byte of prefix) writer.u8(byte)
    for (const text of texts) writer.utf8(text)
    return writer.result().slice()
  }

  it('writes the same bytes as encoding apart, whatever the text (lone surrogates, growth included)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 9 }),
        fc.array(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 300 }),
            fc.string({ unit: 'grapheme', maxLength: 80 }),
            fc.string({ maxLength: 200 }),
          ),
        ),
        (prefix, texts) => {
          expect(inPlace(prefix, texts)).toEqual(apart(prefix, texts))
        },
      ),
    )
  })

  it('moves the bytes when the byte length needs a longer varint than the unit count', () => {
    // 100 units, 200 bytes: the length's varint takes 2 bytes where 100's takes 1.
    const texts = [
      'é'.repeat(100),
      '€'.repeat(50),
      '\u{1F600}'.repeat(40),
      'a'.repeat(127),
      'a'.repeat(128),
      '',
    ]
    expect(inPlace([], texts)).toEqual(apart([], texts))
  })
})
