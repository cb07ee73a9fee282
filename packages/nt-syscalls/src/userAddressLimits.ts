// The user address-space limits the system services validate against, per architecture
// (MM_LOWEST_USER_ADDRESS, MM_HIGHEST_USER_ADDRESS, MM_HIGHEST_VAD_ADDRESS, MmUserProbeAddress,
// MI_MAX_ZERO_BITS). x86 and x86-pae are 32-bit processes (ReactOS ndk/i386/mmtypes.h); x64 follows
// Windows 10 (user space ends at 0x7FFFFFFEFFFF, HighestUserAddress as Wine's info.c tests record).

/** The machine architectures the simulator offers. */
export type Arch = 'x86' | 'x86-pae' | 'x64'

/** Limits of a process's user address space as the system services see them. */
export interface UserAddressLimits {
  readonly arch: Arch
  /** Width of ULONG_PTR / SIZE_T / HANDLE in bits. */
  readonly pointerBits: 32 | 64
  /** MM_LOWEST_USER_ADDRESS: nothing is ever allocated below it. */
  readonly lowestUserAddress: number
  /** MM_HIGHEST_USER_ADDRESS (inclusive). */
  readonly highestUserAddress: number
  /** MM_HIGHEST_VAD_ADDRESS (inclusive): the last byte a reservation may cover. */
  readonly highestVadAddress: number
  /** MmUserProbeAddress: the first address user-mode buffers may not reach. */
  readonly userProbeAddress: number
  /** MM_SHARED_USER_DATA_VA: the read-only KUSER_SHARED_DATA page. */
  readonly sharedUserData: number
  /** MI_MAX_ZERO_BITS: the largest ZeroBits count. */
  readonly maxZeroBits: number
}

const x86Limits = {
  pointerBits: 32,
  lowestUserAddress: 0x10000,
  highestUserAddress: 0x7ffeffff,
  highestVadAddress: 0x7ffdffff,
  userProbeAddress: 0x7fff0000,
  sharedUserData: 0x7ffe0000,
  maxZeroBits: 21,
} as const

/** The limits for an architecture. */
export function userAddressLimits(arch: Arch): UserAddressLimits {
  switch (arch) {
    case 'x86':
    case 'x86-pae':
      return { arch, ...x86Limits }
    case 'x64':
      return {
        arch,
        pointerBits: 64,
        lowestUserAddress: 0x10000,
        highestUserAddress: 0x7ffffffeffff,
        highestVadAddress: 0x7ffffffdffff,
        userProbeAddress: 0x7fffffff0000,
        sharedUserData: 0x7ffe0000,
        maxZeroBits: 21,
      }
  }
}
