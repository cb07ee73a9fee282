// What a fault handler decides, as plain values (no ReactOS counterpart of its own: the NTSTATUS
// and exception record MmAccessFault hands back to KiTrap0E): the result type the MMU's fault
// handler answers, the exception a process sees, and the helpers every fault path of the memory
// manager (accessFault.ts, virtualMemoryFault.ts, sectionViewFault.ts) builds its answers with. A
// leaf: it knows nothing of areas, frames or PTEs.

import type { FaultResponse, PageFault } from '@ntmm/hw-mmu'
import type { PageFaultKind } from './events.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { STATUS_ACCESS_VIOLATION, STATUS_IN_PAGE_ERROR, STATUS_NO_MEMORY } from './ntStatus.js'
import { maskAllowsExecute, maskAllowsRead, maskAllowsWrite } from './protectionMask.js'

/** The exception a failed fault raises in the process (EXCEPTION_RECORD code and parameters). */
export interface FaultException {
  /** STATUS_ACCESS_VIOLATION, STATUS_GUARD_PAGE_VIOLATION or STATUS_IN_PAGE_ERROR. */
  readonly code: number
  /** [access kind (read 0, write 1, execute 8), address] (+ the I/O status for STATUS_IN_PAGE_ERROR). */
  readonly parameters: readonly number[]
}

/**
 * What MmAccessFault decided, as the MMU's fault handler answers it: `retry` is NT_SUCCESS(status)
 * (the access runs again), and a failed access carries this value back in its result.
 */
export interface AccessFaultResult extends FaultResponse {
  readonly status: number
  readonly kind: PageFaultKind
  readonly cause: string
  /** Present when the fault is not resolved: the exception the process sees. */
  readonly exception?: FaultException
}

/** A decision of the fault path before the MMU's `retry` is derived from its status. */
export type FaultDecision = Omit<AccessFaultResult, 'retry'>

/** The EXCEPTION_RECORD access code of an access kind. */
export function exceptionAccessCode(access: PageFault['access']): number {
  return access === 'write' ? 1 : access === 'execute' ? 8 : 0
}

/** A failed fault: the exception carries `status` (STATUS_IN_PAGE_ERROR around STATUS_NO_MEMORY). */
export function failure(fault: PageFault, status: number, kind: PageFaultKind, cause: string): FaultDecision {
  const parameters = [exceptionAccessCode(fault.access), fault.address]
  if (status === STATUS_NO_MEMORY) {
    return {
      status,
      kind,
      cause,
      exception: { code: STATUS_IN_PAGE_ERROR, parameters: [...parameters, status] },
    }
  }
  return { status, kind, cause, exception: { code: status, parameters } }
}

/** An access violation, with why. */
export function accessViolation(fault: PageFault, cause: string): FaultDecision {
  return failure(fault, STATUS_ACCESS_VIOLATION, 'access-violation', cause)
}

/** Whether a page with protection `mask` allows `access` (execute always, unless NX is on). */
export function accessAllowed(core: MmCore, mask: number, access: PageFault['access']): boolean {
  if (access === 'write') return maskAllowsWrite(mask)
  if (access === 'execute') return !core.machine.noExecute || maskAllowsExecute(mask)
  return maskAllowsRead(mask)
}

/** The page of an address. */
export function pageOf(address: number): number {
  return Math.floor(address / PAGE_SIZE) * PAGE_SIZE
}
