// An address space (ReactOS MMSUPPORT / EPROCESS.Vm, and the kernel's MmKernelAddressSpace): the
// handle through which callers reach one process's MEMORY_AREA tree, with its lock
// (MmLockAddressSpace / MmUnlockAddressSpace) and the node hint of repeated lookups
// (MM_AVL_TABLE.NodeHint). The state itself lives in MmState (immutable AddressSpaceState records);
// this object only reads the current version.
//
// Lock discipline (stated, as ReactOS does, though the simulation is single-threaded): every
// operation that reads the tree and then changes it — creating or freeing an area, altering
// regions, resolving a fault — runs with the space locked; the subsystem functions (memoryAreas.ts,
// alterRegion.ts, releaseRange.ts, accessFault.ts) take the lock themselves and `assertLocked`
// checks it in the steps that need it. The lock is re-entrant here
// (a count), so a caller (NtAllocateVirtualMemory) may hold it across several steps.

import type { AddressSpaceLayout } from './addressSpaceLayout.js'
import type { AreaTree } from './areaTree.js'
import { assert } from './assert.js'
import type { MemoryArea } from './memoryArea.js'
import { type AddressSpaceState, KERNEL_SPACE_ID, type MmState } from './mmState.js'

/** One address space: a process's (pid > 0) or the kernel's ({@link KERNEL_SPACE_ID}). */
export class AddressSpace {
  private lockCount = 0
  private hintRoot: unknown
  private hintArea: MemoryArea | undefined

  /** @internal created by the MemoryManager. */
  constructor(
    /** The process id, or {@link KERNEL_SPACE_ID} for the system space. */
    readonly pid: number,
    readonly layout: AddressSpaceLayout,
    private readonly state: MmState,
  ) {}

  /** True for the system address space. */
  get isKernel(): boolean {
    return this.pid === KERNEL_SPACE_ID
  }

  /** The current state record (undefined once the space is deleted). */
  get record(): AddressSpaceState | undefined {
    return this.state.space(this.pid)
  }

  /** The current MEMORY_AREA tree (empty once deleted). */
  get tree(): AreaTree {
    const record = this.record
    assert(record !== undefined, () => `address space ${this.pid} is deleted`)
    return record.tree
  }

  /** CR3 of this space: the physical address of its top paging structure. */
  get cr3(): number {
    const record = this.record
    assert(record !== undefined, () => `address space ${this.pid} is deleted`)
    return record.directoryPfn * 0x1000
  }

  /** MmLockAddressSpace. */
  lock(): void {
    this.lockCount++
  }

  /** MmUnlockAddressSpace. */
  unlock(): void {
    assert(this.lockCount > 0, () => `address space ${this.pid} unlocked while not locked`)
    this.lockCount--
  }

  /** True while locked. */
  get isLocked(): boolean {
    return this.lockCount > 0
  }

  /** Assert the lock is held (a step that changes the tree was reached without it: a bug). */
  assertLocked(operation: string): void {
    assert(this.lockCount > 0, () => `${operation} needs the address-space lock of ${this.pid}`)
  }

  /**
   * MmLocateMemoryAreaByAddress with the node hint: the last area found is tried first, as long as
   * the tree has not changed since (areas are immutable, so the hint is tied to the tree version).
   */
  locate(address: number): MemoryArea | undefined {
    return this.locateIn(this.tree, address)
  }

  /**
   * {@link AddressSpace.locate} in `tree`, this space's current tree as its caller already holds
   * it (the fault path looks the space's record up once per fault).
   */
  locateIn(tree: AreaTree, address: number): MemoryArea | undefined {
    const hint = this.hintArea
    if (
      hint !== undefined &&
      this.hintRoot === tree.root &&
      address >= hint.startingAddress &&
      address < hint.endingAddress
    ) {
      return hint
    }
    const area = tree.locate(address)
    if (area !== undefined) {
      this.hintRoot = tree.root
      this.hintArea = area
    }
    return area
  }
}
