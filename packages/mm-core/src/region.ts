// MM_REGION lists (ReactOS ntoskrnl/mm/region.c): the runs of pages of one memory area that share a
// state (MEM_RESERVE or MEM_COMMIT) and a Win32 protection. The regions of an area tile it
// exactly, in address order, and no two neighbours have the same state and protection.
//
// ReactOS keeps a positional doubly-linked list (no start stored, MmFindRegion walks from the
// area start). Here the list is a persistent AVL tree keyed by each region's start, so finding a
// region is O(log n), altering k regions costs O(k log n), and every older list stays valid.
//
// MmAlterRegion's list edit over [Start, Start+Length), planned here (planAlterRegion) and carried
// out with the pages by alterRegion.ts — the three-way split of the first region, then the
// absorption of the following ones, then merging with equal neighbours:
//
//   before:   |  R0 (RESERVE)          |  R1 (COMMIT RO)  |  R2 (RESERVE)       |
//   change:            [========== COMMIT RW ==========]
//   after:    | R0 head |      NR (COMMIT RW)          |R2 tail  (RESERVE)    |
//                        <-- alter(R0 part) --><-alter(R1)-><-alter(R2 part)->
//
// ReactOS quirks reproduced NOT (see docs/mm-core.md): the alter callback is called for every
// covered piece whose type OR protection changes (ReactOS: only when both change), with the
// covered part only (ReactOS: a partially covered last region's whole length), at the right
// address (ReactOS: Start + NR.Length, wrong when no split happened).

import type { AvlNode, AvlOps } from './persistentAvl.js'
import {
  avlCheck,
  avlCollectOverlapping,
  avlFindContaining,
  avlFromSorted,
  avlInsert,
  avlPredecessor,
  avlRemove,
  avlReplaceAt,
  avlReplaceTwoAt,
  avlSuccessor,
  avlValues,
} from './persistentAvl.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_SIZE } from './memoryConstants.js'
import { STATUS_INVALID_PARAMETER, STATUS_SUCCESS } from './ntStatus.js'

/** The state of a region: reserved address space or committed pages. */
export type RegionType = typeof MEM_COMMIT | typeof MEM_RESERVE

/** MM_REGION: a run of pages with one state and protection. `start` is absolute (ReactOS stores only the length). */
export interface MmRegion {
  readonly start: number
  readonly length: number
  readonly type: RegionType
  /** Win32 protection (PAGE_*), as MM_REGION.Protect. */
  readonly protect: number
}

type RegionNode = AvlNode<MmRegion, undefined>

const regionOps: AvlOps<MmRegion, undefined> = {
  start: (region) => region.start,
  end: (region) => region.start + region.length,
  augment: () => undefined,
}

/** An immutable region list: the tiled range [start, end) and the tree of its regions. */
export interface RegionList {
  readonly start: number
  readonly end: number
  readonly root: RegionNode | undefined
  /** Number of regions. */
  readonly count: number
}

/** A piece of the altered range whose attributes change: what the alter callback receives. */
export interface RegionChange {
  readonly start: number
  readonly length: number
  readonly oldType: RegionType
  readonly oldProtect: number
  readonly newType: RegionType
  readonly newProtect: number
}

/** The structural edit of one MmAlterRegion: regions removed and added (both in address order). */
export interface RegionEdit {
  readonly removed: readonly MmRegion[]
  readonly added: readonly MmRegion[]
}

/** MmInitializeRegion: one region covering the whole area. Precondition: page-aligned, length > 0. */
export function mmInitializeRegion(
  start: number,
  length: number,
  type: RegionType,
  protect: number,
): RegionList {
  const region: MmRegion = { start, length, type, protect }
  return { start, end: start + length, root: avlInsert(regionOps, undefined, region), count: 1 }
}

/** A region list from regions that tile [start, end) in order (used to rebuild lists from events). */
export function regionListFrom(start: number, end: number, regions: readonly MmRegion[]): RegionList {
  return { start, end, root: avlFromSorted(regionOps, regions), count: regions.length }
}

/** MmFindRegion: the region containing `address` and its base, or undefined outside the list. O(log n). */
export function mmFindRegion(list: RegionList, address: number): MmRegion | undefined {
  return avlFindContaining(regionOps, list.root, address)
}

/** The regions in address order (MM_REGION list walk). */
export function regionsOf(list: RegionList): MmRegion[] {
  return [...avlValues(list.root)]
}

/** The regions overlapping [start, end), in order. O(log n + k). */
export function regionsOverlapping(list: RegionList, start: number, end: number): MmRegion[] {
  return avlCollectOverlapping(regionOps, list.root, start, end)
}

/** Committed bytes of the list inside [start, end). */
export function committedBytesIn(list: RegionList, start: number, end: number): number {
  let bytes = 0
  for (const region of regionsOverlapping(list, start, end)) {
    if (region.type !== MEM_COMMIT) continue
    bytes += Math.min(end, region.start + region.length) - Math.max(start, region.start)
  }
  return bytes
}

function sameAttributes(
  a: { type: RegionType; protect: number },
  type: RegionType,
  protect: number,
): boolean {
  return a.type === type && a.protect === protect
}

