// Reading and writing one process's PTEs from anywhere (ReactOS ntoskrnl/mm/i386/page.c
// MiAddressToPte / MmGetPageTableForProcess, which map another process's page table through
// hyperspace; NT's self-map for the current one). Here the paging structures are read and written
// through @ntmm/hw-mmu's PageTableEditor under the owning space's CR3, whichever space is loaded,
// and a changed PTE's TLB entry is invalidated only when that space is the one loaded (a CR3 load
// flushes the others). A leaf: it knows nothing of faults, frames or paging, so the fault path,
// the frame supply and the replacement policy all build on it without importing one another.

import {
  type EntryValue,
  type PagingMode,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_FRAME_MASK,
  PTE_PRESENT,
} from '@ntmm/hw-mmu'
import { applyPteWritten, frameWords } from '@ntmm/hw-mmu/internal'
import { assert } from './assert.js'
import type { MmCore } from './mmCore.js'
import { type PteView, pageFileSlotOf, readPteView, validPte, validPteLowX86 } from './softwarePte.js'

/** A PTE read by {@link readPte}: where it is, its raw value and the mm reading of it. */
export interface PteRead {
  readonly address: number
  readonly value: EntryValue
  readonly view: PteView
  /**
   * The 'nt' policy: the PTE was read through a page table that is not resident (its PDE is a
   * transition or page-file entry, NT-PAGING.md §3.8). `address` is then -1: the table must be
   * brought back before the PTE is written.
   */
  readonly pagedOut?: true
}

/** A {@link PteRead} of a valid (present) PTE. */
export type ValidPteRead = PteRead & { readonly view: Extract<PteView, { kind: 'valid' }> }

/**
 * 32-bit paging: the physical address of the PTE of `va` (a 32-bit address) under `cr3` when its
 * PDE is present, maps a page table (not a large page) and that table is in RAM; -1 otherwise
 * (readPte's general path then answers). The two-level walk of editor.entryAddress written out on
 * the frames' words, without its location object and checks: every fault reads its PTE, and the
 * replacement policy's aging scan reads every resident one.
 */
export function x86PteAddress(core: MmCore, cr3: number, va: number): number {
  const frames = core.machine.frames
  const directory = frameWords(frames, cr3 / 0x1000)
  const pde = directory === undefined ? 0 : directory[va >>> 22]!
  const table = pde >>> 12
  if ((pde & 0x81) !== 1 || table >= frames.frameCount) return -1
  return table * 0x1000 + ((va >>> 12) & 0x3ff) * 4
}

/** The low word of the entry at physical `address` (in RAM, 4-aligned), as editor.readEntryAt reads it. */
export function pteLowAt(core: MmCore, address: number): number {
  const words = frameWords(core.machine.frames, Math.floor(address / 0x1000))
  return words === undefined ? 0 : words[(address & 0xfff) >>> 2]!
}

/** The PTE mapping `va` in space `pid`, or undefined when its page table does not exist. Side-effect free. */
export function readPte(core: MmCore, pid: number, va: number): PteRead | undefined {
  const cr3 = core.cr3Of(pid)
  if (cr3 === undefined) return undefined
  const mode = core.machine.mode
  if (mode === 'x86' && va >>> 0 === va) {
    const address = x86PteAddress(core, cr3, va)
    if (address >= 0) {
      const low = pteLowAt(core, address)
      return { address, value: { low, high: 0 }, view: readPteView(low, 0, mode) }
    }
  }
  // The entry's location and value, not editor.readEntry: that also decodes it as the hardware
  // would (an object this reader drops), on the fault path several times per fault.
  const editor = core.machine.editor
  const location = editor.entryAddress(cr3, va, 1)
  if (!location.ok) return location.level === 2 ? readPagedOutPte(core, location.address, va) : undefined
  const value = editor.readEntryAt(location.address)
  return { address: location.address, value, view: readPteView(value.low, value.high, mode) }
}

/**
 * The not-present PDE at `pdeAddress` of a page table that left memory ('nt'), or undefined when
 * the PDE is zero (no page table). Its view is a transition entry (the table's frame is on the
 * standby or modified list) or a page-file entry (the table is in the page file).
 */
