// Page-table pages as working-set entries under the 'nt' policy (NT-PAGING.md §3.8, second phase;
// NT keeps each user page-table page in its process's working set, ARM3 MiInitializeWorkingSetList
// and its demand-zero PDE faults). A page table is an entry of the working set of the process whose
// space it maps; it counts in that process's working-set size, ages by its PDE's accessed bit, and
// may leave the working set only when it maps no valid and no transition PTE: then its PDE becomes
// a transition PDE and the table's frame goes to standby (clean: its page-file copy is unchanged)
// or modified, exactly like a page, and may reach the page file. A table mapping nothing at all is
// deleted (PDE zero, frame freed: NT deletes a page table whose used-entry count reaches 0).
//
//   PDE valid ──trim (maps nothing valid/transition)──> PDE transition ──repurpose──> PDE page file
//      ^                                                     │                            │
//      └──────────── a fault below: soft (TransitionCount) ──┘  hard (PageReadCount) ─────┘
//   PDE zero ──a fault below: demand-zero table (DemandZeroCount)──> PDE valid
//
// Only the last level (the page tables proper) leaves memory; the top-level table and the
// directories above the page tables stay resident for the life of the space and are not counted
// (x86 has none but the top; PAE's four directories and x64's upper levels stay).

import { type EntryValue, encodePte, levelCount } from '@ntmm/hw-mmu'
import { frameWords } from '@ntmm/hw-mmu/internal'
import { assert } from './assert.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import type { WorkingSetTrimReason } from './ntEvents.js'
import { releasePageMemoryConsumer, requestPageMemoryConsumer } from './pageMemoryConsumer.js'
import { PfnState } from './pfnDatabase.js'
import { type PfnRecord, pfnRecordOf, unownedPfnRecord } from './pfnRecord.js'
import { MmProtection } from './protectionMask.js'
import { entrySpan, invalidateIfCurrent, pagedOutTableEntry } from './pteAccess.js'
import { ZERO_PTE, readPteView, transitionPte, withoutAccessed } from './softwarePte.js'

const PRESENT = 0x1
const PROTOTYPE_BIT = 0x400
const TRANSITION_BIT = 0x800

/** A page table of a process's paging hierarchy, found by walking it from CR3. */
export interface PageTableEntryRef {
  /** The first virtual address the table maps. */
  readonly address: number
  /** Physical address of its PDE. */
  readonly pdeAddress: number
  /** The PDE's value. */
  readonly pde: EntryValue
}

/**
 * Visit every non-zero PDE (level-2 entry) of space `pid`, present or not, in address order. The
 * directories above are read from physical memory (side-effect free: no A bit, no event).
 */
export function forEachPageDirectoryEntry(
  core: MmCore,
  pid: number,
  visit: (table: PageTableEntryRef) => void,
): void {
  const cr3 = core.cr3Of(pid)
  if (cr3 === undefined) return
  const editor = core.machine.editor
  const mode = core.machine.mode
  const size = mode === 'x86' ? 4 : 8
  const walk = (table: number, level: number, base: number): void => {
    const entries = mode === 'x86' ? 1024 : mode === 'x86-pae' && level === 3 ? 4 : 512
    const span = entrySpan(mode, level)
    for (let index = 0; index < entries; index++) {
      const pdeAddress = table + index * size
      const pde = editor.readEntryAt(pdeAddress)
      if (pde.low === 0 && pde.high === 0) continue
      let va = base + index * span
      if (mode === 'x64' && level === 4 && index >= 256) va -= 2 ** 48
      if (level === 2) {
        visit({ address: va, pdeAddress, pde })
        continue
      }
      if ((pde.low & PRESENT) === 0) continue
      const pfn = (mode === 'x86' ? 0 : (pde.high & 0x3fff) * 0x100000) + (pde.low >>> 12)
      walk(pfn * PAGE_SIZE, level - 1, va)
    }
  }
  walk(mode === 'x86-pae' ? cr3 - (cr3 % 32) : cr3, levelCount(mode), 0)
}

