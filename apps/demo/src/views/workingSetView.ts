// The `ws` view, as Process Explorer's and VMMap's working-set columns show it: every process's
// working set (size, peak, minimum and maximum, QUOTA_LIMITS_HARDWS_* hard limits, page priority,
// locked pages, VM_COUNTERS.PageFaultCount and, from a recorded trace, the faults by kind), then the
// working-set list of one process (`--pid`, default the first) oldest first, as QueryWorkingSet(Ex)
// reads it: VPN, frame, the working-set manager's age, locked, dirty, shared, the page-file slot a
// clean page keeps. Per-process working sets are the 'nt' policy's; under another policy the view
// says which columns do not exist there and shows what does (resident pages per process).

import {
  type MemoryManager,
  QUOTA_LIMITS_HARDWS_MAX_ENABLE,
  QUOTA_LIMITS_HARDWS_MIN_ENABLE,
} from '@ntmm/mm-core'
import { hex, table } from '../format.js'
import { faultKindsLabel } from './faultKinds.js'
import {
  choosePid,
  livePids,
  type MachineLike,
  processName,
  type RenderedView,
  type ViewOptions,
} from './machineLike.js'
import { frameMappings } from './sectionInspection.js'

const PAGE = 4096

/** One entry of a working-set list as the view prints it. */
export interface WorkingSetRow {
  readonly address: number
  readonly vpn: number
  readonly pfn: number
  /** 0-3 under 'nt'; null for a shared (section) frame or another policy. */
  readonly age: number | null
  readonly priority: number | null
  readonly locked: boolean
  /** The PTE's dirty bit or MMPFN.Modified. */
  readonly dirty: boolean
  /** The share count of a section page's frame (the processes mapping it), 0 for a private page. */
  readonly shareCount: number
  readonly pageFileSlot: number
}

/** A page table in a working set ('nt'): the range it maps, its frame and age. */
export interface PageTableRow {
  readonly maps: number
  readonly mapsEnd: number
  readonly pfn: number
  readonly age: number
}

/** The page tables of `pid`'s working set ('nt', NT-PAGING.md §3.8), in address order. */
export function pageTableRows(machine: MachineLike, pid: number): PageTableRow[] {
  return (machine.mm.workingSetEntries(pid) ?? []).flatMap((entry) =>
    entry.pageTable === undefined
      ? []
      : [{ maps: entry.pageTable.maps, mapsEnd: entry.pageTable.mapsEnd, pfn: entry.pfn, age: entry.age }],
  )
}

/** The policy a machine's memory manager runs. */
export function policyOf(machine: MachineLike): MemoryManager['replacementPolicy'] {
  return machine.mm.replacementPolicy
}

/** The working-set list of `pid`: its private pages oldest first, then the section pages it maps. */
export function workingSetRows(machine: MachineLike, pid: number): WorkingSetRow[] {
  const mm = machine.mm
  const nt = policyOf(machine) === 'nt'
  const space = mm.addressSpace(pid)
  const dirtyBit = (address: number) => {
    if (space === undefined) return false
    const entry = mm.mmu.pageTables.readEntry(space.cr3, address, 1)
    return entry.ok && entry.decoded.present && entry.decoded.dirty
  }
  const rows: WorkingSetRow[] = (mm.workingSetEntries(pid) ?? [])
    .filter((entry) => entry.pageTable === undefined)
    .map((entry) => ({
      address: entry.address,
      vpn: Math.floor(entry.address / PAGE),
      pfn: entry.pfn,
      age: nt ? entry.age : null,
      priority: nt ? entry.priority : null,
      locked: entry.locked,
      dirty: entry.modified || dirtyBit(entry.address),
      shareCount: 0,
      pageFileSlot: entry.pageFileSlot,
    }))
  const database = mm.pfnDatabase
  const shared: WorkingSetRow[] = []
  for (const pfn of database.framesOn('ACTIVE')) {
    const frame = database.entry(pfn)
    if (frame.segment === undefined) continue
    const mapping = frameMappings(machine, frame.segment.id, frame.segment.offset / PAGE, pfn).find(
      (candidate) => candidate.pid === pid,
    )
    if (mapping === undefined) continue
    shared.push({
      address: mapping.address,
      vpn: Math.floor(mapping.address / PAGE),
      pfn,
      age: null,
      priority: null,
      locked: false,
      dirty: frame.modified || dirtyBit(mapping.address),
      shareCount: frame.segment.shareCount,
      pageFileSlot: frame.pageFileSlot,
    })
  }
  return [...rows, ...shared.sort((a, b) => a.address - b.address)]
}

function hardLimits(flags: number): string {
  const names = []
  if (flags & QUOTA_LIMITS_HARDWS_MIN_ENABLE) names.push('min')
  if (flags & QUOTA_LIMITS_HARDWS_MAX_ENABLE) names.push('max')
  return names.join('+')
}

