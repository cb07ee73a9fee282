// `ntmm sweep --shard i/n` and `--merge`: a big sweep spread over machines by a batch engine (Slurm
// array jobs, Kubernetes indexed Jobs, GNU parallel). The rule is round-robin by grid index: shard
// i of n plays the configurations whose index in the grid (the order the table lists them) is i mod
// n, so every configuration is in exactly one shard for every n, and a grid ordered by policy
// spreads each policy's configurations — the slow and the fast ones — over the shards. A merge
// checks that its files are shards of one grid (same architecture, input and axes) that together
// hold every configuration once, and puts the rows back in grid order.

import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as v from 'valibot'
import { CliError } from './cliError.js'
import { jsonSyntaxError } from './jsonSyntaxError.js'
import { sweepJobs } from './sweep.js'
import type { SweepResult } from './sweepJob.js'
import {
  type SweepGrid,
  type SweepReport,
  SweepReportSchema,
  type SweepShard,
  gridIdentity,
  sweepReport,
} from './sweepReport.js'

/** The whole grid as one shard. */
export const WHOLE_GRID: SweepShard = { index: 0, count: 1 }

/** Parses `--shard i/n`: 0 ≤ i < n (shard numbers start at 0, as Slurm's array task ids do). */
export function parseShard(text: string): SweepShard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim())
  if (match === null)
    throw new CliError(`--shard ${text}: expected i/n, the i-th of n shards counting from 0 (e.g. 0/8 … 7/8)`)
  const index = Number(match[1])
  const count = Number(match[2])
  if (!Number.isSafeInteger(count) || count < 1) throw new CliError(`--shard ${text}: n must be at least 1`)
  if (index >= count)
    throw new CliError(`--shard ${text}: i counts from 0, so it runs 0..${count - 1} for ${count} shards`)
  return { index, count }
}

/** The grid indices of `shard` among `configurations`, in grid order. */
export function shardIndices(shard: SweepShard, configurations: number): number[] {
  const indices: number[] = []
  for (let index = shard.index; index < configurations; index += shard.count) indices.push(index)
  return indices
}

/** The labels of a grid's configurations, in grid order (as the sweep that made it enumerated them). */
export function gridLabels(grid: SweepGrid): string[] {
  const input = grid.input
  const jobs = sweepJobs({
    arch: grid.arch,
    workload: 'workload' in input ? input.workload : 'pressure',
    pages: 'pages' in input ? input.pages : 9,
    rounds: 'rounds' in input ? input.rounds : 20,
    ...(grid.policies.length === 0 ? {} : { policies: grid.policies }),
    ...(grid.tlbs.length === 0 ? {} : { tlbs: grid.tlbs }),
    ...('trace' in input ? { trace: { path: input.trace, format: input.format }, memory: grid.memory } : {}),
  })
  return jobs.map((job) => job.label)
}

