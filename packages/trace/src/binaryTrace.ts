// The compact binary trace encoding (specified in docs/trace-format.md): its two readers, the
// streaming one (constant memory, one block at a time, the valid prefix on error) and the
// indexed one (random access through the trailer and the index). The encoder is in
// binaryEncoder.ts, the layout rules both readers share in binaryLayout.ts, the events block in
// binaryBlock.ts. Works on Uint8Array chunks: no node: imports.
import {
  appendDecodedBlock,
  blockEntries,
  type DecodeContext,
  decodeBlock,
  decodeBlockPrelude,
} from './binaryBlock.js'
import {
  checkIndexedBlockFrame,
  checkIndexFrame,
  checkIndexMatchesBlocks,
  checkIndexOffset,
  type BinaryStateInfo,
  misplacedIndexError,
  readIndex,
  readTrailer,
} from './binaryIndex.js'
import {
  asFormatError,
  type BinaryBlockInfo,
  BLOCK_HEADER_BYTES,
  type BlockCompressor,
  checkBlockChecksum,
  formatError,
  minimumEventBytesOf,
  PREAMBLE_FIXED_BYTES,
  readBlockFrame,
  readHeader,
  readPreambleFixed,
  TAG_INDEX,
  TAG_STATE,
  TRAILER_BYTES,
  unpackBlock,
} from './binaryLayout.js'
import { ByteReader, ByteReadError } from './byteCodec.js'
import { ChunkQueue } from './chunkQueue.js'
import type { TraceEntry } from './traceLog.js'
import type { TraceEventBase, TraceSchema } from './traceSchema.js'
import type { BlockItem, CausesItem, TraceItem } from './traceStream.js'
import type { DigestCheckpoint } from './verify.js'
import type { TraceHeader } from './traceHeader.js'

export {
  type BinaryEncodeOptions,
  type BinaryStateBlock,
  type BinaryStateBytes,
  type BinaryStateWriter,
  encodeBinaryTrace,
} from './binaryEncoder.js'
export type { BinaryStateInfo } from './binaryIndex.js'
import { readIndexedState, type StateBlock } from './binaryState.js'
export type { StateBlock } from './binaryState.js'
export { BINARY_END_MAGIC, BINARY_MAGIC, type BinaryBlockInfo, type BlockCompressor } from './binaryLayout.js'

/** Options of the binary decoders. */
export interface BinaryDecodeOptions {
  readonly file?: string
  /** Needed to read compressed blocks. */
  readonly compressor?: BlockCompressor
  /** Largest accepted block (stored or raw), in bytes (default 64 MiB). */
  readonly maxBlockBytes?: number
  /** Called as decoding advances, with the events and bytes read so far. */
  readonly onProgress?: (events: number, bytes: number) => void
}

/** A source read at arbitrary offsets (a file, a Uint8Array, an HTTP range reader…). */
export interface RandomAccessSource {
  readonly size: number
  /** Reads `length` bytes at `offset`. */
  read(offset: number, length: number): Promise<Uint8Array>
}

/**
 * Decodes a binary trace from a stream of chunks into trace items (constant memory: one block at
 * a time). Yields the valid prefix, then throws a {@link TraceFormatError} (file, byte offset,
 * seq, field) at the first problem, including truncation. Chunks are read in place (a block is
 * copied only when it spans several): a producer must not reuse a chunk's memory once yielded.
 */
export function decodeBinaryTrace<E extends TraceEventBase>(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  schema: TraceSchema<E>,
  options: BinaryDecodeOptions = {},
): AsyncGenerator<TraceItem<E>> {
  return decodeBinaryItems(chunks, schema, options, false) as AsyncGenerator<TraceItem<E>>
}

/**
 * {@link decodeBinaryTrace}, or with `blocks` each events block as one {@link BlockItem} instead
 * of an item per event (same checks, same valid prefix: a block is yielded whole or not at all);
 * with 'causes', each block's causes only ({@link CausesItem}: its columns and rare events are
 * neither decoded nor checked).
 * @internal
 */
