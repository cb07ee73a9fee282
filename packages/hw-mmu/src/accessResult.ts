// What a memory access answers, as values (SerenityOS's `ErrorOr` and `PageFaultResponse`, v86's
// `OrPageFault`): the bytes read, the translation with its effective permissions, or the CPU's
// fault with the OS handler's last response. A fault never throws: an exception from an access
// means a malformed argument or a broken invariant. Shared by the access path (mmu.ts) and the
// side-effect-free inspection (mmuInspection.ts).
import type { CpuFault, FaultResponse } from './pageFault.js'
import type { PrivilegeMode } from './paging.js'

/** Options of an access. */
export interface AccessOptions {
  /** Privilege of the access; 'user' by default. */
  readonly mode?: PrivilegeMode
}

/**
 * How an access failed: the CPU's fault and, when the OS's handler saw it, its last response
 * (undefined for a general-protection fault, with no handler, and for inspection).
 */
export interface FailedAccess<R extends FaultResponse = FaultResponse> {
  readonly ok: false
  readonly fault: CpuFault
  readonly response?: R | undefined
}

/** Result of a read, fetch or peek. */
export type AccessResult<R extends FaultResponse = FaultResponse> =
  | { readonly ok: true; readonly data: Uint8Array }
  | FailedAccess<R>

/** Result of a write. */
export type WriteResult<R extends FaultResponse = FaultResponse> = { readonly ok: true } | FailedAccess<R>

/** Effective permissions of a translation (combined over every level). */
export interface Translation {
  readonly physicalAddress: number
  readonly pageSize: number
  readonly writable: boolean
  readonly user: boolean
  readonly executable: boolean
  readonly dirty: boolean
  readonly global: boolean
}

/** Result of {@link Mmu.translate}. */
export type TranslateResult<R extends FaultResponse = FaultResponse> =
  | ({ readonly ok: true } & Translation)
  | FailedAccess<R>
