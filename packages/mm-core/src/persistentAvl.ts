// A persistent (path-copying) AVL tree of disjoint page-aligned intervals keyed by their start, with a
// per-node augmentation recomputed on every copied node. It is the shared engine of the MEMORY_AREA
// tree (areaTree.ts, ReactOS marea.c / ARM3 vadnode.c + rtl/avlsupp.c) and of the MM_REGION lists
// (region.ts). Every update returns a new root and leaves every older root valid and unchanged,
// so a checkpoint of the memory manager's areas is just a reference (time travel).
//
//   insert / remove / replace copy only the O(log n) nodes on the search path:
//
//        old root  A            new root  A'
//                 / \                    /  \
//                B   C      ==>         B    C'      (B and its subtree are shared)
//                   / \                      / \
//                  D   E                    D   E'   (E' = E with the change)

import { assert } from './assert.js'

const PAGE = 0x1000

/** A node. Nodes are never mutated after construction. */
export interface AvlNode<V, A> {
  /**
   * The interval of `value` in pages (StartingVpn, and EndingVpn + 1, as MMADDRESS_NODE keeps
   * them), copied into the node so a descent touches only nodes, and small integers (V8 Smis, not
   * boxed doubles) for every 32-bit address space. Intervals are page-aligned.
   */
  readonly startPage: number
  readonly endPage: number
  readonly value: V
  readonly left: AvlNode<V, A> | undefined
  readonly right: AvlNode<V, A> | undefined
  /** Height of the subtree (a leaf has height 1). */
  readonly height: number
  /** Number of nodes in the subtree. */
  readonly size: number
  /** The augmentation of the subtree, computed by {@link AvlOps.augment}. */
  readonly aug: A
}

/** How a tree reads its values: the start key and the augmentation. */
export interface AvlOps<V, A> {
  /** The key (an interval's inclusive start). Keys are unique in a tree. */
  start(value: V): number
  /** The exclusive end of the interval. */
  end(value: V): number
  /** Summary of a subtree from its root value and its children (children already augmented). */
  augment(value: V, left: AvlNode<V, A> | undefined, right: AvlNode<V, A> | undefined): A
}

/** Build a node, computing height, size and augmentation. */
export function makeNode<V, A>(
  ops: AvlOps<V, A>,
  value: V,
  left: AvlNode<V, A> | undefined,
  right: AvlNode<V, A> | undefined,
): AvlNode<V, A> {
  const leftHeight = left === undefined ? 0 : left.height
  const rightHeight = right === undefined ? 0 : right.height
  return {
    startPage: ops.start(value) / PAGE,
    endPage: ops.end(value) / PAGE,
    value,
    left,
    right,
    height: (leftHeight > rightHeight ? leftHeight : rightHeight) + 1,
    size: (left === undefined ? 0 : left.size) + (right === undefined ? 0 : right.size) + 1,
    aug: ops.augment(value, left, right),
  }
}

function heightOf<V, A>(node: AvlNode<V, A> | undefined): number {
  return node === undefined ? 0 : node.height
}

function rotateRight<V, A>(ops: AvlOps<V, A>, node: AvlNode<V, A>): AvlNode<V, A> {
  const pivot = node.left!
  return makeNode(ops, pivot.value, pivot.left, makeNode(ops, node.value, pivot.right, node.right))
}

function rotateLeft<V, A>(ops: AvlOps<V, A>, node: AvlNode<V, A>): AvlNode<V, A> {
  const pivot = node.right!
  return makeNode(ops, pivot.value, makeNode(ops, node.value, node.left, pivot.left), pivot.right)
}

/** Rebuild `value` over two subtrees whose heights differ by at most 2, restoring the AVL balance. */
function balance<V, A>(
  ops: AvlOps<V, A>,
  value: V,
  left: AvlNode<V, A> | undefined,
  right: AvlNode<V, A> | undefined,
): AvlNode<V, A> {
  const difference = heightOf(left) - heightOf(right)
  if (difference > 1) {
    const l = left!
    // Left-right case: rotate the left child first (Knuth's double rotation).
    const newLeft = heightOf(l.left) >= heightOf(l.right) ? l : rotateLeft(ops, l)
    return rotateRight(ops, makeNode(ops, value, newLeft, right))
  }
  if (difference < -1) {
    const r = right!
    const newRight = heightOf(r.right) >= heightOf(r.left) ? r : rotateRight(ops, r)
    return rotateLeft(ops, makeNode(ops, value, left, newRight))
  }
  return makeNode(ops, value, left, right)
}