/**
 * Plan MmAlterRegion without changing anything: the pieces whose attributes change (for the alter
 * callback and for commit accounting) and the structural edit that turns the old list into the
 * new one (split, absorb, merge with equal neighbours). An empty edit means nothing changes.
 * `undefined` when [start, start+length) is not page-aligned and inside the list.
 */
export function planAlterRegion(
  list: RegionList,
  start: number,
  length: number,
  newType: RegionType,
  newProtect: number,
): { changes: RegionChange[]; edit: RegionEdit } | undefined {
  const end = start + length
  if (
    length <= 0 ||
    start < list.start ||
    end > list.end ||
    start % PAGE_SIZE !== 0 ||
    end % PAGE_SIZE !== 0
  ) {
    return undefined
  }
  const covered = regionsOverlapping(list, start, end)
  const changes: RegionChange[] = []
  for (const region of covered) {
    if (sameAttributes(region, newType, newProtect)) continue
    const pieceStart = Math.max(start, region.start)
    const pieceEnd = Math.min(end, region.start + region.length)
    changes.push({
      start: pieceStart,
      length: pieceEnd - pieceStart,
      oldType: region.type,
      oldProtect: region.protect,
      newType,
      newProtect,
    })
  }
  if (changes.length === 0) return { changes, edit: { removed: [], added: [] } }

  return { changes, edit: editOver(list, covered, start, end, newType, newProtect) }
}

/**
 * {@link planAlterRegion}'s edit for the one page at `page` (page-aligned): the same regions
 * removed and added, in the same order and shapes, without the plan's changes list and overlap
 * array (a copy-on-write fault edits one page of its view's list on every fault:
 * docs/performance.md). Empty when the page already has the attributes; `undefined` when it lies
 * outside the list, as the plan.
 */
export function planAlterPage(
  list: RegionList,
  page: number,
  newType: RegionType,
  newProtect: number,
): RegionEdit | undefined {
  const end = page + PAGE_SIZE
  if (page < list.start || end > list.end || page % PAGE_SIZE !== 0) return undefined
  const region = avlFindContaining(regionOps, list.root, page)
  if (region === undefined || sameAttributes(region, newType, newProtect)) return { removed: [], added: [] }
  return editOver(list, [region], page, end, newType, newProtect)
}

/**
 * The structural edit giving [start, end) the attributes: `covered` (the regions overlapping it,
 * in order, at least one of them with other attributes) removed with the equal neighbour NR merges
 * with, and added: the first region's head, NR widened by every equal piece next to it, the last
 * region's tail. Shared by planAlterRegion and planAlterPage.
 */
function editOver(
  list: RegionList,
  covered: readonly MmRegion[],
  start: number,
  end: number,
  newType: RegionType,
  newProtect: number,
): RegionEdit {
  const first = covered[0]!
  const last = covered[covered.length - 1]!
  // The removed regions in order: the equal one before, when NR merges with it, then the covered.
  // Built in order, not `[...covered]` then unshift: an unshift moves the array's elements (a
  // copy-on-write fault's region edit spent a tenth of its time there, docs/performance.md).
  const previous = first.start < start ? undefined : avlPredecessor(regionOps, list.root, first.start)
  const mergePrevious = previous !== undefined && sameAttributes(previous, newType, newProtect)
  const removed: MmRegion[] = mergePrevious ? [previous] : []
  for (const region of covered) removed.push(region)
  const added: MmRegion[] = []
  // The new region NR, widened by every equal piece next to it.
  let newStart = start
  let newEnd = end
  // Head of the first region (split step), or merge with the previous region when NR starts there.
  if (first.start < start) {
    if (sameAttributes(first, newType, newProtect)) newStart = first.start
    else
      added.push({
        start: first.start,
        length: start - first.start,
        type: first.type,
        protect: first.protect,
      })
  } else if (mergePrevious) newStart = previous.start
  let tail: MmRegion | undefined
  const lastEnd = last.start + last.length
  if (lastEnd > end) {
    if (sameAttributes(last, newType, newProtect)) newEnd = lastEnd
    else tail = { start: end, length: lastEnd - end, type: last.type, protect: last.protect }
  } else {
    const next = avlSuccessor(regionOps, list.root, last.start)
    if (next !== undefined && sameAttributes(next, newType, newProtect)) {
      removed.push(next)
      newEnd = next.start + next.length
    }
  }
  added.push({ start: newStart, length: newEnd - newStart, type: newType, protect: newProtect })
  if (tail !== undefined) added.push(tail)
  return { removed, added }
}

/**
 * Apply a structural edit (remove, then add): event replay of mm.regionsAltered, in both directions.
 * The removed and the added regions tile the same range, in order; when they are as many (a
 * copy-on-write fault's page moving from one run to the next: two for two), each added region
 * takes its removed counterpart's node in place whenever that keeps the order (its start below the
 * next removed region's), one path copy instead of a remove and an insert.
 */
