// The translation lookaside buffer: a set-associative cache of translations, configurable from
// direct-mapped (1 way) to fully associative (ways = entries), with LRU, FIFO or seeded random
// replacement, optionally split into instruction and data TLBs and backed by a second-level
// STLB (Intel SDM vol. 3A §4.10; the configuration, level names and counters are tlbConfig.ts's).
// Each level lives in typed arrays indexed set × ways + way:
//
//   index = set * ways + way          set = pageNumber mod sets
//   tags[i]   pageNumber * 4 + sizeCode   (-1 = invalid)       sizeCode 0 = 4 KiB, 1 = 2/4 MiB, 2 = 1 GiB
//   frames[i] 4 KiB frame number of the page's first byte
//   flags[i]  W | U | X | D | G | sizeCode << 5  (effective permissions, combined over every level)
//   pcids[i]  PCID the entry was filled under (0 without CR4.PCIDE)
//   ages[i]   clock value of the last fill (FIFO) or use (LRU): rawAges, or a mirror row's stamp
//
// The level's `clock` advances by one on every hit and every fill, whatever the policy: LRU
// stamps the used entry with it, FIFO and random only the filled one. So the clock alone counts
// hits (hits = clock - fills - hits reset away), and a hit costs one counter update, not two.
//
// A direct-mapped `mirror` table lets the inlined hit path of Mmu skip the way search. Row
// (pageNumber & mirrorMask) of one Int32Array copies one valid 4 KiB entry in three words:
//
//   key    MIRROR_VALID | flags << 20 | pageNumber   tag and permissions: one load, one compare
//   base   frame × 4096                               the physical address is base | offset
//   index  the entry's index                          to find the entry again
//
// It is a simulator accelerator, not TLB state: every apply function that changes an entry
// first empties the row copying it, so a row always equals its entry (a stale TLB entry still
// serves, as it must: the row copies the entry, not the page tables). Rows are excluded from
// checkpoints, digests and events, and rebuilt by fills and lookups. Only entries whose page
// number fits 20 bits (32-bit and PAE paging) and whose frame lies below 2 GiB are mirrored;
// other entries are found by the way search, as before.
//
// A hit through a row stamps the row (`mirrorStamps[row]`), not the entry: the stamp's address
// follows from the page number alone, where the entry's would wait for the index to be loaded,
// and that dependent store cost a fifth of the hit. An LRU entry's age is therefore the larger
// of `rawAges[i]` and the stamp of the row copying it (`tlbEntryAge`); the stamp is written back
// into `rawAges` whenever the row stops copying the entry, and by `syncTlbAges` (the `ages`
// getter) before the whole array is read. FIFO and random ages ignore stamps: a row is stamped
// whatever the policy, which keeps the policy test off the hit path.
//
// The random policy draws from a counter-based generator: the victim is a hash of (seed, number of
// fills so far), so the whole replacement state is in the arrays and counters, and recorded fills
// replay exactly. Only the apply functions below change a level.

import type { HwRecordingLane } from './hwRecorder.js'
import {
  type FlushKind,
  POLICY_CODES,
  TLB_NAMES,
  type TlbIndex,
  type TlbLevelConfig,
  type TlbName,
  type TlbStatistics,
  type ReplacementPolicy,
} from './tlbConfig.js'

/** Entry flag: writes allowed (R/W set at every level). */
export const TLB_WRITABLE = 1
/** Entry flag: user accesses allowed (U/S set at every level). */
export const TLB_USER = 2
/** Entry flag: instruction fetches allowed (no NX at any level). */
export const TLB_EXECUTABLE = 4
/** Entry flag: the final entry's D bit is set (a write may use the entry without a walk). */
export const TLB_DIRTY = 8
/** Entry flag: global (G in the final entry with CR4.PGE): kept across CR3 loads. */
export const TLB_GLOBAL = 16
/** Shift of the size code in the flags. */
export const TLB_SIZE_SHIFT = 5

const FLUSH_KINDS: readonly FlushKind[] = ['full', 'nonGlobal', 'single', 'pcid']

