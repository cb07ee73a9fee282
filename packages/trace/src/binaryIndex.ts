// The index block and the trailer of a binary trace (docs/trace-format.md), the part of the
// layout rules (binaryLayout.ts) that ties the file together: the trailer must point at the
// index block, which ends where the trailer starts; the index's blocks must tile the bytes from
// the preamble to the index, with contiguous seqs and counts their bytes can hold; recorded
// digests ascend within the events. Both binary readers check through these functions.
import * as v from 'valibot'
import type { ByteReader } from './byteCodec.js'
import {
  type BinaryBlockInfo,
  BINARY_END_MAGIC,
  BLOCK_HEADER_BYTES,
  type BlockFrame,
  eventCapacity,
  formatError,
  type LayoutContext,
  MAX_BLOCK_EVENTS,
  MAX_DEFLATE_EXPANSION,
  minimumEventBytesOf,
  STATE_BLOCKS_VERSION,
  TAG_EVENTS,
  TAG_INDEX,
  TAG_STATE,
  TWO_32,
} from './binaryLayout.js'
import { parseUntrustedJson } from './safeJson.js'
import type { TraceFormatError } from './traceFormatError.js'
import type { KindInfo } from './traceSchema.js'

const blockEntrySchema = v.strictObject({
  offset: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  firstSeq: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_BLOCK_EVENTS)),
})

const stateEntrySchema = v.strictObject({
  offset: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  seq: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
})

const indexSchema = v.strictObject({
  events: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  blocks: v.array(blockEntrySchema),
  checkpoints: v.array(
    v.strictObject({
      seq: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
      digest: v.pipe(v.string(), v.maxLength(256)),
    }),
  ),
  states: v.optional(v.array(stateEntrySchema)),
})

/** A state block's place in the file: the state after the first `seq` events. */
export interface BinaryStateInfo {
  readonly offset: number
  readonly seq: number
}

/** The index block's content, with where each block and state block ends. */
export type BinaryIndex = Omit<v.InferOutput<typeof indexSchema>, 'states'> & {
  readonly states: readonly BinaryStateInfo[]
  /** Byte after each events block (the next block's offset, or the index's). */
  readonly blockEnds: readonly number[]
  /** Byte after each state block. */
  readonly stateEnds: readonly number[]
}

/** Where the index sits: the end of the preamble, the index block's offset, the trailer's. */
export interface IndexPlacement {
  readonly preambleEnd: number
  readonly indexOffset: number
  readonly trailerOffset: number
}

/**
 * Parses the index block's payload (at byte `offset`) and checks it against the layout: blocks
 * tiling the bytes from the end of the preamble to the index, seqs contiguous from 0, each
 * block's count within what its bytes can hold (before any block is read), the counts adding up
 * to `events`, recorded digests in ascending seq order within the events.
 */
