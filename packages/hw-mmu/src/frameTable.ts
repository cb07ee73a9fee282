// The layout of physical memory's frame table, shared by the FrameStore (the bus reads and writes,
// the allocator) and its copy-on-write checkpoints: a two-level persistent array of frame buffers
// with per-chunk and per-frame epochs, and the allocation map. RAM needs no table; the allocation
// map is the part of ReactOS's PFN database (`MMPFN`, ntoskrnl/mm/ARM3/pfnlist.c) hw-mmu keeps.
//
//   chunks[pfn >> 8][pfn & 255] → the frame's words (Uint32Array of 1024), or undefined (zeros)
//
// A checkpoint copies the chunk list (one pointer per 256 frames) and bumps the epoch, which in
// O(1) marks every chunk and frame as shared: the store owns a chunk or frame only if it copied
// it in the current epoch.
import type { FrameDelta } from './frameDelta.js'

/** @internal log2 of the frames per chunk of the frame table. */
export const FRAME_CHUNK_SHIFT = 8
/** @internal Frames per chunk of the frame table. */
export const FRAME_CHUNK_SIZE = 1 << FRAME_CHUNK_SHIFT
/** @internal The frame's index in its chunk: `pfn & FRAME_CHUNK_MASK`. */
export const FRAME_CHUNK_MASK = FRAME_CHUNK_SIZE - 1

/**
 * @internal The state of physical memory that the FrameStore and its checkpoints share (the
 * FrameStore implements it; every field is written by the store's apply functions, its
 * `checkpoint` and its `restore` only).
 */
export interface FrameTable {
  /** Number of 4 KiB frames. */
  readonly frameCount: number
  /** Frame contents by chunk; undefined = never written or zeroed (zeros). */
  chunks: (Uint32Array | undefined)[][]
  /** Epoch in which the store copied each chunk's pointer list (owns it). */
  readonly chunkEpoch: Uint32Array
  /** Epoch in which the store copied each frame (may write it in place). */
  readonly frameEpoch: Uint32Array
  /** Bumped by checkpoint and restore: everything becomes shared. */
  epoch: number
  /** Frames written or zeroed since the epoch began, in order, each once. */
  ownedList: number[]
  /**
   * Frames the latest checkpoint (or restore) holds as deltas: their buffers are the store's
   * alone though their epoch is old, so their first write takes them without a copy
   * (`carriedEpoch`), and a checkpoint reuses their delta when nothing wrote them.
   */
  carried: number[]
  /** Epoch in which each frame is carried (see `carried`). */
  readonly carriedEpoch: Uint32Array
  /**
   * Per frame, the buffer the latest checkpoint holds whole for it, or holds a delta against:
   * the base of the next checkpoint's delta of the frame.
   */
  readonly anchors: (Uint32Array | undefined)[]
  /** Per frame, the delta the latest checkpoint holds for it (reused while it is not written). */
  readonly lastDeltas: (FrameDelta | undefined)[]
  /** 1 per allocated PFN. */
  readonly allocated: Uint8Array
  /** Number of frames not allocated. */
  freeFrames: number
  /** No free PFN below this one. */
  searchHint: number
}
