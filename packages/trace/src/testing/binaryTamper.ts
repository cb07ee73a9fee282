// Helpers for hostile-input tests of the binary encoding: take a valid file apart (preamble,
// block frames, index, trailer) and put crafted pieces back together with valid checksums, so
// each test breaks exactly one rule of docs/trace-format.md.
import { checksum32 } from '../byteCodec.js'

const FRAME_BYTES = 14
const TRAILER_BYTES = 16

/** Where the pieces of a binary trace lie. */
export interface BinaryLayout {
  readonly preambleEnd: number
  /** Events blocks then the index block, as framed. */
  readonly frames: readonly { offset: number; tag: number; codec: number; stored: number; raw: number }[]
  readonly indexOffset: number
  readonly trailerOffset: number
}

const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/** The layout of a valid binary trace. */
export function layoutOf(bytes: Uint8Array): BinaryLayout {
  const data = view(bytes)
  const preambleEnd = 16 + data.getUint32(12, true)
  const frames: BinaryLayout['frames'][number][] = []
  let offset = preambleEnd
  for (;;) {
    const frame = {
      offset,
      tag: data.getUint8(offset),
      codec: data.getUint8(offset + 1),
      stored: data.getUint32(offset + 2, true),
      raw: data.getUint32(offset + 6, true),
    }
    frames.push(frame)
    offset += FRAME_BYTES + frame.stored
    if (frame.tag === 2) break
  }
  return {
    preambleEnd,
    frames,
    indexOffset: (frames.at(-1) as { offset: number }).offset,
    trailerOffset: offset,
  }
}

/** The index of a valid binary trace, parsed. */
export function indexOf(bytes: Uint8Array): {
  events: number
  blocks: { offset: number; firstSeq: number; count: number }[]
  checkpoints: { seq: number; digest: string }[]
} {
  const { indexOffset, trailerOffset } = layoutOf(bytes)
  return JSON.parse(new TextDecoder().decode(bytes.subarray(indexOffset + FRAME_BYTES, trailerOffset)))
}

/** A block frame around `stored` (checksum computed; `raw` defaults to the stored length). */
export function frame(tag: number, codec: number, stored: Uint8Array, raw = stored.length): Uint8Array {
  const out = new Uint8Array(FRAME_BYTES + stored.length)
  const data = view(out)
  data.setUint8(0, tag)
  data.setUint8(1, codec)
  data.setUint32(2, stored.length, true)
  data.setUint32(6, raw, true)
  data.setUint32(10, checksum32(stored), true)
  out.set(stored, FRAME_BYTES)
  return out
}

/** A trailer pointing at `indexOffset`. */
export function trailer(indexOffset: number): Uint8Array {
  const out = new Uint8Array(TRAILER_BYTES)
  view(out).setUint32(0, indexOffset % 2 ** 32, true)
  view(out).setUint32(4, Math.floor(indexOffset / 2 ** 32), true)
  out.set(new TextEncoder().encode('NTMMEND!'), 8)
  return out
}

/** Concatenates byte arrays. */
export function join(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * `bytes` with its index block replaced by `index` (JSON, framed uncompressed unless `stored`
 * is given) and the trailer pointing at it, or at `trailerOffset` when given.
 */
export function withIndex(
  bytes: Uint8Array,
  index: unknown,
  options: { readonly codec?: number; readonly stored?: Uint8Array; readonly trailerOffset?: number } = {},
): Uint8Array {
  const { indexOffset } = layoutOf(bytes)
  const raw = new TextEncoder().encode(JSON.stringify(index))
  const indexFrame = frame(2, options.codec ?? 0, options.stored ?? raw, raw.length)
  return join(bytes.subarray(0, indexOffset), indexFrame, trailer(options.trailerOffset ?? indexOffset))
}

/** Unsigned LEB128 of `value`. */
export function varint(value: number): number[] {
  const out: number[] = []
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80)
    value = Math.floor(value / 0x80)
  }
  out.push(value)
  return out
}

/** A random-access source over `bytes` that logs every read as [offset, length]. */
export function loggingSource(bytes: Uint8Array): {
  readonly size: number
  readonly reads: [number, number][]
  read(offset: number, length: number): Promise<Uint8Array>
} {
  const reads: [number, number][] = []
  return {
    size: bytes.length,
    reads,
    read: async (offset, length) => {
      reads.push([offset, length])
      return bytes.subarray(offset, Math.min(bytes.length, offset + length))
    },
  }
}
