// The part of a Kernel the inspection views read: the architecture, the memory manager, the object
// manager, the process list and the system calls (NtQueryVirtualMemory answers the address map). A live Kernel has it, and so does a read-only view of a recorded
// machine at some event, so every view works on both.

import type { Kernel } from '@ntmm/nt-syscalls'
import { CliError } from '../cliError.js'

/** What the views read. */
export type MachineLike = Pick<Kernel, 'arch' | 'mm' | 'ob' | 'processes' | 'syscalls'>

/** Options of a view: the process and, for `pte`, the address. */
export interface ViewOptions {
  readonly pid?: number
  readonly va?: number
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
