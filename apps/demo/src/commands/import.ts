// `ntmm import <format> <file>`: replays a real program's memory trace (valgrind lackey, memsim, Pin,
// a page list) through a new process, reports its faults and TLB counts, and with -o saves the machine trace.

import type { Arch } from '@ntmm/nt-syscalls'
import { type Command, Option } from 'commander'
import { CliError } from '../cliError.js'
import { commandProgress } from '../progress.js'
import { importFormats, type TraceFormat, traceFormats } from '../commandChoices.js'
import type { CommandContext } from './commandContext.js'
import { archOption, examples } from './options.js'
import { printJson, printLines } from './output.js'

/** Registers `import` on the program. */
export function registerImportCommand(program: Command, { io }: CommandContext): void {
  program
    .command('import')
    .description(
      "replay a real program's memory trace through a new process and save the machine trace (or, without -o, only report)",
    )
    .argument('<format>', Object.keys(importFormats).join(' | '))
    .argument('<file>', 'the memory trace (.gz read too)')
    .option(
      '-o, --output <file>',
      'the trace file to write (.ntt); without it nothing is recorded, only the report is printed',
    )
    .addOption(
      new Option('--format <format>', 'trace file encoding')
        .choices(traceFormats as unknown as string[])
        .default('binary'),
    )
    .addOption(archOption())
    .addOption(
      new Option('--on-error <policy>', 'at a malformed line').choices(['stop', 'skip']).default('stop'),
    )
    .option('--json', 'print { file, report, trace: { file, events, bytes } | null }')
    .addHelpText(
      'after',
      `${examples(['ntmm import lackey sort.lackey.gz -o sort.ntt --arch x64', 'ntmm import lackey sort.lackey.gz --arch x64', 'ntmm import memsim trace.txt -o trace.ntt', 'ntmm import pages ostep.txt -o pages.ntt --on-error skip'])}\nFormats: lackey (valgrind --tool=lackey --trace-mem=yes), memsim ('0041f7a0 R'), memsim-ls ('l 0x1fffff50 1'),\npinatrace (Pin '0x400519: W 0x7fff5b3c'), pages (one page number per line), auto (detect).\n`,
    )
    .action(
      async (
        kind: string,
        file: string,
        options: {
          output?: string
          format: TraceFormat
          arch: Arch
          onError: 'stop' | 'skip'
          json?: boolean
        },
        command: Command,
      ) => {
        if (options.output === undefined && command.getOptionValueSource('format') === 'cli')
          throw new CliError('--format is the encoding of the trace -o writes: add -o <file>')
        const [{ importLines, importTrace }, { outputPath, saveTrace, STATE_EVERY }] = await Promise.all([
          import('../traceCommands.js'),
          import('../traceFiles.js'),
        ])
        if (options.output !== undefined) outputPath(io, options.output)
        const progress = commandProgress(io, 'import')
        const { kernel, report, liveStates } = await importTrace(io, kind, file, {
          machine: { arch: options.arch },
          onError: options.onError,
          record: options.output !== undefined,
          progress,
          // A binary trace's state blocks, taken as the machine replays (no second replay to write them).
          ...(options.output !== undefined && options.format === 'binary' ? { stateEvery: STATE_EVERY } : {}),
        }).finally(() => progress.stop())
        if (options.output === undefined) {
          // Only the report: the machine ran without recording.
          if (options.json) printJson(io, { file, report, trace: null })
          else printLines(io, [...importLines(file, report), 'no trace written (-o <file> records one)'])
          return
        }
        const saved = await saveTrace(
          io,
          kernel,
          options.output,
          options.format,
          progress,
          liveStates,
        ).finally(() => progress.stop())
        if (options.json)
          printJson(io, {
            file,
            report,
            trace: { file: options.output, events: saved.events, bytes: saved.bytes },
          })
        else
          printLines(io, [
            ...importLines(file, report),
            `wrote ${saved.events} events, ${saved.bytes} bytes → ${options.output}`,
          ])
      },
    )
}
