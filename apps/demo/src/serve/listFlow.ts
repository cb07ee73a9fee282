// The explorer's PFN-list panel (docs/explorer.md, "PFN lists"): the lists right after an event, as
// `ntmm inspect <trace> lists` reports them, and the flow between them during the step the event
// belongs to: every frame an event of that step moved from one list to another (its `before` and
// `after` PFN records), named as Windows names the transition — trimmed from a working set (with
// the trim's reason), written by the modified page writer, a soft (transition) fault, repurposed
// from standby, zeroed by the zero page thread, released. A step is an input (a memory access, a
// system call, a balance-set tick: an event with no cause) and every event it caused.

import type { Kernel } from '@ntmm/nt-syscalls'
import { pfnListsReport } from '../views/listsView.js'
import type { MachineLike } from '../views/machineLike.js'
import type { ExplorerLists, FrameListName, ListMove } from './explorerApi.js'

/** At most this many events of one step are read (a tick that trims and writes hundreds of pages fits). */
const STEP_SCAN_LIMIT = 20000
/** At most this many moves are listed (the summary counts them all). */
const MOVES_LISTED = 500

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>
type FrameRecord = { readonly state: FrameListName; readonly ownerPid: number }

/** The lists right after `seq` on `machine` (= kernel.at(seq)) and the moves of `seq`'s step. */
export function listFlowAt(kernel: Kernel, machine: MachineLike, seq: number): ExplorerLists {
  const report = pfnListsReport(machine)
  const log = kernel.trace!
  if (seq < 0) return { seq, report, step: null, moves: [], summary: [] }
  const causeOf = (at: number) => {
    const cause = log.causeOf(at)
    return cause === undefined || cause < 0 || cause === at ? undefined : cause
  }
  let input = seq
  for (let cause = causeOf(input); cause !== undefined; cause = causeOf(input)) input = cause
  let last = input
  while (last + 1 < log.length && last + 1 - input < STEP_SCAN_LIMIT && causeOf(last + 1) !== undefined)
    last++
  const truncated = last + 1 < log.length && causeOf(last + 1) !== undefined
  const moves: ListMove[] = []
  const counts = new Map<string, { from: FrameListName; to: FrameListName; label: string; pages: number }>()
  for (let at = input; at <= last; at++) {
    const event = log.at(at) as AnyEvent
    const move = moveOf(at, event)
    if (move === undefined) continue
    if (moves.length < MOVES_LISTED) moves.push(move)
    const key = `${move.from}>${move.to}>${move.label}`
    const entry = counts.get(key) ?? { from: move.from, to: move.to, label: move.label, pages: 0 }
    entry.pages++
    counts.set(key, entry)
  }
  return { seq, report, step: { input, last, truncated }, moves, summary: [...counts.values()] }
}

/** The list move an event made, or undefined (no PFN records, or the frame stayed where it was). */
export function moveOf(seq: number, event: AnyEvent): ListMove | undefined {
  const before = event.before as FrameRecord | undefined
  const after = event.after as FrameRecord | undefined
  if (before === undefined || after === undefined || typeof before !== 'object' || typeof after !== 'object')
    return undefined
  if (before.state === after.state) return undefined
  const pid = after.ownerPid >= 0 ? after.ownerPid : before.ownerPid
  return {
    seq,
    type: event.type,
    pfn: event.pfn as number,
    pid,
    from: before.state,
    to: after.state,
    label: labelOf(event, before.state),
  }
}

function labelOf(event: AnyEvent, from: FrameListName): string {
  switch (event.type) {
    case 'mm.workingSetTrimmed':
      return `trimmed (${event.reason as string})`
    case 'mm.pageTableTrimmed':
      return `page table trimmed (${event.reason as string})`
    case 'mm.pageTableIn':
      return `page table back (${event.resolution as string})`
    case 'mm.pageOut':
    case 'mm.sharedPageOut':
      return 'trimmed'
    case 'mm.pageWritten':
      return 'written to the page file'
    case 'mm.mappedPageWritten':
      return 'written to its file'
    case 'mm.pageReclaimed':
      return 'soft fault'
    case 'mm.pageZeroed':
      return 'zeroed'
    case 'mm.frameReleased':
      return 'released'
    case 'mm.frameRequested':
      return from === 'STANDBY' || from === 'MODIFIED' ? 'repurposed' : 'allocated'
    default:
      return event.type.slice(event.type.indexOf('.') + 1)
  }
}
