import { describe, expect, it } from 'vitest'
import { PageFile } from './pageFile.js'

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
