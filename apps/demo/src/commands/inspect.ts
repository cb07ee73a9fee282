// `ntmm inspect <trace> <view> [va]`: one view of a recorded machine right after an event, as WinDbg's
// !address, !vad, !pte, !pfn and !handle show it.

import type { Command } from 'commander'
import { CliError } from '../cliError.js'
import { ADDRESS_SYNTAX, parseAddress } from '../format.js'
import { commandProgress } from '../progress.js'
import { inspectViewNames } from '../commandChoices.js'
import type { CommandContext } from './commandContext.js'
import { examples, integerOption } from './options.js'
import { printJson, printLines } from './output.js'

/** Registers `inspect` on the program. */
export function registerInspectCommand(program: Command, { io }: CommandContext): void {
  program
    .command('inspect')
    .description('one view of the machine right after an event, as WinDbg shows it')
    .argument('<trace>', 'a trace file')
    .argument('<view>', inspectViewNames.map((view) => view.name).join(' | '))
    .argument('[va]', `the address, for the pte view: ${ADDRESS_SYNTAX}`)
    .option('--at <seq>', 'the event (default: the last; -1: before the first)', integerOption('--at', -1))
    .option('--pid <pid>', 'the process (default: the first)', integerOption('--pid'))
    .option('--va <address>', 'the address, for the pte view (instead of the [va] argument)')
    .option('--json', "print the view's JSON")
    .addHelpText(
      'after',
      `${examples(['ntmm inspect article.ntt address --at 30', 'ntmm inspect article.ntt pte 0x11010 --at 40', 'ntmm inspect two.ntt handles --pid 4 --json'])}\nViews:\n${inspectViewNames.map((view) => `  ${view.name.padEnd(8)} ${view.description}`).join('\n')}\n`,
    )
    .action(
      async (
        path: string,
        name: string,
        argument: string | undefined,
        options: { at?: number; pid?: number; va?: string; json?: boolean },
      ) => {
        if (argument !== undefined && options.va !== undefined)
          throw new CliError(`the address is given twice ('${argument}' and --va ${options.va}): give one`)
        const va = argument ?? options.va
        const [{ checkSeq, inspectView, openTrace }, { machineAtFromIndex }, { findView }] =
          await Promise.all([
            import('../traceCommands.js'),
            import('../traceSeek.js'),
            import('../views/inspectViews.js'),
          ])
        findView(name)
        if (va !== undefined && name !== 'pte')
          throw new CliError(`the address '${va}' is for the pte view; the ${name} view takes none`)
        const address = va === undefined ? undefined : parseAddress(va)
        if (va !== undefined && address === undefined)
          throw new CliError(`'${va}' is not an address: ${ADDRESS_SYNTAX}`)
        if (name === 'pte' && address === undefined)
          throw new CliError('the pte view needs an address: ntmm inspect <trace> pte <va>')
        const progress = commandProgress(io, 'inspect')
        const viewOptions = {
          ...(options.pid === undefined ? {} : { pid: options.pid }),
          ...(address === undefined ? {} : { va: address }),
        }
        // A trace with state blocks: from the nearest one, without loading the trace.
        const seeked = await machineAtFromIndex(io, path, options.at, progress)
        let seq: number
        let view: ReturnType<typeof inspectView>
        if (seeked !== undefined) {
          seq = seeked.seq
          view = findView(name).render(seeked.view, viewOptions)
        } else {
          const trace = await openTrace(io, path, { progress })
          seq = checkSeq(trace, path, options.at)
          view = inspectView(trace, seq, name, viewOptions, progress)
        }
        progress.stop()
        if (options.json) printJson(io, { seq, view: name, ...(view.json as object) })
        else
          printLines(io, [
            seq >= 0 ? `${path} right after event #${seq}:` : `${path} before the first event:`,
            ...view.lines,
          ])
      },
    )
}
