// The events of the 'nt' policy (NT-PAGING.md §3) and their applier: balance-set ticks, pages
// trimmed from working sets (with the tick and the reason), the modified page writer's write I/Os
// (one per cluster; each page's write is an mm.pageWritten naming the same tick and cluster), the
// zero page thread's zeroing, and the per-process working-set parameters (SetProcessWorkingSetSizeEx,
// the page priority, VirtualLock). applyMmEvent hands these to applyNtPagingEvent.

import { assert } from './assert.js'
import type { MmState } from './mmState.js'
import type { NtPagingState } from './ntPagingState.js'
import { type PfnRecord, setPfn } from './pfnRecord.js'

/** Why a balance-set tick ran. */
export type BalanceSetTickReason = 'references' | 'explicit' | 'low memory'

/** A balance-set tick began (the working-set manager, the modified page writer and the zero page thread follow). */
export interface MmBalanceSetTick {
  readonly type: 'mm.balanceSetTick'
  readonly tick: number
  readonly previousTick: number
  readonly reason: BalanceSetTickReason
}

/** Why a page left its working set. */
export type WorkingSetTrimReason =
  | 'working-set manager'
  | 'local replacement'
  | 'empty working set'
  | 'maximum lowered'
  | 'low memory'

/**
 * A page left process `pid`'s working set: its PTE became a transition PTE and its frame went to
 * the modified list (dirty) or the standby list of its priority (clean, with a page-file copy);
 * or, a section page ('shared'), the process's PTE became a prototype PTE and the frame's share
 * count dropped (an mm.sharedPageOut naming the same tick follows when no working set holds it).
 */
export interface MmWorkingSetTrimmed {
  readonly type: 'mm.workingSetTrimmed'
  readonly pid: number
  readonly address: number
  readonly pfn: number
  /** The tick whose pass trimmed it, or the last tick for a trim between ticks (local replacement, an explicit empty). */
  readonly tick: number
  readonly reason: WorkingSetTrimReason
  readonly outcome: 'standby' | 'modified' | 'shared'
  readonly before: PfnRecord
  readonly after: PfnRecord
}

/** One process's working-set entry for a section page aged (by that process's accessed bit). */
export interface MmSharedEntryAged {
  readonly type: 'mm.sharedEntryAged'
  readonly pid: number
  readonly address: number
  readonly age: number
  readonly previousAge: number
}

/**
 * A page table of process `pid` became resident again, or for the first time (NT-PAGING.md §3.8):
 * a fault (or a service walking the PTEs) below a PDE that was zero (a demand-zero table, counted
 * in DemandZeroCount), in transition (a soft fault, TransitionCount) or in the page file (a hard
 * fault, its read an mm.pageIn). The table is an entry of the working set again.
 */
export interface MmPageTableIn {
  readonly type: 'mm.pageTableIn'
  readonly pid: number
  /** The first virtual address the table maps. */
  readonly address: number
  readonly pfn: number
  readonly resolution: 'demand-zero' | 'transition' | 'page file'
  readonly before: PfnRecord
  readonly after: PfnRecord
}

/**
 * A page table left process `pid`'s working set (it mapped no valid and no transition PTE): its
 * PDE became a transition PDE and its frame went to standby (its page-file copy is current) or
 * modified; or, mapping nothing at all, it was deleted (PDE zero, frame freed).
 */
export interface MmPageTableTrimmed {
  readonly type: 'mm.pageTableTrimmed'
  readonly pid: number
  /** The first virtual address the table maps. */
  readonly address: number
  readonly pfn: number
  readonly tick: number
  readonly reason: WorkingSetTrimReason
  readonly outcome: 'standby' | 'modified' | 'deleted'
  readonly before: PfnRecord
  readonly after: PfnRecord
}

/** The modified page writer issued one write I/O of `slots.length` pages (their mm.pageWritten events follow). */
export interface MmClusterWritten {
  readonly type: 'mm.clusterWritten'
  readonly tick: number
  /** The cluster's number in this run of the writer (0, 1, ...). */
  readonly cluster: number
  readonly pfns: readonly number[]
  readonly slots: readonly number[]
  readonly cause: 'threshold' | 'low memory' | 'flush'
}

/** The zero page thread zeroed a free frame and moved it to the zeroed list. */
export interface MmPageZeroed {
  readonly type: 'mm.pageZeroed'
  readonly pfn: number
  readonly tick: number
  readonly before: PfnRecord
  readonly after: PfnRecord
}

/** Working-set limits and QUOTA_LIMITS_HARDWS_* flags set (SetProcessWorkingSetSizeEx). */
export interface MmWorkingSetLimitsSet {
  readonly type: 'mm.workingSetLimitsSet'
  readonly pid: number
  readonly minimum: number
  readonly maximum: number
  readonly flags: number
  readonly previous: { readonly minimum: number; readonly maximum: number; readonly flags: number }
}

/** A process's page priority set (SetProcessInformation ProcessMemoryPriority). */
export interface MmPagePrioritySet {
  readonly type: 'mm.pagePrioritySet'
  readonly pid: number
  readonly priority: number
  readonly previous: number
}

