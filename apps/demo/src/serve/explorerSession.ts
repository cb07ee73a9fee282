// The explorer's model of one loaded trace: every answer of the local server (`ntmm serve`)
// computed from a recording Kernel with the same code the command line uses — `kernel.at(seq)` for
// the machine right after an event, the CLI's views (address map, regions, !vad, !pte, TLB, PFN,
// handles, stats) for its state, @ntmm/trace's TraceQuery for the event list and searches, and
// `kernel.history` for causal chains. So the page shows exactly what `ntmm inspect --json` prints.

import type { Kernel } from '@ntmm/nt-syscalls'
import { eventLine } from '../describeEvent.js'
import { nextAccessOutcome } from './accessOutcome.js'
import { compileFilter, type ExplorerFilter } from './compileFilter.js'
import { listFlowAt } from './listFlow.js'
import { workingSetSeries } from './workingSetSeries.js'
import { PolicySweep } from './policySweep.js'
import { areaTree, frameGrid } from './stateViews.js'
import { changesOf, focusOf, inputFocus, stepOf } from './stepChanges.js'
import { addressLimit, decodeSoftware, entrySize, type PagingModeName, splitAddress } from './pteDecode.js'
import { handlesView } from '../views/handlesView.js'
import { livePids, type MachineLike, processName } from '../views/machineLike.js'
import { queryRegions } from '../views/memoryMap.js'
import { pteView } from '../views/pteView.js'
import { regionsView } from '../views/regionsView.js'
import { statistics } from '../views/statsView.js'
import type {
  AreaInfo,
  EventRow,
  EventFocus,
  ExplorerDensity,
  ExplorerEvents,
  ExplorerFind,
  ExplorerLists,
  ExplorerMeta,
  ExplorerOutcome,
  ExplorerSeries,
  ExplorerState,
  ExplorerStep,
  ExplorerSweep,
  ExplorerWalk,
  ExplorerWhy,
  ExplorerWorkingSets,
  HandleInfo,
  TlbActivity,
  WalkLevel,
} from './explorerApi.js'

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

export type { ExplorerFilter }

/** The inputs of a trace: every other event is caused by one of them. */
const inputTypes = [
  'nt.cpuAccess',
  'nt.syscallEntered',
  'nt.processCreated',
  'nt.processTerminated',
  'nt.debugInput',
]

/** At most this many events are scanned for the TLB activity of one access. */
const accessScanLimit = 512

/** A loaded trace and the answers about it; views at recent seqs are cached. */
export class ExplorerSession {
  readonly kernel: Kernel
  readonly source: string
  readonly length: number
  readonly #views = new Map<number, Kernel>()
  #series: ExplorerSeries | undefined
  #density: ExplorerDensity | undefined
  #sweep: PolicySweep | undefined
  #workingSets: ExplorerWorkingSets | undefined

  constructor(kernel: Kernel, source: string) {
    if (kernel.trace === undefined)
      throw new TypeError('ExplorerSession needs a recording kernel (createKernel({ record: true }))')
    this.kernel = kernel
    this.source = source
    this.length = kernel.trace.length
  }

