// The memory manager facade, first half: one object over one simulated machine, whose methods are
// the operations nt-syscalls (and a user of this package alone) calls for address spaces, private
// memory, faults, counters and time travel; MemoryManager (memoryManager.ts) adds files, sections
// and views on top. Each method delegates to the file named after its ReactOS counterpart:
// memoryAreas.ts (marea.c), alterRegion.ts (MmAlterRegion / MmModifyAttributes), releaseRange.ts
// (NtFreeVirtualMemory's cases A-D), processAddressSpace.ts (procsup.c),
// queryMemoryBasicInformation.ts, accessFault.ts (mmfault.c), zeroPageThread.ts,
// futureReferences.ts, commitCharge.ts, checkInvariants.ts and memoryManagerSnapshot.ts; they
// share the MmCore (mmCore.ts). Callers pass validated, rounded arguments (system-call rules live
// in nt-syscalls); every operation returns a status and never throws for a caller's mistake.

import {
  applyHwEvent,
  type HwEvent,
  type HwRecordingLane,
  MAX_FRAME_COUNT,
  Mmu,
  type PageFault,
  type TlbConfig,
  type TlbPresetName,
} from '@ntmm/hw-mmu'
import { type AccessFaultResult, mmAccessFault } from './accessFault.js'
import { AddressSpace } from './addressSpace.js'
import { type AddressSpaceLayout, type Architecture, addressSpaceLayout } from './addressSpaceLayout.js'
import { alignDown } from './alignment.js'
import { assert } from './assert.js'
import { mmAlterRegion } from './alterRegion.js'
import { checkInvariants } from './checkInvariants.js'
import { chargeCommit } from './commitCharge.js'
import type { MmEvent } from './events.js'
import { noteAccess, noteAccessRun, setFutureReferences } from './futureReferences.js'
import { type MemoryArea, areaLength } from './memoryArea.js'
import {
  type CreateAreaOptions,
  type CreateAreaResult,
  mmCreateMemoryArea,
  mmLocateMemoryAreaByAddress,
  mmLocateMemoryAreaByRegion,
} from './memoryAreas.js'
import { PAGE_SIZE } from './memoryConstants.js'
import {
  type MemoryManagerSnapshot,
  digestOf,
  restoreSnapshot,
  takeSnapshot,
} from './memoryManagerSnapshot.js'
import { MmCore, type MmRecorder, type ReplacementPolicyName } from './mmCore.js'
import { KERNEL_SPACE_ID, MmState } from './mmState.js'
import { type MmStatistics, statisticsOf } from './mmStatistics.js'
import { MmuMachine } from './mmuMachine.js'
import { STATUS_SUCCESS } from './ntStatus.js'
import { MAX_PAGE_FILE_SLOTS, type PageFile } from './pageFile.js'
import { requestPageMemoryConsumer } from './pageMemoryConsumer.js'
import type { PfnDatabase } from './pfnDatabase.js'
import {
  type CreateAddressSpaceResult,
  mmCreateProcessAddressSpace,
  mmDeleteProcessAddressSpace,
  mmInitializeProcessAddressSpace,
} from './processAddressSpace.js'
import { readPte } from './pteAccess.js'
import { type MemoryBasicInformation, miQueryMemoryBasicInformation } from './queryMemoryBasicInformation.js'
import { type MmRegion, type RegionType, regionsOf } from './region.js'
import { releaseRange } from './releaseRange.js'
import { installNtPaging } from './ntBalanceSet.js'
import type { NtPagingOptions } from './ntPagingOptions.js'
import { mmZeroPageThread } from './zeroPageThread.js'

