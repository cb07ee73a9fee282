// The workloads the memory-pressure and TLB scenarios play and `ntmm sweep` compares across
// machine configurations: deterministic reference strings driven through a process's CPU, with
// each reference noted for the LRU and OPT policies (kernel.debug.noteAccess, the future reference
// string for OPT through kernel.debug.setFutureReferences: recorded inputs, so recordings replay),
// and the figures a comparison needs.

import type { MmStatistics } from '@ntmm/mm-core'
import { type Kernel, MEM_COMMIT, MEM_RESERVE, NtCurrentProcess, PAGE_READWRITE } from '@ntmm/nt-syscalls'
import type { TlbStatistics } from '@ntmm/hw-mmu'

export { type WorkloadName, workloadNames } from './commandChoices.js'

/** RAM and page file of the memory-pressure machine: 512 KiB of RAM (128 frames), 4 MiB of page file. */
export const PRESSURE_MACHINE = { physicalMemory: 512 * 1024, pageFile: 4 * 1024 * 1024 } as const
/** Pages of the memory-pressure workload: a hot set touched often and a cold set scanned. */
export const PRESSURE_PAGES = { hot: 48, cold: 208 } as const

/** The memory-pressure reference string: two hot references for each step of a cold scan. */
export function pressureReferences(length = 1500): number[] {
  const references: number[] = []
  let cold = 0
  for (let index = 0; index < length; index++) {
    if (index % 3 === 2) references.push(PRESSURE_PAGES.hot + (cold++ % PRESSURE_PAGES.cold))
    else references.push((index * 7) % PRESSURE_PAGES.hot)
  }
  return references
}

/** The figures of one workload run. */
export interface WorkloadFigures {
  readonly references: number
  readonly tlb: TlbStatistics
  readonly mm: MmStatistics
  /** Pages whose content read back differently from what was written (0 unless the simulator is broken). */
  readonly corruptPages: number
}

/**
 * Plays `references` (page numbers in one allocation) in a new process of `kernel`: the first
 * reference of a page writes its number, every later one reads it back and checks it.
 */
export function playReferences(
  kernel: Kernel,
  pages: number,
  references: readonly number[],
): WorkloadFigures {
  const { pid } = kernel.createProcess({ name: 'workload.exe' })
  const nt = kernel.syscalls(pid)
  const cpu = kernel.cpu(pid)
  const base = nt.NtAllocateVirtualMemory(
    NtCurrentProcess,
    0,
    0,
    pages * 0x1000,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_READWRITE,
  ).baseAddress
  const address = (page: number) => base + page * 0x1000 + (page % 1024) * 4
  kernel.debug.setFutureReferences(pid, references.map(address))
  // Count from here (a delta, not resetStatistics: a recorded run must go through the Kernel only).
  const before = kernel.mm.mmu.statistics().data
  const written = new Set<number>()
  let corruptPages = 0
  for (const page of references) {
    const at = address(page)
    kernel.debug.noteAccess(pid, at)
    if (!written.has(page)) {
      written.add(page)
      cpu.write(at, [page & 0xff, page >> 8])
    } else {
      const read = cpu.read(at, 2)
      if (read.data[0] !== (page & 0xff) || read.data[1] !== page >> 8) corruptPages++
    }
  }
  return {
    references: references.length,
    tlb: tlbDelta(before, kernel.mm.mmu.statistics().data),
    mm: kernel.mm.counters,
    corruptPages,
  }
}

function tlbDelta(before: TlbStatistics, after: TlbStatistics): TlbStatistics {
  return {
    lookups: after.lookups - before.lookups,
    hits: after.hits - before.hits,
    misses: after.misses - before.misses,
    walks: after.walks - before.walks,
    walkMemoryReferences: after.walkMemoryReferences - before.walkMemoryReferences,
    evictions: after.evictions - before.evictions,
    flushes: {
      full: after.flushes.full - before.flushes.full,
      nonGlobal: after.flushes.nonGlobal - before.flushes.nonGlobal,
      single: after.flushes.single - before.flushes.single,
      pcid: after.flushes.pcid - before.flushes.pcid,
    },
  }
}

/** The TLB loop: `pages` pages touched in order, `rounds` times. */
export function loopReferences(pages: number, rounds: number): number[] {
  const references: number[] = []
  for (let round = 0; round < rounds; round++) for (let page = 0; page < pages; page++) references.push(page)
  return references
}