/** One TLB level: its organisation, typed-array entries and counters. */
export class TlbLevel {
  readonly index: TlbIndex
  readonly entries: number
  readonly ways: number
  readonly sets: number
  /** sets - 1 when sets is a power of two, else -1 (then the set is pageNumber % sets). */
  readonly setMask: number
  readonly policy: ReplacementPolicy
  // The fields the inlined hit path reads are `declare`d: a plain declaration first initialises
  // the field to undefined, after which V8 no longer tracks its type and every read pays a check.
  /** @internal 0 lru, 1 fifo, 2 random */
  declare readonly policyCode: number
  readonly seed: number
  readonly tags: Float64Array
  readonly frames: Float64Array
  readonly flags: Uint8Array
  readonly pcids: Uint16Array
  /** @internal Ages, except the newer stamps still held by mirror rows (see the file comment). */
  declare readonly rawAges: Float64Array
  /**
   * @internal accelerator, not state: row r = (pageNumber & mirrorMask) × 4 holds [key, base,
   * index, unused] of a valid 4 KiB entry (key 0 = empty). See the file comment.
   */
  declare readonly mirror: Int32Array
  /** @internal */
  declare readonly mirrorMask: number
  /** @internal Per mirror row: clock value of the last hit through the row (0: none since written back). */
  declare readonly mirrorStamps: Float64Array
  /** @internal Per entry: offset of the mirror row copying it, or -1 (the row's back-reference). */
  declare readonly entryRows: Int32Array
  /**
   * @internal accelerator, not state: how many valid entries cache a large page (size code 1 or
   * 2). While none does, a lookup skips the large sizes' sets (see tlbLookup.ts): a miss in a
   * TLB of 4 KiB pages searches one set, not two or three.
   */
  declare largeEntries: number
  /**
   * @internal The inlined hit path of Mmu may use this level: HwState.fastPath and no recorder,
   * kept here so that the path reaches everything it needs through this one object.
   */
  hitPathEnabled = false
  /**
   * @internal The recorder's numeric lane while one is attached with a lane (then the inlined hit
   * path still runs and reports each hit here); undefined otherwise.
   */
  hitLane: HwRecordingLane | undefined = undefined
  /** Advanced by every hit and every fill (the LRU/FIFO time stamp source; also counts hits). */
  clock = 0
  fillCount = 0
  /** @internal clock - fillCount at the last statistics reset, minus the hits restored then. */
  hitBase = 0
  misses = 0
  walks = 0
  walkMemoryReferences = 0
  evictions = 0
  /** Flush counters by kind: full, nonGlobal, single, pcid. */
  readonly flushCounts = new Float64Array(4)

  constructor(index: TlbIndex, config: TlbLevelConfig, seed: number) {
    this.index = index
    this.entries = config.entries
    this.ways = config.ways
    this.sets = config.entries / config.ways
    this.setMask = (this.sets & (this.sets - 1)) === 0 ? this.sets - 1 : -1
    this.policy = config.policy ?? 'lru'
    this.policyCode = POLICY_CODES[this.policy]
    this.seed = seed
    this.tags = new Float64Array(this.entries).fill(-1)
    this.frames = new Float64Array(this.entries)
    this.flags = new Uint8Array(this.entries)
    this.pcids = new Uint16Array(this.entries)
    this.rawAges = new Float64Array(this.entries)
    // Four rows per entry keep collisions between resident pages rare.
    let rows = 64
    while (rows < this.entries * 4) rows *= 2
    this.mirror = new Int32Array(rows * 4)
    this.mirrorMask = rows - 1
    this.mirrorStamps = new Float64Array(rows)
    this.entryRows = new Int32Array(this.entries).fill(-1)
    this.largeEntries = 0
  }

  /** Clock value of each entry's last fill (FIFO, random) or use (LRU), by index. */
  get ages(): Float64Array {
    syncTlbAges(this)
    return this.rawAges
  }

  /** Hits: every clock tick that was not a fill, since the last statistics reset. */
  get hits(): number {
    return this.clock - this.fillCount - this.hitBase
  }

  /** Lookups: hits plus misses. */
  get lookups(): number {
    return this.hits + this.misses
  }

  /** The level's name ('data', 'instruction' or 'second'). */
  get name(): TlbName {
    return TLB_NAMES[this.index]
  }

  /** The set a page number maps to. */
  setOf(pageNumber: number): number {
    return this.setMask >= 0 ? pageNumber & this.setMask : pageNumber % this.sets
  }

