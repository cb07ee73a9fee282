// Lines of a text file, streamed: a file (gunzipped through node:zlib when it ends in .gz), an
// async iterable of chunks or lines, or an array of lines. Splitting chunks by hand is several
// times faster than node:readline, and holds one chunk at a time.
//
// Lines are bounded: a memory-trace line is a few dozen characters, so a line longer than
// MAX_LINE_LENGTH is malformed. Its first MAX_LINE_LENGTH + 1 characters stand for it (long
// enough for the consumer to refuse it, with its line number); the rest is dropped as it is read,
// up to the next line end, where reading resynchronises. A file of one 400 MB line (or a sparse
// file of zeros) is read in bounded memory and linear time: nothing holds more of a line than
// the bound.

import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'

/** Where a memory trace comes from: a file path, or lines (sync or async). */
export type LineInput = string | Iterable<string> | AsyncIterable<string>

/** The longest line of a memory trace, in characters: longer lines are malformed. */
export const MAX_LINE_LENGTH = 4096

/**
 * Batches of lines from `input` (a batch per chunk read; arrays come in one batch). A line of a
 * file longer than `MAX_LINE_LENGTH` (4096) characters comes as its first 4097 characters; lines
 * given as strings come as they are (the consumer checks their length). `onRead` is called after
 * each chunk of a file is split, with its characters and the characters held for the line still
 * in progress (at most 4097): progress, and the bound observed. `peek`: a file's first batch only,
 * and of it only its first `peek` lines (what format detection reads: the rest of a 1 MiB chunk is
 * not split into strings only to be dropped).
 */
export async function* lineBatches(
  input: LineInput,
  options: { readonly onRead?: (characters: number, held: number) => void; readonly peek?: number } = {},
): AsyncGenerator<readonly string[]> {
  if (typeof input !== 'string') {
    if (Array.isArray(input)) {
      yield input as readonly string[]
      return
    }
    let batch: string[] = []
    for await (const line of input as AsyncIterable<string>) {
      batch.push(line)
      if (batch.length >= 4096) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
    return
  }
  const file = createReadStream(input, { highWaterMark: 1 << 20 })
  const stream = input.endsWith('.gz') ? file.pipe(createGunzip({ chunkSize: 1 << 20 })) : file
  stream.setEncoding('utf8')
  try {
    yield* splitLines(stream as AsyncIterable<string>, options)
  } finally {
    file.destroy()
  }
}

/** Splits text chunks into batches of lines, holding at most `MAX_LINE_LENGTH + 1` characters of a line. */
async function* splitLines(
  chunks: AsyncIterable<string>,
  options: { readonly onRead?: (characters: number, held: number) => void; readonly peek?: number },
): AsyncGenerator<string[]> {
  const peek = options.peek ?? Number.POSITIVE_INFINITY
  const limit = MAX_LINE_LENGTH + 1
  // The line in progress: its first characters (at most `limit`), and whether it overflowed
  // (then it was handed out already, and the rest of it is dropped up to its line end).
  let carry = ''
  let overflowed = false
  for await (const chunk of chunks) {
    const lines: string[] = []
    let start = 0
    for (;;) {
      if (lines.length >= peek) {
        // The first batch's first `peek` lines: what follows them is never read.
        yield lines
        return
      }
      const end = chunk.indexOf('\n', start)
      if (end < 0) break
      if (!overflowed) {
        const line = carry + chunk.slice(start, Math.min(end, start + limit - carry.length))
        lines.push(line)
      }
      carry = ''
      overflowed = false
      start = end + 1
    }
    if (!overflowed && start < chunk.length) {
      carry += chunk.slice(start, Math.min(chunk.length, start + limit - carry.length))
      if (carry.length >= limit) {
        // Over-long: hand out its head now (a consumer stopping at it reads no further), drop the rest.
        lines.push(carry)
        carry = ''
        overflowed = true
      }
    }
    options.onRead?.(chunk.length, carry.length)
    if (lines.length > 0) yield lines
  }
  if (!overflowed && carry !== '') yield [carry]
}
