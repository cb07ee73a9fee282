// `ntmm sweep --refs 7,0,1,2,0,3 --frames 3 --policy fifo` (or `--random N --pages M --seed S`, or
// `--trace <file|->`): the page-replacement exercise of OSTEP's paging-policy.py in one line, on
// the simulated machine — one line per reference with each policy side by side (hit or miss, the
// resident pages after it, the page evicted), the faults and page hit rate of each, and with
// --questions the same exercise without its answers.

import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { MINIMUM_RAM_PAGES, type ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch } from '@ntmm/nt-syscalls'
import type { CliIo } from '../cliIo.js'
import { CliError } from '../cliError.js'
import { bytes, table } from '../format.js'
import {
  type FrameOverhead,
  frameOverhead,
  parseReferences,
  playReferenceString,
  type RandomReferences,
  randomReferences,
  type ReferenceRun,
  type ReferenceStep,
} from '../referenceString.js'
import { printJson, printLines } from './output.js'

/** The policies a reference string is played under by default: the textbook's three. */
const defaultPolicies: readonly ReplacementPolicyName[] = ['fifo', 'lru', 'opt']

/** The sweep options the reference-string mode reads. */
export interface ReferenceOptions {
  readonly arch: Arch
  readonly policy?: readonly ReplacementPolicyName[]
  readonly refs?: string
  readonly random?: number
  readonly pages: number
  readonly seed?: number
  readonly frames?: number
  readonly questions?: boolean
  readonly trace?: string
  readonly json?: boolean
}

/** True when the sweep asked for is a reference string's (any of --refs, --random, --frames, --trace -). */
export function isReferenceSweep(options: ReferenceOptions): boolean {
  return (
    options.refs !== undefined ||
    options.random !== undefined ||
    options.frames !== undefined ||
    options.trace === '-'
  )
}

/** The options of a workload or trace sweep that a reference string has no use for. */
const idleOptions = ['workload', 'memory', 'tlb', 'jobs', 'rounds', 'csv', 'traceFormat', 'shard'] as const

/** Reads the reference string the options give: --refs, --random, or --trace (a file, or - for standard input). */
async function referencesOf(
  io: CliIo,
  options: ReferenceOptions,
): Promise<{ references: number[]; random?: RandomReferences }> {
  const sources = [options.refs, options.random, options.trace].filter((source) => source !== undefined)
  if (sources.length === 0)
    throw new CliError('--frames needs a reference string: --refs 7,0,1,…, --random <n> or --trace <file|->')
  if (sources.length > 1) throw new CliError('--refs, --random and --trace: give the reference string once')
  if (options.refs !== undefined) return { references: parseReferences(options.refs, '--refs') }
  if (options.random !== undefined) {
    const random = { count: options.random, pages: options.pages, seed: options.seed ?? 1 }
    return { references: randomReferences(random), random }
  }
  const trace = options.trace!
  if (trace === '-') {
    if (io.readStdin === undefined) throw new CliError('--trace -: no standard input to read')
    return { references: parseReferences(await io.readStdin(), '--trace - (standard input)') }
  }
  let text: string
  try {
    text = readFileSync(resolve(io.cwd, trace), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new CliError(
      `--trace ${trace}: cannot read it (${code === 'ENOENT' ? 'no such file' : String(code)})`,
    )
  }
  return { references: parseReferences(text, `--trace ${trace}`) }
}

/** Refuses what the reference-string mode would ignore, before anything is played. */
function refuseIdle(options: ReferenceOptions, given: (name: string) => boolean): void {
  for (const name of idleOptions)
    if (given(name))
      throw new CliError(
        `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} has no use in a reference-string sweep (--frames sizes the machine)`,
      )
  if (options.random === undefined)
    for (const name of ['pages', 'seed'])
      if (given(name)) throw new CliError(`--${name} draws a random reference string: add --random <n>`)
  if (options.questions && options.json) throw new CliError('--questions and --json: the questions are text')
}

/** One policy's cell of a reference line: hit or miss, the resident pages, the page evicted. */
function cell(step: ReferenceStep): string {
  const evicted = step.evicted.length === 0 ? '' : ` out ${step.evicted.join(',')}`
  return `${step.hit ? 'hit ' : 'miss'} [${step.resident.join(' ')}]${evicted}`
}

function overheadText(arch: Arch, frames: number, overhead: FrameOverhead): string {
  const ram = (frames + overhead.frames) * 4096
  return `frames: ${frames} for the program, ${overhead.frames} more for the memory manager (${overhead.system} KUSER_SHARED_DATA, ${overhead.systemTables} of the system's page tables, ${overhead.processTables} of the process's page directory and tables): ${ram / 4096} pages of RAM on ${arch} (${bytes(ram)}, as --memory ${ram / 1024}K)`
}

/** Plays the reference string under each policy and prints the exercise (or its questions). */
export async function sweepReferences(
  io: CliIo,
  options: ReferenceOptions,
  given: (name: string) => boolean,
): Promise<void> {
  refuseIdle(options, given)
  const { references, random } = await referencesOf(io, options)
  const frames = options.frames ?? 3
  const policies = options.policy ?? defaultPolicies
  const overhead = await frameOverhead(options.arch, references)
  const minimum = MINIMUM_RAM_PAGES[options.arch]
  if (frames + overhead.frames < minimum)
    throw new CliError(
      `--frames ${frames}: an ${options.arch} machine has at least ${minimum} pages of RAM (MINIMUM_RAM_PAGES), ${overhead.frames} of them the memory manager's: give at least --frames ${minimum - overhead.frames}`,
    )
  const runs: ReferenceRun[] = []
  for (const policy of policies)
    runs.push(await playReferenceString(references, { arch: options.arch, policy, frames, overhead }))
  if (options.json) {
    printJson(io, {
      references,
      random: random ?? null,
      arch: options.arch,
      frames,
      overheadFrames: overhead.frames,
      physicalMemory: (frames + overhead.frames) * 4096,
      rows: runs,
    })
    return
  }
  const pages = new Set(references).size
  const source =
    random === undefined
      ? 'reference string'
      : `random reference string (--random ${random.count} --pages ${random.pages} --seed ${random.seed})`
  const header = [
    `sweep: ${source} ${references.join(',')} (${references.length} references, ${pages} pages) on ${options.arch}`,
    overheadText(options.arch, frames, overhead),
  ]
  const rows = [['#', 'page', ...policies]]
  for (const [index, page] of references.entries())
    rows.push([
      String(index + 1),
      String(page),
      ...runs.map((run) => (options.questions ? '?' : cell(run.steps[index]!))),
    ])
  if (options.questions) {
    printLines(io, [
      ...header,
      ...table(rows, { right: [0, 1] }),
      'For each reference under each policy: a hit or a miss? Which pages are resident after it, and which page is evicted? How many faults in all, and the hit rate?',
      'Answers: the same command without --questions.',
    ])
    return
  }
  const summary = [['policy', 'references', 'faults', 'hits', 'hitRate', 'tlbHitRate']]
  for (const run of runs)
    summary.push([
      run.label,
      String(run.references),
      String(run.pageFaults),
      String(run.pageHits),
      run.pageHitRate.toFixed(4),
      run.tlbHitRate.toFixed(4),
    ])
  printLines(io, [
    ...header,
    'after each reference: hit or miss, the resident pages (oldest first; lru: least recently used first), the page evicted',
    ...table(rows, { right: [0, 1] }),
    '',
    ...table(summary, { right: [1, 2, 3, 4, 5] }),
  ])
}