export function readIndex(
  payload: Uint8Array,
  offset: number,
  placement: IndexPlacement,
  limits: { readonly kinds: readonly KindInfo[]; readonly maxBlockBytes: number; readonly version: number },
  context: LayoutContext,
): BinaryIndex {
  const fail = (reason: string, field: string) => formatError(context, reason, offset, { field })
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload)
  } catch {
    throw fail('index is not UTF-8', 'index')
  }
  const parsed = parseUntrustedJson(text)
  if (!parsed.ok) throw fail(`invalid index: ${parsed.problem.reason}`, 'index')
  const result = v.safeParse(indexSchema, parsed.value)
  if (!result.success) {
    const issue = result.issues[0]
    throw fail(
      `invalid index: ${issue?.message ?? ''}`,
      `index.${(issue === undefined ? null : v.getDotPath(issue)) ?? ''}`,
    )
  }
  const parsedIndex = result.output
  const states = parsedIndex.states ?? []
  if (parsedIndex.states !== undefined && limits.version < STATE_BLOCKS_VERSION)
    throw fail(
      `a version ${limits.version} index lists state blocks (state blocks are version ${STATE_BLOCKS_VERSION})`,
      'index.states',
    )
  // Events blocks and state blocks, in file order, tile the bytes from the preamble to the index.
  const items: { readonly offset: number; readonly state: boolean; readonly number: number }[] = [
    ...parsedIndex.blocks.map((block, number) => ({ offset: block.offset, state: false, number })),
    ...states.map((state, number) => ({ offset: state.offset, state: true, number })),
  ].sort((a, b) => a.offset - b.offset || Number(a.state) - Number(b.state))
  const blockEnds: number[] = []
  const stateEnds: number[] = []
  const minimumBytes = minimumEventBytesOf(limits.kinds)
  let expectedSeq = 0
  let previousState = 0
  items.forEach((item, position) => {
    const field = item.state ? `index.states.${item.number}` : `index.blocks.${item.number}`
    if (position === 0 && item.offset !== placement.preambleEnd) {
      throw fail(
        `the first block is at byte ${item.offset}, not right after the preamble (${placement.preambleEnd})`,
        `${field}.offset`,
      )
    }
    // Each block runs up to the next one (the last one up to the index): offsets ascend.
    const end = items[position + 1]?.offset ?? placement.indexOffset
    if (end < item.offset + BLOCK_HEADER_BYTES + 1) {
      throw fail(
        `${item.state ? 'state block' : 'block'} ${item.number} at byte ${item.offset} has ${Math.max(0, end - item.offset)} bytes before the next block or the index; a block takes at least ${BLOCK_HEADER_BYTES + 1}`,
        `${field}.offset`,
      )
    }
    if (item.state) {
      const state = states[item.number] as BinaryStateInfo
      if (state.seq !== expectedSeq || state.seq <= previousState)
        throw fail(
          state.seq <= previousState
            ? `state block ${item.number} holds the state at seq ${state.seq}, after one at seq ${previousState} (ascending seqs)`
            : `state block ${item.number} lies after ${expectedSeq} events, but says it holds the state at seq ${state.seq}`,
          `${field}.seq`,
        )
      previousState = state.seq
      stateEnds[item.number] = end
      return
    }
    const block = parsedIndex.blocks[item.number] as BinaryBlockInfo
    if (block.firstSeq !== expectedSeq)
      throw fail(
        `block ${item.number} starts at seq ${block.firstSeq}, expected ${expectedSeq}`,
        `${field}.firstSeq`,
      )
    const stored = end - block.offset - BLOCK_HEADER_BYTES
    const capacity = eventCapacity(
      Math.min(limits.maxBlockBytes, stored * MAX_DEFLATE_EXPANSION),
      minimumBytes,
    )
    if (block.count > capacity) {
      throw fail(
        `block ${item.number} claims ${block.count} events; its ${stored} stored bytes hold at most ${capacity} events`,
        `${field}.count`,
      )
    }
    blockEnds[item.number] = end
    expectedSeq += block.count
  })
  const index: BinaryIndex = { ...parsedIndex, states, blockEnds, stateEnds }
  if (items.length === 0 && placement.indexOffset !== placement.preambleEnd)
    throw fail(
      `the index lists no block, but ${placement.indexOffset - placement.preambleEnd} bytes lie before it`,
      'index.blocks',
    )
  if (index.events !== expectedSeq)
    throw fail(`the index counts ${index.events} events, its blocks hold ${expectedSeq}`, 'index.events')
  let previous = -1
  index.checkpoints.forEach((checkpoint, number) => {
    if (checkpoint.seq <= previous || checkpoint.seq > index.events) {
      throw fail(
        checkpoint.seq > index.events
          ? `digest recorded at seq ${checkpoint.seq}, after the last event (${index.events} events)`
          : `digest recorded at seq ${checkpoint.seq} after one at seq ${previous} (ascending seqs, one digest a seq)`,
        `index.checkpoints.${number}.seq`,
      )
    }
    previous = checkpoint.seq
  })
  return index
}

/**
 * Checks that the index offset a trailer (at `trailerOffset`) gives can point at an index block:
 * after the preamble, with room for a frame before the trailer.
 */
export function checkIndexOffset(
  indexOffset: number,
  placement: Omit<IndexPlacement, 'indexOffset'>,
  context: LayoutContext,
): void {
  if (indexOffset < placement.preambleEnd || indexOffset > placement.trailerOffset - BLOCK_HEADER_BYTES) {
    throw formatError(
      context,
      `index offset ${indexOffset} is outside the file's blocks [${placement.preambleEnd}, ${placement.trailerOffset - BLOCK_HEADER_BYTES}]`,
      placement.trailerOffset,
      { field: 'trailer.indexOffset' },
    )
  }
}

