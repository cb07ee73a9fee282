// MmPageOutPhysicalAddress of a private page when no recorder listens (pageMemoryConsumer.ts's
// pageOut; a sweep replays its trace unrecorded). A page-out is half of every fault once memory is
// full: with nothing recording, building mm.pageOut, its two PFN records and the PTE read's three
// objects only to apply them was a fifth of the page-out (docs/performance.md, issue 22's sweeps).
//
// The same hardware steps in the same order (the PTE written, INVLPG, the frame freed: each its hw
// event for a hardware recorder), and mm.pageOut's changes applied from its fields by
// applyPrivatePageOut (what applyMmEvent applies the event's `after` as), so the state is the one the
// event would have made and a recorded run, which takes pageOut's general path, replays to it.

import { type EntryValue, PTE_DIRTY } from '@ntmm/hw-mmu'
import { applyPrivatePageOut } from './events.js'
import type { MmCore } from './mmCore.js'
import { PfnState } from './pfnDatabase.js'
import {
  invalidateIfCurrent,
  pteAddressOf,
  pteLowAt,
  validPfnAt,
  writePteAt,
  writePteWordAt,
  x86PteAddress,
} from './pteAccess.js'
import { protectionPte, transitionPte } from './softwarePte.js'

/**
 * Take private frame `pfn` out of its owner's working set as pageOut does, unrecorded. False, with
 * nothing done, for anything but an ACTIVE private page its owner maps validly (a present PTE naming
 * `pfn`) through a resident page table: pageOut's general path then does the work, or throws its
 * InvariantError, as before.
 */
export function pageOutUnrecorded(core: MmCore, pfn: number): boolean {
  const state = core.state
  const pfnDb = state.pfn
  if (pfnDb.state[pfn] !== PfnState.ACTIVE || pfnDb.segmentId[pfn]! >= 0) return false
  const pid = pfnDb.ownerPid[pfn]!
  const address = pfnDb.ownerAddress[pfn]!
  // 32-bit paging: the PTE's address walked on the frames' words (x86PteAddress); else the editor's.
  const x86 = core.machine.mode === 'x86'
  const cr3 = x86 ? core.cr3Of(pid) : undefined
  const pteAddress =
    cr3 !== undefined ? x86PteAddress(core, cr3, address) : x86 ? -1 : pteAddressOf(core, pid, address)
  if (pteAddress < 0) return false
  // ownerPteOf's check on the entry's words: valid, and naming this frame.
  if (validPfnAt(core, pteAddress) !== pfn) return false
  const frames = core.machine.frames
  const low = pteLowAt(core, pteAddress)
  const protectMask = pfnDb.protectMask[pfn]!
  const pageFileSlot = pfnDb.pageFileSlot[pfn]!
  const dirty = (low & PTE_DIRTY) !== 0 || pfnDb.modified[pfn] === 1
  if (!dirty && pageFileSlot < 0) {
    // Never written, no page-file copy: the page holds zeros, dropped at once.
    writeNotPresent(core, pteAddress, protectionPte(protectMask))
    invalidateIfCurrent(core, pid, address)
    applyPrivatePageOut(state, pid, address, pfn, 'dropped', protectMask, pageFileSlot, false)
    frames.free(pfn)
    return true
  }
  writeNotPresent(core, pteAddress, transitionPte(pfn, protectMask))
  invalidateIfCurrent(core, pid, address)
  const outcome = dirty ? 'modified' : 'standby'
  applyPrivatePageOut(state, pid, address, pfn, outcome, protectMask, pageFileSlot, dirty)
  return true
}

/**
 * The page-out's not-present PTE: on 32-bit paging its one word (the software PTEs' high half is
 * 0), written as writePteWordAt writes it (no editor checks when unrecorded); every other mode
 * through the editor as before.
 */
function writeNotPresent(core: MmCore, pteAddress: number, value: EntryValue): void {
  if (core.machine.mode === 'x86') writePteWordAt(core, pteAddress, value.low)
  else writePteAt(core, pteAddress, value)
}
