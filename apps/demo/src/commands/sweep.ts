// `ntmm sweep`: plays one workload, or a program's memory trace, under several TLB organisations or
// page replacement policies in parallel worker threads, and prints one row of counters each.

import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch } from '@ntmm/nt-syscalls'
import { type Command, Option } from 'commander'
import { CliError } from '../cliError.js'
import { machineSizeProblem, replacementPolicies } from '../machine.js'
import { startProgress } from '../progress.js'
import { runSweep, sweepCsv, sweepJobs, sweepTable } from '../sweep.js'
import { detectMemoryTraceFile, importFormats, namedFormats } from '../traceCommands.js'
import { type WorkloadName, workloadNames } from '../workloads.js'
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
  memory?: number
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
    .action(async (options: SweepOptions, command: Command) => {
      refuseIdleOptions(options, (name) => command.getOptionValueSource(name) === 'cli')
      const size = machineSizeProblem({ arch: options.arch, physicalMemory: options.memory ?? 4096 * 64 })
      if (size !== undefined) throw new CliError(`--memory: ${size.reason}`)
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
        const format = await detectMemoryTraceFile(trace, `--trace ${options.trace}`)
        if (format === undefined)
          throw new CliError(
            `--trace ${options.trace}: cannot tell its format from the first lines; name it with --trace-format (${namedFormats.join(', ')})`,
          )
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
      if (results.some((result) => result.corruptPages > 0)) setExitCode(1)
    })
}

/** Refuses an option that would change nothing in the sweep asked for (or two that conflict). */
function refuseIdleOptions(options: SweepOptions, given: (name: keyof SweepOptions) => boolean): void {
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
