// What the memory manager reads in, and writes to, a PTE: the valid (hardware) format built from a
// page's protection, and the invalid "software" formats NT keeps in the same word
// (MMPTE_SOFTWARE / MMPTE_TRANSITION, ReactOS sdk/include/ndk/i386/mmtypes.h). Only the low 32
// bits carry software state, in every paging mode (the high half of a PAE/x64 entry stays 0).
//
//   invalid PTE, low 32 bits (bit 0 = P = 0):
//   31                          12 11 10 9       5 4    1 0
//  +------------------------------+--+--+---------+------+-+
//  | PageFileHigh / PFN           |T |Pr|Protect  |PfLow |0|
//  +------------------------------+--+--+---------+------+-+
//   zero PTE (all 0)          never touched: state and protection come from the MM_REGION
//   T=0, high=0, Protect≠0    protection PTE: committed page whose protection differs from its
//                             region (a guard page whose guard fired, NT's demand-zero PTE)
//   T=0, high=slot+1          page-file PTE: the page is in page-file slot `high − 1`
//   T=1, high=PFN             transition PTE: the frame is on the standby or modified list
//   Pr=1, high=0, Protect     prototype PTE (a section view's page that left this process): the
//                             page is the segment's prototype entry (segment.ts), Protect is its
//                             protection in this view (MMPTE_PROTOTYPE with the protection kept
//                             beside it, as RosMm keeps it in the view's MM_REGION)
//   PageFileLow (bits 1-4, which paging file) is always 0 here.

import type { EntryValue, PagingMode } from '@ntmm/hw-mmu'
import {
  PTE_ACCESSED,
  PTE_CACHE_DISABLE,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_USER,
  PTE_WRITABLE,
  encodePte,
} from '@ntmm/hw-mmu'
import { MmProtection, maskAllowsExecute, maskAllowsWrite, maskIsCopyOnWrite } from './protectionMask.js'

const PROTECTION_SHIFT = 5
const PROTECTION_BITS = 0x3e0
const TRANSITION_BIT = 0x800
const PROTOTYPE_BIT = 0x400
const HIGH_SHIFT = 12

/** The memory manager's reading of a PTE. */
export type PteView =
  | {
      readonly kind: 'valid'
      readonly pfn: number
      readonly dirty: boolean
      readonly accessed: boolean
      readonly writable: boolean
    }
  | { readonly kind: 'zero' }
  | { readonly kind: 'protection'; readonly protectMask: number }
  | { readonly kind: 'pageFile'; readonly slot: number; readonly protectMask: number }
  | { readonly kind: 'transition'; readonly pfn: number; readonly protectMask: number }
  | { readonly kind: 'prototype'; readonly protectMask: number }

/**
 * Decode the entry (low, high) as the memory manager sees it. A present entry is the hardware's
 * (decoded by hw-mmu); a not-present one holds the software formats above.
 */
export function readPteView(low: number, high: number, mode: PagingMode): PteView {
  if ((low & PTE_PRESENT) !== 0) {
    // decodePte's fields for a PTE (level 1), read straight from the bits: no decoded entry object
    // (every readPte of a resident page, the replacement policy's scans among them).
    return {
      kind: 'valid',
      pfn: (mode === 'x86' ? 0 : (high & (mode === 'x86-pae' ? 0xf : 0x3fff)) * 0x100000) + (low >>> 12),
      dirty: (low & PTE_DIRTY) !== 0,
      accessed: (low & PTE_ACCESSED) !== 0,
      writable: (low & PTE_WRITABLE) !== 0,
    }
  }
  if (low === 0) return { kind: 'zero' }
  const protectMask = (low & PROTECTION_BITS) >>> PROTECTION_SHIFT
  const upper = low >>> HIGH_SHIFT
  if ((low & PROTOTYPE_BIT) !== 0) return { kind: 'prototype', protectMask }
  if ((low & TRANSITION_BIT) !== 0) return { kind: 'transition', pfn: upper, protectMask }
  if (upper !== 0) return { kind: 'pageFile', slot: upper - 1, protectMask }
  return { kind: 'protection', protectMask }
}

/**
 * True when the not-present PTE whose low half is `low` is a transition PTE (readPteView's
 * `transition` case: its frame, `low >>> 12`, is on the standby or modified list). The fault path
 * tests the PTE's word rather than the view's `kind`: a load over the view's five shapes, which
 * V8 served from its megamorphic stub cache and missed there on most faults (docs/performance.md).
 */
export function isTransitionPte(low: number): boolean {
  return (low & (PTE_PRESENT | PROTOTYPE_BIT | TRANSITION_BIT)) === TRANSITION_BIT
}

