// A lackey trace file read as bytes (gunzipped when it ends in .gz): the replay's fast path. Each
// line that is a plain lackey access (`I  04010173,3`, ` L 04222cac,8`, ` S …`, ` M …`, nothing
// after the size but spaces or tabs) is parsed from the bytes, with no string made; every other
// line (valgrind's chatter, a malformed or over-long line, one that crosses a chunk, any byte
// outside ASCII) is decoded and handed over as the text lineBatches would give, so the replay
// sees the same lines, the same accesses and the same errors as through lineSource.ts.

import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import { MAX_LINE_LENGTH } from './lineSource.js'
import {
  ACCESS_FETCH,
  ACCESS_MODIFY,
  ACCESS_READ,
  ACCESS_WRITE,
  MAX_LACKEY_SIZE,
} from './memoryTraceFormats.js'

/** How many plain access lines the reader parses before handing them over. */
const BATCH = 4096

/** Plain access lines, parsed: the first `length` entries of each array, in file order. */
export class LackeyAccesses {
  /** ACCESS_FETCH, ACCESS_READ, ACCESS_WRITE or ACCESS_MODIFY. */
  readonly kinds = new Uint8Array(BATCH)
  readonly addresses = new Float64Array(BATCH)
  readonly sizes = new Uint32Array(BATCH)
  length = 0
}

/** What the reader hands the lines to, in file order. */
export interface LackeyLineSink {
  /** Plain access lines, parsed (a batch of consecutive lines; the sink reads them before returning). */
  accesses(lines: LackeyAccesses): void
  /** Any other line, as text (at most MAX_LINE_LENGTH + 1 characters, as lineBatches cuts it). False: stop. */
  line(text: string): boolean
}

// A UTF-16 unit of decoded text comes from 1 to 3 bytes: the first 3 × (MAX_LINE_LENGTH + 1)
// bytes of a line, and 3 more for a sequence the cut splits, decode to at least the characters
// lineBatches keeps of it.
const HELD_BYTES = 3 * (MAX_LINE_LENGTH + 1) + 3

/**
 * Reads the lackey file at `path` line by line into `sink`: lines ending in `\n`, and a last line
 * without one unless empty (lineBatches' lines). Resolves when the file ends or the sink says stop.
 */
export async function readLackeyFile(path: string, sink: LackeyLineSink): Promise<void> {
  return readAccessFile(path, sink, parseAccesses)
}

/**
 * Parses the plain access lines from `start` of `bytes` into `out` (after its `length` entries),
 * each ending in `\n`, until `out` is full or a line is not plain or has no line end in `bytes`:
 * the index where that line starts. `parseAccesses` below for lackey; pageListFileLines.ts.
 */
export type AccessLineParser = (bytes: Uint8Array, start: number, out: LackeyAccesses) => number

/**
 * {@link readLackeyFile} for any format whose plain lines `parse` reads from the bytes (every other
 * line goes to `sink.line` as text, as lineBatches would give it).
 */
export async function readAccessFile(
  path: string,
  sink: LackeyLineSink,
  parse: AccessLineParser,
): Promise<void> {
  const file = createReadStream(path, { highWaterMark: 1 << 20 })
  const stream = path.endsWith('.gz') ? file.pipe(createGunzip({ chunkSize: 1 << 20 })) : file
  // The line in progress across chunks: its first HELD_BYTES bytes, and its full byte length.
  const held = new Uint8Array(HELD_BYTES)
  let heldLength = 0
  let carried = 0
  const parsed = new LackeyAccesses()
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0
      for (;;) {
        if (carried === 0) {
          // Nearly every line: parsed up to its line end, which the parser finds (no indexOf per line).
          start = parse(chunk, start, parsed)
          if (parsed.length === BATCH) {
            sink.accesses(parsed)
            parsed.length = 0
            continue
          }
        }
        // The access lines before this one go first.
        if (parsed.length > 0) {
          sink.accesses(parsed)
          parsed.length = 0
        }
        const end = chunk.indexOf(10, start)
        if (end < 0) break
        if (carried > 0) {
          const more = Math.min(end - start, HELD_BYTES - heldLength)
          held.set(chunk.subarray(start, start + more), heldLength)
          heldLength += more
          const go = sink.line(textOf(held, 0, heldLength))
          carried = 0
          heldLength = 0
          if (!go) return
        } else if (!sink.line(textOf(chunk, start, Math.min(end, start + HELD_BYTES)))) return
        start = end + 1
      }
      if (start < chunk.length) {
        const more = Math.min(chunk.length - start, HELD_BYTES - heldLength)
        held.set(chunk.subarray(start, start + more), heldLength)
        heldLength += more
        carried += chunk.length - start
      }
    }
    if (carried > 0) sink.line(textOf(held, 0, heldLength))
  } finally {
    file.destroy()
  }
}

