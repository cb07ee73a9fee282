// A thread of a process executing loads, stores and instruction fetches in user mode: the MMU
// translates (TLB, page walk); a #PF goes to the memory manager (KiTrap0EHandler → MmAccessFault),
// which resolves what it can (demand-zero, page-in, guard-page handling) so the access is retried;
// what it cannot resolve becomes the exception the thread receives, with the access kind and the
// address as EXCEPTION_RECORD.ExceptionInformation[0..1]. `peek` only inspects. This file holds
// the interface and the exception a fault becomes; createCpu.ts is the Kernel's implementation.

import type { AccessRun, CpuFault } from '@ntmm/hw-mmu'
import {
  STATUS_ACCESS_VIOLATION,
  STATUS_GUARD_PAGE_VIOLATION,
  STATUS_IN_PAGE_ERROR,
  STATUS_STACK_OVERFLOW,
} from './ntStatus.js'

/** The exception a faulting access raises in the thread. */
export interface CpuException {
  /** ExceptionCode. */
  readonly code: number
  /** ExceptionInformation[0]: 0 read, 1 write, 8 execute (DEP). */
  readonly accessKind: 0 | 1 | 8
  /** ExceptionInformation[1]: the faulting data address. */
  readonly address: number
}

/** Result of a read, fetch or peek. */
export interface CpuReadResult {
  readonly status: number
  readonly data: Uint8Array
  readonly exception?: CpuException
}

/** Result of a write or an execute. */
export interface CpuAccessResult {
  readonly status: number
  readonly exception?: CpuException
}

/**
 * The most bytes one access may read, write or peek: 2^30 (1 GiB), hw-mmu's bound on one access.
 * A longer one returns STATUS_INVALID_PARAMETER and touches nothing.
 */
export const MAX_ACCESS_LENGTH = 0x40000000

/**
 * A user-mode thread of one process. Its accesses never throw for a caller's mistake: they return
 * a status, as the thread would see it. Addresses follow the system services' capture rule
 * (docs/nt-syscalls.md, "Garbage arguments"): on x86 an integer address is truncated to 32 bits
 * like a C pointer (2^32 + B is B); on x64 the canonical halves are signed numbers (the kernel
 * half negative). Each method answers STATUS_ACCESS_VIOLATION, with the exception the thread
 * receives (at the captured address, or 0), without reaching the MMU when the address is no
 * integer, the range runs past the top of the address space (x64: outside the canonical range),
 * or the length is no byte count; STATUS_INVALID_PARAMETER, with no exception, for a length above
 * {@link MAX_ACCESS_LENGTH}. The only throw: on a read-only view of the past (`kernel.at(seq)`),
 * read, write and execute throw the view's Error (peek answers).
 */
