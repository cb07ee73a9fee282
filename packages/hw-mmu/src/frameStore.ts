// Physical memory: N frames of 4 KiB holding real bytes, addressed by PFN (page frame number) or
// physical address, as the CPU's RAM. A frame never written reads as zeros and holds no buffer.
// Frames live in a two-level copy-on-write table (frameTable.ts), so a checkpoint copies no byte
// (frameStoreCheckpoint.ts): after one, the first write to a frame copies that frame only.
//
// The allocate/free bookkeeping is the minimal PFN allocator the OS layer builds on (ReactOS keeps
// it in the PFN database); it hands out the lowest free PFN so runs are deterministic.
//
// Every change goes through the exported apply functions, which hw.* events dispatch to as well.
//
// Why this file is over the house's ~450 lines: it is the physical-memory hot path, kept in one
// module. Every Mmu access and A/D-bit update ends in the bus reads (busRead8/32, busReadInto) or
// the copy-on-write write path (ownFrame, applyPhysicalWrite, applyPhysicalBytesWritten); the
// FrameStore methods check, record and call them as this module's own functions, and all of them
// index the frame table with this module's own constants, which V8 folds (an imported binding is
// a load with a dead-zone check at each use, see mmu.ts). The checkpoint machinery, off that
// path, is in frameStoreCheckpoint.ts and frameDelta.ts.
import { assert } from './assert.js'
import type { FrameDelta } from './frameDelta.js'
import { checkpointFrames, type FrameStoreCheckpoint, restoreFrames } from './frameStoreCheckpoint.js'
import { FRAME_CHUNK_MASK, FRAME_CHUNK_SHIFT, FRAME_CHUNK_SIZE } from './frameTable.js'
import type { HwRecorder } from './hwRecorder.js'
import { PAGE_SIZE } from './paging.js'

/** Largest supported store: 2^20 frames (4 GiB), so every physical address in RAM is a uint32. */
export const MAX_FRAME_COUNT = 0x100000

/** Most buffers a store keeps for reuse (1 MiB): a frame zeroed is soon written again. */
const SPARE_BUFFERS = 256

assert(new Uint8Array(new Uint32Array([0x01020304]).buffer)[0] === 4, 'hw-mmu needs a little-endian host')

// Module-local copies of the frame table's constants, for the hot paths below (see the top).
const CHUNK_SHIFT = FRAME_CHUNK_SHIFT
const CHUNK_SIZE = FRAME_CHUNK_SIZE
const CHUNK_MASK = FRAME_CHUNK_MASK

/** Options of a FrameStore: its size in frames or in bytes (a multiple of 4096). */
export type FrameStoreOptions = { readonly frameCount: number } | { readonly bytes: number }

