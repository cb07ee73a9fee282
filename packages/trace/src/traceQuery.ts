// Queries over a log: events by type, by an address range, first/last/next/previous match from
// a position (WinDbg TTD's memory queries, rr's `when`), the causal chain of an event and
// counts per type over a window. Blocks of 4096 events carry lazily built summaries (count per
// kind, min/max per address field), so a search skips blocks that cannot match.
import { CHUNK_BITS, CHUNK_MASK, type ColumnArray } from './columnStore.js'
import type { EventPredicate } from './scanRange.js'
import { viewReader } from './scanRange.js'
import type { TraceLog } from './traceLog.js'
import type { TraceEventBase } from './traceSchema.js'

const BLOCK_BITS = 12
const BLOCK_SIZE = 1 << BLOCK_BITS

/** What an event must satisfy to match; all given parts must hold. */
export interface QueryMatch<E extends TraceEventBase> {
  /** One type or several. */
  readonly type?: E['type'] | readonly E['type'][]
  /**
   * Some address field (or the named one) holds a value in `[low, high)`. Only kinds that
   * declare address fields can match.
   */
  readonly address?: { readonly low: number; readonly high: number; readonly field?: string }
  /** Any further condition (the event may be a view valid only during the call). */
  readonly where?: EventPredicate<E>
}

/** A half-open window of seqs `[from, to)`; defaults to the whole log. */
export interface SeqWindow {
  readonly from?: number
  readonly to?: number
}

/** A match prepared for scanning: kind filter, address slots and the per-seq test. */
interface CompiledMatch {
  readonly kinds: Uint8Array | undefined
  readonly slots: readonly number[] | undefined
  readonly low: number
  readonly high: number
  readonly test: (seq: number) => boolean
}

interface AddressSlot {
  readonly kindId: number
  readonly field: string
  /** Column position for high-volume kinds, -1 for low-volume (read from the object). */
  readonly column: number
}

/** Query engine over one log. Summaries cover complete blocks and extend as the log grows. */
export class TraceQuery<E extends TraceEventBase> {
  readonly log: TraceLog<E>
  private readonly kindCount: number
  private readonly slots: readonly AddressSlot[]
  /** Per block: count per kind (block * kindCount + kind). */
  private counts = new Uint32Array(0)
  /** Per block and slot: min and max (block * slots + slot). */
  private mins = new Float64Array(0)
  private maxs = new Float64Array(0)
  private summarizedBlocks = 0

  constructor(log: TraceLog<E>) {
    this.log = log
    this.kindCount = log.schema.kinds.length
    const slots: AddressSlot[] = []
    for (const kind of log.schema.kinds) {
      for (const field of kind.addressFields) {
        slots.push({
          kindId: kind.id,
          field,
          column: kind.fields.findIndex((candidate) => candidate.name === field),
        })
      }
    }
    this.slots = slots
  }

  /** Seqs of events matching `match` within `window`, ascending. */
  *find(match: QueryMatch<E>, window: SeqWindow = {}): Generator<number> {
    const compiled = this.compile(match)
    const to = window.to ?? Number.POSITIVE_INFINITY
    let seq = this.nextCompiled(compiled, window.from ?? 0, to)
    while (seq !== undefined) {
      yield seq
      seq = this.nextCompiled(compiled, seq + 1, to)
    }
  }

  /** The first match at or after `from` (and before `to`), or undefined. */
  next(match: QueryMatch<E>, from = 0, to = this.log.length): number | undefined {
    return this.nextCompiled(this.compile(match), from, to)
  }

  private nextCompiled(compiled: CompiledMatch, from: number, to: number): number | undefined {
    const end = Math.min(to, this.log.length)
    let seq = Math.max(0, from)
    this.summarize()
    while (seq < end) {
      const block = seq >>> BLOCK_BITS
      const blockEnd = Math.min(end, (block + 1) * BLOCK_SIZE)
      if (block < this.summarizedBlocks && !this.blockMayMatch(block, compiled)) {
        seq = blockEnd
        continue
      }
      for (; seq < blockEnd; seq++) if (compiled.test(seq)) return seq
    }
    return undefined
  }

