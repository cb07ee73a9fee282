// The `regions` view: each MEMORY_AREA with its MM_REGION list (MmAlterRegion's bookkeeping) —
// the committed and reserved runs and their protections, before any PTE is consulted. Compare with
// `address`, which also reflects per-page protections the PTEs carry: a PAGE_GUARD region whose
// guard has fired keeps PAGE_GUARD here (the allocation's protection) while the PTE, and so
// NtQueryVirtualMemory, no longer has it; the view says so on the region's line.

import type { MemoryBasicInformation } from '@ntmm/mm-core'
import { memoryFlagsName, PAGE_GUARD, pageProtectionName } from '@ntmm/nt-syscalls'
import { hex } from '../format.js'
import {
  choosePid,
  type MachineLike,
  processName,
  type RenderedView,
  type ViewOptions,
} from './machineLike.js'
import { segmentLabel } from './sectionInspection.js'

/**
 * The protection NtQueryVirtualMemory answers inside [start, end) where a PAGE_GUARD region's
 * guard has fired (consumed in the PTE), or undefined where every page still has its guard.
 */
function consumedGuard(machine: MachineLike, pid: number, start: number, end: number): number | undefined {
  const space = machine.mm.addressSpace(pid)
  if (space === undefined) return undefined
  for (let at = start; at < end; ) {
    const info = machine.mm.queryAddress(space, at)
    if ((info.protect & PAGE_GUARD) === 0 && info.state === 0x1000) return info.protect
    at = info.baseAddress + info.regionSize
  }
  return undefined
}

/**
 * Why a query answer lacks the PAGE_GUARD its MM_REGION has (the guard fired): one line, or
 * undefined when the region has no guard or the answer shows it.
 */
export function guardConsumedNote(
  machine: MachineLike,
  pid: number,
  info: MemoryBasicInformation,
): string | undefined {
  if ((info.protect & PAGE_GUARD) !== 0) return undefined
  const areas = machine.mm.addressSpace(pid)?.tree.areas() ?? []
  const area = [...areas].find(
    (candidate) =>
      candidate.startingAddress <= info.baseAddress && info.baseAddress < candidate.endingAddress,
  )
  if (area === undefined) return undefined
  const region = machine.mm
    .regionsOf(area)
    .find(
      (candidate) =>
        candidate.start <= info.baseAddress && info.baseAddress < candidate.start + candidate.length,
    )
  if (region === undefined || (region.protect & PAGE_GUARD) === 0) return undefined
  return `PAGE_GUARD is not in the answer: the guard fired on the first touch and was consumed in the PTE; the MM_REGION keeps the protection it was committed with (${pageProtectionName(region.protect)}), as the regions view shows`
}

/** The `regions` view. */
export function regionsView(machine: MachineLike, options: ViewOptions): RenderedView {
  const pid = choosePid(machine, options.pid)
  const tree = machine.mm.addressSpace(pid)!.tree
  const lines = [`MM_REGION lists: process ${pid} (${processName(machine, pid)})`]
  const json = []
  for (const area of tree.areas()) {
    const segment = area.view === undefined ? undefined : machine.mm.segmentInfo(area.view.segmentId)
    lines.push(
      `MEMORY_AREA ${area.type} [${hex(area.startingAddress)}, ${hex(area.endingAddress)})${segment === undefined || area.view === undefined ? '' : `  ${segmentLabel(segment)} page ${hex(area.view.offsetPages * 4096, 0)}`}`,
    )
    const regions = machine.mm.regionsOf(area).map((region) => ({
      start: region.start,
      length: region.length,
      type: region.type,
      protect: region.protect,
    }))
    for (const region of regions) {
      const guard =
        (region.protect & PAGE_GUARD) === 0
          ? undefined
          : consumedGuard(machine, pid, region.start, region.start + region.length)
      lines.push(
        `  [${hex(region.start)}, ${hex(region.start + region.length)})  ${memoryFlagsName(region.type).padEnd(10)} ${region.type === 0x2000 ? '' : pageProtectionName(region.protect)}${guard === undefined ? '' : `  (guard consumed in the PTE: NtQueryVirtualMemory answers ${pageProtectionName(guard)})`}`.trimEnd(),
      )
    }
    json.push({
      startingAddress: area.startingAddress,
      endingAddress: area.endingAddress,
      type: area.type,
      regions,
      ...(area.view === undefined || segment === undefined
        ? {}
        : {
            view: {
              segmentId: segment.id,
              kind: segment.kind,
              fileId: segment.fileId,
              offsetPages: area.view.offsetPages,
            },
          }),
    })
  }
  return { lines, json: { pid, areas: json } }
}
