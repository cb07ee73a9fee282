// Page tables and mappings (ReactOS ntoskrnl/mm/i386/page.c: MmCreateVirtualMapping,
// MmDeleteVirtualMapping; ARM3 MiMakeSystemAddressValid / demand-zero page tables): the last step
// of a fault, which maps the requested frame; the page tables it needs, created on demand; and the
// deletion of the mappings of a range when it is decommitted or released. PTEs are read and
// written through pteAccess.ts, under the owning space's CR3.

import { encodePte, levelCount } from '@ntmm/hw-mmu'
import { assert } from './assert.js'
import { isSystemAddress } from './addressSpaceLayout.js'
import { applyMappingAdded, pfnRecordOf } from './events.js'
import { PfnState } from './pfnDatabase.js'
import { pfnRecordInState, pfnRecordWith } from './pfnRecord.js'
import type { MmCore } from './mmCore.js'
import { pinFaultTable } from './ntPageTables.js'
import { releasePageMemoryConsumer, requestPageMemoryConsumer } from './pageMemoryConsumer.js'
import { forEachPte, invalidateIfCurrent, readPte, writePteAt, writeValidPteAt } from './pteAccess.js'
import { ZERO_PTE } from './softwarePte.js'

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
    if (level === 2 && core.ntPageTableIn !== undefined) {
      // 'nt': the page table is a working-set entry that may have left memory (ntPageTables.ts);
      // it stays pinned until the fault has mapped its page.
      const table = read.decoded.present ? read.decoded.pfn : core.ntPageTableIn(core, pid, va)
      if (table === undefined) return false
      pinFaultTable(core, table)
      continue
    }
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
 * MmCreateVirtualMapping: map `va` (page-aligned) of space `pid` to `pfn` with `protectMask`; the
 * page keeps `pageFileSlot` as its page-file copy and is `modified` or not. Precondition: the page
 * tables exist and the PTE is not valid. `pteAddress`: where the caller read that PTE (-1: read
 * it here). The frame's PFN entry must already name the page (requested or reclaimed for it).
 *
 * mm.mappingCreated and its two PFN records are built only for a recorder; its changes are applied
 * from the fields either way, by the functions applyMmEvent applies the object with (setPfn's
 * state move and setOwnerFields, applyMappingAdded), as the soft fault does (transitionFault.ts):
 * every demand-zero and hard fault maps its page here (docs/performance.md, issue 22's fault path).
 */
export function createVirtualMapping(
  core: MmCore,
  pid: number,
  va: number,
  pfn: number,
  protectMask: number,
  pageFileSlot: number,
  modified: boolean,
  pteAddress: number,
): void {
  let address = pteAddress
  if (address < 0) {
    const pte = readPte(core, pid, va)
    assert(
      pte !== undefined && pte.view.kind !== 'valid',
      () => `createVirtualMapping: 0x${va.toString(16)} has no free PTE`,
    )
    address = pte.address
  }
  const state = core.state
  const pfnDb = state.pfn
  // A record has a segment and share count only for a section page's frame (setPfn: -1 and 0).
  const segmentId = pfnDb.segmentId[pfn]! < 0 ? -1 : pfnDb.segmentId[pfn]!
  const shareCount = segmentId < 0 ? 0 : pfnDb.shareCount[pfn]!
  const recorder = core.recorder
  const before = recorder === undefined ? undefined : pfnRecordOf(state, pfn)
  // 32-bit paging: the valid PTE as its one word, written without the editor's checks and value
  // object when unrecorded (writePteWordAt), as the soft fault does: every demand-zero and hard
  // fault of a sweep maps its page here (docs/performance.md, issue 22's sweeps, second pass).
  writeValidPteAt(core, address, pfn, protectMask, !isSystemAddress(core.layout, va))
  // A stale translation of the old not-present PTE cannot be cached, so no INVLPG is needed here.
  if (before !== undefined) {
    const after = pfnRecordWith(before, 'ACTIVE', pid, va, protectMask, pageFileSlot, modified)
    recorder!({ type: 'mm.mappingCreated', pid, address: va, pfn, protectMask, before, after })
  }
  if (pfnDb.state[pfn] !== PfnState.ACTIVE) pfnDb.setState(pfn, 'ACTIVE')
  pfnDb.setOwnerFields(pfn, pid, va, protectMask, pageFileSlot, modified, segmentId, shareCount)
  applyMappingAdded(state, pid, va, pfn, segmentId >= 0)
  // LRU bookkeeping: becoming resident counts as a reference (not an event: an input-driven hint).
  pfnDb.lastUse[pfn] = ++core.tick
}

/**
 * MmDeleteVirtualMapping + MmFreeSwapPage + MmReleasePageMemoryConsumer over [start, end) of space
 * `pid` (page-aligned): every non-zero PTE becomes zero; a resident page loses its mapping (INVLPG
 * when the space is loaded), its frame and its page-file copy; a transition page its frame and
 * copy; a paged-out page its slot.
 */
export function deleteVirtualMappings(core: MmCore, pid: number, start: number, end: number): void {
  forEachPte(core, pid, start, end, (va, pte) => {
    const view = pte.view
    if (view.kind === 'zero') return
    writePteAt(core, pte.address, ZERO_PTE)
    if (view.kind === 'valid') {
      invalidateIfCurrent(core, pid, va)
      const before = pfnRecordOf(core.state, view.pfn)
      core.emit({
        type: 'mm.mappingDeleted',
        pid,
        address: va,
        pfn: view.pfn,
        before,
        after: pfnRecordInState(before, 'ACTIVE'),
      })
      freeFrameAndSlot(core, view.pfn)
    } else if (view.kind === 'transition') {
      freeFrameAndSlot(core, view.pfn)
    } else if (view.kind === 'pageFile') {
      core.emit({ type: 'mm.pageFileSlotFreed', slot: view.slot })
    }
  })
}

function freeFrameAndSlot(core: MmCore, pfn: number): void {
  const slot = core.state.pfn.pageFileSlot[pfn]!
  if (slot >= 0) core.emit({ type: 'mm.pageFileSlotFreed', slot })
  releasePageMemoryConsumer(core, pfn)
}
