// The column apply of a trace loaded from outside (loadMachineState.ts): a run of high-volume rows
// (accesses, TLB hits, misses, fills, evictions, page walks, A/D updates, small stores, PTE writes,
// frame allocations) applied straight from the log's typed-array columns, each row first given the
// cheap checks that keep it inside the machine: the TLB level, set and way exist; the frame and the
// physical address are inside RAM; the entry or the memory a row replaces holds what the row says
// it replaced (so stepping back over it gives back the state before). The load's hot path, written
// out kind by kind: no event object, no view, a few comparisons a row. No NT counterpart.

import { applyHwEvent, type FrameStore, type HwPageWalk, type TlbLevel } from '@ntmm/hw-mmu'
import {
  applyFrameAllocated,
  applyFrameFreed,
  applyPhysicalWrite,
  applyPteWritten,
  applyTlbEvict,
  applyTlbFill,
  applyTlbHit,
  applyTlbMiss,
} from '@ntmm/hw-mmu/internal'
import type { RowBatch } from '@ntmm/trace'
import type { MachineState } from './machineModel.js'
import { TLB_HIT_LEVEL_SHIFT } from './machineSchema.js'

/** Refuses row `offset` of the batch (its seq is the batch's first plus `offset`): throws. */
export type RowFailure = (offset: number, field: string, reason: string) => never

type Columns = Readonly<Record<string, ArrayLike<number>>>
type Tlbs = readonly (TlbLevel | undefined)[]

const HIT_SHIFT = TLB_HIT_LEVEL_SHIFT

/** The entry index of (set, way) in `level`, or -1 when the level has no such entry. */
function entryIndex(level: TlbLevel | undefined, set: number, way: number): number {
  if (level === undefined || set >= level.sets || way >= level.ways) return -1
  return set * level.ways + way
}

/** Refuses a row naming a TLB entry this machine lacks, naming the field that is out of range. */
function noEntry(fail: RowFailure, offset: number, tlbs: Tlbs, tlb: number, set: number, way: number): never {
  const level = tlbs[tlb]
  if (level === undefined) return fail(offset, 'tlb', `TLB level ${tlb} does not exist on this machine`)
  if (set >= level.sets)
    return fail(offset, 'set', `set ${set} is beyond the ${level.sets} sets of TLB level ${tlb}`)
  return fail(offset, 'way', `way ${way} is beyond the ${level.ways} ways of TLB level ${tlb}`)
}

/** True when `size` bytes at physical address `address` lie inside RAM. */
function inRam(frames: FrameStore, address: number, size: number): boolean {
  return Number.isInteger(address) && address >= 0 && address + size <= frames.byteLength
}

/**
 * Applies the rows `[batch.start, batch.end)` to `state`, each checked first; `fail` refuses the
 * first that does not hold (nothing after it is applied).
 */
