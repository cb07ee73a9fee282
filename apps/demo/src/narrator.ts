// The narrated log of a run: a kernel whose every event (hw.*, mm.*, nt.*, stamped with seq and
// cause by the Kernel's onEvent hook) is kept, and lines that tell the story step by step, each
// step followed by the events it caused, layer by layer. Scenarios and scripts write through it;
// expectations (the status a call returned, the bytes read, the exception raised) are checked
// here, and every failed one is a finding.
//
// The kernel always records (eagerly), so the seqs the narration prints are the recorded trace's:
// a number copied from `ntmm run` into `ntmm why` names the same event. (A kernel that only
// numbers its events for onEvent gives a pure TLB hit its own seq, where a recording stores the hit
// in its access's row: the numbers would drift apart after the first hit.)

import type { Kernel, KernelEventRecord } from '@ntmm/nt-syscalls'
import { describeEvent } from './describeEvent.js'
import { createMachine, type MachineConfig } from './machine.js'
import { faultPath, syscallPath } from './routinePath.js'

/** One event of the run, as the kernel reported it. */
export interface RunEvent {
  readonly seq: number
  readonly cause: number | undefined
  readonly event: { readonly type: string } & Readonly<Record<string, unknown>>
}

/** A checked expectation. */
export interface Expectation {
  readonly label: string
  readonly expected: string
  readonly actual: string
  readonly ok: boolean
}

/** Options of a Narrator. */
export interface NarratorOptions {
  /** Print every event, not only the narrated kinds. */
  readonly verbose?: boolean
  /**
   * Kept for callers that ask for a recording (`ntmm record`, `serve`): every narrator's kernel
   * records the whole machine into `kernel.trace`, so the narration's seqs are the trace's.
   */
  readonly record?: boolean
}

/** A kernel with its narrated log. */
export class Narrator {
  readonly kernel: Kernel
  readonly events: RunEvent[] = []
  readonly lines: string[] = []
  readonly expectations: Expectation[] = []
  readonly #verbose: boolean
  #flushed = 0
  #muted = false

  constructor(config: MachineConfig, options: NarratorOptions = {}) {
    this.#verbose = options.verbose === true
    this.kernel = createMachine(config, {
      onEvent: (record: KernelEventRecord) => {
        this.events.push(record as RunEvent)
      },
      record: true,
    })
  }

  /** Seq of the next event (the recorded trace's length). */
  get nextSeq(): number {
    return this.kernel.trace?.length ?? 0
  }

  /** Seq of the last event recorded so far (-1 before the first). */
  get lastSeq(): number {
    return this.nextSeq - 1
  }

  /** Starts a numbered step: pending events first, then a blank line and the title. */
  step(title: string): void {
    this.flush()
    this.lines.push('', title)
  }

  /** A line of narration after the events so far. */
  say(text: string): void {
    this.flush()
    this.lines.push(text)
  }

  /**
   * Runs `body` and narrates its events as counts by type (for bulk work: thousands of events);
   * a verbose log lists each event instead.
   */
  summarise<T>(body: () => T): T {
    this.flush()
    if (this.#verbose) {
      const result = body()
      this.flush()
      return result
    }
    const from = this.events.length
    const result = body()
    const counts = new Map<string, number>()
    for (const { event } of this.events.slice(from)) counts.set(event.type, (counts.get(event.type) ?? 0) + 1)
    const text = [...counts]
      .filter(([type]) => this.#verbose || interesting.has(type))
      .map(([type, count]) => `${count} ${type}`)
      .join(', ')
    if (text !== '') this.lines.push(`    events: ${text}`)
    this.#flushed = this.events.length
    return result
  }

  /**
   * Runs `body` (an inspection: queries, peeks, a read-back) without narrating its events; a
   * verbose log still lists them, after what `body` printed.
   */
  quietly<T>(body: () => T): T {
    this.flush()
    this.#muted = true
    try {
      return body()
    } finally {
      this.#muted = false
      if (this.#verbose) this.flush()
      this.#flushed = this.events.length
    }
  }

  /** Narrates the events since the last flush. */
  flush(): void {
    if (this.#muted) return
    for (let index = this.#flushed; index < this.events.length; index++) {
      const { seq, cause, event } = this.events[index]!
      const text = describeEvent(event) ?? (this.#verbose ? event.type : undefined)
      if (text === undefined) continue
      const layer = event.type.slice(0, event.type.indexOf('.'))
      // A TLB hit stored in its access's row shares the access's seq (the trace has no row of its own).
      const because =
        cause === seq
          ? '  (stored in the row of its access)'
          : cause === undefined
            ? ''
            : `  (cause #${cause})`
      const line = `    #${String(seq).padStart(3)} ${layer.padEnd(2)} ${text}${because}`
      this.lines.push(line)
      const path = this.#pathAfter(index)
      if (path !== undefined) this.lines.push(`${' '.repeat(line.indexOf(text))}↳ ${path}`)
    }
    this.#flushed = this.events.length
  }

  /**
   * The ReactOS routines behind event `index` when it starts a fault or a virtual-memory system
   * call, read from the events it caused (all in the log by the time a step is narrated).
   */
  #pathAfter(index: number): string | undefined {
    const { seq, event } = this.events[index]!
    if (event.type === 'hw.pageFault') {
      const outcome = this.events.find(
        (later, at) => at > index && later.cause === seq && later.event.type === 'mm.pageFault',
      )
      return faultPath(event, outcome?.event)
    }
    if (event.type === 'nt.syscallEntered') {
      const caused = this.events.filter((later, at) => at > index && later.cause === seq)
      return syscallPath(
        event,
        caused.map((later) => later.event),
      )
    }
    return undefined
  }

  /** Checks one expectation and narrates it (✓ or ✗). */
  expect(label: string, actual: string, expected: string): boolean {
    this.flush()
    const ok = actual === expected
    this.expectations.push({ label, expected, actual, ok })
    this.lines.push(ok ? `   ✓ ${label}: ${actual}` : `   ✗ ${label}: expected ${expected}, got ${actual}`)
    return ok
  }

  /** The failed expectations. */
  get failures(): Expectation[] {
    return this.expectations.filter((expectation) => !expectation.ok)
  }
}

/** Event kinds counted in summaries (the high-volume TLB and bus events are left out). */
const interesting = new Set([
  'nt.syscallEntered',
  'nt.cpuAccess',
  'nt.exceptionRaised',
  'mm.pageFault',
  'mm.frameRequested',
  'mm.mappingCreated',
  'mm.pageOut',
  'mm.pageWritten',
  'mm.pageIn',
  'mm.pageReclaimed',
  'mm.balanceSetTick',
  'mm.workingSetTrimmed',
  'mm.clusterWritten',
  'mm.pageZeroed',
  'hw.pageFault',
  'hw.tlbMiss',
  'hw.tlbEvict',
])
