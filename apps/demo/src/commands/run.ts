// `ntmm run <scenario|script.json>`: plays a built-in scenario or a user's script with a narrated log
// of every layer, optionally followed by views of the final state; a failed expectation exits 1.

import type { Command } from 'commander'
import { inspectViewNames, replacementPolicies } from '../commandChoices.js'
import { ADDRESS_SYNTAX } from '../format.js'
import type { CommandContext } from './commandContext.js'
import type { RunOptions } from './playAndPrint.js'
import { addressOption, archOption, examples, integerOption, listOption } from './options.js'

/** Registers `run` on the program. */
export function registerRunCommand(program: Command, { io, setExitCode }: CommandContext): void {
  program
    .command('run')
    .description('play a built-in scenario or a scenario script with a narrated log of every layer')
    .argument('<scenario>', 'a built-in scenario name (`ntmm scenarios`) or a script file (.json)')
    .addOption(archOption())
    .option(
      '--policy <list>',
      "replacement policies: those 'pressure' compares (comma-separated), or a script's one; default nt (Windows' working sets)",
      listOption(replacementPolicies),
    )
    .option('--verbose', 'print every event, not only the narrated kinds')
    .option(
      '--show <view>',
      `a view of the final state (repeatable, or comma-separated): ${inspectViewNames.map((view) => view.name).join(', ')}`,
      (value: string, previous: string[] = []) => [...previous, ...value.split(',')],
    )
    .option('--pid <pid>', 'the process the views show (default: the first)', integerOption('--pid'))
    .option('--va <address>', `the address of the pte view, ${ADDRESS_SYNTAX}`, addressOption)
    .option(
      '--json',
      'print { scenario, title, ok, expectations, log, state: { seq, processes, stats }, views }',
    )
    .addHelpText(
      'after',
      `${examples([
        'ntmm run article',
        'ntmm run pressure --policy fifo,lru',
        'ntmm run stack --show address --show vad',
        'ntmm run article --show pte --va 0x11010',
        'ntmm run examples/scenario.json --json',
      ])}\nViews:\n${inspectViewNames.map((view) => `  ${view.name.padEnd(8)} ${view.description}`).join('\n')}\n`,
    )
    .action(async (target: string, options: RunOptions, command: Command) => {
      // The machine and the scenarios are loaded only when a command plays them.
      const { playAndPrint } = await import('./playAndPrint.js')
      setExitCode(
        playAndPrint(io, target, {
          ...options,
          archGiven: command.getOptionValueSource('arch') === 'cli',
          show: options.show ?? [],
        }),
      )
    })
}
