// The tree of MEMORY_AREAs of one address space: a persistent AVL tree keyed by starting address
// (ReactOS marea.c MmLocateMemoryAreaByAddress / ByRegion, MmFindGap; ARM3 vadnode.c
// MiFindEmptyAddressRangeInTree / ...DownTree, MiCheckForConflictingNode).
//
// Each node is augmented with its subtree's lowest start, highest end and largest hole between
// two of its areas (raw, and usable at 64 KiB granularity), so a gap search descends only into
// subtrees that hold a hole that fits: O(log n) instead of ReactOS's in-order scan.
//
//                 [0x50000-0x60000) aug: min 0x10000, max 0x90000, gap64K 0x20000
//                 /                         \
//   [0x10000-0x11000)                  [0x70000-0x90000)
//      holes: 0x11000..0x50000 (usable from 0x20000: 0x30000)  0x60000..0x70000 (0x10000)
//
// The tree also keeps EPROCESS.VirtualSize and PeakVirtualSize (VM_COUNTERS' first two fields):
// the bytes its areas span, reserved or committed alike, and their high-water mark. Every change
// of them is an insertion or a removal of an area (ARM3 adds a VAD's size after MiInsertVad in
// NtAllocateVirtualMemory and the MiMapViewOf* routines, raising the peak there, and subtracts it
// on MEM_RELEASE and unmap), so the tree carries them from version to version: a replayed or
// restored space has them because it has its tree, and a fault, which never inserts or removes an
// area, never touches them.

import type { AvlNode, AvlOps } from './persistentAvl.js'
import {
  avlCheck,
  avlFindContaining,
  avlFindFirstOverlap,
  avlInsert,
  avlPredecessor,
  avlRemove,
  avlReplace,
  avlReplaceValue,
  avlSuccessor,
  avlValues,
} from './persistentAvl.js'
import type { MemoryArea } from './memoryArea.js'
import { MM_ALLOCATION_GRANULARITY, PAGE_SIZE } from './memoryConstants.js'
import { assert } from './assert.js'

/** The per-subtree summary that makes gap search logarithmic. */
export interface AreaTreeAugment {
  readonly minStart: number
  readonly maxEnd: number
  /** Largest hole between two consecutive areas of the subtree (page granularity). */
  readonly maxGap: number
  /** Largest `holeEnd − alignUp(holeStart, 64 KiB)` over those holes: the biggest 64 KiB-aligned fit. */
  readonly maxGapAligned: number
}

type AreaNode = AvlNode<MemoryArea, AreaTreeAugment>

function alignUp(value: number, granularity: number): number {
  return Math.ceil(value / granularity) * granularity
}

function alignDown(value: number, granularity: number): number {
  return Math.floor(value / granularity) * granularity
}

const areaOps: AvlOps<MemoryArea, AreaTreeAugment> = {
  start: (area) => area.startingAddress,
  end: (area) => area.endingAddress,
  augment(area, left, right) {
    let maxGap = 0
    let maxGapAligned = 0
    let minStart = area.startingAddress
    let maxEnd = area.endingAddress
    if (left !== undefined) {
      const l = left.aug
      minStart = l.minStart
      maxGap = Math.max(l.maxGap, area.startingAddress - l.maxEnd)
      maxGapAligned = Math.max(
        l.maxGapAligned,
        area.startingAddress - alignUp(l.maxEnd, MM_ALLOCATION_GRANULARITY),
      )
    }
    if (right !== undefined) {
      const r = right.aug
      maxEnd = r.maxEnd
      maxGap = Math.max(maxGap, r.maxGap, r.minStart - area.endingAddress)
      maxGapAligned = Math.max(
        maxGapAligned,
        r.maxGapAligned,
        r.minStart - alignUp(area.endingAddress, MM_ALLOCATION_GRANULARITY),
      )
    }
    return { minStart, maxEnd, maxGap, maxGapAligned }
  },
}

/** What a gap search looks for (MmFindGap / MiFindEmptyAddressRange...). */
export interface GapQuery {
  /** Bytes needed (page multiple). */
  readonly length: number
  /** Alignment of the start: MM_ALLOCATION_GRANULARITY for reservations, PAGE_SIZE for others. */
  readonly granularity: number
  /** Lowest address the hole may start at (e.g. MM_LOWEST_USER_ADDRESS). */
  readonly lowestAddress: number
  /** Highest address (inclusive) the hole may cover (MM_HIGHEST_VAD_ADDRESS or the ZeroBits limit). */
  readonly highestAddress: number
  /** MEM_TOP_DOWN: the highest hole that fits instead of the lowest. */
  readonly topDown: boolean
}

/** An immutable AVL tree of non-overlapping memory areas. Every update returns a new tree. */
export class AreaTree {
  /** The tree with no areas. */
  static readonly empty: AreaTree = new AreaTree(undefined, 0, 0)

