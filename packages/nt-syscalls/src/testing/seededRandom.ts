// A small seeded pseudo-random source for hostile-input generators that are not fast-check
// properties (the soak picks mutations and junk lines with it): the same seed gives the same
// choices on every machine. mulberry32; no NT counterpart.

/** Deterministic random choices from a 32-bit seed. */
export class SeededRandom {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  /** The next 32-bit unsigned value. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** An integer in [0, bound) (bound ≥ 1). */
  below(bound: number): number {
    return Math.floor((this.next() / 2 ** 32) * bound)
  }

  /** One of `items` (not empty). */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T
  }
}

/** A seed for case `index` of a run seeded `seed`: cases replay one by one from (seed, index). */
export function caseSeed(seed: number, index: number): number {
  return new SeededRandom((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0).next()
}
