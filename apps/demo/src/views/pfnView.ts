// The `pfn` view, as WinDbg's `!pfn` and `!memusage`: the PFN database — the lengths of the frame
// lists (free, zeroed, standby, modified, active) and every frame not free, with its state, the
// process and virtual address it backs, its page-file copy and whether it is modified. `--pid`
// keeps the frames of one process.

import type { PfnEntry } from '@ntmm/mm-core'
import { hex, table } from '../format.js'
import type { MachineLike, RenderedView, ViewOptions } from './machineLike.js'
import { type FrameMapping, frameMappings, machineHasSections, mappingsLabel } from './sectionInspection.js'

/** Frames in use (not FREE or ZEROED), of every process or of `pid`, by PFN. */
export function framesInUse(machine: MachineLike, options: ViewOptions = {}): PfnEntry[] {
  const database = machine.mm.pfnDatabase
  const frames: PfnEntry[] = []
  for (let pfn = 0; pfn < database.frameCount; pfn++) {
    const entry = database.entry(pfn)
    if (entry.state === 'FREE' || entry.state === 'ZEROED') continue
    if (options.pid !== undefined && entry.ownerPid !== options.pid && !mappedBy(machine, entry, options.pid))
      continue
    frames.push(entry)
  }
  return frames
}

/** True when `pid` maps the section page held by frame `entry`. */
function mappedBy(machine: MachineLike, entry: PfnEntry, pid: number): boolean {
  return sectionMappings(machine, entry).some((mapping) => mapping.pid === pid)
}

/** The process PTEs mapping a section page's frame (none for a private frame). */
function sectionMappings(machine: MachineLike, entry: PfnEntry): FrameMapping[] {
  if (entry.segment === undefined || entry.state !== 'ACTIVE') return []
  return frameMappings(machine, entry.segment.id, entry.segment.offset / 4096, entry.pfn)
}

/** The `pfn` view. */
export function pfnView(machine: MachineLike, options: ViewOptions): RenderedView {
  const database = machine.mm.pfnDatabase
  const lists = {
    free: database.count('FREE'),
    zeroed: database.count('ZEROED'),
    standby: database.count('STANDBY'),
    modified: database.count('MODIFIED'),
    active: database.count('ACTIVE'),
  }
  const frames = framesInUse(machine, options)
  // A section page's frame belongs to (segment, offset), not to a process: the columns that say so
  // (and who maps it) appear once the machine has sections, so other machines print as before.
  const sections = machineHasSections(machine)
  const rows = [['PFN', 'State', 'Pid', 'VirtualAddress', 'PageFileSlot', 'Modified']]
  if (sections) rows[0]!.push('Segment', 'Offset', 'Shares', 'MappedBy')
  const json = []
  for (const frame of frames) {
    const owned = frame.state === 'ACTIVE' || frame.state === 'STANDBY' || frame.state === 'MODIFIED'
    const section = frame.segment !== undefined
    const row = [
      hex(frame.pfn, 0),
      frame.state,
      frame.ownerPid < 0 ? '' : String(frame.ownerPid),
      owned && !section ? hex(frame.ownerAddress) : '',
      frame.pageFileSlot < 0 ? '' : String(frame.pageFileSlot),
      frame.modified ? 'yes' : '',
    ]
    const mappings = sectionMappings(machine, frame)
    if (sections && frame.segment !== undefined)
      row.push(
        String(frame.segment.id),
        hex(frame.segment.offset, 0),
        String(frame.segment.shareCount),
        mappingsLabel(mappings),
      )
    rows.push(row)
    json.push(frame.segment === undefined ? frame : { ...frame, mappedBy: mappings })
  }
  return {
    lines: [
      `!pfn: ${database.frameCount} frames; lists: ${Object.entries(lists)
        .map(([name, count]) => `${name} ${count}`)
        .join(', ')}`,
      ...table(rows),
    ],
    json: { frameCount: database.frameCount, lists, frames: json },
  }
}