  /** A plain copy of the counters. */
  statistics(): TlbStatistics {
    const f = this.flushCounts
    return {
      lookups: this.lookups,
      hits: this.hits,
      misses: this.misses,
      walks: this.walks,
      walkMemoryReferences: this.walkMemoryReferences,
      evictions: this.evictions,
      flushes: { full: f[0]!, nonGlobal: f[1]!, single: f[2]!, pcid: f[3]! },
    }
  }
}

/** Index of the entry matching `tag` (same PCID, or global) in `pageNumber`'s set; -1 on a miss. */
export function tlbProbe(tlb: TlbLevel, tag: number, pageNumber: number, pcid: number): number {
  const ways = tlb.ways
  const base = (tlb.setMask >= 0 ? pageNumber & tlb.setMask : pageNumber % tlb.sets) * ways
  const tags = tlb.tags
  for (let i = base, end = base + ways; i < end; i++) {
    if (tags[i] === tag && (tlb.pcids[i] === pcid || (tlb.flags[i]! & TLB_GLOBAL) !== 0)) {
      mirrorEntry(tlb, i)
      return i
    }
  }
  return -1
}

// A mirror row's hit test, (key & (VALID | PAGE_MASK | required)) === (VALID | page | required),
// is written out in each inlined hit path (Mmu.translateVa, userRead32Hit, userWrite32Hit and
// mmuBatch's runTlbHits), not called: as a shared function it measured the TLB-hit translate
// 15-20% slower (hw-mmu bench, 2.76-3.03x a bare lookup against 3.36-3.63x). Change them together.
/** Bit of a mirror row's key marking the row in use (an empty row, key 0, matches no lookup). */
export const MIRROR_VALID = 1 << 27
/** Mask of the page number in a mirror row's key. */
export const MIRROR_PAGE_MASK = 0xfffff
/** Shift of the entry flags in a mirror row's key. */
export const MIRROR_FLAGS_SHIFT = 20

/** Moves the stamp of a row in use into its entry's age (LRU), leaving the row unstamped. */
function writeBackStamp(tlb: TlbLevel, row: number): void {
  const stamps = tlb.mirrorStamps
  const stamp = stamps[row >> 2]!
  const index = tlb.mirror[row + 2]!
  if (tlb.policyCode === 0 && stamp > tlb.rawAges[index]!) tlb.rawAges[index] = stamp
  stamps[row >> 2] = 0
}

/**
 * Copies entry `index` into its mirror row (pages equal modulo the mirror size share a row: the
 * last one filled or looked up wins). Skips what the row cannot hold (see the file comment).
 */
function mirrorEntry(tlb: TlbLevel, index: number): void {
  const tag = tlb.tags[index]!
  const frame = tlb.frames[index]!
  // `& 3`, not `% 4`: the remainder of a Float64Array element is a call into C (see isLargeTag).
  if (tag < 0 || tag > MIRROR_PAGE_MASK * 4 || (tag & 3) !== 0 || frame >= 0x80000) return
  const pageNumber = tag / 4
  const row = (pageNumber & tlb.mirrorMask) << 2
  const mirror = tlb.mirror
  if (mirror[row] !== 0) {
    // The row copies another entry (or this one): hand back its stamp, unlink it.
    if (tlb.mirrorStamps[row >> 2] !== 0) writeBackStamp(tlb, row)
    tlb.entryRows[mirror[row + 2]!] = -1
  }
  mirror[row] = MIRROR_VALID | (tlb.flags[index]! << MIRROR_FLAGS_SHIFT) | pageNumber
  mirror[row + 1] = frame * 4096
  mirror[row + 2] = index
  tlb.entryRows[index] = row
}

/** Empties the mirror row copying entry `index`, if any (call before the entry changes). */
function forgetMirror(tlb: TlbLevel, index: number): void {
  const row = tlb.entryRows[index]!
  if (row < 0) return
  if (tlb.mirrorStamps[row >> 2] !== 0) writeBackStamp(tlb, row)
  tlb.mirror[row] = 0
  tlb.entryRows[index] = -1
}

/**
 * Empties every mirror row, dropping their stamps, and recounts the large entries: the
 * accelerators' reset after the entry arrays were overwritten wholesale.
 */
export function clearTlbMirror(tlb: TlbLevel): void {
  tlb.mirror.fill(0)
  tlb.mirrorStamps.fill(0)
  tlb.entryRows.fill(-1)
  let large = 0
  for (let i = 0; i < tlb.entries; i++) large += isLargeTag(tlb.tags[i]!)
  tlb.largeEntries = large
}

