// `ntmm schema`: prints the JSON Schema of scenario scripts (what apps/demo/scenario.schema.json
// holds), for editors to complete and check a script.

import type { Command } from 'commander'
import type { CommandContext } from './commandContext.js'
import { examples } from './options.js'
import { printJson } from './output.js'

/** Registers `schema` on the program. */
export function registerSchemaCommand(program: Command, { io }: CommandContext): void {
  program
    .command('schema')
    .description('print the JSON Schema of scenario scripts (apps/demo/scenario.schema.json)')
    .addHelpText('after', examples(['ntmm schema > scenario.schema.json']))
    .action(async () => {
      const { scriptJsonSchema } = await import('../scriptSchema.js')
      printJson(io, scriptJsonSchema())
    })
}
