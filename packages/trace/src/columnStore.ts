// Chunked typed-array storage for the trace log: a column is a list of fixed-size chunks, so
// growth never copies what is already stored (only the first, small chunk doubles in place until
// it reaches the chunk size). Internal to @ntmm/trace.
import type { NumericFieldType } from './traceSchema.js'

/** Rows per chunk: 2^16. Seq → (chunk, offset) is a shift and a mask. */
export const CHUNK_BITS = 16
export const CHUNK_SIZE = 1 << CHUNK_BITS
export const CHUNK_MASK = CHUNK_SIZE - 1
/** Capacity of the first chunk of a column; it doubles up to CHUNK_SIZE. */
const FIRST_CHUNK_CAPACITY = 256

/**
 * Any typed array a column chunk may be: its field's own type, or for a full chunk the narrowest
 * array that holds every value of it exactly (see `narrowChunk`).
 */
export type ColumnArray =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float64Array

export const COLUMN_CONSTRUCTORS: Readonly<Record<NumericFieldType, ColumnConstructor>> = {
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f64: Float64Array,
}

/**
 * Smallest and largest value each field type accepts. f64 takes any finite number within
 * ±(2^53 − 1), the bound every trace reader enforces on numbers (integers are exact there).
 */
export const FIELD_RANGES: Readonly<Record<NumericFieldType, readonly [number, number]>> = {
  u8: [0, 0xff],
  u16: [0, 0xffff],
  u32: [0, 0xffffffff],
  i32: [-0x80000000, 0x7fffffff],
  f64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
}

/**
 * The index of the first value of `column` that {@link fitsField} refuses for `type`, or -1: the
 * same test over a whole decoded column, the range read once.
 */
export function firstMisfit(type: NumericFieldType, column: Float64Array): number {
  const [low, high] = FIELD_RANGES[type]
  const integral = type !== 'f64'
  for (let index = 0; index < column.length; index++) {
    const value = column[index] as number
    // NaN fails both comparisons; ±Infinity is out of every range.
    if (!(value >= low && value <= high) || (integral && Math.floor(value) !== value)) return index
  }
  return -1
}

/** True when `value` can be stored in a field of `type` without change. */
export function fitsField(type: NumericFieldType, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false
  const [low, high] = FIELD_RANGES[type]
  return (type === 'f64' || Number.isInteger(value)) && value >= low && value <= high
}

/** The smallest and largest value of a chunk. */
type Range = readonly [number, number]

/**
 * The range of an f64 chunk of integers within [−2^31, 2^32), or undefined when a value is not
 * one (a fraction, NaN, ±Infinity, out of range, or −0, which an integer array would store as 0).
 */
function floatRange(chunk: Float64Array): Range | undefined {
  let low = 0
  let high = 0
  for (let index = 0; index < chunk.length; index++) {
    const value = chunk[index] as number
    if ((value | 0) !== value && value >>> 0 !== value) return undefined
    if (value === 0 && 1 / value < 0) return undefined
    if (value < low) low = value
    else if (value > high) high = value
  }
  return [low, high]
}

function uint32Range(chunk: Uint32Array): Range {
  let high = 0
  for (let index = 0; index < chunk.length; index++)
    if ((chunk[index] as number) > high) high = chunk[index] as number
  return [0, high]
}

function uint16Range(chunk: Uint16Array): Range {
  let high = 0
  for (let index = 0; index < chunk.length; index++)
    if ((chunk[index] as number) > high) high = chunk[index] as number
  return [0, high]
}

function int32Range(chunk: Int32Array): Range {
  let low = 0
  let high = 0
  for (let index = 0; index < chunk.length; index++) {
    const value = chunk[index] as number
    if (value < low) low = value
    else if (value > high) high = value
  }
  return [low, high]
}

function int16Range(chunk: Int16Array): Range {
  let low = 0
  let high = 0
  for (let index = 0; index < chunk.length; index++) {
    const value = chunk[index] as number
    if (value < low) low = value
    else if (value > high) high = value
  }
  return [low, high]
}

/**
 * The narrowest typed array holding every value of `chunk` exactly (the same numbers, -0 and NaN
 * included), or undefined when none is narrower than `chunk` itself. Used on a full chunk, which
 * nothing writes again: a machine trace declares addresses and ages f64 and pids u32 for the
 * values they may take, while a chunk's values mostly fit 1 to 4 bytes (measured on the bench's
 * big trace: a loaded trace's columns shrink from 29.4 to about 13 bytes per event).
 */
export function narrowChunk(chunk: ColumnArray): ColumnArray | undefined {
  if (chunk instanceof Uint8Array || chunk instanceof Int8Array || chunk.length === 0) return undefined
  // One scan per array type, so each loop reads one element kind (a shared loop over every type
  // was a polymorphic read per value: 4% of loading a machine trace, measured).
  let range: Range
  if (chunk instanceof Float64Array) {
    const found = floatRange(chunk)
    if (found === undefined) return undefined
    range = found
  } else if (chunk instanceof Uint32Array) range = uint32Range(chunk)
  else if (chunk instanceof Int32Array) range = int32Range(chunk)
  else if (chunk instanceof Uint16Array) range = uint16Range(chunk)
  else range = int16Range(chunk)
  const [low, high] = range
  const bytes = chunk.BYTES_PER_ELEMENT
  let Narrow: ColumnConstructor | undefined
  if (low >= 0) {
    if (high <= 0xff) Narrow = Uint8Array
    else if (high <= 0xffff) Narrow = Uint16Array
    else if (high <= 0xffffffff) Narrow = Uint32Array
  } else if (low >= -0x80 && high <= 0x7f) Narrow = Int8Array
  else if (low >= -0x8000 && high <= 0x7fff) Narrow = Int16Array
  else if (low >= -0x80000000 && high <= 0x7fffffff) Narrow = Int32Array
  if (Narrow === undefined || Narrow.BYTES_PER_ELEMENT >= bytes) return undefined
  const narrow = new Narrow(chunk.length)
  narrow.set(chunk)
  return narrow
}

