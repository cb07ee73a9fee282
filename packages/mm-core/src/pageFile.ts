// The simulated paging file (ReactOS ntoskrnl/mm/pagefile.c: MmReserveSwapPages, MmAllocSwapPage,
// MmWriteToSwapPage, MmReadFromSwapPage, MmFreeSwapPage): a fixed number of 4 KiB slots holding
// copies of paged-out pages. A slot's contents are a Uint8Array never written in place while the
// slot holds it: a page written again gets another buffer. Once its slot is freed (or rewritten), a
// buffer no checkpoint holds is kept to take the next page written (a 4 KiB buffer allocated and
// collected per page write was a quarter of a hard fault: docs/performance.md, issue 22).
//
// Storage is lazy, so a configured size costs nothing until it is used (a 4 GiB page file of an
// idle machine holds a few KiB): the slot table is a list of chunks of 256 slots, a chunk made on
// the first write into it. A checkpoint copies the chunk list only (one pointer per 256 slots) and
// shares every chunk; the first change to a shared chunk after a checkpoint copies that chunk
// (copy-on-write, as hw-mmu's FrameStore does for frames).
//
//   chunks[slot >> 8][slot & 255] → the slot's page, or undefined (free); chunks[c] undefined: all free

import type { FrameStore } from '@ntmm/hw-mmu'
import { frameWords } from '@ntmm/hw-mmu/internal'
import { assert } from './assert.js'
import { PAGE_SIZE } from './memoryConstants.js'

/** Most buffers a page file keeps for reuse (1 MiB), as hw-mmu's FrameStore keeps frame buffers. */
const SPARE_PAGES = 256

const CHUNK_SHIFT = 8
const CHUNK_SIZE = 1 << CHUNK_SHIFT
const CHUNK_MASK = CHUNK_SIZE - 1

/**
 * The most slots a page file may have: 2^20 − 1, because a page-file PTE names its slot as
 * `slot + 1` in the 20 bits of PageFileHigh (softwarePte.ts: bits 12-31 of the low half, in every
 * paging mode); slot 2^20 − 1 would need a 21st bit. So a page file holds at most 4 GiB − 4 KiB,
 * as on 32-bit Windows (4095 MB per paging file).
 */
export const MAX_PAGE_FILE_SLOTS = 0xfffff

/** A frozen copy of a page file. */
export interface PageFileCheckpoint {
  /** The chunk list (chunks are shared with the page file until it changes them). */
  readonly chunks: readonly (readonly (Uint8Array | undefined)[] | undefined)[]
  readonly used: number
  readonly hint: number
  /**
   * Slots written since the previous checkpoint or restore: this checkpoint is the first to hold
   * their contents (a budget for checkpoints counts 4 KiB for each).
   */
  readonly heldSlots: number
  /** Bytes of slot table this checkpoint holds alone: its chunk list and the chunks copied since the previous one. */
  readonly tableBytes: number
}

/** The page file: `slotCount` slots; slot numbers are 0-based. */
export class PageFile {
  readonly slotCount: number
  /** @internal The chunks of 256 slots; undefined: never written since made (all free). */
  chunks: ((Uint8Array | undefined)[] | undefined)[]
  /** @internal Chunks this page file may change in place (made or copied since the last checkpoint or restore). */
  owned = new Set<number>()
  /** @internal */ used = 0
  /** @internal no free slot below this one. */
  hint = 0
  /** @internal slots written since the last checkpoint or restore. */
  written = 0
  /**
   * @internal the buffers put in a slot since the last checkpoint or restore: no checkpoint holds
   * them (a checkpoint holds only what the slots held when it was taken), so when their slot lets
   * go of them they go to `spare`.
   */
  fresh = new Set<Uint8Array>()
  /** @internal buffers no slot and no checkpoint holds, for the next page written (at most SPARE_PAGES). */
  spare: Uint8Array[] = []

  /** Throws a RangeError unless `slotCount` is an integer in [0, {@link MAX_PAGE_FILE_SLOTS}]. */
  constructor(slotCount: number) {
    if (!Number.isInteger(slotCount) || slotCount < 0 || slotCount > MAX_PAGE_FILE_SLOTS) {
      throw new RangeError(
        `PageFile slotCount ${slotCount} must be an integer in [0, ${MAX_PAGE_FILE_SLOTS}] (MAX_PAGE_FILE_SLOTS)`,
      )
    }
    this.slotCount = slotCount
    this.chunks = new Array<(Uint8Array | undefined)[] | undefined>(Math.ceil(slotCount / CHUNK_SIZE)).fill(
      undefined,
    )
  }

  /** Number of slots in use. */
  get usedSlots(): number {
    return this.used
  }

  /**
   * Bytes this page file holds now: its chunk list, the chunks made so far and the pages in use.
   * Grows with the slots used, not with the configured size.
   */
  get storageBytes(): number {
    let chunks = 0
    for (const chunk of this.chunks) if (chunk !== undefined) chunks++
    return this.chunks.length * 8 + chunks * CHUNK_SIZE * 8 + this.used * PAGE_SIZE
  }

  /** True when `slot` is a slot number of this page file (an integer in [0, slotCount)). */
  isSlot(slot: number): boolean {
    return Number.isInteger(slot) && slot >= 0 && slot < this.slotCount
  }

