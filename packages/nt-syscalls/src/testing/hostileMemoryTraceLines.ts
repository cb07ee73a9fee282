// Junk for the memory-trace importers (issue 18, points 5 and 6), shared by
// importers/hostileMemoryTraces.test.ts and the soak (apps/demo/src/testing/hostileSoak.ts): the
// lines that once threw or ran away (lackey sizes beyond 512 bytes, terminal escapes, over-long
// lines) and random lines of every format, well-formed or damaged (cut, a character replaced, a
// number beyond range). No NT counterpart: what valgrind, Pin and course tools leave in files.
import { MAX_LINE_LENGTH } from '../importers/lineSource.js'
import { MEMORY_TRACE_FORMATS, type MemoryTraceFormat } from '../importers/memoryTraceFormats.js'
import type { SeededRandom } from './seededRandom.js'

/** Lackey lines whose size no lackey writes (at most 512 bytes): malformed, never a RangeError. */
export const HOSTILE_LACKEY_SIZE_LINES: readonly string[] = [
  ' L 00020000,4294967295',
  ' S 00020000,4294967295',
  'I  00020000,4294967295',
  ' M 00020000,999999999999999',
  ' L 00020000,513',
]

/** A line of terminal escapes, NUL and CR, longer than a report quotes. */
export const CONTROL_CHARACTER_LINE = `\u001b[2J\u001b]0;pwned\u0007 L 0002\u0000\r${'z'.repeat(10_000)}`

const hex = (random: SeededRandom, digits: number): string =>
  Array.from({ length: digits }, () => '0123456789abcdef'[random.below(16)]).join('')

/** A well-formed line of `format` near the low 16 MiB of user space. */
function validLine(format: MemoryTraceFormat, random: SeededRandom): string {
  const address = (0x20000 + random.below(0x1000000)).toString(16).padStart(8, '0')
  switch (format) {
    case 'lackey':
      return `${random.pick(['I ', ' L', ' S', ' M'])} ${address},${1 + random.below(16)}`
    case 'course':
      return `${address} ${random.pick(['R', 'W'])}`
    case 'course-ls':
      return `${random.pick(['l', 's'])} 0x${address} ${random.below(20)}`
    case 'pinatrace':
      return `0x${hex(random, 6)}: ${random.pick(['R', 'W'])} 0x${address}`
    case 'page-list':
      return String(random.below(4096))
  }
}

/** Replacement characters for a damaged line: separators, signs, letters, controls, non-ASCII. */
const DAMAGE = [' ', ',', ':', '-', '+', 'x', 'g', 'Z', '\t', '\u0000', '\u001b', 'é', '💥', '9']

/** A line of `format`: well-formed, damaged, or one of the known hostile ones. */
export function hostileMemoryTraceLine(format: MemoryTraceFormat, random: SeededRandom): string {
  const line = validLine(format, random)
  switch (random.below(12)) {
    case 0:
      return line.slice(0, random.below(line.length))
    case 1: {
      const at = random.below(line.length)
      return `${line.slice(0, at)}${random.pick(DAMAGE)}${line.slice(at + 1)}`
    }
    case 2:
      return line.replace(/\d+$/, random.pick(['4294967295', '999999999999999', '513', '-1', '1e309', '0']))
    case 3:
      return random.pick(HOSTILE_LACKEY_SIZE_LINES)
    case 4:
      return random.below(8) === 0 ? CONTROL_CHARACTER_LINE : `${line}${'x'.repeat(MAX_LINE_LENGTH)}`
    case 5:
      return random.pick(['', '==123== Memcheck', '#eof', '0x', 'L', ' L ,', `${hex(random, 40)}`])
    default:
      return line
  }
}

/** A short memory trace of a random format: its format and lines ({@link hostileMemoryTraceLine}). */
export function hostileMemoryTrace(random: SeededRandom): {
  readonly format: MemoryTraceFormat
  readonly lines: readonly string[]
} {
  const format = random.pick(MEMORY_TRACE_FORMATS)
  const count = 1 + random.below(40)
  return { format, lines: Array.from({ length: count }, () => hostileMemoryTraceLine(format, random)) }
}
