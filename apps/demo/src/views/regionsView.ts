// The `regions` view: each MEMORY_AREA with its MM_REGION list (MmAlterRegion's bookkeeping) —
// the committed and reserved runs and their protections, before any PTE is consulted. Compare with
// `address`, which also reflects per-page protections the PTEs carry.

import { memoryFlagsName, pageProtectionName } from '@ntmm/nt-syscalls'
import { hex } from '../format.js'
import {
  choosePid,
  type MachineLike,
  processName,
  type RenderedView,
  type ViewOptions,
} from './machineLike.js'

/** The `regions` view. */
export function regionsView(machine: MachineLike, options: ViewOptions): RenderedView {
  const pid = choosePid(machine, options.pid)
  const tree = machine.mm.addressSpace(pid)!.tree
  const lines = [`MM_REGION lists: process ${pid} (${processName(machine, pid)})`]
  const json = []
  for (const area of tree.areas()) {
    lines.push(`MEMORY_AREA ${area.type} [${hex(area.startingAddress)}, ${hex(area.endingAddress)})`)
    const regions = machine.mm.regionsOf(area).map((region) => ({
      start: region.start,
      length: region.length,
      type: region.type,
      protect: region.protect,
    }))
    for (const region of regions) {
      lines.push(
        `  [${hex(region.start)}, ${hex(region.start + region.length)})  ${memoryFlagsName(region.type).padEnd(10)} ${region.type === 0x2000 ? '' : pageProtectionName(region.protect)}`.trimEnd(),
      )
    }
    json.push({
      startingAddress: area.startingAddress,
      endingAddress: area.endingAddress,
      type: area.type,
      regions,
    })
  }
  return { lines, json: { pid, areas: json } }
}
