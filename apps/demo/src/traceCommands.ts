// The time-travel half of the command line, over @ntmm/nt-syscalls' whole-machine recording:
// record a scenario or script to a trace file, replay a trace to any event (and check that
// re-execution reproduces it), inspect the machine at an event with the views, list events, show
// the causal chain of one, import real programs' memory traces and export for Perfetto. Every bad
// input — a missing or corrupt trace, a seq out of range — is a CliError naming what and where.

import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  createKernel,
  type Kernel,
  LiveStateBlocks,
  machineSchema,
  type MemoryTraceReport,
  replayMemoryTrace,
} from '@ntmm/nt-syscalls'
import { detectTraceEncoding, openBinaryTraceFile } from '@ntmm/trace'
import type { CliIo } from './cliIo.js'
import { CliError } from './cliError.js'
import { detectMemoryTraceFile } from './detectMemoryTraceFile.js'
import { importFormats, namedFormats } from './commandChoices.js'
import { describeEvent } from './describeEvent.js'
import { ADDRESS_SYNTAX, bytes, hex } from './format.js'
import { noProgress, type Progress } from './progress.js'
import type { MachineConfig } from './machine.js'
import { machineAt, type OpenedTrace } from './traceFiles.js'
import type { MachineAtEvent } from './traceSeek.js'
import { countFaultKinds, type FaultKindCounts } from './views/faultKinds.js'
import { findView } from './views/inspectViews.js'
import { livePids } from './views/machineLike.js'
import { addressView, machineState } from './views/memoryMap.js'
import { statsView } from './views/statsView.js'

export { type TraceFormat, traceFormats } from './commandChoices.js'

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

export { type OpenedTrace, openTrace } from './traceFiles.js'

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error'
}

/** The seq `--at` names (default: the last event), checked against the trace. */
export function checkSeq(trace: OpenedTrace, path: string, seq: number | undefined, flag = '--at'): number {
  const last = trace.length - 1
  if (seq === undefined) return last
  if (!Number.isSafeInteger(seq) || seq < -1 || seq > last)
    throw new CliError(`${flag} ${seq}: out of range; ${path} has events 0..${last} (-1: before the first)`)
  return seq
}

/** `replay`: the state of every process right after event `seq`, as lines and as JSON. */
export function replayLines(trace: OpenedTrace, path: string, seq: number, progress: Progress = noProgress) {
  return machineLines(
    {
      view: machineAt(trace, seq, progress),
      length: trace.length,
      config: trace.kernel.config,
      type: seq >= 0 ? trace.kernel.trace?.typeAt(seq) : undefined,
    },
    path,
    seq,
  )
}

/** `replay`'s lines and JSON of `machine` right after event `seq`. */
export function machineLines(machine: MachineAtEvent, path: string, seq: number) {
  const { view, config } = machine
  const lines = [
    `${path}: ${machine.length} events; ${config.arch}, ${bytes(config.physicalMemory)} RAM, ${bytes(config.pageFile)} page file, policy ${config.replacementPolicy}`,
    seq >= 0
      ? `the machine right after event #${seq} (${machine.type}):`
      : 'the machine before the first event:',
  ]
  for (const pid of livePids(view)) lines.push('', ...addressView(view, { pid }).lines)
  lines.push('', ...statsView(view).lines)
  return { lines, json: machineState(view, seq) }
}

/** `inspect`: one view of the machine right after event `seq`. */
export function inspectView(
  trace: OpenedTrace,
  seq: number,
  name: string,
  options: { pid?: number; va?: number },
  progress: Progress = noProgress,
) {
  const view = findView(name)
  const machine = machineAt(trace, seq, progress)
  return view.render(machine, name === 'ws' ? { ...options, faultKinds: faultKindsAt(trace, seq) } : options)
}

