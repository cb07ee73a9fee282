// A page list (one decimal page number a line: `ntmm sweep --trace`'s usual input) read as bytes,
// as lackeyFileLines.ts reads a lackey file: each plain line (digits, then nothing but spaces or
// tabs up to `\n`) is parsed from the bytes into a read of one byte at the start of its page, with
// no string made; every other line (blank, a `#` comment, leading spaces, `\r\n`, a page number of
// more than 15 digits or beyond the last page, anything malformed) is handed over as text, for the
// format's own parser (memoryTraceFormats.ts), so the replay sees the same lines, accesses and errors.
// Splitting the text into a string per line and parsing each was a tenth of a sweep of a page list
// that mostly hits (docs/performance.md, issue 22's sweeps).

import { type AccessLineParser, type LackeyAccesses, readAccessFile } from './lackeyFileLines.js'
import type { LackeyLineSink } from './lackeyFileLines.js'
import { ACCESS_READ } from './memoryTraceFormats.js'

/** The plain-line parser of a page list of `pageSize`-byte pages (the format parser's rules). */
function pageListAccesses(pageSize: number): AccessLineParser {
  // The page-list parser's bound: a page whose address would pass 2^53 is no page.
  const maxPage = Math.floor(Number.MAX_SAFE_INTEGER / pageSize) - 1
  return (bytes: Uint8Array, start: number, out: LackeyAccesses): number => {
    const end = bytes.length
    const { kinds, addresses, sizes } = out
    const capacity = kinds.length
    let count = out.length
    let next = start
    while (count < capacity) {
      let index = next
      let page = 0
      for (; index < end; index++) {
        const code = bytes[index]!
        if (code < 48 || code > 57) break
        page = page * 10 + (code - 48)
      }
      if (index === next || index - next > 15 || page > maxPage) break
      while (index < end && (bytes[index] === 32 || bytes[index] === 9)) index++
      if (index >= end || bytes[index] !== 10) break
      kinds[count] = ACCESS_READ
      addresses[count] = page * pageSize
      sizes[count] = 1
      count++
      next = index + 1
    }
    out.length = count
    return next
  }
}

/**
 * Reads the page list at `path` (gunzipped when it ends in .gz) line by line into `sink`, as
 * readLackeyFile does a lackey file: plain lines parsed (reads of one byte at their page's start),
 * the others as text. Resolves when the file ends or the sink says stop.
 */
export function readPageListFile(path: string, pageSize: number, sink: LackeyLineSink): Promise<void> {
  return readAccessFile(path, sink, pageListAccesses(pageSize))
}