/** The line `bytes[start, end)` as lineBatches gives it: UTF-8, cut to MAX_LINE_LENGTH + 1 characters. */
function textOf(bytes: Uint8Array, start: number, end: number): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8')
  return text.length > MAX_LINE_LENGTH + 1 ? text.slice(0, MAX_LINE_LENGTH + 1) : text
}

// A byte's value as a hex digit, or -1.
const HEX_DIGIT = new Int8Array(256).fill(-1)
for (let code = 48; code <= 57; code++) HEX_DIGIT[code] = code - 48
for (let code = 97; code <= 102; code++) HEX_DIGIT[code] = code - 87
for (let code = 65; code <= 70; code++) HEX_DIGIT[code] = code - 55
const MAX_SIZE = MAX_LACKEY_SIZE
const FETCH = ACCESS_FETCH
const READ = ACCESS_READ
const WRITE = ACCESS_WRITE
const MODIFY = ACCESS_MODIFY
// A data line's letter as its kind, or -1.
const DATA_KIND = new Int8Array(256).fill(-1)
DATA_KIND[76 /* L */] = READ
DATA_KIND[83 /* S */] = WRITE
DATA_KIND[77 /* M */] = MODIFY

/**
 * Parses the lines from `start` of `bytes` as plain lackey accesses, each ending in `\n`, into
 * `out` (after its `length` entries) until `out` is full or a line is no plain access or has no
 * line end in `bytes`: the index where that line starts (the caller then finds its end and hands
 * it over as text, for the format's own parser).
 */
function parseAccesses(bytes: Uint8Array, start: number, out: LackeyAccesses): number {
  const end = bytes.length
  const { kinds, addresses, sizes } = out
  const capacity = kinds.length
  const hex = HEX_DIGIT
  let count = out.length
  let next = start
  while (count < capacity) {
    let index = next
    // Nearly every line valgrind writes: a 3-byte prefix ('I  ', ' L ', ' S ', ' M '), 8 hex
    // digits (its %08lx), the comma, a size of one digit and the line end, read without a loop
    // or a branch per byte; the tables' -1 makes the OR negative for any other byte. Anything
    // else takes the general path below, which accepts the same lines with the same values.
    if (index + 13 < end && bytes[index + 11] === 44 /* , */ && bytes[index + 13] === 10 /* \n */) {
      const lead = bytes[index]!
      const letter = bytes[index + 1]!
      const prefix =
        bytes[index + 2] !== 32
          ? -1
          : lead === 73 /* I */
            ? letter === 32
              ? FETCH
              : -1
            : lead === 32
              ? DATA_KIND[letter]!
              : -1
      const h0 = hex[bytes[index + 3]!]!
      const h1 = hex[bytes[index + 4]!]!
      const h2 = hex[bytes[index + 5]!]!
      const h3 = hex[bytes[index + 6]!]!
      const h4 = hex[bytes[index + 7]!]!
      const h5 = hex[bytes[index + 8]!]!
      const h6 = hex[bytes[index + 9]!]!
      const h7 = hex[bytes[index + 10]!]!
      // The size less one: '1'..'9' as 0..8 (a '0' wraps past 8 and goes the general way).
      const less = bytes[index + 12]! - 49
      if ((prefix | h0 | h1 | h2 | h3 | h4 | h5 | h6 | h7) >= 0 && less >>> 0 < 9) {
        kinds[count] = prefix
        addresses[count] =
          ((h0 << 28) | (h1 << 24) | (h2 << 20) | (h3 << 16) | (h4 << 12) | (h5 << 8) | (h6 << 4) | h7) >>> 0
        sizes[count] = less + 1
        count++
        next = index + 14
        continue
      }
    }
    let kind: number
    const first = bytes[index]
    if (first === 73 /* I */) {
      kind = FETCH
      index++
    } else if (first === 32) {
      const letter = bytes[index + 1]
      if (letter === 76 /* L */) kind = READ
      else if (letter === 83 /* S */) kind = WRITE
      else if (letter === 77 /* M */) kind = MODIFY
      else break
      index += 2
    } else break
    while (index < end && (bytes[index] === 32 || bytes[index] === 9)) index++
    let address = 0
    const hexStart = index
    for (; index < end; index++) {
      const digit = hex[bytes[index]!]!
      if (digit < 0) break
      address = address * 16 + digit
    }
    if (index === hexStart || index - hexStart > 13 || index >= end || bytes[index] !== 44 /* , */) break
    index++
    let size = 0
    const decimalStart = index
    for (; index < end; index++) {
      const code = bytes[index]!
      if (code < 48 || code > 57) break
      size = size * 10 + (code - 48)
    }
    if (index === decimalStart || index - decimalStart > 15 || size === 0 || size > MAX_SIZE) break
    while (index < end && (bytes[index] === 32 || bytes[index] === 9)) index++
    if (index >= end || bytes[index] !== 10) break
    kinds[count] = kind
    addresses[count] = address
    sizes[count] = size
    count++
    next = index + 1
  }
  out.length = count
  return next
}