/** Each process's faults by kind up to event `seq`, from the trace's mm.pageFault and mm.pageTableIn events. */
export function faultKindsAt(trace: OpenedTrace, seq: number): FaultKindCounts {
  const log = trace.kernel.trace!
  const query = trace.kernel.history.query
  const seqsOf = (type: string) =>
    query.find({ type } as Parameters<typeof query.find>[0], {
      from: 0,
      to: seq + 1,
    })
  const seqs = [...seqsOf('mm.pageFault'), ...seqsOf('mm.pageTableIn')]
  return countFaultKinds(
    (function* () {
      for (const at of seqs) yield log.at(at) as AnyEvent
    })(),
  )
}

/** Filters of `events`. */
export interface EventFilter {
  readonly types?: readonly string[]
  readonly address?: { readonly low: number; readonly high: number }
  readonly pid?: number
  readonly from?: number
  readonly to?: number
  readonly limit: number
}

/** Parses `11000` (its page), or `10000-20000` (a half-open range); addresses as `parse` reads them. */
export function parseAddressRange(text: string, parse: (value: string) => number | undefined) {
  const parts = text.split('-')
  const [low, high] = parts.map((part) => parse(part))
  if (parts.length > 2 || low === undefined || (parts.length === 2 && (high === undefined || high <= low)))
    throw new CliError(
      `--address '${text}': expected an address (11000) or a range (10000-20000), ${ADDRESS_SYNTAX}`,
    )
  return { low, high: high ?? Math.floor(low / 4096) * 4096 + 4096 }
}

/** True when event type `type` matches `--type` pattern `pattern` (a type, or a prefix ending in '.' or '*'). */
function matchesPattern(type: string, pattern: string): boolean {
  return pattern.endsWith('.') || pattern.endsWith('*')
    ? type.startsWith(pattern.replace(/\*$/, ''))
    : type === pattern
}

/** Refuses a `--type` pattern that matches none of `types`, naming the closest ones. */
function checkTypePattern(
  pattern: string,
  types: readonly string[] = machineSchema.kinds.map((kind) => kind.type),
): void {
  if (types.some((type) => matchesPattern(type, pattern))) return
  const lower = pattern.toLowerCase().replace(/\*$/, '')
  const close = types.filter(
    (type) => type.toLowerCase().startsWith(lower) || lower.startsWith(type.toLowerCase()),
  )
  throw new CliError(
    `--type '${pattern}': no event type of this trace matches${close.length > 0 ? ` (did you mean ${close.slice(0, 3).join(', ')}?)` : ''}; ` +
      `a layer is 'hw.*', 'mm.*' or 'nt.*'`,
  )
}

/** `events`: the events matching `filter`, in order, with the total matched. */
export function listEvents(trace: OpenedTrace, filter: EventFilter) {
  const log = trace.kernel.trace!
  const from = Math.max(0, filter.from ?? 0)
  const to = Math.min(trace.length, filter.to === undefined ? trace.length : filter.to + 1)
  const wanted = (type: string) =>
    filter.types === undefined || filter.types.some((pattern) => matchesPattern(type, pattern))
  const types = log.schema.kinds.map((kind) => kind.type)
  for (const pattern of filter.types ?? []) checkTypePattern(pattern, types)
  const query = trace.kernel.history.query
  // Types go to the query as kinds (blocks without them are skipped, and a match by type alone
  // is counted from block summaries); only a pid needs to read each event.
  const match = {
    ...(filter.types === undefined ? {} : { type: types.filter(wanted) }),
    ...(filter.address === undefined ? {} : { address: filter.address }),
    ...(filter.pid === undefined ? {} : { where: (event: AnyEvent) => event.pid === filter.pid }),
  } as unknown as Parameters<typeof query.find>[0]
  const window = { from, to }
  const events: { seq: number; cause: number | null; event: AnyEvent }[] = []
  if (filter.limit > 0) {
    for (const seq of query.find(match, window)) {
      events.push({ seq, cause: log.causeOf(seq) ?? null, event: log.at(seq) as AnyEvent })
      if (events.length === filter.limit) break
    }
  }
  return { matched: query.count(match, window), events }
}

