// What every command of the `ntmm` command line is given: where it writes (CliIo) and how it sets
// the exit code `main` resolves to. Errors are thrown as CliError and turned into code 2 by `main`.

import type { Command } from 'commander'
import type { CliIo } from '../cliIo.js'

/** A command's view of the running command line. */
export interface CommandContext {
  /** Where the command writes, and its terminal and working directory. */
  readonly io: CliIo
  /** Sets the exit code of the run: 0 success, 1 a finding (an expectation failed, a divergence). */
  readonly setExitCode: (code: number) => void
}

/** Adds one command, its options and its action to the program. */
export type RegisterCommand = (program: Command, context: CommandContext) => void