/** Insert `value`; the caller guarantees no value with the same start exists. */
export function avlInsert<V, A>(ops: AvlOps<V, A>, root: AvlNode<V, A> | undefined, value: V): AvlNode<V, A> {
  if (root === undefined) return makeNode(ops, value, undefined, undefined)
  const key = ops.start(value)
  const rootKey = root.startPage * PAGE
  assert(key !== rootKey, () => `persistentAvl: duplicate key 0x${key.toString(16)}`)
  if (key < rootKey) return balance(ops, root.value, avlInsert(ops, root.left, value), root.right)
  return balance(ops, root.value, root.left, avlInsert(ops, root.right, value))
}

function removeMin<V, A>(
  ops: AvlOps<V, A>,
  node: AvlNode<V, A>,
): { rest: AvlNode<V, A> | undefined; min: V } {
  if (node.left === undefined) return { rest: node.right, min: node.value }
  const { rest, min } = removeMin(ops, node.left)
  return { rest: balance(ops, node.value, rest, node.right), min }
}

/** Remove the value whose start is `key`; returns the same root when there is none. */
export function avlRemove<V, A>(
  ops: AvlOps<V, A>,
  root: AvlNode<V, A> | undefined,
  key: number,
): AvlNode<V, A> | undefined {
  if (root === undefined) return undefined
  const rootKey = root.startPage * PAGE
  if (key < rootKey) {
    const left = avlRemove(ops, root.left, key)
    return left === root.left ? root : balance(ops, root.value, left, root.right)
  }
  if (key > rootKey) {
    const right = avlRemove(ops, root.right, key)
    return right === root.right ? root : balance(ops, root.value, root.left, right)
  }
  if (root.left === undefined) return root.right
  if (root.right === undefined) return root.left
  // Two children: the in-order successor takes the node's place (as RtlpDeleteAvlTreeNode does).
  const { rest, min } = removeMin(ops, root.right)
  return balance(ops, min, root.left, rest)
}

/** Replace the value whose start equals `value`'s start (the interval may change but must stay in place). */
export function avlReplace<V, A>(
  ops: AvlOps<V, A>,
  root: AvlNode<V, A> | undefined,
  value: V,
): AvlNode<V, A> {
  assert(root !== undefined, () => `persistentAvl: no value at 0x${ops.start(value).toString(16)} to replace`)
  const key = ops.start(value)
  const rootKey = root.startPage * PAGE
  if (key < rootKey) return makeNode(ops, root.value, avlReplace(ops, root.left, value), root.right)
  if (key > rootKey) return makeNode(ops, root.value, root.left, avlReplace(ops, root.right, value))
  return makeNode(ops, value, root.left, root.right)
}

/**
 * Replace the value whose start is `key` by `value`, whose start may differ: the caller guarantees
 * `value` keeps the replaced value's place in the order (between its neighbours' starts). One path
 * copy, where a remove and an insert copy two paths and rebalance.
 */
export function avlReplaceAt<V, A>(
  ops: AvlOps<V, A>,
  root: AvlNode<V, A> | undefined,
  key: number,
  value: V,
): AvlNode<V, A> {
  assert(root !== undefined, () => `persistentAvl: no value at 0x${key.toString(16)} to replace`)
  const rootKey = root.startPage * PAGE
  if (key < rootKey) return makeNode(ops, root.value, avlReplaceAt(ops, root.left, key, value), root.right)
  if (key > rootKey) return makeNode(ops, root.value, root.left, avlReplaceAt(ops, root.right, key, value))
  return makeNode(ops, value, root.left, root.right)
}

/**
 * {@link avlReplaceAt} of `key1` by `value1`, then of `key2` by `value2` (`key1` < `key2`, both in
 * the tree, each value keeping its node's place in the order as avlReplaceAt requires), in one
 * path copy: the nodes above both keys are copied once, not twice (a copy-on-write fault moves
 * the boundary between two neighbouring regions on every fault: docs/performance.md). The same
 * tree as the two calls.
 */
