// What `ntmm sweep --json` prints and `sweep --merge` reads back: the grid the sweep covers (the
// architecture, the input — a built-in workload with its sizes, or a trace file with its format,
// size and SHA-256 — and the axes: policies × memory sizes × TLBs), which shard of the grid this run
// played (0/1 when unsharded), and one row of figures per configuration of that shard, in grid
// order. The same function builds the document for a run and for a merge, so that merged shards
// print byte for byte what one run prints.

import { createHash } from 'node:crypto'
import { createReadStream, statSync } from 'node:fs'
import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch, MemoryTraceFormat } from '@ntmm/nt-syscalls'
import * as v from 'valibot'
import { architectures, replacementPolicies } from './machine.js'
import type { SweepResult } from './sweepJob.js'

/** The input every configuration of a sweep plays: a built-in workload, or a trace file. */
export type SweepInput =
  | { readonly workload: 'pressure' }
  | { readonly workload: 'tlb-loop'; readonly pages: number; readonly rounds: number }
  | {
      /** The path as given on the command line (shown; not part of the input's identity). */
      readonly trace: string
      readonly format: MemoryTraceFormat
      /** Size of the file in bytes, as stored (compressed, for a .gz). */
      readonly bytes: number
      /** SHA-256 of the file's bytes, lowercase hexadecimal. */
      readonly sha256: string
    }

/** The configurations of a sweep: its input and its axes, in the order the grid enumerates them. */
export interface SweepGrid {
  readonly arch: Arch
  readonly input: SweepInput
  /** Replacement policies, the outermost axis (empty: the machine's own, tlb-loop). */
  readonly policies: readonly ReplacementPolicyName[]
  /** RAM sizes in bytes of a trace sweep's machines (empty: the workload's own machine). */
  readonly memory: readonly number[]
  /** TLB organisations as `<entries>x<ways>[:policy]`, the innermost axis (empty: the default TLB). */
  readonly tlbs: readonly string[]
  /** How many configurations the grid holds. */
  readonly configurations: number
}

/** Which part of the grid a run played: the configurations whose grid index is `index` mod `count`. */
export interface SweepShard {
  readonly index: number
  readonly count: number
}

/** The `--json` document of a sweep. */
export interface SweepReport {
  readonly grid: SweepGrid
  readonly shard: SweepShard
  /** The figures of the shard's configurations, in grid order. */
  readonly results: readonly SweepResult[]
}

/** A result with its fields in the printed order, whatever order they were read in. */
function canonicalResult(result: SweepResult): SweepResult {
  return {
    label: result.label,
    references: result.references,
    tlbHits: result.tlbHits,
    tlbMisses: result.tlbMisses,
    tlbHitRate: result.tlbHitRate,
    pageFaults: result.pageFaults,
    hardFaults: result.hardFaults,
    softFaults: result.softFaults,
    pagesWritten: result.pagesWritten,
    corruptPages: result.corruptPages,
  }
}

function canonicalInput(input: SweepInput): SweepInput {
  if ('trace' in input)
    return { trace: input.trace, format: input.format, bytes: input.bytes, sha256: input.sha256 }
  if (input.workload === 'tlb-loop') return { workload: 'tlb-loop', pages: input.pages, rounds: input.rounds }
  return { workload: 'pressure' }
}

/** The document a sweep (or a merge of shards) prints, fields in one order. */
export function sweepReport(
  grid: SweepGrid,
  shard: SweepShard,
  results: readonly SweepResult[],
): SweepReport {
  return {
    grid: {
      arch: grid.arch,
      input: canonicalInput(grid.input),
      policies: [...grid.policies],
      memory: [...grid.memory],
      tlbs: [...grid.tlbs],
      configurations: grid.configurations,
    },
    shard: { index: shard.index, count: shard.count },
    results: results.map(canonicalResult),
  }
}

/**
 * What makes two grids the same sweep: everything but the trace's path, which may differ between
 * the machines that ran the shards (the size and digest say it is the same file).
 */
export function gridIdentity(grid: SweepGrid): string {
  const input = 'trace' in grid.input ? { ...canonicalInput(grid.input), trace: '' } : grid.input
  return JSON.stringify(sweepReport({ ...grid, input }, { index: 0, count: 1 }, []).grid)
}

/** The size and SHA-256 of a file (read once, streamed). */
export async function fileDigest(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return { bytes: statSync(path).size, sha256: hash.digest('hex') }
}

const count = v.pipe(v.number(), v.integer(), v.minValue(0))

const ResultSchema = v.object({
  label: v.string(),
  references: count,
  tlbHits: count,
  tlbMisses: count,
  tlbHitRate: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
  pageFaults: count,
  hardFaults: count,
  softFaults: count,
  pagesWritten: count,
  corruptPages: count,
})

const InputSchema = v.union([
  v.object({ workload: v.literal('pressure') }),
  v.object({ workload: v.literal('tlb-loop'), pages: count, rounds: count }),
  v.object({
    trace: v.string(),
    format: v.picklist(['lackey', 'course', 'course-ls', 'pinatrace', 'page-list'] as const),
    bytes: count,
    sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  }),
])

/** The schema `sweep --merge` checks each file against. */
export const SweepReportSchema = v.object({
  grid: v.object({
    arch: v.picklist(architectures as readonly Arch[]),
    input: InputSchema,
    policies: v.array(v.picklist(replacementPolicies)),
    memory: v.array(count),
    tlbs: v.array(v.string()),
    configurations: count,
  }),
  shard: v.object({ index: count, count: v.pipe(count, v.minValue(1)) }),
  results: v.array(ResultSchema),
})
