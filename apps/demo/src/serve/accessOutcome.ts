// What the next memory access of the trace does, for the explorer's predict-then-reveal mode: the
// access (an `nt.cpuAccess` input after the current event), whether it trapped (`hw.pageFault`)
// and how the memory manager resolved it (mm.pageFault's kind), the frame it was given
// (mm.mappingCreated, or mm.pageIn / mm.pageReclaimed), the pages trimmed to make room (mm.pageOut:
// the replacement policy's victims), and the last event of the access, where the reveal lands.

import type { Kernel } from '@ntmm/nt-syscalls'
import { eventLine } from '../describeEvent.js'
import type { ExplorerOutcome } from './explorerApi.js'

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

/** Inputs end an access: the next one starts a new story. */
const inputs = new Set([
  'nt.cpuAccess',
  'nt.syscallEntered',
  'nt.processCreated',
  'nt.processTerminated',
  'nt.debugInput',
])

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
  const victims: { pid: number; address: number; pfn: number }[] = []
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
    } else if (type === 'mm.pageOut') {
      const event = log.at(at) as AnyEvent
      victims.push({ pid: Number(event.pid), address: Number(event.address), pfn: Number(event.pfn) })
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