/** A resident page table of a process: its frame and where it maps. */
export interface ResidentPageTable extends PageTableEntryRef {
  readonly pfn: number
}

/** The frame a present PDE names. */
function pdeFrame(core: MmCore, pde: EntryValue): number {
  return core.machine.mode === 'x86' ? pde.low >>> 12 : (pde.high & 0x3fff) * 0x100000 + (pde.low >>> 12)
}

/** The resident page tables of process `pid` that are its working-set entries, in address order. */
export function residentPageTables(core: MmCore, pid: number): ResidentPageTable[] {
  const pfnDb = core.state.pfn
  const tables: ResidentPageTable[] = []
  forEachPageDirectoryEntry(core, pid, (table) => {
    if ((table.pde.low & PRESENT) === 0) return
    const pfn = pdeFrame(core, table.pde)
    if (pfnDb.state[pfn] === PfnState.PAGE_TABLE && pfnDb.ownerPid[pfn] === pid)
      tables.push({ ...table, pfn })
  })
  return tables
}

/** True when the table in frame `pfn` maps a valid or a transition PTE (it must stay in the working set). */
export function pageTableIsLive(core: MmCore, pfn: number): boolean {
  const words = frameWords(core.machine.frames, pfn)
  if (words === undefined) return false
  const stride = core.machine.mode === 'x86' ? 1 : 2
  for (let index = 0; index < words.length; index += stride) {
    const low = words[index]!
    if ((low & PRESENT) !== 0) return true
    if ((low & TRANSITION_BIT) !== 0 && (low & PROTOTYPE_BIT) === 0) return true
  }
  return false
}

function isEmpty(words: Uint32Array | undefined): boolean {
  if (words === undefined) return true
  for (let index = 0; index < words.length; index++) if (words[index] !== 0) return false
  return true
}

function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  if (b === undefined || a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}

/** Age a page table's entry by its PDE's accessed bit (as a page's by its PTE's): true when untouched at the oldest age. */
export function agePageTable(core: MmCore, table: ResidentPageTable, trimAge: number, pid: number): boolean {
  const pfnDb = core.state.pfn
  const pde = core.machine.editor.readEntryAt(table.pdeAddress)
  const accessed = (pde.low & 0x20) !== 0
  if (accessed) {
    core.machine.editor.writeEntryAt(table.pdeAddress, 2, withoutAccessed(pde))
    invalidateIfCurrent(core, pid, table.address)
  }
  const previousAge = pfnDb.age[table.pfn]!
  const age = accessed ? 0 : Math.min(previousAge + 1, trimAge)
  if (age !== previousAge)
    core.emit({ type: 'mm.pageAged', pfn: table.pfn, age, previousAge, movedToTail: false })
  return age === trimAge && previousAge === trimAge
}

/** True when `table` may leave its working set now: it maps nothing valid or in transition and no operation holds it. */
export function pageTableTrimmable(core: MmCore, table: ResidentPageTable): boolean {
  return !core.pinnedFrames.has(table.pfn) && !pageTableIsLive(core, table.pfn)
}

/**
 * Take page table `table` of process `pid` out of its working set (precondition: trimmable): its
 * PDE becomes a transition PDE, its frame goes to standby (its page-file copy is current) or
 * modified; a table mapping nothing is deleted.
 */
