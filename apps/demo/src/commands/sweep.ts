// `ntmm sweep`: plays one workload, or a program's memory trace, across a grid of configurations
// (replacement policies × memory sizes × TLB organisations) in parallel worker threads, and prints
// one row of counters each; `--shard i/n` plays one part of the grid and `--merge` joins the parts'
// --json documents into what one run prints, so a batch engine can spread a sweep over machines.

import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch, MemoryTraceFormat } from '@ntmm/nt-syscalls'
import { type Command, Option } from 'commander'
import type { CliIo } from '../cliIo.js'
import { CliError } from '../cliError.js'
import {
  importFormats,
  namedFormats,
  replacementPolicies,
  type WorkloadName,
  workloadNames,
} from '../commandChoices.js'
import { startProgress } from '../progress.js'
import type { SweepRequest } from '../sweep.js'
import type { SweepInput, SweepReport } from '../sweepReport.js'
import type { CommandContext } from './commandContext.js'
import { archOption, byteSizeOption, examples, integerOption, listOption } from './options.js'
import { printJson, printLines } from './output.js'

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
  memory?: number[]
  shard?: string
  merge?: string[]
  refs?: string
  random?: number
  seed?: number
  frames?: number
  questions?: boolean
  csv?: boolean
  json?: boolean
}

