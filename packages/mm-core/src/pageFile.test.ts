import { describe, expect, it } from 'vitest'
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