/** Configuration of a MemoryManager (and of the machine it drives). */
export interface MemoryManagerOptions {
  /** 'x86' (default), 'x86-pae' or 'x64'. */
  readonly arch?: Architecture
  /** Bytes of RAM (a multiple of 4096, at most {@link MAX_PHYSICAL_MEMORY}; default 64 MiB). */
  readonly physicalMemory?: number
  /** Bytes of page file (a multiple of 4096, at most {@link MAX_PAGE_FILE}; default 128 MiB). */
  readonly pageFile?: number
  /** hw-mmu TLB configuration or preset (default 'i386'). */
  readonly tlb?: TlbConfig | TlbPresetName
  /**
   * Replacement policy (default 'nt', Windows' working sets: docs/paging.md; 'working-set' is the
   * earlier global aging policy, by name).
   */
  readonly replacementPolicy?: ReplacementPolicyName
  /** The 'nt' policy's tick and thresholds (ntPagingOptions.ts); only with `replacementPolicy: 'nt'`. */
  readonly nt?: NtPagingOptions
  /**
   * A seed for the trace header (nt-syscalls' Kernel records it there, so a run can be
   * reproduced). No generator uses it yet: every policy here is deterministic without one.
   */
  readonly seed?: number
}

/**
 * The smallest RAM a machine may have, in pages: what the system (KUSER_SHARED_DATA) and one
 * process's paging structures take (x86: a page directory and a page table; x64: four levels;
 * PAE: four page directories and a PDPT page), plus a few frames for the program. Machines this
 * small are for the textbook exercises: on x86, 7 pages leave 3 frames to a program, and the
 * classic reference string gives FIFO 15, LRU 12 and OPT 9 faults.
 */
export const MINIMUM_RAM_PAGES: Readonly<Record<Architecture, number>> = { x86: 6, x64: 8, 'x86-pae': 16 }

/**
 * The most RAM a machine may have: hw-mmu's MAX_FRAME_COUNT frames (4 GiB; every PFN fits a
 * transition PTE's 20 bits). Frames hold no buffer until written, but the per-frame bookkeeping
 * (PFN database, frame table) is made up front: about 70 bytes a frame, 70 MiB at the maximum.
 */
export const MAX_PHYSICAL_MEMORY = MAX_FRAME_COUNT * PAGE_SIZE

/** The largest page file, 4 GiB − 4 KiB: MAX_PAGE_FILE_SLOTS, the most a page-file PTE names (pageFile.ts). */
export const MAX_PAGE_FILE = MAX_PAGE_FILE_SLOTS * PAGE_SIZE

const POLICIES: readonly ReplacementPolicyName[] = ['working-set', 'fifo', 'lru', 'clock', 'opt', 'nt']

/**
 * The NT memory manager over one simulated machine, without sections: address spaces, private
 * memory, faults, counters, recording and time travel. Use MemoryManager, which adds files,
 * sections and views.
 */
export class VirtualMemoryManager {
  /** The architecture's address-space constants. */
  readonly layout: AddressSpaceLayout
  /**
   * The CPU's MMU (one CPU; {@link VirtualMemoryManager.mmuFor} switches CR3). Its fault handler is
   * MmAccessFault, so a failed access's result carries the {@link AccessFaultResult}.
   */
  readonly mmu: Mmu<AccessFaultResult>
  /** The system address space. */
  readonly kernelSpace: AddressSpace
  /** The replacement policy in force. */
  readonly replacementPolicy: ReplacementPolicyName

  /** @internal the state the events change. */
  protected readonly state: MmState
  /** @internal the working context of the subsystem functions. */
  protected readonly core: MmCore

