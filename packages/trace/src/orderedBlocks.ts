// The binary encoder's blocks on their way out, in file order, some still being compressed off the
// caller's thread (BlockCompressor.compressAsync: zlib on libuv's threadpool). A block's offset in
// the file depends on the compressed lengths of every block before it, and the index records it:
// so blocks are placed (their offsets fixed) and handed out strictly in the order they were added,
// whatever order their compressions finish in. No NT counterpart: the trace file's writer.

/** A block added: framed already, or being framed; `placed` learns its offset when it is placed. */
interface PendingBlock {
  readonly block: Uint8Array | Promise<Uint8Array>
  readonly placed: ((offset: number) => void) | undefined
}

/**
 * Blocks in file order, each placed at the offset where the previous one ended. Bounded: the
 * encoder drains it down to a few pending blocks before it frames the next, so the memory held is
 * a few blocks' payloads whatever the trace's length.
 */
export class OrderedBlocks {
  /** Short: the encoder keeps a few pending, so a shift is cheap. */
  readonly #pending: PendingBlock[] = []
  /** The offset of the next block placed (the bytes handed out so far, from the encoder's start). */
  offset: number

  constructor(offset: number) {
    this.offset = offset
  }

  /** Blocks added and not yet handed out. */
  get pending(): number {
    return this.#pending.length
  }

  /**
   * Adds the next block. A promise's rejection is reported when the block's turn comes (by
   * {@link drain}); until then it is marked handled, so a generator abandoned with blocks still
   * compressing (a failed write) leaves no unhandled rejection behind.
   */
  add(block: Uint8Array | Promise<Uint8Array>, placed?: (offset: number) => void): void {
    if (block instanceof Promise) block.catch(() => {})
    this.#pending.push({ block, placed })
  }

  /** Hands out blocks in order, waiting for their compression, until at most `keep` are pending. */
  async *drain(keep: number): AsyncGenerator<Uint8Array> {
    while (this.pending > keep) {
      const next = this.#pending[0] as PendingBlock
      const block = next.block instanceof Uint8Array ? next.block : await next.block
      this.#pending.shift()
      next.placed?.(this.offset)
      this.offset += block.length
      yield block
    }
  }
}
