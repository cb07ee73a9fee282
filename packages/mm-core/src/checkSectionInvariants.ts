// The cross-structure invariants of sections, for checkInvariants.ts (what a checked build of
// ReactOS ASSERTs around MiDecrementShareCount, MiSegmentDelete and the section page tables,
// gathered): every PTE of a view is zero (always, past the end of the file segment a MEM_RESERVE
// view runs beyond), a prototype PTE carrying the page's protection in the
// view, a valid PTE mapping its segment page's frame (read-only while the page is WRITECOPY) or a
// private copy owned by that page, or a private copy's transition / page-file PTE; every shared
// frame's share count equals the PTEs mapping it; prototype entries and PFN entries name each
// other; segments count their views and references, and none lives with neither; files and their
// data segments agree; every used page-file slot is named exactly once. Inspection only.

import { PAGE_SIZE } from './memoryConstants.js'
import type { MemoryArea } from './memoryArea.js'
import type { MmCore } from './mmCore.js'
import { PfnState } from './pfnDatabase.js'
import { makeProtectionMask, maskAllowsWrite, maskIsCopyOnWrite } from './protectionMask.js'
import { PrototypeEntryKind } from './prototypeEntries.js'
import { mmFindRegion } from './region.js'
import type { PteView } from './softwarePte.js'

const hex = (value: number) => `0x${value.toString(16)}`

/** Collects what the page-table walk sees of views and slots, then checks segments, frames and files. */
export class SectionInvariants {
  /** Valid process PTEs seen per shared frame. */
  private readonly mappings = new Map<number, number>()
  /** Views seen per segment. */
  private readonly viewsSeen = new Map<number, number>()
  /** References seen per page-file slot. */
  private readonly slots = new Map<number, number>()

  constructor(
    private readonly core: MmCore,
    private readonly problems: string[],
  ) {}

  /** A view area of space `pid` (counted against its segment's NumberOfMappedViews). */
  view(pid: number, area: MemoryArea): void {
    const view = area.view!
    const segment = this.core.state.segments.get(view.segmentId)
    if (segment === undefined) {
      this.problems.push(
        `space ${pid}: view ${hex(area.startingAddress)} maps missing segment ${view.segmentId}`,
      )
      return
    }
    this.viewsSeen.set(segment.id, (this.viewsSeen.get(segment.id) ?? 0) + 1)
    const pages = (area.endingAddress - area.startingAddress) / PAGE_SIZE
    // Only a MEM_RESERVE view of a file may run past its segment (the pages past it are reserved).
    if (
      view.offsetPages >= segment.pageCount ||
      (view.offsetPages + pages > segment.pageCount && segment.kind !== 'file')
    )
      this.problems.push(`space ${pid}: view ${hex(area.startingAddress)} runs past segment ${segment.id}`)
    if (!segment.views.some((entry) => entry.pid === pid && entry.start === area.startingAddress))
      this.problems.push(`segment ${segment.id} does not list view ${pid}:${hex(area.startingAddress)}`)
  }

  /** A page-file slot named by a PTE, a frame or a prototype entry. */
  slot(slot: number): void {
    this.slots.set(slot, (this.slots.get(slot) ?? 0) + 1)
  }

