// The soak of issue 18: many cases of the mixed hostile generators, each case drawn from (seed,
// case number) alone so any one replays by itself. Four kinds, in turn:
// - machine traces: the recorded run of nt-syscalls' testing/hostileMachineTraces.ts (JSON Lines
//   or binary, version 1 or 2 with state blocks, made by the current build) truncated, bit-flipped,
//   with one field edited (binary edits are made on the JSON Lines text, then re-encoded) or a
//   state block's snapshot edited past its checksum, loaded with loadKernel and, with state
//   blocks, sought from them with machineAtIndex;
// - memory traces: importer junk (testing/hostileMemoryTraceLines.ts) replayed on a recording
//   machine (half under the 'nt' policy), stopping or skipping at malformed lines, the recording
//   saved and loaded back;
// - hostile calls: random Nt*, cpu.*, Win32 and debug calls with hostile arguments, the 'nt'
//   working-set services and kernel.tick() (testing/hostileCalls.ts) on a live kernel with
//   `record: true`, half of them under the 'nt' policy, the recording saved and loaded;
// - uploads: either kind of file, sometimes gzipped, checked as the explorer server's load worker
//   checks an upload (checkTrace, in process), an accepted one loaded back.
// It counts crashes (anything thrown that is not the documented error: TraceFormatError from a
// load, the documented list from a call, nothing from an import or an upload check), unsound loads
// (a load accepted, or a live machine left by calls without the debugger, that fails
// checkKernelInvariants) and lost bytes (a recording or saved trace that does not load to the live
// machine: its memory manager's digest, every frame's and page-file slot's bytes included).
// The generators are the hostile tests' own, imported from the packages' testing modules (not
// shipped: this file is outside apps/demo's build, as every src/**/testing file is).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import {
  checkKernelInvariants,
  createKernel,
  type Kernel,
  loadKernel,
  type MachineConfig,
  machineAtIndex,
  machineSchema,
  replayMemoryTrace,
} from '@ntmm/nt-syscalls'
import { openBinaryTraceFile, readTraceFile, TraceFormatError, writeLogFile } from '@ntmm/trace'
import {
  callHarness,
  performCall,
  sampleHostileCalls,
} from '../../../../packages/nt-syscalls/src/testing/hostileCalls.js'
import {
  mutateMachineTrace,
  type RecordedPolicy,
  recordedMachineTrace,
  type TraceFormat,
} from '../../../../packages/nt-syscalls/src/testing/hostileMachineTraces.js'
import { hostileMemoryTrace } from '../../../../packages/nt-syscalls/src/testing/hostileMemoryTraceLines.js'
import { caseSeed, SeededRandom } from '../../../../packages/nt-syscalls/src/testing/seededRandom.js'
import { checkTrace, defaultLoadLimits } from '../serve/traceLoad.js'

/** The four kinds of case, taken in turn. */
export const SOAK_KINDS = ['machine trace', 'memory trace', 'hostile calls', 'upload'] as const

/** One kind of case. */
export type SoakKind = (typeof SOAK_KINDS)[number]

/** What went wrong in a case. */
export type SoakProblem = 'crash' | 'unsound load' | 'lost bytes'

/** A case that found a problem: enough to replay it (`--seed S --case N`) and read why. */
export interface SoakFailure {
  readonly index: number
  readonly kind: SoakKind
  readonly problem: SoakProblem
  readonly detail: string
}

/** What a case ended as: its outcome label (for the tallies) or a problem. */
interface CaseResult {
  readonly outcome: string
  readonly problem?: SoakProblem
  readonly detail?: string
}

/** The tallies of a soak run. */
export interface SoakReport {
  readonly seed: number
  cases: number
  crashes: number
  unsoundLoads: number
  lostBytes: number
  /** Per kind, how many cases ended each way ('loaded', 'refused', ...). */
  readonly outcomes: Record<SoakKind, Record<string, number>>
  /** Per kind, the wall-clock milliseconds its cases took. */
  readonly milliseconds: Record<SoakKind, number>
  /** The first 20 failures. */
  readonly failures: SoakFailure[]
}

/** Options of {@link runSoak}. */
export interface SoakOptions {
  readonly seed: number
  /** Cases to run, numbered from `first` (default 0). */
  readonly cases: number
  readonly first?: number
  /** Called after every `progressEvery` cases (default 1000). */
  readonly onProgress?: (report: SoakReport) => void
  readonly progressEvery?: number
  /** Called at each failure, as it happens. */
  readonly onFailure?: (failure: SoakFailure) => void
}

