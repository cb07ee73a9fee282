// `ntmm scenarios`: lists the built-in scenarios `ntmm run <name>` plays, each with its title (or,
// with --json, its name, title and summary).

import type { Command } from 'commander'
import { paint } from '../cliIo.js'
import type { CommandContext } from './commandContext.js'
import { examples } from './options.js'
import { printJson, printLines } from './output.js'

/** Registers `scenarios` on the program. */
export function registerScenariosCommand(program: Command, { io }: CommandContext): void {
  program
    .command('scenarios')
    .description('list the built-in scenarios')
    .option('--json', 'print [{ name, title, summary }]')
    .addHelpText('after', examples(['ntmm scenarios', 'ntmm scenarios --json']))
    .action(async (options: { json?: boolean }) => {
      const { scenarios } = await import('../scenarios/catalog.js')
      const list = scenarios.map(({ name, title, summary }) => ({ name, title, summary }))
      if (options.json) return printJson(io, list)
      const width = Math.max(...list.map((entry) => entry.name.length))
      printLines(io, [
        ...list.map((entry) => `${paint(io, 'bold', entry.name.padEnd(width))}  ${entry.title}`),
        '',
        'Run one with `ntmm run <name>`; `ntmm run <file.json>` plays your own script (`ntmm schema`).',
      ])
    })
}