/** A typed-array constructor a column is made of (fresh arrays and views of a buffer). */
export interface ColumnConstructor<A extends ColumnArray = ColumnArray> {
  new (length: number): A
  new (buffer: ArrayBuffer, byteOffset: number, length: number): A
  readonly BYTES_PER_ELEMENT: number
}

/**
 * A growable column of one element type, chunked. `chunks[c]` holds rows
 * `[c * CHUNK_SIZE, (c + 1) * CHUNK_SIZE)`; only the last chunk may be partly filled.
 *
 * Chunks reserved together are views of one buffer, and `spans[c]` is then a view of that buffer
 * from chunk `c` to its end: an appender writes a reserved stretch through it without stopping
 * at each chunk's end (a stop is a call in the producer's loop, which costs it more than the
 * stop itself: measured, 2.0× → 1.8× a bare Int32Array loop).
 */
export class ChunkedColumn<A extends ColumnArray = ColumnArray> {
  /**
   * Full chunks may be narrower arrays than `A` (see `narrowChunk`): only the current chunk
   * and reserved ones are always of the column's own type, the ones appenders write into.
   */
  readonly chunks: ColumnArray[] = []
  /** Per chunk reserved with later ones: a view from its first row to the reservation's end. */
  readonly spans: (A | undefined)[] = []
  /** The chunk rows are appended to, and its first row. */
  current: A
  base = 0
  private readonly Make: ColumnConstructor<A>

  constructor(Make: ColumnConstructor<A>) {
    this.Make = Make
    this.current = new Make(FIRST_CHUNK_CAPACITY)
    this.chunks.push(this.current)
  }

  /**
   * Makes room for row `row` (the next row to append: at most the end of the stretch the current
   * chunk's span covers); returns its offset in its chunk, which becomes the current one.
   */
  grow(row: number): number {
    const offset = row - this.base
    if (offset < this.current.length) return offset
    if (this.current.length < CHUNK_SIZE) {
      const bigger = new this.Make(Math.min(CHUNK_SIZE, this.current.length * 2))
      bigger.set(this.current)
      this.current = bigger
      this.chunks[this.chunks.length - 1] = bigger
      return offset
    }
    const next = row >>> CHUNK_BITS
    this.base = next << CHUNK_BITS
    this.narrow(next - 1)
    const reserved = this.chunks[next]
    if (reserved !== undefined) {
      this.current = reserved as A
      return row - this.base
    }
    if (next !== this.chunks.length) throw new RangeError(`row ${row} skips chunks of the column`)
    this.current = new this.Make(CHUNK_SIZE)
    this.chunks.push(this.current)
    return row - this.base
  }

  /**
   * Replaces full chunk `chunk` (which nothing writes again: rows are appended in order) by the
   * narrowest array holding its values, unless it is a view of a reserved buffer (narrowing it
   * would free nothing, and an appender may still write through the reservation's span).
   */
  private narrow(chunk: number): void {
    const full = this.chunks[chunk]
    if (full === undefined || full.length !== CHUNK_SIZE || this.spans[chunk] !== undefined) return
    const narrow = narrowChunk(full)
    if (narrow !== undefined) this.chunks[chunk] = narrow
  }

  /** Where rows from the current chunk on may be written: its span, or the chunk itself. */
  writable(): A {
    return this.spans[this.base >>> CHUNK_BITS] ?? this.current
  }

  /**
   * Allocates every chunk up to `rows` rows, as views of one buffer (touched, so the operating
   * system maps the pages now rather than on the append path), with their spans.
   */
  reserve(rows: number): void {
    if (rows <= this.base + this.current.length) return
    const current = this.base >>> CHUNK_BITS
    // A partly grown current chunk moves into the new buffer; later chunks are added after it.
    const start = this.current.length < CHUNK_SIZE ? current : this.chunks.length
    const end = Math.ceil(rows / CHUNK_SIZE)
    if (start >= end) return
    const count = end - start
    const bytes = this.Make.BYTES_PER_ELEMENT
    const buffer = new ArrayBuffer(count * CHUNK_SIZE * bytes)
    new Uint8Array(buffer).fill(0)
    for (let index = 0; index < count; index++) {
      const offset = index * CHUNK_SIZE * bytes
      const chunk = new this.Make(buffer, offset, CHUNK_SIZE)
      if (start + index === current && this.current.length < CHUNK_SIZE) {
        chunk.set(this.current)
        this.current = chunk
      }
      this.chunks[start + index] = chunk
      this.spans[start + index] = new this.Make(buffer, offset, (count - index) * CHUNK_SIZE)
    }
  }

  /** The value at `row` (no bounds check beyond the typed array's own). */
  get(row: number): number {
    return (this.chunks[row >>> CHUNK_BITS] as ColumnArray)[row & CHUNK_MASK] as number
  }

  /** Bytes allocated by the chunks. */
  byteLength(): number {
    let bytes = 0
    for (const chunk of this.chunks) bytes += chunk.byteLength
    return bytes
  }
}
