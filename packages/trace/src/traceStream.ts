// What trace decoders produce and encoders consume: a stream of items (the header, events with
// seq and cause, recorded digests), plus the checks every decoded event passes and the
// collection of a stream into an in-memory Trace (keeping the valid prefix on error).
import { freeze } from 'immer'
import * as v from 'valibot'
import { fitsField } from './columnStore.js'
import { checkValue } from './safeJson.js'
import { TraceFormatError } from './traceFormatError.js'
import type { TraceHeader } from './traceHeader.js'
import { NO_CAUSE, type TraceEntry, TraceLog } from './traceLog.js'
import type { KindInfo, TraceEventBase, TraceSchema } from './traceSchema.js'
import type { DigestCheckpoint } from './verify.js'

/** One item of a decoded trace stream, in file order (the header comes first). */
export type TraceItem<E extends TraceEventBase> =
  | { readonly item: 'header'; readonly header: TraceHeader }
  | { readonly item: 'event'; readonly entry: TraceEntry<E> }
  | { readonly item: 'checkpoint'; readonly checkpoint: DigestCheckpoint }

/**
 * A decoded block of events handed to a collecting reader whole (the binary decoder's bulk
 * path): `appendTo` appends its `count` events to a log of the reader's schema. @internal
 */
export interface BlockItem<E extends TraceEventBase> {
  readonly item: 'block'
  readonly count: number
  appendTo(log: TraceLog<E>): void
  /** The block's entries, as an item per event would have given them. */
  entries(): readonly TraceEntry<E>[]
}

/**
 * The causes of a block of events, and nothing else of them (a reader that only follows causes:
 * the rest of the block is not decoded, nor checked). @internal
 */
export interface CausesItem {
  readonly item: 'causes'
  readonly count: number
  /** Per event of the block, its cause's seq, or -1 for none. */
  readonly causes: Float64Array
}

/** What an encoder writes. */
export interface TraceWriteInput<E extends TraceEventBase> {
  readonly header: TraceHeader
  /** Events in seq order from 0 (dense). */
  readonly entries: Iterable<TraceEntry<E>> | AsyncIterable<TraceEntry<E>>
  /** Recorded state digests (ascending seq), e.g. from `recordDigests`. */
  readonly checkpoints?: readonly DigestCheckpoint[]
  /** Called every 64Ki events with the number written. */
  readonly onProgress?: (events: number) => void
  /**
   * The log `entries` come from, all of it from seq 0 (as `log.entries()` gives them): the
   * binary encoder then reads high-volume fields from the log's columns instead of each entry's
   * event object (the same bytes, several times faster on a long trace).
   */
  readonly log?: TraceLog<E>
}

/** A trace held in memory: its header (with config and seed), its log and recorded digests. */
export interface Trace<E extends TraceEventBase> {
  readonly header: TraceHeader
  readonly config: unknown
  readonly seed: number | string
  readonly log: TraceLog<E>
  readonly checkpoints: readonly DigestCheckpoint[]
}

/** Result of reading a whole trace: on error, the valid prefix read before it (if the header was valid). */
export type TraceReadResult<E extends TraceEventBase> =
  | { readonly ok: true; readonly trace: Trace<E> }
  | { readonly ok: false; readonly error: TraceFormatError; readonly trace: Trace<E> | undefined }

/** Location of the event being decoded, for error messages. */
export interface DecodeLocation {
  readonly file?: string
  readonly line?: number
  readonly offset?: number
  readonly seq: number
}

/**
 * Checks a parsed event against its kind and returns it deep-frozen.
 * @throws TraceFormatError naming the field.
 */
