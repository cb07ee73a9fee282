// The OS's pen on the page tables: find, read and write the paging-structure entry that maps a
// virtual address at a given level under a given CR3, as ReactOS's MiAddressToPte / MiAddressToPde
// do through the self-map. The OS writes entries with this helper (each write is a hw.pteWritten
// event with the old and new value); the hardware walker sets A/D bits itself. Writing an entry
// does not touch the TLB: the OS must INVLPG (or reload CR3), as on a real CPU — and in PAE mode a
// changed PDPTE takes effect only at the next CR3 load.
import type { FrameStore } from './frameStore.js'
import { applyPhysicalWrite, busRead32 } from './frameStore.js'
import { entryIndex } from './pageWalker.js'
import { entryName, levelCount, type PagingMode } from './paging.js'
import { type DecodedEntry, decodePte, type EntryValue, highFrameMask } from './pte.js'

/** Where an entry is, or why it cannot be reached. */
export type EntryLocation =
  | { readonly ok: true; readonly address: number; readonly level: number }
  | {
      readonly ok: false
      /** The walk down stopped at a not-present entry or at an entry mapping a large page. */
      readonly reason: 'not-present' | 'large-page'
      /** The level of the entry that stopped it, and that entry's physical address. */
      readonly level: number
      readonly address: number
    }

/** An entry read by {@link PageTableEditor.readEntry}. */
export type EntryRead =
  | {
      readonly ok: true
      readonly address: number
      readonly level: number
      readonly low: number
      readonly high: number
      readonly decoded: DecodedEntry
    }
  | Extract<EntryLocation, { ok: false }>

/** Reads and writes paging-structure entries in physical memory for the OS. */
export class PageTableEditor {
  private readonly modeOf: () => PagingMode

  /** `mode` may be a function, so an editor bound to a machine follows its mode changes. */
  constructor(
    readonly frames: FrameStore,
    mode: PagingMode | (() => PagingMode),
  ) {
    this.modeOf = typeof mode === 'function' ? mode : () => mode
  }

  /** The current paging mode. */
  get mode(): PagingMode {
    return this.modeOf()
  }

  /**
   * Physical address of the entry mapping `va` at `level` (1 = PTE ... top = PML4E, PAE PDPTE,
   * x86 PDE) in the hierarchy rooted at `cr3`. Reads the upper levels from memory, sets nothing.
   */
  entryAddress(cr3: number, va: number, level: number): EntryLocation {
    const mode = this.modeOf()
    const modeCode = mode === 'x86' ? 0 : mode === 'x86-pae' ? 1 : 2
    const top = levelCount(mode)
    if (!Number.isInteger(level) || level < 1 || level > top) {
      throw new RangeError(
        `level ${level} does not exist in ${mode} paging: it must be an integer in [1, ${top}]`,
      )
    }
    checkCr3(mode, cr3)
    const { lo, hi } = splitAddress(mode, va)
    const size = modeCode === 0 ? 4 : 8
    const highMask = highFrameMask(mode)
    let table = modeCode === 1 ? cr3 - (cr3 % 32) : cr3
    for (let current = top; ; current--) {
      const index = modeCode === 1 && current === 3 ? lo >>> 30 : entryIndex(modeCode, current, lo, hi)
      const address = table + index * size
      if (current === level) return { ok: true, address, level }
      const low = busRead32(this.frames, address)
      const high = size === 8 ? busRead32(this.frames, address + 4) : 0
      if ((low & 1) === 0) return { ok: false, reason: 'not-present', level: current, address }
      if ((low & 0x80) !== 0 && (current === 2 || (current === 3 && modeCode === 2))) {
        return { ok: false, reason: 'large-page', level: current, address }
      }
      table = ((low & 0xfffff000) >>> 0) + (high & highMask) * 0x100000000
    }
  }

  /**
   * {@link PageTableEditor.entryAddress} at level 1 (the PTE) as a number: its physical address, or
   * -1 when the walk down stops (a not-present or large-page entry above it: ask `entryAddress`
   * where and why). The same checks and reads, no object made: the memory manager locates a PTE a
   * few times per page fault (MiAddressToPte), on the sweep's path.
   */
  pteAddress(cr3: number, va: number): number {
    const mode = this.modeOf()
    checkCr3(mode, cr3)
    if (mode === 'x86') {
      if (va >>> 0 !== va)
        throw new RangeError(`virtual address ${va} is out of range: ${mode} takes an integer in [0, 2^32)`)
      const pde = busRead32(this.frames, cr3 + (va >>> 22) * 4)
      if ((pde & 1) === 0 || (pde & 0x80) !== 0) return -1
      return ((pde & 0xfffff000) >>> 0) + ((va >>> 12) & 0x3ff) * 4
    }
    const location = this.entryAddress(cr3, va, 1)
    return location.ok ? location.address : -1
  }

  /** Reads the entry mapping `va` at `level` under `cr3`. */
  readEntry(cr3: number, va: number, level: number): EntryRead {
    const location = this.entryAddress(cr3, va, level)
    if (!location.ok) return location
    const { low, high } = this.readEntryAt(location.address)
    return {
      ok: true,
      address: location.address,
      level,
      low,
      high,
      decoded: decodePte(low, high, this.modeOf(), level),
    }
  }

