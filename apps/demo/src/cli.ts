#!/usr/bin/env node
// The `ntmm` command line (commander): built-in scenarios and users' scripts played with a
// narrated log, inspection views of the machine they leave, the script schema, and sweeps across
// machine configurations. Conventions: `--help` with examples on every command, `--json` with a
// documented shape on every command that prints state, exit code 0 for success, 1 for a finding
// (a failed expectation), 2 for bad usage or input — always one `ntmm: …` line, never a stack trace.

import { readFileSync, realpathSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import type { ReplacementPolicyName } from '@ntmm/mm-core'
import {
  type Arch,
  detectMemoryTraceFormat,
  type Kernel,
  lineBatches,
  type MemoryTraceFormat,
} from '@ntmm/nt-syscalls'
import { type CliIo, paint, processIo } from './cliIo.js'
import { CliError } from './cliError.js'
import { parseNumber } from './format.js'
import { architectures, replacementPolicies } from './machine.js'
import type { Narrator } from './narrator.js'
import { parseScript } from './parseScript.js'
import { startProgress } from './progress.js'
import { runScript } from './runScript.js'
import { requireScenario, scenarios } from './scenarios/catalog.js'
import { scriptJsonSchema } from './scriptSchema.js'
import { registerServeCommand } from './serve/serveCommand.js'
import { runSweep, sweepCsv, sweepJobs, sweepTable } from './sweep.js'
import {
  checkSeq,
  eventLine,
  importFormats,
  importLines,
  importTrace,
  inspectView,
  listEvents,
  listWindowFromIndex,
  openTrace,
  parseAddressRange,
  replayLines,
  saveRecording,
  type TraceFormat,
  traceFormats,
  whyReport,
} from './traceCommands.js'
import { findView, inspectViews } from './views/inspectViews.js'
import { machineState } from './views/memoryMap.js'
import { type WorkloadName, workloadNames } from './workloads.js'

const examples = (lines: readonly string[]) =>
  `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`

function integerOption(name: string, minimum = 1) {
  return (value: string): number => {
    const number = parseNumber(value)
    if (number === undefined || number < minimum)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${minimum}`)
    return number
  }
}

/** `--memory`: bytes, or KiB/MiB/GiB with a K, M or G suffix; whole pages, at least 6 (x86's minimum). */
function byteSizeOption(value: string): number {
  const match = /^(\d+)([KMG])?$/i.exec(value.trim())
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(match?.[2] ?? '').toUpperCase() as 'K']
  const bytes = match === null ? Number.NaN : Number(match[1]) * scale
  if (!Number.isSafeInteger(bytes) || bytes % 4096 !== 0 || bytes < 6 * 4096)
    throw new InvalidArgumentError('expected whole 4 KiB pages, at least 24K (e.g. 28K, 1M, 262144)')
  return bytes
}

/** The format of the memory trace at `path` (named `name` in messages), told from its first lines. */
async function detectFormat(path: string, name: string | undefined): Promise<MemoryTraceFormat> {
  let first: readonly string[] = []
  try {
    for await (const batch of lineBatches(path)) {
      first = batch.slice(0, 200)
      break
    }
  } catch (error) {
    throw new CliError(
      `--trace ${name}: cannot read it (${error instanceof Error ? error.message : String(error)})`,
    )
  }
  const format = detectMemoryTraceFormat(first)
  if (format === undefined)
    throw new CliError(
      `--trace ${name}: cannot tell its format from the first lines; name it with --trace-format (${Object.keys(
        importFormats,
      )
        .filter((key) => key !== 'auto')
        .join(', ')})`,
    )
  return format
}

/** True when `path` names a file. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

function listOption<T extends string>(allowed: readonly T[]) {
  return (value: string): T[] => {
    const items = value.split(',').map((item) => item.trim())
    for (const item of items)
      if (!(allowed as readonly string[]).includes(item))
        throw new InvalidArgumentError(`'${item}' is not one of ${allowed.join(', ')}`)
    return items as T[]
  }
}

const archOption = () =>
  new Option('--arch <arch>', 'paging mode of the machine').choices(architectures as string[]).default('x86')

/** Writes narration lines, coloured on a terminal. */
function printLines(io: CliIo, lines: readonly string[]): void {
  const styled = lines.map((line) => {
    if (!io.color) return line
    if (line.startsWith('   ✓')) return paint(io, 'green', line)
    if (line.startsWith('   ✗')) return paint(io, 'red', line)
    if (/^\d+\. /.test(line) || line.startsWith('ntmm: ')) return paint(io, 'bold', line)
    if (line.startsWith('    #')) return paint(io, 'dim', line)
    return line
  })
  io.stdout(styled.length === 0 ? '' : `${styled.join('\n')}\n`)
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`)
}

/** Loads a scenario or a script by argument: a built-in name, or a path to a .json script. */
function play(
  io: CliIo,
  target: string,
  options: {
    arch: Arch
    archGiven: boolean
    verbose: boolean
    record?: boolean
    policies?: ReplacementPolicyName[]
  },
): { name: string; title: string; narrator: Narrator } {
  if (target.endsWith('.json') || target.includes('/') || target.includes('\\')) {
    const path = resolve(io.cwd, target)
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new CliError(
        `${target}: cannot read the script (${code === 'ENOENT' ? 'no such file' : (code ?? String(error))})`,
      )
    }
    const script = parseScript(text, target)
    const narrator = runScript(script, target, {
      verbose: options.verbose,
      record: options.record === true,
      ...(options.archGiven ? { machine: { arch: options.arch } } : {}),
    })
    return { name: target, title: script.name ?? target, narrator }
  }
  const scenario = requireScenario(target)
  const narrator = scenario.run({
    arch: options.arch,
    verbose: options.verbose,
    record: options.record === true,
    ...(options.policies === undefined ? {} : { policies: options.policies }),
  })
  return { name: scenario.name, title: scenario.title, narrator }
}

