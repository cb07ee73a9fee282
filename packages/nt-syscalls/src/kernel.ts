// The Kernel: one simulated machine composing the MMU (@ntmm/hw-mmu), the memory manager
// (@ntmm/mm-core) and the executive of this package (object manager, handle tables, system
// services, Win32 layer), with processes. A facade: it builds the parts and hands out what a user
// holds (syscalls, cpu, win32 and debug per process; the trace and the views of the past). The
// parts share a KernelContext (kernelContext.ts): the event sequencer, which numbers every event
// of every layer and stamps its cause (eventSequencer.ts, docs/decisions/002); deferred recording
// (deferredRecording.ts); the CPU (createCpu.ts); the services' port to the memory manager
// (createVirtualMemoryPort.ts); write watch (writeWatch.ts); the debugger's surface
// (createKernelDebug.ts); process creation and termination (processLifecycle.ts); the views of
// the past (kernelViews.ts). NT has no one such object: this is the machine around ntoskrnl.
import type { TlbConfig, TlbPresetName } from '@ntmm/hw-mmu'
import type { MemoryManager, NtPagingOptions } from '@ntmm/mm-core'
import { type CheckpointPolicy, type Timeline, TraceFormatError, type TraceLog } from '@ntmm/trace'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import type { Cpu } from './cpu.js'
import { createCpu } from './createCpu.js'
import { createKernelDebug } from './createKernelDebug.js'
import { createVirtualMemoryPort } from './createVirtualMemoryPort.js'
import { DeferredRecording } from './deferredRecording.js'
import { EventSequencer, type KernelEventRecord } from './eventSequencer.js'
import { KernelContext } from './kernelContext.js'
import type { KernelDebug } from './kernelDebug.js'
import { applyKernelEvent, KernelState } from './kernelState.js'
import { guardView, KernelViews, machineStateAfter, VIEW_SYSCALLS, VIEW_WIN32 } from './kernelViews.js'
import { loadMachineState } from './loadMachineState.js'
import type { MachineHistory } from './machineHistory.js'
import { MachineInputs } from './machineInputs.js'
import {
  FIRST_PID,
  type MachineSnapshot,
  type MachineState,
  machineOptionsOf,
  memoryManagerFor,
} from './machineModel.js'
import { exportMachineTrace, type MachineExportOptions } from './machinePerfetto.js'
import { MachineRecorder } from './machineRecorder.js'
import type { MachineConfig, MachineEvent } from './machineSchema.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { ProcessBody } from './objectHeader.js'
import { ObjectManager } from './objectManager.js'
import { createProcess, terminateProcess } from './processLifecycle.js'
import type { ServiceContext } from './serviceContext.js'
import { createSyscalls, type NtSyscalls } from './syscalls.js'
import { type Arch, type UserAddressLimits, userAddressLimits } from './userAddressLimits.js'
import type { VirtualMemoryPort } from './virtualMemoryPort.js'
import { createWin32Api, type LastErrorSlot, type Win32Api } from './win32.js'
import { type SaveTraceOptions, type SaveTraceResult, writeMachineTrace } from './writeMachineTrace.js'

export type { KernelEventRecord }

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
  /**
   * A number recorded with the machine's configuration in the trace header, so a run can be
   * reproduced with the same options (default 0). Nothing in the simulation draws from it: a
   * random TLB replacement policy takes its own seed in the TLB configuration.
   */
  readonly seed?: number
  /**
   * Page replacement policy of the memory manager (default 'nt', Windows' per-process working
   * sets, docs/paging.md; 'working-set', the earlier default, by name).
   */
  readonly replacementPolicy?: MachineConfig['replacementPolicy']
  /**
   * The 'nt' policy's tick and thresholds (mm-core's NtPagingOptions; omitted fields take the
   * defaults scaled for the machine's size). Only with `replacementPolicy: 'nt'`.
   */
  readonly nt?: NtPagingOptions
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

/**
 * One simulated machine with processes. Its throws are the whole list below (the system services,
 * `cpu.*` and the Win32 functions answer every caller's mistake with a status, never a throw):
 * - RangeError: `syscalls`, `cpu`, `win32`, `terminateProcess` and `debug.*` for a pid with no
 *   running process; `createProcess` when no frame is left; `debug.*` for an address or PTE value
 *   the paging mode cannot take; `at` for a seq outside [-1, length − 1].
 * - TypeError: `createProcess` for options that are not an object, or a name that is not a string.
 * - Error: `timeline`, `at`, `history`, `saveTrace`, `exportTrace` on a kernel that does not
 *   record; on a read-only view of the past (`at`), every call that would change the machine.
 * - TraceFormatError: `fromLog` for a log that does not hold against the machine it builds.
 * - `saveTrace` and `exportTrace` reject with the file system's error when the file cannot be written.
 */
