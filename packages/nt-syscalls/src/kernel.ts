// The Kernel: one simulated machine composing the MMU (@ntmm/hw-mmu), the memory manager
// (@ntmm/mm-core) and the executive of this package (object manager, handle tables, system
// services, Win32 layer), with processes. It owns the event log's sequence numbers and causes:
// every event of every layer reaches `onEvent` in order, stamped with the system call or access
// that caused it (docs/decisions/002).

import {
  eventLane,
  type FailedAccess,
  type HwRecordingLane,
  type Mmu,
  type TlbConfig,
  type TlbPresetName,
} from '@ntmm/hw-mmu'
import type { AccessFaultResult, AddressSpace, MemoryArea, MemoryManager } from '@ntmm/mm-core'
import { type CheckpointPolicy, NO_CAUSE, replayRange, Timeline, type TraceLog } from '@ntmm/trace'
import { InvariantError } from './assert.js'
import { capturePointer } from './captureArguments.js'
import { PAGE_SIZE } from './memoryConstants.js'
import { type Cpu, type CpuAccessResult, type CpuReadResult, exceptionFor } from './cpu.js'
import type { NtEvent } from './events.js'
import { ntStatusName, STATUS_ACCESS_VIOLATION, STATUS_SUCCESS } from './ntStatus.js'
import type { ProcessBody } from './objectHeader.js'
import type { DebugCall, KernelDebug } from './kernelDebug.js'
import { applyKernelEvent, type KernelEvent, type KernelProcessState, KernelState } from './kernelState.js'
import {
  ACCESS_CODE,
  FIRST_PID,
  littleEndian,
  type MachineConfig,
  type MachineEvent,
  MachineRecorder,
  type MachineSnapshot,
  type MachineState,
  machineModel,
  machineOptionsOf,
  memoryManagerFor,
} from './machineTrace.js'
import { MachineHistory } from './machineHistory.js'
import type { MachineExportOptions } from './machinePerfetto.js'
import type { SaveTraceOptions, SaveTraceResult } from './machineTraceFile.js'
import { ObjectManager } from './objectManager.js'
import { MachineInputs } from './machineInputs.js'
import type { ServiceContext } from './serviceContext.js'
import { createSyscalls, type NtSyscalls, type SyscallTracer } from './syscalls.js'
import { type Arch, type UserAddressLimits, userAddressLimits } from './userAddressLimits.js'
import type { VirtualMemoryPort } from './virtualMemoryPort.js'
import { createWin32Api, type LastErrorSlot, type Win32Api } from './win32.js'

/** One entry of the machine's event log as `onEvent` receives it. */
export interface KernelEventRecord {
  /** Dense sequence number, from 0. */
  readonly seq: number
  /** The seq of the syscall or access that caused this event (undefined for top-level inputs). */
  readonly cause: number | undefined
  /** The event of whichever layer emitted it (`hw.*`, `mm.*` or `nt.*`). */
  readonly event: NtEvent | { readonly type: string }
}

/** Options of {@link createKernel}. */
export interface KernelOptions {
  /** 'x86' (default, 32-bit two-level paging), 'x86-pae' or 'x64'. */
  readonly arch?: Arch
  /** Bytes of RAM (default 64 MiB). */
  readonly physicalMemory?: number
  /** Bytes of page file (default 128 MiB). */
  readonly pageFile?: number
  /** TLB configuration or preset name, passed to hw-mmu. */
  readonly tlb?: TlbConfig | TlbPresetName
  /** Seed of the machine's pseudo-random generator. */
  readonly seed?: number
  /** Page replacement policy of the memory manager (default 'working-set'). */
  readonly replacementPolicy?: MachineConfig['replacementPolicy']
  /**
   * Receives every event of every layer, in order. When recording, a TLB hit stored in its
   * access's row (docs/time-travel.md, Storage) arrives as `hw.tlbHit` with the access's seq.
   */
  readonly onEvent?: (record: KernelEventRecord) => void
  /**
   * Record every input and every event of every layer into {@link Kernel.trace} (docs/time-travel.md).
   * Recording changes nothing the simulation does.
   *
   * - `true` or `'deferred'`: while the machine runs, store its inputs only (process creation,
   *   system calls with their arguments, memory accesses with their data, debug calls); the first
   *   read of the trace (`trace`, `eventCount`, `at`, `timeline`, `history`, `saveTrace`,
   *   `exportTrace`) re-executes the inputs not yet replayed on a companion machine of the same
   *   configuration, which records every event. The same trace, event for event, as `'eager'`;
   *   running costs less, the first read more (rr's record-and-replay). Inputs are what goes
   *   through this Kernel's API (processes, `syscalls`, `win32`, `cpu`, `debug`); a change made
   *   straight through `kernel.mm` is not one and would not be in a deferred trace.
   * - `'eager'`: record every event as it happens (always so with an `onEvent` hook). Best when
   *   the trace is read as it grows or written out at the end anyway.
   */
  readonly record?: boolean | 'deferred' | 'eager'
  /** Checkpoint policy of the time-travel timeline (default: adaptive, see @ntmm/trace). */
  readonly checkpoints?: CheckpointPolicy
}