export function decodeBinaryItems<E extends TraceEventBase>(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  schema: TraceSchema<E>,
  options: BinaryDecodeOptions,
  blocks: boolean,
): AsyncGenerator<TraceItem<E> | BlockItem<E>>
/** {@link decodeBinaryItems} of causes only. @internal */
export function decodeBinaryItems<E extends TraceEventBase>(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  schema: TraceSchema<E>,
  options: BinaryDecodeOptions,
  blocks: boolean | 'causes',
): AsyncGenerator<TraceItem<E> | BlockItem<E> | CausesItem>
export async function* decodeBinaryItems<E extends TraceEventBase>(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  schema: TraceSchema<E>,
  options: BinaryDecodeOptions,
  blocks: boolean | 'causes',
): AsyncGenerator<TraceItem<E> | BlockItem<E> | CausesItem> {
  const context = { file: options.file }
  const maxBlockBytes = options.maxBlockBytes ?? 64 << 20
  const queue = new ChunkQueue(chunks)
  let nextSeq = 0
  const need = async (count: number, what: string): Promise<ByteReader> => {
    const base = queue.consumed
    if (!(await queue.fill(count))) {
      throw formatError(
        context,
        `truncated: ${what} needs ${count} bytes, ${queue.buffered} left`,
        base + queue.buffered,
        { seq: nextSeq },
      )
    }
    return new ByteReader(queue.take(count), base)
  }
  try {
    const { headerLength, version } = readPreambleFixed(
      await need(PREAMBLE_FIXED_BYTES, 'the preamble'),
      context,
    )
    const { header, kinds } = readHeader(
      await need(headerLength, 'the header'),
      schema as TraceSchema,
      context,
      version,
    )
    const preambleEnd = PREAMBLE_FIXED_BYTES + headerLength
    yield { item: 'header', header }
    const decodeContext: DecodeContext = {
      kinds,
      minimumEventBytes: minimumEventBytesOf(kinds),
      file: options.file,
    }
    const seen: BinaryBlockInfo[] = []
    const seenStates: BinaryStateInfo[] = []
    for (;;) {
      if (await queue.atEnd())
        throw formatError(context, 'truncated: the index block is missing', queue.consumed, { seq: nextSeq })
      const frame = readBlockFrame(
        await need(BLOCK_HEADER_BYTES, 'a block header'),
        maxBlockBytes,
        context,
        version,
      )
      const stored = await need(frame.stored, 'a block')
      if (frame.tag === TAG_STATE) {
        // A state snapshot is for readers that seek; a reader of every event only checks it is
        // there, whole, where the index says (its bytes are read by openBinaryTrace's readState).
        checkBlockChecksum(frame, stored.bytes)
        seenStates.push({ offset: frame.offset, seq: nextSeq })
        continue
      }
      const payload = unpackBlock(frame, stored.bytes, options.compressor)
      if (frame.tag === TAG_INDEX) {
        const trailerOffset = queue.consumed
        const placement = { preambleEnd, indexOffset: frame.offset, trailerOffset }
        const index = readIndex(payload, stored.base, placement, { kinds, maxBlockBytes, version }, context)
        checkIndexMatchesBlocks(index, seen, seenStates, stored.base, context)
        const indexOffset = readTrailer(await need(TRAILER_BYTES, 'the trailer'), context)
        checkIndexOffset(indexOffset, placement, context)
        checkIndexFrame(frame, indexOffset, trailerOffset, context)
        if (!(await queue.atEnd())) throw formatError(context, 'bytes after the trailer', queue.consumed)
        // Digests are handed out once the whole layout is known sound.
        for (const checkpoint of index.checkpoints)
          yield { item: 'checkpoint', checkpoint: Object.freeze({ ...checkpoint }) }
        options.onProgress?.(nextSeq, queue.consumed)
        return
      }
      if (blocks === 'causes') {
        const reader = new ByteReader(payload, stored.base)
        const { count, causes } = decodeBlockPrelude(reader, stored.base, nextSeq, decodeContext)
        seen.push({ offset: frame.offset, firstSeq: nextSeq, count })
        nextSeq += count
        yield { item: 'causes', count, causes }
        options.onProgress?.(nextSeq, queue.consumed)
        continue
      }
      const block = decodeBlock<E>(payload, stored.base, nextSeq, decodeContext)
      seen.push({ offset: frame.offset, firstSeq: nextSeq, count: block.count })
      if (blocks) {
        nextSeq += block.count
        yield {
          item: 'block',
          count: block.count,
          appendTo: (log) => appendDecodedBlock(log, block, kinds),
          entries: () => blockEntries(block, kinds),
        }
      } else {
        for (const entry of blockEntries(block, kinds)) {
          nextSeq++
          yield { item: 'event', entry }
        }
      }
      options.onProgress?.(nextSeq, queue.consumed)
    }
  } catch (error) {
    throw asFormatError(error, context, nextSeq)
  }
}