  /** The last match before `before` (and at or after `from`), or undefined. */
  previous(match: QueryMatch<E>, before = this.log.length, from = 0): number | undefined {
    const compiled = this.compile(match)
    const start = Math.max(0, from)
    let seq = Math.min(before, this.log.length) - 1
    this.summarize()
    while (seq >= start) {
      const block = seq >>> BLOCK_BITS
      const blockStart = Math.max(start, block * BLOCK_SIZE)
      if (block < this.summarizedBlocks && !this.blockMayMatch(block, compiled)) {
        seq = blockStart - 1
        continue
      }
      for (; seq >= blockStart; seq--) if (compiled.test(seq)) return seq
    }
    return undefined
  }

  /** The first match in the log. */
  first(match: QueryMatch<E>): number | undefined {
    return this.next(match)
  }

  /** The last match in the log. */
  last(match: QueryMatch<E>): number | undefined {
    return this.previous(match)
  }

  /**
   * Number of events matching `match` in `window`. A match by type only is counted from the
   * block summaries (no event is read); an address range or a `where` scans, skipping the blocks
   * that cannot match.
   */
  count(match: QueryMatch<E>, window: SeqWindow = {}): number {
    const from = Math.max(0, window.from ?? 0)
    const to = Math.min(this.log.length, window.to ?? this.log.length)
    if (to <= from) return 0
    if (match.address !== undefined || match.where !== undefined) {
      let matched = 0
      for (const _seq of this.find(match, { from, to })) matched++
      return matched
    }
    const kinds = this.compile(match).kinds
    if (kinds === undefined) return to - from
    const perType = this.countByType({ from, to }) as Record<string, number | undefined>
    let matched = 0
    for (const kind of this.log.schema.kinds) if (kinds[kind.id] === 1) matched += perType[kind.type] ?? 0
    return matched
  }

  /** Number of events per type in `window` (types with no event are omitted). */
  countByType(window: SeqWindow = {}): Partial<Record<E['type'], number>> {
    const from = Math.max(0, window.from ?? 0)
    const to = Math.min(this.log.length, window.to ?? this.log.length)
    const perKind = new Float64Array(this.kindCount)
    this.summarize()
    let seq = from
    while (seq < to) {
      const block = seq >>> BLOCK_BITS
      const blockStart = block * BLOCK_SIZE
      const blockEnd = blockStart + BLOCK_SIZE
      if (seq === blockStart && blockEnd <= to && block < this.summarizedBlocks) {
        for (let kind = 0; kind < this.kindCount; kind++) {
          perKind[kind] = (perKind[kind] as number) + (this.counts[block * this.kindCount + kind] as number)
        }
        seq = blockEnd
        continue
      }
      const stop = Math.min(to, blockEnd)
      for (; seq < stop; seq++) {
        const kind = this.log.kindAt(seq)
        perKind[kind] = (perKind[kind] as number) + 1
      }
    }
    const result: Record<string, number> = {}
    this.log.schema.kinds.forEach((kind) => {
      const count = perKind[kind.id] as number
      if (count > 0) result[kind.type] = count
    })
    return result as Partial<Record<E['type'], number>>
  }

  /** The causal chain of `seq`: `[seq, its cause, that event's cause, …]`; empty outside the log. */
  causalChain(seq: number): number[] {
    const chain: number[] = []
    let current: number | undefined = this.log.has(seq) ? seq : undefined
    while (current !== undefined) {
      chain.push(current)
      current = this.log.causeOf(current)
    }
    return chain
  }

  /** Events whose cause is `seq`, scanning at most `limit` events after it (default 65536). */
  effectsOf(seq: number, limit = 1 << 16): number[] {
    const effects: number[] = []
    const end = Math.min(this.log.length, seq + 1 + limit)
    for (let candidate = seq + 1; candidate < end; candidate++) {
      if (this.log.causeOf(candidate) === seq) effects.push(candidate)
    }
    return effects
  }

