// Questions a user asks of a recorded machine's past, answered from the trace alone (the
// memory-query side of WinDbg TTD and rr's `when`): when was a page first mapped, written, paged
// out; every fault in a range; which input (system call or access) caused a frame allocation;
// the history of one page's PTE. Built on @ntmm/trace's TraceQuery (block summaries skip blocks
// that cannot match).

import { type TraceLog, TraceQuery } from '@ntmm/trace'
import type { MachineEvent } from './machineSchema.js'

const PAGE = 4096
/** Accesses longer than this are not found by `firstWritten` from a page they start before. */
const LONGEST_ACCESS = 1 << 20

const PAGE_EVENT_TYPES = [
  'mm.pageFault',
  'mm.frameRequested',
  'mm.mappingCreated',
  'mm.mappingDeleted',
  'mm.pageProtectionChanged',
  'mm.pageOut',
  'mm.pageIn',
  'mm.pageReclaimed',
] as const satisfies readonly MachineEvent['type'][]

/** One event of a page's history with the PTE writes that carried it out. */
export interface PageHistoryEntry {
  readonly seq: number
  readonly event: Readonly<MachineEvent>
  /** hw.pteWritten events with the same cause, since the previous entry. */
  readonly pteWrites: readonly number[]
}

/** What caused an event, back to the input (system call, access, process creation) that started it. */
export interface CauseReport {
  readonly seq: number
  /** The causal chain, from `seq` back to the input. */
  readonly chain: readonly number[]
  /** The input at the root of the chain. */
  readonly input: Readonly<MachineEvent>
  /** The system call in the chain, if any. */
  readonly syscall?: { readonly seq: number; readonly service: string; readonly pid: number }
}

function pageOf(address: number): number {
  return Math.floor(address / PAGE) * PAGE
}

/** Queries over a machine trace. */
export class MachineHistory {
  readonly query: TraceQuery<MachineEvent>

  constructor(readonly log: TraceLog<MachineEvent>) {
    this.query = new TraceQuery(log)
  }

  #pageMatch(pid: number, address: number, type: MachineEvent['type'] | readonly MachineEvent['type'][]) {
    const page = pageOf(address)
    return {
      type,
      address: { low: page, high: page + PAGE, field: 'address' },
      where: (event: Readonly<MachineEvent>) => (event as { readonly pid?: number }).pid === pid,
    }
  }

  /** The seq of the first mapping of `pid`'s page holding `address` (mm.mappingCreated), or undefined. */
  firstMapped(pid: number, address: number): number | undefined {
    return this.query.first(this.#pageMatch(pid, address, 'mm.mappingCreated'))
  }

  /** The seq of the first write access by `pid` touching the page holding `address`, or undefined. */
  firstWritten(pid: number, address: number): number | undefined {
    const page = pageOf(address)
    return this.query.first({
      type: 'nt.cpuAccess',
      address: { low: page - LONGEST_ACCESS, high: page + PAGE },
      where: (event) => {
        const access = event as Readonly<{ pid: number; access: number; address: number; length: number }>
        return access.pid === pid && access.access === 1 && access.address + Math.max(1, access.length) > page
      },
    })
  }

  /** Seqs at which `pid`'s page holding `address` was paged out (trimmed from the working set). */
  pagedOut(pid: number, address: number): number[] {
    return [...this.query.find(this.#pageMatch(pid, address, 'mm.pageOut'))]
  }

  /** Seqs of every page fault (mm.pageFault, with kind and status) of `pid` in [start, end). */
  faultsIn(pid: number, start: number, end: number): number[] {
    return [
      ...this.query.find({
        type: 'mm.pageFault',
        address: { low: start, high: end, field: 'address' },
        where: (event) => (event as { readonly pid?: number }).pid === pid,
      }),
    ]
  }

  /** The causal chain of `seq` back to its input, naming the system call when there is one. */
  causeOf(seq: number): CauseReport {
    const chain = this.query.causalChain(seq)
    const root = chain.at(-1) ?? seq
    let syscall: CauseReport['syscall']
    for (const link of chain) {
      const event = this.log.view(link)
      if (event?.type === 'nt.syscallEntered') {
        syscall = { seq: link, service: event.service, pid: event.pid }
        break
      }
    }
    return { seq, chain, input: this.log.at(root)!, ...(syscall ? { syscall } : {}) }
  }

  /** Which input caused the allocation of frame `pfn` last before `before` (default: the end). */
  frameAllocationCause(pfn: number, before = this.log.length): CauseReport | undefined {
    const seq = this.query.previous(
      { type: 'mm.frameRequested', where: (event) => (event as { readonly pfn?: number }).pfn === pfn },
      before,
    )
    return seq === undefined ? undefined : this.causeOf(seq)
  }

  /**
   * The history of the PTE of `pid`'s page holding `address`: every fault, mapping, protection
   * change, page-out and page-in of the page, each with the PTE writes that carried it out.
   */
  pageHistory(pid: number, address: number): PageHistoryEntry[] {
    const entries: PageHistoryEntry[] = []
    let previous = -1
    for (const seq of this.query.find(this.#pageMatch(pid, address, PAGE_EVENT_TYPES))) {
      const cause = this.log.causeOf(seq)
      const pteWrites: number[] = []
      if (cause !== undefined) {
        for (let at = Math.max(previous + 1, cause + 1); at < seq; at++) {
          if (this.log.causeOf(at) === cause && this.log.typeAt(at) === 'hw.pteWritten') pteWrites.push(at)
        }
      }
      entries.push({ seq, event: this.log.at(seq)!, pteWrites })
      previous = seq
    }
    return entries
  }
}