  private constructor(
    /** The root node (shared between versions; never mutated). */
    readonly root: AreaNode | undefined,
    /**
     * EPROCESS.VirtualSize: bytes of every area of the tree (private reservations, views, the
     * PEB/TEB and KUSER_SHARED_DATA areas), reserved or committed alike.
     */
    readonly virtualSize: number,
    /**
     * EPROCESS.PeakVirtualSize: the largest {@link AreaTree.virtualSize} any earlier version of this
     * tree had, raised on insertion, never lowered (history, not contents: two trees with the same
     * areas may differ here).
     */
    readonly peakVirtualSize: number,
  ) {}

  /** Number of areas. */
  get size(): number {
    return this.root === undefined ? 0 : this.root.size
  }

  /** Height of the tree (0 when empty). */
  get height(): number {
    return this.root === undefined ? 0 : this.root.height
  }

  /** Insert an area. Precondition (asserted): it overlaps no area of the tree. */
  insert(area: MemoryArea): AreaTree {
    const conflict = this.locateByRange(area.startingAddress, area.endingAddress - area.startingAddress)
    assert(
      conflict === undefined,
      () => `AreaTree.insert: 0x${area.startingAddress.toString(16)} overlaps an area`,
    )
    const virtualSize = this.virtualSize + (area.endingAddress - area.startingAddress)
    return new AreaTree(
      avlInsert(areaOps, this.root, area),
      virtualSize,
      Math.max(this.peakVirtualSize, virtualSize),
    )
  }

  /** Remove the area starting at `startingAddress` (no change when there is none). The peak stays. */
  remove(startingAddress: number): AreaTree {
    const root = avlRemove(areaOps, this.root, startingAddress)
    if (root === this.root) return this
    // The area removed, found again in this version: one more O(log n) descent, on removal only.
    const removed = avlFindContaining(areaOps, this.root, startingAddress)!
    return new AreaTree(
      root,
      this.virtualSize - (removed.endingAddress - removed.startingAddress),
      this.peakVirtualSize,
    )
  }

  /**
   * Replace the area that starts where `area` starts (e.g. new regions, DeleteInProgress, a view's
   * charge). It keeps the area's span, so VirtualSize stays (no lookup of the old area: a
   * copy-on-write fault alters its view's regions through here); checkAreaTree sees a change.
   */
  replace(area: MemoryArea): AreaTree {
    const next = avlSuccessor(areaOps, this.root, area.startingAddress)
    assert(
      next === undefined || next.startingAddress >= area.endingAddress,
      'AreaTree.replace: area grows into its successor',
    )
    return new AreaTree(avlReplace(areaOps, this.root, area), this.virtualSize, this.peakVirtualSize)
  }

  /**
   * Replace the area by `area` with the same bounds (its regions or view changed): one path copy
   * with the gap augmentation kept, and no successor check (the bounds cannot grow). Asserts the
   * bounds are the same.
   */
  replaceSameBounds(area: MemoryArea): AreaTree {
    return new AreaTree(
      avlReplaceValue(areaOps, this.root, area.startingAddress, area),
      this.virtualSize,
      this.peakVirtualSize,
    )
  }

  /** MmLocateMemoryAreaByAddress: the area containing `address`, or undefined. O(log n). */
  locate(address: number): MemoryArea | undefined {
    return avlFindContaining(areaOps, this.root, address)
  }

  /** MmLocateMemoryAreaByRegion: the lowest area overlapping [start, start+length), or undefined. */
  locateByRange(start: number, length: number): MemoryArea | undefined {
    return avlFindFirstOverlap(areaOps, this.root, start, start + Math.max(length, 1))
  }

  /** The area just below `area` (MiGetPreviousNode). */
  previous(startingAddress: number): MemoryArea | undefined {
    return avlPredecessor(areaOps, this.root, startingAddress)
  }

  /** The area just above the one starting at `startingAddress` (MiGetNextNode). */
  next(startingAddress: number): MemoryArea | undefined {
    return avlSuccessor(areaOps, this.root, startingAddress)
  }

  /** The first area starting at or after `address` (for free-range queries). */
  firstAtOrAfter(address: number): MemoryArea | undefined {
    return avlSuccessor(areaOps, this.root, address - 1)
  }

  /** Areas in address order. */
  areas(): Generator<MemoryArea, void, undefined> {
    return avlValues(this.root)
  }

  /**
   * MmFindGap: the lowest (or, top-down, the highest) `granularity`-aligned start of a hole of
   * `length` bytes inside [lowestAddress, highestAddress], or undefined when none fits. O(log n).
   */
  findGap(query: GapQuery): number | undefined {
    return query.topDown ? findGapTopDown(this.root, query) : findGapBottomUp(this.root, query)
  }
}

function internalGap(node: AreaNode, granularity: number): number {
  return granularity === MM_ALLOCATION_GRANULARITY ? node.aug.maxGapAligned : node.aug.maxGap
}

