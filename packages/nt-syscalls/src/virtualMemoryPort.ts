// The view the system services have of the memory manager: exactly the operations the NT services
// need, in already-validated, already-rounded terms, named after the memory-manager routines they
// stand for. createVirtualMemoryPort.ts implements it over mm-core's MemoryManager; keeping the
// services behind this small port keeps parameter rules (here) and memory-manager structures
// (mm-core) apart.

import type { MEM_COMMIT, MEM_RESERVE } from './memoryConstants.js'

/** MEMORY_BASIC_INFORMATION as NtQueryVirtualMemory returns it (mm-core's record). */
import type { MemoryBasicInformation } from '@ntmm/mm-core'

export type { MemoryBasicInformation }

/** An allocation (a VAD / MEMORY_AREA of private memory) as the services see it. */
export interface AllocationView {
  readonly base: number
  /** Bytes, page multiple. */
  readonly size: number
  /** The protection given at reservation (AllocationProtect). */
  readonly allocationProtect: number
  /** Private virtual memory (MEM_PRIVATE); false for anything else (shared data page, views). */
  readonly isPrivate: boolean
  /** A section view: the kind of its segment (undefined for anything that is not a view). */
  readonly sectionKind: 'pagefile' | 'file' | 'image' | undefined
  readonly writeWatch: boolean
}

/** A status-bearing result of a memory-manager operation. */
export interface PortResult {
  readonly status: number
}

/** What the kernel's memory manager offers the services, per process. */
export interface VirtualMemoryPort {
  /** MiLocateAddress: the allocation containing `address`. */
  allocationAt(pid: number, address: number): AllocationView | undefined
  /** Any allocation overlapping [start, start + size) (MiCheckForConflictingNode). */
  allocationOverlapping(pid: number, start: number, size: number): AllocationView | undefined
  /**
   * MmCreateMemoryArea (ARM3: MiInsertVadEx): reserve (and commit) a new allocation; base
   * undefined = the system chooses.
   */
  createMemoryArea(
    pid: number,
    request: {
      readonly base: number | undefined
      readonly size: number
      readonly topDown: boolean
      readonly highestAddress: number
      readonly protect: number
      readonly commit: boolean
      readonly writeWatch: boolean
    },
  ): PortResult & { readonly base?: number; readonly size?: number }
  /** MmAlterRegion inside one allocation: commit / decommit / change protection of pages. */
  alterRegion(
    pid: number,
    allocationBase: number,
    start: number,
    size: number,
    state: typeof MEM_COMMIT | typeof MEM_RESERVE,
    protect: number,
  ): PortResult
  /**
   * MEM_RELEASE of [start, start + size) inside one allocation (whole, front, back or middle:
   * NtFreeVirtualMemory's cases A to D).
   */
  releaseRange(pid: number, allocationBase: number, start: number, size: number): PortResult
  /** MemoryBasicInformation for one address (free, reserved or committed runs). */
  query(pid: number, address: number): MemoryBasicInformation
  /** Write-watch: the written pages of [start, start + size) in ascending order; reset them if asked. */
  writeWatch(
    pid: number,
    allocationBase: number,
    start: number,
    size: number,
    options: { readonly reset: boolean; readonly limit: number },
  ): readonly number[]
  /** Clear the write-watch bits of [start, start + size). */
  resetWriteWatch(pid: number, allocationBase: number, start: number, size: number): void
  /** Copy bytes out of / into another process as the kernel does while attached (faults resolved). */
  copyFrom(
    pid: number,
    address: number,
    length: number,
  ): { readonly data: Uint8Array; readonly complete: boolean }
  copyTo(
    pid: number,
    address: number,
    data: Uint8Array,
  ): { readonly written: number; readonly complete: boolean }
}