/** Physical memory with copy-on-write checkpoints. */
export class FrameStore {
  /** Number of 4 KiB frames. */
  readonly frameCount: number
  // `declare`: no field initialisation to undefined before the constructor's assignment, so V8
  // keeps the fields' representation (an integer, an array) and the hot reads skip type checks.
  /** Bytes of RAM (frameCount × 4096). */
  declare readonly byteLength: number
  /** @internal frame contents by chunk; undefined = never written or zeroed (zeros). */
  declare chunks: (Uint32Array | undefined)[][]
  /** @internal epoch in which this store copied each chunk's pointer list (owns it). */
  readonly chunkEpoch: Uint32Array
  /** @internal epoch in which this store copied each frame (may write it in place). */
  readonly frameEpoch: Uint32Array
  /** @internal bumped by checkpoint and restore: everything becomes shared. */
  epoch = 1
  /** @internal frames written or zeroed since the epoch began, in order, each once (`listedEpoch`). */
  ownedList: number[] = []
  /**
   * @internal epoch in which each frame went on `ownedList`: listed once an epoch. A frame went on
   * again at every lend, take and zeroing, so between checkpoints the list grew by about three
   * entries a hard fault without end (docs/performance.md, issue 22, `hardfault2`); the
   * checkpoint reads it as a set in first-listed order, which the list now is.
   */
  readonly listedEpoch: Uint32Array
  /** @internal frames the latest checkpoint or restore holds as deltas (see frameTable.ts). */
  carried: number[] = []
  /** @internal epoch in which each frame is carried (see `carried`). */
  readonly carriedEpoch: Uint32Array
  /** @internal per frame, the base of the next checkpoint's delta (see frameTable.ts). */
  anchors: (Uint32Array | undefined)[]
  /** @internal per frame, the delta the latest checkpoint holds (see frameTable.ts). */
  lastDeltas: (FrameDelta | undefined)[]
  /** @internal 1 per allocated PFN. */
  allocated: Uint8Array
  /** @internal */
  freeFrames: number
  /** @internal no free PFN below this one. */
  searchHint = 0
  /**
   * @internal buffers of zeroed frames that no checkpoint holds, for the next frame that needs one
   * (at most `SPARE_BUFFERS`): a 4 KiB ArrayBuffer costs ~1.5 µs to allocate and collect,
   * a third of a demand-zero write fault (docs/performance.md).
   */
  spare: Uint32Array[] = []
  /** @internal set through Mmu.setRecorder or {@link FrameStore.setRecorder}. */
  recorder: HwRecorder | undefined = undefined

  constructor(options: FrameStoreOptions) {
    let frameCount: number
    if ('frameCount' in options) {
      frameCount = options.frameCount
    } else {
      const bytes = options.bytes
      if (!Number.isInteger(bytes) || bytes <= 0 || bytes % PAGE_SIZE !== 0) {
        throw new RangeError(`FrameStore bytes ${bytes} must be a positive multiple of ${PAGE_SIZE}`)
      }
      frameCount = bytes / PAGE_SIZE
    }
    if (!Number.isInteger(frameCount) || frameCount < 1 || frameCount > MAX_FRAME_COUNT) {
      throw new RangeError(
        `FrameStore frameCount ${frameCount} must be an integer in [1, ${MAX_FRAME_COUNT}]`,
      )
    }
    this.frameCount = frameCount
    this.byteLength = frameCount * PAGE_SIZE
    const chunkCount = Math.ceil(frameCount / CHUNK_SIZE)
    this.chunks = Array.from({ length: chunkCount }, () =>
      new Array<Uint32Array | undefined>(CHUNK_SIZE).fill(undefined),
    )
    this.chunkEpoch = new Uint32Array(chunkCount).fill(this.epoch)
    this.frameEpoch = new Uint32Array(frameCount)
    this.anchors = new Array<Uint32Array | undefined>(frameCount).fill(undefined)
    this.lastDeltas = new Array<FrameDelta | undefined>(frameCount).fill(undefined)
    this.carriedEpoch = new Uint32Array(frameCount)
    this.listedEpoch = new Uint32Array(frameCount)
    this.allocated = new Uint8Array(frameCount)
    this.freeFrames = frameCount
  }

  /** Attaches (or with undefined detaches) the recorder that receives every change as an event. */
  setRecorder(recorder: HwRecorder | undefined): void {
    this.recorder = recorder
  }

  /** Number of frames not allocated. */
  get freeCount(): number {
    return this.freeFrames
  }

  /** Allocates the lowest free PFN; undefined when every frame is allocated. */
  allocate(): number | undefined {
    if (this.freeFrames === 0) return undefined
    let pfn = this.searchHint
    while (this.allocated[pfn] === 1) pfn++
    this.recorder?.({ type: 'hw.frameAllocated', pfn })
    applyFrameAllocated(this, pfn)
    return pfn
  }

  /** Allocates `pfn` itself; false (nothing changed) when it is already allocated. */
  allocateSpecific(pfn: number): boolean {
    this.checkPfn(pfn)
    if (this.allocated[pfn] === 1) return false
    this.recorder?.({ type: 'hw.frameAllocated', pfn })
    applyFrameAllocated(this, pfn)
    return true
  }