/** The parts a read-only view of the past is built from (internal: {@link Kernel.at}). */
export interface RestoredMachine {
  readonly state: MachineState
  /** Set for a read-only view of the past: the seq it shows the machine right after. */
  readonly seq?: number
  /** The log to keep recording into (a kernel loaded from a file). */
  readonly log?: TraceLog<MachineEvent>
}

/** A process as the kernel lists it. */
export interface ProcessInfo {
  readonly pid: number
  readonly name: string
  readonly exited: boolean
}

export { FIRST_PID }

/** The createKernel options that rebuild a machine of `config`. */
export function kernelOptionsOf(config: MachineConfig): KernelOptions {
  return machineOptionsOf(config)
}

/** The per-process objects the kernel hands out (caches, not state). */
interface ProcessFacades {
  syscalls?: NtSyscalls
  cpu?: Cpu
  win32?: Win32Api
}

/** Services a read-only view still answers (they change no state of the past). */
const VIEW_SYSCALLS: ReadonlySet<string> = new Set(['pid', 'NtQueryVirtualMemory'])
const VIEW_WIN32: ReadonlySet<string> = new Set([
  'pid',
  'GetCurrentProcess',
  'GetLastError',
  'VirtualQuery',
  'VirtualQueryEx',
])

/** Shortens a stack to `length` (pop: setting `length` is a slow builtin call, this is per access). */
// Module constants for the per-access path: under a CommonJS transform of ESM (tsx runs the
// benches that way) each read of an imported binding is a getter call.
const READ_CODE = ACCESS_CODE.read
const WRITE_CODE = ACCESS_CODE.write
const EXECUTE_CODE = ACCESS_CODE.execute
const toLittleEndian = littleEndian
const SUCCESS = STATUS_SUCCESS
const NONE = NO_CAUSE

function truncate(stack: number[], length: number): void {
  while (stack.length > length) stack.pop()
}

/** One simulated machine with processes. */
export class Kernel {
  readonly arch: Arch
  readonly limits: UserAddressLimits
  readonly ob: ObjectManager
  readonly mm: MemoryManager
  /** The machine configuration (what a trace header carries). */
  readonly config: MachineConfig
  /** For a view made by {@link Kernel.at}: the seq it shows the machine right after; else undefined. */
  readonly viewOf: number | undefined
  readonly #state: KernelState
  readonly #facades = new Map<number, ProcessFacades>()
  #debug: KernelDebug | undefined
  readonly #onEvent: ((record: KernelEventRecord) => void) | undefined
  readonly #recorder: MachineRecorder | undefined
  /** Deferred recording: the inputs not yet re-executed (see machineInputs.ts). */
  readonly #inputs: MachineInputs | undefined
  /** Deferred recording: the machine the inputs are re-executed on, recording every event. */
  #companion: Kernel | undefined
  /** Deferred recording: true while the companion re-executes (its appends read its log). */
  #replaying = false
  /** Deferred recording: why the companion's trace cannot be trusted (set once it went astray). */
  #diverged: string | undefined
  readonly #checkpointPolicy: CheckpointPolicy | undefined
  #history: MachineHistory | undefined
  #timeline: Timeline<MachineState, MachineEvent, MachineConfig, MachineSnapshot> | undefined
  #seq = 0
  readonly #causes: number[] = []
  /** The seq of the hw.pageFault being handled (its mm events are caused by it), or -1. */
  #openFault = -1
  readonly #vm: VirtualMemoryPort
  readonly #tracer: SyscallTracer
  /** Deferred recording: the system call is an input, what it does is re-derived. */
  readonly #inputTracer: SyscallTracer | undefined

