// How a report quotes a line of an imported trace: control characters escaped (`\x1b`, `\x00`,
// `\r`: a quoted line must not move a terminal's cursor, clear its screen or set its title when
// the CLI prints it), bidirectional overrides too, and long lines cut short.

/** The most characters of a line a report quotes (escapes included), the last being `…` when cut. */
export const MAX_EXCERPT_LENGTH = 100

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters escaped
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** `line` made printable (escapes as in a JavaScript string) and cut to {@link MAX_EXCERPT_LENGTH}. */
export function lineExcerpt(line: string): string {
  // Only the head can be quoted: escaping never shortens, so the rest need not be looked at.
  const head = line.slice(0, MAX_EXCERPT_LENGTH + 1)
  const escaped = head.replace(UNPRINTABLE, (char) => {
    const code = char.charCodeAt(0)
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`
  })
  if (escaped.length <= MAX_EXCERPT_LENGTH && head.length === line.length) return escaped
  // Cut before a surrogate pair rather than through it.
  const end = /[\ud800-\udbff]/.test(escaped.charAt(MAX_EXCERPT_LENGTH - 2))
    ? MAX_EXCERPT_LENGTH - 2
    : MAX_EXCERPT_LENGTH - 1
  return `${escaped.slice(0, end)}…`
}
