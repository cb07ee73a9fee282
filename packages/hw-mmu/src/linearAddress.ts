// The linear addresses an access may name, by paging mode (Intel SDM vol. 1 §3.3.7.1 canonical
// addressing; vol. 3A §4.1.1): x86 and x86-pae take unsigned 32-bit integers; x64 takes the canonical
// halves as one signed number (the kernel half negative), and any other safe integer is
// non-canonical, a #GP rather than a malformed argument. Range accesses wrap as the hardware does.
// The checks both the access path (mmu.ts) and inspection (mmuInspection.ts) start with.
import type { HwState } from './hwState.js'
import type { PagingMode } from './paging.js'

/** The RangeError for an address `mode` cannot take at all (not even as a non-canonical one). */
export function badAddress(mode: PagingMode, va: number): RangeError {
  return mode === 'x64'
    ? new RangeError(
        `virtual address ${va} is out of range: x64 takes an integer (canonical in [-2^47, 2^47))`,
      )
    : new RangeError(`virtual address ${va} is out of range: ${mode} takes an integer in [0, 2^32)`)
}

/** Throws a RangeError unless `length` is a byte count an access may span (at most 1 GiB). */
export function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > 0x40000000) {
    throw new RangeError(`length ${length} must be an integer in [0, 2^30]`)
  }
}

/** Throws for a malformed start address (before {@link addressAt} could wrap it into range). */
export function checkStartAddress(state: HwState, va: number): void {
  if (state.modeCode === 2 ? !Number.isSafeInteger(va) : va >>> 0 !== va) throw badAddress(state.mode, va)
}

/** The address `offset` bytes after `va`, wrapping at 2^32 in x86 and x86-pae. */
export function addressAt(state: HwState, va: number, offset: number): number {
  return state.modeCode === 2 ? va + offset : (va + offset) >>> 0
}
