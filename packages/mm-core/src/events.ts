// The memory manager's events (DESIGN.md "Event sourcing"): one interface per change of mm state,
// the MmEvent union, and applyMmEvent, the only code that changes an MmState. Live code emits each
// event through MmCore.emit, which records it and applies it with this function, so replaying a
// recorded stream (with the hw.* events of @ntmm/hw-mmu interleaved) rebuilds the state exactly.
// Events are plain JSON data; they carry the old values beside the new ones. The two per-fault
// paths that build their events only for a recorder (every fault's mm.pageFault, the soft fault's
// mm.pageReclaimed and mm.mappingCreated: accessFault.ts, transitionFault.ts) apply them from their
// fields with the functions below that applyMmEvent applies the objects with (applyPageFaultOf,
// setPfn's setOwnerFields, applyMappingAdded).

import type { FrameStore } from '@ntmm/hw-mmu'
import { assert } from './assert.js'
import type { MemoryArea, MemoryAreaTypeName, SectionViewInfo } from './memoryArea.js'
import type { AddressSpaceState, LiveAddressSpaceState, MmState } from './mmState.js'
import { PfnState, type PfnStateName } from './pfnDatabase.js'
import { type PfnRecord, setPfn } from './pfnRecord.js'
import {
  type MmRegion,
  type RegionEdit,
  type RegionType,
  applyRegionEdit,
  regionListFrom,
  regionsOf,
} from './region.js'
import { AreaTree } from './areaTree.js'

import { type MmNtPagingEvent, applyNtPagingEvent, isNtPagingEvent } from './ntEvents.js'
import { type MmSectionEvent, applySectionEvent } from './sectionEvents.js'

export type { PfnRecord } from './pfnRecord.js'
export { pfnRecordOf } from './pfnRecord.js'

/** A MEMORY_AREA as plain data (regions listed in order). */
export interface AreaRecord {
  readonly startingAddress: number
  readonly endingAddress: number
  readonly type: MemoryAreaTypeName
  readonly protect: number
  readonly deleteInProgress: boolean
  readonly regions: readonly MmRegion[]
  /** A SECTION_VIEW's segment and offset (absent for every other area). */
  readonly view?: SectionViewInfo
}

/** How a page fault was classified. */
export type PageFaultKind =
  | 'demand-zero'
  | 'hard'
  | 'soft'
  | 'guard'
  | 'access-violation'
  | 'shared-data'
  | 'spurious'
  | 'no-memory'
  | 'copy-on-write'

/** An address space was created for process `pid`, with its page directory (or top-level table) at `directoryPfn`. */
export interface MmAddressSpaceCreated {
  readonly type: 'mm.addressSpaceCreated'
  readonly pid: number
  readonly directoryPfn: number
}

/** Process `pid`'s address space was deleted, with its commit-charge and working-set peaks. */
export interface MmAddressSpaceDeleted {
  readonly type: 'mm.addressSpaceDeleted'
  readonly pid: number
  readonly directoryPfn: number
  readonly commitChargePeak: number
  readonly workingSetPeak: number
}

/** A MEMORY_AREA was inserted into process `pid`'s AVL tree (the record is enough to remove it again). */
export interface MmAreaInserted {
  readonly type: 'mm.areaInserted'
  readonly pid: number
  readonly area: AreaRecord
}

/** A MEMORY_AREA was removed from process `pid`'s AVL tree (the record is enough to insert it again). */
export interface MmAreaRemoved {
  readonly type: 'mm.areaRemoved'
  readonly pid: number
  readonly area: AreaRecord
}

/** DeleteInProgress set (or cleared) on an area. */
export interface MmAreaDeleteInProgress {
  readonly type: 'mm.areaDeleteInProgress'
  readonly pid: number
  readonly startingAddress: number
  readonly deleteInProgress: boolean
  readonly previous: boolean
}

/** MmAlterRegion: the regions removed and added (both in order), and the request that caused it. */
export interface MmRegionsAltered {
  readonly type: 'mm.regionsAltered'
  readonly pid: number
  readonly areaStart: number
  readonly start: number
  readonly length: number
  readonly newType: RegionType
  readonly newProtect: number
  readonly removed: readonly MmRegion[]
  readonly added: readonly MmRegion[]
}

