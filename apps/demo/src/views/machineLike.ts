// The part of a Kernel the inspection views read: the architecture, the memory manager, the object
// manager, the process list and the system calls (NtQueryVirtualMemory answers the address map). A live Kernel has it, and so does a read-only view of a recorded
// machine at some event, so every view works on both.

import type { Kernel } from '@ntmm/nt-syscalls'
import { CliError } from '../cliError.js'
import type { FaultKindCounts } from './faultKinds.js'

/** What the views read. */
export type MachineLike = Pick<Kernel, 'arch' | 'mm' | 'ob' | 'processes' | 'syscalls'>

/** Options of a view: the process and, for `pte`, the address. */
export interface ViewOptions {
  readonly pid?: number
  readonly va?: number
  /**
   * Each process's faults by kind, counted from the recorded events up to the machine's seq (the
   * `ws` view prints them when given; a machine alone keeps only each process's total).
   */
  readonly faultKinds?: FaultKindCounts
}

/** A rendered view: lines for people and a JSON value for programs. */
export interface RenderedView {
  readonly lines: string[]
  readonly json: unknown
}

/** The pid a view shows: the one asked for (it must have an address space), else the first live one. */
export function choosePid(machine: MachineLike, pid: number | undefined): number {
  const live = livePids(machine)
  if (pid === undefined) {
    const first = live[0]
    if (first === undefined) throw new CliError('no process has an address space at this point')
    return first
  }
  if (!live.includes(pid))
    throw new CliError(
      `--pid ${pid}: no such process with an address space (processes: ${live.join(', ') || 'none'})`,
    )
  return pid
}

/**
 * `va` checked against the machine's virtual address space: 32 bits on x86 and PAE; on x64 the
 * canonical halves, [0, 2^47) and system space as negative numbers [-2^47, 0) (as
 * @ntmm/hw-mmu takes them). A CliError names the range otherwise.
 */
export function checkAddress(machine: MachineLike, va: number): number {
  const x64 = machine.arch === 'x64'
  const ok = x64 ? va >= -0x800000000000 && va < 0x800000000000 : va >= 0 && va <= 0xffffffff
  if (Number.isSafeInteger(va) && ok) return va
  const shown = va < 0 ? (2n ** 64n + BigInt(va)).toString(16) : va.toString(16)
  throw new CliError(
    x64
      ? `address 0x${shown} is not a canonical x64 address (0x0..0x7fffffffffff, or 0xffff800000000000 and above)`
      : `address 0x${shown} is beyond the ${machine.arch} address space (32 bits: 0x0..0xffffffff)`,
  )
}

/** The pids of the processes still running, ascending. */
export function livePids(machine: MachineLike): number[] {
  return machine
    .processes()
    .filter((process) => !process.exited)
    .map((process) => process.pid)
    .sort((a, b) => a - b)
}

/** The name of process `pid`. */
export function processName(machine: MachineLike, pid: number): string {
  return machine.processes().find((process) => process.pid === pid)?.name ?? `process ${pid}`
}
