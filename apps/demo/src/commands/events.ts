// `ntmm events <trace>`: lists a trace's events, filtered by type (or layer), address or range,
// process and seq window; a window of a binary trace is read through its index only.

import type { Command } from 'commander'
import { CliError } from '../cliError.js'
import { ADDRESS_SYNTAX, parseAddress } from '../format.js'
import { commandProgress } from '../progress.js'
import type { CommandContext } from './commandContext.js'
import { examples, integerOption } from './options.js'
import { printJson, printLines } from './output.js'

/** Registers `events` on the program. */
export function registerEventsCommand(program: Command, { io }: CommandContext): void {
  program
    .command('events')
    .description('list the events of a trace, filtered by type, address, process and seq window')
    .argument('<trace>', 'a trace file')
    .option(
      '--type <list>',
      "event types, comma-separated; a prefix ending in '.' or '*' matches a layer (mm.*)",
      (value: string) => value.split(','),
    )
    .option(
      '--address <va|range>',
      `events touching this page (11000) or range (10000-20000); addresses ${ADDRESS_SYNTAX}`,
    )
    .option('--pid <pid>', 'events of this process', integerOption('--pid'))
    .option('--from <seq>', 'first seq', integerOption('--from', 0))
    .option('--to <seq>', 'last seq (inclusive)', integerOption('--to', 0))
    .option('--limit <n>', 'print at most n events', integerOption('--limit'), 200)
    .option('--json', 'print { matched, events: [{ seq, cause, event }] }')
    .addHelpText(
      'after',
      examples([
        'ntmm events article.ntt --type mm.pageFault,nt.exceptionRaised',
        "ntmm events article.ntt --type 'mm.*' --address 0x11000",
        'ntmm events run.ntt --from 100 --to 200 --json',
      ]),
    )
    .action(
      async (
        path: string,
        options: {
          type?: string[]
          address?: string
          pid?: number
          from?: number
          to?: number
          limit: number
          json?: boolean
        },
      ) => {
        if (options.from !== undefined && options.to !== undefined && options.from > options.to)
          throw new CliError(`--from ${options.from} is after --to ${options.to}: the window would be empty`)
        const { checkSeq, eventLine, listEvents, listWindowFromIndex, openTrace, parseAddressRange } =
          await import('../traceCommands.js')
        const filter = {
          limit: options.limit,
          ...(options.type === undefined ? {} : { types: options.type }),
          ...(options.address === undefined
            ? {}
            : { address: parseAddressRange(options.address, parseAddress) }),
          ...(options.pid === undefined ? {} : { pid: options.pid }),
          ...(options.from === undefined ? {} : { from: options.from }),
          ...(options.to === undefined ? {} : { to: options.to }),
        }
        // A binary trace is read through its index (the blocks of the window and types only); else loaded.
        const progress = commandProgress(io, 'events')
        let result = await listWindowFromIndex(io, path, filter, progress)
        if (result === undefined) {
          const trace = await openTrace(io, path, { progress })
          if (options.from !== undefined) checkSeq(trace, path, options.from, '--from')
          if (options.to !== undefined) checkSeq(trace, path, options.to, '--to')
          progress.stage('matching events')
          result = listEvents(trace, filter)
        }
        progress.stop()
        if (options.json) return printJson(io, result)
        printLines(io, [
          ...result.events.map(({ seq, cause, event }) => eventLine(seq, cause, event)),
          `${result.matched} event(s) matched${result.matched > result.events.length ? `, ${result.events.length} shown (--limit)` : ''}`,
        ])
      },
    )
}