/** Commit charge taken (pages > 0) or returned (pages < 0), system-wide and for the process. */
export interface MmCommitCharged {
  readonly type: 'mm.commitCharged'
  readonly pid: number
  readonly pages: number
  readonly before: { readonly charge: number; readonly peak: number }
  readonly after: { readonly charge: number; readonly peak: number }
  readonly processBefore: { readonly charge: number; readonly peak: number }
  readonly processAfter: { readonly charge: number; readonly peak: number }
}

/** A page fault handled by MmAccessFault, with its classification and outcome. */
export interface MmPageFault {
  readonly type: 'mm.pageFault'
  readonly pid: number
  readonly address: number
  readonly access: 'read' | 'write' | 'execute'
  readonly mode: 'user' | 'supervisor'
  readonly kind: PageFaultKind
  /** 'resolved': the access is retried; 'exception': the process sees the exception. */
  readonly outcome: 'resolved' | 'exception'
  /** The NTSTATUS MmAccessFault returned. */
  readonly status: number
  /** Why, in words (e.g. 'region reserved', 'write to PAGE_READONLY'). */
  readonly cause: string
}

/** A frame taken from a list (MmRequestPageMemoryConsumer) for a page, a page table or the system. */
export interface MmFrameRequested {
  readonly type: 'mm.frameRequested'
  readonly pfn: number
  /** A process's private page, a paging structure, the system's frame, or a section's page. */
  readonly purpose: 'private-page' | 'page-table' | 'system' | 'segment-page'
  readonly pid: number
  readonly address: number
  readonly before: PfnRecord
  readonly after: PfnRecord
}

/** A frame returned to the free list (MmReleasePageMemoryConsumer). */
export interface MmFrameReleased {
  readonly type: 'mm.frameReleased'
  readonly pfn: number
  readonly before: PfnRecord
  readonly after: PfnRecord
}

/** MmCreateVirtualMapping: a valid PTE now maps `address` to `pfn` (the PTE write itself is an hw event). */
export interface MmMappingCreated {
  readonly type: 'mm.mappingCreated'
  readonly pid: number
  readonly address: number
  readonly pfn: number
  /** The page's protection (5-bit mask). */
  readonly protectMask: number
  readonly before: PfnRecord
  readonly after: PfnRecord
}

/** MmDeleteVirtualMapping: the valid PTE of `address` is gone. */
export interface MmMappingDeleted {
  readonly type: 'mm.mappingDeleted'
  readonly pid: number
  readonly address: number
  readonly pfn: number
  readonly before: PfnRecord
  readonly after: PfnRecord
}

/** The protection of a resident page changed (MMPFN.OriginalPte.Protection; the PTE rewrite is an hw event). */
export interface MmPageProtectionChanged {
  readonly type: 'mm.pageProtectionChanged'
  readonly pid: number
  readonly address: number
  readonly pfn: number
  readonly protectMask: number
  readonly previousProtectMask: number
}

/** A working-set page aged (or given a second chance) by the replacement policy. */
export interface MmPageAged {
  readonly type: 'mm.pageAged'
  readonly pfn: number
  readonly age: number
  readonly previousAge: number
  /** Moved to the tail of the working-set list (second chance). */
  readonly movedToTail: boolean
}

/**
 * A page left its working set: dirty pages go to the modified list, clean ones with a page-file
 * copy to standby, and clean pages never written (all zeros) are dropped (frame freed).
 */
export interface MmPageOut {
  readonly type: 'mm.pageOut'
  readonly pid: number
  readonly address: number
  readonly pfn: number
  readonly outcome: 'modified' | 'standby' | 'dropped'
  readonly before: PfnRecord
  readonly after: PfnRecord
}