export function applyCheckedRows(state: MachineState, batch: RowBatch, fail: RowFailure): void {
  const hw = state.mm.mmu.state
  const tlbs = hw.tlbs as Tlbs
  const c = batch.columns as Columns
  const { start, end } = batch
  switch (batch.type) {
    case 'nt.cpuAccess': {
      const access = c.access as ArrayLike<number>
      const hits = c.tlbHit as ArrayLike<number>
      for (let row = start; row < end; row++) {
        const code = access[row] as number
        if (code !== 0 && code !== 1 && code !== 8)
          fail(row - start, 'access', `access code ${code} is not 0 (read), 1 (write) or 8 (execute)`)
        const hit = hits[row] as number
        if (hit === -1) continue
        const level = hit < 0 ? undefined : tlbs[hit >>> HIT_SHIFT]
        const index = hit & 0xffffff
        if (level === undefined || index >= level.entries)
          fail(row - start, 'tlbHit', `TLB entry ${hit} does not exist on this machine`)
        applyTlbHit(level as TlbLevel, index)
      }
      // Each access is one CPU reference toward the 'nt' policy's next tick (machineModel.ts).
      state.mm.applyRecordedReferences(end - start)
      return
    }
    case 'hw.tlbHit': {
      const { tlb, set, way } = c as {
        tlb: ArrayLike<number>
        set: ArrayLike<number>
        way: ArrayLike<number>
      }
      for (let row = start; row < end; row++) {
        const level = tlbs[tlb[row] as number]
        const index = entryIndex(level, set[row] as number, way[row] as number)
        if (index < 0)
          noEntry(fail, row - start, tlbs, tlb[row] as number, set[row] as number, way[row] as number)
        applyTlbHit(level as TlbLevel, index)
      }
      return
    }
    case 'hw.tlbMiss':
    case 'hw.pageWalk':
      applyLevelRows(state, batch, fail)
      return
    case 'hw.tlbFill':
    case 'hw.tlbEvict':
      applyEntryRows(tlbs, hw.frames.frameCount, batch, fail)
      return
    case 'hw.frameAllocated':
    case 'hw.frameFreed': {
      const allocate = batch.type === 'hw.frameAllocated'
      const pfns = c.pfn as ArrayLike<number>
      const frames = hw.frames
      for (let row = start; row < end; row++) {
        const pfn = pfns[row] as number
        if (pfn >= frames.frameCount)
          fail(row - start, 'pfn', `frame ${pfn} is beyond RAM (${frames.frameCount} frames)`)
        if (frames.allocated[pfn] !== (allocate ? 0 : 1))
          fail(row - start, 'pfn', `frame ${pfn} is ${allocate ? 'allocated already' : 'not allocated'}`)
        if (allocate) applyFrameAllocated(frames, pfn)
        else applyFrameFreed(frames, pfn)
      }
      return
    }
    case 'hw.physicalWrite':
    case 'hw.accessedDirtySet':
    case 'hw.pteWritten':
      applyStoreRows(hw.frames, batch, fail)
      return
    default:
      // nt.cpuWriteWords: the data of a write, an input that changes nothing by itself.
      return
  }
}

/** hw.tlbMiss and hw.pageWalk rows: counters of a TLB level that must exist. */
function applyLevelRows(state: MachineState, batch: RowBatch, fail: RowFailure): void {
  const hw = state.mm.mmu.state
  const tlbs = hw.tlbs as Tlbs
  const c = batch.columns as Columns
  const tlb = c.tlb as ArrayLike<number>
  const walk = batch.type === 'hw.pageWalk'
  const address = c.address as ArrayLike<number>
  const references = c.memoryReferences as ArrayLike<number>
  const event = { type: 'hw.pageWalk', tlb: 0, address: 0, memoryReferences: 0 } as {
    -readonly [K in keyof HwPageWalk]: HwPageWalk[K]
  }
  for (let row = batch.start; row < batch.end; row++) {
    const level = tlbs[tlb[row] as number]
    if (level === undefined)
      fail(row - batch.start, 'tlb', `TLB level ${tlb[row]} does not exist on this machine`)
    if (!walk) {
      applyTlbMiss(level as TlbLevel)
      continue
    }
    event.tlb = tlb[row] as 0
    event.address = address[row] as number
    event.memoryReferences = references[row] as number
    applyHwEvent(hw, event)
  }
}

