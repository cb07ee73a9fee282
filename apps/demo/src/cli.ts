#!/usr/bin/env node
// The `ntmm` command line. Every user mistake (unknown command, bad flag) ends in a one-line
// message and exit code 2; only a broken invariant of the simulator would show a stack trace.

import { parseArgs } from 'node:util'
import { runArticleStory } from './articleStory.js'
import { CliError } from './cliError.js'

const usage = `usage: ntmm <command> [options]

commands:
  demo [--arch x86|x86-pae|x64] [--verbose]
      the source article's story: reserve, commit, touch, page fault, demand-zero mapping,
      narrated event by event
  help
      this text`

const architectures = ['x86', 'x86-pae', 'x64'] as const
type Architecture = (typeof architectures)[number]

function parseArchitecture(value: string | undefined): Architecture {
  if (value === undefined) return 'x86'
  if ((architectures as readonly string[]).includes(value)) return value as Architecture
  throw new CliError(`--arch must be one of ${architectures.join(', ')}, not '${value}'`)
}

/** Runs the command line with `argv` (without node and the script), writing to `output`. */
export function main(argv: readonly string[], output: (line: string) => void): number {
  try {
    const [command = 'help', ...rest] = argv
    switch (command) {
      case 'demo': {
        const { values } = parse(rest, { arch: { type: 'string' }, verbose: { type: 'boolean' } })
        const lines = runArticleStory({
          arch: parseArchitecture(values.arch as string | undefined),
          verbose: values.verbose === true,
        })
        for (const line of lines) output(line)
        return 0
      }
      case 'help':
      case '--help':
      case '-h':
        output(usage)
        return 0
      default:
        throw new CliError(`unknown command '${command}'\n\n${usage}`)
    }
  } catch (error) {
    if (error instanceof CliError) {
      output(`ntmm: ${error.message}`)
      return error.exitCode
    }
    throw error
  }
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>

function parse(args: readonly string[], options: OptionSpec) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: false, strict: true })
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error))
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href
if (invokedDirectly) {
  process.exitCode = main(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`))
}