  /** Frees `pfn`. Its bytes stay as they are (RAM is not cleared). Throws if it is not allocated. */
  free(pfn: number): void {
    this.checkPfn(pfn)
    if (this.allocated[pfn] !== 1)
      throw new RangeError(`pfn ${pfn} is not allocated: only an allocated frame can be freed`)
    this.recorder?.({ type: 'hw.frameFreed', pfn })
    applyFrameFreed(this, pfn)
  }

  /** True when `pfn` is allocated. */
  isAllocated(pfn: number): boolean {
    this.checkPfn(pfn)
    return this.allocated[pfn] === 1
  }

  /** Fills frame `pfn` with zeros. */
  zero(pfn: number): void {
    this.checkPfn(pfn)
    const recorder = this.recorder
    if (recorder !== undefined) {
      const words = frameWords(this, pfn)
      const previousWords: number[] = []
      if (words !== undefined) {
        for (let i = 0; i < words.length; i++) if (words[i] !== 0) previousWords.push(i, words[i]!)
      }
      recorder({ type: 'hw.frameZeroed', pfn, previousWords })
    }
    applyFrameZeroed(this, pfn)
  }

  /** Reads the byte at physical address `pa`. */
  read8(pa: number): number {
    this.checkRange(pa, 1)
    return busRead8(this, pa)
  }

  /** Reads the little-endian 16-bit word at `pa`. */
  read16(pa: number): number {
    this.checkRange(pa, 2)
    return busRead8(this, pa) | (busRead8(this, pa + 1) << 8)
  }

  /** Reads the little-endian 32-bit word at `pa`, unsigned. */
  read32(pa: number): number {
    this.checkRange(pa, 4)
    return busRead32(this, pa)
  }

  /** Reads the 64-bit word at `pa` as two unsigned halves. */
  read64(pa: number): { low: number; high: number } {
    this.checkRange(pa, 8)
    return { low: busRead32(this, pa), high: busRead32(this, pa + 4) }
  }

  /** Writes the byte `value` (0..255) at `pa`. */
  write8(pa: number, value: number): void {
    this.writeScalar(pa, 1, value)
  }

  /** Writes the 16-bit `value` at `pa`, little-endian. */
  write16(pa: number, value: number): void {
    this.writeScalar(pa, 2, value)
  }

  /** Writes the 32-bit `value` at `pa`, little-endian. */
  write32(pa: number, value: number): void {
    this.writeScalar(pa, 4, value)
  }

  /** Writes the 64-bit word (`low`, `high`) at `pa`. */
  write64(pa: number, low: number, high: number): void {
    this.checkRange(pa, 8)
    this.checkValue(low, 4)
    this.checkValue(high, 4)
    this.writeScalar(pa, 4, low)
    this.writeScalar(pa + 4, 4, high)
  }

  /** Copies `length` bytes starting at `pa`. */
  readBytes(pa: number, length: number): Uint8Array {
    this.checkRange(pa, length)
    const out = new Uint8Array(length)
    busReadInto(this, pa, out, 0, length)
    return out
  }

  /** Writes `data` starting at `pa`. */
  writeBytes(pa: number, data: ArrayLike<number>): void {
    this.checkRange(pa, data.length)
    // A Uint8Array holds bytes by construction (a page copied in costs no 4096 checks).
    if (!(data instanceof Uint8Array)) for (let i = 0; i < data.length; i++) this.checkValue(data[i]!, 1)
    const recorder = this.recorder
    if (recorder !== undefined) {
      const previous = new Uint8Array(data.length)
      busReadInto(this, pa, previous, 0, data.length)
      recorder({
        type: 'hw.physicalBytesWritten',
        address: pa,
        bytes: Array.from(data),
        previousBytes: Array.from(previous),
      })
    }
    applyPhysicalBytesWritten(this, pa, data)
  }