export function validateEvent(
  raw: unknown,
  kind: KindInfo,
  where: DecodeLocation,
  options: { readonly keysAndNumbersChecked?: boolean } = {},
): TraceEventBase {
  const fail = (field: string, reason: string): TraceFormatError =>
    new TraceFormatError({ ...where, field, reason })
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw fail('event', 'event is not an object')
  }
  if (options.keysAndNumbersChecked !== true) {
    const problem = checkValue(raw, 'event', 1)
    if (problem !== undefined) throw fail(problem.field, problem.reason)
  }
  const record = raw as Record<string, unknown>
  if (kind.volume === 'high') {
    const event: Record<string, unknown> = { type: kind.type }
    for (const field of kind.fields) {
      const value = record[field.name]
      if (!fitsField(field.type, value)) {
        throw fail(
          `event.${field.name}`,
          `value ${JSON.stringify(value) ?? 'undefined'} is not a valid ${field.type}`,
        )
      }
      event[field.name] = value
    }
    for (const key of Object.keys(record)) {
      if (key !== 'type' && !kind.fields.some((field) => field.name === key)) {
        throw fail(`event.${key}`, `unknown field of kind '${kind.type}'`)
      }
    }
    return Object.freeze(event) as unknown as TraceEventBase
  }
  const result = v.safeParse(kind.schema as v.GenericSchema, raw)
  if (!result.success) {
    const issue = result.issues[0]
    const path = issue === undefined ? null : v.getDotPath(issue)
    throw fail(path === null ? 'event' : `event.${path}`, issue?.message ?? 'does not match the schema')
  }
  const output = result.output as Record<string, unknown>
  const outputProblem = checkValue(output, 'event', 1)
  if (outputProblem !== undefined) throw fail(outputProblem.field, outputProblem.reason)
  return freeze(output, true) as unknown as TraceEventBase
}

/**
 * Reads a whole item stream into memory. Never throws for bad input: on a TraceFormatError it
 * returns the error and the valid prefix.
 */
export function collectTrace<E extends TraceEventBase>(
  items: AsyncIterable<TraceItem<E>>,
  schema: TraceSchema<E>,
): Promise<TraceReadResult<E>> {
  return collectItems(items, schema)
}

/** {@link collectTrace}, also taking whole decoded blocks ({@link BlockItem}). @internal */
export async function collectItems<E extends TraceEventBase>(
  items: AsyncIterable<TraceItem<E> | BlockItem<E>>,
  schema: TraceSchema<E>,
): Promise<TraceReadResult<E>> {
  let header: TraceHeader | undefined
  let log: TraceLog<E> | undefined
  const checkpoints: DigestCheckpoint[] = []
  const snapshot = (): Trace<E> | undefined =>
    header === undefined || log === undefined
      ? undefined
      : { header, config: header.config, seed: header.seed, log, checkpoints }
  try {
    for await (const item of items) {
      if (item.item === 'header') {
        header = item.header
        log = new TraceLog(schema, { validateLowVolume: false })
      } else if (item.item === 'checkpoint') {
        checkpoints.push(item.checkpoint)
      } else if (item.item === 'block') {
        if (log !== undefined) item.appendTo(log)
      } else if (log !== undefined) {
        const { entry } = item
        const kind = schema.kind(entry.event.type)
        const store = kind === undefined ? undefined : log.stores[kind.id]
        if (kind !== undefined && store !== undefined) {
          const record = entry.event as unknown as Record<string, number>
          log.appendRowValues(
            kind.id,
            store,
            entry.cause ?? NO_CAUSE,
            kind.fields.map((field) => record[field.name] as number),
          )
        } else {
          log.append(entry.event, { cause: entry.cause })
        }
      }
    }
  } catch (error) {
    if (error instanceof TraceFormatError) return { ok: false, error, trace: snapshot() }
    return {
      ok: false,
      error: new TraceFormatError({
        reason: `unexpected failure while reading: ${(error as Error).message}`,
      }),
      trace: snapshot(),
    }
  }
  const trace = snapshot()
  if (trace === undefined)
    return { ok: false, error: new TraceFormatError({ reason: 'empty input: no header' }), trace }
  return { ok: true, trace }
}

/** Entries of a log, for writing. */
export function logEntries<E extends TraceEventBase>(log: TraceLog<E>): Iterable<TraceEntry<E>> {
  return log.entries(0, log.length)
}
