// The virtual address-space layout of each simulated architecture: where user space begins and
// ends, where the memory manager may place allocations (MM_HIGHEST_VAD_ADDRESS), the one shared
// page KUSER_SHARED_DATA, and where system space starts (MmSystemRangeStart). ReactOS
// sdk/include/ndk/{i386,amd64}/mmtypes.h and ntoskrnl/include/internal/i386/mm.h; the x64 user
// limit follows Windows 8.1+ (0x7FFFFFFEFFFF), not ReactOS amd64 / Windows 7 (0x7FFFFFFEFFFF's
// 8 TiB predecessor 0x000007FFFFFEFFFF).

/** The simulated processor modes: 32-bit 2-level paging, 32-bit PAE (NX), 64-bit 4-level paging. */
export type Architecture = 'x86' | 'x86-pae' | 'x64'

/** The address-space constants of one architecture. All addresses are exact integers (< 2^53). */
export interface AddressSpaceLayout {
  readonly arch: Architecture
  /** MM_LOWEST_USER_ADDRESS: nothing is ever allocated below it (0x10000). */
  readonly lowestUserAddress: number
  /** MM_HIGHEST_USER_ADDRESS (inclusive): 0x7FFEFFFF on x86, 0x7FFFFFFEFFFF on x64. */
  readonly highestUserAddress: number
  /** MM_HIGHEST_VAD_ADDRESS (inclusive): the highest address an allocation may cover (64 KiB below the user limit). */
  readonly highestVadAddress: number
  /** MmUserProbeAddress: the first address user mode may never touch. */
  readonly userProbeAddress: number
  /** MM_SHARED_USER_DATA_VA: the one read-only KUSER_SHARED_DATA page of every process. */
  readonly sharedUserData: number
  /**
   * MmSystemRangeStart: the first system-space address. On x64 addresses are signed numbers, as
   * @ntmm/hw-mmu takes them: 0xFFFF800000000000 is -0x800000000000, so system space is [-2^47, 0).
   */
  readonly systemRangeStart: number
  /** The highest system-space address (inclusive): 0xFFFFFFFF, or -1 (0xFFFFFFFFFFFFFFFF) on x64. */
  readonly highestSystemAddress: number
  /** MI_MAX_ZERO_BITS: the largest ZeroBits NtAllocateVirtualMemory accepts as a bit count. */
  readonly maxZeroBits: number
  /** True when page tables can refuse instruction fetches (PAE and x64 have the NX bit). */
  readonly hasNoExecute: boolean
  /** Bits of virtual address the MMU translates (32, or 48 for x64). */
  readonly virtualAddressBits: number
}

const x86: AddressSpaceLayout = {
  arch: 'x86',
  lowestUserAddress: 0x10000,
  highestUserAddress: 0x7ffeffff,
  highestVadAddress: 0x7ffdffff,
  userProbeAddress: 0x7fff0000,
  sharedUserData: 0x7ffe0000,
  systemRangeStart: 0x80000000,
  highestSystemAddress: 0xffffffff,
  maxZeroBits: 21,
  hasNoExecute: false,
  virtualAddressBits: 32,
}

const layouts: Readonly<Record<Architecture, AddressSpaceLayout>> = {
  x86,
  'x86-pae': { ...x86, arch: 'x86-pae', hasNoExecute: true },
  x64: {
    arch: 'x64',
    lowestUserAddress: 0x10000,
    highestUserAddress: 0x7ffffffeffff,
    highestVadAddress: 0x7ffffffdffff,
    userProbeAddress: 0x7fffffff0000,
    sharedUserData: 0x7ffe0000,
    systemRangeStart: -0x800000000000,
    highestSystemAddress: -1,
    maxZeroBits: 53,
    hasNoExecute: true,
    virtualAddressBits: 48,
  },
}

/** The layout of `arch`. Throws a RangeError for an unknown architecture name (programmer error). */
export function addressSpaceLayout(arch: Architecture): AddressSpaceLayout {
  const layout = layouts[arch]
  if (layout === undefined)
    throw new RangeError(`unknown architecture ${String(arch)}: use 'x86', 'x86-pae' or 'x64'`)
  return layout
}

/**
 * True when `address` is in system space (MmSystemRangeStart and above; on x64 the negative half),
 * or beyond every user address (above the x64 user half: non-canonical).
 */
export function isSystemAddress(layout: AddressSpaceLayout, address: number): boolean {
  if (layout.arch === 'x64') return address < 0 || address >= 0x800000000000
  return address >= layout.systemRangeStart
}
