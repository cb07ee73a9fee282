// Parsers of the memory-access trace formats people already have, one line at a time, and the
// detection of which format a file uses:
// - valgrind lackey `--trace-mem=yes`: `I  04010173,3`, ` L 04222cac,8`, ` S …`, ` M …` (M is a
//   load then a store); `==pid==` lines are valgrind's messages;
// - the classic course traces: `0041f7a0 R` (hex address, R or W) and `l 0x1fffff50 1` /
//   `s 0x… n` (load or store, hex address, then the instructions since the previous access);
// - Pin's pinatrace: `0x400519: W 0x7fff5b3c` (instruction pointer, R/W, address), `#eof`;
// - a plain list of page numbers (OSTEP's paging-policy exercises), one per line.
// Parsing is hand-written over char codes: the importer must not be the bottleneck of a replay.

/** The formats understood. */
export type MemoryTraceFormat = 'lackey' | 'course' | 'course-ls' | 'pinatrace' | 'page-list'

/** Every format name. */
export const MEMORY_TRACE_FORMATS: readonly MemoryTraceFormat[] = [
  'lackey',
  'course',
  'course-ls',
  'pinatrace',
  'page-list',
]

/** Access kinds: 0 read, 1 write, 2 modify (read then write), 8 instruction fetch. */
export const ACCESS_READ = 0
/** Access kind of a parsed trace line: a data write. */
export const ACCESS_WRITE = 1
/** Access kind of a parsed trace line: a read-modify-write (lackey `M`). */
export const ACCESS_MODIFY = 2
/** Access kind of a parsed trace line: an instruction fetch. */
export const ACCESS_FETCH = 8

/**
 * Where a parser puts one line's access (no object per line): `kind` (an ACCESS_* code, or -1 for
 * a line that holds no access, e.g. a comment), `address`, `size`.
 */
export class ParsedAccess {
  kind = -1
  address = 0
  size = 0
}

/** A line parser: fills `out` and returns undefined, or returns the reason the line is malformed. */
export type LineParser = (line: string, out: ParsedAccess) => string | undefined

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 97 && code <= 102) return code - 87
  if (code >= 65 && code <= 70) return code - 55
  return -1
}

/** Parse hex digits from `start`; returns the end index, value in `scratch.value`; -1 if none. */
function readHex(line: string, start: number, scratch: { value: number }): number {
  let value = 0
  let index = start
  for (; index < line.length; index++) {
    const digit = hexDigit(line.charCodeAt(index))
    if (digit < 0) break
    value = value * 16 + digit
  }
  if (index === start || index - start > 13) return -1
  scratch.value = value
  return index
}

function readDecimal(line: string, start: number, scratch: { value: number }): number {
  let value = 0
  let index = start
  for (; index < line.length; index++) {
    const code = line.charCodeAt(index)
    if (code < 48 || code > 57) break
    value = value * 10 + (code - 48)
  }
  if (index === start || index - start > 15) return -1
  scratch.value = value
  return index
}

function skipSpaces(line: string, index: number): number {
  while (index < line.length && (line.charCodeAt(index) === 32 || line.charCodeAt(index) === 9)) index++
  return index
}

function isBlank(line: string): boolean {
  return (
    skipSpaces(line, 0) === line.length ||
    (line.length > 0 && line.charCodeAt(line.length - 1) === 13 && skipSpaces(line, 0) === line.length - 1)
  )
}

function trailingOk(line: string, index: number): boolean {
  return skipSpaces(line, index) >= line.length || line.charCodeAt(skipSpaces(line, index)) === 13
}

const scratch = { value: 0 }

/**
 * The largest access lackey traces, in bytes: valgrind's lackey asserts every data access it
 * records is at most 512 bytes (`MAX_DSIZE` in lk_main.c) and every instruction at most 20 (its
 * largest instruction size). A bigger size is no lackey output.
 */
export const MAX_LACKEY_SIZE = 512

/** A lackey line that is not an access: blank, or valgrind's `==pid==` / `--pid--` chatter. */
function lackeySkips(line: string): boolean {
  return isBlank(line) || line.startsWith('==') || line.startsWith('--')
}

const lackey: LineParser = (line, out) => {
  out.kind = -1
  // The access lines first (nearly every line): their first two characters tell.
  let kind: number
  let index: number
  const first = line.charCodeAt(0)
  if (first === 73 /* I */) {
    kind = ACCESS_FETCH
    index = 1
  } else if (first === 32) {
    const letter = line.charCodeAt(1)
    if (letter === 76 /* L */) kind = ACCESS_READ
    else if (letter === 83 /* S */) kind = ACCESS_WRITE
    else if (letter === 77 /* M */) kind = ACCESS_MODIFY
    else return lackeySkips(line) ? undefined : 'expected I, L, S or M'
    index = 2
  } else return lackeySkips(line) ? undefined : 'expected I, L, S or M'
  index = skipSpaces(line, index)
  index = readHex(line, index, scratch)
  if (index < 0) return 'expected a hex address'
  out.address = scratch.value
  if (line.charCodeAt(index) !== 44 /* , */) return 'expected ",size" after the address'
  index = readDecimal(line, index + 1, scratch)
  if (index < 0 || scratch.value === 0 || scratch.value > MAX_LACKEY_SIZE)
    return `expected a decimal size from 1 to ${MAX_LACKEY_SIZE}`
  if (!trailingOk(line, index)) return 'unexpected text after the size'
  out.size = scratch.value
  out.kind = kind
  return undefined
}

