// NtQueryInformationProcess / NtSetInformationProcess for the memory classes (ntoskrnl ps/query.c,
// PspSetQuotaLimits → MmAdjustWorkingSetSize, ProcessPagePriority): ProcessQuotaLimits (1),
// ProcessVmCounters (3) and ProcessPagePriority (39). The native order of checks: the information
// class, then the buffer (here: the shape of the value passed for it), then the handle with the
// access the class needs, then the values. Sizes are bytes as Windows gives them; the working-set
// limits reach mm-core in pages (bytes >> PAGE_SHIFT, truncated as MmAdjustWorkingSetSize does).

import { PAGE_SIZE } from './memoryConstants.js'
import {
  PROCESS_QUERY_LIMITED_INFORMATION,
  PROCESS_SET_INFORMATION,
  PROCESS_SET_QUOTA,
} from './accessRights.js'
import { captureHandle, captureNumberFields, capturePointer, captureUlong } from './captureArguments.js'
import {
  STATUS_INFO_LENGTH_MISMATCH,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_INFO_CLASS,
  STATUS_SUCCESS,
} from './ntStatus.js'
import {
  referenceProcess,
  releaseProcess,
  type ServiceContext,
  type TargetProcess,
} from './serviceContext.js'

/** PROCESSINFOCLASS values this model answers. */
export const ProcessInformationClass = {
  ProcessQuotaLimits: 1,
  ProcessVmCounters: 3,
  ProcessPagePriority: 39,
} as const

/** VM_COUNTERS_EX (bytes; the pool quotas are 0: ntmm has no pools). */
export interface VmCountersEx {
  /** EPROCESS.PeakVirtualSize: the most address space the process's VADs have spanned. */
  readonly peakVirtualSize: number
  /**
   * EPROCESS.VirtualSize: the address space its VADs span now, reserved or committed alike
   * (private reservations, views, images; not in GetProcessMemoryInfo's PROCESS_MEMORY_COUNTERS).
   */
  readonly virtualSize: number
  readonly pageFaultCount: number
  readonly peakWorkingSetSize: number
  readonly workingSetSize: number
  readonly quotaPeakPagedPoolUsage: number
  readonly quotaPagedPoolUsage: number
  readonly quotaPeakNonPagedPoolUsage: number
  readonly quotaNonPagedPoolUsage: number
  readonly pagefileUsage: number
  readonly peakPagefileUsage: number
  readonly privateUsage: number
}

/** QUOTA_LIMITS_EX as NtQueryInformationProcess(ProcessQuotaLimits) fills it (bytes; no pool or time limits: 0). */
export interface QuotaLimitsEx {
  readonly pagedPoolLimit: number
  readonly nonPagedPoolLimit: number
  readonly minimumWorkingSetSize: number
  readonly maximumWorkingSetSize: number
  readonly pagefileLimit: number
  readonly timeLimit: number
  /** QUOTA_LIMITS_HARDWS_MIN_ENABLE / _MAX_ENABLE in force. */
  readonly flags: number
}

/** What NtSetInformationProcess(ProcessQuotaLimits) reads of QUOTA_LIMITS_EX. */
export interface QuotaLimitsInput {
  readonly minimumWorkingSetSize: number
  readonly maximumWorkingSetSize: number
  readonly flags?: number
}

/** NtQueryInformationProcess's result: `info` only on success (VM_COUNTERS_EX or QUOTA_LIMITS_EX by class). */
export interface QueryInformationProcessResult {
  readonly status: number
  readonly info?: VmCountersEx | QuotaLimitsEx
}

/** The arguments as the caller passed them. */
export interface QueryInformationProcessArguments {
  readonly processHandle: unknown
  readonly processInformationClass: unknown
}

/** The arguments as the caller passed them. */
export interface SetInformationProcessArguments {
  readonly processHandle: unknown
  readonly processInformationClass: unknown
  readonly processInformation: unknown
}

function withProcess<R>(
  context: ServiceContext,
  handle: unknown,
  access: number,
  run: (target: TargetProcess) => R & { readonly status: number },
): R | { readonly status: number } {
  const captured = captureHandle(handle, context.limits)
  if (captured === undefined) return { status: STATUS_INVALID_HANDLE }
  const reference = referenceProcess(context, captured, access, { skipForCurrent: false })
  if (reference.target === undefined) return { status: reference.status }
  try {
    return run(reference.target)
  } finally {
    releaseProcess(context, reference.target)
  }
}

/**
 * NtQueryInformationProcess(ProcessHandle, ProcessVmCounters | ProcessQuotaLimits). Fails with
 * STATUS_INVALID_INFO_CLASS for another class, then the handle's status (STATUS_INVALID_HANDLE,
 * STATUS_OBJECT_TYPE_MISMATCH, STATUS_ACCESS_DENIED without PROCESS_QUERY_LIMITED_INFORMATION,
 * STATUS_PROCESS_IS_TERMINATING). Answers under every policy (the counters the machine keeps).
 */