export function avlReplaceTwoAt<V, A>(
  ops: AvlOps<V, A>,
  root: AvlNode<V, A> | undefined,
  key1: number,
  value1: V,
  key2: number,
  value2: V,
): AvlNode<V, A> {
  if (root === undefined) assert(false, () => `persistentAvl: no value at 0x${key1.toString(16)} to replace`)
  const rootKey = root.startPage * PAGE
  if (key2 < rootKey)
    return makeNode(ops, root.value, avlReplaceTwoAt(ops, root.left, key1, value1, key2, value2), root.right)
  if (key1 > rootKey)
    return makeNode(ops, root.value, root.left, avlReplaceTwoAt(ops, root.right, key1, value1, key2, value2))
  // The keys part here (or one of them is this node's).
  let value = root.value
  let left = root.left
  let right = root.right
  if (key1 < rootKey) left = avlReplaceAt(ops, left, key1, value1)
  else value = value1
  if (key2 > rootKey) right = avlReplaceAt(ops, right, key2, value2)
  else value = value2
  return makeNode(ops, value, left, right)
}

/**
 * Replace the value whose start is `key` by `value` with the same interval, in a tree whose
 * augmentation depends on the intervals only (the area tree's gaps: a view's MM_REGION edit
 * changes its MEMORY_AREA's regions, never its bounds). One path copy that keeps each copied
 * node's height, size and augmentation: no `augment` call and no new augmentation object per
 * level (a copy-on-write fault edits its view's area on every fault: docs/performance.md).
 * Asserts the replaced value has `value`'s interval.
 */
export function avlReplaceValue<V, A>(
  ops: AvlOps<V, A>,
  root: AvlNode<V, A> | undefined,
  key: number,
  value: V,
): AvlNode<V, A> {
  // The message's closure made only on failure (this runs per level of every region edit).
  if (root === undefined) assert(false, () => `persistentAvl: no value at 0x${key.toString(16)} to replace`)
  const rootKey = root.startPage * PAGE
  let left = root.left
  let right = root.right
  let next = root.value
  if (key < rootKey) left = avlReplaceValue(ops, left, key, value)
  else if (key > rootKey) right = avlReplaceValue(ops, right, key, value)
  else {
    assert(
      ops.start(value) === key && ops.end(value) === root.endPage * PAGE,
      'persistentAvl: replaced value changes its interval',
    )
    next = value
  }
  // makeNode's shape (the same hidden class), the computed fields kept.
  return {
    startPage: root.startPage,
    endPage: root.endPage,
    value: next,
    left,
    right,
    height: root.height,
    size: root.size,
    aug: root.aug,
  }
}

/** The value whose interval contains `address` (intervals are disjoint), or undefined. O(log n). */
export function avlFindContaining<V, A>(
  _ops: AvlOps<V, A>,
  root: AvlNode<V, A> | undefined,
  address: number,
): V | undefined {
  const page = Math.floor(address / PAGE)
  let node = root
  while (node !== undefined) {
    if (page < node.startPage) node = node.left
    else if (page >= node.endPage) node = node.right
    else return node.value
  }
  return undefined
}

/** The lowest value whose interval overlaps [start, end), or undefined. O(log n). */
export function avlFindFirstOverlap<V, A>(
  ops: AvlOps<V, A>,
  root: AvlNode<V, A> | undefined,
  start: number,
  end: number,
): V | undefined {
  // The candidate is the first interval ending after `start`; it overlaps iff it starts before `end`.
  const startPage = Math.floor(start / PAGE)
  let node = root
  let best: V | undefined
  while (node !== undefined) {
    if (node.endPage > startPage) {
      best = node.value
      node = node.left
    } else {
      node = node.right
    }
  }
  return best !== undefined && ops.start(best) < end ? best : undefined
}

/** In-order values whose intervals overlap [start, end). Visits O(log n + k) nodes. */
export function avlCollectOverlapping<V, A>(
  ops: AvlOps<V, A>,
  root: AvlNode<V, A> | undefined,
  start: number,
  end: number,
  out: V[] = [],
): V[] {
  if (root === undefined) return out
  const value = root.value
  const valueStart = ops.start(value)
  const valueEnd = ops.end(value)
  if (valueStart > start) avlCollectOverlapping(ops, root.left, start, end, out)
  if (valueStart < end && valueEnd > start) out.push(value)
  if (valueEnd < end) avlCollectOverlapping(ops, root.right, start, end, out)
  return out
}

