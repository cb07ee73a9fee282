// The simulated paging file (ReactOS ntoskrnl/mm/pagefile.c: MmReserveSwapPages, MmAllocSwapPage,
// MmWriteToSwapPage, MmReadFromSwapPage, MmFreeSwapPage): a fixed number of 4 KiB slots holding
// paged-out pages, each as 1024 words (a Uint32Array, the layout of hw-mmu's frame buffers). A
// slot's words are never written in place while the slot holds them: a page written again gets
// other words.
//
// No page copy on the hard-fault path (docs/performance.md, issue 22): the modified page writer's
// write lends the frame's words to the slot (the frame copies them on its next write, as after a
// checkpoint: hw-mmu lendFrameWords), and a page read back into a frame gives the frame the slot's
// words (adoptFrameWords). Who may write a buffer in place is tracked on both sides:
//   - `fresh`: words only this page file's slot table holds (copied in since the last checkpoint
//     or restore of the page file; no checkpoint holds them);
//   - `lent`: words a slot shares with one frame of `lentStore`, that were the frame store's alone
//     when lent, within one frame-store epoch (`lentEpoch`): once that frame holds other words, and
//     no frame-store checkpoint or restore came between, they are the slot's alone again.
// Words a slot lets go of are reused (`spare`, for a pristine frame's write) only when the slot
// held them alone; a page read back with its slot freed goes to the frame as the frame's own under
// the same condition (a frame that then writes the page writes in place, no copy).
//
// Storage is lazy, so a configured size costs nothing until it is used (a 4 GiB page file of an
// idle machine holds a few KiB): the slot table is a list of chunks of 256 slots, a chunk made on
// the first write into it. A checkpoint copies the chunk list only (one pointer per 256 slots) and
// shares every chunk; the first change to a shared chunk after a checkpoint copies that chunk
// (copy-on-write, as hw-mmu's FrameStore does for frames).
//
//   chunks[slot >> 8][slot & 255] → the slot's page, or undefined (free); chunks[c] undefined: all free

import type { FrameStore } from '@ntmm/hw-mmu'
import { adoptFrameWords, frameWords, lendFrameWords, ownsFrameWords } from '@ntmm/hw-mmu/internal'
import { assert } from './assert.js'
import { PAGE_SIZE } from './memoryConstants.js'

/** Most buffers a page file keeps for reuse (1 MiB), as hw-mmu's FrameStore keeps frame buffers. */
const SPARE_PAGES = 256

