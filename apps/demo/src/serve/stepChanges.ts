// What one event of the trace is about and what it changed, for the explorer's "follow the current
// event" and its highlights: the process and virtual address it concerns (its own, or the memory
// access it belongs to), the frames, TLB cells, MEMORY_AREAs, MM_REGION ranges, handles and
// page-table entries it touched; and the step's before/after of the PTE, the TLB set and the frame
// of that address (the machine right before the event, `kernel.at(seq - 1)`, beside the one after).

import type { MachineLike } from '../views/machineLike.js'
import type { EventChanges, EventFocus, ExplorerStep, StepSide } from './explorerApi.js'
import { decodeSoftware, type PagingModeName } from './pteDecode.js'

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

const number = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined

/** What `event` touched (empty lists for an event that changes none of these). */
export function changesOf(event: AnyEvent | undefined): EventChanges {
  const changes = {
    pfns: [] as number[],
    tlb: [] as { set: number; way: number }[],
    areas: [] as number[],
    regions: [] as { start: number; length: number }[],
    handles: [] as number[],
    entries: [] as number[],
  }
  if (event === undefined) return changes
  const pfn = number(event.pfn)
  if (pfn !== undefined) changes.pfns.push(pfn)
  switch (event.type) {
    case 'hw.tlbHit':
    case 'hw.tlbFill':
    case 'hw.tlbEvict':
      if (event.tlb === 0) changes.tlb.push({ set: event.set as number, way: event.way as number })
      break
    case 'hw.tlbFlush':
      if (event.tlb === 0 && Array.isArray(event.removed))
        for (const entry of event.removed as { set: number; way: number }[])
          changes.tlb.push({ set: entry.set, way: entry.way })
      break
    case 'mm.areaInserted':
    case 'mm.areaRemoved':
      changes.areas.push((event.area as { startingAddress: number }).startingAddress)
      break
    case 'mm.areaDeleteInProgress':
      changes.areas.push(event.startingAddress as number)
      break
    case 'mm.regionsAltered':
      changes.areas.push(event.areaStart as number)
      changes.regions.push({ start: event.start as number, length: event.length as number })
      break
    case 'nt.handleCreated':
    case 'nt.handleClosed':
      changes.handles.push(event.handle as number)
      break
    case 'hw.pteWritten':
    case 'hw.accessedDirtySet':
      changes.entries.push(event.address as number)
      break
  }
  return changes
}

/**
 * The process and virtual address an event is about: its own virtual address (an access, a fault,
 * a mapping, the MEMORY_AREA or MM_REGION range it changed), else those of the input it belongs to
 * (`input`: the memory access, or the system call and its base address).
 */
export function focusOf(event: AnyEvent | undefined, input: EventFocus | null): EventFocus {
  if (event === undefined) return { pid: null, address: null }
  const pid = number(event.pid) ?? input?.pid ?? null
  // hw.* entry and physical writes carry physical addresses: not a virtual address to walk.
  const physical = ['hw.pteWritten', 'hw.accessedDirtySet', 'hw.physicalWrite', 'hw.physicalBytesWritten']
  const own =
    event.type === 'mm.areaInserted' || event.type === 'mm.areaRemoved'
      ? number((event.area as { startingAddress?: unknown } | undefined)?.startingAddress)
      : event.type === 'mm.regionsAltered'
        ? number(event.start)
        : event.type === 'mm.areaDeleteInProgress'
          ? number(event.startingAddress)
          : physical.includes(event.type)
            ? undefined
            : number(event.address)
  if (own !== undefined) return { pid, address: own }
  return { pid, address: input?.address ?? null }
}

/** What an input (an access, a system call, a process creation, a debugger call) is about. */
export function inputFocus(input: AnyEvent | undefined): EventFocus | null {
  if (input === undefined) return null
  const pid = number(input.pid) ?? null
  if (input.type === 'nt.syscallEntered') {
    const base = number((input.arguments as { baseAddress?: unknown } | undefined)?.baseAddress)
    return { pid, address: base === undefined || base === 0 ? null : base }
  }
  return { pid, address: number(input.address) ?? null }
}

/** One side of a step: the PTE of `va` in `pid`, the data-TLB set it maps to and its frame. */
function sideOf(machine: MachineLike, pid: number, va: number): StepSide {
  const space = machine.mm.addressSpace(pid)
  const mmu = machine.mm.mmu
  const dataTlb = mmu.state.tlbs[0]
  const set = Math.floor(va / 4096) % dataTlb.sets
  const tlbSet = mmu
    .tlbEntries('data')
    .filter((entry) => entry.set === set)
    .map((entry) => ({
      way: entry.way,
      virtualAddress: entry.virtualAddress,
      physicalAddress: entry.physicalAddress,
    }))
  if (space === undefined) return { pte: null, tlbSet, set, frame: null }
  const entry = mmu.pageTables.readEntry(space.cr3, va, 1)
  const mode = mmu.pageTables.mode as PagingModeName
  if (!entry.ok) return { pte: null, tlbSet, set, frame: null }
  const present = entry.decoded.present
  const pfn = present ? entry.decoded.pfn : (decodeSoftware(entry.low).pfn ?? null)
  const database = machine.mm.pfnDatabase
  const frame =
    pfn === null || pfn >= database.frameCount
      ? null
      : (({ pfn: number, state, ownerPid, ownerAddress, pageFileSlot, modified }) => ({
          pfn: number,
          state,
          ownerPid,
          ownerAddress,
          pageFileSlot,
          modified,
        }))(database.entry(pfn))
  return {
    pte: {
      entryAddress: entry.address,
      low: entry.low,
      high: entry.high,
      present,
      reading: present ? `valid, PFN 0x${(pfn ?? 0).toString(16)}` : decodeSoftware(entry.low).meaning,
      mode,
    },
    tlbSet,
    set,
    frame,
  }
}

/** The before/after of the step to `seq` for the address the event is about. */
export function stepOf(
  seq: number,
  before: MachineLike,
  after: MachineLike,
  focus: EventFocus,
): ExplorerStep {
  if (focus.pid === null || focus.address === null) return { seq, focus, before: null, after: null }
  return {
    seq,
    focus,
    before: sideOf(before, focus.pid, focus.address),
    after: sideOf(after, focus.pid, focus.address),
  }
}
