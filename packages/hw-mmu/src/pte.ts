// Paging-structure entries (PTE, PDE, PDPTE, PML4E) bit by bit, as the Intel SDM vol. 3A §4.3-4.5
// lays them out and ReactOS's HARDWARE_PTE names them. 32-bit paging entries are one 32-bit word;
// PAE and 4-level entries are 64 bits, kept as two 32-bit halves (low, high) so the hot path never
// needs a BigInt. Bits 9-11 are ignored by the hardware and left to the OS (software PTE state).
//
//   low half                                                   high half (PAE, x64)
//   31                 12 11  9 8 7 6 5 4 3 2 1 0               31 (bit 63)   ...        0
//  +---------------------+-----+-+-+-+-+-+-+-+-+-+             +--+--------------------+---------+
//  | PFN (low 20 bits)   | SW  |G|PS|D|A|PCD|PWT|U/S|R/W|P|     |NX| reserved/ignored   |PFN high |
//  +---------------------+-----+-+-+-+-+-+-+-+-+-+             +--+--------------------+---------+
import type { PagingMode } from './paging.js'
import { PAGE_SIZE } from './paging.js'

/** P: the entry is valid (present). */
export const PTE_PRESENT = 0x001
/** R/W: writes allowed (1) or read-only (0). */
export const PTE_WRITABLE = 0x002
/** U/S: user-mode accesses allowed (1) or supervisor only (0). */
export const PTE_USER = 0x004
/** PWT: write-through caching. */
export const PTE_WRITE_THROUGH = 0x008
/** PCD: cache disabled. */
export const PTE_CACHE_DISABLE = 0x010
/** A: set by the hardware when the entry is used for a translation. */
export const PTE_ACCESSED = 0x020
/** D: set by the hardware in the final entry when the page is written. */
export const PTE_DIRTY = 0x040
/** PS: in a PDE (or x64 PDPTE), the entry maps a large page instead of pointing at a table. */
export const PTE_LARGE_PAGE = 0x080
/** G: global translation, kept across CR3 loads when CR4.PGE is set. */
export const PTE_GLOBAL = 0x100
/** Bits 9-11, ignored by the hardware: the OS's software state (CopyOnWrite, Prototype, ...). */
export const PTE_SOFTWARE_MASK = 0xe00
/** Shift of the software field. */
export const PTE_SOFTWARE_SHIFT = 9
/** The PFN field of the low half. */
export const PTE_FRAME_MASK = 0xfffff000
/** NX (XD), bit 63: bit 31 of the high half. */
export const PTE_HIGH_NO_EXECUTE = 0x80000000

/** A raw entry: its two 32-bit halves (`high` is 0 for 32-bit paging). */
export interface EntryValue {
  readonly low: number
  readonly high: number
}

/** The fields of an entry, for {@link encodePte}. Omitted flags are clear. */
export interface PteFields {
  readonly present?: boolean
  readonly writable?: boolean
  readonly user?: boolean
  readonly writeThrough?: boolean
  readonly cacheDisable?: boolean
  readonly accessed?: boolean
  readonly dirty?: boolean
  /** PS: a large page (only meaningful in a PDE or an x64 PDPTE). */
  readonly largePage?: boolean
  readonly global?: boolean
  /** NX (bit 63): PAE and x64 only. */
  readonly noExecute?: boolean
  /** The OS's bits 9-11, 0..7. */
  readonly software?: number
  /** The 4 KiB frame number the entry points at (for a large page: its first frame, aligned). */
  readonly pfn?: number
}

/** An entry decoded for display and for the OS. */
export interface DecodedEntry extends Required<Omit<PteFields, 'pfn'>> {
  readonly low: number
  readonly high: number
  readonly pfn: number
  /** What the entry designates at this level: a page, a lower table, or nothing (not present). */
  readonly maps: 'page' | 'table' | 'none'
  /** Bytes mapped when `maps` is 'page'; 0 otherwise. */
  readonly pageSize: number
}

/** Largest PFN the entry format of `mode` can hold (MAXPHYADDR 32, 36 and 46 bits). */
export function maxPfn(mode: PagingMode): number {
  return mode === 'x86' ? 0xfffff : mode === 'x86-pae' ? 0xffffff : 0x3ffffffff
}

/** Bits of the high half that hold physical-address bits 32 and up. */
export function highFrameMask(mode: PagingMode): number {
  return mode === 'x86' ? 0 : mode === 'x86-pae' ? 0xf : 0x3fff
}

/**
 * Encodes `fields` into an entry of `mode`. Throws a RangeError for a value the format cannot hold
 * (a PFN beyond MAXPHYADDR, NX in 32-bit paging, a misaligned large-page PFN, software > 7).
 */
