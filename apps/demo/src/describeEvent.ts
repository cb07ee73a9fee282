// One line of narration per event of any layer (hw.*, mm.*, nt.*), for the demo's log and the
// explorer's event list: what changed, in the vocabulary of the layer that changed it.
// `eventLine` has a line for every event type of the machine trace; `describeEvent`, the
// narrator's, leaves out the high-volume bookkeeping kinds (TLB hits and misses, walks, A/D bits,
// bus writes, object references) that a story does not tell unless the log is verbose.

import { memoryFlagsName, ntStatusName, pageProtectionName } from '@ntmm/nt-syscalls'
import { bookkeepingLine } from './describeBookkeeping.js'
import { bytes, hex } from './format.js'

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

const number = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN)

/** The arguments of a system call as `name=value` pairs, numbers in hexadecimal. */
function argumentList(values: unknown): string {
  if (typeof values !== 'object' || values === null) return ''
  return Object.entries(values as Record<string, unknown>)
    .map(
      ([name, value]) =>
        `${name}=${typeof value === 'number' ? argumentText(name, value) : JSON.stringify(value)}`,
    )
    .join(', ')
}

/** A number named by its parameter: handles, allocation types and protections by name. */
function argumentText(name: string, value: number): string {
  if (/handle/i.test(name) && value === -1) return 'NtCurrentProcess'
  if (/allocationType|freeType/i.test(name)) return memoryFlagsName(value)
  if (/protect/i.test(name)) return pageProtectionName(value)
  return hex(value, 0)
}

/** The kinds the narration leaves out (they are described by `eventLine` alone). */
const bookkeeping = new Set([
  'hw.tlbHit',
  'hw.tlbMiss',
  'hw.pageWalk',
  'hw.accessedDirtySet',
  'hw.physicalWrite',
  'hw.physicalBytesWritten',
  'hw.frameFreed',
  'hw.cr3Loaded',
  'hw.controlChanged',
  'hw.statisticsReset',
  'mm.addressSpaceCreated',
  'mm.addressSpaceDeleted',
  'mm.areaDeleteInProgress',
  'mm.pageAged',
  'mm.pageFileSlotFreed',
  'nt.objectCreated',
  'nt.objectDeleted',
  'nt.objectReferenced',
  'nt.objectDereferenced',
  'nt.handleTableCreated',
  'nt.handleTableDeleted',
  'nt.cpuWriteData',
  'nt.debugInput',
  'nt.processTerminated',
  'nt.lastErrorChanged',
  'nt.writeWatchChanged',
])

/** A short human description of `event`, or undefined for events the narration leaves out. */
export function describeEvent(event: AnyEvent): string | undefined {
  return bookkeeping.has(event.type) ? undefined : storyLine(event)
}

/**
 * A plain-language line for any event of the machine trace; an unknown type (a newer trace) is
 * named with its fields.
 */
export function eventLine(event: AnyEvent): string {
  // The new value first: a row cut to the width of a list keeps what was written.
  if (event.type === 'hw.pteWritten')
    return `${levelName(number(event.level))} ← ${entryValue(event.newLow, event.newHigh)} at physical ${hex(number(event.address))} (was ${entryValue(event.oldLow, event.oldHigh)})`
  return (
    storyLine(event) ?? bookkeepingLine(event) ?? `${event.type} (${Object.keys(event).length - 1} fields)`
  )
}

