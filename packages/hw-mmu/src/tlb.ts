// The translation lookaside buffer: a set-associative cache of translations, configurable from
// direct-mapped (1 way) to fully associative (ways = entries), with LRU, FIFO or seeded random
// replacement, optionally split into instruction and data TLBs and backed by a second-level
// STLB (Intel SDM vol. 3A §4.10). Each level lives in typed arrays indexed set × ways + way:
//
//   index = set * ways + way          set = pageNumber mod sets
//   tags[i]   pageNumber * 4 + sizeCode   (-1 = invalid)       sizeCode 0 = 4 KiB, 1 = 2/4 MiB, 2 = 1 GiB
//   frames[i] 4 KiB frame number of the page's first byte
//   flags[i]  W | U | X | D | G | sizeCode << 5  (effective permissions, combined over every level)
//   pcids[i]  PCID the entry was filled under (0 without CR4.PCIDE)
//   ages[i]   clock value of the last fill (FIFO) or use (LRU)
//
// A direct-mapped `hints` table (page number → index of the entry last found for it) lets a hit
// skip the way search. It is a simulator accelerator, not TLB state: a hint is used only after
// checking that the entry it points at holds the tag, so a stale hint just falls back to the
// search, and hints are excluded from checkpoints, digests and events.
//
// The random policy draws from a counter-based generator: the victim is a hash of (seed, number of
// fills so far), so the whole replacement state is in the arrays and counters, and recorded fills
// replay exactly. Only the apply functions below change a level.

/** A replacement policy. */
export type ReplacementPolicy = 'lru' | 'fifo' | 'random'

/** Size and organisation of one TLB level. */
export interface TlbLevelConfig {
  /** Number of entries (a multiple of `ways`). */
  readonly entries: number
  /** Associativity: 1 = direct-mapped, `entries` = fully associative. */
  readonly ways: number
  /** Replacement policy; 'lru' when omitted. */
  readonly policy?: ReplacementPolicy
}

/** The TLB of a CPU: a first level (unified, or data + instruction) and an optional STLB. */
export interface TlbConfig {
  /** The first-level TLB: the data TLB, or the unified TLB when `instruction` is absent. */
  readonly data: TlbLevelConfig
  /** A separate first-level instruction TLB (split TLBs). */
  readonly instruction?: TlbLevelConfig
  /** A second-level TLB (STLB) shared by instruction and data misses. */
  readonly second?: TlbLevelConfig
  /** Seed of the random replacement policy (default 1). */
  readonly seed?: number
}

/** Named TLB organisations. */
export type TlbPresetName = 'i386' | 'skylake'

/** Presets: an i386-like 32-entry 4-way unified TLB; a Skylake-like split L1 with a 1536-entry 12-way STLB. */
export const TLB_PRESETS: Readonly<Record<TlbPresetName, TlbConfig>> = {
  i386: { data: { entries: 32, ways: 4, policy: 'lru' } },
  skylake: {
    data: { entries: 64, ways: 4, policy: 'lru' },
    instruction: { entries: 128, ways: 8, policy: 'lru' },
    second: { entries: 1536, ways: 12, policy: 'lru' },
  },
}

/** Index of a TLB level in the machine state and in events: 0 = data (or unified), 1 = instruction, 2 = second. */
export type TlbIndex = 0 | 1 | 2
/** The data (or unified first-level) TLB. */
export const TLB_DATA = 0
/** The instruction TLB (split TLBs only). */
export const TLB_INSTRUCTION = 1
/** The second-level TLB (STLB). */
export const TLB_SECOND = 2
/** Names of the levels by index. */
export const TLB_NAMES = ['data', 'instruction', 'second'] as const
/** Name of a TLB level. */
export type TlbName = (typeof TLB_NAMES)[number]

/** Kinds of flush the statistics count. */
export type FlushKind = 'full' | 'nonGlobal' | 'single' | 'pcid'

/** Counters of one TLB level. */
export interface TlbStatistics {
  readonly lookups: number
  readonly hits: number
  readonly misses: number
  /** Page walks caused by misses at this level (a walk after an L1 and STLB miss counts in both). */
  readonly walks: number
  /** Paging-structure entries those walks read from memory. */
  readonly walkMemoryReferences: number
  /** Valid entries replaced by a fill. */
  readonly evictions: number
  /** Flush operations by kind (a #PF's invalidation counts as 'single' when it removed an entry). */
  readonly flushes: {
    readonly full: number
    readonly nonGlobal: number
    readonly single: number
    readonly pcid: number
  }
}

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

const POLICY_CODES: Record<ReplacementPolicy, number> = { lru: 0, fifo: 1, random: 2 }
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
  /** @internal 0 lru, 1 fifo, 2 random */
  readonly policyCode: number
  readonly seed: number
  readonly tags: Float64Array
  readonly frames: Float64Array
  readonly flags: Uint8Array
  readonly pcids: Uint16Array
  readonly ages: Float64Array
  /** @internal accelerator: page number & hintMask → entry index (or -1). Not state. */
  readonly hints: Int32Array
  /** @internal */
  readonly hintMask: number
  clock = 0
  fillCount = 0
  hits = 0
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
    this.ages = new Float64Array(this.entries)
    let hintSize = 64
    while (hintSize < this.entries * 4) hintSize *= 2
    this.hints = new Int32Array(hintSize).fill(-1)
    this.hintMask = hintSize - 1
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

/**
 * Resolves a preset name or checks a configuration. Throws a RangeError naming the value and the
 * rule for an unknown preset, a non-positive or non-integer size, entries not divisible by ways or
 * an unknown policy.
 */