/** True when `event` matches `filter`'s types, pid and address (as `listEvents` matches them). */
function matchesFilter(event: AnyEvent, filter: EventFilter): boolean {
  if (filter.types !== undefined && !filter.types.some((pattern) => matchesPattern(event.type, pattern)))
    return false
  if (filter.pid !== undefined && event.pid !== filter.pid) return false
  const range = filter.address
  if (range === undefined) return true
  // The address fields the kind declares (TraceQuery's address match).
  const fields = machineSchema.kind(event.type)?.addressFields ?? []
  return fields.some((field) => {
    const value = event[field]
    return typeof value === 'number' && value >= range.low && value < range.high
  })
}

/**
 * `events` of a binary trace through its index: only the blocks holding the window are read,
 * those without an event of a wanted type only as far as their kinds, and no machine is rebuilt.
 * Undefined when `path` is not an indexed binary machine trace (then the whole trace is loaded,
 * which also gives its errors their messages).
 */
export async function listWindowFromIndex(
  io: CliIo,
  path: string,
  filter: EventFilter,
  progress: Progress = noProgress,
) {
  const full = resolve(io.cwd, path)
  if (!existsSync(full) || !statSync(full).isFile()) return undefined
  if ((await detectTraceEncoding(full).catch(() => undefined)) !== 'binary') return undefined
  const index = await openBinaryTraceFile(full, machineSchema).catch(() => undefined)
  if (index === undefined) return undefined
  try {
    const last = index.events - 1
    for (const [flag, seq] of [
      ['--from', filter.from],
      ['--to', filter.to],
    ] as const) {
      if (seq !== undefined && (seq < 0 || seq > last))
        throw new CliError(`${flag} ${seq}: out of range; ${path} has events 0..${last}`)
    }
    for (const pattern of filter.types ?? []) checkTypePattern(pattern)
    const from = filter.from ?? 0
    const to = filter.to === undefined ? index.events : filter.to + 1
    const events: { seq: number; cause: number | null; event: AnyEvent }[] = []
    let matched = 0
    const wanted =
      filter.types === undefined
        ? undefined
        : (type: string) => filter.types!.some((pattern) => matchesPattern(type, pattern))
    progress.stage(`reading ${path}`, { total: to - from, unit: 'events' })
    // A filter of types alone, once the events shown are found: the rest only counted, from the
    // blocks' kinds (no columns decoded, no entries made).
    const byTypeAlone = wanted !== undefined && filter.pid === undefined && filter.address === undefined
    for await (const batch of index.entryBatches(from, to, wanted)) {
      for (const entry of batch) {
        const event = entry.event as AnyEvent
        if (!matchesFilter(event, filter)) continue
        matched++
        if (events.length < filter.limit) events.push({ seq: entry.seq, cause: entry.cause ?? null, event })
      }
      const next = (batch.at(-1)?.seq ?? from) + 1
      progress.update(next - from)
      if (byTypeAlone && events.length >= filter.limit) {
        matched += await index.countKinds(next, to, wanted)
        break
      }
    }
    progress.stage('matching events')
    return { matched, events }
  } catch (error) {
    if (error instanceof CliError) throw error
    return undefined
  } finally {
    await index.close()
  }
}

