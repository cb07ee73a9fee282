// A state snapshot as bytes, for the state checkpoints of a version-2 binary trace
// (docs/trace-format.md, "State blocks"): a generic, self-describing encoding of the values a
// model's snapshot is made of — numbers, strings, arrays, plain objects, Maps, Sets, ArrayBuffers
// and typed-array views over them, and instances of the consumer's own classes — keeping shared
// references and views' aliasing (an object or buffer met twice is written once, then referred
// to), and whether an object was frozen. Decoding trusts nothing: every count is bounded by the
// bytes left, nesting by a depth limit, keys checked as untrusted JSON's are, classes limited to
// the ones the consumer names. No node: imports.
import { ByteReader, ByteReadError, ByteWriter } from './byteCodec.js'

/** One of the consumer's classes a snapshot may hold. */
export interface SnapshotClass {
  /** Its name in the encoding (stable across releases: it is written into files). */
  readonly name: string
  /** Instances are recognised by this prototype (exactly: no subclasses). */
  readonly prototype: object
  /**
   * Optional: what an instance is written as (its own enumerable fields otherwise), for classes
   * with private state; `load` must then rebuild the instance from that value.
   */
  readonly save?: (instance: never) => unknown
  /** Optional, with `save`: the instance rebuilt from what `save` wrote. */
  readonly load?: (saved: unknown) => object
}

const enum Tag {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  Integer = 4,
  Float = 5,
  String = 6,
  Array = 7,
  Object = 8,
  Map = 9,
  Set = 10,
  Buffer = 11,
  View = 12,
  Reference = 13,
  Saved = 14,
}

/** Typed-array kinds, by their code in the encoding. */
const VIEWS = [
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  Uint8ClampedArray,
] as const

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
/** Deepest nesting decoded (and encoded): a snapshot is a few records of persistent trees. */
export const MAX_SNAPSHOT_DEPTH = 512

/**
 * A buffer {@link encodeSnapshotValue} writes into and reuses from snapshot to snapshot: a
 * writer of state blocks encodes a ~35 MB machine snapshot every 2^20 events, and a fresh buffer
 * each time (grown, then copied into the block's payload) cost a third of encoding it, measured
 * (docs/performance.md, "Import: the writer's costs").
 */
export class SnapshotBuffer {
  constructor(capacity = 1 << 16) {
    writers.set(this, new ByteWriter(Math.max(16, capacity)))
  }
}

/** Each buffer's writer (kept out of the class: ByteWriter is internal to @ntmm/trace). */
const writers = new WeakMap<SnapshotBuffer, ByteWriter>()

/** Options of {@link encodeSnapshotValue}. */
export interface SnapshotEncodeOptions {
  /**
   * Write into this buffer (from its start; room for `capacity` bytes made first): the result is
   * then a view of it, valid until the buffer's next use.
   */
  readonly buffer?: SnapshotBuffer
  /** Bytes written before the snapshot's, and part of the result (a state block's seq and digest). */
  readonly prefix?: Uint8Array
}

/**
 * Encodes `value` (a model's snapshot) as bytes. `capacity`: the bytes to start with (a guess
 * of the encoding's length, e.g. the last snapshot's: a machine snapshot is ~35 MB, and growing
 * to it from 64 KB by doubling was a sixth of writing a big trace's state blocks, measured).
 * @throws TypeError for a value it cannot hold.
 */