export function trimPageTable(
  core: MmCore,
  pid: number,
  table: ResidentPageTable,
  reason: WorkingSetTrimReason,
  tick: number,
): void {
  const { pfn } = table
  const before = pfnRecordOf(core.state, pfn)
  assert(
    before.state === 'PAGE_TABLE' && before.ownerPid === pid,
    () => `frame ${pfn} is not a page table of ${pid}`,
  )
  const frames = core.machine.frames
  const editor = core.machine.editor
  let slot = before.pageFileSlot
  if (isEmpty(frameWords(frames, pfn))) {
    editor.writeEntryAt(table.pdeAddress, 2, ZERO_PTE)
    invalidateIfCurrent(core, pid, table.address)
    if (slot >= 0) core.emit({ type: 'mm.pageFileSlotFreed', slot })
    frames.free(pfn)
    core.emit({
      type: 'mm.pageTableTrimmed',
      pid,
      address: table.address,
      pfn,
      tick,
      reason,
      outcome: 'deleted',
      before,
      after: unownedPfnRecord('FREE'),
    })
    return
  }
  // Clean when the page file still holds exactly these entries (a table read back and not changed).
  const clean =
    slot >= 0 && !before.modified && sameBytes(frames.frameBytes(pfn), core.state.pageFile.read(slot))
  if (!clean && slot >= 0) {
    core.emit({ type: 'mm.pageFileSlotFreed', slot })
    slot = -1
  }
  editor.writeEntryAt(table.pdeAddress, 2, transitionPte(pfn, MmProtection.MM_READWRITE))
  invalidateIfCurrent(core, pid, table.address)
  core.emit({
    type: 'mm.pageTableTrimmed',
    pid,
    address: table.address,
    pfn,
    tick,
    reason,
    outcome: clean ? 'standby' : 'modified',
    before,
    after: { ...before, state: clean ? 'STANDBY' : 'MODIFIED', modified: !clean, pageFileSlot: slot },
  })
}

/** The valid PDE naming page table `pfn`. */
function validPde(core: MmCore, pfn: number): EntryValue {
  return encodePte({ present: true, writable: true, user: true, pfn }, core.machine.mode)
}

/**
 * Make the page table mapping `va` of process `pid` resident (NT-PAGING.md §3.4 "PDE not valid"):
 * a transition PDE's frame comes back from standby or modified (soft), a page-file PDE's table is
 * read into a new frame (hard; the slot is kept while the table stays unchanged), a zero PDE gets
 * a demand-zero table. The working set first makes room (local replacement). The table's frame, or
 * undefined when no frame could be had. Precondition: the directories above exist.
 */
export function ntPageTableIn(core: MmCore, pid: number, va: number): number | undefined {
  const cr3 = core.cr3Of(pid)
  assert(cr3 !== undefined, () => `ntPageTableIn: no address space ${pid}`)
  const editor = core.machine.editor
  const mode = core.machine.mode
  const location = editor.entryAddress(cr3, va, 2)
  assert(location.ok, () => `ntPageTableIn: no directory above 0x${va.toString(16)}`)
  const pdeAddress = location.address
  const current = editor.readEntryAt(pdeAddress)
  if ((current.low & PRESENT) !== 0) return pdeFrame(core, current)
  const span = entrySpan(mode, 2)
  const address = Math.floor(va / span) * span
  core.ntBeforeGrow?.(core, pid)
  const entry = pagedOutTableEntry(core, pdeAddress)
  if (entry?.view.kind === 'transition') {
    const pfn = entry.view.pfn
    const before = pfnRecordOf(core.state, pfn)
    assert(
      (before.state === 'STANDBY' || before.state === 'MODIFIED') && before.ownerPid === pid,
      () => `transition PDE of 0x${address.toString(16)} names frame ${pfn} in state ${before.state}`,
    )
    editor.writeEntryAt(pdeAddress, 2, validPde(core, pfn))
    emitPageTableIn(core, pid, address, pfn, 'transition', before, { ...before, state: 'PAGE_TABLE' })
    return pfn
  }
  const slot = entry?.view.kind === 'pageFile' ? entry.view.slot : -1
  assert(entry === undefined || slot >= 0, () => `PDE of 0x${address.toString(16)} is ${entry?.view.kind}`)
  const pfn = requestPageMemoryConsumer(core, {
    purpose: 'page-table',
    pid,
    address,
    contents: slot >= 0 ? 'overwritten' : 'zero',
  })
  if (pfn === undefined) return undefined
  const before = pfnRecordOf(core.state, pfn)
  if (slot >= 0) {
    const bytes = core.state.pageFile.read(slot)
    assert(bytes !== undefined, () => `page-file PDE names free slot ${slot}`)
    core.machine.frames.writeBytes(pfn * PAGE_SIZE, bytes)
    core.emit({ type: 'mm.pageIn', pid, address, pfn, slot })
  }
  editor.writeEntryAt(pdeAddress, 2, validPde(core, pfn))
  // A demand-zero table has no copy, so it is born modified; a table read back keeps its slot.
  emitPageTableIn(core, pid, address, pfn, slot >= 0 ? 'page file' : 'demand-zero', before, {
    ...before,
    pageFileSlot: slot,
    modified: slot < 0,
  })
  return pfn
}

