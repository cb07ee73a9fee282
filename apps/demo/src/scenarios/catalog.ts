// The built-in scenarios, in the order `ntmm scenarios` lists them.

import { CliError } from '../cliError.js'
import { articleStory } from './articleStory.js'
import { copyOnWrite } from './copyOnWrite.js'
import { image } from './image.js'
import { mappedFile } from './mappedFile.js'
import { memoryPressure } from './memoryPressure.js'
import { placement } from './placement.js'
import { protection } from './protection.js'
import type { Scenario } from './scenario.js'
import { sharedMemory } from './sharedMemory.js'
import { stackGrowth } from './stackGrowth.js'
import { tlbBehaviour } from './tlbBehaviour.js'
import { twoProcesses } from './twoProcesses.js'
import { workingSets } from './workingSets.js'

/** Every built-in scenario. */
export const scenarios: readonly Scenario[] = [
  articleStory,
  placement,
  stackGrowth,
  protection,
  memoryPressure,
  workingSets,
  twoProcesses,
  tlbBehaviour,
  sharedMemory,
  copyOnWrite,
  mappedFile,
  image,
]

/** The scenario called `name`, or undefined. */
export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((scenario) => scenario.name === name)
}

/** The scenario called `name`, or a CliError listing the names. */
export function requireScenario(name: string): Scenario {
  const scenario = findScenario(name)
  if (scenario === undefined)
    throw new CliError(
      `unknown scenario '${name}' (scenarios: ${scenarios.map((entry) => entry.name).join(', ')}; or a script file ending in .json)`,
    )
  return scenario
}
