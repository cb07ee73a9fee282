// The `pfn` view, as WinDbg's `!pfn` and `!memusage`: the PFN database — the lengths of the frame
// lists (free, zeroed, standby, modified, active) and every frame not free, with its state, the
// process and virtual address it backs, its page-file copy and whether it is modified. `--pid`
// keeps the frames of one process.

import type { PfnEntry } from '@ntmm/mm-core'
import { hex, table } from '../format.js'
import type { MachineLike, RenderedView, ViewOptions } from './machineLike.js'

/** Frames in use (not FREE or ZEROED), of every process or of `pid`, by PFN. */
export function framesInUse(machine: MachineLike, options: ViewOptions = {}): PfnEntry[] {
  const database = machine.mm.pfnDatabase
  const frames: PfnEntry[] = []
  for (let pfn = 0; pfn < database.frameCount; pfn++) {
    const entry = database.entry(pfn)
    if (entry.state === 'FREE' || entry.state === 'ZEROED') continue
    if (options.pid !== undefined && entry.ownerPid !== options.pid) continue
    frames.push(entry)
  }
  return frames
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
  const rows = [['PFN', 'State', 'Pid', 'VirtualAddress', 'PageFileSlot', 'Modified']]
  for (const frame of frames) {
    const owned = frame.state === 'ACTIVE' || frame.state === 'STANDBY' || frame.state === 'MODIFIED'
    rows.push([
      hex(frame.pfn, 0),
      frame.state,
      frame.ownerPid < 0 ? '' : String(frame.ownerPid),
      owned ? hex(frame.ownerAddress) : '',
      frame.pageFileSlot < 0 ? '' : String(frame.pageFileSlot),
      frame.modified ? 'yes' : '',
    ])
  }
  return {
    lines: [
      `!pfn: ${database.frameCount} frames; lists: ${Object.entries(lists)
        .map(([name, count]) => `${name} ${count}`)
        .join(', ')}`,
      ...table(rows),
    ],
    json: { frameCount: database.frameCount, lists, frames },
  }
}