  /** A copy of frame `pfn`'s 4096 bytes (a copy, so the frame cannot be changed behind the store's back). */
  frameBytes(pfn: number): Uint8Array {
    this.checkPfn(pfn)
    const words = frameWords(this, pfn)
    // A typed-array copy of the words (a memcpy), not ArrayBuffer.slice: measured 1.5-2x cheaper,
    // and every page write of a machine under pressure copies a frame.
    return words === undefined ? new Uint8Array(PAGE_SIZE) : new Uint8Array(new Uint32Array(words).buffer)
  }

  /** True when frame `pfn` has never been written or was zeroed (it holds no buffer). */
  isPristine(pfn: number): boolean {
    this.checkPfn(pfn)
    return frameWords(this, pfn) === undefined
  }

  /**
   * Takes a copy-on-write checkpoint: copies one pointer per 256 frames and the allocation map
   * (one byte per frame), no byte of RAM. Later writes copy the frame they touch first, so they
   * never show in the checkpoint.
   */
  checkpoint(): FrameStoreCheckpoint {
    return checkpointFrames(this)
  }

  /** Returns the store to `checkpoint` (which stays valid for later restores). */
  restore(checkpoint: FrameStoreCheckpoint): void {
    restoreFrames(this, checkpoint)
  }

  private writeScalar(pa: number, size: 1 | 2 | 4, value: number): void {
    this.checkRange(pa, size)
    this.checkValue(value, size)
    const recorder = this.recorder
    if (recorder !== undefined) {
      recorder({
        type: 'hw.physicalWrite',
        address: pa,
        size,
        value: value >>> 0,
        previousValue: busReadScalar(this, pa, size),
      })
    }
    applyPhysicalWrite(this, pa, size, value)
  }

  private checkPfn(pfn: number): void {
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= this.frameCount) {
      throw new RangeError(
        `pfn ${pfn} is beyond the store: it must be an integer in [0, ${this.frameCount - 1}]`,
      )
    }
  }

  private checkRange(pa: number, length: number): void {
    if (!Number.isInteger(length) || length < 0)
      throw new RangeError(`length ${length} must be a non-negative integer`)
    if (!Number.isInteger(pa) || pa < 0 || pa + length > this.byteLength) {
      throw new RangeError(
        `physical range ${pa}+${length} is beyond the store: it must lie in [0, 0x${this.byteLength.toString(16)})`,
      )
    }
  }

  private checkValue(value: number, size: number): void {
    const limit = 2 ** (size * 8)
    if (!Number.isInteger(value) || value < 0 || value >= limit) {
      throw new RangeError(
        `value ${value} does not fit ${size} byte(s): it must be an integer in [0, ${limit - 1}]`,
      )
    }
  }
}

// ---- bus access (no validation; used by the walker and the Mmu after their own checks) ----------

/** @internal The words of frame `pfn`, or undefined when it reads as zeros. */
export function frameWords(store: FrameStore, pfn: number): Uint32Array | undefined {
  return store.chunks[pfn >>> CHUNK_SHIFT]![pfn & CHUNK_MASK]
}

/** @internal Reads a byte; physical addresses beyond RAM read as 0xFF (no device answers). */
export function busRead8(store: FrameStore, pa: number): number {
  if (pa >= store.byteLength) return 0xff
  const words = store.chunks[pa >>> 20]![(pa >>> 12) & CHUNK_MASK]
  return words === undefined ? 0 : (words[(pa & 0xfff) >>> 2]! >>> ((pa & 3) << 3)) & 0xff
}

/** @internal Reads a 32-bit word; beyond RAM it reads as 0xFFFFFFFF. */
export function busRead32(store: FrameStore, pa: number): number {
  if ((pa & 3) === 0 && pa < store.byteLength) {
    const words = store.chunks[pa >>> 20]![(pa >>> 12) & CHUNK_MASK]
    return words === undefined ? 0 : words[(pa & 0xfff) >>> 2]!
  }
  return (
    (busRead8(store, pa) |
      (busRead8(store, pa + 1) << 8) |
      (busRead8(store, pa + 2) << 16) |
      (busRead8(store, pa + 3) << 24)) >>>
    0
  )
}

