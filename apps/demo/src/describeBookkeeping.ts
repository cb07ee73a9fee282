// The plain-language lines of the bookkeeping events that the narrated log leaves out (TLB hits
// and misses, page walks, accessed/dirty updates, bus writes, object references, address-space
// and handle-table lifetimes, the Kernel's own records): the explorer's event list and a verbose
// log still say what each one did, in the words of its layer (describeEvent.ts has the others).

import { hex } from './format.js'

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

const number = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN)

/** hw-mmu's TLB levels (TLB_DATA, TLB_INSTRUCTION, TLB_SECOND). */
const tlbNames = ['data TLB', 'instruction TLB', 'second-level TLB']

function tlbName(tlb: unknown): string {
  return tlbNames[number(tlb)] ?? `TLB ${String(tlb)}`
}

function entryName(level: unknown): string {
  return ['', 'PTE', 'PDE', 'PDPTE', 'PML4E'][number(level)] ?? `level-${String(level)} entry`
}

/** Which of the accessed (0x20) and dirty (0x40) bits `after` sets that `before` lacked. */
function accessedDirty(before: number, after: number): string {
  const set = [
    (after & 0x20) !== 0 && (before & 0x20) === 0 ? 'Accessed' : '',
    (after & 0x40) !== 0 && (before & 0x40) === 0 ? 'Dirty' : '',
  ]
    .filter((bit) => bit !== '')
    .join(' and ')
  return set === '' ? 'accessed/dirty bits rewritten' : `${set} set`
}

/** The line of a bookkeeping event, or undefined for a type this file does not describe. */
export function bookkeepingLine(event: AnyEvent): string | undefined {
  switch (event.type) {
    case 'hw.tlbHit':
      return `${tlbName(event.tlb)} hit in set ${String(event.set)}, way ${String(event.way)}: translated without a walk`
    case 'hw.tlbMiss':
      return `${tlbName(event.tlb)} miss: no entry for the page, the MMU walks the page tables`
    case 'hw.pageWalk':
      return `page walk of ${hex(number(event.address))} for the ${tlbName(event.tlb)}: ${String(event.memoryReferences)} page-table read(s)`
    case 'hw.accessedDirtySet':
      return `${entryName(event.level)} at physical ${hex(number(event.address))}: the MMU ${accessedDirty(number(event.oldValue), number(event.newValue))} (${hex(number(event.oldValue), 0)} → ${hex(number(event.newValue), 0)})`
    case 'hw.physicalWrite':
      return `${String(event.size)}-byte write to physical ${hex(number(event.address))}: ${hex(number(event.value), 0)} (was ${hex(number(event.previousValue), 0)})`
    case 'hw.physicalBytesWritten': {
      const count = Array.isArray(event.bytes) ? event.bytes.length : 0
      return `${count} byte(s) written to physical ${hex(number(event.address))}`
    }
    case 'hw.frameFreed':
      return `frame PFN ${hex(number(event.pfn), 0)} given back to free RAM`
    case 'hw.cr3Loaded':
      return `CR3 loaded with ${hex(number(event.cr3))} (was ${hex(number(event.previousCr3))}): another address space is current`
    case 'hw.controlChanged':
      return `control registers changed: paging mode ${String(event.previousMode)} → ${String(event.mode)}`
    case 'hw.statisticsReset':
      return 'TLB statistics reset to zero'
    case 'mm.addressSpaceCreated':
      return `address space of process ${String(event.pid)} created, page directory in PFN ${hex(number(event.directoryPfn), 0)}`
    case 'mm.addressSpaceDeleted':
      return `address space of process ${String(event.pid)} deleted (peak commit ${String(event.commitChargePeak)} page(s), peak working set ${String(event.workingSetPeak)})`
    case 'mm.areaDeleteInProgress':
      return `MEMORY_AREA at ${hex(number(event.startingAddress))} ${event.deleteInProgress === true ? 'marked DeleteInProgress' : 'no longer DeleteInProgress'}`
    case 'mm.pageAged':
      return `PFN ${hex(number(event.pfn), 0)} aged ${String(event.previousAge)} → ${String(event.age)}${event.movedToTail === true ? ', moved to the tail of the list' : ''}`
    case 'mm.pageFileSlotFreed':
      return `page-file slot ${String(event.slot)} freed`
    case 'nt.objectCreated':
    case 'nt.objectDeleted': {
      const body = event.body as { kind?: string; pid?: number; name?: string; tid?: number } | undefined
      const what =
        body?.kind === 'Process'
          ? `process ${String(body.pid)} (${String(body.name)})`
          : body?.kind === 'Thread'
            ? `thread ${String(body.tid)} of process ${String(body.pid)}`
            : String(event.objectType)
      return `${String(event.objectType)} object #${String(event.objectId)} ${event.type === 'nt.objectCreated' ? 'created' : 'deleted'}: ${what}`
    }
    case 'nt.objectReferenced':
    case 'nt.objectDereferenced':
      return `object #${String(event.objectId)} ${event.type === 'nt.objectReferenced' ? 'referenced' : 'dereferenced'}: pointer count ${String(event.previousPointerCount)} → ${String(event.pointerCount)}`
    case 'nt.handleTableCreated':
      return `handle table of process ${String(event.pid)} created`
    case 'nt.handleTableDeleted':
      return `handle table of process ${String(event.pid)} deleted`
    case 'nt.cpuWriteData': {
      const count = Array.isArray(event.bytes) ? event.bytes.length : 0
      return `write data, continued: ${count} more byte(s) of the access`
    }
    case 'nt.debugInput':
      return `debugger: ${String(event.call)}${typeof event.address === 'number' ? ` at ${hex(event.address)}` : ''} in process ${String(event.pid)}`
    case 'nt.processTerminated':
      return `process ${String(event.pid)} terminated: its threads and address space go`
    case 'nt.lastErrorChanged':
      return `last error of process ${String(event.pid)}: ${String(event.previous)} → ${String(event.value)}`
    case 'nt.writeWatchChanged': {
      const pages = Array.isArray(event.pages) ? event.pages.length : 0
      return `write watch of the allocation at ${hex(number(event.base))} (process ${String(event.pid)}): ${event.pages === null ? 'removed' : `${pages} written page(s)`}`
    }
    default:
      return undefined
  }
}
