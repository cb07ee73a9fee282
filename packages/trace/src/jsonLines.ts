// The JSON Lines trace encoding: readable, one record per line.
//
//   line 1        {"format":"ntmm-trace","version":1,"producer":…,"config":…,"seed":…,"schema":…}
//   events        {"seq":0,"event":{"type":"hw.access","address":4096,…}}   ("cause":n when present)
//   digests       {"checkpoint":{"seq":1024,"digest":"…"}}
//   last line     {"end":{"events":N}}        (its absence means the file is truncated)
//
// Encoding and decoding stream over chunks (constant memory; one line at a time). The core
// works on Uint8Array/string chunks so a browser can feed it.
import { parseUntrustedJson } from './safeJson.js'
import { TraceFormatError } from './traceFormatError.js'
import { validateHeader } from './traceHeader.js'
import type { TraceEntry } from './traceLog.js'
import type { TraceEventBase, TraceSchema } from './traceSchema.js'
import { type TraceItem, type TraceWriteInput, validateEvent } from './traceStream.js'
import { checkCheckpointOrder } from './verify.js'

/** Options of the decoders. */
export interface DecodeOptions {
  /** Name used in error messages (e.g. the file path). */
  readonly file?: string
  /** Longest accepted line, in characters (default 1 MiB). */
  readonly maxLineLength?: number
  /** Called every 64Ki events with the events and bytes read so far. */
  readonly onProgress?: (events: number, bytes: number) => void
}

const OUTPUT_CHUNK = 1 << 16

/** Encodes a trace as JSON Lines, yielding UTF-8 chunks of about 64 KiB. */
export async function* encodeJsonLines<E extends TraceEventBase>(
  input: TraceWriteInput<E>,
): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder()
  const checkpoints = input.checkpoints ?? []
  checkCheckpointOrder(checkpoints, 'encodeJsonLines')
  let nextCheckpoint = 0
  let buffer = `${JSON.stringify(input.header)}\n`
  let count = 0
  const flushCheckpoints = (upTo: number): void => {
    while (nextCheckpoint < checkpoints.length && (checkpoints[nextCheckpoint]?.seq ?? 0) <= upTo) {
      buffer += `${JSON.stringify({ checkpoint: checkpoints[nextCheckpoint] })}\n`
      nextCheckpoint++
    }
  }
  for await (const entry of input.entries as AsyncIterable<TraceEntry<E>>) {
    flushCheckpoints(entry.seq)
    buffer +=
      entry.cause === undefined
        ? `{"seq":${entry.seq},"event":${JSON.stringify(entry.event)}}\n`
        : `{"seq":${entry.seq},"cause":${entry.cause},"event":${JSON.stringify(entry.event)}}\n`
    count++
    if ((count & 0xffff) === 0) input.onProgress?.(count)
    if (buffer.length >= OUTPUT_CHUNK) {
      yield encoder.encode(buffer)
      buffer = ''
    }
  }
  flushCheckpoints(count)
  buffer += `${JSON.stringify({ end: { events: count } })}\n`
  yield encoder.encode(buffer)
  input.onProgress?.(count)
}

/**
 * Decodes JSON Lines chunks into trace items, validating everything. Yields the valid prefix,
 * then throws a {@link TraceFormatError} (file, line, byte offset, seq, field) at the first
 * problem, including a missing end record (truncation).
 */
