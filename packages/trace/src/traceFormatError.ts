// The typed error for anything wrong in trace input read from outside (a file, a stream, a
// buffer): it names where (file, line or byte offset), which event (seq) and which field.
// Reasons and fields quote the input (a key, a value, a kind name): control characters in them
// are escaped and long excerpts cut, so a message printed to a terminal or a log is one line of
// bounded length that cannot move the cursor or rewrite the screen.

/** Where and what went wrong while reading a trace. All members but `reason` are optional. */
export interface TraceFormatErrorDetails {
  /** Why the input was refused, in words. */
  readonly reason: string
  /** File name (or another label given by the caller) of the input. */
  readonly file?: string
  /** 1-based line number (JSON Lines). */
  readonly line?: number
  /** Byte offset from the start of the input (binary encoding; also JSON Lines line starts). */
  readonly offset?: number
  /** Sequence number of the event being read, when known. */
  readonly seq?: number
  /** Dotted path of the offending field, e.g. `event.address`. */
  readonly field?: string
  /** The producer the file's header names, when the header was read (for version messages). */
  readonly producer?: { readonly name: string; readonly version: string }
}

/**
 * A trace input is malformed, truncated, from an unsupported version or hostile. Reading APIs
 * never let any other exception escape for bad input: decoders catch their own failures and
 * rethrow them as this class.
 */
export class TraceFormatError extends Error {
  override readonly name = 'TraceFormatError'
  readonly reason: string
  readonly file: string | undefined
  readonly line: number | undefined
  readonly offset: number | undefined
  readonly seq: number | undefined
  readonly field: string | undefined
  /** The producer named by the file's header, when the header was read. */
  readonly producer: { readonly name: string; readonly version: string } | undefined

  constructor(details: TraceFormatErrorDetails) {
    const safe: TraceFormatErrorDetails = {
      ...details,
      reason: printable(details.reason, MAX_REASON_LENGTH),
      ...(details.field === undefined ? {} : { field: printable(details.field, MAX_FIELD_LENGTH) }),
      ...(details.file === undefined ? {} : { file: printable(details.file, MAX_FILE_LENGTH) }),
    }
    super(formatMessage(safe))
    this.reason = safe.reason
    this.file = safe.file
    this.line = safe.line
    this.offset = safe.offset
    this.seq = safe.seq
    this.field = safe.field
    this.producer = safe.producer
  }

  /** A copy with more location details filled in (existing ones win). */
  withContext(context: Omit<TraceFormatErrorDetails, 'reason'>): TraceFormatError {
    return new TraceFormatError({ ...context, ...definedDetails(this) })
  }
}

function definedDetails(error: TraceFormatError): TraceFormatErrorDetails {
  const details: { -readonly [K in keyof TraceFormatErrorDetails]: TraceFormatErrorDetails[K] } = {
    reason: error.reason,
  }
  if (error.file !== undefined) details.file = error.file
  if (error.line !== undefined) details.line = error.line
  if (error.offset !== undefined) details.offset = error.offset
  if (error.seq !== undefined) details.seq = error.seq
  if (error.field !== undefined) details.field = error.field
  if (error.producer !== undefined) details.producer = error.producer
  return details
}

function formatMessage(details: TraceFormatErrorDetails): string {
  const where: string[] = []
  if (details.file !== undefined) where.push(details.file)
  if (details.line !== undefined) where.push(`line ${details.line}`)
  if (details.offset !== undefined) where.push(`byte ${details.offset}`)
  if (details.seq !== undefined) where.push(`seq ${details.seq}`)
  if (details.field !== undefined) where.push(`field ${details.field}`)
  return where.length > 0 ? `${where.join(', ')}: ${details.reason}` : details.reason
}

const MAX_REASON_LENGTH = 500
const MAX_FIELD_LENGTH = 200
const MAX_FILE_LENGTH = 1000

/**
 * Characters escaped in messages: C0 controls, DEL and C1 controls; the line and paragraph
 * separators; the bidirectional overrides and isolates (which reorder what a terminal shows).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters escaped
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** `text` with unprintable characters escaped (`\x1b`, `\u202e`), cut to `max` characters. */
function printable(text: string, max: number): string {
  const escaped = text.replace(UNPRINTABLE, (char) => {
    const code = char.charCodeAt(0)
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`
  })
  if (escaped.length <= max) return escaped
  // Cut before a surrogate pair rather than through it.
  const end = /[\ud800-\udbff]/.test(escaped.charAt(max - 2)) ? max - 2 : max - 1
  return `${escaped.slice(0, end)}…`
}
