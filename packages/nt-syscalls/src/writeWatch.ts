// Write watch (MEM_WRITE_WATCH): the pages of a watched allocation written since their bits were
// last reset, the state NtGetWriteWatch reports and NtResetWriteWatch clears. Windows keeps a
// bitmap per write-watch VAD and sets a bit when it sees the PTE dirty (wrtwatch.c,
// MiCaptureWriteWatchDirtyBit); ReactOS checks NtGetWriteWatch's parameters (mm/ARM3/virtual.c)
// but keeps no bits. Here the bits are a set of page addresses per allocation in the process
// table, changed only through nt.writeWatchChanged events, set by user-mode writes (cpu.write) and
// by the kernel's copies into the process (NtWriteVirtualMemory).

import type { MemoryArea } from '@ntmm/mm-core'
import type { KernelContext } from './kernelContext.js'
import { PAGE_SIZE } from './memoryConstants.js'

/** The written pages of the allocation at `base` (undefined: not a write-watch allocation). */
function watchedPages(context: KernelContext, pid: number, base: number): ReadonlySet<number> | undefined {
  return context.state.processes.get(pid)?.writeWatch.get(base)
}

/** True when the allocation at `base` was made with MEM_WRITE_WATCH. */
export function isWatched(context: KernelContext, pid: number, base: number): boolean {
  return context.state.processes.get(pid)?.writeWatch.has(base) ?? false
}

/** Replace the write-watch page set of the allocation at `base` (null: no longer watched). */
export function setWatch(
  context: KernelContext,
  pid: number,
  base: number,
  pages: readonly number[] | null,
): void {
  const previous = watchedPages(context, pid, base)
  context.sequencer.emitKernel({
    type: 'nt.writeWatchChanged',
    pid,
    base,
    pages: pages === null ? null : [...pages].sort((a, b) => a - b),
    previous: previous === undefined ? null : [...previous].sort((a, b) => a - b),
  })
}

/**
 * Whether process `pid` watches writes in any allocation, asked once per write (createCpu) or per
 * stretch of TLB hits (cpuBatch): the process's write-watch map is looked up again only when the
 * process table is another object (a versioned table is a new one per change), and its size is
 * read per call (the live table changes in place: the map stays the same object, changed).
 */
export function writeWatchProbe(context: KernelContext, pid: number): () => boolean {
  let tableSeen: unknown
  let watches: ReadonlyMap<number, unknown> | undefined
  return () => {
    const table = context.state.processes
    if (table !== tableSeen) {
      tableSeen = table
      watches = table.get(pid)?.writeWatch
    }
    return watches !== undefined && watches.size > 0
  }
}

/** Note a successful write of `length` bytes at `address`: its pages in watched allocations are written. */
export function noteWrite(context: KernelContext, pid: number, address: number, length: number): void {
  const record = context.state.processes.get(pid)
  if (!record || record.writeWatch.size === 0 || length === 0) return
  for (let page = Math.floor(address / PAGE_SIZE) * PAGE_SIZE; page < address + length; page += PAGE_SIZE) {
    const area = context.mm.locateArea(context.space(pid), page)
    const pages = area && record.writeWatch.get(area.startingAddress)
    if (!area || !pages || pages.has(page)) continue
    setWatch(context, pid, area.startingAddress, [...pages, page])
  }
}

/** Clear the write-watch bits of [start, start + size) in the allocation at `allocationBase`. */
export function clearWatch(
  context: KernelContext,
  pid: number,
  allocationBase: number,
  start: number,
  size: number,
): void {
  const pages = watchedPages(context, pid, allocationBase)
  if (!pages) return
  const kept = [...pages].filter((page) => page < start || page >= start + size)
  if (kept.length !== pages.size) setWatch(context, pid, allocationBase, kept)
}

/** After a release, the write-watch bits follow the pieces of the allocation that remain. */
export function moveWatch(
  context: KernelContext,
  pid: number,
  area: MemoryArea,
  start: number,
  size: number,
): void {
  const pages = watchedPages(context, pid, area.startingAddress)
  if (!pages) return
  const end = start + size
  const all = [...pages]
  setWatch(context, pid, area.startingAddress, null)
  if (start > area.startingAddress) {
    setWatch(
      context,
      pid,
      area.startingAddress,
      all.filter((page) => page < start),
    )
  }
  if (end < area.endingAddress)
    setWatch(
      context,
      pid,
      end,
      all.filter((page) => page >= end),
    )
}

/**
 * NtGetWriteWatch's scan: the written pages of [start, start + size) in ascending order, at most
 * `limit`; with `reset`, the bits of the pages scanned (up to the last one reported) are cleared.
 */
export function writtenPages(
  context: KernelContext,
  pid: number,
  allocationBase: number,
  start: number,
  size: number,
  options: { readonly reset: boolean; readonly limit: number },
): readonly number[] {
  const pages = watchedPages(context, pid, allocationBase)
  if (!pages) return []
  const found = [...pages].filter((page) => page >= start && page < start + size).sort((a, b) => a - b)
  const reported = found.slice(0, options.limit)
  if (options.reset) {
    const last = reported.at(-1)
    const cleared = new Set(found.filter((page) => last === undefined || page <= last))
    if (cleared.size > 0)
      setWatch(
        context,
        pid,
        allocationBase,
        [...pages].filter((page) => !cleared.has(page)),
      )
  }
  return reported
}
