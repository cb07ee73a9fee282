// The memory manager facade (the contract of /work/notes/mm-contract.md): address spaces with their
// page directories, memory areas (MmCreateMemoryArea / MmFreeMemoryArea), MmAlterRegion with its
// MmModifyAttributes callback, partial releases, NtQueryVirtualMemory's answer, the page-fault
// entry, commit charge, counters, the recorder, and snapshot/restore/digest composed with the
// hardware's. Callers pass validated, rounded arguments (system-call rules live in nt-syscalls);
// every operation returns a status and never throws for a caller's mistake.

import {
  applyHwEvent,
  type HwEvent,
  type HwRecordingLane,
  type HwSnapshot,
  Mmu,
  type PageFault,
  type TlbConfig,
  type TlbPresetName,
  encodePte,
  levelCount,
} from '@ntmm/hw-mmu'
import { type AccessFaultResult, mmAccessFault } from './accessFault.js'
import { AddressSpace } from './addressSpace.js'
import { type AddressSpaceLayout, type Architecture, addressSpaceLayout } from './addressSpaceLayout.js'
import { checkAreaTree } from './areaTree.js'
import { assert } from './assert.js'
import { canCharge, chargedState } from './commitCharge.js'
import { areaToRecord } from './events.js'
import type { MmEvent } from './events.js'
import { MmuMachine } from './mmuMachine.js'
import { type MemoryArea, type MemoryAreaTypeName, areaLength } from './memoryArea.js'
import {
  MEM_COMMIT,
  MEM_FREE,
  MEM_MAPPED,
  MEM_PRIVATE,
  MEM_RESERVE,
  MM_ALLOCATION_GRANULARITY,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_SIZE,
} from './memoryConstants.js'
import { MmCore, type MmRecorder, pageKey, type ReplacementPolicyName } from './mmCore.js'
import { KERNEL_SPACE_ID, type MmCounters, MmState, type MmStateCheckpoint, fnv1a } from './mmState.js'
import {
  STATUS_ACCESS_VIOLATION,
  STATUS_COMMITMENT_LIMIT,
  STATUS_CONFLICTING_ADDRESSES,
  STATUS_INVALID_PAGE_PROTECTION,
  STATUS_INVALID_PARAMETER,
  STATUS_NO_MEMORY,
  STATUS_SUCCESS,
  STATUS_UNABLE_TO_FREE_VM,
} from './ntStatus.js'
import type { PageFile } from './pageFile.js'
import { type PfnDatabase, PfnState } from './pfnDatabase.js'
import { releasePageMemoryConsumer, pageOut, requestPageMemoryConsumer } from './pageMemoryConsumer.js'
import { MmProtection, makeProtectionMask, maskIsGuard, protectionMaskToWin32 } from './protectionMask.js'
import {
  type MmRegion,
  type RegionChange,
  type RegionType,
  checkRegionList,
  mmFindRegion,
  mmInitializeRegion,
  planAlterRegion,
  regionsOf,
  regionsOverlapping,
  sliceRegionList,
} from './region.js'
import { ZERO_PTE, protectionPte, pageFilePte, readPteView, transitionPte, validPte } from './softwarePte.js'
import { entrySpan, forEachPte, invalidateIfCurrent, readPte, writePteAt } from './pteAccess.js'

/** Configuration of a MemoryManager (and of the machine it drives). */
export interface MemoryManagerOptions {
  /** 'x86' (default), 'x86-pae' or 'x64'. */
  readonly arch?: Architecture
  /** Bytes of RAM (a multiple of 4096; default 64 MiB). */
  readonly physicalMemory?: number
  /** Bytes of page file (a multiple of 4096; default 128 MiB). */
  readonly pageFile?: number
  /** hw-mmu TLB configuration or preset (default 'i386'). */
  readonly tlb?: TlbConfig | TlbPresetName
  /** Replacement policy (default 'working-set'). */
  readonly replacementPolicy?: ReplacementPolicyName
  /** Seed of the deterministic generators (kept for the trace header; the policies here are deterministic). */
  readonly seed?: number
}

/** What {@link MemoryManager.createArea} is asked to create (arguments already validated and rounded). */
export interface CreateAreaOptions {
  /** Fixed base (aligned down to the area granularity), or undefined to let the memory manager choose. */
  readonly base?: number
  /** Bytes (rounded up to pages). */
  readonly size: number
  /** MEM_TOP_DOWN: the highest hole that fits. */
  readonly topDown?: boolean
  /** Highest address the area may cover (the ZeroBits limit); clipped to MM_HIGHEST_VAD_ADDRESS. */
  readonly highestAddress?: number
  /** Area type (default VIRTUAL_MEMORY). */
  readonly type?: MemoryAreaTypeName
  /** Win32 protection (becomes AllocationProtect and the protection of the single initial region). */
  readonly protect: number
  /** MEM_COMMIT too (charged against the commit limit now). */
  readonly commit: boolean
}

/**
 * Result of {@link MemoryManager.createAddressSpace}: the space, or STATUS_NO_MEMORY with the
 * reason when no frame is left for its paging structures (nothing is then left made).
 */
export type CreateAddressSpaceResult =
  | { readonly status: typeof STATUS_SUCCESS; readonly space: AddressSpace }
  | { readonly status: typeof STATUS_NO_MEMORY; readonly reason: string; readonly space?: undefined }

/** Result of {@link MemoryManager.createArea}. */
export type CreateAreaResult =
  | { readonly status: typeof STATUS_SUCCESS; readonly area: MemoryArea }
  | { readonly status: number; readonly area?: undefined }

/** NtQueryVirtualMemory's MEMORY_BASIC_INFORMATION for one address. */
export interface MemoryBasicInformation {
  readonly baseAddress: number
  readonly allocationBase: number
  readonly allocationProtect: number
  readonly regionSize: number
  /** MEM_COMMIT, MEM_RESERVE or MEM_FREE. */
  readonly state: number
  /** Win32 protection; 0 for reserved pages, PAGE_NOACCESS for free ones. */
  readonly protect: number
  /** MEM_PRIVATE, MEM_MAPPED, or 0 for free memory. */
  readonly type: number
}

