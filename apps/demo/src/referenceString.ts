// The textbook's page-replacement exercise on the simulated machine: a reference string of page
// numbers (given, read, or drawn from a seeded generator) replayed as reads by one process, as
// `sweep --trace` replays a page list (replayMemoryTrace: each touched 64 KiB block reserved and
// committed on first touch), on a machine whose RAM leaves the program exactly `frames` frames.
// What the program cannot have is the overhead: the system's page and the process's paging
// structures (page directory, page tables), measured on a machine with room to spare. Each
// reference's outcome is read from the events the memory manager records — a fault is a miss, a
// mapping makes a page resident, a page-out evicts one — so the resident sets shown are the
// simulator's, not a model beside it.

import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch, KernelEventRecord } from '@ntmm/nt-syscalls'
import { CliError } from './cliError.js'
import { replayOnJobMachine, type SweepResult, traceResult } from './sweepJob.js'

/** Page numbers a reference string may use: within one page table's reach on every architecture. */
export const MAX_REFERENCE_PAGE = 479

/** How a random reference string was drawn (printed, so that it can be drawn again). */
export interface RandomReferences {
  readonly count: number
  readonly pages: number
  readonly seed: number
}

/**
 * `count` page numbers in [0, pages), drawn from a generator seeded with `seed` (mulberry32:
 * the same seed gives the same string on every machine; no Math.random).
 */
export function randomReferences({ count, pages, seed }: RandomReferences): number[] {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), state | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 0x1_0000_0000
  }
  return Array.from({ length: count }, () => Math.floor(next() * pages))
}

/** Parses page numbers separated by commas, spaces or line breaks (`7,0,1` or one per line). */
export function parseReferences(text: string, source: string): number[] {
  const items = text.split(/[\s,]+/).filter((item) => item !== '')
  if (items.length === 0) throw new CliError(`${source}: no page numbers (e.g. 7,0,1,2,0,3)`)
  return items.map((item) => {
    if (!/^\d+$/.test(item) || Number(item) > MAX_REFERENCE_PAGE)
      throw new CliError(
        `${source}: '${item}' is not a page number 0..${MAX_REFERENCE_PAGE} (one page table's reach, so that --frames is exact)`,
      )
    return Number(item)
  })
}

/** One reference as a policy played it. */
export interface ReferenceStep {
  readonly page: number
  readonly hit: boolean
  /** The resident pages after it: load order, least recently used first under LRU. */
  readonly resident: readonly number[]
  /** The pages evicted to make room for it. */
  readonly evicted: readonly number[]
}

/** A policy's play of a reference string: the sweep's row (with page hits) and every step. */
export interface ReferenceRun extends SweepResult {
  readonly pageHits: number
  readonly pageHitRate: number
  readonly steps: readonly ReferenceStep[]
}

/** Replays `references` on a machine of `job`'s configuration, telling each reference's outcome. */
async function observe(
  references: readonly number[],
  job: { readonly arch: Arch; readonly policy: ReplacementPolicyName; readonly physicalMemory?: number },
) {
  const steps: { page: number; hit: boolean; resident: number[]; evicted: number[] }[] = []
  const pageOf = new Map<number, number>()
  let resident: number[] = []
  const onEvent = ({ event }: KernelEventRecord) => {
    const current = steps.at(-1)
    const fields = event as { readonly address?: number; readonly kind?: string }
    const page = fields.address === undefined ? undefined : Math.floor(fields.address / 4096)
    if (event.type === 'nt.cpuAccess' && page !== undefined) {
      // One read per reference; the block it lands in may be placed elsewhere than its own address.
      const wanted = references[steps.length]!
      pageOf.set(page, wanted)
      if (job.policy === 'lru' && resident.includes(wanted))
        resident = [...resident.filter((item) => item !== wanted), wanted]
      steps.push({ page: wanted, hit: true, resident, evicted: [] })
    } else if (current !== undefined && page !== undefined) {
      const named = pageOf.get(page)
      if (event.type === 'mm.pageFault' && ['demand-zero', 'hard', 'soft'].includes(fields.kind ?? ''))
        current.hit = false
      else if (event.type === 'mm.mappingCreated' && named !== undefined) resident = [...resident, named]
      else if (event.type === 'mm.pageOut' && named !== undefined) {
        resident = resident.filter((item) => item !== named)
        current.evicted.push(named)
      }
      current.resident = resident
    }
  }
  const label = job.policy
  const { kernel, report } = await replayOnJobMachine(
    { label, workload: 'trace', pages: 0, rounds: 0, ...job },
    references.map(String),
    { format: 'page-list', onEvent },
  )
  return { kernel, report, steps }
}

/** The frames the memory manager keeps for itself while a reference string runs. */
export interface FrameOverhead {
  /** All of them: RAM is this plus the program's frames. */
  readonly frames: number
  /** The system's pages (KUSER_SHARED_DATA). */
  readonly system: number
  /** The system's paging structures. */
  readonly systemTables: number
  /** The process's page directory (and upper levels) and page tables. */
  readonly processTables: number
}

/**
 * The overhead of `references` on `arch`, counted in the PFN database after a run with room to
 * spare (nothing evicted): every frame in use that is not one of the program's pages.
 */
export async function frameOverhead(arch: Arch, references: readonly number[]): Promise<FrameOverhead> {
  const { kernel } = await observe(references, { arch, policy: 'fifo' })
  let system = 0
  let systemTables = 0
  let processTables = 0
  const database = kernel.mm.pfnDatabase
  for (let pfn = 0; pfn < kernel.config.physicalMemory / 4096; pfn++) {
    const entry = database.entry(pfn)
    if (entry.state === 'SYSTEM') system++
    else if (entry.state === 'PAGE_TABLE' && entry.ownerPid === 0) systemTables++
    else if (entry.state === 'PAGE_TABLE') processTables++
  }
  return { frames: system + systemTables + processTables, system, systemTables, processTables }
}

/** Plays `references` under `policy` on a machine leaving the program `frames` frames beside `overhead`. */
export async function playReferenceString(
  references: readonly number[],
  options: {
    readonly arch: Arch
    readonly policy: ReplacementPolicyName
    readonly frames: number
    readonly overhead: FrameOverhead
  },
): Promise<ReferenceRun> {
  const { kernel, report, steps } = await observe(references, {
    arch: options.arch,
    policy: options.policy,
    physicalMemory: (options.overhead.frames + options.frames) * 4096,
  })
  const pageHits = steps.filter((step) => step.hit).length
  return {
    ...traceResult(options.policy, kernel, report),
    pageHits,
    pageHitRate: steps.length === 0 ? 0 : pageHits / steps.length,
    steps,
  }
}
