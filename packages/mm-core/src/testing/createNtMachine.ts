// A small machine running the 'nt' policy for tests, with explicit thresholds (no automatic ticks
// unless asked) so each rule of NT-PAGING.md shows in exact counts. Not exported from the package.

import type { Mmu } from '@ntmm/hw-mmu'
import type { AccessFaultResult } from '../accessFault.js'
import type { AddressSpace } from '../addressSpace.js'
import type { MmEvent } from '../events.js'
import { PAGE_READWRITE } from '../memoryConstants.js'
import { MemoryManager } from '../memoryManager.js'
import type { NtPagingOptions } from '../ntPagingOptions.js'

/** Options of {@link createNtMachine}. */
export interface NtMachineOptions {
  readonly frames?: number
  readonly pageFileSlots?: number
  readonly nt?: NtPagingOptions
}

/** The default test thresholds: no tick unless asked, writes only on a flush or at 1000 modified pages. */
export const QUIET: NtPagingOptions = {
  tickEvery: 0,
  minimumFreePages: 0,
  plentyFreePages: 0,
  modifiedWriteThreshold: 1000,
  writeCluster: 4,
}

/** One process of an 'nt' test machine with a committed area. */
export interface NtProcess {
  readonly pid: number
  readonly space: AddressSpace
  readonly base: number
  /** The MMU with this process's CR3 loaded. */
  mmu(): Mmu<AccessFaultResult>
  /** Write `value` at the start of page `page` of the area. */
  write(page: number, value: number): void
  /** The byte at the start of page `page` (faults as needed). */
  read(page: number): number
}

/** A machine of `frames` frames (default 64) running 'nt', with the mm events it emits. */
export function createNtMachine(options: NtMachineOptions = {}) {
  const mm = new MemoryManager({
    physicalMemory: (options.frames ?? 64) * 4096,
    pageFile: (options.pageFileSlots ?? 64) * 4096,
    tlb: { data: { entries: 8, ways: 2 } },
    replacementPolicy: 'nt',
    nt: { ...QUIET, ...options.nt },
  })
  const events: MmEvent[] = []
  mm.setRecorder((event) => {
    if (event.type.startsWith('mm.')) events.push(event as MmEvent)
  })
  const process = (pid: number, pages: number): NtProcess => {
    const { space } = mm.createAddressSpace(pid)
    if (space === undefined) throw new Error('no frame for the page directory')
    const area = mm.createArea(space, { size: pages * 4096, protect: PAGE_READWRITE, commit: true }).area
    if (area === undefined) throw new Error('no room for the area')
    const base = area.startingAddress
    return {
      pid,
      space,
      base,
      mmu: () => mm.mmuFor(pid),
      write(page, value) {
        if (!mm.mmuFor(pid).write(base + page * 4096, [value]).ok)
          throw new Error(`write to page ${page} failed`)
      },
      read(page) {
        const result = mm.mmuFor(pid).read(base + page * 4096, 1)
        if (!result.ok) throw new Error(`read of page ${page} failed`)
        return result.data[0]!
      },
    }
  }
  const ofType = <T extends MmEvent['type']>(type: T) =>
    events.filter((event): event is Extract<MmEvent, { type: T }> => event.type === type)
  return { mm, events, process, ofType }
}
