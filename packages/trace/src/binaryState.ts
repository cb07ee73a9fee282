// The state block of a version-2 binary trace (docs/trace-format.md, "State blocks"): a snapshot
// of the model's state after the events before it, so a reader seeking to an event restores the
// nearest snapshot and replays only the events after it. The payload is the seq it holds the
// state at, the writer's digest of that state (a reader checks the restored state against it) and
// the model's own bytes (TraceModel.encodeSnapshot). No node: imports.
import { type BinaryIndex, type BinaryStateInfo, checkIndexedBlockFrame } from './binaryIndex.js'
import {
  asFormatError,
  BLOCK_HEADER_BYTES,
  type BlockCompressor,
  formatError,
  type LayoutContext,
  readBlockFrame,
  unpackBlock,
} from './binaryLayout.js'
import { ByteReader, ByteWriter } from './byteCodec.js'

/** A state block's content (see BinaryTraceIndex.readState). */
export interface StateBlock {
  readonly seq: number
  readonly digest: string
  readonly bytes: Uint8Array
  /** Offset of `bytes` in the file (uncompressed bytes: the block's payload offset). */
  readonly base: number
}

/**
 * Reads state block `number` of an opened file through its index: its frame, the span the index
 * gives it, its checksum and inflated length, and the seq its payload holds.
 */
export async function readIndexedState(
  number: number,
  index: BinaryIndex,
  readExact: (offset: number, length: number) => Promise<ByteReader>,
  limits: {
    readonly maxBlockBytes: number
    readonly version: number
    readonly compressor: BlockCompressor | undefined
  },
  context: LayoutContext,
): Promise<StateBlock> {
  const state = index.states[number]
  if (state === undefined) throw new RangeError(`readState: no state block ${number}`)
  try {
    const frame = readBlockFrame(
      await readExact(state.offset, BLOCK_HEADER_BYTES),
      limits.maxBlockBytes,
      context,
      limits.version,
    )
    checkIndexedBlockFrame(frame, number, (index.stateEnds[number] as number) - state.offset, context, true)
    const stored = await readExact(state.offset + BLOCK_HEADER_BYTES, frame.stored)
    return readStatePayload(
      unpackBlock(frame, stored.bytes, limits.compressor),
      stored.base,
      state,
      number,
      context,
    )
  } catch (error) {
    throw asFormatError(error, context, state.seq)
  }
}

/** The longest digest a state block carries (as a digest record's). */
const MAX_DIGEST_LENGTH = 256

/** The raw payload of a state block. */
export function writeStatePayload(seq: number, digest: string, snapshot: Uint8Array): Uint8Array {
  const head = statePayloadHead(seq, digest)
  const payload = new Uint8Array(head.length + snapshot.length)
  payload.set(head)
  payload.set(snapshot, head.length)
  return payload
}

/**
 * The bytes of a state block's raw payload before its snapshot: its seq and digest (a writer
 * that encodes the snapshot right after them, `SnapshotBytes.encodeAfter`, copies nothing).
 */
export function statePayloadHead(seq: number, digest: string): Uint8Array {
  const digestBytes = new TextEncoder().encode(digest)
  if (digestBytes.length > MAX_DIGEST_LENGTH)
    throw new RangeError(`a state digest of ${digestBytes.length} bytes exceeds ${MAX_DIGEST_LENGTH}`)
  const writer = new ByteWriter(digestBytes.length + 16)
  writer.varint(seq)
  writer.varint(digestBytes.length)
  writer.raw(digestBytes)
  return writer.result()
}

/** Reads a state block's raw payload (at byte `base`), which must hold the state the index lists. */
export function readStatePayload(
  payload: Uint8Array,
  base: number,
  listed: BinaryStateInfo,
  number: number,
  context: LayoutContext,
): StateBlock {
  const reader = new ByteReader(payload, base)
  const seqAt = reader.offset
  const seq = reader.varint()
  if (seq !== listed.seq)
    throw formatError(
      context,
      `state block ${number} holds seq ${seq}, the index says ${listed.seq}`,
      seqAt,
      {
        field: `index.states.${number}.seq`,
        seq: listed.seq,
      },
    )
  const digestAt = reader.offset
  const length = reader.bounded(MAX_DIGEST_LENGTH, 'digest length')
  let digest: string
  try {
    digest = new TextDecoder('utf-8', { fatal: true }).decode(reader.take(length))
  } catch {
    throw formatError(context, `state block ${number}'s digest is not UTF-8`, digestAt, {
      field: 'state.digest',
    })
  }
  const bytesBase = reader.offset
  return { seq, digest, bytes: reader.take(reader.remaining), base: bytesBase }
}