export interface Cpu {
  readonly pid: number
  /** Reads `length` bytes as the thread would (page faults are taken and resolved). */
  read(address: number, length: number): CpuReadResult
  /**
   * Writes `data` as the thread would (page faults are taken and resolved). `data` is a Uint8Array
   * or an array of bytes (integers in [0, 255]); anything else is no buffer the thread can store
   * from: STATUS_ACCESS_VIOLATION, nothing written, as NtWriteVirtualMemory answers.
   */
  write(address: number, data: Uint8Array | readonly number[]): CpuAccessResult
  /**
   * Reads `length` bytes (default: the rest of `buffer` after `offset`) into `buffer` from
   * `offset`, as {@link Cpu.read} does (the same faults, exceptions and recorded events), without
   * allocating on a TLB hit: the hot path of a replay or a benchmark. Returns the status `read`
   * would; the exception, when one is raised, is recorded as nt.exceptionRaised (use `read` for
   * its record). A `buffer` that is no Uint8Array, or an `offset`/`length` that is no byte count or
   * does not fit in it: STATUS_ACCESS_VIOLATION, nothing read.
   */
  readInto(address: number, buffer: Uint8Array, offset?: number, length?: number): number
  /**
   * Reads the little-endian 32-bit word at `address` (unsigned), as `read(address, 4)` does
   * (faults, exceptions and recorded events alike), without allocating when nothing records;
   * -1 when the read fails (the status is `read`'s or `readInto`'s).
   */
  readUint32(address: number): number
  /**
   * Writes the 32-bit word `value` (signed or unsigned) little-endian at `address`, as
   * `write(address, bytes)` with its four bytes does (faults, exceptions and recorded events
   * alike), without allocating when nothing records. Returns the status; a value that is no
   * 32-bit integer: STATUS_INVALID_PARAMETER, nothing written.
   */
  writeUint32(address: number, value: number): number
  /** Fetches an instruction at `address` (execute access: DEP applies where the paging mode has NX). */
  execute(address: number): CpuAccessResult
  /**
   * Executes a run of accesses in order (hw-mmu's `AccessRun`: kinds, addresses and sizes in typed
   * arrays), each exactly as the call one by one would — a read as `readInto` of its size, a write
   * as `write` of the run's data (its first `size` bytes), an execute as `execute` — with the same
   * faults, exceptions, TLB and A/D effects, write watch, balance-set ticks and recorded events.
   * Returns how many of them did not answer STATUS_SUCCESS. Cheaper per access than the calls
   * (one context check per stretch of TLB hits) while nothing records; the replay of a memory
   * trace uses it. Throws on a read-only view of the past, as `read` does. With `note`, each
   * access is noted first, as a caller noting every reference before making it would
   * (`kernel.debug.noteAccess` for LRU): `note(addresses, from, to)` notes `run.addresses[from,
   * to)` in order (`kernel.debug.noteAccessRun`); a stretch of TLB hits is noted at once after its
   * hits are made (a hit changes no PTE's frame or presence and no page's state, so each note
   * finds what it would have before its access), every other access right before it is made.
   */
  runAccesses(run: AccessRun, note?: (addresses: Float64Array, from: number, to: number) => void): number
  /**
   * Reads `length` bytes without side effects: no fault is taken, no A/D bit or TLB entry changes.
   * STATUS_ACCESS_VIOLATION (no exception) when a page is not mapped by a valid PTE.
   */
  peek(address: number, length: number): CpuReadResult
}

const ACCESS_KIND = { read: 0, write: 1, execute: 8 } as const

/**
 * KiTrap0EHandler's dispatch of an unresolved fault: access violations, guard-page violations and
 * stack overflows are raised as they are; any other failure becomes STATUS_IN_PAGE_ERROR.
 */
export function exceptionCodeFor(status: number | undefined): number {
  if (status === undefined) return STATUS_ACCESS_VIOLATION
  if (
    status === STATUS_ACCESS_VIOLATION ||
    status === STATUS_GUARD_PAGE_VIOLATION ||
    status === STATUS_STACK_OVERFLOW
  ) {
    return status
  }
  return status >>> 0 < 0x80000000 ? STATUS_ACCESS_VIOLATION : STATUS_IN_PAGE_ERROR
}

/** Build the exception for a fault the OS did not resolve (its last fault status given). */
export function exceptionFor(fault: CpuFault, lastStatus: number | undefined): CpuException {
  return {
    code: fault.kind === 'general-protection' ? STATUS_ACCESS_VIOLATION : exceptionCodeFor(lastStatus),
    accessKind: ACCESS_KIND[fault.access as keyof typeof ACCESS_KIND],
    address: fault.address,
  }
}

/**
 * The number of bytes of `data` if it is a buffer a thread can store: a Uint8Array, or an array
 * whose every element is a byte (an integer in [0, 255]); undefined otherwise (the store then
 * faults as an access violation, as NtWriteVirtualMemory refuses a buffer that is not one).
 */
export function byteCount(data: unknown): number | undefined {
  if (data instanceof Uint8Array) return data.length
  if (!Array.isArray(data)) return undefined
  // A sparse or huge array is no buffer either (checked before its elements are walked).
  if (data.length > MAX_ACCESS_LENGTH) return data.length
  for (let index = 0; index < data.length; index++) {
    const byte = data[index]
    if (typeof byte !== 'number' || !Number.isInteger(byte) || byte < 0 || byte > 255) return undefined
  }
  return data.length
}
