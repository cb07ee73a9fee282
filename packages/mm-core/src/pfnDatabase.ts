// The PFN database (ReactOS ntoskrnl/mm/ARM3/pfnlist.c, MMPFN): one entry per physical frame with
// its state and the list it is linked on. NT keeps free, zeroed, standby and modified lists;
// frames in use are "active" (a process page, linked on the working-set list here), page-table
// frames, or system frames (KUSER_SHARED_DATA). Entries live in typed arrays, so a checkpoint is a
// few typed-array copies and the fault path allocates nothing.
//
//   free ──zero──> zeroed ──request──> active ──trim, clean──> standby ──repurpose──> (request)
//     ^                                  │  ^                    │  ^
//     └──────────── release ─────────────┘  └──── soft fault ────┘  │
//                                        └──trim, dirty──> modified ──write to page file──┘
//
// A frame that backs a section's page (segment.ts) is owned by (segment id, byte offset in the
// segment) rather than (pid, address), and counts the process PTEs that map it (MMPFN.ShareCount):
// it is on the working-set list once however many processes map it, and leaves it for standby or
// modified only when no process maps it any more.

import { assert } from './assert.js'

/** The states of a frame (MMLISTS plus the in-use kinds). */
export const PfnState = {
  FREE: 0,
  ZEROED: 1,
  STANDBY: 2,
  MODIFIED: 3,
  /** A private process page (on the working-set list). */
  ACTIVE: 4,
  /** A paging structure (page directory, page table, ...). */
  PAGE_TABLE: 5,
  /** A frame the system keeps (the KUSER_SHARED_DATA frame). */
  SYSTEM: 6,
} as const

/** The name of a frame state. */
export type PfnStateName = keyof typeof PfnState

/** The frame lists (the working set is the list of ACTIVE frames). */
export type PfnListName = 'FREE' | 'ZEROED' | 'STANDBY' | 'MODIFIED' | 'ACTIVE'

/**
 * A list's index (its state's code). A switch, not a lookup table: a table read with the name as
 * its key is a keyed load that V8 serves from its stub cache, and on the fault path (a few list
 * heads and a state change per fault, several names) `first` spent a tenth of its time there.
 */
const listIndex = (list: PfnListName): number => {
  switch (list) {
    case 'FREE':
      return 0
    case 'ZEROED':
      return 1
    case 'STANDBY':
      return 2
    case 'MODIFIED':
      return 3
    case 'ACTIVE':
      return 4
  }
}

/** A state's code: PfnState[state], by a switch (see `listIndex`). */
export const pfnStateCode = (state: PfnStateName): number => {
  switch (state) {
    case 'PAGE_TABLE':
      return 5
    case 'SYSTEM':
      return 6
    default:
      return listIndex(state)
  }
}
const stateNames = Object.keys(PfnState) as PfnStateName[]

const NONE = -1

/** A frozen copy of a PFN database. */
export interface PfnDatabaseCheckpoint {
  readonly arrays: readonly (Uint8Array | Int32Array | Float64Array)[]
  readonly heads: Int32Array
  readonly tails: Int32Array
  readonly counts: Int32Array
}

/** What the PFN entry of one frame says (for inspection). */
export interface PfnEntry {
  readonly pfn: number
  readonly state: PfnStateName
  /** Owning process (ACTIVE, STANDBY, MODIFIED, PAGE_TABLE), -1 otherwise. */
  readonly ownerPid: number
  /** Virtual address the frame backs (ACTIVE, STANDBY, MODIFIED). */
  readonly ownerAddress: number
  /** The page's 5-bit protection mask (MMPFN.OriginalPte.Protection). */
  readonly protectMask: number
  /** Page-file slot holding a copy of the page, -1 when none. */
  readonly pageFileSlot: number
  /** True when the frame's contents differ from its page-file copy (or from zeros when it has none). */
  readonly modified: boolean
  /**
   * Present for a frame backing a section's page: its segment, the page's byte offset in it (then
   * `ownerPid` is -1 and `ownerAddress` is that offset) and the process PTEs mapping it.
   */
  readonly segment?: { readonly id: number; readonly offset: number; readonly shareCount: number }
}

/** Who a frame's page belongs to, as {@link PfnDatabase.setOwner} records it. */
export interface PfnOwner {
  pid: number
  address: number
  protectMask: number
  pageFileSlot: number
  modified: boolean
  /** The segment of a section page's frame (then `address` is the byte offset in it); -1 or absent otherwise. */
  segmentId?: number
  /** Process PTEs mapping a section page's frame. */
  shareCount?: number
}