/** The protection of a not-present, non-zero PTE whose low half is `low` (its view's `protectMask`). */
export function pteProtectMask(low: number): number {
  return (low & PROTECTION_BITS) >>> PROTECTION_SHIFT
}

/** The slot of a page-file PTE whose low half is `low` (readPteView's `pageFile` case), else -1. */
export function pageFileSlotOf(low: number): number {
  if ((low & (PTE_PRESENT | PROTOTYPE_BIT | TRANSITION_BIT)) !== 0) return -1
  const upper = low >>> HIGH_SHIFT
  return upper !== 0 ? upper - 1 : -1
}

/** A protection PTE (not valid; the page is committed with `protectMask`, never touched). */
export function protectionPte(protectMask: number): EntryValue {
  return { low: protectionPteLow(protectMask), high: 0 }
}

/** {@link protectionPte}'s low word (its high word is 0). */
export function protectionPteLow(protectMask: number): number {
  return (protectMask << PROTECTION_SHIFT) >>> 0
}

/** {@link transitionPte}'s low word (its high word is 0). */
export function transitionPteLow(pfn: number, protectMask: number): number {
  return ((pfn << HIGH_SHIFT) | TRANSITION_BIT | (protectMask << PROTECTION_SHIFT)) >>> 0
}

/** A page-file PTE: the page lives in `slot`. */
export function pageFilePte(slot: number, protectMask: number): EntryValue {
  return { low: (((slot + 1) << HIGH_SHIFT) | (protectMask << PROTECTION_SHIFT)) >>> 0, high: 0 }
}

/** A transition PTE: the page's frame `pfn` is on the standby or modified list. */
export function transitionPte(pfn: number, protectMask: number): EntryValue {
  return { low: transitionPteLow(pfn, protectMask), high: 0 }
}

/** A prototype PTE: a section view's page, not resident in this process, with its protection in the view. */
export function prototypePte(protectMask: number): EntryValue {
  return { low: (PROTOTYPE_BIT | (protectMask << PROTECTION_SHIFT)) >>> 0, high: 0 }
}

/** The zero PTE. */
export const ZERO_PTE: EntryValue = { low: 0, high: 0 }

/**
 * The valid PTE for a page with `protectMask` (MmCreateVirtualMapping's protection-to-PTE step):
 * present; writable for READWRITE and EXECUTE_READWRITE only (a WRITECOPY page is mapped
 * read-only, so its first write faults and is copied: MmProtectToPteMask); user unless system
 * space; NX where the mode has it and the protection is not executable; PCD for NOCACHE and
 * WRITECOMBINE. Dirty and accessed are left to the hardware, so a page never written stays clean.
 */
export function validPte(
  pfn: number,
  protectMask: number,
  options: { mode: PagingMode; user: boolean; noExecute: boolean },
): EntryValue {
  const special = protectMask & MmProtection.MM_PROTECT_SPECIAL
  return encodePte(
    {
      present: true,
      writable: maskAllowsWrite(protectMask) && !maskIsCopyOnWrite(protectMask),
      user: options.user,
      cacheDisable: special === MmProtection.MM_NOCACHE || special === MmProtection.MM_WRITECOMBINE,
      noExecute: options.noExecute && options.mode !== 'x86' && !maskAllowsExecute(protectMask),
      pfn,
    },
    options.mode,
  )
}

/**
 * {@link validPte}'s word on 32-bit paging (x86: no high half, no NX bit), its bits set straight
 * from the mask rather than through encodePte's fields object: the second process's touch of a
 * resident shared page, the copy-on-write fault and the soft fault write one each (their own cost,
 * docs/performance.md). `pfn` is a frame of the machine (below 2^20 on x86).
 */
export function validPteLowX86(pfn: number, protectMask: number, user: boolean): number {
  const special = protectMask & MmProtection.MM_PROTECT_SPECIAL
  let low = (pfn % 0x100000) * 0x1000 + PTE_PRESENT
  if (maskAllowsWrite(protectMask) && !maskIsCopyOnWrite(protectMask)) low |= PTE_WRITABLE
  if (user) low |= PTE_USER
  if (special === MmProtection.MM_NOCACHE || special === MmProtection.MM_WRITECOMBINE)
    low |= PTE_CACHE_DISABLE
  return low >>> 0
}

/** The valid PTE with its hardware accessed bit cleared (the clock/aging scan). */
export function withoutAccessed(value: EntryValue): EntryValue {
  return { low: (value.low & ~PTE_ACCESSED) >>> 0, high: value.high }
}
