// Paging modes and the vocabulary of an access, as the Intel SDM vol. 3A ch. 4 names them:
// 32-bit paging ('x86', ReactOS's default), PAE paging ('x86-pae') and 4-level paging ('x64').

/** The paging mode: also the Kernel's `arch` name. */
export type PagingMode = 'x86' | 'x86-pae' | 'x64'

/** Every paging mode, default first. */
export const PAGING_MODES: readonly PagingMode[] = ['x86', 'x86-pae', 'x64']

/** What an access does with the bytes: the three kinds the #PF error code distinguishes. */
export type AccessKind = 'read' | 'write' | 'execute'

/** The privilege of the access: CPL 3 is 'user', CPL 0-2 'supervisor'. */
export type PrivilegeMode = 'user' | 'supervisor'

/** Size of a small page and of a physical frame. */
export const PAGE_SIZE = 4096
/** log2 of {@link PAGE_SIZE}. */
export const PAGE_SHIFT = 12

/** Page sizes by size code (as stored in a TLB entry): 4 KiB, large (2 MiB, or 4 MiB in 32-bit paging), 1 GiB. */
export function pageSizeOf(mode: PagingMode, sizeCode: number): number {
  if (sizeCode === 0) return PAGE_SIZE
  if (sizeCode === 2) return 0x40000000
  return mode === 'x86' ? 0x400000 : 0x200000
}

/** Number of paging-structure levels of a mode (PAE counts its PDPT). */
export function levelCount(mode: PagingMode): number {
  return mode === 'x86' ? 2 : mode === 'x86-pae' ? 3 : 4
}

/** The SDM's name of the entry at `level` (1 = PTE, 2 = PDE, 3 = PDPTE, 4 = PML4E). */
export function entryName(level: number): 'PTE' | 'PDE' | 'PDPTE' | 'PML4E' {
  return level === 1 ? 'PTE' : level === 2 ? 'PDE' : level === 3 ? 'PDPTE' : 'PML4E'
}

/** Bytes per paging-structure entry: 4 in 32-bit paging, 8 otherwise. */
export function entrySize(mode: PagingMode): 4 | 8 {
  return mode === 'x86' ? 4 : 8
}

/** True when `value` names a paging mode. */
export function isPagingMode(value: unknown): value is PagingMode {
  return value === 'x86' || value === 'x86-pae' || value === 'x64'
}

/** Throws a RangeError naming `value` unless it is a paging mode. */
export function checkPagingMode(value: unknown): PagingMode {
  if (!isPagingMode(value)) {
    throw new RangeError(`unknown paging mode ${JSON.stringify(value)}: expected 'x86', 'x86-pae' or 'x64'`)
  }
  return value
}

/** Lowest canonical x64 address, as the signed number hw-mmu uses for the kernel half. */
export const X64_LOWEST_ADDRESS = -0x800000000000
/** One past the highest canonical x64 address of the lower (user) half: 2^47. */
export const X64_ADDRESS_LIMIT = 0x800000000000

/**
 * Converts a 64-bit canonical address given as a bigint (e.g. 0xFFFFF80000000000n) to the signed
 * number hw-mmu uses (the value read as a signed 64-bit integer). Non-canonical inputs give a
 * number outside [-2^47, 2^47), which an access reports as a general-protection fault.
 */
export function x64AddressFromBigInt(address: bigint): number {
  return Number(BigInt.asIntN(64, address))
}

/** Converts an x64 address number back to its unsigned 64-bit form as a bigint, for display. */
export function x64AddressToBigInt(address: number): bigint {
  return BigInt.asUintN(64, BigInt(address))
}
