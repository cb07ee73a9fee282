// The rules of the binary trace layout (docs/trace-format.md), shared by both binary readers:
// the streaming one (decodeBinaryTrace, block after block) and the indexed one (openBinaryTrace,
// through the trailer and the index). The preamble and the block frames are checked here, the
// index and the trailer in binaryIndex.ts, and nowhere else: the two readers refuse the same
// files with the same errors.
//
//   preamble  magic "NTMMTRCE" | version u16 | flags u16 (reserved: 0) | headerLength u32 | header
//   block     tag u8 | codec u8 | storedLength u32 | rawLength u32 | checksum u32 | stored bytes
//   trailer   indexOffset low u32 | indexOffset high u32 | magic "NTMMEND!"
//
// Counts a file claims are checked against the bytes that must hold them before any work is
// done for them: deflate expands a byte into at most 1032, and an event takes at least a byte
// per field (high-volume kinds) or its JSON (rare kinds), so a block's stored length bounds its
// events.
import { type ByteReader, ByteReadError, checksum32 } from './byteCodec.js'
import { parseUntrustedJson } from './safeJson.js'
import { TraceFormatError } from './traceFormatError.js'
import { SUPPORTED_TRACE_VERSIONS, type TraceHeader, validateHeader } from './traceHeader.js'
import type { KindInfo, TraceSchema } from './traceSchema.js'

/** Compresses and decompresses block payloads (deflate-raw in the Node file module). */
export interface BlockCompressor {
  /** Compresses one block payload. */
  compress(bytes: Uint8Array): Uint8Array
  /**
   * Optional: compresses one block payload off the caller's thread (the Node file module's runs
   * zlib on libuv's threadpool), giving the same bytes as {@link compress}. `bytes` must not change
   * until the promise settles. The binary encoder uses it when present, a few blocks at a time.
   */
  compressAsync?(bytes: Uint8Array): Promise<Uint8Array>
  /** Must refuse (throw) output longer than `rawLength`. */
  decompress(bytes: Uint8Array, rawLength: number): Uint8Array
}

/** The magic at the start of a binary trace. */
export const BINARY_MAGIC = 'NTMMTRCE'
/** The magic at the end of a binary trace (the trailer's last 8 bytes). */
export const BINARY_END_MAGIC = 'NTMMEND!'
/** Block tag of an events block. */
export const TAG_EVENTS = 1
/** Block tag of the index block. */
export const TAG_INDEX = 2
/** Block tag of a state block (version 2): a snapshot of the model's state between two events blocks. */
export const TAG_STATE = 3
/** The first format version whose binary files may hold state blocks. */
export const STATE_BLOCKS_VERSION = 2
/** Block codec: stored as is. */
export const CODEC_NONE = 0
/** Block codec: deflate-raw (RFC 1951). */
export const CODEC_DEFLATE_RAW = 1
/** Bytes of a block frame before its stored bytes. */
export const BLOCK_HEADER_BYTES = 14
/** Bytes of the trailer. */
export const TRAILER_BYTES = 16
/** Bytes of the preamble before the header. */
export const PREAMBLE_FIXED_BYTES = 16
/** The longest header accepted. */
export const MAX_HEADER_BYTES = 16 << 20
/** The most events an events block holds. */
export const MAX_BLOCK_EVENTS = 1 << 20
/** Column mode: delta-of-delta zigzag varints. */
export const MODE_INTEGER = 0
/** Column mode: raw float64. */
export const MODE_FLOAT = 1
/** f64 columns are written as integers when every value is an integer of at most this magnitude. */
export const F64_INTEGER_LIMIT = 2 ** 50
/** 2^32, the weight of the trailer's high word. */
export const TWO_32 = 2 ** 32
/**
 * The most raw bytes deflate can give per stored byte: a 258-byte match coded in two bits (a
 * one-bit length code and a one-bit distance code) is the densest the format can express.
 */
export const MAX_DEFLATE_EXPANSION = 1032
/** The fewest raw payload bytes of an events block besides its events: firstSeq, count, runCount, one run, causeCount. */
const EVENTS_BLOCK_OVERHEAD = 6

/** The bytes of an ASCII string. */
export const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0))

