// The typed error for anything wrong in trace input read from outside (a file, a stream, a
// buffer): it names where (file, line or byte offset), which event (seq) and which field.

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
    super(formatMessage(details))
    this.reason = details.reason
    this.file = details.file
    this.line = details.line
    this.offset = details.offset
    this.seq = details.seq
    this.field = details.field
    this.producer = details.producer
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
