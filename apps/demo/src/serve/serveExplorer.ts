// `ntmm serve` at work: loads what it was given (a trace file, a script or a built-in scenario,
// recorded) into an explorer session, starts the explorer's server on 127.0.0.1, prints its address
// and runs until SIGINT or SIGTERM. Loaded only when `serve` runs (serveCommand.ts registers it).

import { existsSync, readFileSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Kernel } from '@ntmm/nt-syscalls'
import type { CliIo } from '../cliIo.js'
import { CliError } from '../cliError.js'
import type { architectures } from '../commandChoices.js'
import { packageFile } from '../packageFile.js'
import { parseScript } from '../parseScript.js'
import { runScript } from '../runScript.js'
import { requireScenario } from '../scenarios/catalog.js'
import { openTrace } from '../traceCommands.js'
import { ExplorerSession } from './explorerSession.js'
import { startExplorerServer } from './explorerServer.js'
import type { TraceLoadLimits } from './loadLimits.js'

/** The options of `serve` as commander parses them. */
export interface ServeOptions {
  readonly port?: number
  readonly arch?: (typeof architectures)[number]
  readonly maxEvents?: number
  readonly maxInflated?: number
  readonly loadTimeout?: number
  readonly loadMemory?: number
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

/** The built web page: apps/demo/dist/web, from the sources and from the bundle alike. */
export const defaultWebRoot = fileURLToPath(packageFile('dist/web/'))

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

/** Serves `target` in the explorer until interrupted (what `ntmm serve` does). */
export async function serveExplorer(io: CliIo, target: string, options: ServeOptions): Promise<void> {
  const session = await loadExplorerSession(
    io,
    target,
    options.arch === undefined ? {} : { arch: options.arch },
  )
  // Without the built page the API still answers; say how to get the page.
  if (!existsSync(resolve(defaultWebRoot, 'index.html')))
    io.stderr(`ntmm: the web page is not built (${defaultWebRoot}); run \`pnpm --filter @ntmm/demo build\`\n`)
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
  io.stdout(`ntmm explorer: ${server.url} — ${session.source}, ${session.length} events (Ctrl-C stops it)\n`)
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      void server.close().then(done)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}
