// State checkpoints stored in a binary trace (version 2, docs/trace-format.md "State blocks"):
// the writer's side, the model's state every so many events taken by replaying the log once as
// the encoder passes (BinaryEncodeOptions.states), and the reader's side, the state after any
// seq rebuilt from the nearest state block at or before it plus the events after it — instead
// of from event 0 (rr's and WinDbg TTD's keyframes). The model turns its snapshots into bytes and
// back (`encodeSnapshot`, `decodeSnapshot`; snapshotCodec.ts does it for most models).
import {
  type BinaryStateBlock,
  type BinaryStateWriter,
  frameStateBlock,
  frameStateBlockAsync,
} from './binaryEncoder.js'
import type { BlockCompressor } from './binaryLayout.js'
import { statePayloadHead, writeStatePayload } from './binaryState.js'
import type { BinaryTraceIndex } from './binaryTrace.js'
import { ByteReadError } from './byteCodec.js'
import { replayRange } from './replayRange.js'
import { SnapshotBuffer } from './snapshotCodec.js'
import { TraceFormatError } from './traceFormatError.js'
import type { TraceLog } from './traceLog.js'
import type { TraceModel } from './traceModel.js'
import type { TraceEventBase } from './traceSchema.js'

/** A model's snapshots as bytes (what a state block stores). */
export interface SnapshotBytes<Snap> {
  /** The snapshot as the bytes a state block stores. */
  encode(snapshot: Snap): Uint8Array
  /**
   * Optional: `head` followed by what {@link SnapshotBytes.encode} gives, written into `buffer`
   * (the result a view of it, valid until the buffer's next use). A state writer encodes a
   * block's whole payload with it, reusing one buffer for all (encodeSnapshotValue's options).
   */
  encodeAfter?(head: Uint8Array, snapshot: Snap, buffer: SnapshotBuffer): Uint8Array
  /** @throws ByteReadError (or any error) for bytes that are not a snapshot. */
  decode(bytes: Uint8Array, base: number): Snap
}

/**
 * The state writer of {@link encodeBinaryTrace} for `log`: the model's state after every `every`
 * events, replayed once from the start (one replay of the whole log in all) as the encoder asks.
 */
export function logStateWriter<S, E extends TraceEventBase, C, Snap>(
  log: TraceLog<E>,
  model: TraceModel<S, E, C, Snap>,
  config: C,
  every: number,
  bytes: SnapshotBytes<Snap>,
): BinaryStateWriter {
  let state = model.initial(config)
  let position = 0
  // One buffer for every block's payload (see SnapshotBuffer), when the model's bytes can use it.
  const buffer = bytes.encodeAfter === undefined ? undefined : new SnapshotBuffer()
  return {
    every,
    state(seq) {
      if (seq < position) throw new RangeError(`logStateWriter: seq ${seq} before ${position}`)
      state = replayRange(log, model, state, position, seq)
      position = seq
      const digest = model.digest(state)
      const snapshot = model.checkpoint(state)
      if (buffer === undefined) return { digest, bytes: bytes.encode(snapshot) }
      const head = statePayloadHead(seq, digest)
      const payload = (bytes.encodeAfter as NonNullable<SnapshotBytes<Snap>['encodeAfter']>)(
        head,
        snapshot,
        buffer,
      )
      return { digest, bytes: payload.subarray(head.length), payload }
    },
  }
}

/**
 * The state block of `state`, the model's state after the first `seq` events, framed and
 * compressed as {@link encodeBinaryTrace} writes the one {@link logStateWriter} gives it: for a
 * writer that takes the state as the machine runs (rr's and TTD's keyframes taken while
 * recording) and keeps only the block, not the snapshot. `buffer` is reused for the raw payload
 * when the model's bytes can use one.
 */
export function encodeStateBlock<S, E extends TraceEventBase, C, Snap>(
  model: TraceModel<S, E, C, Snap>,
  state: S,
  seq: number,
  bytes: SnapshotBytes<Snap>,
  compressor: BlockCompressor | undefined,
  buffer?: SnapshotBuffer,
): BinaryStateBlock {
  const { digest, payload } = statePayload(model, state, seq, bytes, buffer)
  return { digest, block: frameStateBlock(payload, compressor) }
}