/** Registers `sweep` on the program; a corrupt page in any configuration is a finding (exit code 1). */
export function registerSweepCommand(program: Command, { io, setExitCode }: CommandContext): void {
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
      'replacement policies, side by side (pressure and --trace: default all; a reference string: default fifo,lru,opt)',
      listOption(replacementPolicies),
    )
    .option(
      '--tlb <list>',
      'TLB organisations as <entries>x<ways>[:lru|fifo|random], comma-separated',
      (value: string) => value.split(','),
    )
    .option(
      '--pages <n>',
      'pages in the tlb-loop workload, or of a --random reference string (0..n-1)',
      integerOption('--pages'),
      9,
    )
    .option('--rounds <n>', 'rounds of the tlb-loop workload', integerOption('--rounds'), 20)
    .option(
      '--jobs <n>',
      'configurations played at once: this thread and n-1 worker threads (default: the number of CPUs)',
      integerOption('--jobs'),
    )
    .option(
      '--trace <file>',
      "replay a program's memory trace (as `import` reads them) instead of the workload, under each --policy (default: all) and --tlb; with --frames, or '-' (standard input), a reference string of page numbers",
    )
    .addOption(
      new Option('--trace-format <format>', 'format of the --trace file')
        .choices(Object.keys(importFormats))
        .default('auto'),
    )
    .option(
      '--memory <sizes>',
      'RAM of the machines of a --trace sweep, comma-separated sizes side by side, e.g. 128K,256K,1M',
      (value: string) => value.split(',').map((item) => byteSizeOption(item)),
    )
    .option(
      '--shard <i/n>',
      'play shard i of n (0..n-1) of the grid: the configurations whose index is i mod n; print it with --json for --merge',
    )
    .option(
      '--merge <files...>',
      "join shards' --json documents into what one run of the whole grid prints (table, --csv or --json)",
    )
    .option('--refs <pages>', 'a reference string of page numbers, e.g. 7,0,1,2,0,3 (one line per reference)')
    .option(
      '--random <n>',
      'a random reference string of n references over --pages pages',
      integerOption('--random'),
    )
    .option(
      '--seed <s>',
      'the seed of --random (default 1): the same seed, the same string',
      integerOption('--seed', 0),
    )
    .option(
      '--frames <n>',
      "the frames a reference string's program gets (default 3); the memory manager's own are added",
      integerOption('--frames'),
    )
    .option('--questions', 'print the reference string exercise without its answers')
    .option('--csv', 'print CSV')
    .option(
      '--json',
      'print { grid, shard, results: [{ label, references, tlbHits, tlbMisses, tlbHitRate, pageFaults, hardFaults, softFaults, pagesWritten, corruptPages }] }',
    )
    .addHelpText(
      'after',
      examples([
        'ntmm sweep',
        'ntmm sweep --policy fifo,lru,opt --csv',
        'ntmm sweep --workload tlb-loop --tlb 8x8,16x4,32x4 --pages 12',
        'ntmm sweep --trace sort.lackey.gz --arch x64 --memory 256K --policy fifo,lru,opt',
        'ntmm sweep --trace sort.lackey.gz --memory 128K,256K --shard 0/2 --json > shard-0.json',
        'ntmm sweep --merge shard-0.json shard-1.json',
        'ntmm sweep --refs 7,0,1,2,0,3,0,4,2,3,0,3,2,1,2,0,1,7,0,1 --frames 3 --policy fifo',
        'ntmm sweep --random 10 --pages 5 --seed 7 --frames 3 --questions',
        "printf '1 2 3 4 1 2 5 1 2 3 4 5' | ntmm sweep --trace - --frames 4 --policy fifo,lru",
      ]),
    )
    .action(async (options: SweepOptions, command: Command) => {
      // The simulator and the sweep's modules are loaded only when a sweep runs.
      const [
        { machineSizeProblem },
        { runSweep, sweepGrid, sweepJobs },
        { sweepReport },
        { mergeShards, parseShard, shardIndices, WHOLE_GRID },
        { isReferenceSweep, sweepReferences },
      ] = await Promise.all([
        import('../machine.js'),
        import('../sweep.js'),
        import('../sweepReport.js'),
        import('../sweepShards.js'),
        import('./sweepReferences.js'),
      ])
      const given = (name: string) => command.getOptionValueSource(name) === 'cli'
      if (options.merge !== undefined) {
        refuseWithMerge(command, given)
        return await printReport(io, mergeShards(io.cwd, options.merge), options, setExitCode)
      }
      if (isReferenceSweep(options)) return sweepReferences(io, options, given)
      if (given('seed')) throw new CliError('--seed draws a random reference string: add --random <n>')
      if (given('questions'))
        throw new CliError('--questions asks about a reference string: add --refs, --random or --frames')
      refuseIdleOptions(options, given)
      const shard = options.shard === undefined ? WHOLE_GRID : parseShard(options.shard)
      for (const memory of options.memory ?? []) {
        const size = machineSizeProblem({ arch: options.arch, physicalMemory: memory })
        if (size !== undefined) throw new CliError(`--memory: ${size.reason}`)
      }
      const trace = options.trace === undefined ? undefined : resolve(io.cwd, options.trace)
      if (trace !== undefined && !isFile(trace)) throw new CliError(`--trace ${options.trace}: no such file`)
      const format = trace === undefined ? undefined : await traceFormat(trace, options)
      const request: SweepRequest = {
        workload: options.workload,
        arch: options.arch,
        pages: options.pages,
        rounds: options.rounds,
        ...(options.policy === undefined ? {} : { policies: options.policy }),
        ...(options.tlb === undefined ? {} : { tlbs: options.tlb }),
        ...(trace === undefined || format === undefined ? {} : { trace: { path: trace, format } }),
        ...(options.memory === undefined ? {} : { memory: options.memory }),
      }
      const jobs = sweepJobs(request)
      const mine = shardIndices(shard, jobs.length).map((index) => jobs[index]!)
      const bar = startProgress(io, 'sweep [{bar}] {value}/{total} configurations', mine.length)
      // The trace's digest is taken while the workers play it: the main thread is idle meanwhile.
      const [results, input] = await Promise.all([
        runSweep(mine, {
          ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
          progress: () => bar?.increment(),
        }).finally(() => bar?.stop()),
        sweepInput(options, trace, format),
      ])
      await printReport(io, sweepReport(sweepGrid(request, input), shard, results), options, setExitCode)
    })
}