/** Runs the command line with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode = 0
  const program = new Command('ntmm')
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

  program
    .command('demo')
    .description("the source article's story (the same as `ntmm run article`)")
    .addOption(archOption())
    .option('--verbose', 'print every event, not only the narrated kinds')
    .option('--json', 'print the run as JSON (see `ntmm run --help`)')
    .addHelpText('after', examples(['ntmm demo', 'ntmm demo --arch x64 --verbose']))
    .action((options: { arch: Arch; verbose?: boolean; json?: boolean }) => {
      exitCode = runCommand(io, 'article', { ...options, archGiven: true, show: [] })
    })

  program
    .command('scenarios')
    .description('list the built-in scenarios')
    .option('--json', 'print [{ name, title, summary }]')
    .addHelpText('after', examples(['ntmm scenarios', 'ntmm scenarios --json']))
    .action((options: { json?: boolean }) => {
      const list = scenarios.map(({ name, title, summary }) => ({ name, title, summary }))
      if (options.json) return printJson(io, list)
      const width = Math.max(...list.map((entry) => entry.name.length))
      printLines(io, [
        ...list.map((entry) => `${paint(io, 'bold', entry.name.padEnd(width))}  ${entry.title}`),
        '',
        'Run one with `ntmm run <name>`; `ntmm run <file.json>` plays your own script (`ntmm schema`).',
      ])
    })

  program
    .command('run')
    .description('play a built-in scenario or a scenario script with a narrated log of every layer')
    .argument('<scenario>', 'a built-in scenario name (`ntmm scenarios`) or a script file (.json)')
    .addOption(archOption())
    .option(
      '--policy <list>',
      'replacement policies for the pressure scenario (comma-separated)',
      listOption(replacementPolicies),
    )
    .option('--verbose', 'print every event, not only the narrated kinds')
    .option(
      '--show <view>',
      `a view of the final state (repeatable, or comma-separated): ${inspectViews.map((view) => view.name).join(', ')}`,
      (value: string, previous: string[] = []) => [...previous, ...value.split(',')],
    )
    .option('--pid <pid>', 'the process the views show (default: the first)', integerOption('--pid'))
    .option('--va <address>', 'the address of the pte view', integerOption('--va', 0))
    .option(
      '--json',
      'print { scenario, title, ok, expectations, log, state: { seq, processes, stats }, views }',
    )
    .addHelpText(
      'after',
      `${examples([
        'ntmm run article',
        'ntmm run pressure --policy fifo,lru',
        'ntmm run stack --show address --show vad',
        'ntmm run article --show pte --va 0x11010',
        'ntmm run examples/scenario.json --json',
      ])}\nViews:\n${inspectViews.map((view) => `  ${view.name.padEnd(8)} ${view.description}`).join('\n')}\n`,
    )
    .action((target: string, options: RunOptions, command: Command) => {
      exitCode = runCommand(io, target, {
        ...options,
        archGiven: command.getOptionValueSource('arch') === 'cli',
        show: options.show ?? [],
      })
    })

  program
    .command('schema')
    .description('print the JSON Schema of scenario scripts (apps/demo/scenario.schema.json)')
    .addHelpText('after', examples(['ntmm schema > scenario.schema.json']))
    .action(() => printJson(io, scriptJsonSchema()))

  program
    .command('sweep')
    .description(
      'play one workload across several TLB or replacement configurations in parallel worker threads',
    )
    .addOption(
      new Option('--workload <name>', 'pressure (replacement policies) or tlb-loop (TLB sizes)')
        .choices(workloadNames as unknown as string[])
        .default('pressure'),
    )
    .addOption(archOption())
    .option(
      '--policy <list>',
      'replacement policies (pressure; default: all)',
      listOption(replacementPolicies),
    )
    .option(
      '--tlb <list>',
      'TLB organisations as <entries>x<ways>[:lru|fifo|random], comma-separated',
      (value: string) => value.split(','),
    )
    .option('--pages <n>', 'pages in the tlb-loop workload', integerOption('--pages'), 9)
    .option('--rounds <n>', 'rounds of the tlb-loop workload', integerOption('--rounds'), 20)
    .option('--jobs <n>', 'worker threads at once (default: the number of CPUs)', integerOption('--jobs'))
    .option(
      '--trace <file>',
      "replay a program's memory trace (as `import` reads them) instead of the workload, under each --policy (default: all) and --tlb",
    )
    .addOption(
      new Option('--trace-format <format>', 'format of the --trace file')
        .choices(Object.keys(importFormats))
        .default('auto'),
    )
    .option('--memory <bytes>', 'RAM of each machine of a --trace sweep, e.g. 1M or 262144', byteSizeOption)
    .option('--csv', 'print CSV')
    .option(
      '--json',
      'print [{ label, references, tlbHits, tlbMisses, tlbHitRate, pageFaults, hardFaults, softFaults, pagesWritten, corruptPages }]',
    )
    .addHelpText(
      'after',
      examples([
        'ntmm sweep',
        'ntmm sweep --policy fifo,lru,opt --csv',
        'ntmm sweep --workload tlb-loop --tlb 8x8,16x4,32x4 --pages 12',
        'ntmm sweep --trace sort.lackey.gz --arch x64 --memory 256K --policy fifo,lru,opt',
      ]),
    )
    .action(async (options: SweepOptions) => {
      if (options.trace === undefined && options.memory !== undefined)
        throw new CliError('--memory sizes the machines of a --trace sweep (the workloads have their own)')
      const trace = options.trace === undefined ? undefined : resolve(io.cwd, options.trace)
      if (trace !== undefined && !isFile(trace)) throw new CliError(`--trace ${options.trace}: no such file`)
      const named = importFormats[options.traceFormat]
      let jobs = sweepJobs({
        workload: options.workload,
        arch: options.arch,
        pages: options.pages,
        rounds: options.rounds,
        ...(options.policy === undefined ? {} : { policies: options.policy }),
        ...(options.tlb === undefined ? {} : { tlbs: options.tlb }),
        ...(trace === undefined
          ? {}
          : { trace: named === undefined ? { path: trace } : { path: trace, format: named } }),
        ...(options.memory === undefined ? {} : { physicalMemory: options.memory }),
      })
      if (trace !== undefined && named === undefined) {
        // Told once here: a trace of no known format is one clear message, not one per worker.
        const format = await detectFormat(trace, options.trace)
        jobs = jobs.map((job) => ({ ...job, trace: { path: trace, format } }))
      }
      const bar = startProgress(io, 'sweep [{bar}] {value}/{total} configurations', jobs.length)
      const results = await runSweep(jobs, {
        ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
        progress: () => bar?.increment(),
      }).finally(() => bar?.stop())
      if (options.json) printJson(io, results)
      else if (options.csv) io.stdout(sweepCsv(results))
      else
        printLines(io, [
          `sweep: ${options.trace === undefined ? `workload '${options.workload}'` : `trace ${options.trace}`} on ${options.arch}, ${jobs.length} configurations`,
          ...sweepTable(results),
        ])
      if (results.some((result) => result.corruptPages > 0)) exitCode = 1
    })

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
      'replacement policies for the pressure scenario (the first is recorded)',
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
        const bar = startProgress(io, 'record [{bar}] {stage}', 2, { stage: 'playing' })
        const { name, narrator } = play(io, target, {
          arch: options.arch,
          archGiven: command.getOptionValueSource('arch') === 'cli',
          verbose: false,
          record: true,
          ...(options.policy === undefined ? {} : { policies: options.policy }),
        })
        bar?.update(1, { stage: 'writing' })
        const saved = await saveRecording(narrator, options.output, io, options.format).finally(() =>
          bar?.stop(),
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
        exitCode = ok ? 0 : 1
      },
    )

  program
    .command('replay')
    .description(
      'rebuild the machine from a trace: the state right after an event (default: the end); --verify re-executes',
    )
    .argument('<trace>', 'a trace file written by record or import')
    .option('--at <seq>', 'the event (-1: before the first)', integerOption('--at', -1))
    .option(
      '--verify',
      're-execute the recorded inputs on a fresh machine and report the first divergence (exit code 1)',
    )
    .option(
      '--json',
      'print { seq, processes: [{ pid, name, regions: [MEMORY_BASIC_INFORMATION] }], stats } (and determinism with --verify)',
    )
    .addHelpText(
      'after',
      examples([
        'ntmm replay article.ntt',
        'ntmm replay article.ntt --at 30 --json',
        'ntmm replay article.ntt --verify',
      ]),
    )
    .action(async (path: string, options: { at?: number; verify?: boolean; json?: boolean }) => {
      const bar = startProgress(io, 'replay [{bar}] {stage}', 1, {
        stage: options.verify ? 'loading and re-executing' : 'loading',
      })
      const trace = await openTrace(io, path, { verify: options.verify === true }).finally(() => bar?.stop())
      const seq = checkSeq(trace, path, options.at)
      const { lines, json } = replayLines(trace, path, seq)
      const determinism = trace.determinism
      if (options.json) printJson(io, determinism === undefined ? json : { ...json, determinism })
      else {
        printLines(io, lines)
        if (determinism !== undefined)
          printLines(io, [
            '',
            determinism.ok
              ? paint(
                  io,
                  'green',
                  `verify: re-execution reproduced all ${determinism.events} events from ${determinism.inputs} inputs`,
                )
              : paint(
                  io,
                  'red',
                  `verify: first divergence at event #${determinism.seq}: recorded ${JSON.stringify(determinism.recorded)}, re-execution gave ${JSON.stringify(determinism.reproduced)}`,
                ),
          ])
      }
      exitCode = determinism === undefined || determinism.ok ? 0 : 1
    })

  program
    .command('inspect')
    .description('one view of the machine right after an event, as WinDbg shows it')
    .argument('<trace>', 'a trace file')
    .argument('<view>', inspectViews.map((view) => view.name).join(' | '))
    .argument('[va]', 'the address, for the pte view')
    .option('--at <seq>', 'the event (default: the last; -1: before the first)', integerOption('--at', -1))
    .option('--pid <pid>', 'the process (default: the first)', integerOption('--pid'))
    .option('--va <address>', 'the address, for the pte view (instead of the [va] argument)')
    .option('--json', "print the view's JSON")
    .addHelpText(
      'after',
      `${examples(['ntmm inspect article.ntt address --at 30', 'ntmm inspect article.ntt pte 0x11010 --at 40', 'ntmm inspect two.ntt handles --pid 4 --json'])}\nViews:\n${inspectViews.map((view) => `  ${view.name.padEnd(8)} ${view.description}`).join('\n')}\n`,
    )
    .action(
      async (
        path: string,
        name: string,
        argument: string | undefined,
        options: { at?: number; pid?: number; va?: string; json?: boolean },
      ) => {
        const va = argument ?? options.va
        findView(name)
        const address = va === undefined ? undefined : parseNumber(va)
        if (va !== undefined && address === undefined)
          throw new CliError(`'${va}' is not an address (e.g. 0x11010)`)
        if (name === 'pte' && address === undefined)
          throw new CliError('the pte view needs an address: ntmm inspect <trace> pte <va>')
        const trace = await openTrace(io, path)
        const seq = checkSeq(trace, path, options.at)
        const view = inspectView(trace, seq, name, {
          ...(options.pid === undefined ? {} : { pid: options.pid }),
          ...(address === undefined ? {} : { va: address }),
        })
        if (options.json) printJson(io, { seq, view: name, ...(view.json as object) })
        else printLines(io, [`${path} right after event #${seq}:`, ...view.lines])
      },
    )

  program
    .command('events')
    .description('list the events of a trace, filtered by type, address, process and seq window')
    .argument('<trace>', 'a trace file')
    .option(
      '--type <list>',
      "event types, comma-separated; a prefix ending in '.' or '*' matches a layer (mm.*)",
      (value: string) => value.split(','),
    )
    .option('--address <va|range>', 'events touching this page (0x11000) or range (0x10000-0x20000)')
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
        const filter = {
          limit: options.limit,
          ...(options.type === undefined ? {} : { types: options.type }),
          ...(options.address === undefined
            ? {}
            : { address: parseAddressRange(options.address, parseNumber) }),
          ...(options.pid === undefined ? {} : { pid: options.pid }),
          ...(options.from === undefined ? {} : { from: options.from }),
          ...(options.to === undefined ? {} : { to: options.to }),
        }
        // A window of a binary trace is read through its index (its blocks only); else the trace is loaded.
        let result =
          options.from !== undefined || options.to !== undefined
            ? await listWindowFromIndex(io, path, filter)
            : undefined
        if (result === undefined) {
          const trace = await openTrace(io, path)
          if (options.from !== undefined) checkSeq(trace, path, options.from, '--from')
          if (options.to !== undefined) checkSeq(trace, path, options.to, '--to')
          result = listEvents(trace, filter)
        }
        if (options.json) return printJson(io, result)
        printLines(io, [
          ...result.events.map(({ seq, cause, event }) => eventLine(seq, cause, event)),
          `${result.matched} event(s) matched${result.matched > result.events.length ? `, ${result.events.length} shown (--limit)` : ''}`,
        ])
      },
    )

  program
    .command('why')
    .description('the causal chain of an event, back to the system call or access that caused it')
    .argument('<trace>', 'a trace file')
    .argument('<seq>', 'the event', integerOption('<seq>', 0))
    .option('--json', 'print { seq, chain: [{ seq, event }], syscall, effects }')
    .addHelpText('after', examples(['ntmm why article.ntt 27', 'ntmm why run.ntt 4711 --json']))
    .action(async (path: string, seq: number, options: { json?: boolean }) => {
      const trace = await openTrace(io, path)
      if (seq > trace.length - 1)
        throw new CliError(`<seq> ${seq}: out of range; ${path} has events 0..${trace.length - 1}`)
      const report = whyReport(trace, seq)
      if (options.json) printJson(io, report.json)
      else printLines(io, report.lines)
    })

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
      ) => {
        const { kernel, report } = await importTrace(io, kind, file, {
          machine: { arch: options.arch },
          onError: options.onError,
          record: options.output !== undefined,
        })
        if (options.output === undefined) {
          // Only the report: the machine ran without recording.
          if (options.json) printJson(io, { file, report, trace: null })
          else printLines(io, [...importLines(file, report), 'no trace written (-o <file> records one)'])
          return
        }
        let saved: Awaited<ReturnType<Kernel['saveTrace']>>
        try {
          saved = await kernel.saveTrace(resolve(io.cwd, options.output), { format: options.format })
        } catch (error) {
          throw new CliError(
            `${options.output}: cannot write the trace (${error instanceof Error ? error.message : String(error)})`,
          )
        }
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
      const trace = await openTrace(io, path)
      let bytes: number
      try {
        bytes = await trace.kernel.exportTrace(resolve(io.cwd, options.output), { format: kind })
      } catch (error) {
        throw new CliError(
          `${options.output}: cannot write (${error instanceof Error ? error.message : String(error)})`,
        )
      }
      if (options.json) printJson(io, { file: options.output, bytes })
      else
        printLines(io, [
          `wrote ${bytes} bytes (${kind}) → ${options.output}; open it in ${kind === 'perfetto' ? 'https://ui.perfetto.dev' : 'chrome://tracing'}`,
        ])
    })

  registerServeCommand(program, io)

  try {
    await program.parseAsync(argv.length === 0 ? ['--help'] : [...argv], { from: 'user' })
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    if (error instanceof CliError) {
      io.stderr(`ntmm: ${error.message}\n`)
      return error.exitCode
    }
    throw error
  }
}

interface RunOptions {
  arch: Arch
  policy?: ReplacementPolicyName[]
  verbose?: boolean
  show?: string[]
  pid?: number
  va?: number
  json?: boolean
}

interface SweepOptions {
  workload: WorkloadName
  arch: Arch
  policy?: ReplacementPolicyName[]
  tlb?: string[]
  pages: number
  rounds: number
  jobs?: number
  trace?: string
  traceFormat: string
  memory?: number
  csv?: boolean
  json?: boolean
}

function runCommand(
  io: CliIo,
  target: string,
  options: Omit<RunOptions, 'show'> & { archGiven: boolean; show: string[] },
): number {
  const views = options.show.map((name) => findView(name))
  if (options.show.includes('pte') && options.va === undefined)
    throw new CliError('--show pte needs --va <address>')
  const { name, title, narrator } = play(io, target, {
    arch: options.arch,
    archGiven: options.archGiven,
    verbose: options.verbose === true,
    ...(options.policy === undefined ? {} : { policies: options.policy }),
  })
  narrator.flush()
  const viewOptions = {
    ...(options.pid === undefined ? {} : { pid: options.pid }),
    ...(options.va === undefined ? {} : { va: options.va }),
  }
  const rendered = views.map((view) => ({ name: view.name, ...view.render(narrator.kernel, viewOptions) }))
  const failures = narrator.failures
  if (options.json) {
    printJson(io, {
      scenario: name,
      title,
      ok: failures.length === 0,
      expectations: narrator.expectations,
      log: narrator.lines,
      state: machineState(narrator.kernel, narrator.events.length - 1),
      views: Object.fromEntries(rendered.map((view) => [view.name, view.json])),
    })
  } else {
    printLines(io, narrator.lines)
    for (const view of rendered) printLines(io, ['', ...view.lines])
    if (failures.length > 0) {
      printLines(io, [
        '',
        paint(io, 'red', `${failures.length} expectation(s) failed:`),
        ...failures.map(
          (failure) => `  ${failure.label}: expected ${failure.expected}, got ${failure.actual}`,
        ),
      ])
    }
  }
  return failures.length === 0 ? 0 : 1
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
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      process.stderr.write(
        `ntmm: internal error (a broken invariant of the simulator): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      )
      process.exitCode = 70
    },
  )
}