/** The modified page writer wrote a page to the page file (frame goes to standby). */
export interface MmPageWritten {
  readonly type: 'mm.pageWritten'
  readonly pfn: number
  readonly slot: number
  readonly before: PfnRecord
  readonly after: PfnRecord
  /** The 'nt' policy's writer: the balance-set tick that caused the write (absent for other policies). */
  readonly tick?: number
  /** The 'nt' policy's writer: the cluster (write I/O) the page was part of. */
  readonly cluster?: number
}

/** A hard fault read a page back from the page file into `pfn`. */
export interface MmPageIn {
  readonly type: 'mm.pageIn'
  readonly pid: number
  readonly address: number
  readonly pfn: number
  readonly slot: number
}

/** A soft fault took a frame back from the standby or modified list (mm.mappingCreated follows). */
export interface MmPageReclaimed {
  readonly type: 'mm.pageReclaimed'
  readonly pid: number
  readonly address: number
  readonly pfn: number
  readonly before: PfnRecord
  readonly after: PfnRecord
}

/** A page-file slot was freed (its page was decommitted, released, or is resident and rewritten). */
export interface MmPageFileSlotFreed {
  readonly type: 'mm.pageFileSlotFreed'
  readonly slot: number
}

/** Every mm event. */
export type MmEvent =
  | MmAddressSpaceCreated
  | MmAddressSpaceDeleted
  | MmAreaInserted
  | MmAreaRemoved
  | MmAreaDeleteInProgress
  | MmRegionsAltered
  | MmCommitCharged
  | MmPageFault
  | MmFrameRequested
  | MmFrameReleased
  | MmMappingCreated
  | MmMappingDeleted
  | MmPageProtectionChanged
  | MmPageAged
  | MmPageOut
  | MmPageWritten
  | MmPageIn
  | MmPageReclaimed
  | MmPageFileSlotFreed
  | MmSectionEvent
  | MmNtPagingEvent

/** Every mm event type string. */
export type MmEventType = MmEvent['type']

/** An area as plain data. */
export function areaToRecord(area: MemoryArea): AreaRecord {
  return {
    startingAddress: area.startingAddress,
    endingAddress: area.endingAddress,
    type: area.type,
    protect: area.protect,
    deleteInProgress: area.deleteInProgress,
    regions: regionsOf(area.regions),
    ...(area.view === undefined ? {} : { view: area.view }),
  }
}

/** The area a record describes. */
export function areaFromRecord(record: AreaRecord): MemoryArea {
  return {
    startingAddress: record.startingAddress,
    endingAddress: record.endingAddress,
    type: record.type,
    protect: record.protect,
    deleteInProgress: record.deleteInProgress,
    regions: regionListFrom(record.startingAddress, record.endingAddress, record.regions),
    ...(record.view === undefined ? {} : { view: record.view }),
  }
}

/**
 * Replace space `pid`'s record (records are shared by checkpoints, never changed in place). By
 * hand, not with immer: measured interleaved in one process, produce doubled these events' cost
 * (reserve + release, three area events: 7.2 → 14.9 µs; commit + decommit: 6.6 → 11.9 µs) on
 * services that cost a few µs in all, and the working-set counters change on every fault.
 */
function updateSpace(
  state: MmState,
  pid: number,
  change: (space: AddressSpaceState) => AddressSpaceState,
): void {
  const space = state.spaces.get(pid)
  assert(space !== undefined, () => `mm event for unknown address space ${pid}`)
  state.spaces.set(pid, change(space))
}

/**
 * On the fault path (every mapping and page-out): the live record's two working-set counters
 * changed in place. The state's records are its own: a checkpoint copies them and a restore copies
 * them back (MmState.checkpoint, restore), so no checkpoint sees the change. A new record per call
 * (written out field by field: a spread was a tenth of a sweep's time) and its Map write were two
 * objects and two Map writes per fault of a sweep (docs/performance.md, issue 22's sweeps, third
 * pass). Exported for the page-out path, which applies an unrecorded mm.pageOut from its fields
 * (pageOutUnrecorded.ts).
 */
export function workingSetDelta(state: MmState, pid: number, delta: number): void {
  const space = state.spaces.get(pid) as LiveAddressSpaceState | undefined
  assert(space !== undefined, () => `mm event for unknown address space ${pid}`)
  const size = space.workingSetSize + delta
  space.workingSetSize = size
  if (size > space.workingSetPeak) space.workingSetPeak = size
}

