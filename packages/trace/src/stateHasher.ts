// A stable, platform-independent 64-bit hash for state digests: the same values fed in the same
// order give the same hex string in any process, on any machine (no object identity, no key
// order surprises: `value()` sorts object keys).

const TWO_32 = 2 ** 32
const floatScratch = new Float64Array(1)
const floatWords = new Uint32Array(floatScratch.buffer)

/** Incremental hasher; feed values with its methods, then call `digest()`. */
export class StateHasher {
  private h1: number
  private h2: number

  constructor(seed = 0) {
    this.h1 = 0xdeadbeef ^ seed
    this.h2 = 0x41c6ce57 ^ seed
  }

  /** Mixes one 32-bit word. */
  word(word: number): this {
    this.h1 = Math.imul(this.h1 ^ word, 2654435761)
    this.h2 = Math.imul(this.h2 ^ word, 1597334677)
    this.h1 = (this.h1 << 13) | (this.h1 >>> 19)
    this.h2 = (this.h2 << 17) | (this.h2 >>> 15)
    return this
  }

  /** Mixes a number: integers below 2^53 exactly by value, other numbers by their float bits. */
  number(value: number): this {
    if (Number.isSafeInteger(value)) {
      const negative = value < 0
      const magnitude = negative ? -value : value
      return this.word(negative ? 1 : 2)
        .word(magnitude >>> 0)
        .word(Math.floor(magnitude / TWO_32))
    }
    floatScratch[0] = value
    return this.word(3)
      .word(floatWords[0] as number)
      .word(floatWords[1] as number)
  }

  /** Mixes a string (length-prefixed, by UTF-16 code unit). */
  string(text: string): this {
    this.word(4).word(text.length)
    for (let index = 0; index < text.length; index++) this.word(text.charCodeAt(index))
    return this
  }

  /** Mixes every element of a typed array (length-prefixed). */
  array(values: ArrayLike<number>): this {
    this.word(5).word(values.length)
    for (let index = 0; index < values.length; index++) this.number(values[index] as number)
    return this
  }

  /** Mixes a JSON-like value canonically (object keys sorted; undefined members skipped). */
  value(value: unknown): this {
    if (value === null || value === undefined) return this.word(value === null ? 6 : 7)
    if (typeof value === 'number') return this.number(value)
    if (typeof value === 'string') return this.string(value)
    if (typeof value === 'boolean') return this.word(value ? 8 : 9)
    if (Array.isArray(value)) {
      this.word(10).word(value.length)
      for (const item of value) this.value(item)
      return this
    }
    if (ArrayBuffer.isView(value) && !(value instanceof DataView))
      return this.array(value as unknown as ArrayLike<number>)
    if (typeof value === 'object') {
      const record = value as Record<string, unknown>
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort()
      this.word(11).word(keys.length)
      for (const key of keys) this.string(key).value(record[key])
      return this
    }
    return this.string(String(value))
  }

  /** The 64-bit digest as 16 lowercase hex digits. */
  digest(): string {
    let h1 = this.h1
    let h2 = this.h2
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
    return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0')
  }
}

/** The canonical digest of a JSON-like value (see {@link StateHasher.value}). */
export function hashValue(value: unknown): string {
  return new StateHasher().value(value).digest()
}
