// `ntmm serve <trace|scenario|script.json>`: loads a trace file (or records a built-in scenario or a
// script on a recording machine), starts the explorer's local server on 127.0.0.1 and prints its
// address; the web page (apps/demo/web, built into dist/web) shows the machine at any event with a
// timeline to scrub. It runs until interrupted (Ctrl-C). This file registers the command; the
// server is started by serveExplorer.ts, loaded when the command runs.

import { type Command, InvalidArgumentError, Option } from 'commander'
import type { CliIo } from '../cliIo.js'
import { architectures } from '../commandChoices.js'
import { defaultLoadLimits } from './loadLimits.js'
import type { ServeOptions } from './serveExplorer.js'

/** A positive integer option. */
function positive(name: string) {
  return (value: string) => {
    const number = Number(value)
    if (!Number.isSafeInteger(number) || number <= 0)
      throw new InvalidArgumentError(`${name} must be a positive integer`)
    return number
  }
}

/** Registers `serve` on the program. */
export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('explore a trace in the browser: the machine at any event, with a timeline to scrub')
    .argument('<trace>', 'a trace file (record, import), a built-in scenario name, or a script (.json)')
    .option('--port <port>', 'the port on 127.0.0.1 (default: any free one)', (value: string) => {
      const port = Number(value)
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new InvalidArgumentError('--port must be an integer in 0..65535')
      return port
    })
    .addOption(
      new Option('--arch <arch>', 'paging mode, for a scenario or script').choices(architectures as string[]),
    )
    .option(
      '--max-events <n>',
      `most events of a trace opened in the page (default ${defaultLoadLimits.maxEvents})`,
      positive('--max-events'),
    )
    .option(
      '--max-inflated <MiB>',
      `largest inflated size of a gzip upload (default ${defaultLoadLimits.maxDecompressedBytes / 1024 / 1024})`,
      positive('--max-inflated'),
    )
    .option(
      '--load-timeout <seconds>',
      `time a load may take (default ${defaultLoadLimits.timeoutMs / 1000})`,
      positive('--load-timeout'),
    )
    .option(
      '--load-memory <MiB>',
      `heap of the load worker (default ${defaultLoadLimits.memoryMb})`,
      positive('--load-memory'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ ntmm serve article\n  $ ntmm record pressure -o pressure.ntt && ntmm serve pressure.ntt --port 8080\n  $ ntmm import lackey sort.lackey.gz -o sort.ntt --arch x64 && ntmm serve sort.ntt\n\nThe page: docs/explorer.md. It listens on 127.0.0.1 only; Ctrl-C stops it.\n',
    )
    .action(async (target: string, options: ServeOptions) => {
      // The explorer's server, its session and the simulator are loaded only when serve runs.
      const { serveExplorer } = await import('./serveExplorer.js')
      await serveExplorer(io, target, options)
    })
}
