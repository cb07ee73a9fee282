// The `stats` view: the memory manager's counters (faults by kind, page-file traffic, commit
// charge and frame-list lengths) and the TLB's statistics, as `!vm` and `!memusage` summarise them.

import { bytes } from '../format.js'
import type { MachineLike, RenderedView } from './machineLike.js'

/** The machine's statistics, as `--json` prints them. */
export function statistics(machine: MachineLike) {
  return { mm: { ...machine.mm.counters }, tlb: machine.mm.mmu.statistics() }
}

/** The `stats` view. */
export function statsView(machine: MachineLike): RenderedView {
  const stats = statistics(machine)
  const mm = stats.mm
  const tlb = stats.tlb.data
  const rate = tlb.lookups === 0 ? 0 : (100 * tlb.hits) / tlb.lookups
  const lines = [
    `commit: ${mm.commitCharge} pages (${bytes(mm.commitCharge * 4096)}), peak ${mm.commitPeak}, limit ${mm.commitLimit}`,
    `frames: ${mm.workingSetPages} active, ${mm.freePages} free, ${mm.zeroedPages} zeroed, ${mm.standbyPages} standby, ${mm.modifiedPages} modified; ${mm.pageFileSlotsUsed} page-file slots used`,
    `faults: ${mm.pageFaults} (${mm.demandZeroFaults} demand-zero, ${mm.hardFaults} hard, ${mm.softFaults} soft, ${mm.guardPageFaults} guard, ${mm.accessViolations} access violations)`,
    `paging: ${mm.pagesWritten} written, ${mm.pagesDropped} dropped, ${mm.pagesRead} read, ${mm.framesRepurposed} repurposed; ${mm.pageTablesCreated} page tables`,
    `TLB: ${tlb.lookups} lookups, ${tlb.hits} hits (${rate.toFixed(1)} %), ${tlb.misses} misses, ${tlb.walks} walks, ${tlb.evictions} evictions`,
  ]
  return { lines, json: stats }
}
