// The `tlb` view: the valid entries of the data (or unified) TLB — set, way, page, frame,
// permissions, age — and its statistics. The TLB caches translations of the loaded CR3 only.

import { hex, table } from '../format.js'
import type { MachineLike, RenderedView } from './machineLike.js'

/** The `tlb` view. */
export function tlbView(machine: MachineLike): RenderedView {
  const mmu = machine.mm.mmu
  const entries = mmu.tlbEntries('data')
  const statistics = mmu.statistics().data
  const rows = [['Set', 'Way', 'VirtualPage', 'Physical', 'Flags', 'Age']]
  for (const entry of entries) {
    const flags = [
      entry.writable ? 'W' : 'R',
      entry.user ? 'U' : 'K',
      entry.executable ? 'X' : '-',
      entry.dirty ? 'D' : '-',
      entry.global ? 'G' : '-',
    ]
    rows.push([
      String(entry.set),
      String(entry.way),
      hex(entry.virtualAddress),
      hex(entry.physicalAddress),
      flags.join(''),
      String(entry.age),
    ])
  }
  return {
    lines: [
      `TLB (data): ${entries.length} valid entries, CR3 ${hex(mmu.cr3)}; ${statistics.lookups} lookups, ${statistics.hits} hits, ${statistics.misses} misses, ${statistics.evictions} evictions`,
      ...table(rows, { right: [0, 1, 5] }),
    ],
    json: { cr3: mmu.cr3, entries, statistics },
  }
}