export function encodeSnapshotValue(
  value: unknown,
  classes: readonly SnapshotClass[],
  capacity = 1 << 16,
  options: SnapshotEncodeOptions = {},
): Uint8Array {
  const buffer = options.buffer
  const writer =
    buffer === undefined ? new ByteWriter(Math.max(16, capacity)) : (writers.get(buffer) as ByteWriter)
  writer.reset()
  // Room made at once (nothing to copy yet): growing to a machine's ~35 MB by doubling copies it.
  if (buffer !== undefined) writer.reserve(capacity)
  if (options.prefix !== undefined) writer.raw(options.prefix)
  const ids = new Map<object, number>()
  const classOf = new Map<object, number>(classes.map((entry, index) => [entry.prototype, index]))
  const encoder = new TextEncoder()
  const string = (text: string) => {
    const bytes = encoder.encode(text)
    writer.varint(bytes.length)
    writer.raw(bytes)
  }
  const write = (item: unknown, depth: number): void => {
    if (depth > MAX_SNAPSHOT_DEPTH) throw new TypeError(`snapshot nested deeper than ${MAX_SNAPSHOT_DEPTH}`)
    switch (typeof item) {
      case 'undefined':
        writer.u8(Tag.Undefined)
        return
      case 'boolean':
        writer.u8(item ? Tag.True : Tag.False)
        return
      case 'number':
        if (Number.isInteger(item) && Math.abs(item) < 2 ** 52 && !Object.is(item, -0)) {
          writer.u8(Tag.Integer)
          writer.zigzag(item)
        } else {
          writer.u8(Tag.Float)
          writer.f64(item)
        }
        return
      case 'string':
        writer.u8(Tag.String)
        string(item)
        return
      case 'object':
        break
      default:
        throw new TypeError(`a snapshot cannot hold a ${typeof item}`)
    }
    if (item === null) {
      writer.u8(Tag.Null)
      return
    }
    const known = ids.get(item)
    if (known !== undefined) {
      writer.u8(Tag.Reference)
      writer.varint(known)
      return
    }
    ids.set(item, ids.size)
    if (item instanceof ArrayBuffer) {
      writer.u8(Tag.Buffer)
      writer.varint(item.byteLength)
      writer.raw(new Uint8Array(item))
      return
    }
    if (ArrayBuffer.isView(item)) {
      const code = VIEWS.findIndex((type) => Object.getPrototypeOf(item) === type.prototype)
      if (code < 0 || !(item.buffer instanceof ArrayBuffer))
        throw new TypeError(`a snapshot cannot hold a ${item.constructor.name}`)
      writer.u8(Tag.View)
      writer.u8(code)
      write(item.buffer, depth + 1)
      writer.varint(item.byteOffset)
      writer.varint((item as Uint8Array).length)
      return
    }
    const frozen = Object.isFrozen(item) ? 1 : 0
    if (Array.isArray(item)) {
      writer.u8(Tag.Array)
      writer.u8(frozen)
      writer.varint(item.length)
      for (const element of item) write(element, depth + 1)
      return
    }
    if (item instanceof Map) {
      writer.u8(Tag.Map)
      writer.u8(frozen)
      writer.varint(item.size)
      for (const [key, element] of item) {
        write(key, depth + 1)
        write(element, depth + 1)
      }
      return
    }
    if (item instanceof Set) {
      writer.u8(Tag.Set)
      writer.u8(frozen)
      writer.varint(item.size)
      for (const element of item) write(element, depth + 1)
      return
    }
    const prototype = Object.getPrototypeOf(item) as object | null
    let classId = 0
    if (prototype !== Object.prototype && prototype !== null) {
      const index = classOf.get(prototype)
      if (index === undefined)
        throw new TypeError(`a snapshot cannot hold a ${(prototype.constructor as { name?: string }).name}`)
      const entry = classes[index] as SnapshotClass
      if (entry.save !== undefined) {
        writer.u8(Tag.Saved)
        writer.varint(index)
        write(entry.save(item as never), depth + 1)
        return
      }
      classId = index + 1
    }
    writer.u8(Tag.Object)
    writer.u8(frozen)
    writer.varint(classId)
    const keys = Object.keys(item)
    writer.varint(keys.length)
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) throw new TypeError(`a snapshot cannot hold the key '${key}'`)
      string(key)
      write((item as Record<string, unknown>)[key], depth + 1)
    }
  }
  write(value, 0)
  const bytes = writer.result()
  if (buffer !== undefined) return bytes
  // A copy only when the guess left much unused (the view would keep it alive).
  return bytes.length >= writer.bytes.length * 0.75 ? bytes : bytes.slice()
}

/**
 * Decodes bytes {@link encodeSnapshotValue} wrote, with the same `classes`.
 * @throws ByteReadError (offset relative to `base`) for bytes that are not such an encoding.
 */