export function pagedOutTableEntry(core: MmCore, pdeAddress: number): PteRead | undefined {
  const value = core.machine.editor.readEntryAt(pdeAddress)
  if (value.low === 0 && value.high === 0) return undefined
  return { address: pdeAddress, value, view: readPteView(value.low, value.high, core.machine.mode) }
}

/**
 * The PTE of `va` kept in a page table that is not resident: read from its frame on the standby or
 * modified list, or from its page-file slot. Side-effect free (no fault, no event).
 */
function readPagedOutPte(core: MmCore, pdeAddress: number, va: number): PteRead | undefined {
  const entry = pagedOutTableEntry(core, pdeAddress)
  if (entry === undefined) return undefined
  const mode = core.machine.mode
  const size = mode === 'x86' ? 4 : 8
  const offset = ((va >>> 12) & (mode === 'x86' ? 0x3ff : 0x1ff)) * size
  let low = 0
  let high = 0
  if (entry.view.kind === 'transition') {
    const frames = core.machine.frames
    low = frames.read32(entry.view.pfn * 0x1000 + offset)
    if (size === 8) high = frames.read32(entry.view.pfn * 0x1000 + offset + 4)
  } else if (entry.view.kind === 'pageFile') {
    const bytes = core.state.pageFile.read(entry.view.slot)
    if (bytes === undefined) return undefined
    const words = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    low = words.getUint32(offset, true)
    if (size === 8) high = words.getUint32(offset + 4, true)
  } else return undefined
  return { address: -1, value: { low, high }, view: readPteView(low, high, mode), pagedOut: true }
}

/**
 * The page-file slot a not-present PTE at physical `address` names (a page-file PTE), or -1 for
 * any other PTE: readPteView's answer for that kind, from the entry's low word alone (a software
 * PTE keeps all its state there, softwarePte.ts), without the read's objects.
 */
export function pageFileSlotAt(core: MmCore, address: number): number {
  return pageFileSlotOf(pteLowAt(core, address))
}

/** Write the PTE at physical `address` (from {@link readPte}); emits hw.pteWritten. */
export function writePteAt(core: MmCore, address: number, value: EntryValue): void {
  core.machine.editor.writeEntryAt(address, 1, value)
}

/**
 * Write the PTE at physical `address` (32-bit paging: its one word `low`, a valid PTE the caller
 * built for a PTE it read there), as {@link writePteAt} does. Unrecorded, hw.pteWritten applied
 * straight (applyPteWritten, as the editor applies it) without the editor's argument checks and
 * the value object they read: the word was made by validPteLowX86 and the address was walked.
 */
export function writePteWordAt(core: MmCore, address: number, low: number): void {
  const frames = core.machine.frames
  if (frames.recorder === undefined) applyPteWritten(frames, address, 4, low, 0)
  else core.machine.editor.writeEntryAt(address, 1, low)
}

/**
 * MmCreateVirtualMapping's PTE write: the entry at `address` made valid for frame `pfn` with
 * `protectMask`. On 32-bit paging its one word (writePteWordAt); otherwise through the editor. The
 * demand-zero, hard, soft, shared-page and copy-on-write faults all map their page here.
 */
export function writeValidPteAt(
  core: MmCore,
  address: number,
  pfn: number,
  protectMask: number,
  user: boolean,
): void {
  const machine = core.machine
  const mode = machine.mode
  if (mode === 'x86') writePteWordAt(core, address, validPteLowX86(pfn, protectMask, user))
  else writePteAt(core, address, validPte(pfn, protectMask, { mode, user, noExecute: machine.noExecute }))
}

/** INVLPG `va` if space `pid` is the one loaded in CR3 (other spaces' entries were flushed by the CR3 load). */
export function invalidateIfCurrent(core: MmCore, pid: number, va: number): void {
  if (core.cr3Of(pid) === core.machine.currentCr3()) core.machine.invalidatePage(va)
}

/** The span of virtual memory one entry at `level` maps (level 1: a page). */
export function entrySpan(mode: PagingMode, level: number): number {
  if (level === 1) return 0x1000
  if (level === 2) return mode === 'x86' ? 0x400000 : 0x200000
  if (level === 3) return 0x40000000
  return 0x8000000000
}