/** @internal Reads a 1, 2 or 4-byte little-endian value. */
export function busReadScalar(store: FrameStore, pa: number, size: number): number {
  if (size === 4) return busRead32(store, pa)
  if (size === 1) return busRead8(store, pa)
  return busRead8(store, pa) | (busRead8(store, pa + 1) << 8)
}

/**
 * @internal {@link busReadInto} for `length` bytes that stay within the frame of `pa` (an
 * access's bytes within one page): a few bytes straight from the frame's words, inlinable.
 */
export function busReadWithinPage(
  store: FrameStore,
  pa: number,
  out: Uint8Array,
  outOffset: number,
  length: number,
): void {
  if (length > 16 || pa >= store.byteLength) {
    busReadInto(store, pa, out, outOffset, length)
    return
  }
  const words = store.chunks[pa >>> 20]![(pa >>> 12) & CHUNK_MASK]
  const offset = pa & 0xfff
  if (words === undefined) {
    for (let i = 0; i < length; i++) out[outOffset + i] = 0
    return
  }
  if (length === 4 && (offset & 3) === 0) {
    // An aligned word (the commonest access): one load.
    const word = words[offset >>> 2]!
    out[outOffset] = word & 0xff
    out[outOffset + 1] = (word >>> 8) & 0xff
    out[outOffset + 2] = (word >>> 16) & 0xff
    out[outOffset + 3] = word >>> 24
    return
  }
  if (length === 8 && (offset & 3) === 0) {
    // An aligned quadword (a 64-bit program's loads: most of an x64 lackey trace's data lines):
    // two loads, not a load and a shift per byte.
    const low = words[offset >>> 2]!
    const high = words[(offset >>> 2) + 1]!
    out[outOffset] = low & 0xff
    out[outOffset + 1] = (low >>> 8) & 0xff
    out[outOffset + 2] = (low >>> 16) & 0xff
    out[outOffset + 3] = low >>> 24
    out[outOffset + 4] = high & 0xff
    out[outOffset + 5] = (high >>> 8) & 0xff
    out[outOffset + 6] = (high >>> 16) & 0xff
    out[outOffset + 7] = high >>> 24
    return
  }
  for (let i = 0; i < length; i++) {
    const byte = offset + i
    out[outOffset + i] = (words[byte >>> 2]! >>> ((byte & 3) << 3)) & 0xff
  }
}

/** @internal Copies `length` bytes at `pa` into `out` at `outOffset`. */
export function busReadInto(
  store: FrameStore,
  pa: number,
  out: Uint8Array,
  outOffset: number,
  length: number,
): void {
  let done = 0
  while (done < length) {
    const address = pa + done
    const offset = address & 0xfff
    const chunk = Math.min(length - done, PAGE_SIZE - offset)
    if (address >= store.byteLength) {
      out.fill(0xff, outOffset + done, outOffset + done + chunk)
    } else {
      const words = frameWords(store, address >>> 12)
      if (words === undefined) out.fill(0, outOffset + done, outOffset + done + chunk)
      else if (chunk <= 16) {
        // A few bytes (most accesses): read them from the words, no view over the frame (a view
        // costs an allocation and materialises the frame's ArrayBuffer).
        const at = outOffset + done
        for (let i = 0; i < chunk; i++) {
          const byte = offset + i
          out[at + i] = (words[byte >>> 2]! >>> ((byte & 3) << 3)) & 0xff
        }
      } else out.set(new Uint8Array(words.buffer, offset, chunk), outOffset + done)
    }
    done += chunk
  }
}

/** The frame's words, made private to this store first (copy-on-write). */
/**
 * @internal The words of the frame holding `pa` when a store there may go in place: `pa` in RAM
 * and the frame already this checkpoint epoch's own (ownFrame would hand back the same words
 * without copying); undefined otherwise, and the store goes through applyPhysicalWrite. Lets a
 * TLB-hit store skip the copy-on-write machinery without repeating it.
 */