/**
 * {@link encodeStateBlock} with the block compressed off the caller's thread when the compressor
 * can (`compressAsync`): the same block. The state is encoded now; `buffer` holds the raw payload
 * until the promise settles, so it must not be reused before.
 */
export function encodeStateBlockAsync<S, E extends TraceEventBase, C, Snap>(
  model: TraceModel<S, E, C, Snap>,
  state: S,
  seq: number,
  bytes: SnapshotBytes<Snap>,
  compressor: BlockCompressor | undefined,
  buffer?: SnapshotBuffer,
): Promise<BinaryStateBlock> {
  const { digest, payload } = statePayload(model, state, seq, bytes, buffer)
  return frameStateBlockAsync(payload, compressor).then((block) => ({ digest, block }))
}

/** A state block's digest and raw payload (seq, digest, snapshot), in `buffer` when it can be. */
function statePayload<S, E extends TraceEventBase, C, Snap>(
  model: TraceModel<S, E, C, Snap>,
  state: S,
  seq: number,
  bytes: SnapshotBytes<Snap>,
  buffer: SnapshotBuffer | undefined,
): { readonly digest: string; readonly payload: Uint8Array } {
  const digest = model.digest(state)
  const snapshot = model.checkpoint(state)
  const payload =
    buffer === undefined || bytes.encodeAfter === undefined
      ? writeStatePayload(seq, digest, bytes.encode(snapshot))
      : bytes.encodeAfter(statePayloadHead(seq, digest), snapshot, buffer)
  return { digest, payload }
}

/** Where {@link restoreStateAt} started: the state block used (-1: none) and its seq. */
export interface RestoredState<S> {
  readonly state: S
  /** The seq of the state block restored (0: the initial state, no block). */
  readonly from: number
  /** Events replayed after it. */
  readonly replayed: number
}

/**
 * The state after the first `seq` events of an opened binary trace: the nearest state block at
 * or before `seq` restored (checked against the digest the writer stored) and the events after it
 * applied with `model` (a checking model may throw TraceFormatError for an event), or from the
 * initial state when the file has no state block before `seq` (a version-1 file).
 * @throws TraceFormatError for a state block that is not whole, does not decode, or restores a
 *   state whose digest is not the one stored; RangeError for a seq outside [0, events].
 */
export async function restoreStateAt<S, E extends TraceEventBase, C, Snap>(
  index: BinaryTraceIndex<E>,
  model: TraceModel<S, E, C, Snap>,
  config: C,
  seq: number,
  bytes: SnapshotBytes<Snap>,
  options: {
    readonly file?: string
    /** Told the seq replay starts from (the restored block's, or 0) before any event is applied. */
    readonly onRestored?: (from: number) => void
  } = {},
): Promise<RestoredState<S>> {
  if (!Number.isSafeInteger(seq) || seq < 0 || seq > index.events)
    throw new RangeError(`restoreStateAt: seq ${seq} outside [0, ${index.events}]`)
  let number = -1
  for (let candidate = 0; candidate < index.states.length; candidate++)
    if ((index.states[candidate]?.seq as number) <= seq) number = candidate
  let state: S
  let from = 0
  if (number < 0) state = model.initial(config)
  else {
    const block = await index.readState(number)
    const fail = (reason: string, offset: number) =>
      new TraceFormatError({
        reason,
        offset,
        seq: block.seq,
        field: `index.states.${number}`,
        ...(options.file === undefined ? {} : { file: options.file }),
      })
    let snapshot: Snap
    try {
      snapshot = bytes.decode(block.bytes, block.base)
      state = model.restore(snapshot)
    } catch (error) {
      if (error instanceof TraceFormatError) throw error
      throw fail(
        `state block ${number} does not restore: ${(error as Error).message}`,
        error instanceof ByteReadError ? error.offset : block.base,
      )
    }
    const digest = model.digest(state)
    if (digest !== block.digest)
      throw fail(
        `state block ${number} restores a state of digest ${digest}; the writer recorded ${block.digest}`,
        block.base,
      )
    from = block.seq
  }
  options.onRestored?.(from)
  for await (const batch of index.entryBatches(from, seq))
    for (const entry of batch) state = model.apply(state, entry.event)
  return { state, from, replayed: seq - from }
}