/** One event as a line: seq, layer, description, cause. */
export function eventLine(seq: number, cause: number | null | undefined, event: AnyEvent): string {
  const layer = event.type.slice(0, event.type.indexOf('.'))
  const text = describeEvent(event) ?? `${event.type} ${JSON.stringify(event).slice(0, 100)}`
  return `#${String(seq).padStart(6)} ${layer.padEnd(2)} ${text}${cause === null || cause === undefined ? '' : `  (cause #${cause})`}`
}

/** What `why` reports of an event: its chain back to the input, the system call, its effects. */
interface WhyFacts {
  readonly seq: number
  readonly chain: readonly { readonly seq: number; readonly event: AnyEvent }[]
  readonly syscall: { readonly seq: number; readonly service: string; readonly pid: number } | undefined
  readonly effects: readonly number[]
  readonly typeOf: (seq: number) => string
}

function whyLines({ seq, chain, syscall, effects, typeOf }: WhyFacts) {
  const lines = [
    `why #${seq}: ${chain.length === 1 ? 'an input (nothing caused it)' : `${chain.length - 1} link(s) back to the input`}`,
  ]
  for (const [index, { seq: link, event }] of chain.entries())
    lines.push(`${index === 0 ? '  ' : '  ← '}${eventLine(link, null, event)}`)
  if (syscall) lines.push(`  inside ${syscall.service} of process ${syscall.pid} (#${syscall.seq})`)
  lines.push(
    `  it caused ${effects.length} event(s) directly${
      effects.length === 0
        ? ''
        : `: ${effects
            .slice(0, 8)
            .map((effect) => `#${effect} ${typeOf(effect)}`)
            .join(', ')}${effects.length > 8 ? ', …' : ''}`
    }`,
  )
  return { lines, json: { seq, chain, syscall: syscall ?? null, effects } }
}

/** `why`: the causal chain of `seq` back to its input, and the system call in it. */
export function whyReport(trace: OpenedTrace, seq: number) {
  const log = trace.kernel.trace!
  const report = trace.kernel.history.causeOf(seq)
  return whyLines({
    seq,
    chain: report.chain.map((link) => ({ seq: link, event: log.at(link) as AnyEvent })),
    syscall: report.syscall,
    effects: trace.kernel.history.query.effectsOf(seq),
    typeOf: (effect) => log.typeAt(effect)!,
  })
}

/** The events after an event that `why` searches for its effects (TraceQuery.effectsOf's bound). */
const EFFECTS_WINDOW = 1 << 16

/**
 * `why` of a binary trace through its index, as {@link whyReport} answers it from the loaded
 * trace: the chain read event by event back to the input (a block each), the effects from the
 * blocks of the 2^16 events after it. Undefined when `path` is not an indexed binary machine trace
 * (then the whole trace is loaded, which also gives its errors their messages).
 */
export async function whyFromIndex(io: CliIo, path: string, seq: number, progress: Progress = noProgress) {
  const full = resolve(io.cwd, path)
  if (!existsSync(full) || !statSync(full).isFile()) return undefined
  if ((await detectTraceEncoding(full).catch(() => undefined)) !== 'binary') return undefined
  const index = await openBinaryTraceFile(full, machineSchema).catch(() => undefined)
  if (index === undefined) return undefined
  try {
    if (seq > index.events - 1)
      throw new CliError(`<seq> ${seq}: out of range; ${path} has events 0..${index.events - 1}`)
    progress.stage(`following the causes of #${seq}`)
    const chain: { seq: number; event: AnyEvent }[] = []
    let syscall: WhyFacts['syscall']
    for (let link: number | undefined = seq; link !== undefined; ) {
      const entry = await index.entryAt(link)
      if (entry === undefined) return undefined
      const event = entry.event as AnyEvent
      chain.push({ seq: link, event })
      if (syscall === undefined && event.type === 'nt.syscallEntered')
        syscall = { seq: link, service: event.service as string, pid: event.pid as number }
      link = entry.cause
    }
    const effects: number[] = []
    const types = new Map<number, string>()
    const end = Math.min(index.events, seq + 1 + EFFECTS_WINDOW)
    for await (const batch of index.entryBatches(seq + 1, end))
      for (const entry of batch)
        if (entry.cause === seq) {
          effects.push(entry.seq)
          types.set(entry.seq, entry.event.type)
        }
    return whyLines({ seq, chain, syscall, effects, typeOf: (effect) => types.get(effect)! })
  } catch (error) {
    if (error instanceof CliError) throw error
    return undefined
  } finally {
    await index.close()
  }
}

export { importFormats, namedFormats } from './commandChoices.js'

export { detectMemoryTraceFile } from './detectMemoryTraceFile.js'

/** Lines between two progress reports of an import taking state blocks as it replays. */
const LIVE_STATE_LINES = 4096

/**
 * `import`: replays a memory trace through a new process, on a recording kernel unless `record`
 * is false (only the report is wanted: no trace held in memory, and several times faster).
 */
export async function importTrace(
  io: CliIo,
  kind: string,
  file: string,
  options: {
    readonly machine: MachineConfig
    readonly onError: 'stop' | 'skip'
    readonly record?: boolean
    readonly progress?: Progress
    /**
     * Recording for a binary trace with state blocks every this many events: they are taken from
     * the machine as it replays (LiveStateBlocks), not by a second replay when the file is written.
     */
    readonly stateEvery?: number
  },
): Promise<{ kernel: Kernel; report: MemoryTraceReport; liveStates?: LiveStateBlocks }> {
  if (!(kind in importFormats))
    throw new CliError(`unknown trace format '${kind}' (formats: ${Object.keys(importFormats).join(', ')})`)
  const full = resolve(io.cwd, file)
  if (!existsSync(full) || !statSync(full).isFile()) throw new CliError(`${file}: no such file`)
  const format = importFormats[kind] ?? (await detectMemoryTraceFile(full, file))
  if (format === undefined)
    throw new CliError(
      `${file}: cannot tell its format from the first lines; name it: ntmm import <${namedFormats.join('|')}> ${file}`,
    )
  const kernel = createKernel({ ...options.machine, record: (options.record ?? true) && 'eager' })
  const progress = options.progress ?? noProgress
  progress.stage(`replaying ${file}`, { unit: 'lines' })
  const record = options.record ?? true
  const liveStates =
    record && options.stateEvery !== undefined
      ? new LiveStateBlocks(kernel, { every: options.stateEvery })
      : undefined
  let report: MemoryTraceReport
  try {
    report = await replayMemoryTrace(kernel, full, {
      format,
      onError: options.onError,
      // A progress report falls between two accesses: where the state blocks are taken (a report
      // every LIVE_STATE_LINES lines keeps the few events replayed after each checkpoint few).
      ...(liveStates === undefined ? {} : { progressEvery: LIVE_STATE_LINES }),
      onProgress: ({ lines }) => {
        liveStates?.boundary()
        progress.update(lines)
      },
    })
  } catch (error) {
    throw new CliError(`${file}: cannot import (${firstLine(error)})`)
  }
  const first = report.errors[0]
  if (!report.completed && first !== undefined)
    throw new CliError(
      `${file}:${first.line}: ${first.message} ('${first.text.slice(0, 60)}'; --on-error skip goes on)`,
    )
  return { kernel, report, ...(liveStates === undefined ? {} : { liveStates }) }
}

/** A short summary of an import. */
export function importLines(file: string, report: MemoryTraceReport): string[] {
  return [
    `${file}: ${report.format}, ${report.lines} lines, ${report.accesses} accesses (${report.reads} reads, ${report.writes} writes, ${report.fetches} fetches) in process ${report.pid}`,
    `addresses: ${report.policy}; ${report.blocksReserved} blocks reserved, ${report.blocksRelocated} relocated`,
    `faults: ${report.faults.total} (${report.faults.demandZero} demand-zero, ${report.faults.hard} hard, ${report.faults.soft} soft), ${report.exceptions} exceptions, ${report.malformedLines} malformed lines`,
    `TLB: ${report.tlb.data.hits} hits, ${report.tlb.data.misses} misses; peak working set ${report.peakWorkingSet} pages (${hex(report.peakWorkingSet * 4096, 0)} bytes)`,
  ]
}
