// The options of replayMemoryTrace (replayMemoryTrace.ts): the format, the process, the address
// policy (a 'layout' placed up front, or 64 KiB heap blocks on first touch), what to do with a
// malformed line, what to replay and note, and the progress told.

import type { MemoryTraceFormat } from './memoryTraceFormats.js'

/** A range the user places before the replay (the 'layout' policy). */
export interface LayoutRange {
  readonly address: number
  readonly size: number
  /** Win32 protection (default PAGE_EXECUTE_READWRITE). */
  readonly protect?: number
}

/** Progress of a long import. */
export interface ImportProgress {
  readonly lines: number
  readonly accesses: number
}

/** Options of `replayMemoryTrace`. */
export interface ReplayMemoryTraceOptions {
  /** The format (default: detected from the first lines). */
  readonly format?: MemoryTraceFormat
  /** The process to replay in (default: a new process named `name`). */
  readonly pid?: number
  /** Name of the process created when no pid is given (default 'trace.exe'). */
  readonly name?: string
  /** Ranges to allocate up front instead of the default on-first-touch 64 KiB blocks. */
  readonly layout?: readonly LayoutRange[]
  /** 'stop' (default) at the first malformed line, or 'skip' it and go on. */
  readonly onError?: 'stop' | 'skip'
  /** Replay instruction fetches (lackey `I` lines; default true). */
  readonly instructions?: boolean
  /**
   * Note every access for the LRU replacement policy (`kernel.debug.noteAccess` before each,
   * default false). The hardware keeps no order of references, only Accessed bits, so the
   * simulator's exact LRU learns of references from these notes: without them it sees only the
   * faults that made pages resident. A recording kernel records each note as an input.
   */
  readonly noteAccesses?: boolean
  /**
   * Give Belady's OPT policy its future (default false): the trace is read whole first, every
   * block placed in first-touch order, and the translated accesses handed to
   * `kernel.debug.setFutureReferences`; then the accesses are replayed, each noted (OPT moves
   * along the string as accesses are noted). Memory grows with the trace (about 24 bytes per
   * access) and progress reports lines as they are read, before the replay.
   */
  readonly futureReferences?: boolean
  /**
   * Make each access by its own `kernel.cpu(pid)` call (`readInto`, `write`, `execute`) instead of
   * handing them over a run at a time (`Cpu.runAccesses`, default). The outcome is the same: the
   * reference the runs are tested against (noteAccesses go with the run, each access noted before
   * it is made; futureReferences always go one by one).
   */
  readonly perAccess?: boolean
  /** Page size for page lists (default 4096). */
  readonly pageSize?: number
  /** Called every `progressEvery` lines (default 65536) and at the end. */
  readonly onProgress?: (progress: ImportProgress) => void
  readonly progressEvery?: number
}