/** A binary trace opened for random access through its index. */
export interface BinaryTraceIndex<E extends TraceEventBase> {
  readonly header: TraceHeader
  readonly events: number
  readonly blocks: readonly BinaryBlockInfo[]
  readonly checkpoints: readonly DigestCheckpoint[]
  /** The state blocks (version 2), ascending seqs: the model's state after `seq` events. */
  readonly states: readonly BinaryStateInfo[]
  /**
   * The state block `number` (of {@link states}): its seq, the state's digest as the writer computed
   * it, and the model's snapshot bytes (`base`: their offset in the file, for errors).
   * @throws TraceFormatError when the block is not whole or not the one the index lists.
   */
  readState(number: number): Promise<StateBlock>
  /** Entries `[from, to)`, reading only the blocks that hold them. */
  entries(from?: number, to?: number): AsyncGenerator<TraceEntry<E>>
  /**
   * Entries `[from, to)` a block at a time, only those of the kinds `wanted` accepts (all when not
   * given): a block none of whose events is of a wanted kind is skipped after its kinds are read
   * (inflated and checksummed, its columns neither decoded nor checked); in the others only the
   * wanted kinds' columns and rare events are decoded and checked (the rest skipped over).
   */
  entryBatches(
    from?: number,
    to?: number,
    wanted?: (type: string) => boolean,
  ): AsyncGenerator<readonly TraceEntry<E>[]>
  /** The entry at `seq`, reading one block; undefined outside the trace. */
  entryAt(seq: number): Promise<TraceEntry<E> | undefined>
  /**
   * How many events `[from, to)` are of the kinds `wanted` accepts, from each block's kinds alone
   * (inflated and checksummed, its columns and rare events neither decoded nor checked).
   */
  countKinds(from: number, to: number, wanted: (type: string) => boolean): Promise<number>
}

/** A {@link RandomAccessSource} over bytes in memory. */
export function bytesSource(bytes: Uint8Array): RandomAccessSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  }
}

/**
 * Opens a binary trace through its trailer and index: reads the preamble, the last 16 bytes and
 * the index block, nothing else, and checks the index against the layout (the counts it claims
 * must fit the bytes of their blocks). Blocks are read, and checked, on demand.
 * @throws TraceFormatError when the preamble, trailer or index is invalid (a truncated file has
 *   no trailer: read it with `decodeBinaryTrace` to get its valid prefix).
 */
