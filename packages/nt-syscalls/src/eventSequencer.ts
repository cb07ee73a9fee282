// The event sequencer of a Kernel: it numbers every event of every layer (a dense seq) and stamps
// it with its cause, the top of a stack of what is being handled (a system call, a memory access,
// the #PF it took, a process creation), then hands it on: to the recorder (eager recording), to
// the onEvent hook, and under deferred recording the inputs to the input log. No NT counterpart:
// an ETW session stamps events with a time, not a cause (docs/decisions/002).

import { eventLane, type HwRecordingLane } from '@ntmm/hw-mmu'
import { NO_CAUSE } from '@ntmm/trace'
import type { NtEvent } from './events.js'
import { applyKernelEvent, type KernelEvent, type KernelState } from './kernelState.js'
import type { MachineInputs } from './machineInputs.js'
import type { MachineRecorder } from './machineRecorder.js'
import type { MachineEvent } from './machineSchema.js'
import { ntStatusName } from './ntStatus.js'
import type { SyscallTracer } from './syscalls.js'

/** One entry of the machine's event log as `onEvent` receives it. */
export interface KernelEventRecord {
  /** Dense sequence number, from 0. */
  readonly seq: number
  /** The seq of the syscall or access that caused this event (undefined for top-level inputs). */
  readonly cause: number | undefined
  /** The event of whichever layer emitted it (`hw.*`, `mm.*` or `nt.*`). */
  readonly event: NtEvent | { readonly type: string }
}

const NONE = NO_CAUSE

/**
 * Shortens a stack to `length` (pop: setting `length` is a slow builtin call, and this runs once
 * per access).
 */
export function truncate(stack: number[], length: number): void {
  while (stack.length > length) stack.pop()
}

/** Where a Kernel's events and inputs go, and what causes each. */
export class EventSequencer {
  /** Eager recording: the recorder every event is appended to. */
  readonly recorder: MachineRecorder | undefined
  readonly onEvent: ((record: KernelEventRecord) => void) | undefined
  /** Deferred recording: the inputs not yet re-executed (see machineInputs.ts). */
  readonly inputs: MachineInputs | undefined
  /** True when events go somewhere (a recorder or an onEvent hook). */
  readonly tracing: boolean
  /** The seqs of what is being handled, innermost last: the next event's cause is the top. */
  readonly causes: number[] = []
  /** The seq of the hw.pageFault being handled (its mm events are caused by it), or -1. */
  openFault = -1
  /** The next seq when no recorder numbers the events. */
  #seq = 0
  readonly #state: KernelState
  readonly #tracer: SyscallTracer
  /** Deferred recording: the system call is an input, what it does is re-derived. */
  readonly #inputTracer: SyscallTracer | undefined

  /** `state`: the process table the Kernel's own events are applied to. */
  constructor(
    state: KernelState,
    recorder: MachineRecorder | undefined,
    onEvent: ((record: KernelEventRecord) => void) | undefined,
    inputs: MachineInputs | undefined,
  ) {
    this.#state = state
    this.recorder = recorder
    this.onEvent = onEvent
    this.inputs = inputs
    this.tracing = recorder !== undefined || onEvent !== undefined
    this.#tracer = {
      enter: (pid, service, args) => {
        const seq = this.record({ type: 'nt.syscallEntered', pid, service, arguments: args })
        this.causes.push(seq)
        return seq
      },
      leave: (token, pid, service, status, out) => {
        this.unwind(token)
        this.record(
          { type: 'nt.syscallReturned', pid, service, status, statusName: ntStatusName(status), out },
          token,
        )
      },
    }
    this.#inputTracer = inputs && {
      enter: (pid, service, args) => {
        inputs.other({ type: 'nt.syscallEntered', pid, service, arguments: args })
        return NONE
      },
      leave: () => {},
    }
  }

  /** Number of events numbered here (the recorder numbers its own). */
  get count(): number {
    return this.#seq
  }

  /** What the system services report their calls to: events when tracing, inputs when deferring. */
  syscallTracer(): SyscallTracer | undefined {
    return this.tracing ? this.#tracer : this.#inputTracer
  }

  /**
   * hw-mmu's recording lane: TLB hits and small stores straight into the recorder's typed
   * columns, no event objects. Without an onEvent hook the recorder itself is the lane (one
   * class at the MMU's call site); with one, this wrapper also hands it the events as objects.
   * Undefined without a recorder.
   */
  lane(): HwRecordingLane | undefined {
    const recorder = this.recorder
    if (recorder === undefined) return undefined
    recorder.causes = this.causes
    const onEvent = this.onEvent
    if (onEvent === undefined) return recorder
    const causes = this.causes
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

  /** Pop the cause stack down to (and including) `seq`, closing an open fault on the way. */
  unwind(seq: number): void {
    const index = this.causes.lastIndexOf(seq)
    if (index >= 0) truncate(this.causes, index)
    if (this.openFault >= 0 && !this.causes.includes(this.openFault)) this.openFault = -1
  }

  /** Pop the cause stack down to `depth` entries (closing an open fault it held). */
  unwindTo(depth: number): void {
    truncate(this.causes, depth)
    if (this.openFault >= 0 && !this.causes.includes(this.openFault)) this.openFault = -1
  }

  /** Number and hand on one event, caused by `explicitCause` or by the top of the stack. */
  record(
    event: NtEvent | KernelEvent | MachineEvent | { readonly type: string },
    explicitCause?: number,
  ): number {
    let cause = explicitCause ?? this.causes.at(-1)
    const type = event.type
    if (type === 'mm.pageFault' && this.openFault >= 0) {
      // The fault's own summary comes last; its cause is the #PF that started it.
      cause = this.openFault
      this.unwind(this.openFault)
    }
    const seq = this.recorder ? this.recorder.record(event, cause ?? NONE) : this.#seq++
    this.onEvent?.({ seq, cause, event })
    // An explicit balance-set tick (kernel.tick) is an input: it causes what the tick runs
    // (Kernel.tick takes it off the stack when the tick is over).
    if (type === 'mm.balanceSetTick' && cause === undefined) this.causes.push(seq)
    if (type === 'hw.pageFault') {
      // access → #PF → the memory manager's frame, PTE and mapping events.
      if (this.openFault >= 0) this.unwind(this.openFault)
      this.causes.push(seq)
      this.openFault = seq
    }
    return seq
  }

  /**
   * Record (when tracing) and apply a kernel-state event: the only way the process table changes.
   * Under deferred recording the kernel events no recorded input causes (`input`) are inputs
   * themselves.
   */
  emitKernel(event: KernelEvent, input = event.type !== 'nt.writeWatchChanged'): number | undefined {
    const seq = this.tracing ? this.record(event) : undefined
    if (this.inputs !== undefined && input) this.inputs.other(event)
    applyKernelEvent(this.#state, event)
    return seq
  }

  /** Run `run` with the event `seq` (when recorded) as the cause of everything it does. */
  causedBy<R>(seq: number | undefined, run: () => R): R {
    if (seq !== undefined) this.causes.push(seq)
    try {
      return run()
    } finally {
      if (seq !== undefined) this.unwind(seq)
    }
  }
}