/** 1 when `tag` is a valid entry's tag for a large page (size code 1 or 2), else 0. */
function isLargeTag(tag: number): number {
  // `& 3` is the tag mod 4 for any tag (ToInt32 drops multiples of 2^32, which 4 divides); `%` of
  // a double is a call into C.
  return tag >= 0 && (tag & 3) !== 0 ? 1 : 0
}

/** Entry `index`'s age: its last fill (FIFO, random) or use (LRU), a hit through its mirror row included. */
export function tlbEntryAge(tlb: TlbLevel, index: number): number {
  const age = tlb.rawAges[index]!
  if (tlb.policyCode !== 0) return age
  const row = tlb.entryRows[index]!
  return row < 0 ? age : Math.max(age, tlb.mirrorStamps[row >> 2]!)
}

/** Writes every row's stamp back into the entry ages, so that `rawAges` holds every age. */
export function syncTlbAges(tlb: TlbLevel): void {
  const mirror = tlb.mirror
  for (let row = 0; row < mirror.length; row += 4) if (mirror[row] !== 0) writeBackStamp(tlb, row)
}

/** The way a fill of `tag` replaces in `set`: a matching entry, else an invalid way, else the policy's victim. */
export function tlbChooseWay(tlb: TlbLevel, set: number, tag: number, pcid: number): number {
  const ways = tlb.ways
  const base = set * ways
  const tags = tlb.tags
  const lru = tlb.policyCode === 0
  const rawAges = tlb.rawAges
  let invalid = -1
  let victim = 0
  let oldest = 0
  // One pass over the set: the match, the first invalid way and the oldest age. LRU ages still
  // held by mirror rows go back to rawAges first, so the scan reads plain array cells (a helper
  // returning each age as a number allocated a heap number per way); a write-back changes no age
  // (an age is the larger of the two), so making it before knowing whether a victim is needed
  // changes nothing observable.
  for (let way = 0; way < ways; way++) {
    const i = base + way
    const t = tags[i]!
    if (t === tag && (tlb.pcids[i] === pcid || (tlb.flags[i]! & TLB_GLOBAL) !== 0)) return way
    if (t === -1) {
      if (invalid < 0) invalid = way
      continue
    }
    if (lru) {
      const row = tlb.entryRows[i]!
      if (row >= 0 && tlb.mirrorStamps[row >> 2] !== 0) writeBackStamp(tlb, row)
    }
    const age = rawAges[i]!
    if (way === 0 || age < oldest) {
      oldest = age
      victim = way
    }
  }
  if (invalid >= 0) return invalid
  if (tlb.policyCode === 2) return mix32((tlb.seed + Math.imul(tlb.fillCount, 0x9e3779b9)) | 0) % ways
  return victim
}

function mix32(x: number): number {
  x ^= x >>> 16
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  x ^= x >>> 16
  return x >>> 0
}

/** Code of a flush kind in {@link TlbLevel.flushCounts}. */
export function flushKindCode(kind: FlushKind): number {
  // A switch, not FLUSH_KINDS.indexOf: every INVLPG counts its flush (a page-out's, a #PF's), and
  // the search over the names was a call into the runtime per flush.
  switch (kind) {
    case 'full':
      return 0
    case 'nonGlobal':
      return 1
    case 'single':
      return 2
    case 'pcid':
      return 3
  }
  return FLUSH_KINDS.indexOf(kind)
}

// ---- apply functions: the only code that changes a TLB level -----------------------------------

/** Applies hw.tlbHit: counts a lookup and a hit (a clock tick); LRU refreshes the entry's age. */
export function applyTlbHit(tlb: TlbLevel, index: number): void {
  const clock = ++tlb.clock
  // Newer than any stamp of the entry's mirror row, so this is the entry's age now.
  if (tlb.policyCode === 0) tlb.rawAges[index] = clock
}

/**
 * applyTlbHit for a hit found through mirror row `row` (the row copying the entry): the same
 * clock tick, with the LRU stamp on the row (see the file comment). The inlined hit path's.
 */
export function applyTlbHitThroughMirror(tlb: TlbLevel, row: number): void {
  tlb.mirrorStamps[row >> 2] = ++tlb.clock
}

