// The simulated paging file (ReactOS ntoskrnl/mm/pagefile.c: MmReserveSwapPages, MmAllocSwapPage,
// MmWriteToSwapPage, MmReadFromSwapPage, MmFreeSwapPage): a fixed number of 4 KiB slots holding
// paged-out pages, each as 1024 words (a Uint32Array, the layout of hw-mmu's frame buffers). A
// slot's words are never written in place while the slot holds them: a page written again gets
// other words.
//
// No page copy on the hard-fault path (docs/performance.md, issue 22): the modified page writer's
// write lends the frame's words to the slot (the frame copies them on its next write, as after a
// checkpoint: hw-mmu lendFrameWords), and a page read back into a frame gives the frame the slot's
// words (adoptFrameWords). Which slot's words no one else holds is marked per slot, in side arrays
// of the slot table's chunks that no checkpoint shares (valid while their stamp is the page file's:
// a checkpoint or restore bumps it, and every mark lapses):
//   - fresh: the slot's words are its alone (copied in since the last checkpoint or restore);
//   - lent from frame `pfn`: the slot shares them with that frame of `lentStore`, whose alone they
//     were when lent, in the frame-store epoch recorded with the mark: once that frame holds other
//     words, and the store's epoch is still that one (no frame-store checkpoint or restore came
//     between), they are the slot's alone again.
// A buffer is in one slot at most (a frame's words not its alone are copied into the slot, not
// lent). Words a slot lets go of are reused (`spare`, for a pristine frame's write) only when the
// slot held them alone; a page read back with its slot freed goes to the frame as the frame's own
// under the same condition (a frame that then writes the page writes in place, no copy).
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
/** A slot's mark: its words are its alone (see the file comment). */
const FRESH = -1
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
  /** @internal per chunk, each slot's mark: 0 none, FRESH, or a lent-from frame `pfn` as pfn + 1. */
  marks: (Int32Array | undefined)[]
  /** @internal per chunk, the stamp each slot's mark was made under (valid when it is `stamp`). */
  markStamps: (Uint32Array | undefined)[]
  /** @internal per chunk, the frame-store epoch a lent slot's words were lent in. */
  lentEpochs: (Uint32Array | undefined)[]
  /** @internal bumped by checkpoint and restore (every mark lapses) and when `lentStore` changes. */
  stamp = 1
  /** @internal the frame store lent marks name frames of. */
  lentStore: FrameStore | undefined = undefined
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
    const chunkCount = Math.ceil(slotCount / CHUNK_SIZE)
    this.chunks = new Array<(Uint32Array | undefined)[] | undefined>(chunkCount).fill(undefined)
    this.marks = new Array<Int32Array | undefined>(chunkCount).fill(undefined)
    this.markStamps = new Array<Uint32Array | undefined>(chunkCount).fill(undefined)
    this.lentEpochs = new Array<Uint32Array | undefined>(chunkCount).fill(undefined)
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
    this.#put(slot, words)
    this.#mark(slot, FRESH, undefined)
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
    this.#put(slot, new Uint32Array(bytes.buffer, bytes.byteOffset, PAGE_WORDS))
    this.#mark(slot, FRESH, undefined)
  }

  /**
   * @internal Store frame `pfn` of `frames` in `slot` (MmWriteToSwapPage; applied by
   * mm.pageWritten): the frame's words are lent to the slot, no copy (the frame copies them on
   * its next write). A frame that reads as zeros gets a spare buffer cleared, or a new one.
   */
  writeFrame(slot: number, frames: FrameStore, pfn: number): void {
    assert(Number.isInteger(pfn) && pfn >= 0 && pfn < frames.frameCount, () => `frame ${pfn} out of range`)
    if (ownsFrameWords(frames, pfn)) {
      const words = lendFrameWords(frames, pfn)!
      this.#put(slot, words)
      this.#mark(slot, pfn + 1, frames)
      return
    }
    // Words a checkpoint (or another holder) has too, or none: copied into a spare or new buffer.
    const words = frameWords(frames, pfn)
    const copy = this.spare.pop() ?? new Uint32Array(PAGE_WORDS)
    if (words === undefined) copy.fill(0)
    else copy.set(words)
    this.#put(slot, copy)
    this.#mark(slot, FRESH, frames)
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
    const alone = this.#alone(slot, words)
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
    const alone = this.#alone(slot, words)
    if (!adoptFrameWords(frames, pfn, words, false)) return
    // The slot's alone until now: shared with the frame only, as a lent frame's would be.
    if (alone) this.#mark(slot, pfn + 1, frames)
    else this.#mark(slot, 0, frames)
  }

  /** Free a slot (MmFreeSwapPage). */
  free(slot: number): void {
    const words = this.readWords(slot)
    assert(words !== undefined, () => `page-file slot ${slot} freed while free`)
    const alone = this.#alone(slot, words)
    this.#ownChunk(slot >>> CHUNK_SHIFT)[slot & CHUNK_MASK] = undefined
    if (alone && this.spare.length < SPARE_PAGES) this.spare.push(words)
    this.used--
    if (slot < this.hint) this.hint = slot
  }

  /** Put `words` in `slot` (its mark is the caller's to set). */
  #put(slot: number, words: Uint32Array): void {
    assert(this.isSlot(slot), () => `page-file slot ${slot} out of range`)
    const chunk = this.#ownChunk(slot >>> CHUNK_SHIFT)
    const old = chunk[slot & CHUNK_MASK]
    if (old === undefined) this.used++
    else if (old !== words && this.#alone(slot, old) && this.spare.length < SPARE_PAGES) this.spare.push(old)
    chunk[slot & CHUNK_MASK] = words
    this.written++
    if (slot === this.hint) this.hint = slot + 1
  }

  /** Set `slot`'s mark (0, FRESH, or pfn + 1 of `frames`, lent in its current epoch). */
  #mark(slot: number, mark: number, frames: FrameStore | undefined): void {
    const c = slot >>> CHUNK_SHIFT
    let marks = this.marks[c]
    if (marks === undefined) {
      marks = new Int32Array(CHUNK_SIZE)
      this.marks[c] = marks
      this.markStamps[c] = new Uint32Array(CHUNK_SIZE)
      this.lentEpochs[c] = new Uint32Array(CHUNK_SIZE)
    }
    if (mark > 0 && this.lentStore !== frames) {
      // Marks name frames of one store: another store's lapse (a page file serves one machine).
      this.lentStore = frames
      this.stamp++
    }
    const i = slot & CHUNK_MASK
    marks[i] = mark
    this.markStamps[c]![i] = this.stamp
    if (mark > 0) this.lentEpochs[c]![i] = frames!.epoch
  }

  /**
   * True when `words`, held by `slot`, are its alone: marked fresh, or lent from a frame that now
   * holds other words with no frame-store checkpoint or restore since. Clears the mark either way.
   */
  #alone(slot: number, words: Uint32Array): boolean {
    const c = slot >>> CHUNK_SHIFT
    const marks = this.marks[c]
    if (marks === undefined) return false
    const i = slot & CHUNK_MASK
    const mark = marks[i]!
    if (mark === 0 || this.markStamps[c]![i] !== this.stamp) return false
    marks[i] = 0
    if (mark === FRESH) return true
    const frames = this.lentStore!
    return frames.epoch === this.lentEpochs[c]![i] && frameWords(frames, mark - 1) !== words
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
    this.stamp++
    return { chunks: this.chunks.slice(), used: this.used, hint: this.hint, heldSlots, tableBytes }
  }

  /** Brings the page file back to a `checkpoint`. */
  restore(checkpoint: PageFileCheckpoint): void {
    assert(checkpoint.chunks.length === this.chunks.length, 'PageFile.restore: checkpoint of another size')
    this.chunks = checkpoint.chunks.slice() as ((Uint32Array | undefined)[] | undefined)[]
    this.owned = new Set()
    // The slots now hold the checkpoint's buffers; the spare ones stay no one's (freed before it).
    this.stamp++
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
