// The memory manager's working context (no single ReactOS counterpart: the globals and the
// EPROCESS fields ReactOS's mm functions reach directly), handed to every subsystem function
// (accessFault.ts, memoryAreas.ts, alterRegion.ts, pageMemoryConsumer.ts, ...): the state, the
// hardware it drives, the architecture layout, the recorder, the AddressSpace handles, and `emit`,
// which records an event and applies it — the one road by which live code changes mm state. The
// MmCore class is internal; the package exports only its recorder and policy types.

import type { FrameStore, HwEvent, PageTableEditor, PagingMode } from '@ntmm/hw-mmu'
import type { AddressSpace } from './addressSpace.js'
import type { AddressSpaceLayout } from './addressSpaceLayout.js'
import { type MmEvent, type MmPageFault, applyMmEvent, applyPageFault } from './events.js'
import type { MmState } from './mmState.js'
import type { FrameRequest } from './frameRequest.js'

/**
 * The replacement policies: NT working-set aging over one system-wide list (default), FIFO, LRU,
 * Clock (second chance), OPT, and 'nt': per-process working sets, the PFN lists as a cache, the
 * balance-set tick (NT-PAGING.md, docs/paging.md).
 */
export type ReplacementPolicyName = 'working-set' | 'fifo' | 'lru' | 'clock' | 'opt' | 'nt'

/** What the memory manager needs from the hardware (implemented over @ntmm/hw-mmu in mmuMachine.ts). */
export interface MachinePort {
  readonly mode: PagingMode
  readonly frames: FrameStore
  readonly editor: PageTableEditor
  /** True when the MMU can refuse instruction fetches (NX on). */
  readonly noExecute: boolean
  /** CR3 currently loaded. */
  currentCr3(): number
  /** Load CR3 (a context switch; flushes non-global TLB entries). */
  loadCr3(cr3: number): void
  /** INVLPG `va` in the current context. */
  invalidatePage(va: number): void
}

/** Receives every mm event (and, through the hardware, every hw event) in causal order. */
export type MmRecorder = (event: MmEvent | HwEvent) => void

/** A number naming page `address` of process `pid` (pids are small; x64 pages are below 2^36). */
export function pageKey(pid: number, address: number): number {
  return pid * 2 ** 36 + Math.floor(address / 0x1000)
}

/** The shared working context. */
export class MmCore {
  recorder: MmRecorder | undefined = undefined
  /** LRU clock: advanced by every noted access and fault. */
  tick = 0
  /** OPT: the future reference string (page-aligned addresses with their pid) and the cursor in it. */
  futureReferences: readonly { readonly pid: number; readonly address: number }[] = []
  futureCursor = 0
  /** OPT: each reference's page key (see `pageKey`) and the index of the key's next reference (-1: none). */
  futureKeys: Float64Array = new Float64Array(0)
  futureNext: Int32Array = new Int32Array(0)
  /**
   * OPT: the index of each page's next reference at or after `nextUseCursor` (absent: never), kept
   * up to date as noted accesses move the cursor; rebuilt from the string when the cursor moved
   * otherwise (a restore). So choosing a victim costs the resident pages, not the whole future.
   */
  nextUse = new Map<number, number>()
  nextUseCursor = -1
  /**
   * Frames no trim may take while an operation holds them (MMPFN.ReferenceCount in NT): the shared
   * page a copy-on-write is copying while it asks for the private frame. Always empty between
   * operations, so it is not state.
   */
  readonly pinnedFrames = new Set<number>()
  /** The AddressSpace handles by pid (they carry the lock and the node hint). */
  readonly handles = new Map<number, AddressSpace>()
  /**
   * The 'nt' policy's frame request and working-set growth (ntBalanceSet.ts), installed by the
   * memory manager; undefined under every other policy. Hooks rather than imports, so the fault
   * path does not import the policy that imports it.
   */
  ntFrameRequest: ((core: MmCore, request: FrameRequest) => number | undefined) | undefined = undefined
  ntBeforeGrow: ((core: MmCore, pid: number) => void) | undefined = undefined
  /**
   * The 'nt' policy: make the page table mapping `va` of space `pid` resident (demand-zero, soft
   * or hard, NT-PAGING.md §3.8), returning its frame, or undefined when no frame could be had.
   */
  ntPageTableIn: ((core: MmCore, pid: number, va: number) => number | undefined) | undefined = undefined
  /**
   * The page tables the operation in progress pinned in `pinnedFrames` (a fault pins the table of
   * its page so no trim takes it before the page is mapped); released when the fault ends.
   */
  readonly faultPinnedTables: number[] = []

  constructor(
    readonly state: MmState,
    readonly machine: MachinePort,
    readonly layout: AddressSpaceLayout,
    readonly policy: ReplacementPolicyName,
    /** PFN of the KUSER_SHARED_DATA frame. */
    public sharedDataPfn: number,
  ) {}

  /**
   * Record `event` and apply it: the way live code changes mm state (the fault path's unrecorded
   * events apply from their fields through applyMmEvent's own functions: events.ts).
   */
  emit(event: MmEvent): void {
    this.recorder?.(event)
    applyMmEvent(this.state, event, this.machine.frames)
  }

  /**
   * {@link emit} for MmAccessFault's `mm.pageFault` (recorded, then applied by the same function
   * as applyMmEvent's case): every fault emits one, and reading `event.type` in applyMmEvent's
   * switch is a megamorphic load (a dozen event shapes) that V8's stub cache can miss on every
   * call for one shape. Profiled in bench/ntPaging.ts: the soft fault's `mm.pageFault` missed on
   * each fault, ~1.3 µs of a ~3 µs fault, a third of its time, the demand-zero fault's did not.
   */
  emitPageFault(event: MmPageFault): void {
    this.recorder?.(event)
    applyPageFault(this.state, event)
  }

  /** The CR3 value of address space `pid` (undefined when it does not exist). */
  cr3Of(pid: number): number | undefined {
    const space = this.state.space(pid)
    return space === undefined ? undefined : space.directoryPfn * 0x1000
  }
}
