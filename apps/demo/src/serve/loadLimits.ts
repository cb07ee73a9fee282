// The bounds of loading a trace into the explorer (`ntmm serve`), with their defaults: a leaf, so
// `serve --help` states the defaults without loading the load worker and the simulator.

/** The bounds of one load; {@link defaultLoadLimits} lists the defaults. */
export interface TraceLoadLimits {
  /** Largest inflated size of a gzip upload, in bytes. */
  readonly maxDecompressedBytes: number
  /** Most events a loaded (or imported) trace may have. */
  readonly maxEvents: number
  /** Longest line of a memory trace, in bytes (memory traces have lines of a few dozen bytes). */
  readonly maxLineBytes: number
  /** Time a load may take before its worker is stopped, in milliseconds. */
  readonly timeoutMs: number
  /** Heap of the load worker (its resourceLimits' old generation), in MiB. */
  readonly memoryMb: number
  /**
   * Largest page file and RAM a trace's header may configure, in bytes: the machine is built from
   * them before any event is read, and some allocations past V8's table limits end the whole
   * process, worker or not (a 2^40-byte page file did), so they are checked before loading.
   */
  readonly maxPageFileBytes: number
  readonly maxPhysicalMemoryBytes: number
}

/** The defaults, documented in docs/explorer.md. */
export const defaultLoadLimits: TraceLoadLimits = {
  maxDecompressedBytes: 512 * 1024 * 1024,
  maxEvents: 5_000_000,
  maxLineBytes: 64 * 1024,
  timeoutMs: 120_000,
  memoryMb: 4096,
  maxPageFileBytes: 4 * 1024 ** 3,
  maxPhysicalMemoryBytes: 4 * 1024 ** 3,
}
