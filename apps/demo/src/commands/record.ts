// `ntmm record <scenario|script.json> -o <file>`: plays a scenario or script on a recording machine
// and saves the whole machine trace (binary .ntt or JSON lines) for replay, inspect and serve.

import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch } from '@ntmm/nt-syscalls'
import { type Command, Option } from 'commander'
import { replacementPolicies, type TraceFormat, traceFormats } from '../commandChoices.js'
import { commandProgress } from '../progress.js'
import type { CommandContext } from './commandContext.js'
import { archOption, examples, listOption } from './options.js'
import { printJson, printLines } from './output.js'

/** Registers `record` on the program; an expectation failed while recording is a finding (exit code 1). */
export function registerRecordCommand(program: Command, { io, setExitCode }: CommandContext): void {
  program
    .command('record')
    .description('play a scenario or script on a recording machine and save the whole trace')
    .argument('<scenario>', 'a built-in scenario name or a script file (.json)')
    .requiredOption('-o, --output <file>', 'the trace file to write (.ntt)')
    .addOption(
      new Option('--format <format>', 'trace file encoding')
        .choices(traceFormats as unknown as string[])
        .default('binary'),
    )
    .addOption(archOption())
    .option(
      '--policy <list>',
      "replacement policy: of a script, or those 'pressure' compares (the first is recorded); default nt (Windows' working sets)",
      listOption(replacementPolicies),
    )
    .option('--json', 'print { file, format, events, bytes, bytesPerEvent, ok }')
    .addHelpText(
      'after',
      examples([
        'ntmm record article -o article.ntt',
        'ntmm record my-scenario.json -o run.ntt --format jsonl',
      ]),
    )
    .action(
      async (
        target: string,
        options: {
          output: string
          format: TraceFormat
          arch: Arch
          policy?: ReplacementPolicyName[]
          json?: boolean
        },
        command: Command,
      ) => {
        const [{ outputPath, saveTrace }, { play }] = await Promise.all([
          import('../traceFiles.js'),
          import('./play.js'),
        ])
        outputPath(io, options.output)
        const progress = commandProgress(io, 'record')
        progress.stage(`playing ${target}`)
        const { name, narrator } = play(io, target, {
          arch: options.arch,
          archGiven: command.getOptionValueSource('arch') === 'cli',
          verbose: false,
          record: true,
          ...(options.policy === undefined ? {} : { policies: options.policy }),
        })
        const saved = await saveTrace(io, narrator.kernel, options.output, options.format, progress).finally(
          () => progress.stop(),
        )
        const ok = narrator.failures.length === 0
        if (options.json)
          printJson(io, {
            file: options.output,
            format: options.format,
            events: saved.events,
            bytes: saved.bytes,
            bytesPerEvent: saved.bytesPerEvent,
            ok,
          })
        else
          printLines(io, [
            `recorded '${name}': ${saved.events} events, ${saved.bytes} bytes (${saved.bytesPerEvent.toFixed(2)} bytes/event, ${options.format}) → ${options.output}`,
            ...(ok
              ? []
              : [
                  `${narrator.failures.length} expectation(s) failed while recording (run it with \`ntmm run\` to see them)`,
                ]),
          ])
        setExitCode(ok ? 0 : 1)
      },
    )
}
