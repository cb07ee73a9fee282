// The inspection views by name, as `run --show` (and later `inspect`) takes them: each renders a
// MachineLike (a live kernel, or a recorded machine at an event) as lines and as JSON.

import { CliError } from '../cliError.js'
import { handlesView } from './handlesView.js'
import { listsView } from './listsView.js'
import type { MachineLike, RenderedView, ViewOptions } from './machineLike.js'
import { addressView } from './memoryMap.js'
import { pfnView } from './pfnView.js'
import { pteView } from './pteView.js'
import { regionsView } from './regionsView.js'
import { sectionsView } from './sectionsView.js'
import { statsView } from './statsView.js'
import { tlbView } from './tlbView.js'
import { vadView } from './vadView.js'
import { workingSetView } from './workingSetView.js'

/** A view's name, what it shows, and its renderer. */
export interface InspectView {
  readonly name: string
  readonly description: string
  readonly render: (machine: MachineLike, options: ViewOptions) => RenderedView
}

/** Every view. */
export const inspectViews: readonly InspectView[] = [
  {
    name: 'address',
    description: 'the address-space map, as !address (MEMORY_BASIC_INFORMATION runs)',
    render: addressView,
  },
  { name: 'vad', description: 'the MEMORY_AREA AVL tree, as !vad', render: vadView },
  { name: 'regions', description: 'each area with its MM_REGION list', render: regionsView },
  { name: 'pte', description: 'the page walk for --va, each level decoded, as !pte', render: pteView },
  { name: 'pfn', description: 'frame lists and the frames in use, as !pfn / !memusage', render: pfnView },
  {
    name: 'ws',
    description:
      "each process's working set (limits, hard flags, priority, faults) and one's entries, as Process Explorer / VMMap",
    render: workingSetView,
  },
  {
    name: 'lists',
    description: 'the PFN lists by standby priority, the frames in use and the paging counters, as RAMMap',
    render: listsView,
  },
  { name: 'tlb', description: 'the data TLB entries and statistics', render: tlbView },
  {
    name: 'sections',
    description: 'segments, their views and each resident page with its share count and mappers',
    render: sectionsView,
  },
  { name: 'handles', description: "a process's handle table, as !handle", render: handlesView },
  {
    name: 'stats',
    description: 'memory-manager counters, commit charge and TLB statistics',
    render: statsView,
  },
]

/** The view called `name`, or a CliError naming the known ones. */
export function findView(name: string): InspectView {
  const view = inspectViews.find((candidate) => candidate.name === name)
  if (view === undefined)
    throw new CliError(
      `unknown view '${name}' (views: ${inspectViews.map((candidate) => candidate.name).join(', ')})`,
    )
  return view
}
