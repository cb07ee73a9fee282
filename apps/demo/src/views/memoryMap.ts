// The address-space map, as WinDbg's `!address` prints it: the user address space walked with
// NtQueryVirtualMemory's MEMORY_BASIC_INFORMATION from 0 to the highest user address, each run of
// pages with one state and protection. `machineState` is the stable JSON shape of a whole machine
// (`{ seq, processes: [{ pid, name, regions }], stats }`) shared by `run --json` and replay.

import type { MemoryBasicInformation } from '@ntmm/mm-core'
import { MEM_IMAGE, memoryFlagsName, NtCurrentProcess, pageProtectionName } from '@ntmm/nt-syscalls'
import { bytes, hex, table } from '../format.js'
import {
  choosePid,
  livePids,
  type MachineLike,
  processName,
  type RenderedView,
  type ViewOptions,
} from './machineLike.js'
import { machineHasSections, sectionPageAt, segmentLabel } from './sectionInspection.js'
import { statistics } from './statsView.js'

/**
 * MEMORY_BASIC_INFORMATION of every run of pages of `pid`'s user space, in address order, as
 * NtQueryVirtualMemory walks it (on a live kernel the queries are system calls, with their events).
 */
export function queryRegions(
  machine: MachineLike,
  pid: number,
  from = 0,
  to?: number,
): MemoryBasicInformation[] {
  const end = to ?? machine.mm.layout.highestUserAddress + 1
  const nt = machine.syscalls(pid)
  const out: MemoryBasicInformation[] = []
  for (let at = from; at < end; ) {
    const { status, info } = nt.NtQueryVirtualMemory(NtCurrentProcess, at)
    if (status !== 0) break
    out.push(info)
    at = info.baseAddress + info.regionSize
  }
  return out
}

/**
 * The runs of pages in [from, to) as lines, `[base, +size) STATE PROTECT`, read with the memory
 * manager's side-effect-free query (the answer NtQueryVirtualMemory gives inside an allocation),
 * so that narrating a run adds no system call to it.
 */
export function regionLines(machine: MachineLike, pid: number, from: number, to: number): string[] {
  const space = machine.mm.addressSpace(pid)
  if (space === undefined) return []
  const lines: string[] = []
  for (let at = from; at < to; ) {
    const info = machine.mm.queryAddress(space, at)
    const size = Math.min(info.regionSize, to - info.baseAddress)
    lines.push(
      `[${hex(info.baseAddress)}, +${bytes(size).padEnd(7)}) ${memoryFlagsName(info.state).padEnd(10)} ${info.protect === 0 || info.state === 0x10000 ? '' : pageProtectionName(info.protect)}`.trimEnd(),
    )
    at = info.baseAddress + info.regionSize
  }
  return lines
}

/** The `address` view (`!address`). */
export function addressView(machine: MachineLike, options: ViewOptions): RenderedView {
  const pid = choosePid(machine, options.pid)
  const regions = queryRegions(machine, pid)
  const digits = machine.arch === 'x64' ? 12 : 8
  const rows = [['BaseAddress', 'EndAddress+1', 'RegionSize', 'Type', 'State', 'Protect', 'AllocationBase']]
  // MEM_MAPPED and MEM_IMAGE runs name their view's segment once the machine has sections.
  const sections = machineHasSections(machine)
  if (sections) rows[0]!.push('Section')
  const views = []
  for (const info of regions) {
    const page = sections ? sectionPageAt(machine, pid, info.baseAddress) : undefined
    if (page !== undefined && page.view.startingAddress === info.baseAddress)
      views.push({
        baseAddress: page.view.startingAddress,
        endAddress: page.view.endingAddress,
        type: info.type,
        segmentId: page.segment.id,
        kind: page.segment.kind,
        fileId: page.segment.fileId,
        offsetPages: page.view.view!.offsetPages,
      })
    const row = [
      hex(info.baseAddress, digits),
      hex(info.baseAddress + info.regionSize, digits),
      hex(info.regionSize, 0),
      // MEM_IMAGE shares its value with the allocation flag MEM_RESET_UNDO, which a Type never is.
      info.type === 0 ? '' : info.type === MEM_IMAGE ? 'MEM_IMAGE' : memoryFlagsName(info.type),
      memoryFlagsName(info.state),
      info.state === 0x10000 || info.protect === 0 ? '' : pageProtectionName(info.protect),
      info.allocationBase === 0 ? '' : hex(info.allocationBase, digits),
    ]
    if (page !== undefined) row.push(`${segmentLabel(page.segment)} page ${hex(page.page * 4096, 0)}`)
    rows.push(row)
  }
  return {
    lines: [`!address: process ${pid} (${processName(machine, pid)})`, ...table(rows)],
    json: { pid, name: processName(machine, pid), regions, ...(sections ? { views } : {}) },
  }
}

/** The state of the whole machine, in the documented `--json` shape. */
export function machineState(machine: MachineLike, seq: number) {
  return {
    seq,
    processes: livePids(machine).map((pid) => ({
      pid,
      name: processName(machine, pid),
      regions: queryRegions(machine, pid),
    })),
    stats: statistics(machine),
  }
}