  /** The read-only machine right after `seq` (clamped to -1..length-1). */
  machineAt(seq: number): Kernel {
    const at = this.clamp(seq)
    const cached = this.#views.get(at)
    if (cached !== undefined) return cached
    const view = this.kernel.at(at)
    if (this.#views.size >= 8) this.#views.delete(this.#views.keys().next().value as number)
    this.#views.set(at, view)
    return view
  }

  /** `seq` within -1..length-1. */
  clamp(seq: number): number {
    if (!Number.isFinite(seq)) return this.length - 1
    return Math.max(-1, Math.min(this.length - 1, Math.trunc(seq)))
  }

  meta(): ExplorerMeta {
    const config = this.kernel.config
    return {
      source: this.source,
      length: this.length,
      arch: config.arch,
      physicalMemory: config.physicalMemory,
      pageFile: config.pageFile,
      replacementPolicy: config.replacementPolicy,
      processes: this.kernel
        .processes()
        .map(({ pid, name }) => ({ pid, name }))
        .sort((a, b) => a.pid - b.pid),
      countByType: this.kernel.history.query.countByType() as Record<string, number>,
    }
  }

  /** One event as a row of the event list. */
  row(seq: number): EventRow {
    const log = this.kernel.trace!
    const event = log.at(seq) as AnyEvent
    const cause = log.causeOf(seq)
    return {
      seq,
      type: event.type,
      cause: cause === undefined || cause < 0 ? null : cause,
      text: eventLine(event),
      pid: typeof event.pid === 'number' ? event.pid : null,
    }
  }

  state(seq: number, pid?: number): ExplorerState {
    const at = this.clamp(seq)
    const machine = this.machineAt(at)
    const live = spacePids(machine)
    const mmu = machine.mm.mmu
    const dataTlb = mmu.state.tlbs[0]
    const statisticsNow = mmu.statistics().data
    const activity = this.tlbActivity(at, dataTlb.ways)
    const event = at < 0 ? undefined : (this.kernel.trace!.at(at) as AnyEvent)
    const focus = focusOf(event, this.#inputFocus(at))
    // Without a pid asked for, the views follow the process the current event is about.
    const wanted = pid ?? focus.pid ?? undefined
    const chosen = wanted !== undefined && live.includes(wanted) ? wanted : (live[0] ?? null)
    const processes = live.map((id) => ({ pid: id, name: processName(machine, id) }))
    const stale = staleEntries(mmu)
    return {
      seq: at,
      event: at < 0 ? null : this.row(at),
      processes,
      pid: chosen,
      regions: chosen === null ? [] : queryRegions(machine, chosen),
      areas:
        chosen === null
          ? []
          : ((regionsView(machine, { pid: chosen }).json as { areas: AreaInfo[] }).areas ?? []),
      tree: chosen === null ? { size: 0, height: 0, root: null } : areaTree(machine, chosen),
      tlb: {
        sets: dataTlb.sets,
        ways: dataTlb.ways,
        cr3: mmu.cr3,
        entries: mmu.tlbEntries('data').map((entry) => ({
          set: entry.set,
          way: entry.way,
          virtualAddress: entry.virtualAddress,
          physicalAddress: entry.physicalAddress,
          writable: entry.writable,
          user: entry.user,
          executable: entry.executable,
          dirty: entry.dirty,
          global: entry.global,
          age: entry.age,
          stale: stale.has(`${entry.set}:${entry.way}`),
        })),
        statistics: {
          lookups: statisticsNow.lookups,
          hits: statisticsNow.hits,
          misses: statisticsNow.misses,
        },
        activity,
      },
      frames: frameGrid(machine),
      handles:
        chosen === null
          ? []
          : (handlesView(machine, { pid: chosen }).json as { handles: HandleInfo[] }).handles,
      stats: { mm: { ...statistics(machine).mm } },
      focus,
      changes: changesOf(event),
    }
  }

  /** The machine right before and right after `seq`, at the address the event is about. */
  step(seq: number): ExplorerStep {
    const at = this.clamp(seq)
    if (at < 0) return { seq: at, focus: { pid: null, address: null }, before: null, after: null }
    const focus = focusOf(this.kernel.trace!.at(at) as AnyEvent, this.#inputFocus(at))
    return stepOf(at, this.machineAt(at - 1), this.machineAt(at), focus)
  }

  /** The PFN lists right after `seq` and the moves of its step (the `lists` view and listFlow.ts). */
  lists(seq: number): ExplorerLists {
    const at = this.clamp(seq)
    return listFlowAt(this.kernel, this.machineAt(at), at)
  }

  /** Each process's working set and the lists over the trace (computed once). */
  workingSets(): ExplorerWorkingSets {
    this.#workingSets ??= workingSetSeries(this.kernel)
    return this.#workingSets
  }

  /** The next memory access after `seq` and what it did (predict mode). */
  outcome(seq: number): ExplorerOutcome {
    return nextAccessOutcome(this.kernel, this.clamp(seq))
  }

  /** What the input `seq` belongs to is about (the last input at or before it). */
  #inputFocus(seq: number): EventFocus | null {
    const input = this.kernel.history.query.previous({ type: inputTypes } as never, seq + 1)
    return inputFocus(input === undefined ? undefined : (this.kernel.trace!.at(input) as AnyEvent))
  }

  /** The replacement policies compared on this trace's accesses (started on the first call). */
  sweep(): ExplorerSweep {
    this.#sweep ??= new PolicySweep(this.kernel)
    return this.#sweep.status()
  }

  /** The data-TLB hits, misses and fills of the access `seq` belongs to (or the last one before it). */
  tlbActivity(seq: number, ways: number): TlbActivity {
    const log = this.kernel.trace!
    const query = this.kernel.history.query
    const empty = { access: null, hits: [], misses: [], fills: [] }
    if (seq < 0) return empty
    const start = query.previous({ type: 'nt.cpuAccess' }, seq + 1)
    if (start === undefined) return empty
    const access = log.at(start) as AnyEvent
    const hits: { seq: number; set: number; way: number }[] = []
    const misses: { seq: number }[] = []
    const fills: { seq: number; set: number; way: number }[] = []
    // A first lookup that hit may be stored inside the access (`tlbHit`: level × 2^24 + set × ways + way).
    const merged = typeof access.tlbHit === 'number' ? access.tlbHit : -1
    if (merged >= 0 && Math.floor(merged / 2 ** 24) === 0) {
      const index = merged % 2 ** 24
      hits.push({ seq: start, set: Math.floor(index / ways), way: index % ways })
    }
    // The access runs until the next input; show what it did up to the current event.
    const end = Math.min(seq, start + accessScanLimit)
    for (let at = start + 1; at <= end; at++) {
      const type = log.typeAt(at)
      if (type === 'nt.cpuAccess' || type === 'nt.syscallEntered' || type === 'nt.processCreated') break
      if (type !== 'hw.tlbHit' && type !== 'hw.tlbMiss' && type !== 'hw.tlbFill') continue
      const event = log.at(at) as AnyEvent
      if (event.tlb !== 0) continue
      if (type === 'hw.tlbMiss') misses.push({ seq: at })
      else
        (type === 'hw.tlbHit' ? hits : fills).push({
          seq: at,
          set: event.set as number,
          way: event.way as number,
        })
    }
    return {
      access: { seq: start, pid: access.pid as number, address: access.address as number },
      hits,
      misses,
      fills,
    }
  }

  /** The page walk for `va` in `pid` at `seq` (the `pte` view, every bit decoded). */
  walk(seq: number, pid: number | undefined, va: number): ExplorerWalk | { error: string } {
    const at = this.clamp(seq)
    const machine = this.machineAt(at)
    const mode = machine.mm.mmu.pageTables.mode as PagingModeName
    if (!Number.isSafeInteger(va) || va < 0 || va >= addressLimit(mode))
      return {
        error: `va=${va}: out of range (${mode} addresses are integers in [0, 0x${addressLimit(mode).toString(16)}))`,
      }
    const live = spacePids(machine)
    const chosen = pid !== undefined && live.includes(pid) ? pid : live[0]
    if (chosen === undefined) return { error: `no process has an address space right after event ${at}` }
    const json = pteView(machine, { pid: chosen, va }).json as Omit<
      ExplorerWalk,
      'seq' | 'cr3' | 'levels' | 'mode' | 'parts'
    > & {
      levels: Omit<WalkLevel, 'decoded' | 'hardwareBits' | 'software' | 'tableBase' | 'index' | 'entrySize'>[]
    }
    const space = machine.mm.addressSpace(chosen)!
    const top = json.levels.length
    const levelNumbers = { PML4E: 4, PDPTE: 3, PDE: 2, PTE: 1 } as Record<string, number>
    const parts = splitAddress(va, mode)
    const size = entrySize(mode)
    // PAE's CR3 points at the 32-byte-aligned PDPT; the other modes' at a page.
    let tableBase = mode === 'x86-pae' ? space.cr3 - (space.cr3 % 32) : space.cr3 - (space.cr3 % 4096)
    const levels = json.levels.map((level, index) => {
      const read = machine.mm.mmu.pageTables.readEntry(space.cr3, va, levelNumbers[level.name] ?? top - index)
      const decoded: Record<string, boolean | number | string> = {}
      if (read.ok) for (const [key, value] of Object.entries(read.decoded)) decoded[key] = value
      const walked = {
        ...level,
        decoded,
        hardwareBits: level.present ? level.bits : [],
        software: level.present ? null : decodeSoftware(level.low),
        tableBase,
        index: parts[index]?.value ?? 0,
        entrySize: size,
      }
      tableBase = level.pfn * 4096
      return walked
    })
    return { ...json, seq: at, cr3: space.cr3, mode, parts, levels }
  }

  /** The matching events around `seq`: up to `before` earlier ones and `after` from `seq` on. */
  events(seq: number, filter: ExplorerFilter, before: number, after: number): ExplorerEvents {
    const query = this.kernel.history.query
    const match = compileFilter(filter)
    const at = Math.max(0, this.clamp(seq))
    const earlier: number[] = []
    let cursor = query.previous(match, at)
    while (cursor !== undefined && earlier.length < before) {
      earlier.push(cursor)
      cursor = query.previous(match, cursor)
    }
    const moreBefore = cursor !== undefined
    const later: number[] = []
    cursor = query.next(match, at)
    while (cursor !== undefined && later.length < after) {
      later.push(cursor)
      cursor = query.next(match, cursor + 1)
    }
    return {
      events: [...earlier.reverse(), ...later].map((event) => this.row(event)),
      moreBefore,
      moreAfter: cursor !== undefined,
    }
  }

  /** The first matching event after `seq` (or the last one before it). */
  find(seq: number, direction: 'next' | 'previous', filter: ExplorerFilter): ExplorerFind {
    const query = this.kernel.history.query
    const match = compileFilter(filter)
    const found =
      direction === 'next' ? query.next(match, this.clamp(seq) + 1) : query.previous(match, this.clamp(seq))
    return { seq: found ?? null }
  }

  /** The causal chain of `seq` back to its input, the system call in it and its direct effects. */
  why(seq: number): ExplorerWhy {
    const at = Math.max(0, this.clamp(seq))
    const report = this.kernel.history.causeOf(at)
    const effects = this.kernel.history.query.effectsOf(at)
    return {
      seq: at,
      chain: report.chain.map((link) => this.row(link)),
      syscall:
        report.syscall === undefined
          ? null
          : { seq: report.syscall.seq, pid: report.syscall.pid, service: report.syscall.service },
      effects: effects.slice(0, 50).map((effect) => this.row(effect)),
      effectCount: effects.length,
    }
  }

  /** Page faults and system calls per slice of the trace, for the timeline's strip (computed once). */
  density(bins = 400): ExplorerDensity {
    if (this.#density !== undefined) return this.#density
    const query = this.kernel.history.query
    const count = Math.max(1, Math.min(bins, this.length))
    const faults: number[] = []
    const syscalls: number[] = []
    for (let bin = 0; bin < count; bin++) {
      const window = {
        from: Math.floor((bin * this.length) / count),
        to: Math.floor(((bin + 1) * this.length) / count),
      }
      const counts = query.countByType(window) as Record<string, number>
      faults.push(counts['mm.pageFault'] ?? 0)
      syscalls.push(counts['nt.syscallEntered'] ?? 0)
    }
    this.#density = { bins: count, faults, syscalls }
    return this.#density
  }

  /** Counters sampled at up to `samples` evenly spaced seqs (computed once). */
  series(samples = 240): ExplorerSeries {
    if (this.#series !== undefined) return this.#series
    const count = Math.max(1, Math.min(samples, this.length + 1))
    const seqs: number[] = []
    for (let index = 0; index < count; index++) {
      const seq = count === 1 ? this.length - 1 : Math.round(-1 + (index * this.length) / (count - 1))
      if (seqs.at(-1) !== seq) seqs.push(seq)
    }
    const out = {
      seqs,
      demandZeroFaults: [] as number[],
      hardFaults: [] as number[],
      softFaults: [] as number[],
      guardPageFaults: [] as number[],
      accessViolations: [] as number[],
      tlbHitRate: [] as (number | null)[],
      commitCharge: [] as number[],
      workingSetPages: [] as number[],
    }
    let previous = { hits: 0, lookups: 0 }
    for (const seq of seqs) {
      const machine = this.kernel.at(seq)
      const mm = machine.mm.counters
      const tlb = machine.mm.mmu.statistics().data
      out.demandZeroFaults.push(mm.demandZeroFaults)
      out.hardFaults.push(mm.hardFaults)
      out.softFaults.push(mm.softFaults)
      out.guardPageFaults.push(mm.guardPageFaults)
      out.accessViolations.push(mm.accessViolations)
      out.commitCharge.push(mm.commitCharge)
      out.workingSetPages.push(mm.workingSetPages)
      const lookups = tlb.lookups - previous.lookups
      out.tlbHitRate.push(lookups <= 0 ? null : (tlb.hits - previous.hits) / lookups)
      previous = { hits: tlb.hits, lookups: tlb.lookups }
    }
    this.#series = out
    return out
  }
}

/** The data-TLB cells whose translation no longer matches the page tables (`set:way`). */
function staleEntries(mmu: MachineLike['mm']['mmu']): Set<string> {
  const stale = new Set<string>()
  for (const entry of mmu.tlbEntries('data'))
    for (const cached of mmu.probe(entry.virtualAddress, { access: 'read', mode: 'user' }).tlb)
      if (cached.stale && cached.tlb === 'data') stale.add(`${cached.set}:${cached.way}`)
  return stale
}

/** The processes alive with an address space (a process being created has none yet), ascending. */
function spacePids(machine: MachineLike): number[] {
  return livePids(machine).filter((pid) => machine.mm.addressSpace(pid) !== undefined)
}