/** Reads one shard's `--json` document, or says clearly why it is not one. */
function readShard(cwd: string, file: string): SweepReport {
  let text: string
  try {
    text = readFileSync(resolve(cwd, file), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new CliError(
      `--merge ${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : String(code)})`,
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    const place = jsonSyntaxError(text)
    throw new CliError(
      `--merge ${file}: not JSON${place === undefined ? '' : ` (line ${place.line}, column ${place.column}: ${place.message})`}; give the files \`ntmm sweep … --json\` wrote`,
    )
  }
  const parsed = v.safeParse(SweepReportSchema, json)
  if (!parsed.success) {
    const { issue, path } = telling(parsed.issues[0], [])
    const problem = Array.isArray(json)
      ? 'a list of rows without the grid they belong to'
      : issue?.received === 'undefined'
        ? `${path} is missing`
        : `${path === '' ? 'the document' : path} is ${issue?.received ?? 'wrong'}, not ${issue?.expected ?? 'what a sweep writes'}`
    throw new CliError(
      `--merge ${file}: not the --json of a sweep (${problem}); give the files \`ntmm sweep … --json\` wrote`,
    )
  }
  const report = parsed.output as SweepReport
  const { grid, shard } = report
  if (shard.index >= shard.count)
    throw new CliError(`--merge ${file}: shard ${shard.index}/${shard.count} does not exist (i runs 0..n-1)`)
  let labels: string[]
  try {
    labels = gridLabels(grid)
  } catch (error) {
    throw new CliError(`--merge ${file}: its grid is not one a sweep makes (${(error as Error).message})`)
  }
  const indices = shardIndices(shard, labels.length)
  const found = report.results.map((result) => result.label)
  const expected = indices.map((index) => labels[index]!)
  if (labels.length !== grid.configurations || JSON.stringify(found) !== JSON.stringify(expected))
    throw new CliError(
      `--merge ${file}: its results are not shard ${shard.index}/${shard.count} of its grid (expected ${expected.length === 0 ? 'no configurations' : expected.join(', ')}; found ${found.length === 0 ? 'none' : found.join(', ')})`,
    )
  return report
}

/**
 * The issue to tell and its path: of a union's alternatives, the one that had its keys (a wrong
 * value beats a missing key; an alternative's path is relative to the union's).
 */
function telling(
  issue: v.BaseIssue<unknown> | undefined,
  outer: readonly unknown[],
): { issue: v.BaseIssue<unknown> | undefined; path: string } {
  const keys = [...outer, ...(issue?.path ?? []).map((item) => item.key)]
  const inner = issue?.issues?.find((candidate) => candidate.received !== 'undefined')
  return inner === undefined ? { issue, path: keys.join('.') } : telling(inner, keys)
}

const shardName = (shard: SweepShard) => `${shard.index}/${shard.count}`

/**
 * Joins shards' `--json` documents (`files`, relative to `cwd`) into the document one run of the
 * whole grid prints. Refuses (CliError) files that are not sweep documents, shards of different
 * grids or inputs, and shards that overlap or leave configurations out.
 */
export function mergeShards(cwd: string, files: readonly string[]): SweepReport {
  const reports = files.map((file) => ({ file, report: readShard(cwd, file) }))
  const first = reports[0]
  if (first === undefined) throw new CliError('--merge: give the shard files to join (e.g. shard-*.json)')
  const identity = gridIdentity(first.report.grid)
  for (const { file, report } of reports.slice(1))
    if (gridIdentity(report.grid) !== identity)
      throw new CliError(
        `--merge: ${file} is a shard of another sweep than ${first.file} (${gridDifference(first.report.grid, report.grid)}); merge the shards of one sweep`,
      )
  const labels = gridLabels(first.report.grid)
  const owner: (string | undefined)[] = new Array(labels.length)
  const results: (SweepResult | undefined)[] = new Array(labels.length)
  for (const { file, report } of reports) {
    const indices = shardIndices(report.shard, labels.length)
    for (const [position, index] of indices.entries()) {
      const earlier = owner[index]
      if (earlier !== undefined)
        throw new CliError(
          `--merge: configuration ${index} (${labels[index]}) is in ${earlier} and in ${file} (shard ${shardName(report.shard)}): shards overlap; give each shard once`,
        )
      owner[index] = `${file} (shard ${shardName(report.shard)})`
      results[index] = report.results[position]
    }
  }
  const missing = labels.flatMap((label, index) =>
    owner[index] === undefined ? [`${index} (${label})`] : [],
  )
  if (missing.length > 0) {
    const counts = [...new Set(reports.map(({ report }) => report.shard.count))]
    const absent =
      counts.length === 1
        ? shardIndices({ index: 0, count: 1 }, counts[0]!)
            .filter((index) => !reports.some(({ report }) => report.shard.index === index))
            .map((index) => `${index}/${counts[0]}`)
        : []
    throw new CliError(
      `--merge: configuration${missing.length === 1 ? '' : 's'} ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''} in no file given${absent.length === 0 ? '' : `: shard${absent.length === 1 ? '' : 's'} ${absent.join(', ')} missing`}`,
    )
  }
  return sweepReport(first.report.grid, WHOLE_GRID, results as SweepResult[])
}

/** The first thing that differs between two grids, in words. */
function gridDifference(a: SweepGrid, b: SweepGrid): string {
  if (a.arch !== b.arch) return `--arch ${a.arch} and ${b.arch}`
  const inputA = JSON.stringify({ ...a.input, trace: undefined })
  const inputB = JSON.stringify({ ...b.input, trace: undefined })
  if (inputA !== inputB) {
    const name = (input: SweepGrid['input']) =>
      'trace' in input
        ? `trace ${input.trace} (${input.format}, ${input.bytes} bytes, sha256 ${input.sha256.slice(0, 12)}…)`
        : input.workload === 'tlb-loop'
          ? `workload tlb-loop (--pages ${input.pages} --rounds ${input.rounds})`
          : `workload ${input.workload}`
    return `${name(a.input)} and ${name(b.input)}`
  }
  for (const axis of ['policies', 'memory', 'tlbs'] as const)
    if (JSON.stringify(a[axis]) !== JSON.stringify(b[axis]))
      return `${axis} ${a[axis].join(',') || '(none)'} and ${b[axis].join(',') || '(none)'}`
  return 'grids differ'
}