  private compile(match: QueryMatch<E>): CompiledMatch {
    const log = this.log
    let kinds: Uint8Array | undefined
    if (match.type !== undefined) {
      kinds = new Uint8Array(this.kindCount)
      const types = (Array.isArray(match.type) ? match.type : [match.type]) as readonly string[]
      for (const type of types) {
        const kind = log.schema.kind(type)
        if (kind !== undefined) kinds[kind.id] = 1
      }
    }
    const address = match.address
    const slotIndexes =
      address === undefined
        ? undefined
        : this.slots
            .map((slot, index) => ({ slot, index }))
            .filter(
              ({ slot }) =>
                (address.field === undefined || slot.field === address.field) &&
                (kinds?.[slot.kindId] ?? 1) === 1,
            )
            .map(({ index }) => index)
    const slotsByKind: AddressSlot[][] = log.schema.kinds.map(() => [])
    for (const index of slotIndexes ?? []) {
      const slot = this.slots[index] as AddressSlot
      slotsByKind[slot.kindId]?.push(slot)
    }
    const low = address?.low ?? 0
    const high = address?.high ?? 0
    const where = match.where
    const read = where === undefined ? undefined : viewReader(log)
    const test = (seq: number): boolean => {
      const kindId = log.kindAt(seq)
      if (kinds !== undefined && kinds[kindId] !== 1) return false
      if (address !== undefined) {
        const slots = slotsByKind[kindId] as AddressSlot[]
        if (slots.length === 0) return false
        const row = log.rowAt(seq)
        let hit = false
        for (const slot of slots) {
          const value = this.slotValue(slot, row)
          if (value >= low && value < high) {
            hit = true
            break
          }
        }
        if (!hit) return false
      }
      return where === undefined || where((read as (seq: number) => Readonly<E>)(seq), seq)
    }
    return { kinds, slots: slotIndexes, low, high, test }
  }

  private slotValue(slot: AddressSlot, row: number): number {
    if (slot.column < 0) {
      const value = (this.log.objects[row] as Record<string, unknown> | undefined)?.[slot.field]
      return typeof value === 'number' ? value : Number.NaN
    }
    const store = this.log.stores[slot.kindId]
    const arrays = store?.chunkArrays[row >>> CHUNK_BITS]
    return (
      ((arrays?.[slot.column] as ColumnArray | undefined)?.[row & CHUNK_MASK] as number | undefined) ??
      Number.NaN
    )
  }

  private blockMayMatch(
    block: number,
    compiled: {
      readonly kinds: Uint8Array | undefined
      readonly slots: readonly number[] | undefined
      readonly low: number
      readonly high: number
    },
  ): boolean {
    if (compiled.kinds !== undefined) {
      let present = false
      for (let kind = 0; kind < this.kindCount; kind++) {
        if (compiled.kinds[kind] === 1 && (this.counts[block * this.kindCount + kind] as number) > 0) {
          present = true
          break
        }
      }
      if (!present) return false
    }
    if (compiled.slots !== undefined) {
      const slotCount = this.slots.length
      for (const index of compiled.slots) {
        const min = this.mins[block * slotCount + index] as number
        const max = this.maxs[block * slotCount + index] as number
        if (max >= compiled.low && min < compiled.high) return true
      }
      return false
    }
    return true
  }

  /** Builds summaries for complete blocks not summarized yet. */
  private summarize(): void {
    const complete = Math.floor(this.log.length / BLOCK_SIZE)
    if (complete <= this.summarizedBlocks) return
    const kindCount = this.kindCount
    const slotCount = this.slots.length
    const capacity = Math.max(complete, this.summarizedBlocks * 2)
    if (this.counts.length < capacity * kindCount) {
      const counts = new Uint32Array(capacity * kindCount)
      counts.set(this.counts)
      this.counts = counts
      const mins = new Float64Array(capacity * slotCount)
      mins.set(this.mins)
      this.mins = mins
      const maxs = new Float64Array(capacity * slotCount)
      maxs.set(this.maxs)
      this.maxs = maxs
    }
    const slotsOfKind = this.log.schema.kinds.map((kind) =>
      this.slots.map((slot, index) => ({ slot, index })).filter(({ slot }) => slot.kindId === kind.id),
    )
    for (let block = this.summarizedBlocks; block < complete; block++) {
      for (let slot = 0; slot < slotCount; slot++) {
        this.mins[block * slotCount + slot] = Number.POSITIVE_INFINITY
        this.maxs[block * slotCount + slot] = Number.NEGATIVE_INFINITY
      }
      for (let seq = block * BLOCK_SIZE; seq < (block + 1) * BLOCK_SIZE; seq++) {
        const kindId = this.log.kindAt(seq)
        this.counts[block * kindCount + kindId] = (this.counts[block * kindCount + kindId] as number) + 1
        const slots = slotsOfKind[kindId]
        if (slots === undefined || slots.length === 0) continue
        const row = this.log.rowAt(seq)
        for (const { slot, index } of slots) {
          const value = this.slotValue(slot, row)
          const at = block * slotCount + index
          if (value < (this.mins[at] as number)) this.mins[at] = value
          if (value > (this.maxs[at] as number)) this.maxs[at] = value
        }
      }
    }
    this.summarizedBlocks = complete
  }
}
