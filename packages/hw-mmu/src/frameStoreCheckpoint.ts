// Copy-on-write checkpoints of physical memory: taking one copies no byte of RAM, only the frame
// table's chunk list and the allocation map, and bumps the epoch so every frame becomes shared
// (the store's next write to a frame copies that frame first; see frameTable.ts). A frame written
// since the previous checkpoint is held whole, or, when few of its words changed, as a FrameDelta
// against the buffer an earlier checkpoint holds. No NT counterpart (the OS never snapshots RAM):
// this is the simulator's time travel (docs/hw-mmu.md, "Copy-on-write checkpoints"), as a VM
// snapshot or rr's fork-based checkpoint shares unchanged pages.
import { FrameDelta, frameDelta } from './frameDelta.js'
import { FRAME_CHUNK_MASK, FRAME_CHUNK_SHIFT, FRAME_CHUNK_SIZE, type FrameTable } from './frameTable.js'
import { PAGE_SIZE } from './paging.js'

const CHUNK_SHIFT = FRAME_CHUNK_SHIFT
const CHUNK_SIZE = FRAME_CHUNK_SIZE
const CHUNK_MASK = FRAME_CHUNK_MASK

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

/** @internal {@link FrameStore.checkpoint}'s work on the store's frame table. */
export function checkpointFrames(store: FrameTable): FrameStoreCheckpoint {
  const chunks: (Uint32Array | FrameDelta | undefined)[][] = store.chunks.slice()
  // A frame written since the last checkpoint is held whole (its buffer becomes its anchor,
  // shared from now on), or, when few of its words differ from its anchor, as a delta in this
  // checkpoint's own copy of the chunk's list. The store's buffer is then no checkpoint's
  // (carried): the store takes it back without a copy when it next writes it, and the next
  // checkpoint compares it again, or, when nothing wrote it, holds the same delta, so no
  // checkpoint ever holds that buffer uncounted.
  const ownLists = new Set<number>()
  const written = new Set(store.ownedList)
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
    const words = store.chunks[pfn >>> CHUNK_SHIFT]![pfn & CHUNK_MASK]
    const anchor = store.anchors[pfn]
    // A frame whose words are not the store's alone (lent to a page-file slot, or taken from one
    // still holding them: frameStore.ts lendFrameWords, adoptFrameWords) is held whole, never as
    // a delta: a delta would make the store carry, and write in place, words another holds.
    const delta =
      words === undefined || anchor === undefined || store.frameEpoch[pfn] !== store.epoch
        ? undefined
        : frameDelta(anchor, words)
    store.lastDeltas[pfn] = delta
    if (delta === undefined) {
      store.anchors[pfn] = words
      if (words !== undefined) heldFrames++
    } else holdAsDelta(pfn, anchor as Uint32Array, delta)
  }
  for (const pfn of store.carried) {
    if (written.has(pfn)) continue
    holdAsDelta(pfn, store.anchors[pfn] as Uint32Array, store.lastDeltas[pfn] as FrameDelta)
  }
  store.epoch++
  // The carried frames' chunk lists stay the store's own (this checkpoint holds copies of them;
  // the other frames in them are still copied on write by their own epoch).
  for (const pfn of carried) {
    store.carriedEpoch[pfn] = store.epoch
    store.chunkEpoch[pfn >>> CHUNK_SHIFT] = store.epoch
  }
  store.ownedList = []
  store.carried = carried
  return new FrameStoreCheckpoint(
    store.frameCount,
    chunks,
    store.allocated.slice(),
    store.freeFrames,
    store.searchHint,
    heldFrames,
    deltaBytes,
  )
}

/** @internal {@link FrameStore.restore}'s work on the store's frame table. */
export function restoreFrames(store: FrameTable, checkpoint: FrameStoreCheckpoint): void {
  if (checkpoint.frameCount !== store.frameCount) {
    throw new RangeError(
      `checkpoint of ${checkpoint.frameCount} frames cannot restore a store of ${store.frameCount}`,
    )
  }
  store.epoch++
  store.ownedList = []
  store.carried = []
  // Frames the checkpoint holds as deltas are rebuilt into buffers of the store's own, carried
  // as the checkpoint's deltas (see `checkpointFrames`); the rest is shared.
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
        store.anchors[pfn] = entry.base
        store.lastDeltas[pfn] = entry
        store.carriedEpoch[pfn] = store.epoch
        store.carried.push(pfn)
      } else if (pfn < store.frameCount) store.anchors[pfn] = entry
    }
    chunks.push(own ?? (list as (Uint32Array | undefined)[]))
    if (own !== undefined) store.chunkEpoch[c] = store.epoch
  }
  store.chunks = chunks
  store.allocated.set(checkpoint.allocated)
  store.freeFrames = checkpoint.freeCount
  store.searchHint = checkpoint.searchHint
}
