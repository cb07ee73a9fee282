// HANDLE_TABLE: one per process (EPROCESS.ObjectTable). Handle values are index << 2, so they are
// multiples of 4 starting at 4; the two low bits are tag bits ignored by lookup (ExMapHandleToPointer),
// index 0 of every 512-entry low-level table is never used (values 0, 0x800, 0x1000, ... are invalid),
// and a freed slot goes on the front of the free list, so the next handle created reuses it (LIFO).
// A table is part of the object manager's immer records: frozen in a version, changed on a draft.

import { immerable } from 'immer'
import { assert } from './assert.js'

/** HANDLE_TABLE_ENTRY: the object a handle names and the access it was granted. */
export interface HandleEntry {
  readonly objectId: number
  readonly grantedAccess: number
}

/** Entries per low-level table on x86 (PAGE_SIZE / sizeof(HANDLE_TABLE_ENTRY)); index 0 of each is reserved. */
const LOW_LEVEL_ENTRIES = 512

/**
 * A process's handle table. Changed only through the object-manager state's apply functions (on
 * an immer draft, or the live machine's own copy); the tables a state hands out are frozen.
 */
export class HandleTable {
  /** Lets immer draft (copy on write) and freeze a table like a plain object. */
  static readonly [immerable] = true
  // TypeScript-private rather than #private: immer copies a class instance's own properties,
  // and #private fields are not properties.
  private readonly entries = new Map<number, HandleEntry>()
  /** Free slots, most recently freed last (popped first). */
  private readonly freeList: number[] = []
  /** The lowest index never handed out. */
  private nextIndex = 1

  /** Number of open handles. */
  get count(): number {
    return this.entries.size
  }

  /** The handle the next insertion will use, and whether it comes from the free list. */
  nextHandle(): { handle: number; reusedSlot: boolean } {
    const reused = this.freeList.at(-1)
    if (reused !== undefined) return { handle: reused * 4, reusedSlot: true }
    return { handle: this.nextIndex * 4, reusedSlot: false }
  }

  /** ExMapHandleToPointer: the entry for a (non-negative, integral) handle value, or undefined. */
  lookup(handle: number): HandleEntry | undefined {
    if (!Number.isSafeInteger(handle) || handle < 0) return undefined
    const index = Math.floor(handle / 4)
    if (index % LOW_LEVEL_ENTRIES === 0) return undefined
    return this.entries.get(index)
  }

  /** Every open handle in ascending order. */
  handles(): { handle: number; entry: HandleEntry }[] {
    return [...this.entries.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, entry]) => ({ handle: index * 4, entry }))
  }

  /**
   * Apply step (on a draft or the live copy): place an entry at `handle`, which must be the slot
   * nextHandle() names, or a never-used one on a replay out of order. Returns whether the slot
   * came from the free list.
   */
  insert(handle: number, entry: HandleEntry): boolean {
    const index = handle / 4
    assert(Number.isInteger(index) && !this.entries.has(index), `handle slot ${handle} is not free`)
    let reused = false
    const free = this.freeList.lastIndexOf(index)
    if (free >= 0) {
      this.freeList.splice(free, 1)
      reused = true
    } else {
      assert(index >= this.nextIndex, `handle ${handle} neither free nor new`)
      // Any never-used slot skipped over goes on the free list (only on replays out of order).
      for (let skipped = this.nextIndex; skipped < index; skipped++) {
        if (skipped % LOW_LEVEL_ENTRIES !== 0) this.freeList.unshift(skipped)
      }
      this.nextIndex = index + 1
      if (this.nextIndex % LOW_LEVEL_ENTRIES === 0) this.nextIndex++
    }
    this.entries.set(index, entry)
    return reused
  }

  /** Apply step (on a draft or the live copy): close `handle`; its slot goes on the front of the free list. */
  remove(handle: number): HandleEntry {
    const index = handle / 4
    const entry = this.entries.get(index)
    assert(entry !== undefined, `handle ${handle} is not open`)
    this.entries.delete(index)
    this.freeList.push(index)
    return entry
  }

  /** A stable text of the table (entries, free list, next index), for digests. */
  digestInput(): string {
    const entries = [...this.entries.entries()].sort(([a], [b]) => a - b)
    return `${entries.map(([index, entry]) => `${index}=${entry.objectId}/${entry.grantedAccess}`).join(',')};${this.freeList.join(',')};${this.nextIndex}`
  }
}