export function resolveTlbConfig(config: TlbConfig | TlbPresetName): TlbConfig {
  if (typeof config === 'string') {
    const preset = (TLB_PRESETS as Record<string, TlbConfig | undefined>)[config]
    if (preset === undefined || !Object.hasOwn(TLB_PRESETS, config)) {
      throw new RangeError(
        `unknown TLB preset ${JSON.stringify(config)}: expected one of ${Object.keys(TLB_PRESETS).join(', ')}`,
      )
    }
    return preset
  }
  if (typeof config !== 'object' || config === null)
    throw new TypeError(`TLB configuration ${String(config)} must be an object or a preset name`)
  checkLevel('data', config.data)
  if (config.instruction !== undefined) checkLevel('instruction', config.instruction)
  if (config.second !== undefined) checkLevel('second', config.second)
  if (
    config.seed !== undefined &&
    !(Number.isInteger(config.seed) && config.seed >= 0 && config.seed <= 0xffffffff)
  ) {
    throw new RangeError(`TLB seed ${config.seed} must be an integer in [0, 2^32)`)
  }
  return config
}

function checkLevel(name: string, level: TlbLevelConfig | undefined): void {
  if (typeof level !== 'object' || level === null)
    throw new TypeError(`TLB level ${name} must be an object { entries, ways, policy? }`)
  const { entries, ways, policy } = level
  if (!Number.isInteger(entries) || entries < 1 || entries > 65536) {
    throw new RangeError(`TLB ${name}.entries ${entries} must be an integer in [1, 65536]`)
  }
  if (!Number.isInteger(ways) || ways < 1)
    throw new RangeError(`TLB ${name}.ways ${ways} must be a positive integer`)
  if (entries % ways !== 0)
    throw new RangeError(`TLB ${name}.entries ${entries} must be divisible by ways ${ways}`)
  if (policy !== undefined && !Object.hasOwn(POLICY_CODES, policy)) {
    throw new RangeError(`TLB ${name}.policy ${JSON.stringify(policy)} must be 'lru', 'fifo' or 'random'`)
  }
}

/** Index of the entry matching `tag` (same PCID, or global) in `pageNumber`'s set; -1 on a miss. */
export function tlbProbe(tlb: TlbLevel, tag: number, pageNumber: number, pcid: number): number {
  const ways = tlb.ways
  const base = (tlb.setMask >= 0 ? pageNumber & tlb.setMask : pageNumber % tlb.sets) * ways
  const tags = tlb.tags
  for (let i = base, end = base + ways; i < end; i++) {
    if (tags[i] === tag && (tlb.pcids[i] === pcid || (tlb.flags[i]! & TLB_GLOBAL) !== 0)) {
      tlb.hints[pageNumber & tlb.hintMask] = i
      return i
    }
  }
  return -1
}

/** The way a fill of `tag` replaces in `set`: a matching entry, else an invalid way, else the policy's victim. */
export function tlbChooseWay(tlb: TlbLevel, set: number, tag: number, pcid: number): number {
  const ways = tlb.ways
  const base = set * ways
  const tags = tlb.tags
  let invalid = -1
  for (let way = 0; way < ways; way++) {
    const t = tags[base + way]!
    if (t === tag && (tlb.pcids[base + way] === pcid || (tlb.flags[base + way]! & TLB_GLOBAL) !== 0))
      return way
    if (t === -1 && invalid < 0) invalid = way
  }
  if (invalid >= 0) return invalid
  if (tlb.policyCode === 2) return mix32((tlb.seed + Math.imul(tlb.fillCount, 0x9e3779b9)) | 0) % ways
  let victim = 0
  let oldest = tlb.ages[base]!
  for (let way = 1; way < ways; way++) {
    const age = tlb.ages[base + way]!
    if (age < oldest) {
      oldest = age
      victim = way
    }
  }
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
  return FLUSH_KINDS.indexOf(kind)
}

// ---- apply functions: the only code that changes a TLB level -----------------------------------

/** Applies hw.tlbHit: counts a lookup and a hit; LRU refreshes the entry's age. */
export function applyTlbHit(tlb: TlbLevel, index: number): void {
  tlb.hits++
  if (tlb.policyCode === 0) tlb.ages[index] = ++tlb.clock
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
  tlb.tags[index] = tag
  tlb.frames[index] = frame
  tlb.flags[index] = flags
  tlb.pcids[index] = pcid
  tlb.ages[index] = ++tlb.clock
  tlb.fillCount++
}

/** Applies one removal of a hw.tlbFlush. */
export function applyTlbInvalidate(tlb: TlbLevel, index: number): void {
  tlb.tags[index] = -1
}

/** Applies the count of a hw.tlbFlush. */
export function applyTlbFlushCounted(tlb: TlbLevel, kind: FlushKind): void {
  tlb.flushCounts[flushKindCode(kind)]!++
}

/** Applies hw.statisticsReset to one level. */
export function applyTlbStatisticsReset(tlb: TlbLevel): void {
  tlb.hits = 0
  tlb.misses = 0
  tlb.walks = 0
  tlb.walkMemoryReferences = 0
  tlb.evictions = 0
  tlb.flushCounts.fill(0)
}

/** Sets a level's counters back to `statistics` (undo of hw.statisticsReset). */
export function applyTlbStatisticsRestore(tlb: TlbLevel, statistics: TlbStatistics): void {
  tlb.hits = statistics.hits
  tlb.misses = statistics.misses
  tlb.walks = statistics.walks
  tlb.walkMemoryReferences = statistics.walkMemoryReferences
  tlb.evictions = statistics.evictions
  const f = statistics.flushes
  tlb.flushCounts.set([f.full, f.nonGlobal, f.single, f.pcid])
}
