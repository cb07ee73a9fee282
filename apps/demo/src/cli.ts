#!/usr/bin/env node
// The `ntmm` command line (commander): built-in scenarios and users' scripts played with a
// narrated log, inspection views of the machine they leave, the script schema, and sweeps across
// machine configurations. Conventions: `--help` with examples on every command, `--json` with a
// documented shape on every command that prints state, exit code 0 for success, 1 for a finding
// (a failed expectation), 2 for bad usage or input — always one `ntmm: …` line, never a stack trace.
// This file is the entry point and dispatcher: the command table, the overall help, and errors
// turned into exit codes; each command is in src/commands/<name>.ts (serve: src/serve/serveCommand.ts).
// Registering the commands loads none of the simulator (their choices come from commandChoices.ts):
// each action imports what it needs when it runs, so `--help`, `--version` and a bad option cost
// node's start-up and commander only, and a command loads its own modules, not every other's.

import { readFileSync, realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { Command, CommanderError } from 'commander'
import { type CliIo, processIo } from './cliIo.js'
import { CliError } from './cliError.js'
import type { CommandContext, RegisterCommand } from './commands/commandContext.js'
import { registerDemoCommand } from './commands/demo.js'
import { registerEventsCommand } from './commands/events.js'
import { registerExportCommand } from './commands/export.js'
import { registerImportCommand } from './commands/import.js'
import { registerInspectCommand } from './commands/inspect.js'
import { examples } from './commands/options.js'
import { registerRecordCommand } from './commands/record.js'
import { registerReplayCommand } from './commands/replay.js'
import { registerRunCommand } from './commands/run.js'
import { registerScenariosCommand } from './commands/scenarios.js'
import { registerSchemaCommand } from './commands/schema.js'
import { registerSweepCommand } from './commands/sweep.js'
import { registerWhyCommand } from './commands/why.js'
import { packageFile } from './packageFile.js'
import { stopAllProgress } from './progress.js'
import { registerServeCommand } from './serve/serveCommand.js'

/** The commands, in the order the overall --help lists them. */
const commands: readonly RegisterCommand[] = [
  registerDemoCommand,
  registerScenariosCommand,
  registerRunCommand,
  registerSchemaCommand,
  registerSweepCommand,
  registerRecordCommand,
  registerReplayCommand,
  registerInspectCommand,
  registerEventsCommand,
  registerWhyCommand,
  registerImportCommand,
  registerExportCommand,
  (program, { io }) => registerServeCommand(program, io),
]

/** The version in apps/demo/package.json (next to src/ and dist/ alike). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as {
    version: string
  }
  return manifest.version
}

/** Runs the command line with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0
  const program = new Command('ntmm')
    .version(packageVersion(), '-V, --version', 'print the version of ntmm')
    .description(
      'ntmm: the Windows NT virtual memory manager, simulated from NtAllocateVirtualMemory down to the PTE',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(`ntmm: ${text.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `${examples(['ntmm demo', 'ntmm scenarios', 'ntmm run pressure --policy lru,opt', 'ntmm run my-scenario.json --show address', 'ntmm sweep --workload tlb-loop --tlb 8x8,16x4 --csv'])}\nExit codes: 0 success, 1 a finding (an expectation failed), 2 bad usage or input.\nDocumentation: docs/cli.md\n`,
    )
  const context: CommandContext = {
    io,
    setExitCode: (code) => {
      exitCode = code
    },
  }
  for (const register of commands) register(program, context)

  try {
    await program.parseAsync(argv.length === 0 ? ['--help'] : [...argv], { from: 'user' })
    stopAllProgress()
    return exitCode
  } catch (error) {
    stopAllProgress()
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    if (error instanceof CliError) {
      io.stderr(`ntmm: ${error.message}\n`)
      return error.exitCode
    }
    throw error
  }
}

/** True when this module is the program node runs (directly, or through the `ntmm` bin symlink). */
function invokedDirectly(): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href
  } catch {
    return false
  }
}
if (invokedDirectly()) {
  // A reader that stops early (`ntmm events t.ntt | head -1`) closes the pipe: end quietly, as
  // the tools `head` is used with do, instead of dying on an unhandled EPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      // The build is one bundled file (scripts/bundle.mjs): its stack's lines are the bundle's
      // unless node maps them through dist/cli.js.map, which costs every run ~0.03 s, so it is asked for.
      const mapped = process.sourceMapsEnabled ? '' : "(node --enable-source-maps gives the sources' lines)\n"
      process.stderr.write(
        `ntmm: internal error (a broken invariant of the simulator): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n${mapped}`,
      )
      process.exitCode = 70
    },
  )
}
