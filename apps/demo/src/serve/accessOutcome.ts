// What the next memory access of the trace does, for the explorer's predict-then-reveal mode: the
// access (an `nt.cpuAccess` input after the current event), whether it trapped (`hw.pageFault`)
// and how the memory manager resolved it (mm.pageFault's kind), the frame it was given
// (mm.mappingCreated, or mm.pageIn / mm.pageReclaimed), the pages that lost their place on the way,
// and the last event of the access, where the reveal lands. The answer is read from the events the
// kernel recorded while it ran the access, so it is what the kernel did under every policy: the
// textbook policies' victims (mm.pageOut), and under 'nt' the pages trimmed from a working set
// (mm.workingSetTrimmed, mm.pageTableTrimmed: local replacement at the maximum, or a balance-set
// tick the access brought on) and the standby or modified pages whose frame was repurposed for
// the access (mm.frameRequested taking a frame off those lists).

import type { Kernel } from '@ntmm/nt-syscalls'
import { eventLine } from '../describeEvent.js'
import type { ExplorerOutcome, ExplorerVictim } from './explorerApi.js'

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

/** Inputs end an access: the next one starts a new story. */
const inputs = new Set([
  'nt.cpuAccess',
  'nt.syscallEntered',
  'nt.processCreated',
  'nt.processTerminated',
  'nt.debugInput',
])

/** The events that take a page out of a working set or its frame away. */
const victimTypes = new Set([
  'mm.pageOut',
  'mm.workingSetTrimmed',
  'mm.pageTableTrimmed',
  'mm.frameRequested',
])

/** The page an event took out of a working set, or whose frame it took; undefined for any other event. */
export function victimOf(event: AnyEvent): ExplorerVictim | undefined {
  const pfn = Number(event.pfn)
  switch (event.type) {
    case 'mm.pageOut':
      return {
        pid: Number(event.pid),
        address: Number(event.address),
        pfn,
        how: 'paged out',
        to: String(event.outcome),
      }
    case 'mm.workingSetTrimmed':
    case 'mm.pageTableTrimmed':
      return {
        pid: Number(event.pid),
        address: Number(event.address),
        pfn,
        how: event.type === 'mm.workingSetTrimmed' ? 'trimmed' : 'page table trimmed',
        reason: String(event.reason),
        to: String(event.outcome),
      }
    case 'mm.frameRequested': {
      // A frame off standby or modified: the page it held (its owner) loses it.
      const before = event.before as {
        state: string
        ownerPid: number
        ownerAddress: number
        segmentId?: number
      }
      if (before.state !== 'STANDBY' && before.state !== 'MODIFIED') return undefined
      return {
        pid: before.ownerPid,
        address: before.ownerAddress,
        pfn,
        how: 'repurposed',
        from: before.state === 'STANDBY' ? 'standby' : 'modified',
        to: 'page file',
        ...(before.segmentId !== undefined ? { segment: before.segmentId } : {}),
      }
    }
    default:
      return undefined
  }
}

/** Events of one access scanned at most (a fault with page-outs is a few hundred). */
const scanLimit = 20_000

/** The next access after `seq` and what it did; null access when there is none. */
export function nextAccessOutcome(kernel: Kernel, seq: number): ExplorerOutcome {
  const log = kernel.trace!
  const start = kernel.history.query.next({ type: 'nt.cpuAccess' }, Math.max(0, seq + 1))
  if (start === undefined)
    return { access: null, fault: false, kind: null, frame: null, victims: [], end: seq }
  const access = log.at(start) as AnyEvent
  let fault = false
  let kind: string | null = null
  let frame: number | null = null
  const victims: ExplorerVictim[] = []
  let end = start
  for (let at = start + 1; at < log.length && at <= start + scanLimit; at++) {
    const type = log.typeAt(at) ?? ''
    if (inputs.has(type)) break
    end = at
    if (type === 'hw.pageFault') fault = true
    else if (type === 'mm.pageFault') kind ??= String((log.at(at) as AnyEvent).kind)
    else if (type === 'mm.mappingCreated' || type === 'mm.pageIn' || type === 'mm.pageReclaimed') {
      const event = log.at(at) as AnyEvent
      if (
        event.address !== undefined &&
        Math.floor(Number(event.address) / 4096) === Math.floor(Number(access.address) / 4096)
      )
        frame = Number(event.pfn)
    } else if (victimTypes.has(type)) {
      const victim = victimOf(log.at(at) as AnyEvent)
      if (victim !== undefined) victims.push(victim)
    }
  }
  return {
    access: { seq: start, pid: Number(access.pid), address: Number(access.address), text: eventLine(access) },
    fault,
    kind,
    frame,
    victims,
    end,
  }
}