  constructor(mm: MemoryManager, options: KernelOptions = {}, restored?: RestoredMachine) {
    this.arch = options.arch ?? 'x86'
    this.limits = userAddressLimits(this.arch)
    this.mm = mm
    this.config = {
      arch: this.arch,
      physicalMemory: mm.mmu.frames.frameCount * PAGE_SIZE,
      pageFile: mm.pageFileState.slotCount * PAGE_SIZE,
      tlb: options.tlb ?? null,
      replacementPolicy: mm.replacementPolicy,
      seed: options.seed ?? 0,
    }
    this.ob = new ObjectManager(restored?.state.ob)
    // The live process table changes in place (docs/decisions/005); time travel's is versioned.
    this.#state = restored?.state.kernel ?? new KernelState(FIRST_PID, { updates: 'inPlace' })
    this.viewOf = restored?.seq
    this.#checkpointPolicy = options.checkpoints
    const view = restored?.seq !== undefined
    this.#onEvent = view ? undefined : options.onEvent
    const ways = mm.mmu.state.tlbs.map((tlb) => tlb?.ways ?? 0)
    const record =
      view || options.record === undefined || options.record === false ? undefined : options.record
    const eager = record === 'eager' || (record !== undefined && this.#onEvent !== undefined)
    this.#recorder = restored?.log
      ? new MachineRecorder(restored.log, ways)
      : eager
        ? new MachineRecorder(undefined, ways)
        : undefined
    this.#inputs = record !== undefined && !eager && !restored?.log ? new MachineInputs() : undefined
    if (this.#onEvent || this.#recorder) {
      const recordEvent = (event: { readonly type: string }) => this.#record(event)
      this.ob.setRecorder(recordEvent)
      mm.setRecorder(recordEvent, this.#recorder ? this.#createLane(this.#recorder) : undefined)
    }
    this.#vm = this.#createPort()
    this.#tracer = {
      enter: (pid, service, args) => {
        const seq = this.#record({ type: 'nt.syscallEntered', pid, service, arguments: args })
        this.#causes.push(seq)
        return seq
      },
      leave: (token, pid, service, status, out) => {
        this.#unwind(token)
        this.#record(
          { type: 'nt.syscallReturned', pid, service, status, statusName: ntStatusName(status), out },
          token,
        )
      },
    }
    const inputs = this.#inputs
    this.#inputTracer = inputs && {
      enter: (pid, service, args) => {
        inputs.other({ type: 'nt.syscallEntered', pid, service, arguments: args })
        return NONE
      },
      leave: () => {},
    }
  }

  /**
   * hw-mmu's recording lane: TLB hits and small stores straight into the recorder's typed
   * columns, no event objects. Without an onEvent hook the recorder itself is the lane (one
   * class at the MMU's call site); with one, this wrapper also hands it the events as objects.
   */
  #createLane(recorder: MachineRecorder): HwRecordingLane {
    recorder.causes = this.#causes
    const onEvent = this.#onEvent
    if (onEvent === undefined) return recorder
    const causes = this.#causes
    return eventLane((event) => {
      const cause = causes.length === 0 ? NO_CAUSE : causes[causes.length - 1]!
      // A hit may merge into the access held back; the rest goes in as the event it is.
      const seq =
        event.type === 'hw.tlbHit'
          ? recorder.recordTlbHit(event.tlb, event.set, event.way, event.previousAge, cause)
          : recorder.record(event, cause)
      onEvent({ seq, cause: cause === NO_CAUSE ? undefined : cause, event })
    })
  }

  /** True when events go somewhere (a recorder or an onEvent hook). */
  get #tracing(): boolean {
    return this.#recorder !== undefined || this.#onEvent !== undefined
  }

  /** Pop the cause stack down to (and including) `seq`, closing an open fault on the way. */
  #unwind(seq: number): void {
    const index = this.#causes.lastIndexOf(seq)
    if (index >= 0) truncate(this.#causes, index)
    if (this.#openFault >= 0 && !this.#causes.includes(this.#openFault)) this.#openFault = -1
  }

  #record(
    event: NtEvent | KernelEvent | MachineEvent | { readonly type: string },
    explicitCause?: number,
  ): number {
    let cause = explicitCause ?? this.#causes.at(-1)
    const type = event.type
    if (type === 'mm.pageFault' && this.#openFault >= 0) {
      // The fault's own summary comes last; its cause is the #PF that started it.
      cause = this.#openFault
      this.#unwind(this.#openFault)
    }
    const seq = this.#recorder ? this.#recorder.record(event, cause ?? NONE) : this.#seq++
    this.#onEvent?.({ seq, cause, event })
    if (type === 'hw.pageFault') {
      // access → #PF → the memory manager's frame, PTE and mapping events.
      if (this.#openFault >= 0) this.#unwind(this.#openFault)
      this.#causes.push(seq)
      this.#openFault = seq
    }
    return seq
  }

  /** Record (when tracing) and apply a kernel-state event: the only way the process table changes. */
  #emitKernel(event: KernelEvent, input = event.type !== 'nt.writeWatchChanged'): number | undefined {
    const seq = this.#tracing ? this.#record(event) : undefined
    // Deferred recording: the kernel events that no recorded input causes (`input`) are inputs
    // themselves.
    if (this.#inputs !== undefined && input) this.#inputs.other(event)
    applyKernelEvent(this.#state, event)
    return seq
  }

  #refuse(call: string): never {
    throw new Error(
      `${call} is refused: this kernel is a read-only view of the machine right after event ${String(this.viewOf)} (kernel.at); it cannot change state`,
    )
  }

  // ---- the recorded trace and time travel ----

  /**
   * The recorded machine trace (`createKernel({ record: true })`); undefined when not recording.
   * Under deferred recording it is the companion machine's log, brought up to date whenever it is
   * read (see {@link KernelOptions.record}).
   */
  get trace(): TraceLog<MachineEvent> | undefined {
    if (this.#recorder !== undefined) return this.#recorder.log
    if (this.#inputs === undefined) return undefined
    if (this.#companion === undefined) {
      this.#companion = new Kernel(memoryManagerFor(this.config), { ...this.#options(), record: 'eager' })
      this.#companion.trace!.setUpdate(() => this.#catchUp())
    }
    return this.#companion.trace
  }

  /**
   * Deferred recording: re-execute the inputs recorded since the last read on the companion
   * machine. Called by every read of its log, including its own appends while it replays.
   */
  #catchUp(): void {
    if (this.#replaying) return
    // Once the companion went astray, its trace stays untrustworthy: every read says so.
    if (this.#diverged !== undefined) throw new InvariantError(this.#diverged)
    const inputs = this.#inputs as MachineInputs
    if (inputs.size === 0) return
    this.#replaying = true
    const companion = this.#companion as Kernel
    try {
      inputs.replay(companion)
    } finally {
      // Replayed inputs are in the companion's trace from now on: only the ones to come are kept.
      inputs.clear()
      this.#replaying = false
    }
    // The companion must now be where this machine is: a cheap look at both (commit, frame
    // lists, fault and paging counters, TLB statistics, processes) instead of a trace that is
    // silently wrong.
    const live = this.#fingerprint()
    const replayed = companion.#fingerprint()
    if (live.some((value, index) => value !== replayed[index])) {
      this.#diverged =
        'deferred recording: re-executing the recorded inputs did not bring the machine where it is ' +
        '(was it changed outside the Kernel API, e.g. through kernel.mm?); record such a run with ' +
        "createKernel({ record: 'eager' })"
      throw new InvariantError(this.#diverged)
    }
  }

  /** A few numbers any difference of two machines' states soon shows in (see #catchUp). */
  #fingerprint(): number[] {
    const mm = this.mm.counters
    const tlb = this.mm.mmu.statistics().data
    return [
      mm.commitCharge,
      mm.freePages,
      mm.zeroedPages,
      mm.standbyPages,
      mm.modifiedPages,
      mm.workingSetPages,
      mm.pageFileSlotsUsed,
      mm.pageFaults,
      mm.pagesWritten,
      mm.pagesRead,
      tlb.lookups,
      tlb.hits,
      tlb.misses,
      tlb.evictions,
      this.#state.processes.size,
      this.#state.nextPid,
      this.ob.state.nextObjectId,
    ]
  }

  /** Number of events recorded so far (0 when not recording). */
  get eventCount(): number {
    return this.trace?.length ?? this.#seq
  }

  /** The time-travel timeline over the recorded trace (built lazily; checkpoints as seeks pass). */
  get timeline(): Timeline<MachineState, MachineEvent, MachineConfig, MachineSnapshot> {
    if (this.viewOf !== undefined) this.#refuse('timeline')
    const log = this.trace
    if (!log) throw new Error('kernel.timeline needs a recording kernel: createKernel({ record: true })')
    this.#timeline ??= new Timeline({
      log,
      model: machineModel(this.config),
      config: this.config,
      ...(this.#checkpointPolicy ? { checkpoints: this.#checkpointPolicy } : {}),
    })
    return this.#timeline
  }

  /**
   * A read-only view of the whole machine as it was right after event `seq` (-1: before the
   * first event). Queries run the same code as live; calls that would change state throw.
   */
  at(seq: number): Kernel {
    const timeline = this.timeline
    if (!Number.isInteger(seq) || seq < -1 || seq >= timeline.length) {
      throw new RangeError(`seq ${String(seq)} must be an integer in [-1, ${timeline.length - 1}]`)
    }
    return Kernel.viewOver(timeline.copyOfStateAt(seq + 1), seq, this.#options())
  }

  /** Build a read-only Kernel over a machine state (a private copy) as of `seq`. */
  static viewOver(state: MachineState, seq: number, options: KernelOptions): Kernel {
    return new Kernel(state.mm, options, { state, seq })
  }

  /**
   * A kernel rebuilt from a recorded log by applying its events to the initial machine of
   * `config` (no logic re-run). It keeps recording into `log` when used further.
   */
  static fromLog(
    log: TraceLog<MachineEvent>,
    config: MachineConfig,
    options: { readonly checkpoints?: CheckpointPolicy } = {},
  ): Kernel {
    const model = machineModel(config)
    // One re-pointed view per kind, not an object per event (the timeline's own replay loop).
    const state = replayRange(log, model, model.initial(config), 0, log.length)
    return new Kernel(
      state.mm,
      { ...kernelOptionsOf(config), ...(options.checkpoints ? { checkpoints: options.checkpoints } : {}) },
      { state, log },
    )
  }

  /** Write the recorded trace to `path` (header: machine configuration and seed). */
  async saveTrace(path: string, options: SaveTraceOptions = {}): Promise<SaveTraceResult> {
    if (this.viewOf !== undefined) this.#refuse('saveTrace')
    const { saveMachineTrace } = await import('./machineTraceFile.js')
    return saveMachineTrace(this, path, options)
  }

  /** Export the recorded trace for Perfetto (ui.perfetto.dev) or chrome://tracing; returns the bytes written. */
  async exportTrace(path: string, options: MachineExportOptions = {}): Promise<number> {
    const log = this.trace
    if (!log || this.viewOf !== undefined) throw new Error('exportTrace needs a recording kernel')
    const { exportMachineTrace } = await import('./machinePerfetto.js')
    return exportMachineTrace(log, this.config, path, options)
  }

  /** Questions about the recorded past (when was this page mapped, written, paged out, ...). */
  get history(): MachineHistory {
    const log = this.trace
    if (!log || this.viewOf !== undefined) throw new Error('kernel.history needs a recording kernel')
    this.#history ??= new MachineHistory(log)
    return this.#history
  }

  #options(): KernelOptions {
    return kernelOptionsOf(this.config)
  }

  /**
   * Create a process: its object, its thread, its handle table and its address space. Throws a
   * RangeError when no frame is left for its page directory; the process is then taken back
   * (its objects deleted, its pid not reused), so the machine holds no half-made process.
   */
  createProcess(options: { readonly name?: string } = {}): { readonly pid: number } {
    if (this.viewOf !== undefined) this.#refuse('createProcess')
    const pid = this.#state.nextPid
    const tid = this.#state.nextTid
    const name = options.name ?? `process${pid}.exe`
    const nextObjectId = this.ob.state.nextObjectId
    const seq = this.#emitKernel({
      type: 'nt.processCreated',
      pid,
      tid,
      name,
      processObjectId: nextObjectId,
      threadObjectId: nextObjectId + 1,
    })
    if (seq !== undefined) this.#causes.push(seq)
    try {
      const process = this.ob.createObject('Process', { kind: 'Process', pid, name, exited: false })
      const thread = this.ob.createObject('Thread', { kind: 'Thread', tid, pid })
      if (process.id !== nextObjectId || thread.id !== nextObjectId + 1)
        throw new InvariantError('process and thread objects got unexpected ids')
      this.ob.createHandleTable(pid)
      const space = this.mm.createAddressSpace(pid)
      if (space.status !== STATUS_SUCCESS) {
        // No frame for the page directory. NtCreateProcess fails as a whole (PspCreateProcess
        // dereferences what it had made): take the process back, so none is left half made.
        this.#undoCreateProcess(pid)
        throw new RangeError(`${space.reason}; nothing was created`)
      }
    } finally {
      if (seq !== undefined) this.#unwind(seq)
    }
    return { pid }
  }

  /** Takes back a process whose address space could not be made (caused by its creation). */
  #undoCreateProcess(pid: number): void {
    const record = this.#live(pid)
    this.#emitProcessTerminated(pid, record, false)
    this.#dropProcess(pid, record)
  }

  /** Records (and applies) the end of `pid` in the process table; `input` as for #emitKernel. */
  #emitProcessTerminated(pid: number, record: KernelProcessState, input?: boolean): number | undefined {
    return this.#emitKernel(
      {
        type: 'nt.processTerminated',
        pid,
        processObjectId: record.processObjectId,
        threadObjectId: record.threadObjectId,
        lastError: record.lastError,
        writeWatch: [...record.writeWatch].map(([base, pages]) => ({ base, pages: [...pages] })),
      },
      input,
    )
  }

  /** Closes `pid`'s handles, tears down its address space (if it has one) and drops its objects. */
  #dropProcess(pid: number, record: KernelProcessState): void {
    this.ob.deleteHandleTable(pid)
    this.ob.markProcessExited(record.processObjectId)
    if (this.mm.addressSpace(pid) !== undefined) this.mm.deleteAddressSpace(pid)
    this.#facades.delete(pid)
    this.ob.dereferenceObject(record.threadObjectId)
    this.ob.dereferenceObject(record.processObjectId)
  }

  /**
   * Terminate a process: close its handles, tear down its address space, mark it exited and drop
   * its own references. The process object lives on while other processes hold handles to it
   * (their services then get STATUS_PROCESS_IS_TERMINATING).
   */
  terminateProcess(pid: number): void {
    if (this.viewOf !== undefined) this.#refuse('terminateProcess')
    const record = this.#live(pid)
    const seq = this.#emitProcessTerminated(pid, record)
    if (seq !== undefined) this.#causes.push(seq)
    try {
      this.#dropProcess(pid, record)
    } finally {
      if (seq !== undefined) this.#unwind(seq)
    }
  }

  /**
   * The debugger's surface: PTE rewrites without INVLPG, INVLPG, and the references the LRU and OPT
   * policies are fed (see {@link KernelDebug}). Each call that changes the machine is recorded as an
   * `nt.debugInput` input, so a verified replay re-executes it.
   */
  get debug(): KernelDebug {
    this.#debug ??= this.#createDebug()
    return this.#debug
  }

  /** Record (when tracing) a debug call as an input, and run it with its events caused by it. */
  #debugInput<R>(pid: number, call: DebugCall, run: () => R): R {
    if (this.viewOf !== undefined) this.#refuse(`debug.${call.call}`)
    this.#live(pid)
    const seq = this.#tracing ? this.#record({ type: 'nt.debugInput', pid, ...call }) : undefined
    this.#inputs?.other({ type: 'nt.debugInput', pid, ...call })
    if (seq !== undefined) this.#causes.push(seq)
    try {
      return run()
    } finally {
      if (seq !== undefined) this.#unwind(seq)
    }
  }

  #createDebug(): KernelDebug {
    const mm = this.mm
    return {
      readPte: (pid, address) => {
        this.#live(pid)
        const read = mm.mmu.pageTables.readEntry(this.#space(pid).cr3, address, 1)
        return read.ok ? { low: read.low, high: read.high } : undefined
      },
      writePte: (pid, address, { low, high }) =>
        this.#debugInput(
          pid,
          { call: 'writePte', address, low, high },
          () => mm.mmu.pageTables.writeEntry(this.#space(pid).cr3, address, 1, { low, high }).ok,
        ),
      invlpg: (pid, address) =>
        this.#debugInput(pid, { call: 'invlpg', address }, () => mm.mmuFor(pid).invlpg(address)),
      noteAccess: (pid, address) =>
        this.#debugInput(pid, { call: 'noteAccess', address }, () => mm.noteAccess(pid, address)),
      setFutureReferences: (pid, addresses) =>
        this.#debugInput(pid, { call: 'setFutureReferences', addresses: [...addresses] }, () =>
          mm.setFutureReferences(addresses.map((address) => ({ pid, address }))),
        ),
    }
  }

  /** Every process whose object still exists. */
  processes(): ProcessInfo[] {
    return this.ob.state
      .objects()
      .filter((header) => header.body.kind === 'Process')
      .map((header) => {
        const body = header.body as ProcessBody
        return { pid: body.pid, name: body.name, exited: body.exited }
      })
  }

  /** The system calls a thread of `pid` makes. Throws a RangeError for a pid with no live process. */
  syscalls(pid: number): NtSyscalls {
    this.#live(pid)
    const facades = this.#facadesOf(pid)
    if (!facades.syscalls) {
      const syscalls = createSyscalls(this.#context(pid), () =>
        this.#tracing ? this.#tracer : this.#inputTracer,
      )
      facades.syscalls =
        this.viewOf === undefined ? syscalls : this.#guard(syscalls, VIEW_SYSCALLS, 'syscalls')
    }
    return facades.syscalls
  }

  /** The Win32 API of `pid` (kernelbase over its system calls). */
  win32(pid: number): Win32Api {
    this.#live(pid)
    const facades = this.#facadesOf(pid)
    if (!facades.win32) {
      const win32 = createWin32Api(this.syscalls(pid), this.#lastErrorSlot(pid))
      facades.win32 = this.viewOf === undefined ? win32 : this.#guard(win32, VIEW_WIN32, 'win32')
    }
    return facades.win32
  }

  /** A thread of `pid` executing user-mode loads, stores and fetches. */
  cpu(pid: number): Cpu {
    this.#live(pid)
    const facades = this.#facadesOf(pid)
    facades.cpu ??= this.#createCpu(pid)
    return facades.cpu
  }

  #facadesOf(pid: number): ProcessFacades {
    let facades = this.#facades.get(pid)
    if (!facades) {
      facades = {}
      this.#facades.set(pid, facades)
    }
    return facades
  }

  /** A copy of `api` whose state-changing members throw (views of the past). */
  #guard<T extends object>(api: T, allowed: ReadonlySet<string>, family: string): T {
    const guarded: Record<string, unknown> = {}
    for (const [name, member] of Object.entries(api)) {
      guarded[name] = allowed.has(name) ? member : () => this.#refuse(`${family}(...).${name}`)
    }
    return guarded as T
  }

  /** TEB.LastErrorValue of `pid`'s thread, changed through nt.lastErrorChanged events. */
  #lastErrorSlot(pid: number): LastErrorSlot {
    const kernel = this
    return {
      get lastError(): number {
        return kernel.#state.processes.get(pid)?.lastError ?? 0
      },
      set lastError(value: number) {
        const process = kernel.#state.processes.get(pid)
        if (!process || process.lastError === value) return
        if (kernel.viewOf !== undefined) {
          // A view's own state changes, unrecorded (its records are immutable versions).
          applyKernelEvent(kernel.#state, {
            type: 'nt.lastErrorChanged',
            pid,
            value,
            previous: process.lastError,
          })
          return
        }
        kernel.#emitKernel({ type: 'nt.lastErrorChanged', pid, value, previous: process.lastError })
      },
    }
  }

  /** The address space of a live process (the services reach here only after referencing it). */
  #space(pid: number): AddressSpace {
    const space = this.mm.addressSpace(pid)
    if (!space) throw new InvariantError(`process ${String(pid)} has no address space`)
    return space
  }

  #live(pid: number) {
    const record = this.#state.processes.get(pid)
    if (!record) throw new RangeError(`no running process with pid ${String(pid)}`)
    return record
  }

  #context(pid: number): ServiceContext {
    return { pid, mode: 'user', limits: this.limits, ob: this.ob, vm: this.#vm }
  }

  // ---- memory access (user threads and the kernel copying on their behalf) ----

  /**
   * The MMU with `pid`'s address space loaded. Its #PF handler is the memory manager's own
   * (KiTrap0EHandler → MmAccessFault for the process whose CR3 is loaded); a failed access carries
   * MmAccessFault's answer, which classifies the exception.
   */
  #mmu(pid: number): Mmu<AccessFaultResult> {
    return this.mm.mmuFor(pid)
  }

  #noteWrite(pid: number, address: number, length: number): void {
    const record = this.#state.processes.get(pid)
    if (!record || record.writeWatch.size === 0 || length === 0) return
    for (let page = Math.floor(address / PAGE_SIZE) * PAGE_SIZE; page < address + length; page += PAGE_SIZE) {
      const area = this.mm.locateArea(this.#space(pid), page)
      const pages = area && record.writeWatch.get(area.startingAddress)
      if (!area || !pages || pages.has(page)) continue
      this.#setWatch(pid, area.startingAddress, [...pages, page])
    }
  }

  /** Replace the write-watch page set of the allocation at `base` (null: no longer watched). */
  #setWatch(pid: number, base: number, pages: readonly number[] | null): void {
    const previous = this.#state.processes.get(pid)?.writeWatch.get(base)
    this.#emitKernel({
      type: 'nt.writeWatchChanged',
      pid,
      base,
      pages: pages === null ? null : [...pages].sort((a, b) => a - b),
      previous: previous === undefined ? null : [...previous].sort((a, b) => a - b),
    })
  }

  #createCpu(pid: number): Cpu {
    const bad = (kind: 0 | 1 | 8, address: unknown) => ({
      status: STATUS_ACCESS_VIOLATION,
      exception: {
        code: STATUS_ACCESS_VIOLATION,
        accessKind: kind,
        address: typeof address === 'number' && Number.isFinite(address) ? address : 0,
      },
    })
    const traced = <R>(
      access: 'read' | 'write' | 'execute',
      address: number,
      length: number,
      data: ArrayLike<number> | undefined,
      run: () => R,
    ): R => {
      if (this.viewOf !== undefined) this.#refuse(`cpu(${pid}).${access}`)
      const inputs = this.#inputs
      const recorder = this.#recorder
      if (inputs === undefined && recorder === undefined && this.#onEvent === undefined) return run()
      const code = access === 'read' ? READ_CODE : access === 'write' ? WRITE_CODE : EXECUTE_CODE
      const low = data === undefined ? 0 : toLittleEndian(data, 0, 4)
      const high = data !== undefined && data.length > 4 ? toLittleEndian(data, 4, 4) : 0
      if (inputs !== undefined) {
        // Deferred recording: the access and its data are the input; what it does is re-derived.
        inputs.access(pid, code, address, length, low, high, data)
        return run()
      }
      const causes = this.#causes
      const depth = causes.length
      let seq: number
      if (recorder !== undefined) {
        seq = recorder.beginAccess(pid, code, address, length, low, high)
        const onEvent = this.#onEvent
        if (onEvent !== undefined) {
          onEvent({ seq, cause: undefined, event: { type: 'nt.cpuAccess', pid, access, address, length } })
        }
        // Bytes past the first 8 (an SSE or AVX store, a long write) follow as rows of 16.
        if (data !== undefined && data.length > 8) {
          const first = recorder.writeData(data, seq)
          if (onEvent !== undefined)
            for (let row = first; row < recorder.log.length; row++)
              onEvent({ seq: row, cause: seq, event: recorder.log.at(row)! })
        }
      } else {
        seq = this.#record({ type: 'nt.cpuAccess', pid, access, address, length }, undefined)
      }
      // The access causes what it does (the recorder's lane reads the top of this stack).
      causes.push(seq)
      try {
        return run()
      } finally {
        if (recorder !== undefined) recorder.flushAccess()
        if (causes.length === depth + 1) causes.pop()
        else truncate(causes, depth)
        this.#openFault = -1
      }
    }
    const raise = (failed: FailedAccess<AccessFaultResult>) => {
      const exception = exceptionFor(failed.fault, failed.response?.status)
      this.ob.emit(() => ({
        type: 'nt.exceptionRaised',
        pid,
        code: exception.code,
        codeName: ntStatusName(exception.code),
        accessKind: exception.accessKind,
        address: exception.address,
      }))
      return exception
    }
    // Addresses follow the capture rule of captureArguments.ts: x86 addresses are truncated to 32
    // bits like a C pointer; an access that would run past the top of the address space (or, on x64,
    // outside the canonical range) faults as an access violation without reaching the MMU.
    const x86 = this.limits.pointerBits === 32
    const canonical = (address: unknown, length: number): address is number => {
      if (!Number.isSafeInteger(address) || !Number.isSafeInteger(length) || length < 0) return false
      const start = address as number
      return x86
        ? start >= 0 && start + length <= 0x1_0000_0000
        : start >= -0x800000000000 && start + length <= 0x800000000000
    }
    const normalise = (address: unknown): unknown =>
      x86 && Number.isSafeInteger(address) ? (capturePointer(address, this.limits) as number) : address
    const validAddress = (address: unknown, length = 1): address is number => canonical(address, length)
    return {
      pid,
      read: (address, length): CpuReadResult => {
        if (!validAddress(address) || !Number.isSafeInteger(length) || length < 0)
          return { ...bad(0, address), data: new Uint8Array(0) }
        return traced('read', address, length, undefined, () => {
          const result = this.#mmu(pid).read(address, length, { mode: 'user' })
          if (result.ok) return { status: SUCCESS, data: result.data }
          const exception = raise(result)
          return { status: exception.code, data: new Uint8Array(0), exception }
        })
      },
      write: (rawAddress, data): CpuAccessResult => {
        const address = normalise(rawAddress)
        if (!(data instanceof Uint8Array || Array.isArray(data)) || !validAddress(address, data.length))
          return bad(1, address)
        return traced('write', address, data.length, data, () => {
          const result = this.#mmu(pid).write(address, data, { mode: 'user' })
          if (result.ok) {
            this.#noteWrite(pid, address, data.length)
            return { status: SUCCESS }
          }
          const exception = raise(result)
          return { status: exception.code, exception }
        })
      },
      execute: (rawAddress): CpuAccessResult => {
        const address = normalise(rawAddress)
        if (!validAddress(address)) return bad(8, address)
        return traced('execute', address, 1, undefined, () => {
          const result = this.#mmu(pid).fetch(address, 1, { mode: 'user' })
          if (result.ok) return { status: SUCCESS }
          const exception = raise(result)
          return { status: exception.code, exception }
        })
      },
      peek: (address, length): CpuReadResult => {
        if (!validAddress(address) || !Number.isSafeInteger(length) || length < 0)
          return { ...bad(0, address), data: new Uint8Array(0) }
        // Inspection through the memory manager's PTE reader: no CR3 load, no TLB fill, no event.
        const data = this.mm.peekSpace(pid, address, length)
        if (data) return { status: STATUS_SUCCESS, data }
        return { status: STATUS_ACCESS_VIOLATION, data: new Uint8Array(0) }
      },
    }
  }

  // ---- the services' view of the memory manager ----

  #createPort(): VirtualMemoryPort {
    const mm = this.mm
    const space = (pid: number) => this.#space(pid)
    const view = (pid: number, area: MemoryArea | undefined) =>
      area && {
        base: area.startingAddress,
        size: area.endingAddress - area.startingAddress,
        allocationProtect: area.protect,
        isPrivate: area.type === 'VIRTUAL_MEMORY',
        writeWatch: this.#state.processes.get(pid)?.writeWatch.has(area.startingAddress) ?? false,
      }
    const areaAt = (pid: number, base: number) => {
      const area = mm.locateArea(space(pid), base)
      if (!area) throw new RangeError(`no area at ${base.toString(16)} in ${pid}`)
      return area
    }
    /** Copy page by page, stopping at the first page the target cannot give or take. */
    const copy = (
      pid: number,
      address: number,
      length: number,
      step: (mmu: Mmu, at: number, offset: number, chunk: number) => boolean,
    ) => {
      const mmu = this.#mmu(pid)
      let done = 0
      while (done < length) {
        const at = address + done
        const chunk = Math.min(length - done, PAGE_SIZE - (at % PAGE_SIZE))
        if (!step(mmu, at, done, chunk)) break
        done += chunk
      }
      return done
    }
    return {
      allocationAt: (pid, address) => view(pid, mm.locateArea(space(pid), address)),
      allocationOverlapping: (pid, start, size) => view(pid, mm.locateAreaByRange(space(pid), start, size)),
      reserve: (pid, request) => {
        const result = mm.createArea(space(pid), {
          ...(request.base === undefined ? {} : { base: request.base }),
          size: request.size,
          topDown: request.topDown,
          highestAddress: request.highestAddress,
          type: 'VIRTUAL_MEMORY',
          protect: request.protect,
          commit: request.commit,
        })
        if (result.status !== STATUS_SUCCESS || !result.area) return { status: result.status }
        const base = result.area.startingAddress
        if (request.writeWatch) this.#setWatch(pid, base, [])
        return { status: STATUS_SUCCESS, base, size: result.area.endingAddress - base }
      },
      alter: (pid, allocationBase, start, size, state, protect) => {
        const result = mm.alterRegion(space(pid), areaAt(pid, allocationBase), start, size, state, protect)
        if (result.status === STATUS_SUCCESS && state !== 0x1000)
          this.#clearWatch(pid, allocationBase, start, size)
        return result
      },
      release: (pid, allocationBase, start, size) => {
        const area = areaAt(pid, allocationBase)
        const result = mm.releaseRange(space(pid), area, start, size)
        if (result.status === STATUS_SUCCESS) this.#moveWatch(pid, area, start, size)
        return result
      },
      query: (pid, address) => mm.queryAddress(space(pid), address),
      writeWatch: (pid, allocationBase, start, size, options) => {
        const pages = this.#state.processes.get(pid)?.writeWatch.get(allocationBase)
        if (!pages) return []
        const found = [...pages].filter((page) => page >= start && page < start + size).sort((a, b) => a - b)
        const reported = found.slice(0, options.limit)
        if (options.reset) {
          const last = reported.at(-1)
          const cleared = new Set(found.filter((page) => last === undefined || page <= last))
          if (cleared.size > 0)
            this.#setWatch(
              pid,
              allocationBase,
              [...pages].filter((page) => !cleared.has(page)),
            )
        }
        return reported
      },
      resetWriteWatch: (pid, allocationBase, start, size) =>
        this.#clearWatch(pid, allocationBase, start, size),
      copyFrom: (pid, address, length) => {
        const chunks: Uint8Array[] = []
        const done = copy(pid, address, length, (mmu, at, _offset, chunk) => {
          const result = mmu.read(at, chunk, { mode: 'user' })
          if (result.ok) chunks.push(result.data)
          return result.ok
        })
        const data = new Uint8Array(done)
        let offset = 0
        for (const chunk of chunks) {
          data.set(chunk, offset)
          offset += chunk.length
        }
        return { data, complete: done === length }
      },
      copyTo: (pid, address, data) => {
        const written = copy(pid, address, data.length, (mmu, at, offset, chunk) => {
          const ok = mmu.write(at, data.subarray(offset, offset + chunk), { mode: 'user' }).ok
          if (ok) this.#noteWrite(pid, at, chunk)
          return ok
        })
        return { written, complete: written === data.length }
      },
    }
  }

  #clearWatch(pid: number, allocationBase: number, start: number, size: number): void {
    const pages = this.#state.processes.get(pid)?.writeWatch.get(allocationBase)
    if (!pages) return
    const kept = [...pages].filter((page) => page < start || page >= start + size)
    if (kept.length !== pages.size) this.#setWatch(pid, allocationBase, kept)
  }

  /** After a release, the write-watch bits follow the pieces of the allocation that remain. */
  #moveWatch(pid: number, area: MemoryArea, start: number, size: number): void {
    const pages = this.#state.processes.get(pid)?.writeWatch.get(area.startingAddress)
    if (!pages) return
    const end = start + size
    const all = [...pages]
    this.#setWatch(pid, area.startingAddress, null)
    if (start > area.startingAddress) {
      this.#setWatch(
        pid,
        area.startingAddress,
        all.filter((page) => page < start),
      )
    }
    if (end < area.endingAddress)
      this.#setWatch(
        pid,
        end,
        all.filter((page) => page >= end),
      )
  }
}