export function ownedWordsAt(store: FrameStore, pa: number): Uint32Array | undefined {
  return pa < store.byteLength && store.frameEpoch[pa >>> 12] === store.epoch
    ? store.chunks[pa >>> 20]![(pa >>> 12) & CHUNK_MASK]
    : undefined
}

/** Frame `pfn` goes on the store's `ownedList` (the next checkpoint's frames), once an epoch. */
function listOwned(store: FrameStore, pfn: number): void {
  if (store.listedEpoch[pfn] === store.epoch) return
  store.listedEpoch[pfn] = store.epoch
  store.ownedList.push(pfn)
}

function ownFrame(store: FrameStore, pfn: number): Uint32Array {
  const c = pfn >>> CHUNK_SHIFT
  let chunk = store.chunks[c]!
  if (store.frameEpoch[pfn] === store.epoch) return chunk[pfn & CHUNK_MASK]!
  if (store.chunkEpoch[c] !== store.epoch) {
    chunk = chunk.slice()
    store.chunks[c] = chunk
    store.chunkEpoch[c] = store.epoch
  }
  const old = chunk[pfn & CHUNK_MASK]
  // A carried frame's buffer is no checkpoint's: take it back as it is.
  const carried = store.carriedEpoch[pfn] === store.epoch && old !== undefined
  const copy = carried ? old : old === undefined ? zeroedBuffer(store) : copiedBuffer(store, old)
  chunk[pfn & CHUNK_MASK] = copy
  store.frameEpoch[pfn] = store.epoch
  listOwned(store, pfn)
  return copy
}

/**
 * Frame `pfn`'s words become a copy of `source` (a whole page), as {@link ownFrame} then a copy
 * would leave them, but a frame that would need a new buffer gets `source`'s copy as that buffer:
 * one allocation and one copy, where ownFrame allocates a zeroed buffer (or copies the old one)
 * and the page is then copied over it through a view (a copy-on-write fault's copy, a page read
 * back from the page file).
 */
function fillFrame(store: FrameStore, pfn: number, source: Uint32Array): void {
  const c = pfn >>> CHUNK_SHIFT
  let chunk = store.chunks[c]!
  const old = chunk[pfn & CHUNK_MASK]
  if (
    store.frameEpoch[pfn] === store.epoch ||
    (store.carriedEpoch[pfn] === store.epoch && old !== undefined)
  ) {
    ownFrame(store, pfn).set(source)
    return
  }
  if (store.chunkEpoch[c] !== store.epoch) {
    chunk = chunk.slice()
    store.chunks[c] = chunk
    store.chunkEpoch[c] = store.epoch
  }
  const spare = store.spare.pop()
  if (spare === undefined) chunk[pfn & CHUNK_MASK] = source.slice()
  else {
    spare.set(source)
    chunk[pfn & CHUNK_MASK] = spare
  }
  store.frameEpoch[pfn] = store.epoch
  listOwned(store, pfn)
}

/**
 * @internal Frame `pfn` becomes a copy of `source` (a frame's 1024 words, e.g. another frame's):
 * {@link FrameStore.writeBytes} of its bytes, the same hw.physicalBytesWritten when recording,
 * without the views and checks when not (a copy-on-write fault's copy).
 */
export function writeFrameWords(store: FrameStore, pfn: number, source: Uint32Array): void {
  if (store.recorder !== undefined || !Number.isInteger(pfn) || pfn < 0 || pfn >= store.frameCount) {
    store.writeBytes(pfn * PAGE_SIZE, new Uint8Array(source.buffer, source.byteOffset, PAGE_SIZE))
    return
  }
  fillFrame(store, pfn, source)
}

/**
 * @internal True when frame `pfn`'s words are the store's alone (copied or made in this checkpoint
 * epoch, or carried: no checkpoint holds them), so the store may write them in place.
 */
