// Physical memory: N frames of 4 KiB holding real bytes, addressed by PFN (page frame number) or
// physical address, as the CPU's RAM. Copy-on-write at frame granularity makes a checkpoint cheap:
// no byte is copied; after a checkpoint every frame is shared, and the first write to a shared
// frame copies that frame only. A frame never written reads as zeros and holds no buffer.
//
//   chunks[pfn >> 8][pfn & 255] → the frame's words (Uint32Array of 1024), or undefined (zeros)
//
// The frame table is a two-level persistent array: a checkpoint copies the chunk list (one pointer
// per 256 frames) and the allocation map, and bumps an epoch, which in O(1) marks every chunk and
// frame as shared (this store owns a chunk or frame only if it copied it in the current epoch).
// A write to a shared frame copies its chunk's pointer list (once per epoch) and the frame.
//
// The allocate/free bookkeeping is the minimal PFN allocator the OS layer builds on (ReactOS keeps
// it in the PFN database); it hands out the lowest free PFN so runs are deterministic.
//
// Every change goes through the exported apply functions, which hw.* events dispatch to as well.
import { assert } from './assert.js'
import type { HwRecorder } from './hwRecorder.js'
import { PAGE_SIZE } from './paging.js'

/** Largest supported store: 2^20 frames (4 GiB), so every physical address in RAM is a uint32. */
export const MAX_FRAME_COUNT = 0x100000

assert(new Uint8Array(new Uint32Array([0x01020304]).buffer)[0] === 4, 'hw-mmu needs a little-endian host')

const CHUNK_SHIFT = 8
const CHUNK_SIZE = 1 << CHUNK_SHIFT
const CHUNK_MASK = CHUNK_SIZE - 1

/**
 * A frame a checkpoint holds as the words in which it differs from an older buffer of the same
 * frame that another checkpoint already holds whole (its anchor): a few bytes instead of 4 KiB
 * when a program rewrites a few words of a page between two checkpoints.
 */
export class FrameDelta {
  /** @internal */
  constructor(
    /** @internal */ readonly base: Uint32Array,
    /** @internal */ readonly indices: Uint16Array,
    /** @internal */ readonly values: Uint32Array,
  ) {}

  /** The frame's words, in a new buffer. */
  materialize(): Uint32Array {
    const words = this.base.slice()
    const { indices, values } = this
    for (let index = 0; index < indices.length; index++) words[indices[index]!] = values[index]!
    return words
  }

  /** Bytes it holds (besides its base, which another checkpoint holds). */
  get byteLength(): number {
    return this.indices.byteLength + this.values.byteLength + 64
  }
}

/** Words that may differ for a frame to be held as a delta; beyond, it is held whole. */
const DELTA_LIMIT = 256

/** The delta of `words` against `base` (same frame), or undefined when more than DELTA_LIMIT words differ. */
function frameDelta(base: Uint32Array, words: Uint32Array): FrameDelta | undefined {
  let count = 0
  for (let index = 0; index < words.length; index++)
    if (words[index] !== base[index] && ++count > DELTA_LIMIT) return undefined
  const indices = new Uint16Array(count)
  const values = new Uint32Array(count)
  let at = 0
  for (let index = 0; index < words.length && at < count; index++) {
    if (words[index] !== base[index]) {
      indices[at] = index
      values[at++] = words[index]!
    }
  }
  return new FrameDelta(base, indices, values)
}

/** A frozen copy-on-write view of a FrameStore, taken by {@link FrameStore.checkpoint}. */
export class FrameStoreCheckpoint {
  /** @internal */
  constructor(
    readonly frameCount: number,
    /** @internal */ readonly chunks: readonly (readonly (Uint32Array | FrameDelta | undefined)[])[],
    /** @internal */ readonly allocated: Uint8Array,
    /** @internal */ readonly freeCount: number,
    /** @internal */ readonly searchHint: number,
    /**
     * Frames written since the store's previous checkpoint or restore that this checkpoint holds
     * whole: their buffers were the store's alone, so it is the first to hold them (the store
     * copies them again on its next write). The other frames written since are held as deltas
     * against a buffer an earlier checkpoint holds (`deltaBytes`).
     */
    readonly heldFrames: number,
    /** Bytes of the frames this checkpoint holds as deltas. */
    readonly deltaBytes = 0,
  ) {}

