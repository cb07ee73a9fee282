// `ntmm why <trace> <seq>`: the causal chain of an event, back to the system call or memory access
// that caused it, and that cause's other effects.

import type { Command } from 'commander'
import { CliError } from '../cliError.js'
import { commandProgress } from '../progress.js'
import type { CommandContext } from './commandContext.js'
import { examples, integerOption } from './options.js'
import { printJson, printLines } from './output.js'

/** Registers `why` on the program. */
export function registerWhyCommand(program: Command, { io }: CommandContext): void {
  program
    .command('why')
    .description('the causal chain of an event, back to the system call or access that caused it')
    .argument('<trace>', 'a trace file')
    .argument('<seq>', 'the event', integerOption('<seq>', 0))
    .option('--json', 'print { seq, chain: [{ seq, event }], syscall, effects }')
    .addHelpText('after', examples(['ntmm why article.ntt 27', 'ntmm why run.ntt 4711 --json']))
    .action(async (path: string, seq: number, options: { json?: boolean }) => {
      const { openTrace, whyFromIndex, whyReport } = await import('../traceCommands.js')
      const progress = commandProgress(io, 'why')
      // A binary trace answers from its index (the blocks of the chain and the effects); else loaded.
      progress.stage(`reading ${path}`)
      let report = await whyFromIndex(io, path, seq, progress)
      if (report === undefined) {
        const trace = await openTrace(io, path, { progress })
        if (seq > trace.length - 1)
          throw new CliError(`<seq> ${seq}: out of range; ${path} has events 0..${trace.length - 1}`)
        progress.stage(`following the causes of #${seq}`)
        report = whyReport(trace, seq)
      }
      progress.stop()
      if (options.json) printJson(io, report.json)
      else printLines(io, report.lines)
    })
}