/** The format of the --trace file: named, or detected once here (one clear message, not one per worker). */
async function traceFormat(trace: string, options: SweepOptions): Promise<MemoryTraceFormat> {
  const named = importFormats[options.traceFormat]
  if (named !== undefined) return named
  const { detectMemoryTraceFile } = await import('../detectMemoryTraceFile.js')
  const format = await detectMemoryTraceFile(trace, `--trace ${options.trace}`)
  if (format === undefined)
    throw new CliError(
      `--trace ${options.trace}: cannot tell its format from the first lines; name it with --trace-format (${namedFormats.join(', ')})`,
    )
  return format
}

/** What the sweep plays, as its --json names it: the workload, or the trace with its size and digest. */
async function sweepInput(
  options: SweepOptions,
  trace: string | undefined,
  format: MemoryTraceFormat | undefined,
): Promise<SweepInput> {
  if (trace !== undefined && options.trace !== undefined && format !== undefined) {
    const { fileDigest } = await import('../sweepReport.js')
    return { trace: options.trace, format, ...(await fileDigest(trace)) }
  }
  if (options.workload === 'tlb-loop')
    return { workload: 'tlb-loop', pages: options.pages, rounds: options.rounds }
  return { workload: 'pressure' }
}

/** Prints a sweep's document as a table, CSV or JSON; a corrupt page is a finding (exit code 1). */
async function printReport(
  io: CliIo,
  report: SweepReport,
  options: SweepOptions,
  setExitCode: (code: number) => void,
): Promise<void> {
  const { sweepCsv, sweepTable } = await import('../sweep.js')
  const { grid, shard, results } = report
  if (options.json) printJson(io, report)
  else if (options.csv) io.stdout(sweepCsv(results))
  else {
    const input = 'trace' in grid.input ? `trace ${grid.input.trace}` : `workload '${grid.input.workload}'`
    const count =
      shard.count === 1
        ? `${grid.configurations} configurations`
        : `shard ${shard.index}/${shard.count}: ${results.length} of ${grid.configurations} configurations`
    printLines(io, [`sweep: ${input} on ${grid.arch}, ${count}`, ...sweepTable(results)])
  }
  if (results.some((result) => result.corruptPages > 0)) setExitCode(1)
}

/** The options a merge takes: how to print. Everything else belongs to the shards' grid. */
const mergeOutputs = new Set(['merge', 'csv', 'json'])

/** Refuses grid options beside --merge: the grid is the one the shards were played on. */
function refuseWithMerge(command: Command, given: (name: string) => boolean): void {
  if (command.opts().csv && command.opts().json) throw new CliError('--csv and --json: choose one')
  for (const option of command.options) {
    const name = option.attributeName()
    if (!mergeOutputs.has(name) && given(name))
      throw new CliError(
        `--merge joins shards played already: ${option.long} has no use with it (the grid is the one in the shards' --json; only --csv or --json choose how to print)`,
      )
  }
}

/** Refuses an option that would change nothing in the sweep asked for (or two that conflict). */
function refuseIdleOptions(options: SweepOptions, given: (name: string) => boolean): void {
  if (options.csv && options.json) throw new CliError('--csv and --json: choose one')
  if (options.trace === undefined) {
    if (options.memory !== undefined)
      throw new CliError('--memory sizes the machines of a --trace sweep (the workloads have their own)')
    if (given('traceFormat'))
      throw new CliError('--trace-format names the format of the --trace file: add --trace <file>')
  } else if (given('workload'))
    throw new CliError(`--workload ${options.workload} and --trace: a sweep plays one of them`)
  const loop = options.trace === undefined && options.workload === 'tlb-loop'
  for (const name of ['pages', 'rounds'] as const)
    if (!loop && given(name))
      throw new CliError(
        `--${name} sizes the tlb-loop workload (--workload tlb-loop); this sweep has no use for it`,
      )
  if (loop && options.policy !== undefined)
    throw new CliError(
      '--policy compares replacement policies of the pressure workload or a --trace; tlb-loop compares TLBs (--tlb)',
    )
}

/** True when `path` names a file. */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}