const course: LineParser = (line, out) => {
  out.kind = -1
  if (isBlank(line) || line.startsWith('#')) return undefined
  let index = skipSpaces(line, 0)
  if (line.startsWith('0x', index) || line.startsWith('0X', index)) index += 2
  index = readHex(line, index, scratch)
  if (index < 0) return 'expected a hex address'
  out.address = scratch.value
  const after = skipSpaces(line, index)
  if (after === index) return 'expected a space and R or W after the address'
  const letter = line.charCodeAt(after) | 0x20
  if (letter === 114 /* r */) out.kind = ACCESS_READ
  else if (letter === 119 /* w */) out.kind = ACCESS_WRITE
  else return 'expected R or W'
  if (!trailingOk(line, after + 1)) {
    out.kind = -1
    return 'unexpected text after R/W'
  }
  out.size = 4
  return undefined
}

const courseLoadStore: LineParser = (line, out) => {
  out.kind = -1
  if (isBlank(line) || line.startsWith('#')) return undefined
  let index = skipSpaces(line, 0)
  const letter = line.charCodeAt(index) | 0x20
  if (letter === 108 /* l */) out.kind = ACCESS_READ
  else if (letter === 115 /* s */) out.kind = ACCESS_WRITE
  else return 'expected l or s'
  index = skipSpaces(line, index + 1)
  if (line.startsWith('0x', index) || line.startsWith('0X', index)) index += 2
  index = readHex(line, index, scratch)
  if (index < 0) {
    out.kind = -1
    return 'expected a hex address'
  }
  out.address = scratch.value
  index = skipSpaces(line, index)
  if (index < line.length && line.charCodeAt(index) !== 13) {
    index = readDecimal(line, index, scratch)
    if (index < 0 || !trailingOk(line, index)) {
      out.kind = -1
      return 'expected the instruction count (decimal)'
    }
  }
  out.size = 4
  return undefined
}

const pinatrace: LineParser = (line, out) => {
  out.kind = -1
  if (isBlank(line) || line.startsWith('#')) return undefined
  let index = skipSpaces(line, 0)
  if (line.startsWith('0x', index)) index += 2
  index = readHex(line, index, scratch)
  if (index < 0 || line.charCodeAt(index) !== 58 /* : */) return 'expected "ip:"'
  index = skipSpaces(line, index + 1)
  const letter = line.charCodeAt(index) | 0x20
  if (letter === 114) out.kind = ACCESS_READ
  else if (letter === 119) out.kind = ACCESS_WRITE
  else return 'expected R or W'
  index = skipSpaces(line, index + 1)
  if (line.startsWith('0x', index)) index += 2
  index = readHex(line, index, scratch)
  if (index < 0 || !trailingOk(line, index)) {
    out.kind = -1
    return 'expected a hex address'
  }
  out.address = scratch.value
  out.size = 1
  return undefined
}

function pageList(pageSize: number): LineParser {
  const maxPage = Math.floor(Number.MAX_SAFE_INTEGER / pageSize) - 1
  return (line, out) => {
    out.kind = -1
    if (isBlank(line) || line.startsWith('#')) return undefined
    const index = readDecimal(line, skipSpaces(line, 0), scratch)
    if (index < 0 || !trailingOk(line, index)) return 'expected a decimal page number'
    // Addresses are exact integers (below 2^53): a page number beyond that is no page.
    if (scratch.value > maxPage) return `page number ${scratch.value} is beyond the last page (${maxPage})`
    out.kind = ACCESS_READ
    out.address = scratch.value * pageSize
    out.size = 1
    return undefined
  }
}

/** The line parser of `format` (`pageSize` for page lists, default 4096). */
export function lineParser(
  format: MemoryTraceFormat,
  options: { readonly pageSize?: number } = {},
): LineParser {
  switch (format) {
    case 'lackey':
      return lackey
    case 'course':
      return course
    case 'course-ls':
      return courseLoadStore
    case 'pinatrace':
      return pinatrace
    case 'page-list':
      return pageList(options.pageSize ?? 4096)
  }
}

const DETECTORS: readonly [MemoryTraceFormat, RegExp][] = [
  ['lackey', /^(I {1,2}[0-9a-fA-F]+,\d+|\s[LSM] [0-9a-fA-F]+,\d+)\s*$/],
  ['pinatrace', /^(0x)?[0-9a-fA-F]+:\s*[RW]\s+(0x)?[0-9a-fA-F]+\s*$/],
  ['course-ls', /^\s*[ls]\s+(0x)?[0-9a-fA-F]+(\s+\d+)?\s*$/],
  ['page-list', /^\s*\d+\s*$/],
  ['course', /^\s*(0x)?[0-9a-fA-F]+\s+[RWrw]\s*$/],
]

/**
 * Which format `lines` (the first lines of a trace) use: the format every one of up to 50
 * meaningful lines matches, or undefined. Valgrind's `==pid==` lines and `#` comments are skipped.
 */
export function detectMemoryTraceFormat(lines: readonly string[]): MemoryTraceFormat | undefined {
  const meaningful = lines
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '' && !line.startsWith('==') && !line.startsWith('#'))
    .slice(0, 50)
  if (meaningful.length === 0) return undefined
  for (const [format, pattern] of DETECTORS) {
    if (meaningful.every((line) => pattern.test(line))) return format
  }
  // Page numbers are also valid hex: prefer the most specific match, which the order above gives.
  return undefined
}
