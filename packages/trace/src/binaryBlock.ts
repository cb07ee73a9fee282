// One events block of the binary trace (docs/trace-format.md, "Events block"): decoding its raw
// payload with every check (kinds, causes, columns, rare events) before any of it is handed out,
// and handing it out as entries or straight into a log's appenders.
import { ByteReader, ByteReadError } from './byteCodec.js'
import { firstMisfit } from './columnStore.js'
import type { DecodedRowAppender } from './kindAppender.js'
import { parseUntrustedJson } from './safeJson.js'
import type { TraceEntry, TraceLog } from './traceLog.js'
import type { KindInfo, TraceEventBase } from './traceSchema.js'
import { validateEvent } from './traceStream.js'
import { eventCapacity, formatError, MAX_BLOCK_EVENTS, MODE_FLOAT, MODE_INTEGER } from './binaryLayout.js'

/** What decoding a block needs: the header's kinds, the fewest bytes any event takes, the file name. */
export interface DecodeContext {
  readonly kinds: readonly KindInfo[]
  readonly minimumEventBytes: number
  readonly file: string | undefined
}

/**
 * One decoded, fully validated events block: per event its kind (an index of the header's
 * kinds) and cause (-1: none); per high-volume kind, its rows' values in one column per field;
 * per low-volume event, the checked event object.
 */
export interface DecodedBlock<E extends TraceEventBase> {
  readonly firstSeq: number
  readonly count: number
  readonly kindOf: Uint8Array
  readonly causes: Float64Array
  /** Per header kind: one column per field (high-volume kinds with rows in the block), else empty. */
  readonly columns: readonly (readonly Float64Array[])[]
  /** Per event: the checked event of a low-volume kind, else undefined. */
  readonly lows: readonly (E | undefined)[]
}

/** The part of a block before its columns: seqs, kinds and causes. */
export interface BlockPrelude {
  readonly firstSeq: number
  readonly count: number
  readonly kindOf: Uint8Array
  /** Per event, its cause's seq, or -1. */
  readonly causes: Float64Array
}

/**
 * Decodes a block's prelude (first seq, count, kind runs, causes) with every check `decodeBlock`
 * makes of it, leaving `reader` at the first column: all a reader needs that only follows causes.
 */
export function decodeBlockPrelude(
  reader: ByteReader,
  payloadOffset: number,
  expectedFirstSeq: number,
  context: DecodeContext,
): BlockPrelude {
  const firstSeq = reader.varint()
  if (firstSeq !== expectedFirstSeq) {
    throw formatError(
      context,
      `block starts at seq ${firstSeq}, expected ${expectedFirstSeq}`,
      payloadOffset,
      {
        seq: expectedFirstSeq,
        field: 'firstSeq',
      },
    )
  }
  const countOffset = reader.offset
  const count = reader.bounded(MAX_BLOCK_EVENTS, 'block event count')
  // The bytes left must hold the events claimed (each takes at least its kind's minimum) before
  // anything is allocated or decoded for them.
  const capacity = eventCapacity(reader.remaining, context.minimumEventBytes, true)
  if (count === 0 || count > capacity) {
    throw formatError(
      context,
      count === 0
        ? 'an events block holds at least one event'
        : `block claims ${count} events; its ${reader.remaining} bytes hold at most ${capacity}`,
      countOffset,
      { seq: expectedFirstSeq, field: 'count' },
    )
  }
  const runCount = reader.bounded(count, 'run count')
  const kindOf = new Uint8Array(count)
  let filled = 0
  for (let run = 0; run < runCount; run++) {
    const kindOffset = reader.offset
    const kind = reader.bounded(context.kinds.length - 1, 'kind id')
    const length = reader.bounded(count - filled, 'run length')
    if (length === 0) throw new ByteReadError('empty run', kindOffset)
    kindOf.fill(kind, filled, filled + length)
    filled += length
  }
  if (filled !== count) throw new ByteReadError(`runs cover ${filled} of ${count} events`, reader.offset)
  const causes = new Float64Array(count).fill(-1)
  const causeCount = reader.bounded(count, 'cause count')
  let index = -1
  for (let item = 0; item < causeCount; item++) {
    index += reader.bounded(count - index - 2, 'cause gap') + 1
    const seq = firstSeq + index
    const distanceOffset = reader.offset
    const distance = reader.varint()
    if (distance < 1 || distance > seq) {
      throw formatError(
        context,
        `cause distance ${distance} does not point to an earlier seq`,
        distanceOffset,
        {
          seq,
          field: 'cause',
        },
      )
    }
    causes[index] = seq - distance
  }
  return { firstSeq, count, kindOf, causes }
}