  /**
   * Bytes this checkpoint keeps alive, at most: its frame buffers (see `heldFrames`), its chunk
   * list and the per-chunk pointer lists (copied by the store on its first write to a chunk), and
   * the allocation map.
   */
  get heldBytes(): number {
    return (
      this.heldFrames * PAGE_SIZE +
      this.deltaBytes +
      this.chunks.length * 8 * (CHUNK_SIZE + 1) +
      this.allocated.length
    )
  }
}

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
  /** @internal frames written or zeroed since the epoch began, in order (a frame may appear twice). */
  ownedList: number[] = []
  /**
   * @internal Frames the latest checkpoint (or restore) holds as deltas: their buffers are this
   * store's alone though their epoch is old, so their first write takes them without a copy
   * (`carriedEpoch`), and a checkpoint reuses their delta when nothing wrote them.
   */
  carried: number[] = []
  /** @internal epoch in which each frame is carried (see `carried`). */
  readonly carriedEpoch: Uint32Array
  /**
   * @internal Per frame, the buffer the latest checkpoint holds whole for it, or holds a delta
   * against: the base of the next checkpoint's delta of the frame.
   */
  anchors: (Uint32Array | undefined)[]
  /** @internal Per frame, the delta the latest checkpoint holds for it (reused while it is not written). */
  lastDeltas: (FrameDelta | undefined)[]
  /** @internal 1 per allocated PFN. */
  allocated: Uint8Array
  /** @internal */
  freeFrames: number
  /** @internal no free PFN below this one. */
  searchHint = 0
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
    return words === undefined ? new Uint8Array(PAGE_SIZE) : new Uint8Array(words.buffer.slice(0))
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
    const chunks: (Uint32Array | FrameDelta | undefined)[][] = this.chunks.slice()
    // A frame written since the last checkpoint is held whole (its buffer becomes its anchor,
    // shared from now on), or, when few of its words differ from its anchor, as a delta in this
    // checkpoint's own copy of the chunk's list. The store's buffer is then no checkpoint's
    // (carried): the store takes it back without a copy when it next writes it, and the next
    // checkpoint compares it again, or, when nothing wrote it, holds the same delta, so no
    // checkpoint ever holds that buffer uncounted.
    const ownLists = new Set<number>()
    const written = new Set(this.ownedList)
    const carried: number[] = []
    let heldFrames = 0
    let deltaBytes = 0
    const holdAsDelta = (pfn: number, anchor: Uint32Array, delta: FrameDelta): void => {
      const c = pfn >>> CHUNK_SHIFT
      if (!ownLists.has(c)) {
        chunks[c] = (chunks[c] as (Uint32Array | FrameDelta | undefined)[]).slice()
        ownLists.add(c)
      }
      ;(chunks[c] as (Uint32Array | FrameDelta | undefined)[])[pfn & CHUNK_MASK] =
        delta.indices.length === 0 ? anchor : delta
      if (delta.indices.length > 0) deltaBytes += delta.byteLength
      carried.push(pfn)
    }
    for (const pfn of written) {
      const words = this.chunks[pfn >>> CHUNK_SHIFT]![pfn & CHUNK_MASK]
      const anchor = this.anchors[pfn]
      const delta = words === undefined || anchor === undefined ? undefined : frameDelta(anchor, words)
      this.lastDeltas[pfn] = delta
      if (delta === undefined) {
        this.anchors[pfn] = words
        if (words !== undefined) heldFrames++
      } else holdAsDelta(pfn, anchor as Uint32Array, delta)
    }
    for (const pfn of this.carried) {
      if (written.has(pfn)) continue
      holdAsDelta(pfn, this.anchors[pfn] as Uint32Array, this.lastDeltas[pfn] as FrameDelta)
    }
    this.epoch++
    // The carried frames' chunk lists stay the store's own (this checkpoint holds copies of them;
    // the other frames in them are still copied on write by their own epoch).
    for (const pfn of carried) {
      this.carriedEpoch[pfn] = this.epoch
      this.chunkEpoch[pfn >>> CHUNK_SHIFT] = this.epoch
    }
    this.ownedList = []
    this.carried = carried
    return new FrameStoreCheckpoint(
      this.frameCount,
      chunks,
      this.allocated.slice(),
      this.freeFrames,
      this.searchHint,
      heldFrames,
      deltaBytes,
    )
  }

  /** Returns the store to `checkpoint` (which stays valid for later restores). */
  restore(checkpoint: FrameStoreCheckpoint): void {
    if (checkpoint.frameCount !== this.frameCount) {
      throw new RangeError(
        `checkpoint of ${checkpoint.frameCount} frames cannot restore a store of ${this.frameCount}`,
      )
    }
    this.epoch++
    this.ownedList = []
    this.carried = []
    // Frames the checkpoint holds as deltas are rebuilt into buffers of this store's own, carried
    // as the checkpoint's deltas (see `checkpoint`); the rest is shared.
    const chunks: (Uint32Array | undefined)[][] = []
    for (let c = 0; c < checkpoint.chunks.length; c++) {
      const list = checkpoint.chunks[c]!
      let own: (Uint32Array | undefined)[] | undefined
      for (let index = 0; index < list.length; index++) {
        const entry = list[index]
        const pfn = c * CHUNK_SIZE + index
        if (entry instanceof FrameDelta) {
          own ??= list.slice() as (Uint32Array | undefined)[]
          own[index] = entry.materialize()
          this.anchors[pfn] = entry.base
          this.lastDeltas[pfn] = entry
          this.carriedEpoch[pfn] = this.epoch
          this.carried.push(pfn)
        } else if (pfn < this.frameCount) this.anchors[pfn] = entry
      }
      chunks.push(own ?? (list as (Uint32Array | undefined)[]))
      if (own !== undefined) this.chunkEpoch[c] = this.epoch
    }
    this.chunks = chunks
    this.allocated.set(checkpoint.allocated)
    this.freeFrames = checkpoint.freeCount
    this.searchHint = checkpoint.searchHint
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
  const copy = carried ? old : old === undefined ? new Uint32Array(PAGE_SIZE / 4) : old.slice()
  chunk[pfn & CHUNK_MASK] = copy
  store.frameEpoch[pfn] = store.epoch
  store.ownedList.push(pfn)
  return copy
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
  store.chunks[c]![pfn & CHUNK_MASK] = undefined
  store.frameEpoch[pfn] = 0
  // A change the next checkpoint must see (a carried frame's delta no longer holds).
  store.ownedList.push(pfn)
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
    const bytes = new Uint8Array(ownFrame(store, pfn).buffer)
    for (let i = 0; i < size; i++) bytes[offset + i] = (value >>> (8 * i)) & 0xff
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
