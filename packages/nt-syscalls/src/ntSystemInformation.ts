// NtQuerySystemInformation / NtSetSystemInformation for the memory classes (ntoskrnl ex/sysinfo.c):
// SystemBasicInformation (0), SystemPerformanceInformation (2, the paging counters) and
// SystemMemoryListInformation (80, RAMMap's source and its commands). Field names are the Windows
// structures' in lowerCamelCase; these structures count pages, as Windows does.
//
// Privilege: Windows requires SeProfileSingleProcessPrivilege for the SystemMemoryListInformation
// commands (RAMMap runs elevated and enables it). ntmm has no tokens: every process is modeled as
// holding it, enabled, so the commands never fail with STATUS_PRIVILEGE_NOT_HELD.

import { captureUlong } from './captureArguments.js'
import { MM_ALLOCATION_GRANULARITY, PAGE_SIZE } from './memoryConstants.js'
import {
  STATUS_INFO_LENGTH_MISMATCH,
  STATUS_INVALID_INFO_CLASS,
  STATUS_NOT_IMPLEMENTED,
  STATUS_SUCCESS,
} from './ntStatus.js'
import type { ServiceContext } from './serviceContext.js'
import type { SystemPagingCounters } from '@ntmm/mm-core'

/** SYSTEM_INFORMATION_CLASS values this model answers. */
export const SystemInformationClass = {
  SystemBasicInformation: 0,
  SystemPerformanceInformation: 2,
  SystemMemoryListInformation: 80,
} as const

/** SYSTEM_MEMORY_LIST_COMMAND (NtSetSystemInformation(SystemMemoryListInformation)). */
export const SystemMemoryListCommand = {
  MemoryCaptureAccessedBits: 0,
  MemoryCaptureAndResetAccessedBits: 1,
  MemoryEmptyWorkingSets: 2,
  MemoryFlushModifiedList: 3,
  MemoryPurgeStandbyList: 4,
  MemoryPurgeLowPriorityStandbyList: 5,
} as const

/** SYSTEM_BASIC_INFORMATION (the fields a memory model knows; one processor). */
export interface SystemBasicInformation {
  readonly pageSize: number
  readonly numberOfPhysicalPages: number
  readonly lowestPhysicalPageNumber: number
  readonly highestPhysicalPageNumber: number
  readonly allocationGranularity: number
  readonly minimumUserModeAddress: number
  readonly maximumUserModeAddress: number
  readonly numberOfProcessors: number
}

/** SYSTEM_PERFORMANCE_INFORMATION's memory fields (pages and counts): mm-core's paging counters as Windows reports them. */
export type SystemPerformanceInformation = Omit<SystemPagingCounters, 'balanceSetTicks'>

/** SYSTEM_MEMORY_LIST_INFORMATION (pages). */
export interface SystemMemoryListInformation {
  readonly zeroPageCount: number
  readonly freePageCount: number
  readonly modifiedPageCount: number
  readonly modifiedNoWritePageCount: number
  readonly badPageCount: number
  readonly pageCountByPriority: readonly number[]
  readonly repurposedPagesByPriority: readonly number[]
  readonly modifiedPageCountPageFile: number
}

/** NtQuerySystemInformation's result: `info` only on success, by class. */
export interface QuerySystemInformationResult {
  readonly status: number
  readonly info?: SystemBasicInformation | SystemPerformanceInformation | SystemMemoryListInformation
}

/**
 * NtQuerySystemInformation(SystemInformationClass): STATUS_INVALID_INFO_CLASS for a class this
 * model does not answer. Answers under every policy from what the machine keeps (mm-core's
 * counters; under a textbook policy the I/O counts equal the page counts and the standby list is
 * empty).
 */
export function ntQuerySystemInformation(
  context: ServiceContext,
  args: { readonly systemInformationClass: unknown },
): QuerySystemInformationResult {
  const mm = context.mm
  switch (captureUlong(args.systemInformationClass)) {
    case SystemInformationClass.SystemBasicInformation: {
      const frames = mm.mmu.frames.frameCount
      const info: SystemBasicInformation = {
        pageSize: PAGE_SIZE,
        numberOfPhysicalPages: frames,
        lowestPhysicalPageNumber: 0,
        highestPhysicalPageNumber: Math.max(0, frames - 1),
        allocationGranularity: MM_ALLOCATION_GRANULARITY,
        minimumUserModeAddress: context.limits.lowestUserAddress,
        maximumUserModeAddress: context.limits.highestUserAddress,
        numberOfProcessors: 1,
      }
      return { status: STATUS_SUCCESS, info }
    }
    case SystemInformationClass.SystemPerformanceInformation: {
      const { balanceSetTicks: _ticks, ...info } = mm.systemPagingCounters
      return { status: STATUS_SUCCESS, info }
    }
    case SystemInformationClass.SystemMemoryListInformation:
      return { status: STATUS_SUCCESS, info: mm.memoryListInformation }
    default:
      return { status: STATUS_INVALID_INFO_CLASS }
  }
}

/**
 * NtSetSystemInformation(SystemMemoryListInformation, command): STATUS_INVALID_INFO_CLASS for
 * another class; STATUS_INFO_LENGTH_MISMATCH when the value is no ULONG; the accessed-bit
 * captures (0, 1: SuperFetch's) are not modeled: STATUS_NOT_IMPLEMENTED; commands 2-5 run
 * (mm-core's memoryListCommand); another command is STATUS_INVALID_PARAMETER. Under a policy
 * other than 'nt' (no working sets, no standby cache) a valid command answers
 * STATUS_NOT_IMPLEMENTED.
 */
export function ntSetSystemInformation(
  context: ServiceContext,
  args: { readonly systemInformationClass: unknown; readonly systemInformation: unknown },
): { readonly status: number } {
  if (captureUlong(args.systemInformationClass) !== SystemInformationClass.SystemMemoryListInformation)
    return { status: STATUS_INVALID_INFO_CLASS }
  const command = captureUlong(args.systemInformation)
  if (command === undefined) return { status: STATUS_INFO_LENGTH_MISMATCH }
  if (
    command === SystemMemoryListCommand.MemoryCaptureAccessedBits ||
    command === SystemMemoryListCommand.MemoryCaptureAndResetAccessedBits
  )
    return { status: STATUS_NOT_IMPLEMENTED }
  return context.mm.memoryListCommand(command)
}
