// Page tables and mappings (ReactOS ntoskrnl/mm/i386/page.c: MmCreateVirtualMapping; ARM3
// MiMakeSystemAddressValid / demand-zero page tables): the last step of a fault, which maps the
// requested frame, and the page tables it needs, created on demand. PTEs are read and written
// through pteAccess.ts, under the owning space's CR3.

import { encodePte, levelCount } from '@ntmm/hw-mmu'
import { assert } from './assert.js'
import { isSystemAddress } from './addressSpaceLayout.js'
import { pfnRecordOf } from './events.js'
import type { MmCore } from './mmCore.js'
import { requestPageMemoryConsumer } from './pageMemoryConsumer.js'
import { readPte, writePteAt } from './pteAccess.js'
import { validPte } from './softwarePte.js'

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
