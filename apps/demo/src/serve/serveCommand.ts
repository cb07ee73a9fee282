// `ntmm serve <trace|scenario|script.json>`: loads a trace file (or records a built-in scenario or a
// script on a recording machine), starts the explorer's local server on 127.0.0.1 and prints its
// address; the web page (apps/demo/web, built into dist/web) shows the machine at any event with a
// timeline to scrub. It runs until interrupted (Ctrl-C).

import { existsSync, readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Kernel } from '@ntmm/nt-syscalls'
import { type Command, InvalidArgumentError, Option } from 'commander'
import type { CliIo } from '../cliIo.js'
import { CliError } from '../cliError.js'
import { architectures } from '../machine.js'
import { parseScript } from '../parseScript.js'
import { runScript } from '../runScript.js'
import { requireScenario } from '../scenarios/catalog.js'
import { openTrace } from '../traceCommands.js'
import { ExplorerSession } from './explorerSession.js'
import { startExplorerServer } from './explorerServer.js'
import { defaultLoadLimits, type TraceLoadLimits } from './traceLoad.js'

/** A positive integer option. */
function positive(name: string) {
  return (value: string) => {
    const number = Number(value)
    if (!Number.isSafeInteger(number) || number <= 0)
      throw new InvalidArgumentError(`${name} must be a positive integer`)
    return number
  }
}

/** The load limits of `serve`'s options (defaults: traceLoad.ts's, in docs/explorer.md). */
function loadLimitsOf(options: ServeOptions): Partial<TraceLoadLimits> {
  return {
    ...(options.maxEvents === undefined ? {} : { maxEvents: options.maxEvents }),
    ...(options.maxInflated === undefined ? {} : { maxDecompressedBytes: options.maxInflated * 1024 * 1024 }),
    ...(options.loadTimeout === undefined ? {} : { timeoutMs: options.loadTimeout * 1000 }),
    ...(options.loadMemory === undefined ? {} : { memoryMb: options.loadMemory }),
  }
}

interface ServeOptions {
  readonly port?: number
  readonly arch?: (typeof architectures)[number]
  readonly maxEvents?: number
  readonly maxInflated?: number
  readonly loadTimeout?: number
  readonly loadMemory?: number
}

/** The built web page: apps/demo/dist/web, from the sources (src/serve) and from the build (dist/serve). */
export const defaultWebRoot = fileURLToPath(new URL('../../dist/web/', import.meta.url))

/** Loads what `serve` was given: a trace file, a script (.json) or a built-in scenario, recorded. */
export async function loadExplorerSession(
  io: CliIo,
  target: string,
  options: { readonly arch?: (typeof architectures)[number] } = {},
): Promise<ExplorerSession> {
  const full = resolve(io.cwd, target)
  if (target.endsWith('.json')) {
    let text: string
    try {
      text = readFileSync(full, 'utf8')
    } catch {
      throw new CliError(`${target}: cannot read the script`)
    }
    const narrator = runScript(parseScript(text, target), target, {
      verbose: false,
      record: true,
      ...(options.arch === undefined ? {} : { machine: { arch: options.arch } }),
    })
    return new ExplorerSession(narrator.kernel, target)
  }
  if (existsSync(full) && statSync(full).isFile()) {
    const trace = await openTrace(io, target)
    return new ExplorerSession(trace.kernel, target)
  }
  if (target.includes('/') || target.includes('\\') || target.includes('.'))
    throw new CliError(`${target}: no such trace file`)
  const scenario = requireScenario(target)
  const kernel: Kernel = scenario.run({ arch: options.arch ?? 'x86', verbose: false, record: true }).kernel
  return new ExplorerSession(kernel, `scenario ${scenario.name}`)
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
      const session = await loadExplorerSession(
        io,
        target,
        options.arch === undefined ? {} : { arch: options.arch },
      )
      // Without the built page the API still answers; say how to get the page.
      if (!existsSync(resolve(defaultWebRoot, 'index.html')))
        io.stderr(
          `ntmm: the web page is not built (${defaultWebRoot}); run \`pnpm --filter @ntmm/demo build\`\n`,
        )
      let server: Awaited<ReturnType<typeof startExplorerServer>>
      try {
        server = await startExplorerServer({
          session,
          webRoot: defaultWebRoot,
          loadLimits: loadLimitsOf(options),
          ...(options.port === undefined ? {} : { port: options.port }),
        })
      } catch (error) {
        throw new CliError(`cannot listen on 127.0.0.1:${options.port ?? 0} (${(error as Error).message})`)
      }
      io.stdout(
        `ntmm explorer: ${server.url} — ${session.source}, ${session.length} events (Ctrl-C stops it)\n`,
      )
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          void server.close().then(done)
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
    })
}