/** Decodes one events block payload, checking everything (throws before returning any of it). */
export function decodeBlock<E extends TraceEventBase>(
  payload: Uint8Array,
  payloadOffset: number,
  expectedFirstSeq: number,
  context: DecodeContext,
  /**
   * Decode only the events of these kind ids (all when not given): the columns of other
   * high-volume kinds are skipped over (their varints read, not stored or range-checked), the
   * JSON of other low-volume events is neither parsed nor checked; their values are absent.
   */
  wantedKinds?: readonly boolean[],
): DecodedBlock<E> {
  const reader = new ByteReader(payload, payloadOffset)
  const { firstSeq, count, kindOf, causes } = decodeBlockPrelude(
    reader,
    payloadOffset,
    expectedFirstSeq,
    context,
  )
  const rowsOfKind = new Uint32Array(context.kinds.length)
  for (const kind of kindOf) rowsOfKind[kind] = (rowsOfKind[kind] as number) + 1
  const columns: Float64Array[][] = context.kinds.map(() => [])
  context.kinds.forEach((kind, kindId) => {
    const rows = rowsOfKind[kindId] as number
    if (kind.volume !== 'high' || rows === 0) return
    const skipped = wantedKinds !== undefined && wantedKinds[kindId] !== true
    for (const field of kind.fields) {
      const modeOffset = reader.offset
      const mode = reader.u8()
      if (skipped) {
        if (mode === MODE_FLOAT) reader.take(rows * 8)
        else if (mode === MODE_INTEGER) for (let row = 0; row < rows; row++) reader.varint()
        else
          throw formatError(context, `unknown column mode ${mode}`, modeOffset, {
            field: `${kind.type}.${field.name}`,
          })
        continue
      }
      const column = new Float64Array(rows)
      if (mode === MODE_FLOAT) {
        for (let row = 0; row < rows; row++) column[row] = reader.f64()
      } else if (mode === MODE_INTEGER) {
        if (reader.deltaOfDeltaColumn(column, rows) >= 0)
          throw new ByteReadError(`${field.name} value overflows`, reader.offset)
      } else {
        throw formatError(context, `unknown column mode ${mode}`, modeOffset, {
          field: `${kind.type}.${field.name}`,
        })
      }
      const misfit = firstMisfit(field.type, column)
      if (misfit >= 0) {
        throw formatError(context, `value ${column[misfit]} is not a valid ${field.type}`, modeOffset, {
          field: `event.${field.name}`,
        })
      }
      ;(columns[kindId] as Float64Array[]).push(column)
    }
  })
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const lows: (E | undefined)[] = new Array(count)
  for (let item = 0; item < count; item++) {
    const kind = context.kinds[kindOf[item] as number] as KindInfo
    if (kind.volume === 'high') continue
    const seq = firstSeq + item
    const eventOffset = reader.offset
    const length = reader.bounded(reader.remaining, 'event length')
    if (wantedKinds !== undefined && wantedKinds[kindOf[item] as number] !== true) {
      reader.take(length)
      continue
    }
    const parsed = parseUntrustedJson(decoder.decode(reader.take(length)))
    if (!parsed.ok)
      throw formatError(context, parsed.problem.reason, eventOffset, {
        seq,
        field: `event.${parsed.problem.field}`,
      })
    const raw = parsed.value
    if ((raw as { type?: unknown } | null)?.type !== kind.type) {
      throw formatError(context, `event type differs from its kind '${kind.type}'`, eventOffset, {
        seq,
        field: 'event.type',
      })
    }
    lows[item] = validateEvent(
      raw,
      kind,
      { seq, offset: eventOffset, ...(context.file === undefined ? {} : { file: context.file }) },
      { keysAndNumbersChecked: true },
    ) as E
  }
  if (reader.remaining !== 0)
    throw new ByteReadError(`${reader.remaining} unexpected bytes after the block's events`, reader.offset)
  return { firstSeq, count, kindOf, causes, columns, lows }
}

/** The entries of a decoded block: frozen events (high-volume ones built from the columns). */
export function blockEntries<E extends TraceEventBase>(
  block: DecodedBlock<E>,
  kinds: readonly KindInfo[],
  /** Only the entries of these kind ids (the block decoded with the same). */
  wantedKinds?: readonly boolean[],
): TraceEntry<E>[] {
  const rowCursor = new Uint32Array(kinds.length)
  const entries: TraceEntry<E>[] = []
  for (let item = 0; item < block.count; item++) {
    const kindId = block.kindOf[item] as number
    if (wantedKinds !== undefined && wantedKinds[kindId] !== true) continue
    const kind = kinds[kindId] as KindInfo
    let event: E
    if (kind.volume === 'high') {
      // Column values were range-checked when decoded: build the frozen event directly.
      const row = rowCursor[kindId] as number
      rowCursor[kindId] = row + 1
      const record: Record<string, unknown> = { type: kind.type }
      const kindColumns = block.columns[kindId] as readonly Float64Array[]
      for (let fieldIndex = 0; fieldIndex < kind.fields.length; fieldIndex++) {
        record[(kind.fields[fieldIndex] as { name: string }).name] = (
          kindColumns[fieldIndex] as Float64Array
        )[row]
      }
      event = Object.freeze(record) as unknown as E
    } else {
      event = block.lows[item] as E
    }
    const cause = block.causes[item] as number
    entries.push(Object.freeze({ seq: block.firstSeq + item, cause: cause < 0 ? undefined : cause, event }))
  }
  return entries
}

/**
 * Appends a decoded block to `log` (whose schema the block's kinds belong to): high-volume rows
 * through their kind's appender straight from the block's columns, low-volume events as
 * themselves. Everything in the block was checked when decoded.
 */
export function appendDecodedBlock<E extends TraceEventBase>(
  log: TraceLog<E>,
  block: DecodedBlock<E>,
  kinds: readonly KindInfo[],
): void {
  const rowCursor = new Uint32Array(kinds.length)
  const appenders: (DecodedRowAppender | undefined)[] = []
  const { kindOf, causes, count } = block
  for (let item = 0; item < count; item++) {
    const kindId = kindOf[item] as number
    const kind = kinds[kindId] as KindInfo
    const cause = causes[item] as number
    if (kind.volume === 'high') {
      let appender = appenders[kindId]
      if (appender === undefined) {
        appender = log.appender(kind.type as E['type']) as unknown as DecodedRowAppender
        appenders[kindId] = appender
      }
      const row = rowCursor[kindId] as number
      appender.appendFrom(block.columns[kindId] as readonly Float64Array[], row, cause < 0 ? -1 : cause)
      rowCursor[kindId] = row + 1
    } else {
      log.append(block.lows[item] as E, { cause: cause < 0 ? undefined : cause })
    }
  }
}