export function encodePte(fields: PteFields, mode: PagingMode = 'x86'): EntryValue {
  const pfn = fields.pfn ?? 0
  if (!Number.isInteger(pfn) || pfn < 0 || pfn > maxPfn(mode)) {
    throw new RangeError(
      `pfn ${pfn} does not fit a ${mode} entry: it must be an integer in [0, ${maxPfn(mode)}]`,
    )
  }
  const software = fields.software ?? 0
  if (!Number.isInteger(software) || software < 0 || software > 7) {
    throw new RangeError(`software ${software} does not fit bits 9-11: it must be an integer in [0, 7]`)
  }
  if (fields.noExecute === true && mode === 'x86') {
    throw new RangeError('noExecute is not available in 32-bit paging (x86): entries have no bit 63')
  }
  if (fields.largePage === true) {
    const align = mode === 'x86' ? 1024 : 512
    if (pfn % align !== 0) {
      throw new RangeError(`large-page pfn ${pfn} must be a multiple of ${align} (the page size in frames)`)
    }
  }
  // `& 0xfffff`, not `% 0x100000`: a double's remainder is a call into C (every mapping encodes one
  // PTE); ToInt32 drops multiples of 2^32, which 2^20 divides, so it is exact for any PFN.
  let low = (pfn & 0xfffff) * PAGE_SIZE + software * 0x200
  if (fields.present === true) low |= PTE_PRESENT
  if (fields.writable === true) low |= PTE_WRITABLE
  if (fields.user === true) low |= PTE_USER
  if (fields.writeThrough === true) low |= PTE_WRITE_THROUGH
  if (fields.cacheDisable === true) low |= PTE_CACHE_DISABLE
  if (fields.accessed === true) low |= PTE_ACCESSED
  if (fields.dirty === true) low |= PTE_DIRTY
  if (fields.largePage === true) low |= PTE_LARGE_PAGE
  if (fields.global === true) low |= PTE_GLOBAL
  let high = Math.floor(pfn / 0x100000)
  if (fields.noExecute === true) high |= PTE_HIGH_NO_EXECUTE
  return { low: low >>> 0, high: high >>> 0 }
}

/**
 * Decodes the entry (`low`, `high`) found at `level` (1 = PTE ... 4 = PML4E) in `mode`. PS is
 * read as a large page where the format allows one (PDE, x64 PDPTE); 32-bit paging honours it only
 * with CR4.PSE, which this function assumes set.
 */
export function decodePte(low: number, high: number, mode: PagingMode, level: number): DecodedEntry {
  const present = (low & PTE_PRESENT) !== 0
  const largeAllowed = level === 2 || (level === 3 && mode === 'x64')
  const largePage = (low & PTE_LARGE_PAGE) !== 0
  const isLarge = largeAllowed && largePage
  const frameLow = isLarge
    ? (low & (level === 3 ? 0xc0000000 : mode === 'x86' ? 0xffc00000 : 0xffe00000)) >>> 0
    : (low & PTE_FRAME_MASK) >>> 0
  const pfn = (high & highFrameMask(mode)) * 0x100000 + frameLow / PAGE_SIZE
  const maps = !present ? 'none' : level === 1 || isLarge ? 'page' : 'table'
  const pageSize =
    maps !== 'page'
      ? 0
      : level === 1
        ? PAGE_SIZE
        : level === 3
          ? 0x40000000
          : mode === 'x86'
            ? 0x400000
            : 0x200000
  return {
    low: low >>> 0,
    high: high >>> 0,
    present,
    writable: (low & PTE_WRITABLE) !== 0,
    user: (low & PTE_USER) !== 0,
    writeThrough: (low & PTE_WRITE_THROUGH) !== 0,
    cacheDisable: (low & PTE_CACHE_DISABLE) !== 0,
    accessed: (low & PTE_ACCESSED) !== 0,
    dirty: (low & PTE_DIRTY) !== 0,
    largePage,
    global: (low & PTE_GLOBAL) !== 0,
    noExecute: mode !== 'x86' && (high & PTE_HIGH_NO_EXECUTE) !== 0,
    software: (low & PTE_SOFTWARE_MASK) >>> PTE_SOFTWARE_SHIFT,
    pfn,
    maps,
    pageSize,
  }
}

/**
 * Reserved bits of a present entry (SDM tables 4-4 to 4-6, 4-8 to 4-11, 4-14 to 4-19), as masks
 * on the low and high halves. `large` is true when the entry maps a page at level 2 or 3. With
 * EFER.NXE clear, bit 63 is reserved. PAE PDPTEs (checked when CR3 is loaded) have their own rule.
 */
export function reservedBits(
  mode: PagingMode,
  level: number,
  large: boolean,
  noExecuteEnabled: boolean,
): EntryValue {
  if (mode === 'x86') return { low: large ? 0x003fe000 : 0, high: 0 }
  const nx = noExecuteEnabled ? 0 : PTE_HIGH_NO_EXECUTE
  if (mode === 'x86-pae') {
    // MAXPHYADDR 36: bits 62:36 reserved.
    if (level === 3) return { low: 0x1e6, high: 0xfffffff0 }
    return { low: large ? 0x001fe000 : 0, high: (0x7ffffff0 | nx) >>> 0 }
  }
  // 4-level, MAXPHYADDR 46: bits 51:46 reserved, 62:52 ignored.
  const high = (0x000fc000 | nx) >>> 0
  if (level === 4) return { low: PTE_LARGE_PAGE, high }
  if (large) return { low: level === 3 ? 0x3fffe000 : 0x001fe000, high }
  return { low: 0, high }
}
