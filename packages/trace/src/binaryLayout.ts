// The rules of the binary trace layout (docs/trace-format.md), shared by both binary readers:
// the streaming one (decodeBinaryTrace, block after block) and the indexed one (openBinaryTrace,
// through the trailer and the index). Preamble, block frames, the index and the trailer are
// checked here and only here, so the two readers cannot drift apart.
import * as v from 'valibot'
import { type ByteReader, ByteReadError, checksum32 } from './byteCodec.js'
import { parseUntrustedJson } from './safeJson.js'
import { TraceFormatError } from './traceFormatError.js'
import { SUPPORTED_TRACE_VERSIONS, type TraceHeader, validateHeader } from './traceHeader.js'
import type { KindInfo, TraceSchema } from './traceSchema.js'

/** Compresses and decompresses block payloads (deflate-raw in the Node file module). */
export interface BlockCompressor {
  /** Compresses one block payload. */
  compress(bytes: Uint8Array): Uint8Array
  /** Must refuse (throw) output longer than `rawLength`. */
  decompress(bytes: Uint8Array, rawLength: number): Uint8Array
}

export const BINARY_MAGIC = 'NTMMTRCE'
export const BINARY_END_MAGIC = 'NTMMEND!'
export const TAG_EVENTS = 1
export const TAG_INDEX = 2
export const CODEC_NONE = 0
export const CODEC_DEFLATE_RAW = 1
export const BLOCK_HEADER_BYTES = 14
export const TRAILER_BYTES = 16
export const PREAMBLE_FIXED_BYTES = 16
export const MAX_HEADER_BYTES = 16 << 20
export const MAX_BLOCK_EVENTS = 1 << 20
export const MODE_INTEGER = 0
export const MODE_FLOAT = 1
export const F64_INTEGER_LIMIT = 2 ** 50
export const TWO_32 = 2 ** 32

export const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0))

/** One block's place in the file. */
export interface BinaryBlockInfo {
  readonly offset: number
  readonly firstSeq: number
  readonly count: number
}

const indexSchema = v.object({
  events: v.pipe(v.number(), v.integer(), v.minValue(0)),
  blocks: v.array(
    v.object({
      offset: v.pipe(v.number(), v.integer(), v.minValue(0)),
      firstSeq: v.pipe(v.number(), v.integer(), v.minValue(0)),
      count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_BLOCK_EVENTS)),
    }),
  ),
  checkpoints: v.array(
    v.object({
      seq: v.pipe(v.number(), v.integer(), v.minValue(0)),
      digest: v.pipe(v.string(), v.maxLength(256)),
    }),
  ),
})

export function formatError(
  context: { readonly file: string | undefined },
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

/** Reads the fixed preamble and the header from `bytes` (which must hold them). */
export function readPreamble(
  reader: ByteReader,
  schema: TraceSchema,
  file: string | undefined,
): { header: TraceHeader; kinds: KindInfo[] } {
  const magic = String.fromCharCode(...reader.take(8))
  if (magic !== BINARY_MAGIC)
    throw formatError({ file }, 'not an ntmm binary trace (bad magic)', 0, { field: 'magic' })
  const version = reader.u16()
  if (!SUPPORTED_TRACE_VERSIONS.includes(version)) {
    throw formatError(
      { file },
      `unsupported trace format version ${version}; supported: ${SUPPORTED_TRACE_VERSIONS.join(', ')}`,
      8,
      { field: 'version' },
    )
  }
  reader.u16()
  const headerLength = reader.u32()
  if (headerLength > MAX_HEADER_BYTES) {
    throw formatError({ file }, `header length ${headerLength} exceeds ${MAX_HEADER_BYTES}`, 12, {
      field: 'header',
    })
  }
  const headerOffset = reader.offset
  const text = new TextDecoder('utf-8', { fatal: true }).decode(reader.take(headerLength))
  const parsed = parseUntrustedJson(text)
  if (!parsed.ok)
    throw formatError({ file }, `invalid header: ${parsed.problem.reason}`, headerOffset, { field: 'header' })
  return validateHeader(parsed.value, schema, {
    offset: headerOffset,
    ...(file === undefined ? {} : { file }),
  })
}

/** Parses a block frame header at the reader's position. */
export function readBlockHeader(
  reader: ByteReader,
  maxBlockBytes: number,
): { tag: number; codec: number; stored: number; raw: number; checksum: number; offset: number } {
  const offset = reader.offset
  const tag = reader.u8()
  const codec = reader.u8()
  const stored = reader.u32()
  const raw = reader.u32()
  const checksum = reader.u32()
  if (tag !== TAG_EVENTS && tag !== TAG_INDEX) throw new ByteReadError(`unknown block tag ${tag}`, offset)
  if (codec !== CODEC_NONE && codec !== CODEC_DEFLATE_RAW)
    throw new ByteReadError(`unknown block codec ${codec}`, offset + 1)
  if (stored > maxBlockBytes || raw > maxBlockBytes) {
    throw new ByteReadError(
      `block of ${Math.max(stored, raw)} bytes exceeds the limit ${maxBlockBytes}`,
      offset + 2,
    )
  }
  return { tag, codec, stored, raw, checksum, offset }
}

/** Checks and decompresses a block's stored bytes. */
export function unpackBlock(
  frame: { codec: number; stored: number; raw: number; checksum: number; offset: number },
  stored: Uint8Array,
  compressor: BlockCompressor | undefined,
): Uint8Array {
  const payloadOffset = frame.offset + BLOCK_HEADER_BYTES
  if (checksum32(stored) !== frame.checksum) throw new ByteReadError('block checksum mismatch', payloadOffset)
  if (frame.codec === CODEC_NONE) {
    if (frame.raw !== frame.stored) throw new ByteReadError('raw and stored lengths differ', frame.offset + 6)
    return stored
  }
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

export function parseIndex(
  payload: Uint8Array,
  offset: number,
  context: { file: string | undefined },
): v.InferOutput<typeof indexSchema> {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload)
  } catch {
    throw formatError(context, 'index is not UTF-8', offset, { field: 'index' })
  }
  const parsed = parseUntrustedJson(text)
  if (!parsed.ok)
    throw formatError(context, `invalid index: ${parsed.problem.reason}`, offset, { field: 'index' })
  const result = v.safeParse(indexSchema, parsed.value)
  if (!result.success) {
    const issue = result.issues[0]
    throw formatError(context, `invalid index: ${issue?.message ?? ''}`, offset, {
      field: `index.${(issue === undefined ? null : v.getDotPath(issue)) ?? ''}`,
    })
  }
  return result.output
}

/** Converts any failure inside the decoder into a TraceFormatError. */
export function asFormatError(
  error: unknown,
  context: { file: string | undefined },
  seq: number,
): TraceFormatError {
  if (error instanceof TraceFormatError) return error
  if (error instanceof ByteReadError) return formatError(context, error.message, error.offset, { seq })
  return formatError(context, `unreadable input: ${(error as Error).message}`, 0, { seq })
}