/** The memory manager's counters with the commit and memory figures. */
export interface MmStatistics extends Readonly<MmCounters> {
  readonly commitCharge: number
  readonly commitPeak: number
  readonly commitLimit: number
  /** Resident private pages over all processes. */
  readonly workingSetPages: number
  readonly freePages: number
  readonly zeroedPages: number
  readonly standbyPages: number
  readonly modifiedPages: number
  readonly pageFileSlotsUsed: number
}

/** A checkpoint of the memory manager and its machine. */
export interface MemoryManagerSnapshot {
  readonly hw: HwSnapshot
  readonly mm: MmStateCheckpoint
  readonly tick: number
  readonly futureCursor: number
  readonly lastUse: Float64Array
}

/**
 * Bytes `snapshot` keeps alive on top of what it shares with the machine and with other
 * snapshots: the frames and page-file slots written since the machine's previous snapshot or
 * restore (copy-on-write leaves their old contents to this snapshot alone), and its copies of
 * the PFN database, the slot table and the hardware registers and TLBs. The memory trees are
 * persistent and shared; they are not counted. Meant for a memory budget over many snapshots
 * (time travel's checkpoints).
 */
export function snapshotHeldBytes(snapshot: MemoryManagerSnapshot): number {
  const { pfn, pageFile } = snapshot.mm
  let bytes = snapshot.hw.heldBytes + snapshot.lastUse.byteLength
  for (const array of pfn.arrays) bytes += array.byteLength
  bytes += pfn.heads.byteLength + pfn.tails.byteLength + pfn.counts.byteLength
  bytes += pageFile.heldSlots * PAGE_SIZE + pageFile.slots.length * 8
  return bytes
}

/**
 * The smallest RAM a machine may have, in pages: what the system (KUSER_SHARED_DATA) and one
 * process's paging structures take (x86: a page directory and a page table; x64: four levels;
 * PAE: four page directories and a PDPT page), plus a few frames for the program. Machines this
 * small are for the textbook exercises: on x86, 7 pages leave 3 frames to a program, and the
 * classic reference string gives FIFO 15, LRU 12 and OPT 9 faults.
 */
export const MINIMUM_RAM_PAGES: Readonly<Record<Architecture, number>> = { x86: 6, x64: 8, 'x86-pae': 16 }

function alignDown(value: number, granularity: number): number {
  return Math.floor(value / granularity) * granularity
}

function alignUp(value: number, granularity: number): number {
  return Math.ceil(value / granularity) * granularity
}

const PRIVATE_TYPES: ReadonlySet<MemoryAreaTypeName> = new Set(['VIRTUAL_MEMORY', 'PEB_OR_TEB'])

/** True when an area's committed pages are private memory charged against the commit limit. */
function isCharged(area: MemoryArea): boolean {
  return PRIVATE_TYPES.has(area.type)
}

/** The NT memory manager over one simulated machine. */
export class MemoryManager {
  /** The architecture's address-space constants. */
  readonly layout: AddressSpaceLayout
  /**
   * The CPU's MMU (one CPU; {@link MemoryManager.mmuFor} switches CR3). Its fault handler is
   * MmAccessFault, so a failed access's result carries the {@link AccessFaultResult}.
   */
  readonly mmu: Mmu<AccessFaultResult>
  /** The system address space. */
  readonly kernelSpace: AddressSpace
  /** The replacement policy in force. */
  readonly replacementPolicy: ReplacementPolicyName

  private readonly state: MmState
  private readonly core: MmCore

  constructor(options: MemoryManagerOptions = {}) {
    const arch = options.arch ?? 'x86'
    this.layout = addressSpaceLayout(arch)
    const physicalMemory = options.physicalMemory ?? 64 * 1024 * 1024
    const pageFileBytes = options.pageFile ?? 128 * 1024 * 1024
    const minimumPages = MINIMUM_RAM_PAGES[arch]
    if (
      !Number.isInteger(physicalMemory) ||
      physicalMemory < minimumPages * PAGE_SIZE ||
      physicalMemory % PAGE_SIZE !== 0
    ) {
      throw new RangeError(
        `physicalMemory ${physicalMemory} must be a multiple of ${PAGE_SIZE} of at least ${minimumPages} pages on ${arch}`,
      )
    }
    if (!Number.isInteger(pageFileBytes) || pageFileBytes < 0 || pageFileBytes % PAGE_SIZE !== 0) {
      throw new RangeError(`pageFile ${pageFileBytes} must be a non-negative multiple of ${PAGE_SIZE}`)
    }
    const policy = options.replacementPolicy ?? 'working-set'
    if (!['working-set', 'fifo', 'lru', 'clock', 'opt'].includes(policy)) {
      throw new RangeError(
        `replacementPolicy ${String(policy)} must be 'working-set', 'fifo', 'lru', 'clock' or 'opt'`,
      )
    }
    this.replacementPolicy = policy
    const frameCount = physicalMemory / PAGE_SIZE
    this.mmu = new Mmu<AccessFaultResult>({
      mode: arch,
      frames: frameCount,
      ...(options.tlb === undefined ? {} : { tlb: options.tlb }),
    })
    this.state = new MmState({ frameCount, pageFileSlots: pageFileBytes / PAGE_SIZE })
    this.core = new MmCore(this.state, new MmuMachine(this.mmu), this.layout, policy, -1)
    this.mmu.setFaultHandler((fault) => this.accessFault(this.currentPid(), fault))
    const kernel = this.createSpace(KERNEL_SPACE_ID)
    assert(kernel.status === STATUS_SUCCESS, 'no frame for the system page directory')
    this.kernelSpace = kernel.space
    this.mmu.loadCr3(this.kernelSpace.cr3)
    // The one KUSER_SHARED_DATA frame, charged once to the system.
    const shared = requestPageMemoryConsumer(this.core, {
      purpose: 'system',
      pid: KERNEL_SPACE_ID,
      address: this.layout.sharedUserData,
    })
    assert(shared !== undefined, 'no frame for KUSER_SHARED_DATA')
    this.core.sharedDataPfn = shared
    this.chargeCommit(KERNEL_SPACE_ID, 1)
  }