/**
 * Apply mm.regionsAltered: the area's new region list, the space's new tree. Literals, not spreads
 * of the space and the area (V8's generic clone): a copy-on-write fault alters its view's regions,
 * and the two spreads were a tenth of that fault's time (bench 4, docs/performance.md). Exported
 * for the copy-on-write fault, which applies its event without applyMmEvent's switch when no
 * recorder is attached (alterViewRegion.ts).
 */
export function applyRegionsAltered(state: MmState, event: MmRegionsAltered): void {
  applyRegionsAlteredAt(state, event.pid, event.areaStart, { removed: event.removed, added: event.added })
}

/**
 * {@link applyRegionsAltered} from the event's fields: the copy-on-write fault's unrecorded region
 * edit applies its plan without building the event (alterViewRegion.ts).
 */
export function applyRegionsAlteredAt(
  state: MmState,
  pid: number,
  areaStart: number,
  edit: RegionEdit,
): void {
  const space = state.spaces.get(pid)
  // The message's closure made only on failure (this runs on every copy-on-write fault).
  if (space === undefined) assert(false, () => `mm event for unknown address space ${pid}`)
  const area = space.tree.locate(areaStart)
  assert(area !== undefined && area.startingAddress === areaStart, 'mm.regionsAltered: no area')
  const regions = applyRegionEdit(area.regions, edit)
  const altered: MemoryArea =
    area.view === undefined
      ? {
          startingAddress: area.startingAddress,
          endingAddress: area.endingAddress,
          type: area.type,
          protect: area.protect,
          deleteInProgress: area.deleteInProgress,
          regions,
        }
      : {
          startingAddress: area.startingAddress,
          endingAddress: area.endingAddress,
          type: area.type,
          protect: area.protect,
          deleteInProgress: area.deleteInProgress,
          regions,
          view: area.view,
        }
  state.spaces.set(pid, {
    pid: space.pid,
    tree: space.tree.replaceSameBounds(altered),
    directoryPfn: space.directoryPfn,
    commitCharge: space.commitCharge,
    commitChargePeak: space.commitChargePeak,
    workingSetSize: space.workingSetSize,
    workingSetPeak: space.workingSetPeak,
  })
}

/**
 * The counter a fault of `kind` adds to (none for a shared-data fault; a copy-on-write fault is
 * counted in the section counters by mm.copyOnWrite). A switch, not a lookup table: a table read
 * with the kind as its key is a keyed load over several names, which V8 serves from its stub
 * cache, and on the fault path that cache missed on every fault (bench/ntPaging.ts's profile).
 */
function countFault(counters: MmState['counters'], kind: PageFaultKind): void {
  switch (kind) {
    case 'demand-zero':
      counters.demandZeroFaults++
      return
    case 'hard':
      counters.hardFaults++
      return
    case 'soft':
      counters.softFaults++
      return
    case 'guard':
      counters.guardPageFaults++
      return
    case 'access-violation':
      counters.accessViolations++
      return
    case 'spurious':
      counters.spuriousFaults++
      return
    case 'no-memory':
      counters.failedFaults++
      return
    case 'shared-data':
    case 'copy-on-write':
      return
  }
}

/**
 * Apply an `mm.pageFault` (MmAccessFault's count of a fault, per kind and, under 'nt', per
 * process). Its own function so that the fault path can apply its one per-fault event without
 * {@link applyMmEvent}'s switch (see MmCore.emitPageFault).
 */
export function applyPageFault(state: MmState, event: MmPageFault): void {
  applyPageFaultOf(state, event.pid, event.kind)
}

/**
 * {@link applyPageFault} from the event's fields: MmAccessFault applies its fault this way when no
 * recorder is attached (MmCore.emitPageFault), without the event object.
 */
export function applyPageFaultOf(state: MmState, pid: number, kind: PageFaultKind): void {
  state.counters.pageFaults++
  countFault(state.counters, kind)
  if (state.nt !== undefined) state.nt.pageFaults.set(pid, (state.nt.pageFaults.get(pid) ?? 0) + 1)
}