const PAGE_WORDS = PAGE_SIZE / 4
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
  readonly chunks: readonly (readonly (Uint32Array | undefined)[] | undefined)[]
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
  chunks: ((Uint32Array | undefined)[] | undefined)[]
  /** @internal Chunks this page file may change in place (made or copied since the last checkpoint or restore). */
  owned = new Set<number>()
  /** @internal */ used = 0
  /** @internal no free slot below this one. */
  hint = 0
  /** @internal slots written since the last checkpoint or restore. */
  written = 0
  /**
   * @internal words only a slot of this page file holds, put there since the last checkpoint or
   * restore (no checkpoint holds them): when their slot lets go of them they are reused.
   */
  fresh = new Set<Uint32Array>()
  /**
   * @internal words a slot shares with frame `lent.get(words)` of `lentStore`, lent while they were
   * the frame store's alone in its epoch `lentEpoch` (see the file comment).
   */
  lent = new Map<Uint32Array, number>()
  /** @internal the frame store `lent` names frames of. */
  lentStore: FrameStore | undefined = undefined
  /** @internal the frame-store epoch `lent` holds for (its entries mean nothing in another). */
  lentEpoch = -1
  /** @internal buffers no slot, frame or checkpoint holds, for the next page written (at most SPARE_PAGES). */
  spare: Uint32Array[] = []

  /** Throws a RangeError unless `slotCount` is an integer in [0, {@link MAX_PAGE_FILE_SLOTS}]. */
  constructor(slotCount: number) {
    if (!Number.isInteger(slotCount) || slotCount < 0 || slotCount > MAX_PAGE_FILE_SLOTS) {
      throw new RangeError(
        `PageFile slotCount ${slotCount} must be an integer in [0, ${MAX_PAGE_FILE_SLOTS}] (MAX_PAGE_FILE_SLOTS)`,
      )
    }
    this.slotCount = slotCount
    this.chunks = new Array<(Uint32Array | undefined)[] | undefined>(Math.ceil(slotCount / CHUNK_SIZE)).fill(
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
    const words = this.readWords(slot)
    return words === undefined ? undefined : new Uint8Array(words.buffer, words.byteOffset, PAGE_SIZE)
  }

  /** @internal A slot's words (read-only; undefined when free or not a slot), as {@link PageFile.read}. */
  readWords(slot: number): Uint32Array | undefined {
    if (!this.isSlot(slot)) return undefined
    return this.chunks[slot >>> CHUNK_SHIFT]?.[slot & CHUNK_MASK]
  }

  /** True when `slot` is a slot of this page file holding a page (in use). */
  isUsed(slot: number): boolean {
    return this.readWords(slot) !== undefined
  }

  /** Store a copy of `bytes` in `slot` (allocating it when free). */
  write(slot: number, bytes: Uint8Array): void {
    assert(bytes.length === PAGE_SIZE, 'a page-file slot holds one page')
    const words = new Uint32Array(PAGE_WORDS)
    new Uint8Array(words.buffer).set(bytes)
    this.#put(slot, words, true)
  }

  /**
   * Store `bytes` itself in `slot`: the caller hands over a copy no one else holds, so it is not
   * copied a second time (copied when not on a 4-byte boundary: a slot holds words).
   */
  writeOwned(slot: number, bytes: Uint8Array): void {
    assert(bytes.length === PAGE_SIZE, 'a page-file slot holds one page')
    if ((bytes.byteOffset & 3) !== 0) {
      this.write(slot, bytes)
      return
    }
    this.#put(slot, new Uint32Array(bytes.buffer, bytes.byteOffset, PAGE_WORDS), true)
  }

  /**
   * @internal Store frame `pfn` of `frames` in `slot` (MmWriteToSwapPage; applied by
   * mm.pageWritten): the frame's words are lent to the slot, no copy (the frame copies them on
   * its next write). A frame that reads as zeros gets a spare buffer cleared, or a new one.
   */
  writeFrame(slot: number, frames: FrameStore, pfn: number): void {
    assert(Number.isInteger(pfn) && pfn >= 0 && pfn < frames.frameCount, () => `frame ${pfn} out of range`)
    const alone = ownsFrameWords(frames, pfn)
    const words = lendFrameWords(frames, pfn)
    if (words === undefined) {
      const spare = this.spare.pop()
      if (spare === undefined) this.#put(slot, new Uint32Array(PAGE_WORDS), true)
      else {
        spare.fill(0)
        this.#put(slot, spare, true)
      }
      return
    }
    this.#put(slot, words, false)
    if (alone) this.#lend(words, frames, pfn)
    // Words another slot may hold too (lent from a frame that was not their only holder): no
    // slot may take them back as its own.
    else this.lent.delete(words)
  }

  /**
   * @internal Frame `pfn` of `frames` holds the page of `slot` and the slot is freed
   * (MmReadFromSwapPage then MmFreeSwapPage: a hard fault that releases its copy). The frame takes
   * the slot's words, as its own when the slot held them alone. With a recorder on the frames, the
   * page is written as FrameStore.writeBytes writes it (its hw event), then the slot freed.
   */
  takeInto(slot: number, frames: FrameStore, pfn: number): void {
    const words = this.readWords(slot)
    assert(words !== undefined, () => `page-file slot ${slot} read while free`)
    const alone = this.fresh.delete(words) || this.#lentBack(words)
    this.#ownChunk(slot >>> CHUNK_SHIFT)[slot & CHUNK_MASK] = undefined
    this.used--
    if (slot < this.hint) this.hint = slot
    if (!adoptFrameWords(frames, pfn, words, alone) && alone && this.spare.length < SPARE_PAGES)
      this.spare.push(words)
  }

  /**
   * @internal Frame `pfn` of `frames` holds the page of `slot`, which keeps it (MmReadFromSwapPage:
   * 'nt' keeps a clean page's copy). The frame shares the slot's words (copied on its next write).
   */
  shareInto(slot: number, frames: FrameStore, pfn: number): void {
    const words = this.readWords(slot)
    assert(words !== undefined, () => `page-file slot ${slot} read while free`)
    const alone = this.fresh.delete(words) || this.#lentBack(words)
    if (!adoptFrameWords(frames, pfn, words, false)) {
      if (alone) this.fresh.add(words)
      return
    }
    if (alone) this.#lend(words, frames, pfn)
  }

  /** Free a slot (MmFreeSwapPage). */
  free(slot: number): void {
    const words = this.readWords(slot)
    assert(words !== undefined, () => `page-file slot ${slot} freed while free`)
    this.#ownChunk(slot >>> CHUNK_SHIFT)[slot & CHUNK_MASK] = undefined
    this.#release(words)
    this.used--
    if (slot < this.hint) this.hint = slot
  }

  /** Put `words` in `slot`; `alone`: no one else holds them (they become `fresh`). */
  #put(slot: number, words: Uint32Array, alone: boolean): void {
    assert(this.isSlot(slot), () => `page-file slot ${slot} out of range`)
    const chunk = this.#ownChunk(slot >>> CHUNK_SHIFT)
    const old = chunk[slot & CHUNK_MASK]
    if (old === undefined) this.used++
    else if (old !== words) this.#release(old)
    chunk[slot & CHUNK_MASK] = words
    if (alone) this.fresh.add(words)
    this.written++
    if (slot === this.hint) this.hint = slot + 1
  }

  /** Words a slot let go of: kept for reuse when the slot held them alone. */
  #release(words: Uint32Array): void {
    if ((this.fresh.delete(words) || this.#lentBack(words)) && this.spare.length < SPARE_PAGES)
      this.spare.push(words)
  }

  /** Record that `words`, the frame store's alone until now, are shared by a slot and frame `pfn`. */
  #lend(words: Uint32Array, frames: FrameStore, pfn: number): void {
    if (this.lentStore !== frames || this.lentEpoch !== frames.epoch) {
      this.lent.clear()
      this.lentStore = frames
      this.lentEpoch = frames.epoch
    }
    this.lent.set(words, pfn)
  }

  /**
   * True when lent `words` are their slot's alone again: the frame they were shared with holds
   * other words and no frame-store checkpoint or restore came since. Forgets them either way.
   */
  #lentBack(words: Uint32Array): boolean {
    const pfn = this.lent.get(words)
    if (pfn === undefined) return false
    this.lent.delete(words)
    const frames = this.lentStore!
    return frames.epoch === this.lentEpoch && frameWords(frames, pfn) !== words
  }

  /** Chunk `index`, made or copied so that this page file may change it. */
  #ownChunk(index: number): (Uint32Array | undefined)[] {
    let chunk = this.chunks[index]
    if (chunk !== undefined && this.owned.has(index)) return chunk
    chunk =
      chunk === undefined ? new Array<Uint32Array | undefined>(CHUNK_SIZE).fill(undefined) : chunk.slice()
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
    this.lent = new Map()
    return { chunks: this.chunks.slice(), used: this.used, hint: this.hint, heldSlots, tableBytes }
  }

  /** Brings the page file back to a `checkpoint`. */
  restore(checkpoint: PageFileCheckpoint): void {
    assert(checkpoint.chunks.length === this.chunks.length, 'PageFile.restore: checkpoint of another size')
    this.chunks = checkpoint.chunks.slice() as ((Uint32Array | undefined)[] | undefined)[]
    this.owned = new Set()
    // The slots now hold the checkpoint's buffers; the spare ones stay no one's (freed before it).
    this.fresh = new Set()
    this.lent = new Map()
    this.written = 0
    this.used = checkpoint.used
    this.hint = checkpoint.hint
  }

  /** A stable summary for digests: used slots and a checksum of each. */
  digestInput(): string {
    const parts: string[] = []
    this.chunks.forEach((chunk, index) => {
      chunk?.forEach((words, offset) => {
        if (words === undefined) return
        const bytes = new Uint8Array(words.buffer, words.byteOffset, PAGE_SIZE)
        let sum = 0
        for (let i = 0; i < bytes.length; i++) sum = (Math.imul(sum, 31) + bytes[i]!) | 0
        parts.push(`${(index << CHUNK_SHIFT) + offset}:${sum >>> 0}`)
      })
    })
    return parts.join(',')
  }
}
