import { describe, expect, it } from 'vitest'
import { ChunkQueue } from './chunkQueue.js'

function* chunks(count: number, size: number): Generator<Uint8Array> {
  for (let index = 0; index < count; index++) yield new Uint8Array(size).fill(index & 0xff)
}

describe('ChunkQueue', () => {
  it('buffers a block arriving in many chunks in linear space: each byte copied at most once', async () => {
    // 32 MiB in 64 KiB chunks, the chunk size of a file stream: a queue that re-merged its whole
    // buffer on each chunk would copy about 8 GiB here.
    const chunkBytes = 64 << 10
    const queue = new ChunkQueue(chunks(512, chunkBytes))
    expect(await queue.fill(512 * chunkBytes)).toBe(true)
    const block = queue.take(512 * chunkBytes)
    expect(block.length).toBe(512 * chunkBytes)
    expect([block[0], block[chunkBytes], block[511 * chunkBytes]]).toEqual([0, 1, 511 & 0xff])
    expect(queue.allocated).toBeLessThanOrEqual(512 * chunkBytes)
    expect(queue.consumed).toBe(512 * chunkBytes)
    expect(await queue.atEnd()).toBe(true)
  })

  it('hands out counts spanning chunk boundaries in order, copying only what spans', async () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, index) => index)
    const pieces = [bytes.subarray(0, 7), bytes.subarray(7, 30), bytes.subarray(30, 31), bytes.subarray(31)]
    const queue = new ChunkQueue(pieces)
    const taken: number[] = []
    for (const count of [3, 10, 17, 1, 69]) {
      expect(await queue.fill(count)).toBe(true)
      taken.push(...queue.take(count))
    }
    expect(taken).toEqual([...bytes])
    expect(await queue.fill(1)).toBe(false)
    expect(queue.buffered).toBe(0)
    // 3 and 1 came from single chunks (views), 10, 17 and 69 spanned chunks.
    expect(queue.allocated).toBeLessThanOrEqual(10 + 17 + 69)
  })
})