/**
 * The rest of mm.mappingCreated once its frame's PFN entry says `after` (setPfn): the page joins
 * its process's working set; under 'nt' it takes the process's page priority, and a section page's
 * entry starts at age 0. Exported for the soft fault (transitionFault.ts), which applies its
 * mapping from the fields when no recorder is attached.
 */
export function applyMappingAdded(
  state: MmState,
  pid: number,
  address: number,
  pfn: number,
  sectionPage: boolean,
): void {
  workingSetDelta(state, pid, 1)
  // The 'nt' policy: the page takes its process's priority (the standby sub-list it goes to).
  if (state.nt !== undefined) {
    state.pfn.priority[pfn] = state.nt.process(pid).priority
    // A section page's new entry starts at age 0.
    if (sectionPage) state.nt.sharedAges.delete(`${pid}:${address}`)
  }
}

/**
 * Apply mm.pageIn (a page read back from the page file: counted). Exported, with
 * {@link applyPageFileSlotFreed}, for the hard fault, which applies them from their fields when no
 * recorder is attached (virtualMemoryFault.ts).
 */
export function applyPageIn(state: MmState): void {
  state.counters.pagesRead++
}

/** Apply mm.pageFileSlotFreed: the slot is free again (MmFreeSwapPage). */
export function applyPageFileSlotFreed(state: MmState, slot: number): void {
  state.pageFile.free(slot)
}

/**
 * mm.pageOut of a private page from its fields (pageMemoryConsumer.ts pageOut without a recorder):
 * what the case below applies with the event's `after` (a dropped page's frame FREE and unowned; a
 * trimmed one's on the STANDBY or MODIFIED list, owner kept, `dirty` its modified flag).
 */
export function applyPrivatePageOut(
  state: MmState,
  pid: number,
  address: number,
  pfn: number,
  outcome: MmPageOut['outcome'],
  protectMask: number,
  pageFileSlot: number,
  dirty: boolean,
): void {
  const pfnDb = state.pfn
  if (outcome === 'dropped') {
    state.counters.pagesDropped++
    if (pfnDb.state[pfn] !== PfnState.FREE) pfnDb.setState(pfn, 'FREE')
    pfnDb.setOwnerFields(pfn, -1, 0, 0, -1, false, -1, 0)
  } else {
    const list = outcome === 'modified' ? 'MODIFIED' : 'STANDBY'
    if (pfnDb.state[pfn] !== PfnState[list]) pfnDb.setState(pfn, list)
    pfnDb.setOwnerFields(pfn, pid, address, protectMask, pageFileSlot, dirty, -1, 0)
  }
  workingSetDelta(state, pid, -1)
}

/** mm.pageWritten's copy and count (its PFN entry's `after` is set by the caller). */
export function applyPageWritten(state: MmState, frames: FrameStore, slot: number, pfn: number): void {
  state.pageFile.writeFrame(slot, frames, pfn)
  state.counters.pagesWritten++
}

/**
 * The counts of an mm.frameRequested (a frame repurposed from standby or modified, a page table
 * made), before its PFN entry becomes the event's `after`. Exported for the frame request
 * (pageMemoryConsumer.ts), which applies its event from the fields when no recorder is attached.
 */
export function countFrameRequested(
  state: MmState,
  pfn: number,
  purpose: MmFrameRequested['purpose'],
  beforeState: PfnStateName,
): void {
  if (beforeState === 'STANDBY' || beforeState === 'MODIFIED') {
    state.counters.framesRepurposed++
    if (state.nt !== undefined) state.nt.counters.repurposedByPriority[state.pfn.priority[pfn]!]!++
  }
  if (purpose === 'page-table') state.counters.pageTablesCreated++
}

/**
 * Apply one mm event to `state`. `frames` is the physical memory the page file reads from
 * (mm.pageWritten copies the frame into its slot). The live memory manager changes its state
 * only through this function (MmCore.emit).
 */