  /** A non-zero PTE at `va` of view `area` in space `pid`. */
  viewPte(pid: number, area: MemoryArea, va: number, view: Exclude<PteView, { kind: 'zero' }>): void {
    const { problems } = this
    const state = this.core.state
    const pfnDb = state.pfn
    const segment = state.segments.get(area.view!.segmentId)
    if (segment === undefined) return
    const page = area.view!.offsetPages + (va - area.startingAddress) / PAGE_SIZE
    const where = `space ${pid}: view PTE at ${hex(va)}`
    if (page >= segment.pageCount) {
      problems.push(`${where} past the end of segment ${segment.id}`)
      return
    }
    const mask = makeProtectionMask(mmFindRegion(area.regions, va)?.protect ?? 0)
    if (segment.entries.kindOf(page) === PrototypeEntryKind.RESERVED)
      problems.push(`${where} over a reserved segment page`)
    switch (view.kind) {
      case 'valid': {
        const pfn = view.pfn
        if (pfnDb.segmentId[pfn]! >= 0) {
          this.mappings.set(pfn, (this.mappings.get(pfn) ?? 0) + 1)
          if (
            pfnDb.segmentId[pfn] !== segment.id ||
            pfnDb.ownerAddress[pfn] !== page * PAGE_SIZE ||
            segment.entries.kindOf(page) !== PrototypeEntryKind.VALID ||
            segment.entries.valueOf(page) !== pfn
          ) {
            problems.push(`${where} maps frame ${pfn}, not its segment page's`)
          }
          if (view.writable && (mask === undefined || !maskAllowsWrite(mask) || maskIsCopyOnWrite(mask)))
            problems.push(`${where} maps a shared frame writable under protection ${mask}`)
        } else {
          if (
            pfnDb.stateOf(pfn) !== 'ACTIVE' ||
            pfnDb.ownerPid[pfn] !== pid ||
            pfnDb.ownerAddress[pfn] !== va
          )
            problems.push(
              `${where} maps private frame ${pfn} owned by ${pfnDb.ownerPid[pfn]}:${hex(pfnDb.ownerAddress[pfn]!)}`,
            )
          if (pfnDb.protectMask[pfn] !== mask)
            problems.push(`${where}: private copy's protection differs from its region`)
        }
        return
      }
      case 'prototype':
      case 'transition':
      case 'pageFile':
        if (view.protectMask !== mask)
          problems.push(`${where}: ${view.kind} PTE protection differs from its region`)
        if (view.kind === 'transition') {
          const pfn = view.pfn
          const frameState = pfnDb.stateOf(pfn)
          if (
            (frameState !== 'STANDBY' && frameState !== 'MODIFIED') ||
            pfnDb.ownerPid[pfn] !== pid ||
            pfnDb.ownerAddress[pfn] !== va
          )
            problems.push(`${where}: transition PTE names frame ${pfn} (${frameState})`)
        }
        return
      case 'protection':
        problems.push(`${where} is a protection PTE (views keep protections in their regions)`)
    }
  }