/** The PFN database of a machine with `frameCount` frames. Frames start FREE. */
export class PfnDatabase {
  readonly frameCount: number
  /** @internal */ state: Uint8Array
  /** @internal */ flink: Int32Array
  /** @internal */ blink: Int32Array
  /** @internal */ ownerPid: Int32Array
  /** @internal */ ownerAddress: Float64Array
  /** @internal */ protectMask: Uint8Array
  /** @internal */ pageFileSlot: Int32Array
  /** @internal */ modified: Uint8Array
  /** @internal the segment of a section page's frame, -1 for every other frame. */
  segmentId: Int32Array
  /** @internal valid process PTEs mapping a section page's frame (MMPFN.ShareCount). */
  shareCount: Int32Array
  /** @internal replacement bookkeeping: age (working-set aging), last use (LRU). */
  age: Uint8Array
  /** @internal */ lastUse: Float64Array
  /** @internal the 'nt' policy: the page priority 0-7 (the standby sub-list); 0 under other policies. */
  priority: Uint8Array
  /** @internal list heads, tails and lengths, indexed by PfnListName order. */
  heads: Int32Array
  /** @internal */ tails: Int32Array
  /** @internal */ counts: Int32Array

  constructor(frameCount: number) {
    if (!Number.isInteger(frameCount) || frameCount < 1) {
      throw new RangeError(`PfnDatabase frameCount ${frameCount} must be a positive integer`)
    }
    this.frameCount = frameCount
    this.state = new Uint8Array(frameCount)
    this.flink = new Int32Array(frameCount).fill(NONE)
    this.blink = new Int32Array(frameCount).fill(NONE)
    this.ownerPid = new Int32Array(frameCount).fill(NONE)
    this.ownerAddress = new Float64Array(frameCount)
    this.protectMask = new Uint8Array(frameCount)
    this.pageFileSlot = new Int32Array(frameCount).fill(NONE)
    this.modified = new Uint8Array(frameCount)
    this.segmentId = new Int32Array(frameCount).fill(NONE)
    this.shareCount = new Int32Array(frameCount)
    this.age = new Uint8Array(frameCount)
    this.lastUse = new Float64Array(frameCount)
    this.priority = new Uint8Array(frameCount)
    this.heads = new Int32Array(5).fill(NONE)
    this.tails = new Int32Array(5).fill(NONE)
    this.counts = new Int32Array(5)
    // Every frame starts on the free list, in PFN order (the lowest frame is taken first).
    for (let pfn = 0; pfn < frameCount; pfn++) this.linkTail(0, pfn)
  }

  /** The state of `pfn`. */
  stateOf(pfn: number): PfnStateName {
    return stateNames[this.state[pfn]!]!
  }

  /** Number of frames on a list. */
  count(list: PfnListName): number {
    return this.counts[listIndex(list)]!
  }

  /** The first frame of a list (the oldest for FIFO lists), or undefined. */
  first(list: PfnListName): number | undefined {
    const head = this.heads[listIndex(list)]!
    return head === NONE ? undefined : head
  }

  /** The frame after `pfn` on its list, or undefined. */
  nextOnList(pfn: number): number | undefined {
    const next = this.flink[pfn]!
    return next === NONE ? undefined : next
  }

  /** Frames of a list in order (for inspection and tests). */
  framesOn(list: PfnListName): number[] {
    const out: number[] = []
    for (let pfn = this.heads[listIndex(list)]!; pfn !== NONE; pfn = this.flink[pfn]!) out.push(pfn)
    return out
  }

  /** The entry of `pfn`, for inspection. */
  entry(pfn: number): PfnEntry {
    const entry = {
      pfn,
      state: this.stateOf(pfn),
      ownerPid: this.ownerPid[pfn]!,
      ownerAddress: this.ownerAddress[pfn]!,
      protectMask: this.protectMask[pfn]!,
      pageFileSlot: this.pageFileSlot[pfn]!,
      modified: this.modified[pfn] === 1,
    }
    const segment = this.segmentId[pfn]!
    if (segment === NONE) return entry
    return {
      ...entry,
      segment: { id: segment, offset: this.ownerAddress[pfn]!, shareCount: this.shareCount[pfn]! },
    }
  }

  /**
   * Move `pfn` to `state` (unlinking it from its list and linking it at the tail of the new one
   * when the state has a list). The only state transition; PFN-changing events apply through it.
   */
  setState(pfn: number, state: PfnStateName): void {
    const old = this.state[pfn]!
    if (old <= PfnState.ACTIVE) this.unlink(old, pfn)
    const value = pfnStateCode(state)
    this.state[pfn] = value
    if (value <= PfnState.ACTIVE) this.linkTail(value, pfn)
  }

  /** Record the page a frame backs (owner, address, protection, page-file copy, modified flag, segment). */
  setOwner(pfn: number, owner: PfnOwner): void {
    this.setOwnerFields(
      pfn,
      owner.pid,
      owner.address,
      owner.protectMask,
      owner.pageFileSlot,
      owner.modified,
      owner.segmentId ?? NONE,
      owner.shareCount ?? 0,
    )
  }