/** The error of a trailer whose index offset does not point at the index block. */
export function misplacedIndexError(
  indexOffset: number,
  trailerOffset: number,
  context: LayoutContext,
): TraceFormatError {
  return formatError(
    context,
    `the trailer's index offset ${indexOffset} does not point at the index block`,
    trailerOffset,
    {
      field: 'trailer.indexOffset',
    },
  )
}

/**
 * Checks that `frame`, read where the trailer's index offset points, is the index block and ends
 * where the trailer starts.
 */
export function checkIndexFrame(
  frame: BlockFrame,
  indexOffset: number,
  trailerOffset: number,
  context: LayoutContext,
): void {
  if (frame.offset !== indexOffset || frame.tag !== TAG_INDEX)
    throw misplacedIndexError(indexOffset, trailerOffset, context)
  const end = frame.offset + BLOCK_HEADER_BYTES + frame.stored
  if (end !== trailerOffset) {
    throw formatError(
      context,
      `the index block ends at byte ${end}, the trailer starts at ${trailerOffset}`,
      frame.offset + 2,
      {
        field: 'storedLength',
      },
    )
  }
}

/** Reads the trailer (16 bytes): checks its magic, returns the index offset it gives. */
export function readTrailer(reader: ByteReader, context: LayoutContext): number {
  const indexOffset = reader.u32() + reader.u32() * TWO_32
  const magicOffset = reader.offset
  if (String.fromCharCode(...reader.take(8)) !== BINARY_END_MAGIC) {
    throw formatError(context, 'bad trailer magic (truncated or not a complete binary trace)', magicOffset, {
      field: 'trailer.magic',
    })
  }
  return indexOffset
}

/**
 * Checks an events block read through the index (block `number`, `span` bytes up to the next
 * block or the index): an events block filling its span exactly.
 */
export function checkIndexedBlockFrame(
  frame: BlockFrame,
  number: number,
  span: number,
  context: LayoutContext,
  state = false,
): void {
  const what = state ? 'state block' : 'block'
  if (frame.tag !== (state ? TAG_STATE : TAG_EVENTS))
    throw formatError(
      context,
      `index ${what} ${number} points at a block of tag ${frame.tag}`,
      frame.offset,
      { field: 'tag' },
    )
  if (BLOCK_HEADER_BYTES + frame.stored !== span) {
    throw formatError(
      context,
      `${what} ${number} takes ${BLOCK_HEADER_BYTES + frame.stored} bytes; the index leaves it ${span}`,
      frame.offset + 2,
      { field: `index.${state ? 'states' : 'blocks'}.${number}.offset` },
    )
  }
}

/**
 * Checks the index against the blocks the streaming reader met (the index itself already
 * checked by {@link readIndex}).
 */
export function checkIndexMatchesBlocks(
  index: BinaryIndex,
  seen: readonly BinaryBlockInfo[],
  seenStates: readonly BinaryStateInfo[],
  offset: number,
  context: LayoutContext,
): void {
  const states = Math.max(index.states.length, seenStates.length)
  for (let number = 0; number < states; number++) {
    const listed = index.states[number]
    const met = seenStates[number]
    if (listed === undefined || met === undefined)
      throw formatError(
        context,
        `the index lists ${index.states.length} state blocks, the file holds ${seenStates.length}`,
        offset,
        { field: 'index.states' },
      )
    for (const key of ['offset', 'seq'] as const)
      if (listed[key] !== met[key])
        throw formatError(
          context,
          `the index gives state block ${number} ${key} ${listed[key]}, the block has ${met[key]}`,
          offset,
          { field: `index.states.${number}.${key}` },
        )
  }
  const length = Math.max(index.blocks.length, seen.length)
  for (let number = 0; number < length; number++) {
    const listed = index.blocks[number]
    const met = seen[number]
    if (listed === undefined || met === undefined) {
      throw formatError(
        context,
        `the index lists ${index.blocks.length} blocks, the file holds ${seen.length}`,
        offset,
        {
          field: 'index.blocks',
        },
      )
    }
    for (const key of ['offset', 'firstSeq', 'count'] as const) {
      if (listed[key] !== met[key]) {
        throw formatError(
          context,
          `the index gives block ${number} ${key} ${listed[key]}, the block has ${met[key]}`,
          offset,
          {
            field: `index.blocks.${number}.${key}`,
          },
        )
      }
    }
  }
}
