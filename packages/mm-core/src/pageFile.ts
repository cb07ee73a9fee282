// The simulated paging file (ReactOS ntoskrnl/mm/pagefile.c: MmReserveSwapPages, MmAllocSwapPage,
// MmWriteToSwapPage, MmReadFromSwapPage, MmFreeSwapPage): a fixed number of 4 KiB slots holding
// copies of paged-out pages. A slot's contents are an immutable Uint8Array (replaced, never
// written in place), so a checkpoint copies only the slot table.

import { assert } from './assert.js'
import { PAGE_SIZE } from './memoryConstants.js'

/** A frozen copy of a page file. */
export interface PageFileCheckpoint {
  readonly slots: readonly (Uint8Array | undefined)[]
  readonly used: number
  readonly hint: number
  /**
   * Slots written since the previous checkpoint or restore: this checkpoint is the first to hold
   * their contents (a budget for checkpoints counts 4 KiB for each).
   */
  readonly heldSlots: number
}

/** The page file: `slotCount` slots; slot numbers are 0-based. */
export class PageFile {
  readonly slotCount: number
  /** @internal undefined = free slot. */
  slots: (Uint8Array | undefined)[]
  /** @internal */ used = 0
  /** @internal no free slot below this one. */
  hint = 0
  /** @internal slots written since the last checkpoint or restore. */
  written = 0

  constructor(slotCount: number) {
    if (!Number.isInteger(slotCount) || slotCount < 0) {
      throw new RangeError(`PageFile slotCount ${slotCount} must be a non-negative integer`)
    }
    this.slotCount = slotCount
    this.slots = new Array<Uint8Array | undefined>(slotCount).fill(undefined)
  }

  /** Number of slots in use. */
  get usedSlots(): number {
    return this.used
  }

  /** The lowest free slot (MmAllocSwapPage's choice), or undefined when the file is full. Changes nothing. */
  findFreeSlot(): number | undefined {
    if (this.used >= this.slotCount) return undefined
    for (let slot = this.hint; slot < this.slotCount; slot++) if (this.slots[slot] === undefined) return slot
    return undefined
  }

  /** The contents of a slot (a read-only view; undefined when free). */
  read(slot: number): Uint8Array | undefined {
    return this.slots[slot]
  }

  /** Store a copy of `bytes` in `slot` (allocating it when free). */
  write(slot: number, bytes: Uint8Array): void {
    assert(slot >= 0 && slot < this.slotCount, () => `page-file slot ${slot} out of range`)
    assert(bytes.length === PAGE_SIZE, 'a page-file slot holds one page')
    if (this.slots[slot] === undefined) this.used++
    this.slots[slot] = bytes.slice()
    this.written++
    if (slot === this.hint) this.hint = slot + 1
  }

  /** Free a slot (MmFreeSwapPage). */
  free(slot: number): void {
    assert(this.slots[slot] !== undefined, () => `page-file slot ${slot} freed while free`)
    this.slots[slot] = undefined
    this.used--
    if (slot < this.hint) this.hint = slot
  }

  /** A copy of the page file's slots and contents that `restore` brings back. */
  checkpoint(): PageFileCheckpoint {
    const heldSlots = this.written
    this.written = 0
    return { slots: this.slots.slice(), used: this.used, hint: this.hint, heldSlots }
  }

  /** Brings the page file back to a `checkpoint`. */
  restore(checkpoint: PageFileCheckpoint): void {
    assert(checkpoint.slots.length === this.slotCount, 'PageFile.restore: checkpoint of another size')
    this.slots = checkpoint.slots.slice()
    this.written = 0
    this.used = checkpoint.used
    this.hint = checkpoint.hint
  }

  /** A stable summary for digests: used slots and a checksum of each. */
  digestInput(): string {
    const parts: string[] = []
    this.slots.forEach((bytes, slot) => {
      if (bytes === undefined) return
      let sum = 0
      for (let i = 0; i < bytes.length; i++) sum = (Math.imul(sum, 31) + bytes[i]!) | 0
      parts.push(`${slot}:${sum >>> 0}`)
    })
    return parts.join(',')
  }
}
