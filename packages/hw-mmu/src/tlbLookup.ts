// Where a linear address sits in the TLB for each page size the mode has (Intel SDM vol. 3A
// §4.10.2.1 page numbers and offsets, §4.10.2.3: an entry caches one page of 4 KiB, 2/4 MiB or
// 1 GiB): the page number and offset by size code, the lookup that tries every size a level may
// hold, and the physical address an entry gives. An address is handled as its two 32-bit halves
// (lo, hi), as the walker takes it.
import type { HwState } from './hwState.js'
import { TLB_SIZE_SHIFT, type TlbLevel, tlbProbe } from './tlb.js'

/** Page number of (lo, hi) for size code 0 (4 KiB), 1 (4 MiB in x86, else 2 MiB) or 2 (1 GiB). */
export function pageNumberOf(state: HwState, sizeCode: number, lo: number, hi: number): number {
  if (sizeCode === 0) return hi * 0x100000 + (lo >>> 12)
  if (sizeCode === 2) return hi * 4 + (lo >>> 30)
  return state.modeCode === 0 ? lo >>> 22 : hi * 2048 + (lo >>> 21)
}

/** Offset of `lo` in its page of size code `sizeCode`. */
export function offsetInPage(state: HwState, sizeCode: number, lo: number): number {
  if (sizeCode === 0) return lo & 0xfff
  if (sizeCode === 2) return lo & 0x3fffffff
  return state.modeCode === 0 ? lo & 0x3fffff : lo & 0x1fffff
}

/**
 * Index of the entry of `tlb` caching (lo, hi) under the current PCID (or global), trying the
 * 4 KiB page first, then the large sizes the mode has (4 MiB with CR4.PSE in x86; 2 MiB in PAE;
 * 2 MiB and 1 GiB in x64); -1 when none does.
 */
export function probeAllSizes(state: HwState, tlb: TlbLevel, lo: number, hi: number): number {
  const vpn = hi * 0x100000 + (lo >>> 12)
  const i = tlbProbe(tlb, vpn * 4, vpn, state.pcid)
  if (i >= 0) return i
  return probeLargeSizes(state, tlb, lo, hi)
}

/**
 * {@link probeAllSizes} without its first probe, for a caller that has just made it (the same
 * tlbProbe of the 4 KiB page) and missed: the large sizes only, in the same order, so a miss
 * searches each set once; none while the level holds no large entry.
 */
export function probeLargeSizes(state: HwState, tlb: TlbLevel, lo: number, hi: number): number {
  // No large entry: no large probe could match (and a probe that misses changes nothing).
  if (tlb.largeEntries === 0) return -1
  const pcid = state.pcid
  if (state.modeCode === 0) {
    if (!state.pageSizeExtension) return -1
    const large = lo >>> 22
    return tlbProbe(tlb, large * 4 + 1, large, pcid)
  }
  const large = hi * 2048 + (lo >>> 21)
  const j = tlbProbe(tlb, large * 4 + 1, large, pcid)
  if (j >= 0 || state.modeCode === 1) return j
  const huge = hi * 4 + (lo >>> 30)
  return tlbProbe(tlb, huge * 4 + 2, huge, pcid)
}

/** The physical address entry `i` of `tlb` gives for an address whose low half is `lo`. */
export function entryAddress(state: HwState, tlb: TlbLevel, i: number, lo: number): number {
  return tlb.frames[i]! * 4096 + offsetInPage(state, tlb.flags[i]! >>> TLB_SIZE_SHIFT, lo)
}