  constructor(options: MemoryManagerOptions = {}) {
    const arch = options.arch ?? 'x86'
    this.layout = addressSpaceLayout(arch)
    const physicalMemory = options.physicalMemory ?? 64 * 1024 * 1024
    const pageFileBytes = options.pageFile ?? 128 * 1024 * 1024
    const minimumPages = MINIMUM_RAM_PAGES[arch]
    if (
      !Number.isInteger(physicalMemory) ||
      physicalMemory < minimumPages * PAGE_SIZE ||
      physicalMemory > MAX_PHYSICAL_MEMORY ||
      physicalMemory % PAGE_SIZE !== 0
    ) {
      throw new RangeError(
        `physicalMemory ${physicalMemory} must be a multiple of ${PAGE_SIZE} of at least ${minimumPages} pages on ${arch} and at most ${MAX_PHYSICAL_MEMORY} (MAX_PHYSICAL_MEMORY)`,
      )
    }
    if (
      !Number.isInteger(pageFileBytes) ||
      pageFileBytes < 0 ||
      pageFileBytes > MAX_PAGE_FILE ||
      pageFileBytes % PAGE_SIZE !== 0
    ) {
      throw new RangeError(
        `pageFile ${pageFileBytes} must be a non-negative multiple of ${PAGE_SIZE} of at most ${MAX_PAGE_FILE} (MAX_PAGE_FILE)`,
      )
    }
    const policy = options.replacementPolicy ?? 'nt'
    if (!POLICIES.includes(policy)) {
      throw new RangeError(
        `replacementPolicy ${String(policy)} must be 'working-set', 'fifo', 'lru', 'clock', 'opt' or 'nt'`,
      )
    }
    if (options.nt !== undefined && policy !== 'nt')
      throw new RangeError(`nt options need replacementPolicy 'nt' (not '${policy}')`)
    this.replacementPolicy = policy
    const frameCount = physicalMemory / PAGE_SIZE
    this.mmu = new Mmu<AccessFaultResult>({
      mode: arch,
      frames: frameCount,
      ...(options.tlb === undefined ? {} : { tlb: options.tlb }),
    })
    this.state = new MmState({ frameCount, pageFileSlots: pageFileBytes / PAGE_SIZE })
    this.core = new MmCore(this.state, new MmuMachine(this.mmu), this.layout, policy, -1)
    if (policy === 'nt') installNtPaging(this.core, options.nt, frameCount)
    this.mmu.setFaultHandler((fault) => this.accessFault(this.currentPid(), fault))
    const kernel = mmCreateProcessAddressSpace(this.core, KERNEL_SPACE_ID)
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
    chargeCommit(this.core, KERNEL_SPACE_ID, 1)
  }