/** One block's place in the file. */
export interface BinaryBlockInfo {
  readonly offset: number
  readonly firstSeq: number
  readonly count: number
}

/** Where errors are reported: the file name given by the caller. */
export interface LayoutContext {
  readonly file: string | undefined
}

/** A TraceFormatError at byte `offset` of the file. */
export function formatError(
  context: LayoutContext,
  reason: string,
  offset: number,
  extra: { seq?: number; field?: string } = {},
): TraceFormatError {
  return new TraceFormatError({
    reason,
    offset,
    ...(context.file === undefined ? {} : { file: context.file }),
    ...extra,
  })
}

/**
 * Reads the preamble's fixed 16 bytes: the magic, a supported version, zero reserved flags and a
 * header length within bounds. Returns the header length and the version.
 */
export function readPreambleFixed(
  reader: ByteReader,
  context: LayoutContext,
): { readonly headerLength: number; readonly version: number } {
  const magic = String.fromCharCode(...reader.take(8))
  if (magic !== BINARY_MAGIC)
    throw formatError(context, 'not an ntmm binary trace (bad magic)', 0, { field: 'magic' })
  const version = reader.u16()
  if (!SUPPORTED_TRACE_VERSIONS.includes(version)) {
    throw formatError(
      context,
      `unsupported trace format version ${version}; supported: ${SUPPORTED_TRACE_VERSIONS.join(', ')}`,
      8,
      { field: 'version' },
    )
  }
  const flags = reader.u16()
  if (flags !== 0) {
    throw formatError(context, `reserved flags 0x${flags.toString(16).padStart(4, '0')} must be 0`, 10, {
      field: 'flags',
    })
  }
  const headerLength = reader.u32()
  if (headerLength > MAX_HEADER_BYTES) {
    throw formatError(context, `header length ${headerLength} exceeds ${MAX_HEADER_BYTES}`, 12, {
      field: 'headerLength',
    })
  }
  return { headerLength, version }
}

/**
 * Reads and checks the JSON header (the reader holds exactly its bytes); its version must be the
 * preamble's.
 */
export function readHeader(
  reader: ByteReader,
  schema: TraceSchema,
  context: LayoutContext,
  version: number,
): { header: TraceHeader; kinds: KindInfo[] } {
  const headerOffset = reader.offset
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(reader.take(reader.remaining))
  } catch {
    throw formatError(context, 'header is not UTF-8', headerOffset, { field: 'header' })
  }
  const parsed = parseUntrustedJson(text)
  if (!parsed.ok)
    throw formatError(context, `invalid header: ${parsed.problem.reason}`, headerOffset, { field: 'header' })
  const checked = validateHeader(parsed.value, schema, {
    offset: headerOffset,
    ...(context.file === undefined ? {} : { file: context.file }),
  })
  if (checked.header.version !== version)
    throw formatError(
      context,
      `the header says version ${checked.header.version}, the preamble ${version}`,
      headerOffset,
      { field: 'header.version' },
    )
  return checked
}

/** A block frame as read (offset: the frame's first byte in the file). */
export interface BlockFrame {
  readonly tag: number
  readonly codec: number
  readonly stored: number
  readonly raw: number
  readonly checksum: number
  readonly offset: number
}

/**
 * Reads a block frame at the reader's position and checks every claim it makes before its
 * stored bytes are read: known tag and codec, lengths within `maxBlockBytes`, a stored block as
 * long raw as stored, a deflated one no longer than deflate can expand to, an index never
 * compressed.
 */