/** The `ws` view. */
export function workingSetView(machine: MachineLike, options: ViewOptions): RenderedView {
  const mm = machine.mm
  const policy = policyOf(machine)
  const nt = policy === 'nt'
  const config = mm.ntConfig
  const pids = livePids(machine)
  const kinds = options.faultKinds
  const processes = pids.map((pid) => {
    const info = mm.processWorkingSet(pid)!
    const byKind = kinds?.get(pid) ?? {}
    return nt
      ? {
          pid,
          name: processName(machine, pid),
          ...info,
          ...(kinds === undefined ? {} : { faultsByKind: byKind }),
        }
      : {
          pid,
          name: processName(machine, pid),
          workingSetSize: info.workingSetSize,
          peakWorkingSetSize: info.peakWorkingSetSize,
          ...(kinds === undefined ? {} : { faultsByKind: byKind }),
        }
  })
  const lines: string[] = []
  const json: Record<string, unknown> = { policy }
  if (nt && config !== undefined) {
    const tick = mm.systemPagingCounters.balanceSetTicks
    lines.push(
      `working sets: policy nt, tick ${tick}; defaults minimum ${config.workingSetMinimum}, maximum ${config.workingSetMaximum} pages (Windows' 50 and 345 scaled to ${mm.pfnDatabase.frameCount} frames)`,
    )
    const header = [
      'Pid',
      'Name',
      'Pages',
      'Peak',
      'Minimum',
      'Maximum',
      'Hard',
      'Priority',
      'Locked',
      'Faults',
    ]
    if (kinds !== undefined) header.push('ByKind')
    const rows = [header]
    for (const process of processes) {
      const info = mm.processWorkingSet(process.pid)!
      const row = [
        String(process.pid),
        process.name,
        String(info.workingSetSize / PAGE),
        String(info.peakWorkingSetSize / PAGE),
        String(info.minimumWorkingSetSize / PAGE),
        String(info.maximumWorkingSetSize / PAGE),
        hardLimits(info.flags),
        String(info.pagePriority),
        String(info.lockedPages.length),
        String(info.pageFaultCount),
      ]
      if (kinds !== undefined) row.push(faultKindsLabel(kinds.get(process.pid)))
      rows.push(row)
    }
    lines.push(...table(rows, { right: [2, 3, 4, 5, 7, 8, 9] }).map((line) => `  ${line}`))
    Object.assign(json, { tick, config })
  } else {
    lines.push(
      `working sets: policy ${policy} keeps one system-wide list: per-process minimum and maximum, hard limits, page priority, locked pages, ages and VM_COUNTERS.PageFaultCount are the 'nt' policy's and not available here`,
    )
    const header = ['Pid', 'Name', 'Pages', 'Peak']
    if (kinds !== undefined) header.push('ByKind')
    const rows = [header]
    for (const process of processes) {
      const row = [
        String(process.pid),
        process.name,
        String(process.workingSetSize / PAGE),
        String(process.peakWorkingSetSize / PAGE),
      ]
      if (kinds !== undefined) row.push(faultKindsLabel(kinds.get(process.pid)))
      rows.push(row)
    }
    lines.push(...table(rows, { right: [2, 3] }).map((line) => `  ${line}`))
    json.notAvailable = [
      'minimum',
      'maximum',
      'flags',
      'pagePriority',
      'lockedPages',
      'age',
      'pageFaultCount',
    ]
  }
  json.processes = processes
  if (pids.length === 0) return { lines: [...lines, 'no process has an address space at this point'], json }
  const pid = choosePid(machine, options.pid)
  const entries = workingSetRows(machine, pid)
  const pageTables = nt ? pageTableRows(machine, pid) : []
  const counted = nt
    ? `${entries.length + pageTables.length} entries: ${entries.length} page${entries.length === 1 ? '' : 's'} (oldest first), ${pageTables.length} page table${pageTables.length === 1 ? '' : 's'}`
    : `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`
  lines.push(`process ${pid} (${processName(machine, pid)}): ${counted}`)
  const header = nt
    ? ['VPN', 'Address', 'PFN', 'Age', 'Locked', 'Dirty', 'Shared', 'Slot']
    : ['VPN', 'Address', 'PFN', 'Dirty', 'Shared', 'Slot']
  const rows = [header]
  for (const entry of entries) {
    const cells = [hex(entry.vpn, 0), hex(entry.address), hex(entry.pfn, 0)]
    if (nt) cells.push(entry.age === null ? '' : String(entry.age), entry.locked ? 'yes' : '')
    cells.push(
      entry.dirty ? 'yes' : '',
      entry.shareCount > 0 ? `${entry.shareCount} PTEs` : '',
      entry.pageFileSlot < 0 ? '' : String(entry.pageFileSlot),
    )
    rows.push(cells)
  }
  if (entries.length > 0) lines.push(...table(rows).map((line) => `  ${line}`))
  if (pageTables.length > 0) {
    const tableRows = [['PageTable', 'Maps', 'PFN', 'Age']]
    for (const pageTable of pageTables)
      tableRows.push([
        '',
        `${hex(pageTable.maps)}-${hex(pageTable.mapsEnd - 1)}`,
        hex(pageTable.pfn, 0),
        String(pageTable.age),
      ])
    lines.push(...table(tableRows).map((line) => `  ${line}`))
  }
  Object.assign(json, { pid, entries, ...(nt ? { pageTables } : {}) })
  return { lines, json }
}
