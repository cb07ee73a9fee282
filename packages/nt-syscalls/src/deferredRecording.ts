// Deferred recording (createKernel({ record: true })): while the machine runs, the event sequencer
// stores its inputs only (machineInputs.ts); the first read of the trace re-executes the inputs not
// yet replayed on a companion machine of the same configuration, which records every event (rr's
// record-and-replay), then checks with a fingerprint of both machines that the companion is where
// the live machine is. No NT counterpart.

import type { TraceLog } from '@ntmm/trace'
import { InvariantError } from './assert.js'
import type { KernelContext } from './kernelContext.js'
import type { MachineInputs, MachineInputTarget } from './machineInputs.js'
import type { MachineEvent } from './machineSchema.js'

/** The machine a deferred recording re-executes its inputs on, recording every event. */
export interface CompanionMachine {
  /** Its eager trace: the deferred recording's trace. */
  readonly log: TraceLog<MachineEvent>
  /** Where its inputs are re-executed (the companion Kernel). */
  readonly target: MachineInputTarget
  /** Its parts, for the fingerprint. */
  readonly context: KernelContext
}

/** A few numbers any difference of two machines' states soon shows in (see {@link DeferredRecording}). */
export function machineFingerprint(context: KernelContext): number[] {
  const mm = context.mm.counters
  const tlb = context.mm.mmu.statistics().data
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
    context.state.processes.size,
    context.state.nextPid,
    context.ob.state.nextObjectId,
  ]
}

/** The trace of a deferred recording: the companion's log, brought up to date whenever it is read. */
export class DeferredRecording {
  readonly #inputs: MachineInputs
  /** The live machine's parts (for the fingerprint). */
  readonly #live: KernelContext
  readonly #createCompanion: () => CompanionMachine
  #companion: CompanionMachine | undefined
  /** True while the companion re-executes (its appends read its log). */
  #replaying = false
  /** Why the companion's trace cannot be trusted (set once it went astray). */
  #diverged: string | undefined

  /** `createCompanion`: a fresh eager-recording machine of the live one's configuration. */
  constructor(inputs: MachineInputs, live: KernelContext, createCompanion: () => CompanionMachine) {
    this.#inputs = inputs
    this.#live = live
    this.#createCompanion = createCompanion
  }

  /** The companion's log (made on first use); every read of it first catches up. */
  get trace(): TraceLog<MachineEvent> {
    if (this.#companion === undefined) {
      this.#companion = this.#createCompanion()
      this.#companion.log.setUpdate(() => this.#catchUp())
    }
    return this.#companion.log
  }

  /**
   * Re-execute the inputs recorded since the last read on the companion machine. Called by every
   * read of its log, including its own appends while it replays.
   */
  #catchUp(): void {
    if (this.#replaying) return
    // Once the companion went astray, its trace stays untrustworthy: every read says so.
    if (this.#diverged !== undefined) throw new InvariantError(this.#diverged)
    const inputs = this.#inputs
    if (inputs.size === 0) return
    this.#replaying = true
    const companion = this.#companion as CompanionMachine
    try {
      inputs.replay(companion.target)
    } finally {
      // Replayed inputs are in the companion's trace from now on: only the ones to come are kept.
      inputs.clear()
      this.#replaying = false
    }
    // The companion must now be where this machine is: a cheap look at both (commit, frame
    // lists, fault and paging counters, TLB statistics, processes) instead of a trace that is
    // silently wrong.
    const live = machineFingerprint(this.#live)
    const replayed = machineFingerprint(companion.context)
    if (live.some((value, index) => value !== replayed[index])) {
      this.#diverged =
        'deferred recording: re-executing the recorded inputs did not bring the machine where it is ' +
        '(was it changed outside the Kernel API, e.g. through kernel.mm?); record such a run with ' +
        "createKernel({ record: 'eager' })"
      throw new InvariantError(this.#diverged)
    }
  }
}