/** The value with the greatest start strictly below `key` (in-order predecessor), or undefined. */
export function avlPredecessor<V, A>(
  _ops: AvlOps<V, A>,
  root: AvlNode<V, A> | undefined,
  key: number,
): V | undefined {
  let node = root
  let best: V | undefined
  while (node !== undefined) {
    if (node.startPage * PAGE < key) {
      best = node.value
      node = node.right
    } else {
      node = node.left
    }
  }
  return best
}

/** The value with the least start strictly above `key` (in-order successor), or undefined. */
export function avlSuccessor<V, A>(
  _ops: AvlOps<V, A>,
  root: AvlNode<V, A> | undefined,
  key: number,
): V | undefined {
  let node = root
  let best: V | undefined
  while (node !== undefined) {
    if (node.startPage * PAGE > key) {
      best = node.value
      node = node.left
    } else {
      node = node.right
    }
  }
  return best
}

/** In-order iteration (an explicit stack: no recursion depth limit, no allocation per value). */
export function* avlValues<V, A>(root: AvlNode<V, A> | undefined): Generator<V, void, undefined> {
  const stack: AvlNode<V, A>[] = []
  let node = root
  while (node !== undefined || stack.length > 0) {
    while (node !== undefined) {
      stack.push(node)
      node = node.left
    }
    const top = stack.pop()!
    yield top.value
    node = top.right
  }
}

/** Build a perfectly balanced tree from values sorted by start (O(n)). */
export function avlFromSorted<V, A>(ops: AvlOps<V, A>, values: readonly V[]): AvlNode<V, A> | undefined {
  const build = (low: number, high: number): AvlNode<V, A> | undefined => {
    if (low > high) return undefined
    const middle = (low + high) >>> 1
    return makeNode(ops, values[middle] as V, build(low, middle - 1), build(middle + 1, high))
  }
  return build(0, values.length - 1)
}

/**
 * The structural invariants of the tree, as a list of violations (empty when sound): keys in
 * order, intervals non-empty and disjoint, stored heights and sizes right, balance factors in
 * {-1, 0, +1}, and the height within the AVL bound 1.44·log2(n + 2).
 * `sameAug` compares a stored augmentation with a recomputed one.
 */
export function avlCheck<V, A>(
  ops: AvlOps<V, A>,
  root: AvlNode<V, A> | undefined,
  sameAug: (stored: A, recomputed: A) => boolean,
): string[] {
  const problems: string[] = []
  let previousEnd = Number.NEGATIVE_INFINITY
  const visit = (node: AvlNode<V, A> | undefined): void => {
    if (node === undefined) return
    visit(node.left)
    const start = ops.start(node.value)
    const end = ops.end(node.value)
    if (node.startPage * PAGE !== start || node.endPage * PAGE !== end)
      problems.push(`stale or unaligned interval at 0x${start.toString(16)}`)
    if (!(end > start)) problems.push(`empty interval at 0x${start.toString(16)}`)
    if (start < previousEnd) problems.push(`interval at 0x${start.toString(16)} overlaps or is out of order`)
    previousEnd = end
    visit(node.right)
    const leftHeight = heightOf(node.left)
    const rightHeight = heightOf(node.right)
    if (node.height !== Math.max(leftHeight, rightHeight) + 1) {
      problems.push(`wrong height at 0x${start.toString(16)}`)
    }
    if (Math.abs(leftHeight - rightHeight) > 1)
      problems.push(`balance factor out of range at 0x${start.toString(16)}`)
    const size = (node.left?.size ?? 0) + (node.right?.size ?? 0) + 1
    if (node.size !== size) problems.push(`wrong size at 0x${start.toString(16)}`)
    if (!sameAug(node.aug, ops.augment(node.value, node.left, node.right))) {
      problems.push(`stale augmentation at 0x${start.toString(16)}`)
    }
  }
  visit(root)
  if (root !== undefined && root.height > 1.4405 * Math.log2(root.size + 2) - 0.3277) {
    problems.push(`height ${root.height} exceeds the AVL bound for ${root.size} nodes`)
  }
  return problems
}