export async function openBinaryTrace<E extends TraceEventBase>(
  source: RandomAccessSource,
  schema: TraceSchema<E>,
  options: BinaryDecodeOptions = {},
): Promise<BinaryTraceIndex<E>> {
  const context = { file: options.file }
  const maxBlockBytes = options.maxBlockBytes ?? 64 << 20
  const readExact = async (offset: number, length: number): Promise<ByteReader> => {
    const bytes = offset + length <= source.size ? await source.read(offset, length) : new Uint8Array(0)
    if (bytes.length !== length)
      throw new ByteReadError(`truncated: cannot read ${length} bytes at ${offset}`, offset)
    return new ByteReader(bytes, offset)
  }
  try {
    const { headerLength, version } = readPreambleFixed(await readExact(0, PREAMBLE_FIXED_BYTES), context)
    const preambleEnd = PREAMBLE_FIXED_BYTES + headerLength
    const { header, kinds } = readHeader(
      await readExact(PREAMBLE_FIXED_BYTES, headerLength),
      schema as TraceSchema,
      context,
      version,
    )
    const trailerOffset = source.size - TRAILER_BYTES
    const indexOffset = readTrailer(await readExact(trailerOffset, TRAILER_BYTES), context)
    checkIndexOffset(indexOffset, { preambleEnd, trailerOffset }, context)
    const frameReader = await readExact(indexOffset, BLOCK_HEADER_BYTES)
    // Whatever lies at the offset must be an index block before its frame means anything.
    if (frameReader.bytes[0] !== TAG_INDEX) throw misplacedIndexError(indexOffset, trailerOffset, context)
    const frame = readBlockFrame(frameReader, maxBlockBytes, context, version)
    checkIndexFrame(frame, indexOffset, trailerOffset, context)
    const stored = await readExact(indexOffset + BLOCK_HEADER_BYTES, frame.stored)
    const index = readIndex(
      unpackBlock(frame, stored.bytes, options.compressor),
      stored.base,
      { preambleEnd, indexOffset, trailerOffset },
      { kinds, maxBlockBytes, version },
      context,
    )
    const decodeContext: DecodeContext = {
      kinds,
      minimumEventBytes: minimumEventBytesOf(kinds),
      file: options.file,
    }
    // The last block decoded whole, while something still holds it: a seek that restores up to an
    // event and then reads the events right after it (machineAtIndex) decodes the block once. Weak,
    // so an open index retains no decoded block; entries are read-only, so sharing them is safe.
    let lastWhole: { readonly blockIndex: number; readonly entries: WeakRef<TraceEntry<E>[]> } | undefined
    /** The block's entries; with `wantedKinds`, none when no event of the block is of one. */
    const readBlock = async (
      blockIndex: number,
      wantedKinds?: readonly boolean[],
    ): Promise<TraceEntry<E>[]> => {
      if (wantedKinds === undefined && lastWhole?.blockIndex === blockIndex) {
        const cached = lastWhole.entries.deref()
        if (cached !== undefined) return cached
      }
      const block = index.blocks[blockIndex] as BinaryBlockInfo
      const end = index.blockEnds[blockIndex] as number
      try {
        const blockFrame = readBlockFrame(
          await readExact(block.offset, BLOCK_HEADER_BYTES),
          maxBlockBytes,
          context,
          version,
        )
        checkIndexedBlockFrame(blockFrame, blockIndex, end - block.offset, context)
        const blockStored = await readExact(block.offset + BLOCK_HEADER_BYTES, blockFrame.stored)
        const payload = unpackBlock(blockFrame, blockStored.bytes, options.compressor)
        if (wantedKinds !== undefined) {
          const prelude = decodeBlockPrelude(
            new ByteReader(payload, blockStored.base),
            blockStored.base,
            block.firstSeq,
            decodeContext,
          )
          if (!prelude.kindOf.some((kind) => wantedKinds[kind] === true)) return []
        }
        const decoded = decodeBlock<E>(payload, blockStored.base, block.firstSeq, decodeContext, wantedKinds)
        if (decoded.count !== block.count) {
          throw formatError(
            context,
            `block ${blockIndex} holds ${decoded.count} events, the index says ${block.count}`,
            block.offset,
            { field: `index.blocks.${blockIndex}.count` },
          )
        }
        const entries = blockEntries(decoded, kinds, wantedKinds)
        if (wantedKinds === undefined) lastWhole = { blockIndex, entries: new WeakRef(entries) }
        return entries
      } catch (error) {
        throw asFormatError(error, context, block.firstSeq)
      }
    }
    /** The kind id of each event of block `blockIndex` (its prelude alone decoded). */
    const readBlockKinds = async (blockIndex: number): Promise<ArrayLike<number>> => {
      const block = index.blocks[blockIndex] as BinaryBlockInfo
      try {
        const blockFrame = readBlockFrame(
          await readExact(block.offset, BLOCK_HEADER_BYTES),
          maxBlockBytes,
          context,
          version,
        )
        checkIndexedBlockFrame(
          blockFrame,
          blockIndex,
          (index.blockEnds[blockIndex] as number) - block.offset,
          context,
        )
        const blockStored = await readExact(block.offset + BLOCK_HEADER_BYTES, blockFrame.stored)
        const payload = unpackBlock(blockFrame, blockStored.bytes, options.compressor)
        const prelude = decodeBlockPrelude(
          new ByteReader(payload, blockStored.base),
          blockStored.base,
          block.firstSeq,
          decodeContext,
        )
        if (prelude.count !== block.count)
          throw formatError(
            context,
            `block ${blockIndex} holds ${prelude.count} events, the index says ${block.count}`,
            block.offset,
            { field: `index.blocks.${blockIndex}.count` },
          )
        return prelude.kindOf
      } catch (error) {
        throw asFormatError(error, context, block.firstSeq)
      }
    }
    const blockOf = (seq: number): number => {
      let low = 0
      let high = index.blocks.length - 1
      while (low < high) {
        const middle = (low + high + 1) >>> 1
        if ((index.blocks[middle] as BinaryBlockInfo).firstSeq <= seq) low = middle
        else high = middle - 1
      }
      return low
    }
    const readState = (number: number): Promise<StateBlock> =>
      readIndexedState(
        number,
        index,
        readExact,
        { maxBlockBytes, version, compressor: options.compressor },
        context,
      )
    return {
      header,
      events: index.events,
      blocks: index.blocks,
      checkpoints: index.checkpoints,
      states: index.states,
      readState,
      async *entries(from = 0, to = index.events) {
        const end = Math.min(to, index.events)
        if (from >= end) return
        for (let blockIndex = blockOf(Math.max(0, from)); blockIndex < index.blocks.length; blockIndex++) {
          const block = index.blocks[blockIndex] as BinaryBlockInfo
          if (block.firstSeq >= end) return
          for (const entry of await readBlock(blockIndex))
            if (entry.seq >= from && entry.seq < end) yield entry
        }
      },
      async *entryBatches(from = 0, to = index.events, wanted) {
        const end = Math.min(to, index.events)
        if (from >= end) return
        const wantedKinds = wanted === undefined ? undefined : kinds.map((kind) => wanted(kind.type))
        for (let blockIndex = blockOf(Math.max(0, from)); blockIndex < index.blocks.length; blockIndex++) {
          const block = index.blocks[blockIndex] as BinaryBlockInfo
          if (block.firstSeq >= end) return
          const entries = await readBlock(blockIndex, wantedKinds)
          const whole = block.firstSeq >= from && block.firstSeq + block.count <= end && wanted === undefined
          const batch = whole
            ? entries
            : entries.filter(
                (entry) =>
                  entry.seq >= from && entry.seq < end && (wanted === undefined || wanted(entry.event.type)),
              )
          if (batch.length > 0) yield batch
        }
      },
      async countKinds(from, to, wanted) {
        const end = Math.min(to, index.events)
        if (from >= end) return 0
        const wantedKinds = kinds.map((kind) => wanted(kind.type))
        let count = 0
        for (let blockIndex = blockOf(Math.max(0, from)); blockIndex < index.blocks.length; blockIndex++) {
          const block = index.blocks[blockIndex] as BinaryBlockInfo
          if (block.firstSeq >= end) break
          const kindOf = await readBlockKinds(blockIndex)
          const first = Math.max(0, from - block.firstSeq)
          const last = Math.min(block.count, end - block.firstSeq)
          for (let item = first; item < last; item++)
            if (wantedKinds[kindOf[item] as number] === true) count++
        }
        return count
      },
      async entryAt(seq) {
        if (!Number.isInteger(seq) || seq < 0 || seq >= index.events) return undefined
        const block = blockOf(seq)
        return (await readBlock(block))[seq - (index.blocks[block] as BinaryBlockInfo).firstSeq]
      },
    }
  } catch (error) {
    throw asFormatError(error, context, 0)
  }
}
