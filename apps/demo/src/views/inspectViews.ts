// The inspection views by name, as `run --show` (and later `inspect`) takes them: each renders a
// MachineLike (a live kernel, or a recorded machine at an event) as lines and as JSON.

import { CliError } from '../cliError.js'
import { type InspectViewName, inspectViewNames } from '../commandChoices.js'
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

/** The renderer of each view. */
const renderers: Readonly<Record<InspectViewName, InspectView['render']>> = {
  address: addressView,
  vad: vadView,
  regions: regionsView,
  pte: pteView,
  pfn: pfnView,
  ws: workingSetView,
  lists: listsView,
  tlb: tlbView,
  sections: sectionsView,
  handles: handlesView,
  stats: statsView,
}

/** Every view, in the order --help lists them (their names and descriptions: commandChoices.ts). */
export const inspectViews: readonly InspectView[] = inspectViewNames.map((view) => ({
  ...view,
  render: renderers[view.name],
}))

/** The view called `name`, or a CliError naming the known ones. */
export function findView(name: string): InspectView {
  const view = inspectViews.find((candidate) => candidate.name === name)
  if (view === undefined)
    throw new CliError(
      `unknown view '${name}' (views: ${inspectViews.map((candidate) => candidate.name).join(', ')})`,
    )
  return view
}
