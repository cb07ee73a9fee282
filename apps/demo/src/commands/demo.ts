// `ntmm demo`: tells the source article's story — reserve, commit, the demand-zero fault, the access
// violations — exactly as `ntmm run article` does.

import type { Arch } from '@ntmm/nt-syscalls'
import type { Command } from 'commander'
import type { CommandContext } from './commandContext.js'
import { archOption, examples } from './options.js'

/** Registers `demo` on the program. */
export function registerDemoCommand(program: Command, { io, setExitCode }: CommandContext): void {
  program
    .command('demo')
    .description("the source article's story (the same as `ntmm run article`)")
    .addOption(archOption())
    .option('--verbose', 'print every event, not only the narrated kinds')
    .option('--json', 'print the run as JSON (see `ntmm run --help`)')
    .addHelpText('after', examples(['ntmm demo', 'ntmm demo --arch x64 --verbose']))
    .action(async (options: { arch: Arch; verbose?: boolean; json?: boolean }) => {
      const { playAndPrint } = await import('./playAndPrint.js')
      setExitCode(playAndPrint(io, 'article', { ...options, archGiven: true, show: [] }))
    })
}
