// Plays what `run`, `demo` and `record` are given: a built-in scenario by name, or a user's scenario
// script (.json, or any path) parsed, checked and run; the narrator holds the log and the machine.

import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch } from '@ntmm/nt-syscalls'
import type { CliIo } from '../cliIo.js'
import { CliError } from '../cliError.js'
import type { Narrator } from '../narrator.js'
import { parseScript } from '../parseScript.js'
import { runScript } from '../runScript.js'
import { requireScenario } from '../scenarios/catalog.js'

/**
 * Loads a scenario or a script by argument: a built-in name, or a path to a .json script. A script
 * keeps its own machine unless `archGiven` (the user named --arch) or a policy is given (one: its
 * machine's replacement policy). Throws CliError for an unknown scenario, an unreadable or invalid
 * script, or `policies` given to what does not use them.
 */
export function play(
  io: CliIo,
  target: string,
  options: {
    arch: Arch
    archGiven: boolean
    verbose: boolean
    record?: boolean
    policies?: ReplacementPolicyName[]
  },
): { name: string; title: string; narrator: Narrator } {
  if (target.endsWith('.json') || target.includes('/') || target.includes('\\')) {
    const path = resolve(io.cwd, target)
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new CliError(
        `${target}: cannot read the script (${code === 'ENOENT' ? 'no such file' : (code ?? String(error))})`,
      )
    }
    const script = parseScript(text, target)
    const policies = options.policies ?? []
    if (policies.length > 1)
      throw new CliError(
        `--policy ${policies.join(',')}: a script runs on one machine; give it one policy (to compare policies on a reference string: ntmm sweep --refs)`,
      )
    const narrator = runScript(script, target, {
      verbose: options.verbose,
      record: options.record === true,
      machine: {
        ...(options.archGiven ? { arch: options.arch } : {}),
        ...(policies[0] === undefined ? {} : { replacementPolicy: policies[0] }),
      },
    })
    return { name: target, title: script.name ?? target, narrator }
  }
  const scenario = requireScenario(target)
  if (options.policies !== undefined && scenario.comparesPolicies !== true)
    throw new CliError(
      `--policy: '${scenario.name}' does not depend on the replacement policy (it applies to 'pressure', which compares them, and to scripts)`,
    )
  const narrator = scenario.run({
    arch: options.arch,
    verbose: options.verbose,
    record: options.record === true,
    ...(options.policies === undefined ? {} : { policies: options.policies }),
  })
  return { name: scenario.name, title: scenario.title, narrator }
}
