// `ntmm run` and `ntmm demo` at work: plays a scenario or script and prints its narrated log, the
// views of the final state asked for and the failed expectations (or all of it as JSON). Loaded
// only when one of them runs (cli.ts registers the commands without the simulator).

import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch } from '@ntmm/nt-syscalls'
import { type CliIo, paint } from '../cliIo.js'
import { CliError } from '../cliError.js'
import { countFaultKinds } from '../views/faultKinds.js'
import { findView } from '../views/inspectViews.js'
import { machineState } from '../views/memoryMap.js'
import { printJson, printLines } from './output.js'
import { play } from './play.js'

/** The options of `ntmm run` as commander parses them. */
export interface RunOptions {
  /** The paging mode (a script keeps its own unless given on the command line). */
  arch: Arch
  /** Replacement policies the pressure scenario compares. */
  policy?: ReplacementPolicyName[]
  /** Narrate every event, not only the narrated kinds. */
  verbose?: boolean
  /** The views of the final state to print. */
  show?: string[]
  /** The process the views show. */
  pid?: number
  /** The address of the pte view. */
  va?: number
  /** Print the run as JSON. */
  json?: boolean
}

/**
 * Plays `target` and prints its log, the views asked for and the failed expectations (or all of it
 * as JSON); returns the exit code: 1 when an expectation failed. Shared by `run` and `demo`.
 */
export function playAndPrint(
  io: CliIo,
  target: string,
  options: Omit<RunOptions, 'show'> & { archGiven: boolean; show: string[] },
): number {
  const views = options.show.map((name) => findView(name))
  if (options.show.includes('pte') && options.va === undefined)
    throw new CliError('--show pte needs --va <address>')
  if (options.va !== undefined && !options.show.includes('pte'))
    throw new CliError('--va is the address of the pte view: add --show pte')
  if (options.pid !== undefined && views.length === 0)
    throw new CliError('--pid chooses the process the views show: add --show <view>')
  const { name, title, narrator } = play(io, target, {
    arch: options.arch,
    archGiven: options.archGiven,
    verbose: options.verbose === true,
    ...(options.policy === undefined ? {} : { policies: options.policy }),
  })
  narrator.flush()
  const viewOptions = {
    ...(options.pid === undefined ? {} : { pid: options.pid }),
    ...(options.va === undefined ? {} : { va: options.va }),
    faultKinds: countFaultKinds(narrator.events.map((record) => record.event)),
  }
  const rendered = views.map((view) => ({ name: view.name, ...view.render(narrator.kernel, viewOptions) }))
  const failures = narrator.failures
  if (options.json) {
    printJson(io, {
      scenario: name,
      title,
      ok: failures.length === 0,
      expectations: narrator.expectations,
      log: narrator.lines,
      state: machineState(narrator.kernel, narrator.lastSeq),
      views: Object.fromEntries(rendered.map((view) => [view.name, view.json])),
    })
  } else {
    printLines(io, narrator.lines)
    for (const view of rendered) printLines(io, ['', ...view.lines])
    if (failures.length > 0) {
      printLines(io, [
        '',
        paint(io, 'red', `${failures.length} expectation(s) failed:`),
        ...failures.map(
          (failure) => `  ${failure.label}: expected ${failure.expected}, got ${failure.actual}`,
        ),
      ])
    }
  }
  return failures.length === 0 ? 0 : 1
}
