// Page tables and mappings (ReactOS ntoskrnl/mm/i386/page.c: MmCreateVirtualMapping,
// MmDeleteVirtualMapping, MmSetPageProtect, MiAddressToPte; ARM3 MiMakeSystemAddressValid /
// demand-zero page tables). The memory manager reads and writes paging-structure entries through
// @ntmm/hw-mmu's PageTableEditor under the owning space's CR3 (not only the current one), creates
// missing page tables on demand, and invalidates the TLB entry of a changed PTE when that space is
// the one loaded (a CR3 load flushes the others).

import { type EntryValue, encodePte, levelCount } from '@ntmm/hw-mmu'
import { assert } from './assert.js'
import { isSystemAddress } from './addressSpaceLayout.js'
import { pfnRecordOf } from './events.js'
import type { MmCore } from './mmCore.js'
import { requestPageMemoryConsumer } from './pageMemoryConsumer.js'
import { type PteView, readPteView, validPte } from './softwarePte.js'

/** A PTE read by {@link readPte}: where it is, its raw value and the mm reading of it. */
export interface PteRead {
  readonly address: number
  readonly value: EntryValue
  readonly view: PteView
}

/** The PTE mapping `va` in space `pid`, or undefined when its page table does not exist. Side-effect free. */
export function readPte(core: MmCore, pid: number, va: number): PteRead | undefined {
  const cr3 = core.cr3Of(pid)
  if (cr3 === undefined) return undefined
  const read = core.machine.editor.readEntry(cr3, va, 1)
  if (!read.ok) return undefined
  const value = { low: read.low, high: read.high }
  return { address: read.address, value, view: readPteView(read.low, read.high, core.machine.mode) }
}

/** Write the PTE at physical `address` (from {@link readPte}); emits hw.pteWritten. */
export function writePteAt(core: MmCore, address: number, value: EntryValue): void {
  core.machine.editor.writeEntryAt(address, 1, value)
}

/** INVLPG `va` if space `pid` is the one loaded in CR3 (other spaces' entries were flushed by the CR3 load). */
export function invalidateIfCurrent(core: MmCore, pid: number, va: number): void {
  if (core.cr3Of(pid) === core.machine.currentCr3()) core.machine.invalidatePage(va)
}

/**
 * Make sure every paging structure above the PTE of `va` exists in space `pid`, allocating zeroed
 * page tables (MmRequestPageMemoryConsumer) as needed. Returns false when no frame could be had.
 */
export function ensurePageTables(core: MmCore, pid: number, va: number): boolean {
  const cr3 = core.cr3Of(pid)
  assert(cr3 !== undefined, () => `ensurePageTables: no address space ${pid}`)
  const mode = core.machine.mode
  const editor = core.machine.editor
  for (let level = levelCount(mode); level >= 2; level--) {
    const read = editor.readEntry(cr3, va, level)
    assert(read.ok, () => `ensurePageTables: level ${level} above 0x${va.toString(16)} unreachable`)
    if (read.decoded.present) continue
    assert(!(mode === 'x86-pae' && level === 3), 'PAE page directories are created with the address space')
    const pfn = requestPageMemoryConsumer(core, { purpose: 'page-table', pid, address: va })
    if (pfn === undefined) return false
    editor.writeEntryAt(
      read.address,
      level,
      encodePte({ present: true, writable: true, user: true, pfn }, mode),
    )
  }
  return true
}

/**
 * MmCreateVirtualMapping: map `va` (page-aligned) of space `pid` to `pfn` with `protectMask`.
 * Precondition: the page tables exist and the PTE is not valid. The frame's PFN entry must already
 * name the page (requested or reclaimed for it).
 */
export function createVirtualMapping(
  core: MmCore,
  pid: number,
  va: number,
  pfn: number,
  protectMask: number,
  page: { readonly modified?: boolean; readonly pageFileSlot?: number } = {},
): void {
  const pte = readPte(core, pid, va)
  assert(
    pte !== undefined && pte.view.kind !== 'valid',
    () => `createVirtualMapping: 0x${va.toString(16)} has no free PTE`,
  )
  const before = pfnRecordOf(core.state, pfn)
  const after = {
    ...before,
    state: 'ACTIVE' as const,
    ownerPid: pid,
    ownerAddress: va,
    protectMask,
    modified: page.modified ?? before.modified,
    pageFileSlot: page.pageFileSlot ?? before.pageFileSlot,
  }
  writePteAt(
    core,
    pte.address,
    validPte(pfn, protectMask, {
      mode: core.machine.mode,
      user: !isSystemAddress(core.layout, va),
      noExecute: core.machine.noExecute,
    }),
  )
  // A stale translation of the old not-present PTE cannot be cached, so no INVLPG is needed here.
  core.emit({ type: 'mm.mappingCreated', pid, address: va, pfn, protectMask, before, after })
  // LRU bookkeeping: becoming resident counts as a reference (not an event: an input-driven hint).
  core.state.pfn.lastUse[pfn] = ++core.tick
}

/** The span of virtual memory one entry at `level` maps (level 1: a page). */
export function entrySpan(mode: string, level: number): number {
  if (level === 1) return 0x1000
  if (level === 2) return mode === 'x86' ? 0x400000 : 0x200000
  if (level === 3) return 0x40000000
  return 0x8000000000
}

/**
 * Visit every existing PTE of space `pid` in [start, end) (page-aligned), skipping whole spans
 * whose page tables do not exist. `visit` may rewrite the PTE it is given.
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
  const mode = core.machine.mode
  let va = start
  while (va < end) {
    const location = editor.entryAddress(cr3, va, 1)
    if (!location.ok) {
      const span = entrySpan(mode, location.level)
      va = Math.floor(va / span) * span + span
      continue
    }
    const value = editor.readEntryAt(location.address)
    visit(va, { address: location.address, value, view: readPteView(value.low, value.high, mode) })
    va += 0x1000
  }
}
