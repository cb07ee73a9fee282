import { describe, expect, it } from 'vitest'
import { FrameStore } from '@ntmm/hw-mmu'
import { MAX_PAGE_FILE_SLOTS, PageFile } from './pageFile.js'

const page = (value: number) => new Uint8Array(4096).fill(value)

describe('pageFile', () => {
  it('hands out the lowest free slot and keeps a copy of what was written', () => {
    const file = new PageFile(4)
    expect(file.findFreeSlot()).toBe(0)
    const bytes = page(7)
    file.write(0, bytes)
    bytes.fill(9)
    expect(file.read(0)?.[0]).toBe(7)
    expect(file.findFreeSlot()).toBe(1)
    file.write(1, page(1))
    file.free(0)
    expect(file.findFreeSlot()).toBe(0)
    expect(file.usedSlots).toBe(1)
  })

  it('reports no slot when full', () => {
    const file = new PageFile(1)
    file.write(0, page(1))
    expect(file.findFreeSlot()).toBeUndefined()
  })

  it('counts in a checkpoint the slots written since the previous checkpoint or restore', () => {
    const file = new PageFile(4)
    file.write(0, page(1))
    file.write(1, page(2))
    const first = file.checkpoint()
    expect(first.heldSlots).toBe(2)
    file.write(0, page(3))
    expect(file.checkpoint().heldSlots).toBe(1)
    file.restore(first)
    expect(file.checkpoint().heldSlots).toBe(0)
  })

  it('restores a checkpoint (slot contents are shared, never changed in place)', () => {
    const file = new PageFile(2)
    file.write(0, page(3))
    const checkpoint = file.checkpoint()
    const digest = file.digestInput()
    file.write(0, page(4))
    file.write(1, page(5))
    expect(file.digestInput()).not.toBe(digest)
    file.restore(checkpoint)
    expect(file.digestInput()).toBe(digest)
    expect(file.read(0)?.[0]).toBe(3)
  })
})

describe('pageFile storage', () => {
  it('allocates its slots lazily: the largest page file holds a few KiB until pages go to it', () => {
    const file = new PageFile(MAX_PAGE_FILE_SLOTS)
    expect(file.storageBytes).toBeLessThan(64 * 1024)
    file.write(MAX_PAGE_FILE_SLOTS - 1, page(1))
    expect(file.storageBytes).toBeLessThan(64 * 1024 + 4096)
    expect(file.read(MAX_PAGE_FILE_SLOTS - 1)?.[0]).toBe(1)
  })

  it('refuses more slots than a page-file PTE can name', () => {
    expect(() => new PageFile(MAX_PAGE_FILE_SLOTS + 1)).toThrow(/MAX_PAGE_FILE_SLOTS/)
  })

  it('shares chunks with a checkpoint and copies one on its first change (copy-on-write)', () => {
    const file = new PageFile(1024)
    file.write(3, page(3))
    file.write(700, page(7))
    const checkpoint = file.checkpoint()
    const digest = file.digestInput()
    file.write(3, page(4))
    file.free(700)
    file.write(701, page(8))
    expect(file.read(3)?.[0]).toBe(4)
    file.restore(checkpoint)
    expect(file.digestInput()).toBe(digest)
    expect(file.read(3)?.[0]).toBe(3)
    expect(file.read(701)).toBeUndefined()
    expect(file.usedSlots).toBe(2)
    // The checkpoint holds the chunk list and the chunks copied since the one before it.
    expect(checkpoint.tableBytes).toBe(4 * 8 + 2 * 256 * 8)
  })

  it('reads nothing at a number that is not a slot', () => {
    const file = new PageFile(4)
    for (const slot of [-1, 4, 1.5, Number.NaN]) expect(file.read(slot)).toBeUndefined()
  })
})

describe('pageFile and the frames: pages move without a copy', () => {
  const frameByte = (frames: FrameStore, pfn: number) => frames.read8(pfn * 4096 + 5)

  it('lends a frame its words on a write and takes them back when the frame moves on', () => {
    const frames = new FrameStore({ frameCount: 4 })
    const file = new PageFile(4)
    frames.write8(1 * 4096 + 5, 7)
    file.writeFrame(0, frames, 1)
    // The frame keeps the page; a write to it copies first, so the slot keeps what was written.
    expect(file.read(0)?.[5]).toBe(7)
    frames.write8(1 * 4096 + 5, 8)
    expect(file.read(0)?.[5]).toBe(7)
    expect(frameByte(frames, 1)).toBe(8)
    // Read back into another frame with the slot freed: the frame holds the page.
    file.takeInto(0, frames, 2)
    expect(file.usedSlots).toBe(0)
    expect(frameByte(frames, 2)).toBe(7)
    frames.write8(2 * 4096 + 5, 9)
    expect(frameByte(frames, 2)).toBe(9)
    expect(frameByte(frames, 1)).toBe(8)
  })

  it('keeps a checkpoint exact while a lent page is written, read back and its slot reused', () => {
    const frames = new FrameStore({ frameCount: 4 })
    const file = new PageFile(4)
    frames.write8(0 * 4096 + 5, 1)
    file.writeFrame(0, frames, 0)
    const framesAt = frames.checkpoint()
    const fileAt = file.checkpoint()
    const digest = file.digestInput()
    // The frame lets go of the page (zeroed), the page is read back and written again elsewhere.
    frames.zero(0)
    file.takeInto(0, frames, 3)
    frames.write8(3 * 4096 + 5, 2)
    file.writeFrame(0, frames, 3)
    file.shareInto(0, frames, 1)
    frames.write8(1 * 4096 + 5, 3)
    expect(file.read(0)?.[5]).toBe(2)
    file.free(0)
    frames.write8(2 * 4096 + 5, 4)
    file.writeFrame(1, frames, 2)
    file.restore(fileAt)
    frames.restore(framesAt)
    expect(file.digestInput()).toBe(digest)
    expect(file.read(0)?.[5]).toBe(1)
    expect(frameByte(frames, 0)).toBe(1)
    expect(frameByte(frames, 3)).toBe(0)
  })

  it('copies a frame a checkpoint holds, and reads a pristine frame as zeros', () => {
    const frames = new FrameStore({ frameCount: 2 })
    const file = new PageFile(2)
    frames.write8(5, 6)
    frames.checkpoint()
    file.writeFrame(0, frames, 0)
    file.writeFrame(1, frames, 1)
    expect(file.read(0)?.[5]).toBe(6)
    expect(file.read(1)?.every((byte) => byte === 0)).toBe(true)
    file.takeInto(0, frames, 1)
    expect(frameByte(frames, 1)).toBe(6)
  })
})