export function ownsFrameWords(store: FrameStore, pfn: number): boolean {
  return (
    store.frameEpoch[pfn] === store.epoch ||
    (store.carriedEpoch[pfn] === store.epoch && frameWords(store, pfn) !== undefined)
  )
}

/**
 * @internal Frame `pfn`'s words lent to another holder without a copy (a page-file slot: the
 * modified page writer's write, mm-core pageFile.ts): the frame keeps them but treats them as a
 * checkpoint's from now on, so its next write copies them first and a checkpoint holds them whole
 * (never as a delta the store would take back). Undefined when the frame reads as zeros.
 */
export function lendFrameWords(store: FrameStore, pfn: number): Uint32Array | undefined {
  const words = frameWords(store, pfn)
  if (
    words !== undefined &&
    (store.frameEpoch[pfn] === store.epoch || store.carriedEpoch[pfn] === store.epoch)
  ) {
    store.frameEpoch[pfn] = 0
    store.carriedEpoch[pfn] = 0
    // The next checkpoint must see the frame (a carried one's old delta no longer stands for it).
    listOwned(store, pfn)
  }
  return words
}

/**
 * @internal Frame `pfn` becomes `words` itself (a page read back from a page-file slot, without a
 * copy). `exclusive`: no one else holds them (the slot let go of them and no checkpoint holds
 * them), so the store may write them in place; else they are treated as a checkpoint's (copied on
 * the next write). With a recorder attached the page is written as {@link FrameStore.writeBytes}
 * writes it (its hw.physicalBytesWritten) and false is returned: the store did not take `words`.
 */
export function adoptFrameWords(
  store: FrameStore,
  pfn: number,
  words: Uint32Array,
  exclusive: boolean,
): boolean {
  if (store.recorder !== undefined) {
    store.writeBytes(pfn * PAGE_SIZE, new Uint8Array(words.buffer, words.byteOffset, PAGE_SIZE))
    return false
  }
  const c = pfn >>> CHUNK_SHIFT
  let chunk = store.chunks[c]!
  if (store.chunkEpoch[c] !== store.epoch) {
    chunk = chunk.slice()
    store.chunks[c] = chunk
    store.chunkEpoch[c] = store.epoch
  }
  const old = chunk[pfn & CHUNK_MASK]
  // The frame's own buffer (a checkpoint holds none of it) goes to the spare ones.
  if (old !== undefined && ownsFrameWords(store, pfn) && store.spare.length < SPARE_BUFFERS)
    store.spare.push(old)
  chunk[pfn & CHUNK_MASK] = words
  store.frameEpoch[pfn] = exclusive ? store.epoch : 0
  store.carriedEpoch[pfn] = 0
  listOwned(store, pfn)
  return true
}

/**
 * A copy of `words` for a frame: into a spare buffer when there is one (a frame whose words were
 * lent to a page-file slot copies them on its next write), else a new one.
 */
function copiedBuffer(store: FrameStore, words: Uint32Array): Uint32Array {
  const spare = store.spare.pop()
  if (spare === undefined) return words.slice()
  spare.set(words)
  return spare
}

/** A buffer of zeros for a frame: a spare one cleared, or a new one. */
function zeroedBuffer(store: FrameStore): Uint32Array {
  const spare = store.spare.pop()
  if (spare === undefined) return new Uint32Array(PAGE_SIZE / 4)
  spare.fill(0)
  return spare
}

// ---- apply functions: the only code that changes a FrameStore's state --------------------------

/** Applies hw.frameAllocated. */
export function applyFrameAllocated(store: FrameStore, pfn: number): void {
  assert(store.allocated[pfn] === 0, () => `frame ${pfn} allocated twice`)
  store.allocated[pfn] = 1
  store.freeFrames--
  if (pfn === store.searchHint) store.searchHint = pfn + 1
}

