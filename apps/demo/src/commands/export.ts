// `ntmm export <perfetto|chrome> <trace> -o <file>`: converts a machine trace into a file that
// ui.perfetto.dev or chrome://tracing opens, to look at a run on a timeline.

import type { Command } from 'commander'
import { CliError } from '../cliError.js'
import { commandProgress } from '../progress.js'
import type { CommandContext } from './commandContext.js'
import { examples } from './options.js'
import { printJson, printLines } from './output.js'

/** Registers `export` on the program. */
export function registerExportCommand(program: Command, { io }: CommandContext): void {
  program
    .command('export')
    .description('export a trace for ui.perfetto.dev (or chrome://tracing)')
    .argument('<kind>', 'perfetto | chrome')
    .argument('<trace>', 'a trace file')
    .requiredOption('-o, --output <file>', 'the file to write')
    .option('--json', 'print { file, bytes }')
    .addHelpText(
      'after',
      examples([
        'ntmm export perfetto article.ntt -o article.perfetto-trace',
        'ntmm export chrome article.ntt -o article.json',
      ]),
    )
    .action(async (kind: string, path: string, options: { output: string; json?: boolean }) => {
      if (kind !== 'perfetto' && kind !== 'chrome')
        throw new CliError(`unknown export '${kind}' (exports: perfetto, chrome)`)
      const { exportTraceFile, outputPath } = await import('../traceFiles.js')
      outputPath(io, options.output)
      const progress = commandProgress(io, 'export')
      const bytes = await exportTraceFile(io, path, options.output, kind, progress).finally(() =>
        progress.stop(),
      )
      if (options.json) printJson(io, { file: options.output, bytes })
      else
        printLines(io, [
          `wrote ${bytes} bytes (${kind}) → ${options.output}; open it in ${kind === 'perfetto' ? 'https://ui.perfetto.dev' : 'chrome://tracing'}`,
        ])
    })
}
