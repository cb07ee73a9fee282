import { describe, expect, it } from 'vitest'
import { frameDelta } from './frameDelta.js'

/** The word-at-a-time delta frameDelta's four-word steps must match. */
function plainDelta(
  base: Uint32Array,
  words: Uint32Array,
): { indices: number[]; values: number[] } | undefined {
  const indices: number[] = []
  const values: number[] = []
  for (let index = 0; index < words.length; index++) {
    if (words[index] === base[index]) continue
    if (indices.length === 256) return undefined
    indices.push(index)
    values.push(words[index] as number)
  }
  return { indices, values }
}

describe('frameDelta', () => {
  it('finds the same differing words as a word-at-a-time scan, up to the limit', () => {
    let seed = 7
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed
    }
    for (const length of [1024, 1023, 5, 4, 0]) {
      for (const changes of [0, 1, 2, 3, 17, 255, 256, 257, 300, 1024]) {
        const base = new Uint32Array(length).map(() => (next() & 1 ? next() : 0))
        const words = base.slice()
        for (let change = 0; change < changes && length > 0; change++) {
          const at = next() % length
          // Differences in one bit, in the sign bit, and whole words (the OR of XORs sees each).
          words[at] =
            change % 3 === 0
              ? (words[at] as number) ^ 0x80000000
              : change % 3 === 1
                ? (words[at] as number) ^ 1
                : next()
        }
        const expected = plainDelta(base, words)
        const delta = frameDelta(base, words)
        if (expected === undefined) expect(delta).toBeUndefined()
        else {
          expect(delta).toBeDefined()
          expect(Array.from(delta?.indices ?? [])).toEqual(expected.indices)
          expect(Array.from(delta?.values ?? [])).toEqual(expected.values)
          expect(Array.from(delta?.materialize() ?? [])).toEqual(Array.from(words))
        }
      }
    }
  })
})
