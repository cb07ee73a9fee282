// Time and frame supply under the 'nt' policy (NT-PAGING.md §3.1, §3.2; NT's KeBalanceSetManager
// and MmWorkingSetManager, ARM3 MiRemoveZeroPage / MiRemoveAnyPage). A balance-set tick runs, in
// this order, the working-set manager pass, the modified page writer and the zero page thread; it
// comes every `tickEvery` CPU references, on an explicit call, and from a frame request that finds
// available pages below MinimumFreePages (the working-set manager's event). A frame comes from
//
//   a demand-zero page:  zeroed → free (zeroed now) → standby (lowest priority, oldest; zeroed now)
//   a page-in:           free → zeroed → standby (no zeroing: the read fills the frame)
//
// and never directly from the modified list. When nothing is available the request keeps ticking
// (the faulting thread waits while pages age and are written); after a few ticks in vain it trims
// the oldest page of the largest working set.

import { assert } from './assert.js'
import type { MmCore } from './mmCore.js'
import { KERNEL_SPACE_ID } from './mmState.js'
import type { BalanceSetTickReason } from './ntEvents.js'
import { modifiedPageWriter, zeroPageThread } from './ntModifiedPageWriter.js'
import { type NtPagingOptions, resolveNtPagingOptions } from './ntPagingOptions.js'
import { ntPageTableIn } from './ntPageTables.js'
import { NtPagingState } from './ntPagingState.js'
import {
  availablePages,
  growWorkingSet,
  lowMemoryTrim,
  ntStateOf,
  workingSetManagerPass,
} from './ntWorkingSets.js'
import { type FrameRequest, emitRequested, repurposeStandby } from './pageMemoryConsumer.js'
import { pfnRecordOf } from './pfnRecord.js'

/** Ticks a frame request waits before it trims below soft minimums (a page untouched for that long is trimmed anyway). */
const PATIENT_TICKS = 4

/** Put the 'nt' policy in force on a fresh machine: its state and the fault path's hooks. */
export function installNtPaging(
  core: MmCore,
  options: NtPagingOptions | undefined,
  frameCount: number,
): void {
  core.state.nt = new NtPagingState(resolveNtPagingOptions(options, frameCount))
  core.ntFrameRequest = ntRequestPageMemoryConsumer
  core.ntBeforeGrow = growWorkingSet
  core.ntPageTableIn = ntPageTableIn
}

/** One balance-set tick: the working-set manager, the modified page writer, the zero page thread. Its number. */
export function balanceSetTick(core: MmCore, reason: BalanceSetTickReason): number {
  const nt = ntStateOf(core)
  const tick = nt.tick + 1
  core.emit({ type: 'mm.balanceSetTick', tick, previousTick: nt.tick, reason })
  workingSetManagerPass(core, tick)
  modifiedPageWriter(core, tick, 'tick')
  zeroPageThread(core, tick)
  return tick
}

/** Count `count` CPU references; run the ticks that fall due (none when tickEvery is 0). The ticks run. */
export function countReferences(core: MmCore, count: number): number {
  const nt = ntStateOf(core)
  const every = nt.config.tickEvery
  if (every === 0) return 0
  let ticks = 0
  nt.referencesSinceTick += count
  // Each tick's event takes `every` references off (ntEvents.ts), so a replay of the events and
  // the recorded accesses counts the same.
  while (nt.referencesSinceTick >= every) {
    balanceSetTick(core, 'references')
    ticks++
  }
  return ticks
}

/**
 * The CPU's side of `MemoryManager.countReferences`: one reference per access, counted in place on the
 * policy's state (the same counter, so a tick falls on exactly the reference it falls on through
 * countReferences), mm-core entered only when a tick falls due. Small enough for V8 to inline into
 * the access path: the state object is the machine's own for its lifetime (installNtPaging makes
 * it once; restores and replays change its fields in place), and tickEvery is configuration.
 */
export class ReferenceCounter {
  private readonly nt: NtPagingState
  private readonly every: number

  constructor(private readonly core: MmCore) {
    this.nt = ntStateOf(core)
    this.every = this.nt.config.tickEvery
    assert(this.every > 0, 'references count toward ticks only when tickEvery is not 0')
  }

  /** One CPU reference: countReferences(core, 1). */
  count(): void {
    if (++this.nt.referencesSinceTick >= this.every) countReferences(this.core, 0)
  }
}

/** The standby frame to repurpose: the oldest of the lowest priority. */
function standbyVictim(core: MmCore): number | undefined {
  const pfnDb = core.state.pfn
  let best: number | undefined
  let bestPriority = 8
  for (let pfn = pfnDb.first('STANDBY'); pfn !== undefined; pfn = pfnDb.nextOnList(pfn)) {
    const priority = pfnDb.priority[pfn]!
    if (priority < bestPriority) {
      best = pfn
      bestPriority = priority
      if (priority === 0) break
    }
  }
  return best
}

/** A frame off the available lists in the request's order (see the file comment), or undefined. */
function takeAvailable(core: MmCore, request: FrameRequest): number | undefined {
  const pfnDb = core.state.pfn
  const frames = core.machine.frames
  const overwritten = request.contents === 'overwritten'
  let pfn = overwritten
    ? (pfnDb.first('FREE') ?? pfnDb.first('ZEROED'))
    : (pfnDb.first('ZEROED') ?? pfnDb.first('FREE'))
  if (pfn !== undefined) {
    const before = pfnRecordOf(core.state, pfn)
    frames.allocateSpecific(pfn)
    if (!overwritten && before.state === 'FREE' && !frames.isPristine(pfn)) frames.zero(pfn)
    emitRequested(core, pfn, request, before)
    return pfn
  }
  pfn = standbyVictim(core)
  if (pfn === undefined) return undefined
  const before = pfnRecordOf(core.state, pfn)
  repurposeStandby(core, pfn, before)
  if (!overwritten) frames.zero(pfn)
  emitRequested(core, pfn, request, before)
  return pfn
}

/** MmRequestPageMemoryConsumer under 'nt' (see the file comment); undefined when memory is exhausted. */
export function ntRequestPageMemoryConsumer(core: MmCore, request: FrameRequest): number | undefined {
  const nt = ntStateOf(core)
  if (request.purpose === 'private-page' && request.pid !== KERNEL_SPACE_ID) growWorkingSet(core, request.pid)
  if (availablePages(core) < nt.config.minimumFreePages) balanceSetTick(core, 'low memory')
  // Each wait after the patient ones trims a page (which the next tick's writer cleans when dirty),
  // so the bound is the frame count; past it the page file is full and nothing can be cleaned.
  const limit = core.state.pfn.frameCount + PATIENT_TICKS + 2
  for (let attempt = 0; attempt <= limit; attempt++) {
    const pfn = takeAvailable(core, request)
    if (pfn !== undefined) return pfn
    if (attempt >= PATIENT_TICKS && !lowMemoryTrim(core) && core.state.pfn.count('MODIFIED') === 0)
      return undefined
    balanceSetTick(core, 'low memory')
  }
  return undefined
}