  /** {@link setOwner} from the fields (no owner object: the fault path sets one per fault). */
  setOwnerFields(
    pfn: number,
    pid: number,
    address: number,
    protectMask: number,
    pageFileSlot: number,
    modified: boolean,
    segmentId: number,
    shareCount: number,
  ): void {
    this.ownerPid[pfn] = pid
    this.ownerAddress[pfn] = address
    this.protectMask[pfn] = protectMask
    this.pageFileSlot[pfn] = pageFileSlot
    this.modified[pfn] = modified ? 1 : 0
    this.segmentId[pfn] = segmentId
    this.shareCount[pfn] = shareCount
    this.age[pfn] = 0
  }

  /** Forget the page a frame backed. */
  clearOwner(pfn: number): void {
    this.setOwner(pfn, { pid: NONE, address: 0, protectMask: 0, pageFileSlot: NONE, modified: false })
  }

  /** A cheap copy of every array. */
  checkpoint(): PfnDatabaseCheckpoint {
    return {
      arrays: this.arrays().map((array) => array.slice()),
      heads: this.heads.slice(),
      tails: this.tails.slice(),
      counts: this.counts.slice(),
    }
  }

  /** Return to a checkpoint (which stays valid). */
  restore(checkpoint: PfnDatabaseCheckpoint): void {
    const arrays = this.arrays()
    assert(checkpoint.arrays.length === arrays.length, 'PfnDatabase.restore: checkpoint of another shape')
    arrays.forEach((array, i) => {
      ;(array as Uint8Array).set(checkpoint.arrays[i] as Uint8Array)
    })
    this.heads.set(checkpoint.heads)
    this.tails.set(checkpoint.tails)
    this.counts.set(checkpoint.counts)
  }

  /** A stable text summary (for digests): every frame's state, owner and list order. */
  digestInput(): string {
    const parts: string[] = []
    for (let pfn = 0; pfn < this.frameCount; pfn++) {
      const s = this.state[pfn]!
      if (s === PfnState.FREE) continue
      // A section page's frame adds its segment and share count (absent otherwise, so machines
      // without sections keep the digests they always had).
      const segment = this.segmentId[pfn]!
      parts.push(
        `${pfn}:${s}:${this.ownerPid[pfn]}:${this.ownerAddress[pfn]}:${this.protectMask[pfn]}:${this.pageFileSlot[pfn]}:${this.modified[pfn]}${segment === NONE ? '' : `:g${segment}:${this.shareCount[pfn]}`}${this.priority[pfn] === 0 ? '' : `:p${this.priority[pfn]}`}`,
      )
    }
    for (let list = 0; list < 5; list++)
      parts.push(`L${list}:${this.heads[list]}:${this.tails[list]}:${this.counts[list]}`)
    return parts.join(',')
  }

  /** The list invariants as violations: links consistent, counts right, each listed frame in the list's state. */
  check(): string[] {
    const problems: string[] = []
    let listed = 0
    for (let list = 0; list < 5; list++) {
      let previous = NONE
      let count = 0
      for (let pfn = this.heads[list]!; pfn !== NONE; pfn = this.flink[pfn]!) {
        if (this.state[pfn] !== list)
          problems.push(`frame ${pfn} on list ${list} in state ${this.state[pfn]}`)
        if (this.blink[pfn] !== previous) problems.push(`frame ${pfn} has a wrong back link`)
        previous = pfn
        count++
        if (count > this.frameCount) {
          problems.push(`list ${list} is cyclic`)
          break
        }
      }
      if (this.tails[list] !== previous) problems.push(`list ${list} has a wrong tail`)
      if (this.counts[list] !== count)
        problems.push(`list ${list} counts ${this.counts[list]}, holds ${count}`)
      listed += count
    }
    let expected = 0
    for (let pfn = 0; pfn < this.frameCount; pfn++) if (this.state[pfn]! <= PfnState.ACTIVE) expected++
    if (listed !== expected) problems.push(`${expected} frames in list states but ${listed} listed`)
    return problems
  }

  private arrays(): (Uint8Array | Int32Array | Float64Array)[] {
    return [
      this.state,
      this.flink,
      this.blink,
      this.ownerPid,
      this.ownerAddress,
      this.protectMask,
      this.pageFileSlot,
      this.modified,
      this.segmentId,
      this.shareCount,
      this.age,
      this.lastUse,
      this.priority,
    ]
  }

  private linkTail(list: number, pfn: number): void {
    const tail = this.tails[list]!
    this.blink[pfn] = tail
    this.flink[pfn] = NONE
    if (tail === NONE) this.heads[list] = pfn
    else this.flink[tail] = pfn
    this.tails[list] = pfn
    this.counts[list]!++
  }

  private unlink(list: number, pfn: number): void {
    const previous = this.blink[pfn]!
    const next = this.flink[pfn]!
    if (previous === NONE) this.heads[list] = next
    else this.flink[previous] = next
    if (next === NONE) this.tails[list] = previous
    else this.blink[next] = previous
    this.flink[pfn] = NONE
    this.blink[pfn] = NONE
    this.counts[list]!--
  }
}