/** hw.tlbFill and hw.tlbEvict rows: the entry they write or drop is the one they name. */
function applyEntryRows(tlbs: Tlbs, frameCount: number, batch: RowBatch, fail: RowFailure): void {
  const c = batch.columns as Columns
  const { start, end } = batch
  const fill = batch.type === 'hw.tlbFill'
  const tlb = c.tlb as ArrayLike<number>
  const set = c.set as ArrayLike<number>
  const way = c.way as ArrayLike<number>
  const tag = c.tag as ArrayLike<number>
  const frame = c.frame as ArrayLike<number>
  const flags = c.flags as ArrayLike<number>
  const pcid = c.pcid as ArrayLike<number>
  const previous = fill ? (c.previousTag as ArrayLike<number>) : tag
  for (let row = start; row < end; row++) {
    const level = tlbs[tlb[row] as number]
    const index = entryIndex(level, set[row] as number, way[row] as number)
    if (index < 0)
      noEntry(fail, row - start, tlbs, tlb[row] as number, set[row] as number, way[row] as number)
    const current = (level as TlbLevel).tags[index] as number
    if (current !== previous[row] || (!fill && current < 0))
      fail(row - start, fill ? 'previousTag' : 'tag', `the entry holds tag ${current}, not ${previous[row]}`)
    if (!fill) {
      applyTlbEvict(level as TlbLevel, index)
      continue
    }
    const pfn = frame[row] as number
    if (!(Number.isInteger(pfn) && pfn >= 0 && pfn < frameCount))
      fail(row - start, 'frame', `frame ${pfn} is beyond RAM (${frameCount} frames)`)
    applyTlbFill(level as TlbLevel, index, tag[row] as number, pfn, flags[row] as number, pcid[row] as number)
  }
}

/**
 * hw.physicalWrite, hw.accessedDirtySet and hw.pteWritten rows: stores inside RAM (a paging
 * entry at an address aligned to its size) of the value the row says memory held before.
 */
function applyStoreRows(frames: FrameStore, batch: RowBatch, fail: RowFailure): void {
  const c = batch.columns as Columns
  const { start, end } = batch
  const address = c.address as ArrayLike<number>
  for (let row = start; row < end; row++) {
    const at = address[row] as number
    const offset = row - start
    if (batch.type === 'hw.physicalWrite') {
      const size = (c.size as ArrayLike<number>)[row] as number
      if (size !== 1 && size !== 2 && size !== 4) fail(offset, 'size', `size ${size} is not 1, 2 or 4`)
      if (!inRam(frames, at, size))
        fail(offset, 'address', `physical address ${at} (+${size}) is outside RAM`)
      const held = size === 4 ? frames.read32(at) : size === 2 ? frames.read16(at) : frames.read8(at)
      const before = (c.previousValue as ArrayLike<number>)[row]
      if (held !== before) fail(offset, 'previousValue', `memory holds ${held}, not ${before}`)
      applyPhysicalWrite(frames, at, size, (c.value as ArrayLike<number>)[row] as number)
    } else if (batch.type === 'hw.accessedDirtySet') {
      if (!inRam(frames, at, 4) || at % 4 !== 0)
        fail(offset, 'address', `entry address ${at} is not an aligned address inside RAM`)
      const before = (c.oldValue as ArrayLike<number>)[row]
      if (frames.read32(at) !== before)
        fail(offset, 'oldValue', `the entry holds ${frames.read32(at)}, not ${before}`)
      applyPhysicalWrite(frames, at, 4, (c.newValue as ArrayLike<number>)[row] as number)
    } else {
      const size = (c.size as ArrayLike<number>)[row] as number
      if (size !== 4 && size !== 8) fail(offset, 'size', `size ${size} is not 4 or 8`)
      if (!inRam(frames, at, size) || at % size !== 0)
        fail(offset, 'address', `entry address ${at} is not an aligned address inside RAM`)
      if (frames.read32(at) !== (c.oldLow as ArrayLike<number>)[row])
        fail(offset, 'oldLow', `the entry's low half is ${frames.read32(at)}`)
      if (size === 8 && frames.read32(at + 4) !== (c.oldHigh as ArrayLike<number>)[row])
        fail(offset, 'oldHigh', `the entry's high half is ${frames.read32(at + 4)}`)
      const low = (c.newLow as ArrayLike<number>)[row] as number
      applyPteWritten(frames, at, size, low, (c.newHigh as ArrayLike<number>)[row] as number)
    }
  }
}
