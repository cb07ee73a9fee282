// The page-fault exception (#PF, vector 14) as the CPU delivers it: an error code pushed on the
// stack and the faulting linear address in CR2 (Intel SDM vol. 3A §4.7). The OS (ReactOS's
// KiTrap0EHandler → MmAccessFault) receives it decoded, never as raw bits, and answers with a
// FaultResponse value: retry the access, or let it fail.
import type { AccessKind, PrivilegeMode } from './paging.js'

/** Error-code bit P: 0 = the page was not present, 1 = a protection (or reserved-bit) violation. */
export const PF_PRESENT = 0x1
/** Error-code bit W/R: the access was a write. */
export const PF_WRITE = 0x2
/** Error-code bit U/S: the access was made in user mode. */
export const PF_USER = 0x4
/** Error-code bit RSVD: a reserved bit was set in a paging-structure entry. */
export const PF_RESERVED = 0x8
/** Error-code bit I/D: the access was an instruction fetch (reported only with NX enabled, PAE or x64). */
export const PF_INSTRUCTION_FETCH = 0x10

/** A page fault, decoded for the OS. */
export interface PageFault {
  readonly kind: 'page-fault'
  /** CR2: the linear address whose translation failed. */
  readonly address: number
  /** The raw #PF error code. */
  readonly errorCode: number
  readonly isNotPresent: boolean
  readonly isWrite: boolean
  readonly isUser: boolean
  /** The I/D bit. As on the CPU, it is set only when EFER.NXE is on in PAE or x64 mode. */
  readonly isInstructionFetch: boolean
  readonly isReservedBit: boolean
  /** The access that faulted (known to the simulator even when I/D is not reported). */
  readonly access: AccessKind
  readonly mode: PrivilegeMode
}

/**
 * A general-protection fault (#GP): in x64 mode an access to a non-canonical address, which never
 * reaches the page walk (and never the OS's page-fault handler).
 */
export interface GeneralProtectionFault {
  readonly kind: 'general-protection'
  readonly address: number
  readonly reason: 'non-canonical'
  readonly access: AccessKind
  readonly mode: PrivilegeMode
}

/** Any fault an access can end with. */
export type CpuFault = PageFault | GeneralProtectionFault

/** Decodes a #PF error code for the OS. */
export function decodePageFault(
  address: number,
  errorCode: number,
  access: AccessKind,
  mode: PrivilegeMode,
): PageFault {
  return {
    kind: 'page-fault',
    address,
    errorCode,
    isNotPresent: (errorCode & PF_PRESENT) === 0,
    isWrite: (errorCode & PF_WRITE) !== 0,
    isUser: (errorCode & PF_USER) !== 0,
    isInstructionFetch: (errorCode & PF_INSTRUCTION_FETCH) !== 0,
    isReservedBit: (errorCode & PF_RESERVED) !== 0,
    access,
    mode,
  }
}

/**
 * What the OS's page-fault handler decided about one #PF, as a value (SerenityOS's
 * `PageFaultResponse`): `retry` when it fixed the mapping and the access runs again, as the CPU
 * re-executes the faulting instruction. The OS extends it with its own outcome (mm-core: the
 * NTSTATUS, the fault kind and the exception the process sees); a failed access hands the last
 * response back in its result, so no caller reads the outcome from a side channel.
 */
export interface FaultResponse {
  /** True: the fault was resolved and the access is retried; false: the access fails. */
  readonly retry: boolean
}

/** The OS's page-fault handler (ReactOS KiTrap0EHandler → MmAccessFault). */
export type FaultHandler<R extends FaultResponse = FaultResponse> = (fault: PageFault) => R
