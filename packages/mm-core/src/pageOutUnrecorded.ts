// MmPageOutPhysicalAddress of a private page when no recorder listens (pageMemoryConsumer.ts's
// pageOut; a sweep replays its trace unrecorded). A page-out is half of every fault once memory is
// full: with nothing recording, building mm.pageOut, its two PFN records and the PTE read's three
// objects only to apply them was a fifth of the page-out (docs/performance.md, issue 22's sweeps).
//
// The same hardware steps in the same order (the PTE written, INVLPG, the frame freed: each its hw
// event for a hardware recorder), and mm.pageOut's changes applied from its fields by
// applyPrivatePageOut (what applyMmEvent applies the event's `after` as), so the state is the one the
// event would have made and a recorded run, which takes pageOut's general path, replays to it.

import { PTE_DIRTY, PTE_PRESENT } from '@ntmm/hw-mmu'
import { applyPrivatePageOut } from './events.js'
import type { MmCore } from './mmCore.js'
import { PfnState } from './pfnDatabase.js'
import { pteLowAt, validPfnAt, writePteAt, writePteWordAt, x86PteAddress } from './pteAccess.js'
import { protectionPte, protectionPteLow, transitionPte, transitionPteLow } from './softwarePte.js'

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
  const space = state.space(pid)
  if (space === undefined) return false
  const cr3 = space.directoryPfn * 0x1000
  const machine = core.machine
  const x86 = machine.mode === 'x86'
  let pteAddress: number
  let low: number
  if (x86 && address >>> 0 === address) {
    // 32-bit paging: the PTE located and read as its one word, read once (the walk
    // editor.pteAddress makes; a table beyond RAM maps nothing valid, as its all-ones PTE names no
    // frame): ownerPteOf's check is its present bit and frame number.
    pteAddress = x86PteAddress(core, cr3, address)
    if (pteAddress < 0) return false
    low = pteLowAt(core, pteAddress)
    if ((low & PTE_PRESENT) === 0 || low >>> 12 !== pfn) return false
  } else {
    pteAddress = machine.editor.pteAddress(cr3, address)
    if (pteAddress < 0) return false
    // ownerPteOf's check on the entry's words: valid, and naming this frame.
    if (validPfnAt(core, pteAddress) !== pfn) return false
    low = machine.frames.read32(pteAddress)
  }
  const protectMask = pfnDb.protectMask[pfn]!
  const pageFileSlot = pfnDb.pageFileSlot[pfn]!
  const dirty = (low & PTE_DIRTY) !== 0 || pfnDb.modified[pfn] === 1
  // invalidateIfCurrent's test, with the CR3 in hand.
  const current = cr3 === machine.currentCr3()
  if (!dirty && pageFileSlot < 0) {
    // Never written, no page-file copy: the page holds zeros, dropped at once.
    if (x86) writePteWordAt(core, pteAddress, protectionPteLow(protectMask))
    else writePteAt(core, pteAddress, protectionPte(protectMask))
    if (current) machine.invalidatePage(address)
    applyPrivatePageOut(state, pid, address, pfn, 'dropped', protectMask, pageFileSlot, false)
    machine.frames.free(pfn)
    return true
  }
  if (x86) writePteWordAt(core, pteAddress, transitionPteLow(pfn, protectMask))
  else writePteAt(core, pteAddress, transitionPte(pfn, protectMask))
  if (current) machine.invalidatePage(address)
  const outcome = dirty ? 'modified' : 'standby'
  applyPrivatePageOut(state, pid, address, pfn, outcome, protectMask, pageFileSlot, dirty)
  return true
}