/**
 * Reports a hit through mirror row `row` to `lane` as hw.tlbHit (before the hit is applied: the
 * entry's age is the previous one). The recorded inlined hit path's.
 */
export function reportTlbHitThroughMirror(lane: HwRecordingLane, tlb: TlbLevel, row: number): void {
  const index = tlb.mirror[row + 2]!
  const ways = tlb.ways
  const set = Math.floor(index / ways)
  lane.tlbHit(tlb.index, set, index - set * ways, tlbEntryAge(tlb, index))
}

/** Reverts hw.tlbHit: the clock steps back (one hit fewer) and LRU restores the entry's age. */
export function undoTlbHit(tlb: TlbLevel, index: number, previousAge: number): void {
  tlb.clock--
  if (tlb.policyCode !== 0) return
  const row = tlb.entryRows[index]!
  if (row >= 0) writeBackStamp(tlb, row)
  tlb.rawAges[index] = previousAge
}

/** Applies hw.tlbMiss: counts a lookup and a miss. */
export function applyTlbMiss(tlb: TlbLevel): void {
  tlb.misses++
}

/** Applies hw.pageWalk to a level whose miss caused the walk. */
export function applyPageWalk(tlb: TlbLevel, memoryReferences: number): void {
  tlb.walks++
  tlb.walkMemoryReferences += memoryReferences
}

/** Applies hw.tlbEvict: the valid entry at `index` is dropped to make room for a fill. */
export function applyTlbEvict(tlb: TlbLevel, index: number): void {
  forgetMirror(tlb, index)
  tlb.largeEntries -= isLargeTag(tlb.tags[index]!)
  tlb.tags[index] = -1
  tlb.evictions++
}

/** Applies hw.tlbFill: writes an entry. */
export function applyTlbFill(
  tlb: TlbLevel,
  index: number,
  tag: number,
  frame: number,
  flags: number,
  pcid: number,
): void {
  forgetMirror(tlb, index)
  tlb.largeEntries += isLargeTag(tag) - isLargeTag(tlb.tags[index]!)
  tlb.tags[index] = tag
  tlb.frames[index] = frame
  tlb.flags[index] = flags
  tlb.pcids[index] = pcid
  tlb.rawAges[index] = ++tlb.clock
  tlb.fillCount++
  mirrorEntry(tlb, index)
}

/** Writes entry `index` back to recorded values (undo of a fill, an eviction or a flush). */
export function restoreTlbEntry(
  tlb: TlbLevel,
  index: number,
  tag: number,
  frame: number,
  flags: number,
  pcid: number,
  age: number,
): void {
  forgetMirror(tlb, index)
  tlb.largeEntries += isLargeTag(tag) - isLargeTag(tlb.tags[index]!)
  tlb.tags[index] = tag
  tlb.frames[index] = frame
  tlb.flags[index] = flags
  tlb.pcids[index] = pcid
  tlb.rawAges[index] = age
}

/** Applies one removal of a hw.tlbFlush. */
export function applyTlbInvalidate(tlb: TlbLevel, index: number): void {
  forgetMirror(tlb, index)
  tlb.largeEntries -= isLargeTag(tlb.tags[index]!)
  tlb.tags[index] = -1
}

/** Applies the count of a hw.tlbFlush. */
export function applyTlbFlushCounted(tlb: TlbLevel, kind: FlushKind): void {
  tlb.flushCounts[flushKindCode(kind)]!++
}

/** Applies hw.statisticsReset to one level. */
export function applyTlbStatisticsReset(tlb: TlbLevel): void {
  tlb.hitBase = tlb.clock - tlb.fillCount
  tlb.misses = 0
  tlb.walks = 0
  tlb.walkMemoryReferences = 0
  tlb.evictions = 0
  tlb.flushCounts.fill(0)
}

/** Sets a level's counters back to `statistics` (undo of hw.statisticsReset). */
export function applyTlbStatisticsRestore(tlb: TlbLevel, statistics: TlbStatistics): void {
  tlb.hitBase = tlb.clock - tlb.fillCount - statistics.hits
  tlb.misses = statistics.misses
  tlb.walks = statistics.walks
  tlb.walkMemoryReferences = statistics.walkMemoryReferences
  tlb.evictions = statistics.evictions
  const f = statistics.flushes
  tlb.flushCounts.set([f.full, f.nonGlobal, f.single, f.pcid])
}
