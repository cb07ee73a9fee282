// What a built-in scenario is: a name, a title, a one-paragraph summary, and a function that plays
// it on a narrated machine. A scenario checks its own claims with `narrator.expect`, so a change in
// the simulator that breaks the story is a finding (exit code 1), not a silently different log.

import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch } from '@ntmm/nt-syscalls'
import type { Narrator } from '../narrator.js'

/** Options every scenario accepts. */
export interface ScenarioOptions {
  readonly arch: Arch
  readonly verbose: boolean
  /** Record the whole machine (kernel.trace) for `ntmm record`. */
  readonly record?: boolean
  /** The replacement policies to compare (memory pressure); all when undefined. */
  readonly policies?: readonly ReplacementPolicyName[]
}

/** A built-in scenario. */
export interface Scenario {
  readonly name: string
  readonly title: string
  readonly summary: string
  /** True when the scenario compares replacement policies (takes `--policy`); others refuse it. */
  readonly comparesPolicies?: boolean
  /** Plays the scenario; the narrator returned holds the machine in its final state. */
  readonly run: (options: ScenarioOptions) => Narrator
}
