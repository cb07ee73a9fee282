import { describe, expect, it } from 'vitest'
import { OrderedBlocks } from './orderedBlocks.js'

/** A promise and its resolver, to finish blocks in any order. */
function deferred(): { promise: Promise<Uint8Array>; resolve: (bytes: Uint8Array) => void } {
  let resolve: (bytes: Uint8Array) => void = () => {}
  const promise = new Promise<Uint8Array>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

async function take(blocks: OrderedBlocks, keep: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const block of blocks.drain(keep)) out.push(block)
  return out
}

describe('OrderedBlocks', () => {
  it('hands blocks out in the order they were added and places each after the previous one, whatever order they finish in', async () => {
    const blocks = new OrderedBlocks(10)
    const placed: [string, number][] = []
    const first = deferred()
    const third = deferred()
    blocks.add(first.promise, (at) => placed.push(['first', at]))
    blocks.add(new Uint8Array(3), (at) => placed.push(['second', at]))
    blocks.add(third.promise, (at) => placed.push(['third', at]))
    third.resolve(new Uint8Array(7))
    first.resolve(new Uint8Array(5))
    const out = await take(blocks, 0)
    expect(out.map((block) => block.length)).toEqual([5, 3, 7])
    expect(placed).toEqual([
      ['first', 10],
      ['second', 15],
      ['third', 18],
    ])
    expect(blocks.offset).toBe(25)
  })

  it('drains down to `keep` pending blocks, and rejects with a block’s error at its turn', async () => {
    const blocks = new OrderedBlocks(0)
    blocks.add(Promise.resolve(new Uint8Array(1)))
    blocks.add(Promise.resolve(new Uint8Array(2)))
    blocks.add(Promise.reject(new Error('deflate failed')))
    expect((await take(blocks, 1)).map((block) => block.length)).toEqual([1, 2])
    expect(blocks.pending).toBe(1)
    await expect(take(blocks, 0)).rejects.toThrow('deflate failed')
    expect(blocks.offset).toBe(3)
  })
})