  /** The lowest free slot (MmAllocSwapPage's choice), or undefined when the file is full. Changes nothing. */
  findFreeSlot(): number | undefined {
    if (this.used >= this.slotCount) return undefined
    for (let slot = this.hint; slot < this.slotCount; slot++) {
      const chunk = this.chunks[slot >>> CHUNK_SHIFT]
      if (chunk === undefined || chunk[slot & CHUNK_MASK] === undefined) return slot
    }
    return undefined
  }

  /**
   * The contents of a slot (a read-only view; undefined when free or not a slot), valid while the
   * slot holds that page: once the slot is freed or written again its buffer may take another page.
   */
  read(slot: number): Uint8Array | undefined {
    if (!this.isSlot(slot)) return undefined
    return this.chunks[slot >>> CHUNK_SHIFT]?.[slot & CHUNK_MASK]
  }

  /** Store a copy of `bytes` in `slot` (allocating it when free). */
  write(slot: number, bytes: Uint8Array): void {
    this.writeOwned(slot, bytes.slice())
  }

  /**
   * Store `bytes` itself in `slot`: the caller hands over a copy no one else holds (a frame's
   * bytes, copied out by FrameStore.frameBytes), so it is not copied a second time. A page write
   * is on every hard fault of a machine under pressure, and a 4 KiB buffer is costly to allocate.
   */
  writeOwned(slot: number, bytes: Uint8Array): void {
    assert(this.isSlot(slot), () => `page-file slot ${slot} out of range`)
    assert(bytes.length === PAGE_SIZE, 'a page-file slot holds one page')
    const chunk = this.#ownChunk(slot >>> CHUNK_SHIFT)
    const old = chunk[slot & CHUNK_MASK]
    if (old === undefined) this.used++
    else this.#release(old)
    chunk[slot & CHUNK_MASK] = bytes
    this.fresh.add(bytes)
    this.written++
    if (slot === this.hint) this.hint = slot + 1
  }

  /**
   * @internal Store a copy of frame `pfn` of `frames` in `slot` (MmWriteToSwapPage; applied by
   * mm.pageWritten): the bytes `FrameStore.frameBytes` copies, into a spare buffer when there is one.
   */
  writeFrame(slot: number, frames: FrameStore, pfn: number): void {
    const spare = this.spare.pop()
    if (spare === undefined) {
      this.writeOwned(slot, frames.frameBytes(pfn))
      return
    }
    assert(Number.isInteger(pfn) && pfn >= 0 && pfn < frames.frameCount, () => `frame ${pfn} out of range`)
    const words = frameWords(frames, pfn)
    if (words === undefined) spare.fill(0)
    else new Uint32Array(spare.buffer, spare.byteOffset, PAGE_SIZE / 4).set(words)
    this.writeOwned(slot, spare)
  }

  /** Free a slot (MmFreeSwapPage). */
  free(slot: number): void {
    const bytes = this.read(slot)
    assert(bytes !== undefined, () => `page-file slot ${slot} freed while free`)
    this.#ownChunk(slot >>> CHUNK_SHIFT)[slot & CHUNK_MASK] = undefined
    this.#release(bytes)
    this.used--
    if (slot < this.hint) this.hint = slot
  }

  /** A buffer its slot let go of: kept for reuse when no checkpoint holds it. */
  #release(bytes: Uint8Array): void {
    if (this.fresh.delete(bytes) && this.spare.length < SPARE_PAGES) this.spare.push(bytes)
  }

  /** Chunk `index`, made or copied so that this page file may change it. */
  #ownChunk(index: number): (Uint8Array | undefined)[] {
    let chunk = this.chunks[index]
    if (chunk !== undefined && this.owned.has(index)) return chunk
    chunk =
      chunk === undefined ? new Array<Uint8Array | undefined>(CHUNK_SIZE).fill(undefined) : chunk.slice()
    this.chunks[index] = chunk
    this.owned.add(index)
    return chunk
  }

  /** A copy of the page file's slots and contents that `restore` brings back. */
  checkpoint(): PageFileCheckpoint {
    const heldSlots = this.written
    const tableBytes = this.chunks.length * 8 + this.owned.size * CHUNK_SIZE * 8
    this.written = 0
    // From now on every chunk is shared with the checkpoint, and so is every buffer in a slot.
    this.owned = new Set()
    this.fresh = new Set()
    return { chunks: this.chunks.slice(), used: this.used, hint: this.hint, heldSlots, tableBytes }
  }

  /** Brings the page file back to a `checkpoint`. */
  restore(checkpoint: PageFileCheckpoint): void {
    assert(checkpoint.chunks.length === this.chunks.length, 'PageFile.restore: checkpoint of another size')
    this.chunks = checkpoint.chunks.slice() as ((Uint8Array | undefined)[] | undefined)[]
    this.owned = new Set()
    // The slots now hold the checkpoint's buffers; the spare ones stay no one's (freed before it).
    this.fresh = new Set()
    this.written = 0
    this.used = checkpoint.used
    this.hint = checkpoint.hint
  }

  /** A stable summary for digests: used slots and a checksum of each. */
  digestInput(): string {
    const parts: string[] = []
    this.chunks.forEach((chunk, index) => {
      chunk?.forEach((bytes, offset) => {
        if (bytes === undefined) return
        let sum = 0
        for (let i = 0; i < bytes.length; i++) sum = (Math.imul(sum, 31) + bytes[i]!) | 0
        parts.push(`${(index << CHUNK_SHIFT) + offset}:${sum >>> 0}`)
      })
    })
    return parts.join(',')
  }
}
