// One line of narration per event of any layer (hw.*, mm.*, nt.*), for the demo's log: what
// changed, in the vocabulary of the layer that changed it.

import { memoryFlagsName, ntStatusName, pageProtectionName } from '@ntmm/nt-syscalls'
import { bytes, hex } from './format.js'

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

const number = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN)

/** A short human description of `event`, or undefined for events the narration leaves out. */
export function describeEvent(event: AnyEvent): string | undefined {
  switch (event.type) {
    case 'nt.syscallEntered':
      return `${String(event.service)}(...)`
    case 'nt.syscallReturned':
      return `${String(event.service)} returned ${ntStatusName(number(event.status))}`
    case 'nt.cpuAccess':
      return `CPU ${String(event.access)} of ${String(event.length)} byte(s) at ${hex(number(event.address))}`
    case 'nt.exceptionRaised':
      return `exception ${String(event.codeName)} raised to the thread at ${hex(number(event.address))}`
    case 'nt.handleCreated':
      return `handle ${hex(number(event.handle), 0)} created in process ${String(event.pid)}`
    case 'nt.handleClosed':
      return `handle ${hex(number(event.handle), 0)} closed in process ${String(event.pid)}`
    case 'mm.areaInserted': {
      const area = event.area as { startingAddress: number; endingAddress: number; type: string }
      return `MEMORY_AREA ${area.type} [${hex(area.startingAddress)}, ${hex(area.endingAddress)}) inserted in the AVL tree`
    }
    case 'mm.areaRemoved': {
      const area = event.area as { startingAddress: number; endingAddress: number }
      return `MEMORY_AREA [${hex(area.startingAddress)}, ${hex(area.endingAddress)}) removed`
    }
    case 'mm.regionsAltered': {
      return `MmAlterRegion [${hex(number(event.start))}, +${bytes(number(event.length))}) → ${memoryFlagsName(number(event.newType))} ${pageProtectionName(number(event.newProtect))}`
    }
    case 'mm.commitCharged':
      return `commit charge ${number(event.pages) >= 0 ? '+' : ''}${String(event.pages)} page(s)`
    case 'mm.pageFault':
      return `MmAccessFault: ${String(event.access)} at ${hex(number(event.address))} → ${String(event.kind)} (${ntStatusName(number(event.status))}: ${String(event.cause)})`
    case 'mm.frameRequested':
      return `MmRequestPageMemoryConsumer → zeroed PFN ${hex(number(event.pfn), 0)} for a ${String(event.purpose)}`
    case 'mm.mappingCreated':
      return `MmCreateVirtualMapping ${hex(number(event.address))} → PFN ${hex(number(event.pfn), 0)}`
    case 'mm.mappingDeleted':
      return `mapping of ${hex(number(event.address))} deleted`
    case 'mm.pageOut':
      return `page ${hex(number(event.address))} paged out`
    case 'mm.pageIn':
      return `page ${hex(number(event.address))} read back from the page file`
    case 'hw.pageFault':
      return `#PF at ${hex(number(event.address))}, error code ${hex(number(event.errorCode), 0)}`
    case 'hw.pteWritten':
      return `${levelName(number(event.level))} at physical ${hex(number(event.address))} written: ${hex(number(event.oldLow), 0)} → ${hex(number(event.newLow), 0)}`
    case 'hw.tlbFill':
      return `TLB fill: tag ${hex(number(event.tag), 0)} → PFN ${hex(number(event.frame), 0)} (set ${String(event.set)}, way ${String(event.way)})`
    case 'hw.cr3Loaded':
      return undefined
    default:
      return undefined
  }
}

function levelName(level: number): string {
  return ['', 'PTE', 'PDE', 'PDPTE', 'PML4E'][level] ?? `level-${level} entry`
}