  // ---- address spaces ------------------------------------------------------------------------

  /**
   * Create the address space of process `pid` (> 0): its own page directory (CR3) and the
   * KUSER_SHARED_DATA area (one read-only committed page at 0x7FFE0000, backed by the shared
   * frame). When no frame is left for its paging structures (a machine too small to run another
   * process) the result is STATUS_NO_MEMORY with the reason, and nothing is left made. Throws a
   * RangeError only for a caller's mistake: an invalid or existing pid.
   */
  createAddressSpace(pid: number): CreateAddressSpaceResult {
    if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`pid ${pid} must be a positive integer`)
    if (this.state.space(pid) !== undefined) throw new RangeError(`address space ${pid} already exists`)
    const created = this.createSpace(pid)
    if (created.status !== STATUS_SUCCESS) return created
    const space = created.space
    const start = this.layout.sharedUserData
    space.lock()
    try {
      this.core.emit({
        type: 'mm.areaInserted',
        pid,
        area: {
          startingAddress: start,
          endingAddress: start + PAGE_SIZE,
          type: 'SHARED_DATA',
          protect: PAGE_READONLY,
          deleteInProgress: false,
          regions: [{ start, length: PAGE_SIZE, type: MEM_COMMIT, protect: PAGE_READONLY }],
        },
      })
    } finally {
      space.unlock()
    }
    return created
  }

  /** The space's record, page directory (and PAE's four directories), or STATUS_NO_MEMORY with nothing made. */
  private createSpace(pid: number): CreateAddressSpaceResult {
    const directory = requestPageMemoryConsumer(this.core, { purpose: 'page-table', pid, address: 0 })
    if (directory === undefined)
      return { status: STATUS_NO_MEMORY, reason: `no frame left for the page directory of ${pid}` }
    this.core.emit({ type: 'mm.addressSpaceCreated', pid, directoryPfn: directory })
    const space = new AddressSpace(pid, this.layout, this.state)
    this.core.handles.set(pid, space)
    if (this.layout.arch === 'x86-pae') {
      // PDPTEs are loaded with CR3, so a PAE space gets its four page directories up front.
      for (let index = 0; index < 4; index++) {
        const pfn = requestPageMemoryConsumer(this.core, {
          purpose: 'page-table',
          pid,
          address: index * 0x40000000,
        })
        if (pfn === undefined) {
          // Take back what was made (MmCreateProcessAddressSpace frees its pages on failure).
          this.deleteAddressSpace(pid)
          return { status: STATUS_NO_MEMORY, reason: `no frame left for the page directories of ${pid}` }
        }
        this.mmu.pageTables.writeEntryAt(
          directory * PAGE_SIZE + index * 8,
          3,
          encodePte({ present: true, pfn }, 'x86-pae'),
        )
      }
    }
    return { status: STATUS_SUCCESS, space }
  }

  /**
   * Delete the address space of `pid`: every area is freed (frames, page-file slots, commit
   * charge), then its page tables and directory. No effect for an unknown pid.
   */
  deleteAddressSpace(pid: number): void {
    const space = this.core.handles.get(pid)
    if (space === undefined || pid === KERNEL_SPACE_ID) return
    space.lock()
    try {
      for (const area of [...space.tree.areas()]) this.freeWholeArea(space, area)
    } finally {
      space.unlock()
    }
    if (this.mmu.cr3 === space.cr3) this.mmu.loadCr3(this.kernelSpace.cr3)
    const record = this.state.space(pid)!
    const pfnDb = this.state.pfn
    for (let pfn = 0; pfn < pfnDb.frameCount; pfn++) {
      if (pfnDb.state[pfn] === PfnState.PAGE_TABLE && pfnDb.ownerPid[pfn] === pid)
        releasePageMemoryConsumer(this.core, pfn)
    }
    this.core.emit({
      type: 'mm.addressSpaceDeleted',
      pid,
      directoryPfn: record.directoryPfn,
      commitChargePeak: record.commitChargePeak,
      workingSetPeak: record.workingSetPeak,
    })
    this.core.handles.delete(pid)
  }

  /** The address space of `pid` (KERNEL_SPACE_ID for the system space), or undefined. */
  addressSpace(pid: number): AddressSpace | undefined {
    return this.state.space(pid) === undefined ? undefined : this.core.handles.get(pid)
  }

  /** Process ids with an address space (the kernel's excluded), ascending. */
  processIds(): number[] {
    return [...this.state.spaces.keys()].filter((pid) => pid !== KERNEL_SPACE_ID).sort((a, b) => a - b)
  }

  /** The MMU with `pid`'s CR3 loaded (a context switch when another space was current). */
  mmuFor(pid: number): Mmu<AccessFaultResult> {
    const space = this.addressSpace(pid)
    assert(space !== undefined, () => `mmuFor: no address space ${pid}`)
    if (this.mmu.cr3 !== space.cr3) this.mmu.loadCr3(space.cr3)
    return this.mmu
  }

  /** The pid whose CR3 is loaded. */
  currentPid(): number {
    const cr3 = this.mmu.cr3
    for (const [pid, record] of this.state.spaces) if (record.directoryPfn * PAGE_SIZE === cr3) return pid
    return KERNEL_SPACE_ID
  }

  // ---- memory areas --------------------------------------------------------------------------

  /** MmLocateMemoryAreaByAddress (with the node hint). */
  locateArea(space: AddressSpace, address: number): MemoryArea | undefined {
    return space.locate(address)
  }

  /** MmLocateMemoryAreaByRegion: the lowest area overlapping [start, start + length). */
  locateAreaByRange(space: AddressSpace, start: number, length: number): MemoryArea | undefined {
    return space.tree.locateByRange(start, length)
  }

  /** The regions of an area, in order (MM_REGION list walk). */
  regionsOf(area: MemoryArea): readonly MmRegion[] {
    return regionsOf(area.regions)
  }

  /**
   * MmCreateMemoryArea (+ MmInitializeRegion, + commit charge when `commit`): a new area of one
   * region. Fixed base: aligned down to 64 KiB (VIRTUAL_MEMORY, PEB_OR_TEB) or a page; any
   * overlap → STATUS_CONFLICTING_ADDRESSES; outside the space → STATUS_ACCESS_VIOLATION. No base:
   * the lowest (top-down: highest) hole below `highestAddress` → STATUS_NO_MEMORY when none.
   * Commit beyond the commit limit → STATUS_COMMITMENT_LIMIT. Nothing changes on failure.
   */
  createArea(space: AddressSpace, options: CreateAreaOptions): CreateAreaResult {
    const type = options.type ?? 'VIRTUAL_MEMORY'
    const size = alignUp(options.size, PAGE_SIZE)
    if (!Number.isFinite(size) || size <= 0) return { status: STATUS_INVALID_PARAMETER }
    if (makeProtectionMask(options.protect) === undefined) return { status: STATUS_INVALID_PAGE_PROTECTION }
    const granularity = PRIVATE_TYPES.has(type) ? MM_ALLOCATION_GRANULARITY : PAGE_SIZE
    const lowest = space.isKernel ? this.layout.systemRangeStart : this.layout.lowestUserAddress
    const highest = space.isKernel ? this.layout.highestSystemAddress : this.layout.highestVadAddress
    space.lock()
    try {
      let start: number
      let end: number
      if (options.base !== undefined) {
        start = alignDown(options.base, granularity)
        end = alignUp(options.base + size, PAGE_SIZE)
        if (start < lowest || end - 1 > highest) return { status: STATUS_ACCESS_VIOLATION }
        if (space.tree.locateByRange(start, end - start) !== undefined)
          return { status: STATUS_CONFLICTING_ADDRESSES }
      } else {
        const limit = Math.min(options.highestAddress ?? highest, highest)
        const found = space.tree.findGap({
          length: size,
          granularity,
          lowestAddress: lowest,
          highestAddress: limit,
          topDown: options.topDown === true,
        })
        if (found === undefined) return { status: STATUS_NO_MEMORY }
        start = found
        end = found + size
      }
      const pages = (end - start) / PAGE_SIZE
      const charged = options.commit && PRIVATE_TYPES.has(type)
      if (charged && !canCharge(this.state.commit, pages)) return { status: STATUS_COMMITMENT_LIMIT }
      const regionType: RegionType = options.commit ? MEM_COMMIT : MEM_RESERVE
      this.core.emit({
        type: 'mm.areaInserted',
        pid: space.pid,
        area: {
          startingAddress: start,
          endingAddress: end,
          type,
          protect: options.protect,
          deleteInProgress: false,
          regions: regionsOf(mmInitializeRegion(start, end - start, regionType, options.protect)),
        },
      })
      if (charged) this.chargeCommit(space.pid, pages)
      return { status: STATUS_SUCCESS, area: space.tree.locate(start)! }
    } finally {
      space.unlock()
    }
  }

  /**
   * MmAlterRegion with MmModifyAttributes as its callback: give [start, start + length) (page
   * aligned, inside `area`) the state `newType` and protection `newProtect`. Decommitted pages lose
   * their frames and page-file slots; resident pages whose protection changes get their PTEs
   * rewritten and INVLPG. Newly committed pages are charged first (STATUS_COMMITMENT_LIMIT, nothing
   * changed); decommitted ones are returned. Already committed pages are not charged again.
   */
  alterRegion(
    space: AddressSpace,
    area: MemoryArea,
    start: number,
    length: number,
    newType: RegionType,
    newProtect: number,
  ): { readonly status: number } {
    if (makeProtectionMask(newProtect) === undefined) return { status: STATUS_INVALID_PAGE_PROTECTION }
    space.lock()
    try {
      const current = space.tree.locate(area.startingAddress)
      if (current === undefined || current.startingAddress !== area.startingAddress)
        return { status: STATUS_CONFLICTING_ADDRESSES }
      const plan = planAlterRegion(current.regions, start, length, newType, newProtect)
      if (plan === undefined) return { status: STATUS_CONFLICTING_ADDRESSES }
      let delta = 0
      for (const change of plan.changes) {
        const pages = change.length / PAGE_SIZE
        if (change.newType === MEM_COMMIT && change.oldType !== MEM_COMMIT) delta += pages
        if (change.oldType === MEM_COMMIT && change.newType !== MEM_COMMIT) delta -= pages
      }
      const charged = isCharged(current)
      if (charged && !canCharge(this.state.commit, delta)) return { status: STATUS_COMMITMENT_LIMIT }
      if (plan.edit.removed.length === 0 && plan.edit.added.length === 0) return { status: STATUS_SUCCESS }
      this.core.emit({
        type: 'mm.regionsAltered',
        pid: space.pid,
        areaStart: current.startingAddress,
        start,
        length,
        newType,
        newProtect,
        removed: plan.edit.removed,
        added: plan.edit.added,
      })
      for (const change of plan.changes) this.modifyAttributes(space, change)
      if (charged && delta !== 0) this.chargeCommit(space.pid, delta)
      return { status: STATUS_SUCCESS }
    } finally {
      space.unlock()
    }
  }

  /**
   * Release [start, start + length) of `area` (page aligned, inside it): the whole area
   * (MmFreeMemoryArea) or a part, which shrinks the area or splits it in two (NtFreeVirtualMemory
   * cases A-D). Pages are freed and their commit charge returned (also for whole releases, where
   * ReactOS forgets to).
   */
  releaseRange(
    space: AddressSpace,
    area: MemoryArea,
    start: number,
    length: number,
  ): { readonly status: number } {
    space.lock()
    try {
      const current = space.tree.locate(area.startingAddress)
      if (current === undefined || current.startingAddress !== area.startingAddress)
        return { status: STATUS_UNABLE_TO_FREE_VM }
      const end = start + length
      if (
        length <= 0 ||
        start < current.startingAddress ||
        end > current.endingAddress ||
        start % PAGE_SIZE !== 0 ||
        end % PAGE_SIZE !== 0
      ) {
        return { status: STATUS_UNABLE_TO_FREE_VM }
      }
      if (start === current.startingAddress && end === current.endingAddress) {
        this.freeWholeArea(space, current)
        return { status: STATUS_SUCCESS }
      }
      const committed = this.deleteCommittedPages(space, current, start, end)
      this.core.emit({ type: 'mm.areaRemoved', pid: space.pid, area: areaToRecord(current) })
      for (const [pieceStart, pieceEnd] of [
        [current.startingAddress, start],
        [end, current.endingAddress],
      ] as const) {
        if (pieceEnd <= pieceStart) continue
        this.core.emit({
          type: 'mm.areaInserted',
          pid: space.pid,
          area: areaToRecord({
            ...current,
            startingAddress: pieceStart,
            endingAddress: pieceEnd,
            regions: sliceRegionList(current.regions, pieceStart, pieceEnd),
          }),
        })
      }
      if (isCharged(current) && committed > 0) this.chargeCommit(space.pid, -committed)
      return { status: STATUS_SUCCESS }
    } finally {
      space.unlock()
    }
  }

  private freeWholeArea(space: AddressSpace, area: MemoryArea): void {
    space.assertLocked('MmFreeMemoryArea')
    this.core.emit({
      type: 'mm.areaDeleteInProgress',
      pid: space.pid,
      startingAddress: area.startingAddress,
      deleteInProgress: true,
      previous: area.deleteInProgress,
    })
    const committed = this.deleteCommittedPages(space, area, area.startingAddress, area.endingAddress)
    const removed = space.tree.locate(area.startingAddress)!
    this.core.emit({ type: 'mm.areaRemoved', pid: space.pid, area: areaToRecord(removed) })
    if (isCharged(area) && committed > 0) this.chargeCommit(space.pid, -committed)
  }

  /** Delete every page of the committed regions of `area` inside [start, end); returns the committed page count. */
  private deleteCommittedPages(space: AddressSpace, area: MemoryArea, start: number, end: number): number {
    let committed = 0
    for (const region of regionsOverlapping(area.regions, start, end)) {
      if (region.type !== MEM_COMMIT) continue
      const pieceStart = Math.max(start, region.start)
      const pieceEnd = Math.min(end, region.start + region.length)
      committed += (pieceEnd - pieceStart) / PAGE_SIZE
      if (area.type !== 'SHARED_DATA') this.deletePages(space.pid, pieceStart, pieceEnd)
      else this.unmapSharedData(space.pid, pieceStart, pieceEnd)
    }
    return committed
  }

  private unmapSharedData(pid: number, start: number, end: number): void {
    forEachPte(this.core, pid, start, end, (va, pte) => {
      if (pte.view.kind === 'zero') return
      writePteAt(this.core, pte.address, ZERO_PTE)
      invalidateIfCurrent(this.core, pid, va)
    })
  }

  /** MmDeleteVirtualMapping + MmFreeSwapPage + MmReleasePageMemoryConsumer over a range. */
  private deletePages(pid: number, start: number, end: number): void {
    const core = this.core
    forEachPte(core, pid, start, end, (va, pte) => {
      const view = pte.view
      if (view.kind === 'zero') return
      writePteAt(core, pte.address, ZERO_PTE)
      if (view.kind === 'valid') {
        invalidateIfCurrent(core, pid, va)
        const before = this.pfnRecord(view.pfn)
        core.emit({
          type: 'mm.mappingDeleted',
          pid,
          address: va,
          pfn: view.pfn,
          before,
          after: { ...before, state: 'ACTIVE' },
        })
        this.freeFrameAndSlot(view.pfn)
      } else if (view.kind === 'transition') {
        this.freeFrameAndSlot(view.pfn)
      } else if (view.kind === 'pageFile') {
        core.emit({ type: 'mm.pageFileSlotFreed', slot: view.slot })
      }
    })
  }

  private freeFrameAndSlot(pfn: number): void {
    const slot = this.state.pfn.pageFileSlot[pfn]!
    if (slot >= 0) this.core.emit({ type: 'mm.pageFileSlotFreed', slot })
    releasePageMemoryConsumer(this.core, pfn)
  }

  private pfnRecord(pfn: number) {
    const entry = this.state.pfn.entry(pfn)
    return {
      state: entry.state,
      ownerPid: entry.ownerPid,
      ownerAddress: entry.ownerAddress,
      protectMask: entry.protectMask,
      pageFileSlot: entry.pageFileSlot,
      modified: entry.modified,
    }
  }

  /** MmModifyAttributes: the page side of one region change. */
  private modifyAttributes(space: AddressSpace, change: RegionChange): void {
    const end = change.start + change.length
    if (change.oldType === MEM_COMMIT && change.newType !== MEM_COMMIT) {
      this.deletePages(space.pid, change.start, end)
      return
    }
    if (change.oldType !== MEM_COMMIT || change.newType !== MEM_COMMIT) return
    const mask = makeProtectionMask(change.newProtect)!
    const core = this.core
    const pid = space.pid
    forEachPte(core, pid, change.start, end, (va, pte) => {
      const view = pte.view
      switch (view.kind) {
        case 'zero':
          return
        case 'protection':
          writePteAt(core, pte.address, protectionPte(mask))
          return
        case 'pageFile':
          writePteAt(core, pte.address, pageFilePte(view.slot, mask))
          return
        case 'transition':
          writePteAt(core, pte.address, transitionPte(view.pfn, mask))
          return
        case 'valid': {
          core.emit({
            type: 'mm.pageProtectionChanged',
            pid,
            address: va,
            pfn: view.pfn,
            protectMask: mask,
            previousProtectMask: this.state.pfn.protectMask[view.pfn]!,
          })
          if ((mask & MmProtection.MM_PROTECT_ACCESS) === 0 || maskIsGuard(mask)) {
            // NT turns such a page into a transition PTE: the page and its contents are kept.
            pageOut(core, view.pfn)
            return
          }
          const next = validPte(view.pfn, mask, {
            mode: core.machine.mode,
            user: true,
            noExecute: core.machine.noExecute,
          })
          writePteAt(core, pte.address, { low: (next.low | (pte.value.low & 0x60)) >>> 0, high: next.high })
          invalidateIfCurrent(core, pid, va)
        }
      }
    })
  }

  // ---- commit charge ---------------------------------------------------------------------------

  private chargeCommit(pid: number, pages: number): void {
    const before = this.state.commit
    const after = chargedState(before, pages)
    const process = this.state.space(pid)
    const processBefore = { charge: process?.commitCharge ?? 0, peak: process?.commitChargePeak ?? 0 }
    const processCharge = processBefore.charge + pages
    this.core.emit({
      type: 'mm.commitCharged',
      pid,
      pages,
      before: { charge: before.charge, peak: before.peak },
      after: { charge: after.charge, peak: after.peak },
      processBefore,
      processAfter: { charge: processCharge, peak: Math.max(processBefore.peak, processCharge) },
    })
  }

  /** Pages charged against the commit limit now. */
  get commitCharge(): number {
    return this.state.commit.charge
  }

  /** The commit limit in pages (RAM plus page file). */
  get commitLimit(): number {
    return this.state.commit.limit
  }

  /** Counters, commit figures and frame-list lengths. */
  get counters(): MmStatistics {
    const pfn = this.state.pfn
    const counters = this.state.counters
    // Each field by name: V8 builds an object spread and then extended slowly (measured 11 µs a
    // call against about 0.1), and the CLI, the explorer and deferred recording read this often.
    return {
      pageFaults: counters.pageFaults,
      demandZeroFaults: counters.demandZeroFaults,
      hardFaults: counters.hardFaults,
      softFaults: counters.softFaults,
      guardPageFaults: counters.guardPageFaults,
      accessViolations: counters.accessViolations,
      spuriousFaults: counters.spuriousFaults,
      failedFaults: counters.failedFaults,
      pagesWritten: counters.pagesWritten,
      pagesDropped: counters.pagesDropped,
      pagesRead: counters.pagesRead,
      framesRepurposed: counters.framesRepurposed,
      pageTablesCreated: counters.pageTablesCreated,
      commitCharge: this.state.commit.charge,
      commitPeak: this.state.commit.peak,
      commitLimit: this.state.commit.limit,
      workingSetPages: pfn.count('ACTIVE'),
      freePages: pfn.count('FREE'),
      zeroedPages: pfn.count('ZEROED'),
      standbyPages: pfn.count('STANDBY'),
      modifiedPages: pfn.count('MODIFIED'),
      pageFileSlotsUsed: this.state.pageFile.usedSlots,
    }
  }

  // ---- queries ---------------------------------------------------------------------------------

  /**
   * NtQueryVirtualMemory (MemoryBasicInformation) for `address`: the run of pages from its page
   * that share state and protection inside one area, or the free range up to the next area.
   * Side-effect free.
   */
  queryAddress(space: AddressSpace, address: number): MemoryBasicInformation {
    const page = alignDown(address, PAGE_SIZE)
    const area = space.tree.locate(page)
    if (area === undefined) {
      const next = space.tree.firstAtOrAfter(page)
      const limit = space.isKernel ? this.layout.highestSystemAddress + 1 : this.layout.highestUserAddress + 1
      const end = next === undefined ? limit : Math.min(next.startingAddress, limit)
      return {
        baseAddress: page,
        allocationBase: 0,
        allocationProtect: 0,
        regionSize: Math.max(end - page, PAGE_SIZE),
        state: MEM_FREE,
        protect: PAGE_NOACCESS,
        type: 0,
      }
    }
    const first = this.pageState(space.pid, area, page)
    let cursor = page + PAGE_SIZE
    while (cursor < area.endingAddress) {
      const region = mmFindRegion(area.regions, cursor)!
      if (region.type === MEM_RESERVE) {
        if (first.state !== MEM_RESERVE) break
        cursor = region.start + region.length
        continue
      }
      const next = this.pageState(space.pid, area, cursor)
      if (next.state !== first.state || next.protect !== first.protect) break
      cursor += PAGE_SIZE
    }
    return {
      baseAddress: page,
      allocationBase: area.startingAddress,
      allocationProtect: area.protect,
      regionSize: cursor - page,
      state: first.state,
      protect: first.protect,
      type: area.type === 'SECTION_VIEW' ? MEM_MAPPED : MEM_PRIVATE,
    }
  }

  /** State and Win32 protection of one page (committed: the PTE's protection when it has one, else the region's). */
  private pageState(pid: number, area: MemoryArea, page: number): { state: number; protect: number } {
    const region = mmFindRegion(area.regions, page)!
    if (region.type === MEM_RESERVE) return { state: MEM_RESERVE, protect: 0 }
    if (area.type === 'SHARED_DATA') return { state: MEM_COMMIT, protect: region.protect }
    const pte = readPte(this.core, pid, page)
    if (pte === undefined) return { state: MEM_COMMIT, protect: region.protect }
    const view = pte.view
    switch (view.kind) {
      case 'zero':
        return { state: MEM_COMMIT, protect: region.protect }
      case 'valid':
        return { state: MEM_COMMIT, protect: protectionMaskToWin32(this.state.pfn.protectMask[view.pfn]!) }
      default:
        return { state: MEM_COMMIT, protect: protectionMaskToWin32(view.protectMask) }
    }
  }

  // ---- faults ----------------------------------------------------------------------------------

  /**
   * MmAccessFault for a fault of process `pid` (the space loaded when it happened). Success
   * statuses (STATUS_SUCCESS, STATUS_PAGE_FAULT_*) mean "retry the access"; others come with the
   * exception the process sees. The MMU's fault handler calls this for the current space.
   */
  accessFault(pid: number, fault: PageFault): AccessFaultResult {
    this.core.tick++
    return mmAccessFault(this.core, pid, fault)
  }

  /**
   * Note a reference to `address` by `pid` (LRU's input, and OPT's cursor in the future reference
   * string). Cheap: one typed-array store; no event.
   */
  noteAccess(pid: number, address: number): void {
    const tick = ++this.core.tick
    const future = this.core.futureReferences
    const cursor = this.core.futureCursor
    if (cursor < future.length) {
      const expected = future[cursor]!
      if (
        expected.pid === pid &&
        Math.floor(expected.address / PAGE_SIZE) === Math.floor(address / PAGE_SIZE)
      ) {
        const core = this.core
        core.futureCursor = cursor + 1
        // The page's next use is now its next reference after this one.
        if (core.nextUseCursor === cursor) {
          const next = core.futureNext[cursor]!
          if (next >= 0) core.nextUse.set(core.futureKeys[cursor]!, next)
          else core.nextUse.delete(core.futureKeys[cursor]!)
          core.nextUseCursor = cursor + 1
        }
      }
    }
    const pte = readPte(this.core, pid, alignDown(address, PAGE_SIZE))
    if (pte !== undefined && pte.view.kind === 'valid' && this.state.pfn.stateOf(pte.view.pfn) === 'ACTIVE') {
      this.state.pfn.lastUse[pte.view.pfn] = tick
    }
  }

  /** OPT: the future reference string (each reference is consumed by the matching noteAccess). */
  setFutureReferences(references: readonly { readonly pid: number; readonly address: number }[]): void {
    const core = this.core
    core.futureReferences = references.slice()
    core.futureCursor = 0
    // Each reference's next reference to the same page, from one backward pass; what is seen last
    // is each page's first use.
    const count = references.length
    core.futureKeys = new Float64Array(count)
    core.futureNext = new Int32Array(count)
    const seen = new Map<number, number>()
    for (let index = count - 1; index >= 0; index--) {
      const reference = references[index]!
      const key = pageKey(reference.pid, reference.address)
      core.futureKeys[index] = key
      core.futureNext[index] = seen.get(key) ?? -1
      seen.set(key, index)
    }
    core.nextUse = seen
    core.nextUseCursor = 0
  }

  /** The zero-page thread: zero up to `count` free frames and move them to the zeroed list. */
  zeroFreePages(count: number): number {
    let done = 0
    const pfnDb = this.state.pfn
    while (done < count) {
      const pfn = pfnDb.first('FREE')
      if (pfn === undefined) break
      const before = this.pfnRecord(pfn)
      if (!this.mmu.frames.isPristine(pfn)) this.mmu.frames.zero(pfn)
      this.core.emit({ type: 'mm.frameReleased', pfn, before, after: { ...before, state: 'ZEROED' } })
      done++
    }
    return done
  }

  // ---- recorder and time travel ----------------------------------------------------------------

  /**
   * Attach (or detach) the recorder of every mm and hw event, in causal order. `lane`: hw-mmu's
   * numeric lane for TLB hits and small stores (see `Mmu.setRecorder`).
   */
  setRecorder(recorder: MmRecorder | undefined, lane?: HwRecordingLane): void {
    this.core.recorder = recorder
    this.mmu.setRecorder(recorder, lane)
  }

  /** Apply a recorded mm event (replay). hw events go to hw-mmu's applyHwEvent with `this.mmu.state`. */
  applyEvent(event: MmEvent): void {
    const record = this.core.recorder
    this.core.recorder = undefined
    try {
      this.core.emit(event)
    } finally {
      this.core.recorder = record
    }
  }

  /**
   * Apply one recorded event of either layer (time travel, loading a trace): hw events through
   * hw-mmu's applyHwEvent on this machine's state, mm events as {@link applyEvent}; the
   * AddressSpace handles follow the address spaces the events create and delete.
   */
  applyRecordedEvent(event: MmEvent | HwEvent): void {
    if (event.type.startsWith('hw.')) {
      applyHwEvent(this.mmu.state, event as HwEvent)
      return
    }
    this.applyEvent(event as MmEvent)
    if (event.type === 'mm.addressSpaceCreated') {
      const pid = (event as MmEvent & { pid: number }).pid
      if (!this.core.handles.has(pid))
        this.core.handles.set(pid, new AddressSpace(pid, this.layout, this.state))
    } else if (event.type === 'mm.addressSpaceDeleted') {
      this.core.handles.delete((event as MmEvent & { pid: number }).pid)
    }
  }

  /**
   * Inspection: the `length` bytes at `address` of space `pid` as its user-mode thread would read
   * them, or undefined when some page is not mapped by a valid PTE. Loads no CR3, fills no TLB
   * entry, sets no accessed bit and emits no event (DESIGN.md: inspection never changes state).
   */
  peekSpace(pid: number, address: number, length: number): Uint8Array | undefined {
    const data = new Uint8Array(length)
    let done = 0
    while (done < length) {
      const at = address + done
      const page = alignDown(at, PAGE_SIZE)
      const chunk = Math.min(length - done, page + PAGE_SIZE - at)
      const pte = readPte(this.core, pid, page)
      if (pte === undefined || pte.view.kind !== 'valid') return undefined
      data.set(this.mmu.frames.readBytes(pte.view.pfn * PAGE_SIZE + (at - page), chunk), done)
      done += chunk
    }
    return data
  }

  /** The PFN database (read it only: inspection of frames and the PFN lists). */
  get pfnDatabase(): PfnDatabase {
    return this.state.pfn
  }

  /** The page file (read it only). */
  get pageFileState(): PageFile {
    return this.state.pageFile
  }

  /** A checkpoint of the whole memory manager and its machine (cheap: shared trees, COW frames). */
  snapshot(): MemoryManagerSnapshot {
    return {
      hw: this.mmu.snapshot(),
      mm: this.state.checkpoint(),
      tick: this.core.tick,
      futureCursor: this.core.futureCursor,
      lastUse: this.state.pfn.lastUse.slice(),
    }
  }

  /** Return to a snapshot (which stays valid). */
  restore(snapshot: MemoryManagerSnapshot): void {
    this.mmu.restore(snapshot.hw)
    this.state.restore(snapshot.mm)
    this.state.pfn.lastUse.set(snapshot.lastUse)
    this.core.tick = snapshot.tick
    this.core.futureCursor = snapshot.futureCursor
    // OPT's next uses are rebuilt for the restored cursor when next needed.
    this.core.nextUseCursor = -1
    for (const pid of [...this.core.handles.keys()])
      if (!this.state.spaces.has(pid)) this.core.handles.delete(pid)
    for (const pid of this.state.spaces.keys()) {
      if (!this.core.handles.has(pid))
        this.core.handles.set(pid, new AddressSpace(pid, this.layout, this.state))
    }
  }

  /** A stable fingerprint of the mm state and the machine's. */
  digest(): string {
    return `${fnv1a(this.state.digestInput())}-${this.mmu.digest()}`
  }

  // ---- invariants (for tests and debugging) --------------------------------------------------

  /**
   * Every cross-structure invariant, as violations (empty when sound): area trees and region lists
   * sound; PFN lists consistent; every valid user PTE maps an ACTIVE frame owned by exactly that
   * page (so no two PTEs share a private frame), inside a committed region, or the shared frame at
   * KUSER_SHARED_DATA; every transition PTE names a standby/modified frame of that page; every
   * page-file PTE a used slot; working-set sizes and commit charges equal what they count.
   */
  checkInvariants(): string[] {
    const problems: string[] = []
    const pfnDb = this.state.pfn
    problems.push(...pfnDb.check())
    let totalCommitted = 1
    const hex = (value: number) => `0x${value.toString(16)}`
    for (const [pid, record] of this.state.spaces) {
      for (const problem of checkAreaTree(record.tree)) problems.push(`space ${pid}: ${problem}`)
      let processCommitted = 0
      for (const area of record.tree.areas()) {
        for (const problem of checkRegionList(area.regions))
          problems.push(`area ${hex(area.startingAddress)}: ${problem}`)
        if (area.regions.start !== area.startingAddress || area.regions.end !== area.endingAddress) {
          problems.push(`area ${hex(area.startingAddress)}: region list covers another range`)
        }
        if (isCharged(area)) {
          for (const region of regionsOf(area.regions))
            if (region.type === MEM_COMMIT) processCommitted += region.length / PAGE_SIZE
        }
      }
      totalCommitted += processCommitted
      if (pid !== KERNEL_SPACE_ID && record.commitCharge !== processCommitted) {
        problems.push(
          `space ${pid}: commit charge ${record.commitCharge}, committed pages ${processCommitted}`,
        )
      }
      let resident = 0
      this.walkLeafPtes(record.directoryPfn, (va, low, high) => {
        const view = readPteView(low, high, this.mmu.mode)
        if (view.kind === 'zero') return
        const area = record.tree.locate(va)
        const region = area === undefined ? undefined : mmFindRegion(area.regions, va)
        if (view.kind === 'valid' && area?.type === 'SHARED_DATA') {
          if (view.pfn !== this.core.sharedDataPfn)
            problems.push(`space ${pid}: KUSER_SHARED_DATA maps frame ${view.pfn}`)
          return
        }
        if (region === undefined || region.type !== MEM_COMMIT) {
          problems.push(`space ${pid}: ${view.kind} PTE at ${hex(va)} outside committed memory`)
          return
        }
        if (view.kind === 'valid') {
          resident++
          if (
            pfnDb.stateOf(view.pfn) !== 'ACTIVE' ||
            pfnDb.ownerPid[view.pfn] !== pid ||
            pfnDb.ownerAddress[view.pfn] !== va
          ) {
            problems.push(
              `space ${pid}: PTE at ${hex(va)} maps frame ${view.pfn} owned by ${pfnDb.ownerPid[view.pfn]}:${hex(pfnDb.ownerAddress[view.pfn]!)} (${pfnDb.stateOf(view.pfn)})`,
            )
          }
          if (!this.mmu.frames.isAllocated(view.pfn))
            problems.push(`space ${pid}: PTE at ${hex(va)} maps an unallocated frame`)
        } else if (view.kind === 'transition') {
          const state = pfnDb.stateOf(view.pfn)
          if (
            (state !== 'STANDBY' && state !== 'MODIFIED') ||
            pfnDb.ownerPid[view.pfn] !== pid ||
            pfnDb.ownerAddress[view.pfn] !== va
          ) {
            problems.push(`space ${pid}: transition PTE at ${hex(va)} names frame ${view.pfn} (${state})`)
          }
        } else if (view.kind === 'pageFile') {
          if (this.state.pageFile.read(view.slot) === undefined)
            problems.push(`space ${pid}: PTE at ${hex(va)} names free slot ${view.slot}`)
        }
      })
      if (record.workingSetSize !== resident)
        problems.push(`space ${pid}: working set ${record.workingSetSize}, resident ${resident}`)
    }
    if (this.state.commit.charge !== totalCommitted) {
      problems.push(`commit charge ${this.state.commit.charge}, committed pages ${totalCommitted}`)
    }
    for (let pfn = pfnDb.first('ACTIVE'); pfn !== undefined; pfn = pfnDb.nextOnList(pfn)) {
      const pte = readPte(this.core, pfnDb.ownerPid[pfn]!, pfnDb.ownerAddress[pfn]!)
      if (pte === undefined || pte.view.kind !== 'valid' || pte.view.pfn !== pfn)
        problems.push(`active frame ${pfn} is not mapped by its owner`)
    }
    return problems
  }

  /** Visit every non-zero leaf PTE of the hierarchy rooted at `directoryPfn` (inspection only). */
  private walkLeafPtes(directoryPfn: number, visit: (va: number, low: number, high: number) => void): void {
    const mode = this.mmu.mode
    const editor = this.mmu.pageTables
    const levels = levelCount(mode)
    const entrySize = mode === 'x86' ? 4 : 8
    const walk = (tablePfn: number, level: number, base: number): void => {
      const entries = mode === 'x86' ? 1024 : mode === 'x86-pae' && level === 3 ? 4 : 512
      const span = entrySpan(mode, level)
      for (let index = 0; index < entries; index++) {
        const value = editor.readEntryAt(tablePfn * PAGE_SIZE + index * entrySize)
        if (value.low === 0 && value.high === 0) continue
        let va = base + index * span
        if (mode === 'x64' && level === 4 && index >= 256) va -= 2 ** 48
        if (level === 1) {
          visit(va, value.low, value.high)
          continue
        }
        if ((value.low & 1) === 0) continue
        const pfn = mode === 'x86' ? value.low >>> 12 : (value.high & 0x3fff) * 0x100000 + (value.low >>> 12)
        walk(pfn, level - 1, va)
      }
    }
    walk(directoryPfn, levels, 0)
  }
}

/** The number of pages of an area (convenience for callers). */
export function areaPages(area: MemoryArea): number {
  return areaLength(area) / PAGE_SIZE
}