export function decodeSnapshotValue(bytes: Uint8Array, classes: readonly SnapshotClass[], base = 0): unknown {
  const reader = new ByteReader(bytes, base)
  const seen: unknown[] = []
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const fail = (reason: string, at: number) => new ByteReadError(`state snapshot: ${reason}`, at)
  const string = (): string => {
    const at = reader.offset
    const length = reader.bounded(reader.remaining, 'string length')
    try {
      return decoder.decode(reader.take(length))
    } catch {
      throw fail('a string is not UTF-8', at)
    }
  }
  /** A count of items that take at least a byte each. */
  const count = (what: string) => reader.bounded(reader.remaining, what)
  const read = (depth: number): unknown => {
    const at = reader.offset
    if (depth > MAX_SNAPSHOT_DEPTH) throw fail(`nested deeper than ${MAX_SNAPSHOT_DEPTH}`, at)
    const tag = reader.u8()
    switch (tag) {
      case Tag.Undefined:
        return undefined
      case Tag.Null:
        return null
      case Tag.False:
        return false
      case Tag.True:
        return true
      case Tag.Integer:
        return reader.zigzag()
      case Tag.Float:
        return reader.f64()
      case Tag.String:
        return string()
      case Tag.Reference: {
        const id = reader.varint()
        if (id >= seen.length || seen[id] === undefined)
          throw fail(`reference ${id} to no value read before it`, at)
        return seen[id]
      }
      case Tag.Buffer: {
        const length = reader.bounded(reader.remaining, 'buffer length')
        // A copy of its own (the input may be a Node Buffer, whose slice() is a view of a pool).
        const copy = new Uint8Array(length)
        copy.set(reader.take(length))
        seen.push(copy.buffer)
        return copy.buffer
      }
      case Tag.View: {
        const slot = seen.push(undefined) - 1
        const code = reader.u8()
        const type = VIEWS[code]
        if (type === undefined) throw fail(`unknown typed array ${code}`, at + 1)
        const buffer = read(depth + 1)
        if (!(buffer instanceof ArrayBuffer)) throw fail('a typed array over no buffer', at)
        const offset = reader.varint()
        const length = reader.varint()
        const size = type.BYTES_PER_ELEMENT
        if (offset % size !== 0 || offset + length * size > buffer.byteLength)
          throw fail(
            `a typed array of ${length} elements at ${offset} outside its buffer of ${buffer.byteLength} bytes`,
            at,
          )
        const view = new type(buffer, offset, length)
        seen[slot] = view
        return view
      }
      case Tag.Array: {
        const frozen = reader.u8()
        const length = count('array length')
        const array: unknown[] = []
        seen.push(array)
        for (let index = 0; index < length; index++) array.push(read(depth + 1))
        return frozen === 1 ? Object.freeze(array) : array
      }
      case Tag.Map: {
        const frozen = reader.u8()
        const size = count('map size')
        const map = new Map<unknown, unknown>()
        seen.push(map)
        for (let index = 0; index < size; index++) {
          const key = read(depth + 1)
          map.set(key, read(depth + 1))
        }
        return frozen === 1 ? Object.freeze(map) : map
      }
      case Tag.Set: {
        const frozen = reader.u8()
        const size = count('set size')
        const set = new Set<unknown>()
        seen.push(set)
        for (let index = 0; index < size; index++) set.add(read(depth + 1))
        return frozen === 1 ? Object.freeze(set) : set
      }
      case Tag.Object: {
        const frozen = reader.u8()
        const classId = reader.varint()
        let item: Record<string, unknown>
        if (classId === 0) item = {}
        else {
          const entry = classes[classId - 1]
          if (entry === undefined || entry.save !== undefined) throw fail(`unknown class ${classId}`, at + 2)
          item = Object.create(entry.prototype) as Record<string, unknown>
        }
        seen.push(item)
        const keys = count('key count')
        for (let index = 0; index < keys; index++) {
          const keyAt = reader.offset
          const key = string()
          if (FORBIDDEN_KEYS.has(key)) throw fail(`forbidden key '${key}'`, keyAt)
          if (Object.hasOwn(item, key)) throw fail(`duplicate key '${key}'`, keyAt)
          item[key] = read(depth + 1)
        }
        return frozen === 1 ? Object.freeze(item) : item
      }
      case Tag.Saved: {
        const index = reader.varint()
        const entry = classes[index]
        if (entry?.load === undefined) throw fail(`unknown class ${index}`, at + 1)
        const slot = seen.push(undefined) - 1
        const saved = read(depth + 1)
        let instance: object
        try {
          instance = entry.load(saved)
        } catch (error) {
          throw fail(`a ${entry.name} cannot be rebuilt: ${(error as Error).message}`, at)
        }
        seen[slot] = instance
        return instance
      }
      default:
        throw fail(`unknown value tag ${tag}`, at)
    }
  }
  const value = read(0)
  if (reader.remaining !== 0) throw fail(`${reader.remaining} bytes after the snapshot`, reader.offset)
  return value
}