export class Kernel {
  readonly arch: Arch
  readonly limits: UserAddressLimits
  readonly ob: ObjectManager
  readonly mm: MemoryManager
  /** The machine configuration (what a trace header carries). */
  readonly config: MachineConfig
  /** For a view made by {@link Kernel.at}: the seq it shows the machine right after; else undefined. */
  readonly viewOf: number | undefined
  readonly #context: KernelContext
  readonly #sequencer: EventSequencer
  readonly #deferred: DeferredRecording | undefined
  readonly #views: KernelViews
  readonly #vm: VirtualMemoryPort
  readonly #facades = new Map<number, ProcessFacades>()
  #debug: KernelDebug | undefined

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
      ...(mm.ntConfig === undefined ? {} : { nt: mm.ntConfig }),
      seed: options.seed ?? 0,
    }
    this.ob = new ObjectManager(restored?.state.ob)
    // The live process table changes in place (docs/decisions/005); time travel's is versioned.
    const state = restored?.state.kernel ?? new KernelState(FIRST_PID, { updates: 'inPlace' })
    this.viewOf = restored?.seq
    const view = restored?.seq !== undefined
    const onEvent = view ? undefined : options.onEvent
    const ways = mm.mmu.state.tlbs.map((tlb) => tlb?.ways ?? 0)
    const record =
      view || options.record === undefined || options.record === false ? undefined : options.record
    const eager = record === 'eager' || (record !== undefined && onEvent !== undefined)
    const recorder = restored?.log
      ? new MachineRecorder(restored.log, ways)
      : eager
        ? new MachineRecorder(undefined, ways)
        : undefined
    const inputs = record !== undefined && !eager && !restored?.log ? new MachineInputs() : undefined
    const sequencer = new EventSequencer(state, recorder, onEvent, inputs)
    this.#sequencer = sequencer
    if (sequencer.tracing) {
      const recordEvent = (event: { readonly type: string }) => sequencer.record(event)
      this.ob.setRecorder(recordEvent)
      mm.setRecorder(recordEvent, sequencer.lane())
    }
    this.#context = new KernelContext({
      mm,
      ob: this.ob,
      state,
      limits: this.limits,
      sequencer,
      viewOf: this.viewOf,
    })
    this.#deferred =
      inputs &&
      new DeferredRecording(inputs, this.#context, () => {
        const companion = new Kernel(memoryManagerFor(this.config), { ...this.#options(), record: 'eager' })
        return { log: companion.trace!, target: companion, context: companion.#context }
      })
    this.#views = new KernelViews(this.config, options.checkpoints)
    this.#vm = createVirtualMemoryPort(this.#context)
    // A section object's last reference lets go of its segment (MiDereferenceControlArea). Live
    // machines only: a view of the past replays the segment's own events instead.
    if (!view) {
      this.ob.onObjectDeleted = (header) => {
        if (header.body.kind === 'Section') mm.dereferenceSegment(header.body.segmentId)
      }
    }
  }

  // ---- the recorded trace and time travel ----

  /**
   * The recorded machine trace (`createKernel({ record: true })`); undefined when not recording.
   * Under deferred recording it is the companion machine's log, brought up to date whenever it is
   * read (see {@link KernelOptions.record}).
   */
  get trace(): TraceLog<MachineEvent> | undefined {
    const recorder = this.#sequencer.recorder
    if (recorder !== undefined) return recorder.log
    return this.#deferred?.trace
  }

  /** Number of events recorded so far (0 when not recording). */
  get eventCount(): number {
    return this.trace?.length ?? this.#sequencer.count
  }

  /** The time-travel timeline over the recorded trace (built lazily; checkpoints as seeks pass). */
  get timeline(): Timeline<MachineState, MachineEvent, MachineConfig, MachineSnapshot> {
    if (this.viewOf !== undefined) this.#context.refuse('timeline')
    const log = this.trace
    if (!log) throw new Error('kernel.timeline needs a recording kernel: createKernel({ record: true })')
    return this.#views.timeline(log)
  }

  /**
   * A read-only view of the whole machine as it was right after event `seq` (-1: before the
   * first event). Queries run the same code as live; calls that would change state throw. Throws
   * a RangeError for a seq outside [-1, length − 1], an Error when the kernel does not record.
   */
  at(seq: number): Kernel {
    return Kernel.viewOver(machineStateAfter(this.timeline, seq), seq, this.#options())
  }

  /**
   * @internal The live machine's own state and the log it records into, for state blocks taken
   * from it as it runs (LiveStateBlocks): only for a live kernel recording eagerly (the state is
   * then the one after the log's last event whenever no call into the kernel is under way);
   * undefined otherwise (a deferred trace is a companion machine's; a view records nothing).
   */
  static liveStateOf(kernel: Kernel): { state: MachineState; log: TraceLog<MachineEvent> } | undefined {
    const recorder = kernel.#sequencer.recorder
    if (kernel.viewOf !== undefined || recorder === undefined) return undefined
    return { state: { mm: kernel.mm, ob: kernel.ob.state, kernel: kernel.#context.state }, log: recorder.log }
  }

  /** Build a read-only Kernel over a machine state (a private copy) as of `seq`. */
  static viewOver(state: MachineState, seq: number, options: KernelOptions): Kernel {
    return new Kernel(state.mm, options, { state, seq })
  }

  /**
   * A kernel rebuilt from a recorded log by applying its events to the initial machine of
   * `config` (no logic re-run). It keeps recording into `log` when used further. Each event is
   * checked against the machine it applies to, and the machine it builds against every invariant
   * (checkKernelInvariants, the TLB aside: a stale entry is a state the debugger can make).
   * `onProgress` hears how many events have been applied, every 2^18 events.
   * @throws TraceFormatError when the log does not hold: naming the seq and field of the event
   *   that does not apply, or the invariants the machine at its end breaks.
   */
  static fromLog(
    log: TraceLog<MachineEvent>,
    config: MachineConfig,
    options: {
      readonly checkpoints?: CheckpointPolicy
      readonly onProgress?: (events: number) => void
    } = {},
  ): Kernel {
    const state = loadMachineState(
      log,
      config,
      options.onProgress === undefined ? {} : { onProgress: options.onProgress },
    )
    const kernel = new Kernel(
      state.mm,
      { ...kernelOptionsOf(config), ...(options.checkpoints ? { checkpoints: options.checkpoints } : {}) },
      { state, log },
    )
    // The causes were checked as the log was read; the rest needs one walk of the whole machine.
    const problems = checkKernelInvariants(kernel, { tlb: false, traceFrom: log.length })
    if (problems.length > 0) {
      throw new TraceFormatError({
        seq: log.length - 1,
        reason: `the machine its events build is unsound: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`,
      })
    }
    return kernel
  }

  /** Write the recorded trace to `path` (header: machine configuration and seed). */
  async saveTrace(path: string, options: SaveTraceOptions = {}): Promise<SaveTraceResult> {
    if (this.viewOf !== undefined) this.#context.refuse('saveTrace')
    const log = this.trace
    if (!log) throw new Error('saveTrace needs a recording kernel: createKernel({ record: true })')
    return writeMachineTrace(log, this.config, path, options)
  }

  /** Export the recorded trace for Perfetto (ui.perfetto.dev) or chrome://tracing; returns the bytes written. */
  async exportTrace(path: string, options: MachineExportOptions = {}): Promise<number> {
    const log = this.trace
    if (!log || this.viewOf !== undefined) throw new Error('exportTrace needs a recording kernel')
    return exportMachineTrace(log, this.config, path, options)
  }

  /** Questions about the recorded past (when was this page mapped, written, paged out, ...). */
  get history(): MachineHistory {
    const log = this.trace
    if (!log || this.viewOf !== undefined) throw new Error('kernel.history needs a recording kernel')
    return this.#views.history(log)
  }

  #options(): KernelOptions {
    return kernelOptionsOf(this.config)
  }

  // ---- processes (processLifecycle.ts) ----

  /** One balance-set tick now ('nt', docs/paging.md): its number; 0 under another policy. A view of the past refuses it. */
  tick(): number {
    if (this.viewOf !== undefined) this.#context.refuse('tick')
    const mm = this.#context.mm
    const previousTick = mm.lastBalanceSetTick
    // No-op under another policy: nothing to record.
    if (previousTick === undefined) return 0
    // The tick's own mm.balanceSetTick (reason 'explicit', uncaused) is the input a replay
    // re-executes (replayInput), and the cause of the trims, writes and zeroing it runs.
    const sequencer = this.#sequencer
    sequencer.inputs?.other({
      type: 'mm.balanceSetTick',
      tick: previousTick + 1,
      previousTick,
      reason: 'explicit',
    })
    const depth = sequencer.causes.length
    try {
      return mm.balanceSetTick()
    } finally {
      sequencer.unwindTo(depth)
    }
  }

  /**
   * Create a process: its object, its thread, its handle table and its address space.
   * @throws RangeError when no frame is left for its page directory; the process is then taken
   *   back (its objects deleted, its pid not reused), so the machine holds no half-made process.
   * @throws TypeError, changing nothing, when `options` is not an object or its `name` is not a
   *   string (a view of the past refuses the call with an Error).
   */
  createProcess(options: { readonly name?: string } = {}): { readonly pid: number } {
    if (this.viewOf !== undefined) this.#context.refuse('createProcess')
    const given = options ?? {}
    if (typeof given !== 'object')
      throw new TypeError(`createProcess options ${String(given)} are not an object`)
    const name: unknown = given.name
    if (name !== undefined && typeof name !== 'string')
      throw new TypeError(
        `createProcess name ${typeof name === 'symbol' ? name.toString() : typeof name} is not a string`,
      )
    return { pid: createProcess(this.#context, name) }
  }

  /**
   * Terminate a process: close its handles, tear down its address space, mark it exited and drop
   * its own references. The process object lives on while other processes hold handles to it
   * (their services then get STATUS_PROCESS_IS_TERMINATING). Throws a RangeError, changing
   * nothing, for a pid with no running process.
   */
  terminateProcess(pid: number): void {
    if (this.viewOf !== undefined) this.#context.refuse('terminateProcess')
    terminateProcess(this.#context, pid)
    this.#facades.delete(pid)
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

  // ---- what a process's threads are handed ----

  /**
   * The debugger's surface: PTE rewrites without INVLPG, INVLPG, and the references the LRU and OPT
   * policies are fed (see {@link KernelDebug}). Each call that changes the machine is recorded as an
   * `nt.debugInput` input, so a verified replay re-executes it.
   */
  get debug(): KernelDebug {
    this.#debug ??= createKernelDebug(this.#context)
    return this.#debug
  }

  /** The system calls a thread of `pid` makes. Throws a RangeError for a pid with no live process. */
  syscalls(pid: number): NtSyscalls {
    this.#context.live(pid)
    const facades = this.#facadesOf(pid)
    if (!facades.syscalls) {
      const sequencer = this.#sequencer
      const syscalls = createSyscalls(this.#serviceContext(pid), () => sequencer.syscallTracer())
      facades.syscalls =
        this.viewOf === undefined ? syscalls : this.#guard(syscalls, VIEW_SYSCALLS, 'syscalls')
    }
    return facades.syscalls
  }

  /** The Win32 API of `pid` (kernelbase over its system calls). Throws a RangeError for a pid with no live process. */
  win32(pid: number): Win32Api {
    this.#context.live(pid)
    const facades = this.#facadesOf(pid)
    if (!facades.win32) {
      const win32 = createWin32Api(this.syscalls(pid), this.#lastErrorSlot(pid), this.limits.pointerBits)
      facades.win32 = this.viewOf === undefined ? win32 : this.#guard(win32, VIEW_WIN32, 'win32')
    }
    return facades.win32
  }

  /** A thread of `pid` executing user-mode loads, stores and fetches. Throws a RangeError for a pid with no live process. */
  cpu(pid: number): Cpu {
    this.#context.live(pid)
    const facades = this.#facadesOf(pid)
    facades.cpu ??= createCpu(this.#context, pid)
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
    const context = this.#context
    return guardView(api, allowed, family, (call) => context.refuse(call))
  }

  /** TEB.LastErrorValue of `pid`'s thread, changed through nt.lastErrorChanged events. */
  #lastErrorSlot(pid: number): LastErrorSlot {
    const context = this.#context
    return {
      get lastError(): number {
        return context.state.processes.get(pid)?.lastError ?? 0
      },
      set lastError(value: number) {
        const process = context.state.processes.get(pid)
        if (!process || process.lastError === value) return
        if (context.viewOf !== undefined) {
          // A view's own state changes, unrecorded (its records are immutable versions).
          applyKernelEvent(context.state, {
            type: 'nt.lastErrorChanged',
            pid,
            value,
            previous: process.lastError,
          })
          return
        }
        context.sequencer.emitKernel({ type: 'nt.lastErrorChanged', pid, value, previous: process.lastError })
      },
    }
  }

  #serviceContext(pid: number): ServiceContext {
    return { pid, mode: 'user', limits: this.limits, ob: this.ob, vm: this.#vm, mm: this.mm }
  }
}
