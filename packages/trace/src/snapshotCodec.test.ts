import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ByteReadError } from './byteCodec.js'
import {
  decodeSnapshotValue,
  encodeSnapshotValue,
  MAX_SNAPSHOT_DEPTH,
  type SnapshotClass,
} from './snapshotCodec.js'

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  sum(): number {
    return this.x + this.y
  }
}

class Sealed {
  #secret: number
  constructor(secret: number) {
    this.#secret = secret
  }
  get secret(): number {
    return this.#secret
  }
}

const classes: SnapshotClass[] = [
  { name: 'Point', prototype: Point.prototype },
  {
    name: 'Sealed',
    prototype: Sealed.prototype,
    save: (instance: Sealed) => instance.secret,
    load: (saved) => new Sealed(saved as number),
  },
]

const roundTrip = (value: unknown) => decodeSnapshotValue(encodeSnapshotValue(value, classes), classes)

describe('snapshot values as bytes (state blocks)', () => {
  it('keeps every kind of value a snapshot holds', () => {
    const buffer = new ArrayBuffer(16)
    const value = {
      numbers: [0, -1, 2 ** 53 - 1, -(2 ** 53) + 1, 0.5, Number.NaN, -0, Number.POSITIVE_INFINITY],
      text: 'é\u202e',
      flags: [true, false, null, undefined],
      map: new Map<unknown, unknown>([
        [1, 'one'],
        ['two', [2]],
      ]),
      set: new Set([3, 'four']),
      words: new Uint32Array([1, 2, 3]),
      point: new Point(3, 4),
      sealed: new Sealed(42),
      frozen: Object.freeze({ a: 1 }),
      halves: [new Uint8Array(buffer, 0, 8), new Float64Array(buffer, 8, 1)],
    }
    const back = roundTrip(value) as typeof value
    expect(back.numbers).toEqual(value.numbers)
    expect(Object.is(back.numbers[6], -0)).toBe(true)
    expect(back.text).toBe(value.text)
    expect(back.flags).toEqual(value.flags)
    expect(back.map).toEqual(value.map)
    expect(back.set).toEqual(value.set)
    expect(back.words).toEqual(value.words)
    expect(back.point).toBeInstanceOf(Point)
    expect(back.point.sum()).toBe(7)
    expect(back.sealed).toBeInstanceOf(Sealed)
    expect(back.sealed.secret).toBe(42)
    expect(Object.isFrozen(back.frozen)).toBe(true)
    // Views over one buffer still share it: a write through one is seen through the other.
    ;(back.halves[0] as Uint8Array)[0] = 7
    expect((back.halves[1] as Float64Array).buffer).toBe((back.halves[0] as Uint8Array).buffer)
  })

  it('writes a shared object once and brings back one object', () => {
    const shared = { big: new Uint8Array(4096) }
    const value = { a: shared, b: shared, list: [shared] }
    const bytes = encodeSnapshotValue(value, classes)
    expect(bytes.length).toBeLessThan(4096 + 64)
    const back = decodeSnapshotValue(bytes, classes) as typeof value
    expect(back.a).toBe(back.b)
    expect(back.list[0]).toBe(back.a)
  })

  it('round-trips any JSON-like value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(!/"(__proto__|constructor|prototype)":/.test(JSON.stringify(value)))
        expect(roundTrip(value)).toEqual(value)
      }),
    )
  })

  it('refuses to encode what it cannot bring back (functions, unknown classes)', () => {
    expect(() => encodeSnapshotValue({ f: () => 1 }, classes)).toThrow(TypeError)
    expect(() => encodeSnapshotValue(new (class Other {})(), classes)).toThrow(/Other/)
    expect(() => encodeSnapshotValue(JSON.parse('{"__proto__":1}'), classes)).toThrow(/__proto__/)
  })

  const good = encodeSnapshotValue({ key: [1, 'two', new Point(1, 2)] }, classes)
  it.each([
    ['a truncated snapshot', good.subarray(0, good.length - 1), /truncated/],
    ['bytes after the value', Uint8Array.from([...good, 0]), /after the snapshot/],
    ['an unknown value tag', Uint8Array.from([99]), /unknown value tag 99/],
    ['a reference to nothing read', Uint8Array.from([13, 5]), /reference 5/],
    [
      'a forbidden key',
      Uint8Array.from([8, 0, 0, 1, 9, ...new TextEncoder().encode('__proto__'), 1]),
      /forbidden key '__proto__'/,
    ],
    ['an unknown class', Uint8Array.from([8, 0, 9, 0]), /unknown class 9/],
    ['a view outside its buffer', Uint8Array.from([12, 4, 11, 4, 0, 0, 0, 0, 0, 2]), /outside its buffer/],
    ['a count beyond the bytes', Uint8Array.from([7, 0, 0xff, 0xff, 0x7f]), /exceeds the limit/],
    ['a string that is not UTF-8', Uint8Array.from([6, 1, 0xff]), /not UTF-8/],
    [
      'nesting deeper than the limit',
      Uint8Array.from([...Array.from({ length: MAX_SNAPSHOT_DEPTH + 2 }, () => [7, 0, 1]).flat(), 1]),
      /nested deeper/,
    ],
  ])('refuses %s with a ByteReadError naming it', (_name, bytes, message) => {
    expect(() => decodeSnapshotValue(bytes, classes)).toThrow(ByteReadError)
    expect(() => decodeSnapshotValue(bytes, classes)).toThrow(message)
  })

  it('never throws anything but a ByteReadError on mutated bytes (property)', () => {
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const bad = good.slice()
        bad[at] = byte
        try {
          decodeSnapshotValue(bad, classes)
        } catch (error) {
          expect(error).toBeInstanceOf(ByteReadError)
        }
      }),
    )
  })
})