export function applyRegionEdit(list: RegionList, edit: RegionEdit): RegionList {
  let root = list.root
  const { removed, added } = edit
  if (removed.length === added.length && inPlace(removed, added)) {
    // Two for two (the copy-on-write fault's moved boundary): one path copy for both.
    if (removed.length === 2)
      root = avlReplaceTwoAt(regionOps, root, removed[0]!.start, added[0]!, removed[1]!.start, added[1]!)
    else
      for (let i = 0; i < removed.length; i++)
        root = avlReplaceAt(regionOps, root, removed[i]!.start, added[i]!)
  } else {
    for (const region of removed) root = avlRemove(regionOps, root, region.start)
    for (const region of added) root = avlInsert(regionOps, root, region)
  }
  return {
    start: list.start,
    end: list.end,
    root,
    count: list.count - edit.removed.length + edit.added.length,
  }
}

/**
 * True when replacing removed[i] by added[i] one after the other, in order, keeps the tree ordered
 * at every step: added[i] starts after added[i - 1] (both lists are sorted) and before
 * removed[i + 1], the next node still in the tree (past the last, the range's end bounds it).
 */
function inPlace(removed: readonly MmRegion[], added: readonly MmRegion[]): boolean {
  const count = added.length
  if (count === 0) return true
  const lastRemoved = removed[count - 1]!
  const lastAdded = added[count - 1]!
  // The same range (as a plan's edit always is; applyRegionEdit is public).
  if (
    removed[0]!.start !== added[0]!.start ||
    lastRemoved.start + lastRemoved.length !== lastAdded.start + lastAdded.length
  )
    return false
  for (let i = 0; i + 1 < count; i++)
    if (added[i]!.start >= added[i + 1]!.start || added[i]!.start >= removed[i + 1]!.start) return false
  return true
}

/** The inverse of an edit (for stepping back). */
export function invertRegionEdit(edit: RegionEdit): RegionEdit {
  return { removed: edit.added, added: edit.removed }
}

/** Result of {@link alterRegionList}. */
export type AlterRegionListResult =
  | {
      readonly status: typeof STATUS_SUCCESS
      readonly list: RegionList
      readonly changes: readonly RegionChange[]
      readonly edit: RegionEdit
    }
  | { readonly status: typeof STATUS_INVALID_PARAMETER }

/**
 * MmAlterRegion on a bare list: the split / absorb / merge of {@link planAlterRegion} applied to
 * `list`, with `alter` (ReactOS's AlterFunc) called once per covered piece whose attributes change,
 * before the edit. No pages, no events, no commit charge: it exists so the region tests can check
 * the list algorithm alone. The live MmAlterRegion, which records the edit and changes the pages
 * (MmModifyAttributes), is alterRegion.ts's. Fails with STATUS_INVALID_PARAMETER (nothing changed)
 * when the range is not page-aligned inside the list.
 */
export function alterRegionList(
  list: RegionList,
  start: number,
  length: number,
  newType: RegionType,
  newProtect: number,
  alter?: (change: RegionChange) => void,
): AlterRegionListResult {
  const plan = planAlterRegion(list, start, length, newType, newProtect)
  if (plan === undefined) return { status: STATUS_INVALID_PARAMETER }
  if (alter !== undefined) for (const change of plan.changes) alter(change)
  return {
    status: STATUS_SUCCESS,
    list: applyRegionEdit(list, plan.edit),
    changes: plan.changes,
    edit: plan.edit,
  }
}

/** The regions of `list` clipped to [start, end) (for a partial release that shrinks or splits an area). */
export function sliceRegionList(list: RegionList, start: number, end: number): RegionList {
  const clipped = regionsOverlapping(list, start, end).map((region) => {
    const pieceStart = Math.max(start, region.start)
    const pieceEnd = Math.min(end, region.start + region.length)
    return { start: pieceStart, length: pieceEnd - pieceStart, type: region.type, protect: region.protect }
  })
  return regionListFrom(start, end, clipped)
}

/**
 * The invariants of a region list, as violations (empty when sound): the tree is a sound AVL tree,
 * the regions tile [start, end) exactly, page-aligned, with no two equal neighbours, and `count` is right.
 */
export function checkRegionList(list: RegionList): string[] {
  const problems = avlCheck(regionOps, list.root, () => true)
  let cursor = list.start
  let previous: MmRegion | undefined
  let count = 0
  for (const region of avlValues(list.root)) {
    count++
    if (region.start !== cursor) problems.push(`gap or overlap at 0x${cursor.toString(16)}`)
    if (region.length <= 0 || region.length % PAGE_SIZE !== 0) {
      problems.push(`bad length 0x${region.length.toString(16)} at 0x${region.start.toString(16)}`)
    }
    if (region.type !== MEM_COMMIT && region.type !== MEM_RESERVE)
      problems.push(`bad type at 0x${region.start.toString(16)}`)
    if (previous !== undefined && sameAttributes(previous, region.type, region.protect)) {
      problems.push(`equal neighbours at 0x${region.start.toString(16)}`)
    }
    cursor = region.start + region.length
    previous = region
  }
  if (cursor !== list.end)
    problems.push(`regions end at 0x${cursor.toString(16)}, list at 0x${list.end.toString(16)}`)
  if (count !== list.count) problems.push(`count ${list.count} but ${count} regions`)
  return problems
}
