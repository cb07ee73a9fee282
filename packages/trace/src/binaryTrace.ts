// The compact binary trace encoding (specified in docs/trace-format.md): its two readers, the
// streaming one (constant memory, one block at a time, the valid prefix on error) and the
// indexed one (random access through the trailer and the index). The encoder is in
// binaryEncoder.ts, the layout rules both readers share in binaryLayout.ts, the events block in
// binaryBlock.ts. Works on Uint8Array chunks: no node: imports.
import { appendDecodedBlock, blockEntries, type DecodeContext, decodeBlock } from './binaryBlock.js'
import {
  asFormatError,
  BINARY_END_MAGIC,
  BINARY_MAGIC,
  type BinaryBlockInfo,
  BLOCK_HEADER_BYTES,
  type BlockCompressor,
  formatError,
  MAX_HEADER_BYTES,
  PREAMBLE_FIXED_BYTES,
  parseIndex,
  readBlockHeader,
  readPreamble,
  TAG_INDEX,
  TRAILER_BYTES,
  TWO_32,
  unpackBlock,
} from './binaryLayout.js'
import { ByteReader, ByteReadError } from './byteCodec.js'
import { ChunkQueue } from './chunkQueue.js'
import type { TraceEntry } from './traceLog.js'
import type { TraceEventBase, TraceSchema } from './traceSchema.js'
import type { BlockItem, TraceItem } from './traceStream.js'
import type { DigestCheckpoint } from './verify.js'
import type { TraceHeader } from './traceHeader.js'

export { type BinaryEncodeOptions, encodeBinaryTrace } from './binaryEncoder.js'
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
 * of an item per event (same checks, same valid prefix: a block is yielded whole or not at all).
 * @internal
 */