function findGapBottomUp(root: AreaNode | undefined, query: GapQuery): number | undefined {
  const { length, granularity } = query
  const low = alignUp(query.lowestAddress, granularity)
  const highExclusive = query.highestAddress + 1
  if (length <= 0 || low + length > highExclusive) return undefined
  let previousEnd = low
  let stop = false
  const tryHole = (holeStart: number, holeEnd: number): number | undefined => {
    const candidate = alignUp(Math.max(holeStart, low), granularity)
    return candidate + length <= Math.min(holeEnd, highExclusive) ? candidate : undefined
  }
  const visit = (node: AreaNode | undefined): number | undefined => {
    if (node === undefined || stop) return undefined
    const { minStart, maxEnd } = node.aug
    if (maxEnd <= low) {
      previousEnd = Math.max(previousEnd, maxEnd)
      return undefined
    }
    const leftmost = tryHole(previousEnd, minStart)
    if (leftmost !== undefined) return leftmost
    if (minStart >= highExclusive) {
      stop = true
      return undefined
    }
    if (internalGap(node, granularity) < length) {
      previousEnd = Math.max(previousEnd, maxEnd)
      return undefined
    }
    const inLeft = visit(node.left)
    if (inLeft !== undefined || stop) return inLeft
    const beforeNode = tryHole(previousEnd, node.value.startingAddress)
    if (beforeNode !== undefined) return beforeNode
    previousEnd = Math.max(previousEnd, node.value.endingAddress)
    return visit(node.right)
  }
  const found = visit(root)
  if (found !== undefined || stop) return found
  return tryHole(previousEnd, highExclusive)
}

function findGapTopDown(root: AreaNode | undefined, query: GapQuery): number | undefined {
  const { length, granularity } = query
  const low = alignUp(query.lowestAddress, granularity)
  const highExclusive = query.highestAddress + 1
  if (length <= 0 || low + length > highExclusive) return undefined
  let nextStart = highExclusive
  let stop = false
  const tryHole = (holeStart: number, holeEnd: number): number | undefined => {
    const top = Math.min(holeEnd, highExclusive) - length
    const bottom = Math.max(holeStart, low)
    if (top < bottom) return undefined
    const candidate = alignDown(top, granularity)
    return candidate >= bottom ? candidate : undefined
  }
  const visit = (node: AreaNode | undefined): number | undefined => {
    if (node === undefined || stop) return undefined
    const { minStart, maxEnd } = node.aug
    if (minStart >= highExclusive) {
      nextStart = Math.min(nextStart, minStart)
      return undefined
    }
    const rightmost = tryHole(maxEnd, nextStart)
    if (rightmost !== undefined) return rightmost
    if (maxEnd <= low) {
      stop = true
      return undefined
    }
    if (internalGap(node, granularity) < length) {
      nextStart = Math.min(nextStart, minStart)
      return undefined
    }
    const inRight = visit(node.right)
    if (inRight !== undefined || stop) return inRight
    const afterNode = tryHole(node.value.endingAddress, nextStart)
    if (afterNode !== undefined) return afterNode
    nextStart = Math.min(nextStart, node.value.startingAddress)
    return visit(node.left)
  }
  const found = visit(root)
  if (found !== undefined || stop) return found
  return tryHole(low, nextStart)
}

/**
 * The invariants of an area tree, as a list of violations (empty when sound): start order, no
 * overlap, page alignment, stored heights/sizes/augmentations right, balance factors in
 * {-1, 0, +1}, height ≤ 1.44·log2(n + 2), VirtualSize the bytes of the areas and PeakVirtualSize at
 * least that.
 */
export function checkAreaTree(tree: AreaTree): string[] {
  const problems = avlCheck(
    areaOps,
    tree.root,
    (a, b) =>
      a.minStart === b.minStart &&
      a.maxEnd === b.maxEnd &&
      a.maxGap === b.maxGap &&
      a.maxGapAligned === b.maxGapAligned,
  )
  let bytes = 0
  for (const area of tree.areas()) {
    if (area.startingAddress % PAGE_SIZE !== 0 || area.endingAddress % PAGE_SIZE !== 0) {
      problems.push(`area 0x${area.startingAddress.toString(16)} is not page-aligned`)
    }
    bytes += area.endingAddress - area.startingAddress
  }
  // A state block written before the tree kept them decodes without them: refused here, so the
  // trace is replayed from its start instead (docs/trace-format.md, "State blocks").
  if (tree.virtualSize !== bytes)
    problems.push(`VirtualSize is ${String(tree.virtualSize)}, its areas span ${bytes} bytes`)
  if (!(tree.peakVirtualSize >= tree.virtualSize) || !Number.isSafeInteger(tree.peakVirtualSize))
    problems.push(
      `PeakVirtualSize ${String(tree.peakVirtualSize)} is not a byte count at least VirtualSize ${String(tree.virtualSize)}`,
    )
  return problems
}
