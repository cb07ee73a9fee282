// How a TLB is organised and observed, apart from its entries (Intel SDM vol. 3A §4.10.2): the
// configuration of each level (entries, ways, replacement policy) and the named presets, the
// index and name of each level (data or unified, instruction, second-level STLB) that events
// carry, the kinds of flush and the counters a level keeps. Plain data with no dependency, so the
// event types (events.ts) can name them without reaching the TLB's state (tlb.ts).

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

/** Replacement policies by code, as `TlbLevel.policyCode` stores them (0 lru, 1 fifo, 2 random). */
export const POLICY_CODES: Readonly<Record<ReplacementPolicy, number>> = { lru: 0, fifo: 1, random: 2 }

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