  // ---- address spaces (processAddressSpace.ts) -------------------------------------------------

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
    const created = mmCreateProcessAddressSpace(this.core, pid)
    if (created.status === STATUS_SUCCESS) mmInitializeProcessAddressSpace(this.core, created.space)
    return created
  }

  /**
   * Delete the address space of `pid`: every area is freed (frames, page-file slots, commit
   * charge), then its page tables and directory. No effect for an unknown pid.
   */
  deleteAddressSpace(pid: number): void {
    mmDeleteProcessAddressSpace(this.core, pid)
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
    // On every access of kernel.cpu(pid): the record's directory is the CR3 (the handle's getter
    // reads the same record again), and the assertion's message is built only when it fails.
    const record = this.state.space(pid)
    if (record === undefined || !this.core.handles.has(pid))
      assert(false, () => `mmuFor: no address space ${pid}`)
    const cr3 = record.directoryPfn * PAGE_SIZE
    if (this.mmu.cr3 !== cr3) this.mmu.loadCr3(cr3)
    return this.mmu
  }

  /**
   * A number that changes whenever an address space is created or deleted or the state restored:
   * while it and the MMU's CR3 are unchanged, the CR3 {@link VirtualMemoryManager.mmuFor} loaded
   * for a pid is still that pid's (a CPU holds its process's context instead of looking it up per
   * access).
   */
  get spaceGeneration(): number {
    return this.state.spaceGeneration
  }

  /** The pid whose CR3 is loaded. */
  currentPid(): number {
    const cr3 = this.mmu.cr3
    // Every fault asks (the MMU's fault handler): the answer is kept while CR3 and the set of
    // spaces stay the same (a Map walk per fault was 2% of an 'nt' fault).
    if (cr3 === this.currentPidCr3 && this.state.spaceGeneration === this.currentPidGeneration)
      return this.currentPidAnswer
    let answer = KERNEL_SPACE_ID
    for (const [pid, record] of this.state.spaces)
      if (record.directoryPfn * PAGE_SIZE === cr3) {
        answer = pid
        break
      }
    this.currentPidCr3 = cr3
    this.currentPidGeneration = this.state.spaceGeneration
    this.currentPidAnswer = answer
    return answer
  }

  private currentPidCr3 = -1
  private currentPidGeneration = -1
  private currentPidAnswer = KERNEL_SPACE_ID

  // ---- memory areas and regions (memoryAreas.ts, alterRegion.ts, releaseRange.ts) --------------

  /** MmLocateMemoryAreaByAddress (with the node hint). */
  locateArea(space: AddressSpace, address: number): MemoryArea | undefined {
    return mmLocateMemoryAreaByAddress(space, address)
  }

  /** MmLocateMemoryAreaByRegion: the lowest area overlapping [start, start + length). */
  locateAreaByRange(space: AddressSpace, start: number, length: number): MemoryArea | undefined {
    return mmLocateMemoryAreaByRegion(space, start, length)
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
    return mmCreateMemoryArea(this.core, space, options)
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
    return mmAlterRegion(this.core, space, area, start, length, newType, newProtect)
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
    return releaseRange(this.core, space, area, start, length)
  }

  // ---- commit charge and counters --------------------------------------------------------------

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
    return statisticsOf(this.state)
  }

  // ---- queries and faults ----------------------------------------------------------------------

  /**
   * NtQueryVirtualMemory (MemoryBasicInformation) for `address`: the run of pages from its page
   * that share state and protection inside one area, or the free range up to the next area.
   * Side-effect free.
   */
  queryAddress(space: AddressSpace, address: number): MemoryBasicInformation {
    return miQueryMemoryBasicInformation(this.core, space, address)
  }

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
    noteAccess(this.core, pid, address)
  }

  /**
   * Note the references `addresses[from, to)` by `pid`, in order: {@link noteAccess} of each
   * (a replay's run of accesses notes a stretch of TLB hits at once).
   */
  noteAccessRun(pid: number, addresses: ArrayLike<number>, from: number, to: number): void {
    noteAccessRun(this.core, pid, addresses, from, to)
  }

  /** OPT: the future reference string (each reference is consumed by the matching noteAccess). */
  setFutureReferences(references: readonly { readonly pid: number; readonly address: number }[]): void {
    setFutureReferences(this.core, references)
  }

  /** The zero-page thread: zero up to `count` free frames and move them to the zeroed list. */
  zeroFreePages(count: number): number {
    return mmZeroPageThread(this.core, count)
  }

  // ---- recorder, inspection and time travel (memoryManagerSnapshot.ts) --------------------------

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
    return takeSnapshot(this.core, this.mmu)
  }

  /** Return to a snapshot (which stays valid). */
  restore(snapshot: MemoryManagerSnapshot): void {
    restoreSnapshot(this.core, this.mmu, snapshot)
  }

  /** A stable fingerprint of the mm state and the machine's. */
  digest(): string {
    return digestOf(this.core, this.mmu)
  }

  /**
   * Every cross-structure invariant, as violations (empty when sound): area trees and region lists
   * sound; PFN lists consistent; every valid user PTE maps an ACTIVE frame owned by exactly that
   * page (so no two PTEs share a private frame), inside a committed region, or the shared frame at
   * KUSER_SHARED_DATA; every transition PTE names a standby/modified frame of that page; every
   * page-file PTE a used slot; working-set sizes and commit charges equal what they count.
   */
  checkInvariants(): string[] {
    return checkInvariants(this.core)
  }
}

/** The number of pages of an area (convenience for callers). */
export function areaPages(area: MemoryArea): number {
  return areaLength(area) / PAGE_SIZE
}
