// State blocks of a machine trace taken from the recording machine as it runs, instead of by
// replaying the whole log once more when the file is written (logStateWriter): rr's and WinDbg
// TTD's keyframes, taken while recording. The live machine can be checkpointed only between two
// calls into the kernel (an access's events — the TLB miss, the #PF, the fault's mm events — are
// recorded as the call goes), and a state block's seq is an events-block boundary that may fall
// inside such a call: so the machine is checkpointed at the last boundary between calls before
// it, and at the first boundary past it that checkpoint is restored (copy-on-write, a few ms) and
// the few events up to the block's seq applied, as the writer's replay would apply them. Only the
// framed, compressed block is kept (~0.3 MB for a 35 MB snapshot). No NT counterpart.

import {
  type BinaryStateBlock,
  type BinaryStateWriter,
  deflateRawStateCompressor,
  encodeStateBlockAsync,
  logStateWriter,
  replayRange,
  SnapshotBuffer,
  type TraceLog,
} from '@ntmm/trace'
import { Kernel } from './kernel.js'
import { type MachineSnapshot, type MachineState, machineModel } from './machineModel.js'
import { machineSnapshotBytes } from './machineSnapshotBytes.js'
import type { MachineConfig, MachineEvent } from './machineSchema.js'

/** Options of {@link LiveStateBlocks}: the writer's (SaveTraceOptions' stateEvery and blockEvents). */
export interface LiveStateBlocksOptions {
  /** Events between two state blocks (SaveTraceOptions.stateEvery). */
  readonly every: number
  /** Events per events block (SaveTraceOptions.blockEvents; default 65536). */
  readonly blockEvents?: number
}

/**
 * The state blocks of an eagerly recording kernel's trace, taken as it runs. Its driver calls
 * {@link LiveStateBlocks.boundary} between calls into the kernel (an importer at each progress
 * report); {@link encodeMachineTrace} given it (SaveTraceOptions.liveStates) then writes these
 * blocks and replays only for a block none was taken for. Inert for a kernel that does not record
 * eagerly. The blocks restore the same states (the same digests) as the replay's; their bytes
 * differ only by the checkpoint history they carry.
 */
export class LiveStateBlocks {
  readonly every: number
  readonly blockEvents: number
  readonly #live: { readonly state: MachineState; readonly log: TraceLog<MachineEvent> } | undefined
  readonly #config: MachineConfig
  readonly #model: ReturnType<typeof machineModel>
  /** Blocks taken, each deflating on libuv's threadpool while the machine runs on. */
  readonly #blocks = new Map<number, Promise<BinaryStateBlock>>()
  /** The raw payloads' buffer (35 MB for a machine), free again once its block is deflated. */
  #buffer: SnapshotBuffer | undefined
  #bufferBusy = false
  /** The seq of the next state block not taken yet. */
  #target: number
  /** The live machine's checkpoint at the last boundary at or before #target, when near it. */
  #held: { readonly seq: number; readonly snapshot: MachineSnapshot } | undefined
  /** The log's length at the last boundary, and the most events seen between two boundaries. */
  #previous = 0
  #gap = 0

  constructor(kernel: Kernel, options: LiveStateBlocksOptions) {
    this.every = options.every
    this.blockEvents = options.blockEvents ?? 1 << 16
    this.#live =
      Number.isSafeInteger(this.every) &&
      this.every >= 1 &&
      Number.isSafeInteger(this.blockEvents) &&
      this.blockEvents >= 1
        ? Kernel.liveStateOf(kernel)
        : undefined
    this.#config = kernel.config
    this.#model = machineModel(kernel.config)
    this.#target = this.#after(0)
    this.#previous = this.#live?.log.length ?? 0
  }

  /** Blocks taken so far and not yet handed to a writer. */
  get size(): number {
    return this.#blocks.size
  }

  /**
   * Told by the driver between two calls into the kernel: checkpoints the machine when the next
   * state block's seq is near, and takes the block once the log has passed it.
   */
  boundary(): void {
    const live = this.#live
    if (live === undefined) return
    const length = live.log.length
    const gap = length - this.#previous
    if (gap > this.#gap) this.#gap = gap
    this.#previous = length
    this.#hold(length)
    while (length >= this.#target) {
      const held = this.#held
      // None held at or before it (boundaries too far apart): the writer replays for this one.
      if (held !== undefined && held.seq <= this.#target) this.#take(live, held, this.#target)
      this.#held = undefined
      this.#target = this.#after(this.#target)
      this.#hold(length)
    }
  }

  /**
   * The state writer of `encodeBinaryTrace` (@ntmm/trace) for `log` (the kernel's own): the blocks taken,
   * and for any other seq the writer's replay (logStateWriter). Each block is handed out once.
   */
  stateWriter(log: TraceLog<MachineEvent>): BinaryStateWriter {
    const own = this.#live !== undefined && log === this.#live.log
    const blocks = this.#blocks
    const model = this.#model
    const config = this.#config
    const every = this.every
    let replay: BinaryStateWriter | undefined
    return {
      every,
      state(seq) {
        const block = own ? blocks.get(seq) : undefined
        if (block !== undefined) {
          blocks.delete(seq)
          return block
        }
        replay ??= logStateWriter(log, model, config, every, machineSnapshotBytes)
        return replay.state(seq)
      },
    }
  }

  /** The seq of the state block after one at `seq` (the encoder's: the first block boundary `every` on). */
  #after(seq: number): number {
    return Math.ceil((seq + this.every) / this.blockEvents) * this.blockEvents
  }

  /** Checkpoints the live machine at `length` events when the next block's seq is within reach. */
  #hold(length: number): void {
    if (length <= this.#target && length + 2 * this.#gap >= this.#target)
      this.#held = {
        seq: length,
        snapshot: this.#model.checkpoint((this.#live as { state: MachineState }).state),
      }
  }

  /** The block at `seq`: the held checkpoint restored, the events after it up to `seq` applied. */
  #take(
    live: { readonly log: TraceLog<MachineEvent> },
    held: { readonly seq: number; readonly snapshot: MachineSnapshot },
    seq: number,
  ): void {
    const model = this.#model
    const state = replayRange(live.log, model, model.restore(held.snapshot), held.seq, seq)
    // The previous block's payload still deflating (blocks closer than its deflate): a new
    // buffer for this one, the old one dropped when its deflate ends.
    if (this.#buffer === undefined || this.#bufferBusy) this.#buffer = new SnapshotBuffer()
    const buffer = this.#buffer
    this.#bufferBusy = true
    const block = encodeStateBlockAsync(
      model,
      state,
      seq,
      machineSnapshotBytes,
      deflateRawStateCompressor,
      buffer,
    )
    const free = (): void => {
      if (this.#buffer === buffer) this.#bufferBusy = false
    }
    // Handled here too: a block never handed to a writer (the import failed after it) must not
    // surface as an unhandled rejection; a writer that takes it sees the error.
    block.then(free, free)
    this.#blocks.set(seq, block)
  }
}
