// The kernel debugger's surface (kernel.debug): changes made to the machine from outside any
// thread or system service, for teaching what the OS normally prevents (a PTE rewritten without
// INVLPG leaves a stale TLB entry, as a !pte edit in WinDbg would) and for feeding the LRU and OPT
// replacement policies the references they cannot observe themselves. Every call that changes the
// machine is an input of the recording (`nt.debugInput`), caused by nothing, whose effects are
// caused by it, so `verifyTrace(path)` re-executes it.

/** A level-1 PTE as two 32-bit halves (`high` is 0 on non-PAE x86). */
export interface DebugPteValue {
  readonly low: number
  readonly high: number
}

/** One call of {@link KernelDebug} as the machine trace stores it (the `nt.debugInput` event). */
export type DebugCall =
  | { readonly call: 'writePte'; readonly address: number; readonly low: number; readonly high: number }
  | { readonly call: 'invlpg'; readonly address: number }
  | { readonly call: 'noteAccess'; readonly address: number }
  | { readonly call: 'setFutureReferences'; readonly addresses: readonly number[] }

/**
 * `kernel.debug`: a debugger's hands on the machine. Each method takes the process whose address
 * space it acts in. Its throws are the whole list: a RangeError for a pid with no live process, for
 * an address the paging mode cannot take (x86: an integer in [0, 2^32); x64: a canonical one, the
 * kernel half negative), for a PTE value whose halves are not 32-bit unsigned integers or that the
 * paging mode's entry cannot hold (a high half in 32-bit paging), and for future references that are not an
 * array of such addresses; views of the past refuse the calls that change the machine (an Error).
 * A refused call changes nothing and records nothing.
 */
export interface KernelDebug {
  /** The level-1 PTE mapping `address` in `pid`'s page tables (no TLB effect, no event); undefined without a page table. */
  readPte(pid: number, address: number): DebugPteValue | undefined
  /**
   * Rewrite the level-1 PTE mapping `address` in `pid`'s page tables, with no INVLPG: a TLB entry
   * for the page stays stale until invalidated. The memory manager is not told (restore the old
   * value before it next looks). False when there is no page table for `address`.
   */
  writePte(pid: number, address: number, value: DebugPteValue): boolean
  /** INVLPG `address` with `pid`'s address space loaded. */
  invlpg(pid: number, address: number): void
  /** Note a reference to `address` by `pid` for the LRU policy (and OPT's cursor): MemoryManager.noteAccess. */
  noteAccess(pid: number, address: number): void
  /**
   * Note the references `addresses[from, to)` by `pid`, in order: exactly {@link noteAccess} of
   * each (the same throws, after the notes before it), cheaper per reference while nothing
   * records (a replay's run of accesses, Cpu.runAccesses' note).
   */
  noteAccessRun(pid: number, addresses: ArrayLike<number>, from: number, to: number): void
  /** OPT's future reference string: the addresses `pid` will reference, in order. */
  setFutureReferences(pid: number, addresses: readonly number[]): void
}