  /**
   * Writes the entry mapping `va` at `level` under `cr3` (emits hw.pteWritten). The value is an
   * {@link EntryValue} or its two halves (`low`, `high`; `high` 0 by default).
   */
  writeEntry(cr3: number, va: number, level: number, value: EntryValue | number, high = 0): EntryLocation {
    const entry = entryValueOf(value, high)
    checkEntryValue(this.modeOf(), entry)
    const location = this.entryAddress(cr3, va, level)
    if (location.ok) this.writeEntryAt(location.address, level, entry)
    return location
  }

  /** Reads the entry at physical address `address`. */
  readEntryAt(address: number): EntryValue {
    const size = this.modeOf() === 'x86' ? 4 : 8
    checkEntryAddress(this.frames, address, size)
    return {
      low: busRead32(this.frames, address),
      high: size === 8 ? busRead32(this.frames, address + 4) : 0,
    }
  }

  /** Writes the entry at physical address `address` (emits hw.pteWritten with old and new value). */
  writeEntryAt(address: number, level: number, value: EntryValue | number, high = 0): void {
    const mode = this.modeOf()
    const size = mode === 'x86' ? 4 : 8
    checkEntryAddress(this.frames, address, size)
    value = entryValueOf(value, high)
    checkEntryValue(mode, value)
    const recorder = this.frames.recorder
    if (recorder !== undefined) {
      const old = this.readEntryAt(address)
      recorder({
        type: 'hw.pteWritten',
        address,
        level,
        size,
        oldLow: old.low,
        oldHigh: old.high,
        newLow: value.low >>> 0,
        newHigh: value.high >>> 0,
      })
    }
    applyPteWritten(this.frames, address, size, value.low, value.high)
  }

  /** The SDM name of the entry at `level`. */
  entryName(level: number): 'PTE' | 'PDE' | 'PDPTE' | 'PML4E' {
    return entryName(level)
  }
}

/** Applies hw.pteWritten. */
export function applyPteWritten(
  frames: FrameStore,
  address: number,
  size: number,
  low: number,
  high: number,
): void {
  applyPhysicalWrite(frames, address, 4, low >>> 0)
  if (size === 8) applyPhysicalWrite(frames, address + 4, 4, high >>> 0)
}

/**
 * Splits a virtual address into its low 32 bits and bits 47:32. x86 and x86-pae take an unsigned
 * 32-bit integer; x64 a canonical address as a signed number in [-2^47, 2^47). Throws a RangeError
 * for anything else.
 */
export function splitAddress(mode: PagingMode, va: number): { lo: number; hi: number } {
  if (mode !== 'x64') {
    if (va >>> 0 !== va)
      throw new RangeError(`virtual address ${va} is out of range: ${mode} takes an integer in [0, 2^32)`)
    return { lo: va, hi: 0 }
  }
  if (!Number.isInteger(va) || va < -0x800000000000 || va >= 0x800000000000) {
    throw new RangeError(
      `virtual address ${va} is not canonical: x64 takes an integer in [-2^47, 2^47) (the kernel half as negative numbers)`,
    )
  }
  const lo = va >>> 0
  return { lo, hi: ((va < 0 ? va + 0x1000000000000 : va) - lo) / 0x100000000 }
}

/** Throws a RangeError unless `cr3` is a valid page-table base for `mode`. */
export function checkCr3(mode: PagingMode, cr3: number): void {
  const align = mode === 'x86-pae' ? 32 : 4096
  const limit = mode === 'x64' ? 2 ** 46 : 2 ** 32
  // `&` for `%`, as in checkEntryAddress (the alignments 32 and 4096 divide 2^32).
  if (!Number.isInteger(cr3) || cr3 < 0 || cr3 >= limit || (cr3 & (align - 1)) !== 0) {
    throw new RangeError(
      `CR3 base ${cr3} is invalid for ${mode}: it must be a multiple of ${align} below 2^${Math.log2(limit)}`,
    )
  }
}

function checkEntryAddress(frames: FrameStore, address: number, size: number): void {
  if (
    !Number.isInteger(address) ||
    address < 0 ||
    address + size > frames.byteLength ||
    // `&`, not `%`: a remainder of a double is a call into C, and ToInt32 drops only multiples of
    // 2^32, which the sizes (4, 8) divide: the same test for any integer (2.6% of a wide sweep).
    (address & (size - 1)) !== 0
  ) {
    throw new RangeError(
      `entry address ${address} must be a multiple of ${size} inside physical memory (0x${frames.byteLength.toString(16)} bytes)`,
    )
  }
}

function entryValueOf(value: EntryValue | number, high: number): EntryValue {
  return typeof value === 'number' ? { low: value, high } : value
}

function checkEntryValue(mode: PagingMode, value: EntryValue): void {
  const { low, high } = value
  if (!Number.isInteger(low) || low >>> 0 !== low)
    throw new RangeError(`entry low half ${low} must be an unsigned 32-bit integer`)
  if (!Number.isInteger(high) || high >>> 0 !== high)
    throw new RangeError(`entry high half ${high} must be an unsigned 32-bit integer`)
  if (mode === 'x86' && high !== 0)
    throw new RangeError(`entry high half ${high} must be 0 in 32-bit paging (4-byte entries)`)
}