export function readBlockFrame(
  reader: ByteReader,
  maxBlockBytes: number,
  context: LayoutContext,
  version: number,
): BlockFrame {
  const offset = reader.offset
  const tag = reader.u8()
  const codec = reader.u8()
  const stored = reader.u32()
  const raw = reader.u32()
  const checksum = reader.u32()
  const fail = (reason: string, at: number, field: string) =>
    formatError(context, reason, offset + at, { field })
  if (tag !== TAG_EVENTS && tag !== TAG_INDEX && !(tag === TAG_STATE && version >= STATE_BLOCKS_VERSION))
    throw fail(
      tag === TAG_STATE
        ? `a state block in a version ${version} file (state blocks are version ${STATE_BLOCKS_VERSION})`
        : `unknown block tag ${tag}`,
      0,
      'tag',
    )
  if (codec !== CODEC_NONE && codec !== CODEC_DEFLATE_RAW)
    throw fail(`unknown block codec ${codec}`, 1, 'codec')
  if (tag === TAG_INDEX && codec !== CODEC_NONE) throw fail('the index block is never compressed', 1, 'codec')
  if (stored > maxBlockBytes)
    throw fail(`block of ${stored} stored bytes exceeds the limit ${maxBlockBytes}`, 2, 'storedLength')
  if (raw > maxBlockBytes)
    throw fail(`block of ${raw} raw bytes exceeds the limit ${maxBlockBytes}`, 6, 'rawLength')
  if (codec === CODEC_NONE && raw !== stored)
    throw fail(`a stored block's raw length ${raw} differs from its stored length ${stored}`, 6, 'rawLength')
  if (codec === CODEC_DEFLATE_RAW && raw > stored * MAX_DEFLATE_EXPANSION) {
    throw fail(
      `block claims ${raw} raw bytes from ${stored} deflated bytes; deflate gives at most ${stored * MAX_DEFLATE_EXPANSION}`,
      6,
      'rawLength',
    )
  }
  return { tag, codec, stored, raw, checksum, offset }
}

/** Checks a block's stored bytes against its checksum (what a reader skipping it still does). */
export function checkBlockChecksum(frame: BlockFrame, stored: Uint8Array): void {
  if (checksum32(stored) !== frame.checksum)
    throw new ByteReadError('block checksum mismatch', frame.offset + BLOCK_HEADER_BYTES)
}

/** Checks and decompresses a block's stored bytes. */
export function unpackBlock(
  frame: BlockFrame,
  stored: Uint8Array,
  compressor: BlockCompressor | undefined,
): Uint8Array {
  const payloadOffset = frame.offset + BLOCK_HEADER_BYTES
  if (checksum32(stored) !== frame.checksum) throw new ByteReadError('block checksum mismatch', payloadOffset)
  if (frame.codec === CODEC_NONE) return stored
  if (compressor === undefined)
    throw new ByteReadError('compressed block, but no decompressor was given', frame.offset + 1)
  let raw: Uint8Array
  try {
    raw = compressor.decompress(stored, frame.raw)
  } catch (error) {
    throw new ByteReadError(`block does not decompress: ${(error as Error).message}`, payloadOffset)
  }
  if (raw.length !== frame.raw)
    throw new ByteReadError('decompressed length differs from the frame', payloadOffset)
  return raw
}

/**
 * The fewest raw bytes an event of `kind` takes in an events block: a byte per field of a
 * high-volume kind (a one-byte varint), the length varint and the smallest JSON object naming
 * its type (`{"type":"…"}`) for a rare kind. A high-volume kind without fields takes none.
 */
function minimumEventBytes(kind: KindInfo): number {
  return kind.volume === 'high' ? kind.fields.length : 1 + 11 + kind.type.length
}

/** The fewest raw bytes any event of `kinds` takes (0 when a kind takes none). */
export function minimumEventBytesOf(kinds: readonly KindInfo[]): number {
  return Math.min(...kinds.map(minimumEventBytes))
}

/**
 * The most events `rawBytes` of an events block's payload (or, with `afterCount`, its bytes
 * after the count) can hold, for events of at least `minimumBytes` each.
 */
export function eventCapacity(rawBytes: number, minimumBytes: number, afterCount = false): number {
  if (minimumBytes === 0) return MAX_BLOCK_EVENTS
  const overhead = afterCount ? 0 : EVENTS_BLOCK_OVERHEAD
  return Math.min(MAX_BLOCK_EVENTS, Math.max(0, Math.floor((rawBytes - overhead) / minimumBytes)))
}

/** Converts any failure inside a decoder into a TraceFormatError. */
export function asFormatError(error: unknown, context: LayoutContext, seq: number): TraceFormatError {
  if (error instanceof TraceFormatError) return error
  if (error instanceof ByteReadError) return formatError(context, error.message, error.offset, { seq })
  return formatError(context, `unreadable input: ${(error as Error).message}`, 0, { seq })
}