function emitPageTableIn(
  core: MmCore,
  pid: number,
  address: number,
  pfn: number,
  resolution: 'demand-zero' | 'transition' | 'page file',
  before: PfnRecord,
  after: PfnRecord,
): void {
  core.emit({ type: 'mm.pageTableIn', pid, address, pfn, resolution, before, after })
}

/** Pin the page table `pfn` for the fault in progress (mmAccessFault releases it). */
export function pinFaultTable(core: MmCore, pfn: number): void {
  if (core.pinnedFrames.has(pfn)) return
  core.pinnedFrames.add(pfn)
  core.faultPinnedTables.push(pfn)
}

/**
 * Visit every non-zero PTE kept in a page table of `pid` that is not resident (read from its
 * standby/modified frame or its page-file slot), with the PDE naming the table. Side-effect free.
 */
export function forEachPagedOutPte(
  core: MmCore,
  pid: number,
  visit: (va: number, low: number, high: number, table: PageTableEntryRef) => void,
): void {
  const mode = core.machine.mode
  const size = mode === 'x86' ? 4 : 8
  forEachPageDirectoryEntry(core, pid, (table) => {
    if ((table.pde.low & PRESENT) !== 0) return
    const view = readPteView(table.pde.low, table.pde.high, mode)
    let bytes: Uint8Array | undefined
    if (view.kind === 'transition') bytes = core.machine.frames.frameBytes(view.pfn)
    else if (view.kind === 'pageFile') bytes = core.state.pageFile.read(view.slot)
    if (bytes === undefined) return
    const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    for (let offset = 0; offset < PAGE_SIZE; offset += size) {
      const low = data.getUint32(offset, true)
      const high = size === 8 ? data.getUint32(offset + 4, true) : 0
      if (low === 0 && high === 0) continue
      visit(table.address + (offset / size) * PAGE_SIZE, low, high, table)
    }
  })
}

/**
 * Process `pid`'s space is being deleted: the page tables that left memory give up their frames
 * (standby/modified) and page-file slots, with the slots their page-file PTEs hold.
 */
export function releasePagedOutTables(core: MmCore, pid: number): void {
  const slots: number[] = []
  forEachPagedOutPte(core, pid, (_va, low, high) => {
    const view = readPteView(low, high, core.machine.mode)
    if (view.kind === 'pageFile') slots.push(view.slot)
  })
  const tables: PageTableEntryRef[] = []
  forEachPageDirectoryEntry(core, pid, (table) => {
    if ((table.pde.low & PRESENT) === 0) tables.push(table)
  })
  for (const slot of slots) core.emit({ type: 'mm.pageFileSlotFreed', slot })
  for (const table of tables) {
    const view = readPteView(table.pde.low, table.pde.high, core.machine.mode)
    core.machine.editor.writeEntryAt(table.pdeAddress, 2, ZERO_PTE)
    if (view.kind === 'transition') {
      const slot = core.state.pfn.pageFileSlot[view.pfn]!
      if (slot >= 0) core.emit({ type: 'mm.pageFileSlotFreed', slot })
      releasePageMemoryConsumer(core, view.pfn)
    } else if (view.kind === 'pageFile') core.emit({ type: 'mm.pageFileSlotFreed', slot: view.slot })
  }
}
