// A queue of incoming byte chunks (a file stream, a network body) handing out exact byte counts
// to the streaming binary reader.

/** Buffers incoming chunks and hands out exact byte counts. */
export class ChunkQueue {
  private readonly iterator: AsyncIterator<Uint8Array | string> | Iterator<Uint8Array | string>
  private buffer = new Uint8Array(0)
  private start = 0
  consumed = 0
  private done = false

  constructor(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    this.iterator =
      Symbol.asyncIterator in chunks
        ? (chunks as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : (chunks as Iterable<Uint8Array>)[Symbol.iterator]()
  }

  get buffered(): number {
    return this.buffer.length - this.start
  }

  /** Pulls chunks until `count` bytes are buffered or the input ends; returns whether they are. */
  async fill(count: number): Promise<boolean> {
    while (this.buffered < count && !this.done) {
      const next = await this.iterator.next()
      if (next.done === true) {
        this.done = true
        break
      }
      const chunk = typeof next.value === 'string' ? new TextEncoder().encode(next.value) : next.value
      const merged = new Uint8Array(this.buffered + chunk.length)
      merged.set(this.buffer.subarray(this.start))
      merged.set(chunk, this.buffered)
      this.buffer = merged
      this.start = 0
    }
    return this.buffered >= count
  }

  take(count: number): Uint8Array {
    const slice = this.buffer.subarray(this.start, this.start + count)
    this.start += count
    this.consumed += count
    return slice
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill(1))
  }
}