/** Pages locked in (or unlocked from) a working set (VirtualLock / VirtualUnlock). */
export interface MmPagesLocked {
  readonly type: 'mm.pagesLocked'
  readonly pid: number
  readonly addresses: readonly number[]
  readonly locked: boolean
}

/** Every event of the 'nt' policy. */
export type MmNtPagingEvent =
  | MmBalanceSetTick
  | MmWorkingSetTrimmed
  | MmClusterWritten
  | MmPageZeroed
  | MmWorkingSetLimitsSet
  | MmPagePrioritySet
  | MmPagesLocked
  | MmPageTableIn
  | MmPageTableTrimmed
  | MmSharedEntryAged

/** Every kind of event of the 'nt' policy, in a stable order (the machine trace's kind ids follow it). */
export const NT_PAGING_EVENT_TYPES = [
  'mm.balanceSetTick',
  'mm.workingSetTrimmed',
  'mm.clusterWritten',
  'mm.pageZeroed',
  'mm.workingSetLimitsSet',
  'mm.pagePrioritySet',
  'mm.pagesLocked',
  'mm.pageTableIn',
  'mm.pageTableTrimmed',
  'mm.sharedEntryAged',
] as const satisfies readonly MmNtPagingEvent['type'][]

const ntTypes: ReadonlySet<string> = new Set<string>(NT_PAGING_EVENT_TYPES)

/** True for an event of the 'nt' policy. */
export function isNtPagingEvent(event: { readonly type: string }): event is MmNtPagingEvent {
  return ntTypes.has(event.type)
}

function ntOf(state: MmState): NtPagingState {
  const nt = state.nt
  assert(nt !== undefined, 'an nt paging event on a machine without the nt policy')
  return nt
}

/** Apply one event of the 'nt' policy to `state`. */
export function applyNtPagingEvent(state: MmState, event: MmNtPagingEvent): void {
  const nt = ntOf(state)
  switch (event.type) {
    case 'mm.balanceSetTick':
      nt.tick = event.tick
      nt.counters.ticks++
      // The references that made it fall due are used up (countReferences counted them first).
      if (event.reason === 'references') nt.referencesSinceTick -= nt.config.tickEvery
      return
    case 'mm.workingSetTrimmed': {
      setPfn(state, event.pfn, event.after)
      nt.counters.pagesTrimmed++
      if (event.outcome === 'shared') nt.sharedAges.delete(`${event.pid}:${event.address}`)
      const space = state.spaces.get(event.pid)
      assert(space !== undefined, () => `mm.workingSetTrimmed for unknown address space ${event.pid}`)
      state.spaces.set(event.pid, { ...space, workingSetSize: space.workingSetSize - 1 })
      return
    }
    case 'mm.pageTableIn': {
      setPfn(state, event.pfn, event.after)
      state.pfn.priority[event.pfn] = nt.process(event.pid).priority
      if (event.resolution === 'demand-zero') nt.counters.pageTableDemandZero++
      else if (event.resolution === 'transition') nt.counters.pageTableTransitions++
      else nt.counters.pageTableReads++
      // Each level's fault counts (NT-PAGING.md §3.4): the table's resolution is a page fault of
      // the process, as NT's nested fault on the table's own address is.
      nt.pageFaults.set(event.pid, (nt.pageFaults.get(event.pid) ?? 0) + 1)
      const space = state.spaces.get(event.pid)
      assert(space !== undefined, () => `mm.pageTableIn for unknown address space ${event.pid}`)
      const size = space.workingSetSize + 1
      state.spaces.set(event.pid, {
        ...space,
        workingSetSize: size,
        workingSetPeak: Math.max(space.workingSetPeak, size),
      })
      return
    }
    case 'mm.pageTableTrimmed': {
      setPfn(state, event.pfn, event.after)
      nt.counters.pageTablesTrimmed++
      const space = state.spaces.get(event.pid)
      assert(space !== undefined, () => `mm.pageTableTrimmed for unknown address space ${event.pid}`)
      state.spaces.set(event.pid, { ...space, workingSetSize: space.workingSetSize - 1 })
      return
    }
    case 'mm.sharedEntryAged':
      nt.sharedAges.set(`${event.pid}:${event.address}`, event.age)
      return
    case 'mm.clusterWritten':
      nt.counters.dirtyWriteIos++
      return
    case 'mm.pageZeroed':
      setPfn(state, event.pfn, event.after)
      nt.counters.pagesZeroed++
      return
    case 'mm.workingSetLimitsSet':
      nt.update(event.pid, (p) => ({
        ...p,
        minimum: event.minimum,
        maximum: event.maximum,
        flags: event.flags,
      }))
      return
    case 'mm.pagePrioritySet':
      nt.update(event.pid, (p) => ({ ...p, priority: event.priority }))
      return
    case 'mm.pagesLocked':
      nt.update(event.pid, (p) => {
        const locked = new Set(p.lockedPages)
        for (const address of event.addresses) {
          if (event.locked) locked.add(address)
          else locked.delete(address)
        }
        return { ...p, lockedPages: locked }
      })
      return
  }
}