  /** The checks that need the whole walk: segments, shared frames, files, slots. */
  finish(): void {
    const { problems, core } = this
    const state = core.state
    const pfnDb = state.pfn
    for (const segment of state.segments.values()) {
      const name = `segment ${segment.id}`
      if (segment.mappedViews === 0 && segment.sectionReferences === 0)
        problems.push(`${name} has no view and no reference`)
      if (
        segment.mappedViews !== segment.views.length ||
        segment.mappedViews !== (this.viewsSeen.get(segment.id) ?? 0)
      )
        problems.push(
          `${name} counts ${segment.mappedViews} views, lists ${segment.views.length}, has ${this.viewsSeen.get(segment.id) ?? 0}`,
        )
      if (segment.kind === 'file' && state.volume.file(segment.fileId)?.dataSegmentId !== segment.id)
        problems.push(`${name} is not its file's data segment`)
      if (segment.kind === 'image' && segment.protections?.length !== segment.pageCount)
        problems.push(`${name}: image protections do not cover its pages`)
      let reserved = 0
      for (let page = 0; page < segment.pageCount; ) {
        const end = segment.entries.runEnd(
          page,
          segment.pageCount,
          (kind) => kind === PrototypeEntryKind.RESERVED,
        )
        reserved += end - page
        page = segment.entries.runEnd(end, segment.pageCount, (kind) => kind !== PrototypeEntryKind.RESERVED)
      }
      if (segment.committedPages !== segment.pageCount - reserved)
        problems.push(`${name} counts committed pages wrong`)
      if (segment.kind !== 'pagefile' && segment.entries.initialKind !== PrototypeEntryKind.FILE)
        problems.push(`${name}: a ${segment.kind} segment's pages start in the file`)
      segment.entries.forEachSet((page, kind, value) => {
        const at = `${name} page ${page}`
        switch (kind) {
          case PrototypeEntryKind.VALID:
          case PrototypeEntryKind.TRANSITION: {
            const frameState = pfnDb.state[value]
            const listed =
              kind === PrototypeEntryKind.VALID
                ? frameState === PfnState.ACTIVE
                : frameState === PfnState.STANDBY || frameState === PfnState.MODIFIED
            if (
              !listed ||
              pfnDb.segmentId[value] !== segment.id ||
              pfnDb.ownerAddress[value] !== page * PAGE_SIZE
            )
              problems.push(`${at} names frame ${value} in state ${pfnDb.stateOf(value)}`)
            if (kind === PrototypeEntryKind.VALID && pfnDb.shareCount[value]! < 1)
              problems.push(`${at} is valid with no share`)
            if (kind === PrototypeEntryKind.TRANSITION && pfnDb.shareCount[value] !== 0)
              problems.push(`${at} is in transition with shares`)
            return
          }
          case PrototypeEntryKind.PAGE_FILE:
            this.slot(value)
            if (segment.kind === 'file') problems.push(`${at}: a data file's page in the page file`)
            if (!state.pageFile.isUsed(value)) problems.push(`${at} names free slot ${value}`)
            return
          case PrototypeEntryKind.FILE:
            if (segment.kind === 'pagefile') problems.push(`${at}: a pagefile page in a file`)
            return
          default:
            if (segment.kind !== 'pagefile') problems.push(`${at}: a ${segment.kind} page is not in its file`)
        }
      })
    }
    for (let pfn = 0; pfn < pfnDb.frameCount; pfn++) {
      const frameState = pfnDb.state[pfn]!
      if (
        frameState === PfnState.STANDBY ||
        frameState === PfnState.MODIFIED ||
        frameState === PfnState.ACTIVE ||
        frameState === PfnState.PAGE_TABLE
      ) {
        if (pfnDb.pageFileSlot[pfn]! >= 0) this.slot(pfnDb.pageFileSlot[pfn]!)
      }
      const id = pfnDb.segmentId[pfn]!
      if (id < 0) continue
      const segment = state.segments.get(id)
      const page = pfnDb.ownerAddress[pfn]! / PAGE_SIZE
      const kind = segment?.entries.kindOf(page)
      if (
        segment === undefined ||
        (kind !== PrototypeEntryKind.VALID && kind !== PrototypeEntryKind.TRANSITION) ||
        segment.entries.valueOf(page) !== pfn
      ) {
        problems.push(`frame ${pfn} backs segment ${id} page ${page}, whose entry does not name it`)
      }
      if (pfnDb.shareCount[pfn] !== (this.mappings.get(pfn) ?? 0))
        problems.push(
          `frame ${pfn}: share count ${pfnDb.shareCount[pfn]}, mapped by ${this.mappings.get(pfn) ?? 0} PTEs`,
        )
    }
    for (const file of state.volume.files.values()) {
      if (file.dataSegmentId >= 0 && state.segments.get(file.dataSegmentId)?.fileId !== file.id)
        problems.push(`file ${file.id} names data segment ${file.dataSegmentId}, not its own`)
      const pages = Math.ceil(file.size / PAGE_SIZE)
      if (file.pages.length > pages) problems.push(`file ${file.id} stores pages past its end`)
      const last = file.pages[pages - 1]
      if (
        last !== undefined &&
        file.size % PAGE_SIZE !== 0 &&
        last.subarray(file.size % PAGE_SIZE).some((byte) => byte !== 0)
      )
        problems.push(`file ${file.id} stores bytes past its end`)
    }
    // Every named slot is in use and named once, and as many slots are in use as are named: so every
    // slot in use is named exactly once (without walking a page file of up to 2^20 slots).
    const pageFile = state.pageFile
    for (const [slot, named] of this.slots) {
      if (!pageFile.isUsed(slot)) problems.push(`free page-file slot ${slot} is named`)
      else if (named !== 1) problems.push(`page-file slot ${slot} is named ${named} times`)
    }
    if (pageFile.usedSlots !== this.slots.size)
      problems.push(`${pageFile.usedSlots} page-file slots in use, ${this.slots.size} named`)
  }
}