/**
 * Visit every non-zero PTE of space `pid` in [start, end) (page-aligned), skipping whole spans
 * whose page tables do not exist. `visit` may rewrite the PTE it is given (but creates or frees no
 * page table). The PTEs of one page table are contiguous, so each table is located once, and a
 * zero PTE (an untouched page: most of a fresh view or reservation) costs one word read.
 */
export function forEachPte(
  core: MmCore,
  pid: number,
  start: number,
  end: number,
  visit: (va: number, pte: PteRead) => void,
): void {
  const cr3 = core.cr3Of(pid)
  if (cr3 === undefined) return
  const editor = core.machine.editor
  const frames = core.machine.frames
  const mode = core.machine.mode
  const entrySize = mode === 'x86' ? 4 : 8
  const tableSpan = entrySpan(mode, 2)
  let va = start
  while (va < end) {
    const location = editor.entryAddress(cr3, va, 1)
    if (!location.ok) {
      // 'nt': a page table that left memory comes back before its PTEs are visited (NT's
      // MiMakePdeExistAndMakeValid), as the visitor may rewrite them.
      if (
        location.level === 2 &&
        core.ntPageTableIn !== undefined &&
        pagedOutTableEntry(core, location.address) !== undefined
      ) {
        const pfn = core.ntPageTableIn(core, pid, va)
        assert(pfn !== undefined, () => `no frame to bring back the page table of 0x${va.toString(16)}`)
        continue
      }
      const span = entrySpan(mode, location.level)
      va = Math.floor(va / span) * span + span
      continue
    }
    const tableEnd = Math.min(end, Math.floor(va / tableSpan) * tableSpan + tableSpan)
    // The table's words as the frame store holds them (read only): a table never written reads
    // as zeros and is skipped whole; otherwise a zero entry costs one array read.
    let words = frameWords(frames, location.address >>> 12)
    if (words === undefined) {
      va = tableEnd
      continue
    }
    for (let address = location.address; va < tableEnd; va += 0x1000, address += entrySize) {
      const index = (address & 0xfff) >>> 2
      if (words[index] === 0 && (entrySize === 4 || words[index + 1] === 0)) continue
      const value = editor.readEntryAt(address)
      visit(va, { address, value, view: readPteView(value.low, value.high, mode) })
      // A write copies the table's buffer away from a checkpoint: read the live one from here on.
      words = frameWords(frames, location.address >>> 12) ?? words
    }
  }
}

/**
 * The valid PTE that maps frame `pfn` with protection `mask` in place of `pte` (a protection change
 * of a resident page, private or in a view), keeping the hardware's accessed and dirty bits: the page
 * may still be dirty.
 */
export function reprotectedPte(core: MmCore, pte: PteRead, pfn: number, mask: number): EntryValue {
  const next = validPte(pfn, mask, { mode: core.machine.mode, user: true, noExecute: core.machine.noExecute })
  return { low: (next.low | (pte.value.low & (PTE_ACCESSED | PTE_DIRTY))) >>> 0, high: next.high }
}

/**
 * The physical address of the PTE mapping `va` in space `pid`, or -1 when it cannot be reached (no
 * such space, no page table, or one that left memory): {@link readPte}'s address without the read,
 * its view or any object (the unrecorded page-out reads the PTE's words itself).
 */
export function pteAddressOf(core: MmCore, pid: number, va: number): number {
  const space = core.state.space(pid)
  return space === undefined ? -1 : core.machine.editor.pteAddress(space.directoryPfn * 0x1000, va)
}

/**
 * The frame the PTE at physical `address` maps when it is valid (present), else -1: readPteView's
 * `pfn` of a 'valid' view from the entry's words, without the read's objects (PAE's and x64's high
 * word holds the frame number's bits above 20: hw-mmu's highFrameMask). `address` as
 * {@link pteAddressOf} gives it (not -1).
 */
export function validPfnAt(core: MmCore, address: number): number {
  const frames = core.machine.frames
  const mode = core.machine.mode
  const low = frames.read32(address)
  if ((low & PTE_PRESENT) === 0) return -1
  const high = mode === 'x86' ? 0 : frames.read32(address + 4) & (mode === 'x86-pae' ? 0xf : 0x3fff)
  return high * 0x100000 + ((low & PTE_FRAME_MASK) >>> 12)
}