export function applyMmEvent(state: MmState, event: MmEvent, frames: FrameStore): void {
  switch (event.type) {
    case 'mm.addressSpaceCreated':
      assert(!state.spaces.has(event.pid), () => `address space ${event.pid} created twice`)
      state.spaces.set(event.pid, {
        pid: event.pid,
        tree: AreaTree.empty,
        directoryPfn: event.directoryPfn,
        commitCharge: 0,
        commitChargePeak: 0,
        workingSetSize: 0,
        workingSetPeak: 0,
      })
      state.spaceGeneration++
      return
    case 'mm.addressSpaceDeleted':
      state.spaces.delete(event.pid)
      state.spaceGeneration++
      state.nt?.processes.delete(event.pid)
      state.nt?.pageFaults.delete(event.pid)
      if (state.nt !== undefined)
        for (const key of [...state.nt.sharedAges.keys()])
          if (key.startsWith(`${event.pid}:`)) state.nt.sharedAges.delete(key)
      return
    case 'mm.areaInserted':
      updateSpace(state, event.pid, (space) => ({
        ...space,
        tree: space.tree.insert(areaFromRecord(event.area)),
      }))
      return
    case 'mm.areaRemoved':
      updateSpace(state, event.pid, (space) => ({
        ...space,
        tree: space.tree.remove(event.area.startingAddress),
      }))
      return
    case 'mm.areaDeleteInProgress':
      updateSpace(state, event.pid, (space) => {
        const area = space.tree.locate(event.startingAddress)
        assert(area !== undefined, 'mm.areaDeleteInProgress: no area')
        return { ...space, tree: space.tree.replace({ ...area, deleteInProgress: event.deleteInProgress }) }
      })
      return
    case 'mm.regionsAltered':
      applyRegionsAltered(state, event)
      return
    case 'mm.commitCharged':
      state.commit = { charge: event.after.charge, peak: event.after.peak, limit: state.commit.limit }
      if (state.spaces.has(event.pid)) {
        updateSpace(state, event.pid, (space) => ({
          ...space,
          commitCharge: event.processAfter.charge,
          commitChargePeak: event.processAfter.peak,
        }))
      }
      return
    case 'mm.pageFault':
      applyPageFault(state, event)
      return
    case 'mm.frameRequested':
      countFrameRequested(state, event.pfn, event.purpose, event.before.state)
      setPfn(state, event.pfn, event.after)
      return
    case 'mm.frameReleased':
      setPfn(state, event.pfn, event.after)
      return
    case 'mm.mappingCreated':
      setPfn(state, event.pfn, event.after)
      applyMappingAdded(state, event.pid, event.address, event.pfn, event.after.segmentId !== undefined)
      return
    case 'mm.mappingDeleted':
      setPfn(state, event.pfn, event.after)
      workingSetDelta(state, event.pid, -1)
      // 'nt': a section page's entry leaves with its mapping (a new one starts at age 0).
      if (event.after.segmentId !== undefined) state.nt?.sharedAges.delete(`${event.pid}:${event.address}`)
      return
    case 'mm.pageProtectionChanged':
      state.pfn.protectMask[event.pfn] = event.protectMask
      return
    case 'mm.pageAged':
      state.pfn.age[event.pfn] = event.age
      if (event.movedToTail) state.pfn.setState(event.pfn, 'ACTIVE')
      return
    case 'mm.pageOut':
      if (event.outcome === 'dropped') state.counters.pagesDropped++
      setPfn(state, event.pfn, event.after)
      workingSetDelta(state, event.pid, -1)
      return
    case 'mm.pageWritten':
      applyPageWritten(state, frames, event.slot, event.pfn)
      setPfn(state, event.pfn, event.after)
      return
    case 'mm.pageIn':
      applyPageIn(state)
      return
    case 'mm.pageReclaimed':
      setPfn(state, event.pfn, event.after)
      return
    case 'mm.pageFileSlotFreed':
      applyPageFileSlotFreed(state, event.slot)
      return
    default:
      if (isNtPagingEvent(event)) applyNtPagingEvent(state, event)
      else applySectionEvent(state, event, frames)
  }
}