/** Applies hw.frameFreed. */
export function applyFrameFreed(store: FrameStore, pfn: number): void {
  assert(store.allocated[pfn] === 1, () => `frame ${pfn} freed while free`)
  store.allocated[pfn] = 0
  store.freeFrames++
  if (pfn < store.searchHint) store.searchHint = pfn
}

/** Applies hw.frameZeroed: the frame drops its buffer and reads as zeros again. */
export function applyFrameZeroed(store: FrameStore, pfn: number): void {
  if (frameWords(store, pfn) === undefined) return
  const c = pfn >>> CHUNK_SHIFT
  if (store.chunkEpoch[c] !== store.epoch) {
    store.chunks[c] = store.chunks[c]!.slice()
    store.chunkEpoch[c] = store.epoch
  }
  // A buffer the store copied in this epoch is its alone (a checkpoint bumps the epoch, and holds
  // only buffers of earlier ones): kept for the next frame written.
  if (store.frameEpoch[pfn] === store.epoch && store.spare.length < SPARE_BUFFERS)
    store.spare.push(store.chunks[c]![pfn & CHUNK_MASK]!)
  store.chunks[c]![pfn & CHUNK_MASK] = undefined
  store.frameEpoch[pfn] = 0
  // A change the next checkpoint must see (a carried frame's delta no longer holds).
  listOwned(store, pfn)
}

/**
 * Applies a 1, 2 or 4-byte little-endian store at `pa` (hw.physicalWrite, hw.pteWritten and
 * hw.accessedDirtySet all end here). Writes beyond RAM are dropped.
 */
export function applyPhysicalWrite(store: FrameStore, pa: number, size: number, value: number): void {
  if (pa >= store.byteLength) return
  const pfn = pa >>> 12
  const offset = pa & 0xfff
  if (size === 4 && (offset & 3) === 0) {
    ownFrame(store, pfn)[offset >>> 2] = value
    return
  }
  if (offset + size <= PAGE_SIZE) {
    // Merged into the words byte by byte (no view over the frame: a view is an allocation).
    const words = ownFrame(store, pfn)
    for (let i = 0; i < size; i++) {
      const byte = offset + i
      const shift = (byte & 3) << 3
      const index = byte >>> 2
      words[index] = ((words[index]! & ~(0xff << shift)) | (((value >>> (8 * i)) & 0xff) << shift)) >>> 0
    }
    return
  }
  const parts: number[] = []
  for (let i = 0; i < size; i++) parts.push((value >>> (8 * i)) & 0xff)
  applyPhysicalBytesWritten(store, pa, parts)
}

/** Applies hw.physicalBytesWritten. */
export function applyPhysicalBytesWritten(store: FrameStore, pa: number, data: ArrayLike<number>): void {
  let done = 0
  const length = data.length
  while (done < length) {
    const address = pa + done
    if (address >= store.byteLength) return
    const offset = address & 0xfff
    const chunk = Math.min(length - done, PAGE_SIZE - offset)
    if (chunk === PAGE_SIZE && data instanceof Uint8Array && ((data.byteOffset + done) & 3) === 0) {
      fillFrame(store, address >>> 12, new Uint32Array(data.buffer, data.byteOffset + done, PAGE_SIZE / 4))
      done += chunk
      continue
    }
    const words = ownFrame(store, address >>> 12)
    if (chunk <= 16) {
      // A few bytes (most stores): merge them into the words, no view over the frame (a view
      // costs an allocation and materialises the frame's ArrayBuffer).
      for (let i = 0; i < chunk; i++) {
        const byte = offset + i
        const shift = (byte & 3) << 3
        const index = byte >>> 2
        words[index] = ((words[index]! & ~(0xff << shift)) | ((data[done + i]! & 0xff) << shift)) >>> 0
      }
    } else {
      const bytes = new Uint8Array(words.buffer, words.byteOffset, PAGE_SIZE)
      if (data instanceof Uint8Array) bytes.set(data.subarray(done, done + chunk), offset)
      else for (let i = 0; i < chunk; i++) bytes[offset + i] = data[done + i]!
    }
    done += chunk
  }
}