export async function* decodeJsonLines<E extends TraceEventBase>(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  schema: TraceSchema<E>,
  options: DecodeOptions = {},
): AsyncGenerator<TraceItem<E>> {
  const maxLine = options.maxLineLength ?? 1 << 20
  const decoder = new TextDecoder('utf-8', { fatal: false })
  const file = options.file
  /** The line in progress, in pieces (none holds a line end), and its length. */
  let pending: string[] = []
  let pendingLength = 0
  let lineNumber = 0
  let lineOffset = 0
  let bytesRead = 0
  let state: { kinds: ReturnType<typeof validateHeader>['kinds'] } | undefined
  let nextSeq = 0
  let lastCheckpointSeq = -1
  let ended = false

  const fail = (reason: string, extra: { seq?: number; field?: string } = {}): TraceFormatError =>
    new TraceFormatError({
      reason,
      line: lineNumber,
      offset: lineOffset,
      ...(file === undefined ? {} : { file }),
      ...extra,
    })

  const handleLine = (line: string): TraceItem<E> | undefined => {
    if (line.trim() === '') return undefined
    if (ended) throw fail('content after the end record')
    const parsed = parseUntrustedJson(line)
    if (state === undefined) {
      if (!parsed.ok) throw fail(`invalid header: ${parsed.problem.reason}`, { field: 'header' })
      const validated = validateHeader(parsed.value, schema as TraceSchema, {
        line: lineNumber,
        offset: lineOffset,
        ...(file === undefined ? {} : { file }),
      })
      state = { kinds: validated.kinds }
      return { item: 'header', header: validated.header }
    }
    if (!parsed.ok) throw fail(parsed.problem.reason, { seq: nextSeq, field: parsed.problem.field })
    const record = parsed.value
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw fail('line is not a JSON object', { seq: nextSeq })
    }
    const fields = record as Record<string, unknown>
    if ('checkpoint' in fields) {
      const checkpoint = fields.checkpoint as { seq?: unknown; digest?: unknown } | null
      if (
        typeof checkpoint !== 'object' ||
        checkpoint === null ||
        !Number.isInteger(checkpoint.seq) ||
        (checkpoint.seq as number) < 0 ||
        typeof checkpoint.digest !== 'string' ||
        checkpoint.digest.length > 256
      ) {
        throw fail('invalid checkpoint record', { field: 'checkpoint' })
      }
      // A digest is written right before the event whose seq it carries (the last ones after
      // the last event), one a seq: a replay checks each as it reaches it, none is skipped.
      if (checkpoint.seq !== nextSeq || checkpoint.seq <= lastCheckpointSeq) {
        throw fail(
          checkpoint.seq !== nextSeq
            ? `digest recorded at seq ${checkpoint.seq} stands after ${nextSeq} events (it belongs right before event ${checkpoint.seq})`
            : `a second digest recorded at seq ${checkpoint.seq}`,
          { seq: nextSeq, field: 'checkpoint.seq' },
        )
      }
      lastCheckpointSeq = checkpoint.seq
      return {
        item: 'checkpoint',
        checkpoint: Object.freeze({ seq: checkpoint.seq as number, digest: checkpoint.digest }),
      }
    }
    if ('end' in fields) {
      const end = fields.end as { events?: unknown } | null
      if (typeof end !== 'object' || end === null || end.events !== nextSeq) {
        throw fail(`end record does not match the ${nextSeq} events read`, { field: 'end.events' })
      }
      ended = true
      return undefined
    }
    const seq = fields.seq
    if (seq !== nextSeq)
      throw fail(`expected seq ${nextSeq}, found ${JSON.stringify(seq)}`, { seq: nextSeq, field: 'seq' })
    const cause = fields.cause
    if (
      cause !== undefined &&
      !(Number.isInteger(cause) && (cause as number) >= 0 && (cause as number) < nextSeq)
    ) {
      throw fail(`cause ${JSON.stringify(cause)} is not an earlier seq`, { seq: nextSeq, field: 'cause' })
    }
    for (const key of Object.keys(fields)) {
      if (key !== 'seq' && key !== 'cause' && key !== 'event')
        throw fail('unknown member', { seq: nextSeq, field: key })
    }
    const raw = fields.event as { type?: unknown } | undefined
    const type = typeof raw === 'object' && raw !== null ? raw.type : undefined
    const kind = typeof type === 'string' ? schema.kind(type) : undefined
    if (kind === undefined) {
      throw fail(`unknown event type ${JSON.stringify(type) ?? 'undefined'}`, {
        seq: nextSeq,
        field: 'event.type',
      })
    }
    const event = validateEvent(
      raw,
      kind,
      {
        seq: nextSeq,
        line: lineNumber,
        offset: lineOffset,
        ...(file === undefined ? {} : { file }),
      },
      { keysAndNumbersChecked: true },
    ) as E
    const entry: TraceEntry<E> = Object.freeze({ seq: nextSeq, cause: cause as number | undefined, event })
    nextSeq++
    if ((nextSeq & 0xffff) === 0) options.onProgress?.(nextSeq, bytesRead)
    return { item: 'event', entry }
  }

  const encoder = new TextEncoder()
  try {
    for await (const chunk of chunks as AsyncIterable<Uint8Array | string>) {
      const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
      bytesRead += typeof chunk === 'string' ? encoder.encode(chunk).length : chunk.length
      // Only the new text is searched for line ends, and a line spanning chunks is joined once,
      // when its end arrives: a line of n characters costs O(n) whatever the chunk size.
      let start = 0
      let newline = text.indexOf('\n')
      while (newline >= 0) {
        lineNumber++
        if (pendingLength + newline - start > maxLine)
          throw fail(`line longer than ${maxLine} characters`, { seq: nextSeq })
        const line =
          pending.length === 0
            ? text.slice(start, newline)
            : `${pending.join('')}${text.slice(start, newline)}`
        pending = []
        pendingLength = 0
        const item = handleLine(line)
        if (item !== undefined) yield item
        lineOffset += utf8Length(line) + 1
        start = newline + 1
        newline = text.indexOf('\n', start)
      }
      if (start < text.length) {
        pending.push(start === 0 ? text : text.slice(start))
        pendingLength += text.length - start
      }
      if (pendingLength > maxLine) {
        lineNumber++
        throw fail(`line longer than ${maxLine} characters`, { seq: nextSeq })
      }
    }
    if (`${pending.join('')}${decoder.decode()}`.trim() !== '') {
      lineNumber++
      throw fail('truncated: the last line has no line end', { seq: nextSeq })
    }
    if (state === undefined) throw fail('empty input: no header')
    if (!ended) throw fail(`truncated: the end record is missing after ${nextSeq} events`, { seq: nextSeq })
    options.onProgress?.(nextSeq, bytesRead)
  } catch (error) {
    if (error instanceof TraceFormatError) throw error
    throw fail(`unreadable input: ${(error as Error).message}`, { seq: nextSeq })
  }
}

function utf8Length(text: string): number {
  let bytes = text.length
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code >= 0x80) {
      if (code < 0x800) bytes += 1
      else if (code >= 0xd800 && code <= 0xdfff) bytes += 1
      else bytes += 2
    }
  }
  return bytes
}