export async function* decodeBinaryItems<E extends TraceEventBase>(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  schema: TraceSchema<E>,
  options: BinaryDecodeOptions,
  blocks: boolean,
): AsyncGenerator<TraceItem<E> | BlockItem<E>> {
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
        {
          seq: nextSeq,
        },
      )
    }
    return new ByteReader(queue.take(count), base)
  }
  try {
    const fixed = await need(PREAMBLE_FIXED_BYTES, 'the preamble')
    const headerLength = new DataView(fixed.bytes.buffer, fixed.bytes.byteOffset + 12, 4).getUint32(0, true)
    const headerReader =
      headerLength <= MAX_HEADER_BYTES && String.fromCharCode(...fixed.bytes.subarray(0, 8)) === BINARY_MAGIC
        ? await need(headerLength, 'the header')
        : new ByteReader(new Uint8Array(0), PREAMBLE_FIXED_BYTES)
    const preamble = new Uint8Array(PREAMBLE_FIXED_BYTES + headerReader.bytes.length)
    preamble.set(fixed.bytes)
    preamble.set(headerReader.bytes, PREAMBLE_FIXED_BYTES)
    const { header, kinds } = readPreamble(new ByteReader(preamble, 0), schema as TraceSchema, options.file)
    yield { item: 'header', header }
    const decodeContext: DecodeContext = { kinds, file: options.file }
    for (;;) {
      if (await queue.atEnd())
        throw formatError(context, 'truncated: the index block is missing', queue.consumed, { seq: nextSeq })
      const frame = readBlockHeader(await need(BLOCK_HEADER_BYTES, 'a block header'), maxBlockBytes)
      const stored = await need(frame.stored, 'a block')
      const payload = unpackBlock(frame, stored.bytes, options.compressor)
      if (frame.tag === TAG_INDEX) {
        const index = parseIndex(payload, frame.offset + BLOCK_HEADER_BYTES, context)
        if (index.events !== nextSeq) {
          throw formatError(
            context,
            `index counts ${index.events} events, the blocks hold ${nextSeq}`,
            frame.offset,
            {
              field: 'index.events',
            },
          )
        }
        for (const checkpoint of index.checkpoints)
          yield { item: 'checkpoint', checkpoint: Object.freeze({ ...checkpoint }) }
        const trailer = await need(TRAILER_BYTES, 'the trailer')
        trailer.u32()
        trailer.u32()
        if (String.fromCharCode(...trailer.take(8)) !== BINARY_END_MAGIC) {
          throw formatError(context, 'bad trailer magic', trailer.base + 8, { field: 'trailer' })
        }
        if (!(await queue.atEnd())) throw formatError(context, 'bytes after the trailer', queue.consumed)
        options.onProgress?.(nextSeq, queue.consumed)
        return
      }
      const block = decodeBlock<E>(payload, frame.offset + BLOCK_HEADER_BYTES, nextSeq, decodeContext)
      if (blocks) {
        nextSeq += block.count
        yield { item: 'block', count: block.count, appendTo: (log) => appendDecodedBlock(log, block, kinds) }
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
  /** Entries `[from, to)`, reading only the blocks that hold them. */
  entries(from?: number, to?: number): AsyncGenerator<TraceEntry<E>>
  /** The entry at `seq`, reading one block; undefined outside the trace. */
  entryAt(seq: number): Promise<TraceEntry<E> | undefined>
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
 * the index block, nothing else. Blocks are read on demand.
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
    const fixed = await readExact(0, PREAMBLE_FIXED_BYTES)
    const headerLength = new DataView(fixed.bytes.buffer, fixed.bytes.byteOffset + 12, 4).getUint32(0, true)
    const preambleLength = PREAMBLE_FIXED_BYTES + Math.min(headerLength, MAX_HEADER_BYTES)
    const { header, kinds } = readPreamble(
      await readExact(0, preambleLength),
      schema as TraceSchema,
      options.file,
    )
    const trailer = await readExact(source.size - TRAILER_BYTES, TRAILER_BYTES)
    const indexOffset = trailer.u32() + trailer.u32() * TWO_32
    if (String.fromCharCode(...trailer.take(8)) !== BINARY_END_MAGIC) {
      throw formatError(
        context,
        'bad trailer magic (truncated or not a complete binary trace)',
        trailer.base + 8,
        {
          field: 'trailer',
        },
      )
    }
    if (indexOffset < preambleLength || indexOffset > source.size - TRAILER_BYTES - BLOCK_HEADER_BYTES) {
      throw formatError(context, `index offset ${indexOffset} is outside the file`, trailer.base, {
        field: 'trailer',
      })
    }
    const frame = readBlockHeader(await readExact(indexOffset, BLOCK_HEADER_BYTES), maxBlockBytes)
    if (frame.tag !== TAG_INDEX)
      throw formatError(context, 'the trailer does not point at an index block', indexOffset)
    const stored = await readExact(indexOffset + BLOCK_HEADER_BYTES, frame.stored)
    const index = parseIndex(unpackBlock(frame, stored.bytes, options.compressor), stored.base, context)
    let expected = 0
    for (const block of index.blocks) {
      if (block.firstSeq !== expected || block.offset >= indexOffset) {
        throw formatError(context, 'index blocks are not contiguous', stored.base, { field: 'index.blocks' })
      }
      expected += block.count
    }
    if (expected !== index.events)
      throw formatError(context, 'index block counts do not add up', stored.base, { field: 'index.events' })
    const decodeContext: DecodeContext = { kinds, file: options.file }
    const readBlock = async (blockIndex: number): Promise<TraceEntry<E>[]> => {
      const block = index.blocks[blockIndex] as BinaryBlockInfo
      try {
        const blockFrame = readBlockHeader(await readExact(block.offset, BLOCK_HEADER_BYTES), maxBlockBytes)
        const blockStored = await readExact(block.offset + BLOCK_HEADER_BYTES, blockFrame.stored)
        const payload = unpackBlock(blockFrame, blockStored.bytes, options.compressor)
        const entries = blockEntries(
          decodeBlock<E>(payload, blockStored.base, block.firstSeq, decodeContext),
          kinds,
        )
        if (entries.length !== block.count)
          throw formatError(context, 'block size differs from the index', block.offset)
        return entries
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
    return {
      header,
      events: index.events,
      blocks: index.blocks,
      checkpoints: index.checkpoints,
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