function storyLine(event: AnyEvent): string | undefined {
  switch (event.type) {
    case 'nt.syscallEntered':
      return `${String(event.service)}(${argumentList(event.arguments)})`
    case 'nt.syscallReturned': {
      const out = argumentList(
        Object.fromEntries(
          Object.entries((event.out ?? {}) as Record<string, unknown>).filter(
            ([, value]) => typeof value === 'number',
          ),
        ),
      )
      return `${String(event.service)} returned ${ntStatusName(number(event.status))}${out === '' ? '' : ` (${out})`}`
    }
    case 'nt.cpuAccess':
      return `CPU ${accessName(event.access)} of ${String(event.length)} byte(s) at ${hex(number(event.address))}`
    case 'nt.cpuWriteWords':
      return `write data, continued (16 bytes, zero past the end): ${[event.w0, event.w1, event.w2, event.w3].map((word) => hex(number(word), 8)).join(' ')}`
    case 'nt.exceptionRaised':
      return `exception ${String(event.codeName)} raised to the thread at ${hex(number(event.address))}`
    case 'nt.handleCreated':
      return `handle ${hex(number(event.handle), 0)} created in process ${String(event.pid)} (access ${hex(number(event.grantedAccess), 0)})`
    case 'nt.handleClosed':
      return `handle ${hex(number(event.handle), 0)} closed in process ${String(event.pid)}`
    case 'nt.processExited':
      return `process ${String(event.pid)} exited`
    case 'mm.areaInserted': {
      const area = (event.area ?? {}) as { startingAddress?: number; endingAddress?: number; type?: string }
      return `MEMORY_AREA ${area.type} [${hex(number(area.startingAddress))}, ${hex(number(area.endingAddress))}) inserted in the AVL tree`
    }
    case 'mm.areaRemoved': {
      const area = (event.area ?? {}) as { startingAddress?: number; endingAddress?: number }
      return `MEMORY_AREA [${hex(number(area.startingAddress))}, ${hex(number(area.endingAddress))}) removed`
    }
    case 'mm.regionsAltered':
      return `MmAlterRegion [${hex(number(event.start))}, +${bytes(number(event.length))}) → ${memoryFlagsName(number(event.newType))} ${pageProtectionName(number(event.newProtect))}`
    case 'mm.commitCharged':
      return `commit charge ${number(event.pages) >= 0 ? '+' : ''}${String(event.pages)} page(s)`
    case 'mm.pageFault':
      return `MmAccessFault: ${String(event.access)} at ${hex(number(event.address))} → ${String(event.kind)} (${ntStatusName(number(event.status))}: ${String(event.cause)})`
    case 'mm.frameRequested':
      return `MmRequestPageMemoryConsumer → PFN ${hex(number(event.pfn), 0)} for a ${String(event.purpose)}`
    case 'mm.frameReleased': {
      const after = event.after as { state?: string } | undefined
      return `PFN ${hex(number(event.pfn), 0)} → ${after?.state ?? '?'} list`
    }
    case 'mm.mappingCreated':
      return `MmCreateVirtualMapping ${hex(number(event.address))} → PFN ${hex(number(event.pfn), 0)}`
    case 'mm.mappingDeleted':
      return `MmDeleteVirtualMapping ${hex(number(event.address))} (PFN ${hex(number(event.pfn), 0)})`
    case 'mm.pageProtectionChanged':
      return `PTE protection of ${hex(number(event.address))} changed`
    case 'mm.pageOut':
      return `page ${hex(number(event.address))} of process ${String(event.pid)} trimmed from PFN ${hex(number(event.pfn), 0)} → ${String(event.outcome)}`
    case 'mm.pageWritten':
      return `PFN ${hex(number(event.pfn), 0)} written to page-file slot ${String(event.slot)}`
    case 'mm.pageIn':
      return `page ${hex(number(event.address))} read back from page-file slot ${String(event.slot)} into PFN ${hex(number(event.pfn), 0)} (hard fault)`
    case 'mm.pageReclaimed':
      return `page ${hex(number(event.address))} reclaimed from the standby/modified list, PFN ${hex(number(event.pfn), 0)} (soft fault)`
    // The 'nt' policy (docs/paging.md).
    case 'mm.balanceSetTick':
      return `balance-set tick ${String(event.tick)} (${String(event.reason)}): working-set manager, modified page writer, zero page thread`
    case 'mm.workingSetTrimmed':
      return `page ${hex(number(event.address))} of process ${String(event.pid)} trimmed from its working set (${String(event.reason)}, tick ${String(event.tick)}): PFN ${hex(number(event.pfn), 0)} → ${String(event.outcome)}`
    case 'mm.pageTableIn':
      // A demand-zero table is a new one (nothing of it was ever in memory); the others come back.
      return event.resolution === 'demand-zero'
        ? `new page table of process ${String(event.pid)} for ${hex(number(event.address))} in its working set (demand-zero): PFN ${hex(number(event.pfn), 0)}`
        : `page table of process ${String(event.pid)} for ${hex(number(event.address))} back in its working set (${String(event.resolution)}): PFN ${hex(number(event.pfn), 0)}`
    case 'mm.pageTableTrimmed':
      return `page table of process ${String(event.pid)} for ${hex(number(event.address))} trimmed from its working set (${String(event.reason)}, tick ${String(event.tick)}): PFN ${hex(number(event.pfn), 0)} → ${String(event.outcome)}`
    case 'mm.clusterWritten':
      return `modified page writer: one write I/O of ${String((event.pfns as unknown[] | undefined)?.length ?? 0)} page(s) (cluster ${String(event.cluster)}, tick ${String(event.tick)})`
    case 'mm.pageZeroed':
      return `zero page thread zeroed PFN ${hex(number(event.pfn), 0)} (tick ${String(event.tick)}): free → zeroed`
    case 'mm.workingSetLimitsSet':
      return `working-set limits of process ${String(event.pid)}: ${String(event.minimum)} to ${String(event.maximum)} pages, flags ${hex(number(event.flags), 0)}`
    case 'mm.pagePrioritySet':
      return `page priority of process ${String(event.pid)}: ${String(event.priority)} (was ${String(event.previous)})`
    case 'mm.pagesLocked':
      return `${String((event.addresses as unknown[] | undefined)?.length ?? 0)} page(s) of process ${String(event.pid)} ${event.locked === true ? 'locked in' : 'unlocked from'} its working set`
    case 'mm.sharedEntryAged':
      return `section page ${hex(number(event.address))} of process ${String(event.pid)} aged ${String(event.previousAge)} → ${String(event.age)} in its working set`
    case 'hw.frameAllocated':
      return `frame PFN ${hex(number(event.pfn), 0)} taken from free RAM`
    case 'hw.frameZeroed':
      return `frame PFN ${hex(number(event.pfn), 0)} zeroed`
    case 'nt.processCreated':
      return `process ${String(event.pid)} (${String(event.name)}) created`
    case 'hw.pageFault':
      return `#PF at ${hex(number(event.address))}, error code ${hex(number(event.errorCode), 0)}`
    case 'hw.pteWritten':
      return `${levelName(number(event.level))} at physical ${hex(number(event.address))} written: ${hex(number(event.oldLow), 0)} → ${hex(number(event.newLow), 0)}`
    case 'hw.tlbFill':
      return `TLB fill: tag ${hex(number(event.tag), 0)} → PFN ${hex(number(event.frame), 0)} (set ${String(event.set)}, way ${String(event.way)})`
    case 'hw.tlbEvict':
      return `TLB evict: tag ${hex(number(event.tag), 0)} (set ${String(event.set)}, way ${String(event.way)})`
    case 'hw.tlbFlush': {
      const removed = Array.isArray(event.removed) ? event.removed.length : 0
      const at = event.address === null ? '' : ` ${hex(number(event.address))}`
      return `TLB flush (${String(event.kind)}${at}): ${removed} entr${removed === 1 ? 'y' : 'ies'} removed`
    }
    // Sections (issue #20): files, segments, views, shared frames.
    case 'mm.fileCreated':
      return `file ${String(event.fileId)} created on the volume`
    case 'mm.fileSizeSet':
      return `file ${String(event.fileId)} is now ${String(event.size)} bytes (was ${String(event.previousSize)})`
    case 'mm.fileWritten':
      return `file ${String(event.fileId)}: ${Array.isArray(event.bytes) ? event.bytes.length : 0} bytes stored at ${hex(number(event.offset), 0)}`
    case 'mm.segmentCreated':
      return `segment created (a section's backing store)`
    case 'mm.segmentExtended':
      return `segment ${String(event.segmentId)} grew to ${String(event.sizeBytes)} bytes`
    case 'mm.segmentReferenced':
      return `segment ${String(event.segmentId)}: ${String(event.sectionReferences)} section reference(s)`
    case 'mm.segmentDeleted':
      return `segment deleted (${String(event.cause)})`
    case 'mm.prototypeEntryChanged':
      return `segment ${String(event.segmentId)} page ${String(event.page)}: ${String(event.previousKind)} → ${String(event.kind)}`
    case 'mm.viewMapped':
      return `view of segment ${String(event.segmentId)} mapped at ${hex(number(event.start))} in process ${String(event.pid)}`
    case 'mm.viewUnmapped':
      return `view of segment ${String(event.segmentId)} at ${hex(number(event.start))} unmapped from process ${String(event.pid)}`
    case 'mm.viewChargeSet':
      return `view at ${hex(number(event.start))} now holds ${String(event.pages)} pages of copy-on-write charge`
    case 'mm.copyOnWrite':
      return `copy-on-write at ${hex(number(event.address))}: PFN ${hex(number(event.sharedPfn), 0)} copied to PFN ${hex(number(event.privatePfn), 0)}`
    case 'mm.pageModified':
      return `shared PFN ${hex(number(event.pfn), 0)} modified by a file write`
    case 'mm.sharedPageOut':
      return `shared PFN ${hex(number(event.pfn), 0)} left memory (${String(event.outcome)})`
    case 'mm.mappedPageWritten':
      return `mapped page writer: PFN ${hex(number(event.pfn), 0)} written to file ${String(event.fileId)} at ${hex(number(event.offset), 0)}`
    case 'mm.mappedPageRead':
      return `PFN ${hex(number(event.pfn), 0)} read from segment ${String(event.segmentId)} page ${String(event.page)}`
    case 'nt.sectionExtended':
      return `section object ${String(event.objectId)} is now ${String(event.size)} bytes`
    default:
      return undefined
  }
}

/** An access kind, from its name or its code (0 read, 1 write, 8 execute, as recorded). */
export function accessName(access: unknown): string {
  if (typeof access === 'string') return access
  return access === 1 ? 'write' : access === 8 ? 'execute' : 'read'
}

/** A page-table entry's value: its low half, with the high half when set (PAE, x64). */
function entryValue(low: unknown, high: unknown): string {
  return number(high) > 0 ? `${hex(number(high), 0)}:${hex(number(low), 8)}` : hex(number(low), 0)
}

/** `PTE`, `PDE`, `PDPTE`, `PML4E` by level (1 = PTE). */
export function levelName(level: number): string {
  return ['', 'PTE', 'PDE', 'PDPTE', 'PML4E'][level] ?? `level-${level} entry`
}
