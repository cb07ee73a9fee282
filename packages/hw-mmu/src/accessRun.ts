// A run of user-mode accesses waiting to be executed in order: what a CPU replaying a program's
// memory trace (valgrind lackey, a course trace) hands the MMU a batch at a time, in typed arrays,
// instead of one call per access. Each entry is a kind (read, write, instruction fetch), a linear
// address and a byte count; every write stores the first `size` bytes of the run's `data` (a
// trace of addresses carries no values: zeros unless the caller sets them). The run holds no
// machine state: executing it (mmuBatch.ts, nt-syscalls' Cpu.runAccesses) does exactly what the
// same accesses made one by one do.

// The kinds of an AccessRun's entries: hw-mmu's access codes.
/** An {@link AccessRun} entry's kind: a load (`Mmu.readInto`). */
export const RUN_READ = 0
/** An {@link AccessRun} entry's kind: a store (`Mmu.write`). */
export const RUN_WRITE = 1
/** An {@link AccessRun} entry's kind: an instruction fetch (`Mmu.fetchInto`). */
export const RUN_EXECUTE = 2

/**
 * A batch of accesses in typed arrays, filled with {@link AccessRun.push} (or by writing the
 * arrays' next entries and then `length`), emptied with {@link AccessRun.clear}.
 */
export class AccessRun {
  /** RUN_READ, RUN_WRITE or RUN_EXECUTE per entry. */
  readonly kinds: Uint8Array
  /** The linear address of each entry (any number: an address the CPU refuses is refused when executed). */
  readonly addresses: Float64Array
  /** The byte count of each entry. */
  readonly sizes: Uint32Array
  /** Entries in use (the first `length` of each array). */
  length = 0
  #data: Uint8Array
  /** Views of `data`'s first n bytes, by n (made once: a write allocates nothing). */
  #views: Uint8Array[] = []

  /** A run of up to `capacity` entries (an integer in [1, 2^24]). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 24)
      throw new RangeError(`capacity ${capacity} must be an integer in [1, 2^24]`)
    this.kinds = new Uint8Array(capacity)
    this.addresses = new Float64Array(capacity)
    this.sizes = new Uint32Array(capacity)
    this.#data = new Uint8Array(64)
  }

  /** True when no entry can be added. */
  get full(): boolean {
    return this.length === this.capacity
  }

  /**
   * The bytes each write stores (its first `size`): zeros until the caller writes into it. Grown,
   * with zeros past its old end, for a longer write.
   */
  get data(): Uint8Array {
    return this.#data
  }

  /** Appends an access (kind RUN_READ, RUN_WRITE or RUN_EXECUTE). Throws a RangeError when full. */
  push(kind: number, address: number, size: number): void {
    const index = this.length
    if (index === this.capacity) throw new RangeError(`the run is full (${this.capacity} accesses)`)
    this.kinds[index] = kind
    this.addresses[index] = address
    this.sizes[index] = size
    this.length = index + 1
  }

  /** Empties the run (its data stays). */
  clear(): void {
    this.length = 0
  }

  /** The first `size` bytes of `data`: what a write of `size` bytes stores. */
  dataOf(size: number): Uint8Array {
    let view = this.#views[size]
    if (view === undefined) {
      if (size > this.#data.length) {
        const data = new Uint8Array(Math.max(size, this.#data.length * 2))
        data.set(this.#data)
        this.#data = data
        this.#views = []
      }
      view = this.#data.subarray(0, size)
      this.#views[size] = view
    }
    return view
  }
}