export function ntQueryInformationProcess(
  context: ServiceContext,
  args: QueryInformationProcessArguments,
): QueryInformationProcessResult {
  const infoClass = captureUlong(args.processInformationClass)
  if (
    infoClass !== ProcessInformationClass.ProcessVmCounters &&
    infoClass !== ProcessInformationClass.ProcessQuotaLimits
  )
    return { status: STATUS_INVALID_INFO_CLASS }
  return withProcess(context, args.processHandle, PROCESS_QUERY_LIMITED_INFORMATION, (target) => {
    const ws = context.mm.processWorkingSet(target.pid)
    if (ws === undefined) return { status: STATUS_INVALID_HANDLE }
    if (infoClass === ProcessInformationClass.ProcessQuotaLimits) {
      const info: QuotaLimitsEx = {
        pagedPoolLimit: 0,
        nonPagedPoolLimit: 0,
        minimumWorkingSetSize: ws.minimumWorkingSetSize,
        maximumWorkingSetSize: ws.maximumWorkingSetSize,
        pagefileLimit: 0,
        timeLimit: 0,
        flags: ws.flags,
      }
      return { status: STATUS_SUCCESS, info }
    }
    const info: VmCountersEx = {
      peakVirtualSize: ws.peakVirtualSize,
      virtualSize: ws.virtualSize,
      pageFaultCount: ws.pageFaultCount,
      peakWorkingSetSize: ws.peakWorkingSetSize,
      workingSetSize: ws.workingSetSize,
      quotaPeakPagedPoolUsage: 0,
      quotaPagedPoolUsage: 0,
      quotaPeakNonPagedPoolUsage: 0,
      quotaNonPagedPoolUsage: 0,
      pagefileUsage: ws.pagefileUsage,
      peakPagefileUsage: ws.peakPagefileUsage,
      privateUsage: ws.privateUsage,
    }
    return { status: STATUS_SUCCESS, info }
  })
}

/** A QUOTA_LIMITS_EX the caller passed, captured as SIZE_T / ULONG, or undefined when it is none. */
function captureQuotaLimits(
  value: unknown,
  context: ServiceContext,
): { minimum: number; maximum: number; flags: number } | undefined {
  const given = captureNumberFields(value)
  if (given === undefined) return undefined
  const minimum = capturePointer(given.minimumWorkingSetSize, context.limits)
  const maximum = capturePointer(given.maximumWorkingSetSize, context.limits)
  const flags = given.flags === undefined ? 0 : captureUlong(given.flags)
  if (minimum === undefined || maximum === undefined || flags === undefined) return undefined
  return { minimum, maximum, flags }
}

/**
 * NtSetInformationProcess(ProcessHandle, ProcessQuotaLimits, { minimumWorkingSetSize,
 * maximumWorkingSetSize, flags }) or (ProcessHandle, ProcessPagePriority, priority).
 *
 * Checks in order: STATUS_INVALID_INFO_CLASS for another class; STATUS_INFO_LENGTH_MISMATCH when
 * the value is not a QUOTA_LIMITS_EX (an object with integer sizes and flags) or a ULONG priority;
 * the handle (PROCESS_SET_QUOTA for the limits, PROCESS_SET_INFORMATION for the priority:
 * STATUS_ACCESS_DENIED without it); then mm-core's rules: (SIZE_T)-1, (SIZE_T)-1 empties the
 * working set; both 0 changes nothing (only pool quotas, which ntmm has not, would change); a 0
 * keeps that limit; otherwise bytes → pages and STATUS_INVALID_PARAMETER for minimum > maximum,
 * a maximum above RAM or contradictory flags, STATUS_BAD_WORKING_SET_LIMIT for a maximum that
 * leaves no room beside the locked pages; a priority outside 0-7 is STATUS_INVALID_PARAMETER.
 * Under a policy other than 'nt' the checks run and the change answers STATUS_NOT_IMPLEMENTED.
 */
export function ntSetInformationProcess(
  context: ServiceContext,
  args: SetInformationProcessArguments,
): { readonly status: number } {
  const infoClass = captureUlong(args.processInformationClass)
  if (infoClass === ProcessInformationClass.ProcessPagePriority) {
    const priority = captureUlong(args.processInformation)
    if (priority === undefined) return { status: STATUS_INFO_LENGTH_MISMATCH }
    return withProcess(context, args.processHandle, PROCESS_SET_INFORMATION, (target) =>
      context.mm.setPagePriority(target.pid, priority),
    )
  }
  if (infoClass !== ProcessInformationClass.ProcessQuotaLimits) return { status: STATUS_INVALID_INFO_CLASS }
  const limits = captureQuotaLimits(args.processInformation, context)
  if (limits === undefined) return { status: STATUS_INFO_LENGTH_MISMATCH }
  return withProcess(context, args.processHandle, PROCESS_SET_QUOTA, (target) => {
    const allOnes = context.limits.pointerBits === 32 ? 0xffff_ffff : 2 ** 64 - 1
    if (limits.minimum === allOnes && limits.maximum === allOnes)
      return context.mm.setWorkingSetLimits(target.pid, { minimum: -1, maximum: -1, flags: limits.flags })
    const current = context.mm.processWorkingSet(target.pid)
    if (current === undefined) return { status: STATUS_INVALID_HANDLE }
    if (limits.minimum === 0 && limits.maximum === 0 && limits.flags === 0) return { status: STATUS_SUCCESS }
    const minimum =
      limits.minimum === 0
        ? current.minimumWorkingSetSize / PAGE_SIZE
        : Math.floor(limits.minimum / PAGE_SIZE)
    const maximum =
      limits.maximum === 0
        ? current.maximumWorkingSetSize / PAGE_SIZE
        : Math.floor(limits.maximum / PAGE_SIZE)
    return context.mm.setWorkingSetLimits(target.pid, { minimum, maximum, flags: limits.flags })
  })
}
