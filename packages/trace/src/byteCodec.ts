// Byte-level writer and reader for the binary trace encoding: little-endian integers, LEB128
// varints up to 2^53 (arithmetic, no 32-bit truncation), zigzag for signed values, checksums.
// The reader checks every bound and reports the absolute byte offset. Internal to @ntmm/trace.

const utf8Encoder = new TextEncoder()

/** Bytes of `value`'s unsigned LEB128 (see {@link ByteWriter.varint}). */
function varintSize(value: number): number {
  let size = 1
  while (value >= 0x80) {
    value = Math.floor(value / 0x80)
    size++
  }
  return size
}

/** A growable byte buffer. */
export class ByteWriter {
  bytes: Uint8Array
  length = 0
  private readonly view: { data: DataView }

  constructor(capacity = 1 << 16) {
    this.bytes = new Uint8Array(capacity)
    this.view = { data: new DataView(this.bytes.buffer) }
  }

  /** Makes room for `extra` more bytes (then `bytes` may be written up to `length + extra`). */
  reserve(extra: number): void {
    this.ensure(extra)
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return
    let capacity = this.bytes.length * 2
    while (capacity < this.length + extra) capacity *= 2
    const bigger = new Uint8Array(capacity)
    bigger.set(this.bytes.subarray(0, this.length))
    this.bytes = bigger
    this.view.data = new DataView(bigger.buffer)
  }

  u8(value: number): void {
    this.ensure(1)
    this.bytes[this.length++] = value
  }

  u16(value: number): void {
    this.ensure(2)
    this.view.data.setUint16(this.length, value, true)
    this.length += 2
  }

  u32(value: number): void {
    this.ensure(4)
    this.view.data.setUint32(this.length, value, true)
    this.length += 4
  }

  f64(value: number): void {
    this.ensure(8)
    this.view.data.setFloat64(this.length, value, true)
    this.length += 8
  }

  /** Unsigned LEB128 of an integer in [0, 2^53). */
  varint(value: number): void {
    this.ensure(8)
    while (value >= 0x80) {
      this.bytes[this.length++] = (value % 0x80) | 0x80
      value = Math.floor(value / 0x80)
    }
    this.bytes[this.length++] = value
  }

  /** Zigzag-mapped signed integer with |value| < 2^52. */
  zigzag(value: number): void {
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1)
  }

  /**
   * A string as its UTF-8 byte length (varint) then its bytes, the same bytes as
   * `varint(encoded.length); raw(encoded)` of `new TextEncoder().encode(text)`, but encoded in
   * place: no array per string and no copy (a machine trace's rare events, JSON-encoded one by
   * one, spent ~9% of an `import -o` in `encode` and the copy of its result).
   */
  utf8(text: string): void {
    const units = text.length
    // UTF-8 takes 1 to 3 bytes per UTF-16 unit (a surrogate pair's 4 bytes are 2 per unit).
    this.ensure(8 + units * 3)
    const start = this.length
    const guess = varintSize(units)
    const at = start + guess
    const written = utf8Encoder.encodeInto(text, this.bytes.subarray(at, at + units * 3)).written
    const size = varintSize(written)
    // Non-ASCII text can have a byte length whose varint is longer than its unit count's.
    if (size !== guess) this.bytes.copyWithin(start + size, at, at + written)
    this.varint(written)
    this.length += written
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length)
    this.bytes.set(bytes, this.length)
    this.length += bytes.length
  }

  /** The written bytes (a view; copy before reusing the writer). */
  result(): Uint8Array {
    return this.bytes.subarray(0, this.length)
  }

  reset(): void {
    this.length = 0
  }
}

/** Thrown by ByteReader on a bound or range violation; converted to TraceFormatError by callers. */
export class ByteReadError extends Error {
  readonly offset: number
  constructor(reason: string, offset: number) {
    super(reason)
    this.offset = offset
  }
}

/** A bounds-checked reader over one buffer; `base` is the buffer's absolute offset in the input. */
export class ByteReader {
  readonly bytes: Uint8Array
  readonly base: number
  position = 0
  private readonly data: DataView

  constructor(bytes: Uint8Array, base = 0) {
    this.bytes = bytes
    this.base = base
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get remaining(): number {
    return this.bytes.length - this.position
  }

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.base + this.position
  }

  private need(count: number): void {
    if (this.position + count > this.bytes.length) {
      throw new ByteReadError(`truncated: needs ${count} more bytes, ${this.remaining} left`, this.offset)
    }
  }

  u8(): number {
    this.need(1)
    return this.bytes[this.position++] as number
  }

  u16(): number {
    this.need(2)
    const value = this.data.getUint16(this.position, true)
    this.position += 2
    return value
  }

  u32(): number {
    this.need(4)
    const value = this.data.getUint32(this.position, true)
    this.position += 4
    return value
  }

  f64(): number {
    this.need(8)
    const value = this.data.getFloat64(this.position, true)
    this.position += 8
    return value
  }

  /** Unsigned LEB128; refuses values at or above 2^53 and encodings longer than 8 bytes. */
  varint(): number {
    const start = this.offset
    let value = 0
    let scale = 1
    for (let index = 0; index < 8; index++) {
      const byte = this.u8()
      value += (byte & 0x7f) * scale
      if (byte < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) throw new ByteReadError('varint exceeds 2^53 - 1', start)
        return value
      }
      scale *= 0x80
    }
    throw new ByteReadError('varint longer than 8 bytes', start)
  }

  /** A varint that must be at most `max`. */
  bounded(max: number, what: string): number {
    const start = this.offset
    const value = this.varint()
    if (value > max) throw new ByteReadError(`${what} ${value} exceeds the limit ${max}`, start)
    return value
  }

  zigzag(): number {
    const value = this.varint()
    return value % 2 === 0 ? value / 2 : -(value + 1) / 2
  }

  /**
   * Reads `rows` integers coded as zigzag varints of their delta of delta (the binary trace's
   * integer columns) into `column`. Returns -1, or the first row whose value is not a safe
   * integer (the reader then stands right after its varint). Errors as `varint()` throws them.
   * One-byte varints, the common case, are read without a call: this loop decodes most of a
   * binary trace's bytes.
   */
  deltaOfDeltaColumn(column: Float64Array, rows: number): number {
    const bytes = this.bytes
    const end = bytes.length
    let position = this.position
    let previous = 0
    let previousDelta = 0
    for (let row = 0; row < rows; row++) {
      let raw: number
      const first = position < end ? (bytes[position] as number) : 0x80
      if (first < 0x80) {
        raw = first
        position++
      } else {
        this.position = position
        raw = this.varint()
        position = this.position
      }
      const delta = previousDelta + (raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2)
      const value = previous + delta
      if (!Number.isSafeInteger(value)) {
        this.position = position
        return row
      }
      column[row] = value
      previous = value
      previousDelta = delta
    }
    this.position = position
    return -1
  }

  take(count: number): Uint8Array {
    this.need(count)
    const slice = this.bytes.subarray(this.position, this.position + count)
    this.position += count
    return slice
  }
}

/** FNV-1a 32-bit checksum of `bytes`. */
export function checksum32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < bytes.length; index++) {
    hash = Math.imul(hash ^ (bytes[index] as number), 0x01000193)
  }
  return hash >>> 0
}