const messageOf = (error: unknown): string =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 300)

/** The machines of the call and import cases: small, so they page. */
const SMALL = { physicalMemory: 64 * 4096, pageFile: 1 << 20 }

/** Files of one run: a scratch directory reused case after case. */
class Scratch {
  readonly directory = mkdtempSync(join(tmpdir(), 'ntmm-soak-'))
  #count = 0

  path(name: string): string {
    return join(this.directory, `${this.#count++ % 4}-${name}`)
  }

  remove(): void {
    rmSync(this.directory, { recursive: true, force: true })
  }
}

/**
 * A machine trace file, loaded: 'loaded' (and sound), 'refused', or a problem. A binary file
 * with state blocks is also sought from them (machineAtIndex) at its middle and last events: the
 * machine it gives must be the loaded one's, or refused.
 */
async function loadCase(path: string): Promise<CaseResult> {
  let kernel: Kernel | undefined
  try {
    kernel = await loadKernel(path)
    const problems = checkKernelInvariants(kernel, { tlb: false })
    if (problems.length > 0) return { outcome: 'loaded', problem: 'unsound load', detail: problems[0]! }
  } catch (error) {
    if (!(error instanceof TraceFormatError))
      return { outcome: 'thrown', problem: 'crash', detail: messageOf(error) }
  }
  const sought = await seekCase(path, kernel)
  if (sought !== undefined) return sought
  return { outcome: kernel === undefined ? 'refused' : 'loaded' }
}

/** The seek from state blocks of {@link loadCase}: undefined when sound (or refused), else a problem. */
async function seekCase(path: string, loaded: Kernel | undefined): Promise<CaseResult | undefined> {
  const index = await openBinaryTraceFile(path, machineSchema).catch(() => undefined)
  if (index === undefined) return undefined
  try {
    if (index.states.length === 0) return undefined
    for (const seq of [Math.floor(index.events / 2), index.events - 1]) {
      let sought: Kernel
      try {
        sought = (await machineAtIndex(index, index.header.config as MachineConfig, seq)).kernel
      } catch (error) {
        if (error instanceof TraceFormatError) continue
        return { outcome: 'thrown', problem: 'crash', detail: `seeking #${seq}: ${messageOf(error)}` }
      }
      if (loaded !== undefined && sought.mm.digest() !== loaded.at(seq).mm.digest())
        return {
          outcome: 'sought',
          problem: 'unsound load',
          detail: `a state block restored another machine at #${seq}`,
        }
    }
    return undefined
  } finally {
    await index.close()
  }
}

/** The mutated trace bytes of a case (binary field edits re-encoded from the edited JSON Lines). */
async function mutatedTrace(random: SeededRandom, scratch: Scratch): Promise<Uint8Array> {
  const format: TraceFormat = random.below(2) === 0 ? 'jsonl' : 'binary'
  // Half the corpus is the 'nt' policy's recording (ticks, trims, clusters, locked pages).
  const policy: RecordedPolicy = random.below(2) === 0 ? 'working-set' : 'nt'
  if (format === 'binary' && random.below(3) === 0) {
    const edited = mutateMachineTrace(await recordedMachineTrace('jsonl', policy), 'jsonl', random)
    if (edited.kind !== 'field edited') return edited.bytes
    const path = scratch.path('edited.jsonl')
    writeFileSync(path, edited.bytes)
    const read = await readTraceFile(path, machineSchema)
    if (!read.ok) return edited.bytes
    const binary = scratch.path('edited.ntt')
    await writeLogFile(
      binary,
      { header: read.trace.header, log: read.trace.log, checkpoints: read.trace.checkpoints },
      { encoding: 'binary' },
    )
    return new Uint8Array(readFileSync(binary))
  }
  // Binary: version 1, or version 2 with a state block every 64 events (its snapshots edited too).
  const source: TraceFormat = format === 'binary' && random.below(2) === 0 ? 'binary-states' : format
  return mutateMachineTrace(await recordedMachineTrace(source, policy), source, random).bytes
}

async function machineTraceCase(random: SeededRandom, scratch: Scratch): Promise<CaseResult> {
  const path = scratch.path('trace')
  writeFileSync(path, await mutatedTrace(random, scratch))
  return loadCase(path)
}

/**
 * The live machine's recording, saved (JSON Lines or binary) and loaded back: 'reproduced', or
 * lost bytes when it does not load to the live machine. A live machine the debugger left unsound
 * cannot be loaded (`unsound`: the refusal is expected).
 */
