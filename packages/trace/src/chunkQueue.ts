// A queue of incoming byte chunks (a file stream, a network body) handing out exact byte counts
// to the streaming binary reader. Chunks are kept as they arrive and copied once, into the piece
// handed out, only when that piece spans several of them: a block of n bytes arriving in 64 KiB
// chunks costs O(n), where re-merging the buffer on each chunk cost O(n²) (64 MiB: 45 s).

/** Buffers incoming chunks and hands out exact byte counts. */
export class ChunkQueue {
  private readonly iterator: AsyncIterator<Uint8Array | string> | Iterator<Uint8Array | string>
  /** Chunks not yet fully taken, from `head` on; the first one from `headOffset` on. */
  private readonly chunks: Uint8Array[] = []
  private head = 0
  private headOffset = 0
  private bufferedBytes = 0
  /** Bytes handed out so far (the absolute offset of the next byte). */
  consumed = 0
  /** Bytes copied into pieces spanning chunks so far (a statistic: at most the bytes taken). */
  allocated = 0
  private done = false

  constructor(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    this.iterator =
      Symbol.asyncIterator in chunks
        ? (chunks as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : (chunks as Iterable<Uint8Array>)[Symbol.iterator]()
  }

  /** Bytes received and not yet taken. */
  get buffered(): number {
    return this.bufferedBytes
  }

  /** Pulls chunks until `count` bytes are buffered or the input ends; returns whether they are. */
  async fill(count: number): Promise<boolean> {
    while (this.bufferedBytes < count && !this.done) {
      const next = await this.iterator.next()
      if (next.done === true) {
        this.done = true
        break
      }
      const chunk = typeof next.value === 'string' ? new TextEncoder().encode(next.value) : next.value
      if (chunk.length === 0) continue
      this.chunks.push(chunk)
      this.bufferedBytes += chunk.length
    }
    return this.bufferedBytes >= count
  }

  /** The next `count` bytes (at most {@link buffered}): a view when one chunk holds them, else a copy. */
  take(count: number): Uint8Array {
    const available = Math.min(count, this.bufferedBytes)
    const first = this.chunks[this.head]
    let piece: Uint8Array
    if (first !== undefined && first.length - this.headOffset >= available) {
      piece = first.subarray(this.headOffset, this.headOffset + available)
      this.advance(available)
    } else {
      piece = new Uint8Array(available)
      this.allocated += available
      let filled = 0
      while (filled < available) {
        const chunk = this.chunks[this.head] as Uint8Array
        const length = Math.min(chunk.length - this.headOffset, available - filled)
        piece.set(chunk.subarray(this.headOffset, this.headOffset + length), filled)
        filled += length
        this.advance(length)
      }
    }
    this.consumed += available
    return piece
  }

  /** True when the input has no byte left. */
  async atEnd(): Promise<boolean> {
    return !(await this.fill(1))
  }

  /** Drops `count` bytes from the front (at most what the head chunk has left). */
  private advance(count: number): void {
    this.headOffset += count
    this.bufferedBytes -= count
    if (this.headOffset === (this.chunks[this.head] as Uint8Array).length) {
      this.chunks[this.head] = EMPTY
      this.head++
      this.headOffset = 0
      // Compact now and then, so the array does not keep a slot per chunk ever received.
      if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
        this.chunks.splice(0, this.head)
        this.head = 0
      }
    }
  }
}

const EMPTY = new Uint8Array(0)
