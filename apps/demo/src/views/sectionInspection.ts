// What the views say about sections (issue #20), read side-effect free from mm-core's inspection
// API: the section view (SECTION_VIEW MEMORY_AREA) holding an address and the prototype entry of
// its page (MiCheckVirtualAddress's segment[(va − viewBase)/P + viewOffset/P]), and which process
// PTEs map a section page's frame — the share count's members, found as ReactOS's rmap.c finds
// them, through the segment's list of views. PTEs are read from memory with each process's CR3: no
// accessed bit, no TLB fill, no event.

import type { MemoryArea, PrototypeEntryKindName, SegmentInfo } from '@ntmm/mm-core'
import { hex } from '../format.js'
import type { MachineLike } from './machineLike.js'

/** A section view and the segment page behind one of its addresses. */
export interface SectionPage {
  readonly view: MemoryArea
  readonly segment: SegmentInfo
  /** The page's index in the segment. */
  readonly page: number
  readonly entry: { readonly kind: PrototypeEntryKindName; readonly value: number }
}

/** A process PTE mapping a frame. */
export interface FrameMapping {
  readonly pid: number
  readonly address: number
}

/** The section view of `pid` holding `va` and the segment page behind it, or undefined. */
export function sectionPageAt(machine: MachineLike, pid: number, va: number): SectionPage | undefined {
  const space = machine.mm.addressSpace(pid)
  if (space === undefined) return undefined
  const view = machine.mm.locateArea(space, va)
  if (view?.view === undefined) return undefined
  const segment = machine.mm.segmentInfo(view.view.segmentId)
  if (segment === undefined) return undefined
  const page = Math.floor((va - view.startingAddress) / 4096) + view.view.offsetPages
  const entry = machine.mm.prototypeEntry(segment.id, page)
  if (entry === undefined) return undefined
  return { view, segment, page, entry }
}

/** A segment in a few words: `segment 3 (image, file 2)`. */
export function segmentLabel(segment: Pick<SegmentInfo, 'id' | 'kind' | 'fileId'>): string {
  return `segment ${segment.id} (${segment.kind}${segment.fileId >= 0 ? `, file ${segment.fileId}` : ''})`
}

/** A prototype entry in a few words: `VALID pfn 0x16`, `PAGE_FILE slot 3`, `DEMAND_ZERO`. */
export function entryLabel(entry: SectionPage['entry']): string {
  switch (entry.kind) {
    case 'VALID':
    case 'TRANSITION':
      return `${entry.kind} pfn ${hex(entry.value, 0)}`
    case 'PAGE_FILE':
      return `PAGE_FILE slot ${entry.value}`
    default:
      return entry.kind
  }
}

/**
 * The process PTEs that map frame `pfn` holding page `page` of `segmentId`, by pid then address:
 * every view of the segment that covers the page, whose valid PTE points at the frame.
 */
export function frameMappings(
  machine: MachineLike,
  segmentId: number,
  page: number,
  pfn: number,
): FrameMapping[] {
  const segment = machine.mm.segmentInfo(segmentId)
  if (segment === undefined) return []
  const mappings: FrameMapping[] = []
  for (const reference of segment.views) {
    const space = machine.mm.addressSpace(reference.pid)
    const view = space === undefined ? undefined : machine.mm.locateArea(space, reference.start)
    if (space === undefined || view?.view === undefined) continue
    const address = view.startingAddress + (page - view.view.offsetPages) * 4096
    if (address < view.startingAddress || address >= view.endingAddress) continue
    const entry = machine.mm.mmu.pageTables.readEntry(space.cr3, address, 1)
    if (entry.ok && entry.decoded.present && entry.decoded.pfn === pfn) {
      mappings.push({ pid: reference.pid, address })
    }
  }
  return mappings.sort((a, b) => a.pid - b.pid || a.address - b.address)
}

/** `pid 1 @ 0x00010000, pid 2 @ 0x00020000`. */
export function mappingsLabel(mappings: readonly FrameMapping[]): string {
  return mappings.map((mapping) => `pid ${mapping.pid} @ ${hex(mapping.address)}`).join(', ')
}

/** True when any segment exists (the views add their section columns only then). */
export function machineHasSections(machine: MachineLike): boolean {
  return machine.mm.segmentIds().length > 0
}