async function saveAndCompare(
  kernel: Kernel,
  random: SeededRandom,
  scratch: Scratch,
  unsound: boolean,
): Promise<CaseResult> {
  const path = scratch.path('recording')
  await kernel.saveTrace(path, { format: random.below(2) === 0 ? 'jsonl' : 'binary' })
  let loaded: Kernel
  try {
    loaded = await loadKernel(path)
  } catch (error) {
    if (error instanceof TraceFormatError) {
      if (unsound) return { outcome: 'refused (unsound live machine)' }
      return {
        outcome: 'refused',
        problem: 'lost bytes',
        detail: `the saved recording is refused: ${error.message}`,
      }
    }
    return { outcome: 'thrown', problem: 'crash', detail: messageOf(error) }
  }
  if (loaded.mm.digest() !== kernel.mm.digest())
    return {
      outcome: 'loaded',
      problem: 'lost bytes',
      detail: 'the loaded machine differs from the live one',
    }
  return { outcome: 'reproduced' }
}

async function memoryTraceCase(random: SeededRandom, scratch: Scratch): Promise<CaseResult> {
  const { format, lines } = hostileMemoryTrace(random)
  // Half on the 'nt' policy: the imported references page through working sets and ticks.
  const nt = random.below(2) === 0 ? { replacementPolicy: 'nt' as const, nt: { tickEvery: 10 } } : {}
  const kernel = createKernel({ ...SMALL, ...nt, record: true })
  let completed: boolean
  try {
    const report = await replayMemoryTrace(kernel, lines, {
      format,
      onError: random.below(2) === 0 ? 'stop' : 'skip',
    })
    completed = report.completed
  } catch (error) {
    return { outcome: 'thrown', problem: 'crash', detail: `${format}: ${messageOf(error)}` }
  }
  const problems = checkKernelInvariants(kernel, { tlb: false })
  if (problems.length > 0) return { outcome: 'imported', problem: 'unsound load', detail: problems[0]! }
  const saved = await saveAndCompare(kernel, random, scratch, false)
  return underPolicy(
    saved.problem === undefined ? { outcome: completed ? 'imported' : 'stopped at a line' } : saved,
    'nt' in nt,
  )
}

const bases = new Map<string, number>()
const ARCHES = ['x86', 'x86-pae', 'x64'] as const

/**
 * Half the call cases run the 'nt' policy (issue 21), with automatic ticks every 0 (explicit
 * kernel.tick() calls only), 3 or 10 references and a random low-memory threshold.
 */
function machineOptions(random: SeededRandom) {
  const arch = random.pick(ARCHES)
  if (random.below(2) === 0) return { ...SMALL, arch }
  const nt = { tickEvery: random.pick([0, 3, 10] as const), minimumFreePages: random.below(8) }
  return { ...SMALL, arch, replacementPolicy: 'nt' as const, nt }
}

async function hostileCallsCase(random: SeededRandom, scratch: Scratch): Promise<CaseResult> {
  const options = machineOptions(random)
  const { arch } = options
  const machine = `${arch}${'nt' in options ? ' nt' : ''}`
  let base = bases.get(machine)
  if (base === undefined) {
    base = callHarness(createKernel(options)).base
    bases.set(machine, base)
  }
  const calls = sampleHostileCalls(base, random.next(), 16)
  const harness = callHarness(createKernel({ ...options, record: true }))
  for (const call of calls) {
    try {
      performCall(harness, call)
    } catch (error) {
      return {
        outcome: 'thrown',
        problem: 'crash',
        detail: `${machine} ${describeCall(call)}: ${messageOf(error)}`,
      }
    }
  }
  const problems = checkKernelInvariants(harness.kernel, { tlb: false })
  // The debugger may leave the machine unsound (a PTE mapping what the memory manager does not
  // know); nothing else may.
  const debugged = calls.some((call) => call.kind === 'debug')
  if (problems.length > 0 && !debugged)
    return { outcome: 'unsound', problem: 'unsound load', detail: `${machine}: ${problems[0]}` }
  return underPolicy(
    await saveAndCompare(harness.kernel, random, scratch, problems.length > 0),
    'nt' in options,
  )
}

/** The outcome of a case on an 'nt' machine tallied apart ('reproduced (nt)'). */
function underPolicy(result: CaseResult, nt: boolean): CaseResult {
  return nt ? { ...result, outcome: `${result.outcome} (nt)` } : result
}

function describeCall(call: { readonly kind: string }): string {
  const { kind, ...rest } = call as { kind: string; method?: string; service?: string }
  return `${kind} ${rest.service ?? rest.method ?? ''}`.trim()
}

/** HTTP statuses the load worker refuses with (docs/explorer.md). */
const REFUSALS = new Set([400, 413, 422])

async function uploadCase(random: SeededRandom, scratch: Scratch): Promise<CaseResult> {
  let bytes: Uint8Array
  const choice = random.below(10)
  if (choice < 5) bytes = await mutatedTrace(random, scratch)
  else if (choice < 9) bytes = new TextEncoder().encode(hostileMemoryTrace(random).lines.join('\n'))
  else bytes = await recordedMachineTrace(random.below(2) === 0 ? 'jsonl' : 'binary')
  if (random.below(5) === 0) bytes = gzipSync(bytes, { level: 1 })
  const file = scratch.path('upload')
  writeFileSync(file, bytes)
  const workDirectory = join(scratch.directory, 'work')
  mkdirSync(workDirectory, { recursive: true })
  try {
    const outcome = await checkTrace({
      file,
      name: 'upload',
      allowMemoryTrace: true,
      workDirectory,
      limits: { ...defaultLoadLimits, maxEvents: 200_000 },
    })
    if (!outcome.ok) {
      if (REFUSALS.has(outcome.status)) return { outcome: `refused (${outcome.status})` }
      return { outcome: 'refused', problem: 'crash', detail: `status ${outcome.status}: ${outcome.error}` }
    }
    const loaded = await loadCase(outcome.file)
    return loaded.problem === undefined ? { outcome: 'accepted' } : loaded
  } catch (error) {
    return { outcome: 'thrown', problem: 'crash', detail: messageOf(error) }
  }
}

const CASES: Record<SoakKind, (random: SeededRandom, scratch: Scratch) => Promise<CaseResult>> = {
  'machine trace': machineTraceCase,
  'memory trace': memoryTraceCase,
  'hostile calls': hostileCallsCase,
  upload: uploadCase,
}

/** Runs case `index` of the run seeded `seed`. */
async function runCase(
  seed: number,
  index: number,
  scratch: Scratch,
): Promise<{ kind: SoakKind } & CaseResult> {
  const kind = SOAK_KINDS[index % SOAK_KINDS.length]!
  const random = new SeededRandom(caseSeed(seed, index))
  let result: CaseResult
  try {
    result = await CASES[kind](random, scratch)
  } catch (error) {
    // The generator itself or a file write failed: reported as a crash, with what threw.
    result = { outcome: 'thrown', problem: 'crash', detail: messageOf(error) }
  }
  if (Object.keys(Object.prototype).length > 0) {
    for (const key of Object.keys(Object.prototype)) delete (Object.prototype as Record<string, unknown>)[key]
    result = { outcome: result.outcome, problem: 'crash', detail: 'Object.prototype was polluted' }
  }
  return { kind, ...result }
}

/** Runs the soak; never throws for what a case does (each problem is counted and kept). */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const report: SoakReport = {
    seed: options.seed,
    cases: 0,
    crashes: 0,
    unsoundLoads: 0,
    lostBytes: 0,
    outcomes: Object.fromEntries(SOAK_KINDS.map((kind) => [kind, {}])) as SoakReport['outcomes'],
    milliseconds: Object.fromEntries(SOAK_KINDS.map((kind) => [kind, 0])) as SoakReport['milliseconds'],
    failures: [],
  }
  const every = options.progressEvery ?? 1000
  const first = options.first ?? 0
  const scratch = new Scratch()
  try {
    for (let index = first; index < first + options.cases; index++) {
      const started = performance.now()
      const result = await runCase(options.seed, index, scratch)
      report.milliseconds[result.kind] += performance.now() - started
      const tally = report.outcomes[result.kind]
      tally[result.outcome] = (tally[result.outcome] ?? 0) + 1
      report.cases++
      if (result.problem !== undefined) {
        if (result.problem === 'crash') report.crashes++
        else if (result.problem === 'unsound load') report.unsoundLoads++
        else report.lostBytes++
        const failure = { index, kind: result.kind, problem: result.problem, detail: result.detail ?? '' }
        if (report.failures.length < 20) report.failures.push(failure)
        options.onFailure?.(failure)
      }
      if (report.cases % every === 0) options.onProgress?.(report)
    }
  } finally {
    scratch.remove()
  }
  return report
}
