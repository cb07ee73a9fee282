// The memory manager's side of the working-set services under the 'nt' policy (NT-PAGING.md §3.5;
// NtSetInformationProcess ProcessQuotaLimits / ProcessPagePriority, NtLockVirtualMemory,
// NtSetSystemInformation SystemMemoryListInformation's commands as RAMMap issues them). Callers
// (nt-syscalls) pass pids and page counts; each returns an NTSTATUS and never throws for a caller's
// mistake. Under any other policy they return STATUS_NOT_IMPLEMENTED.

import type { MmCore } from './mmCore.js'
import {
  STATUS_BAD_WORKING_SET_LIMIT,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_IMPLEMENTED,
  STATUS_NOT_LOCKED,
  STATUS_SUCCESS,
  STATUS_WORKING_SET_QUOTA,
} from './ntStatus.js'
import { modifiedPageWriter } from './ntModifiedPageWriter.js'
import {
  QUOTA_LIMITS_HARDWS_MAX_DISABLE,
  QUOTA_LIMITS_HARDWS_MAX_ENABLE,
  QUOTA_LIMITS_HARDWS_MIN_DISABLE,
  QUOTA_LIMITS_HARDWS_MIN_ENABLE,
} from './ntPagingState.js'
import { emptyWorkingSet, trimOldest } from './ntWorkingSets.js'
import { releasePageMemoryConsumer, repurposeStandby } from './pageMemoryConsumer.js'
import { pfnRecordOf } from './pfnRecord.js'
import { readPte } from './pteAccess.js'

/** A service's result. */
export interface NtServiceStatus {
  readonly status: number
}

const done: NtServiceStatus = { status: STATUS_SUCCESS }
const bad: NtServiceStatus = { status: STATUS_INVALID_PARAMETER }

/** New working-set limits in pages; minimum = maximum = -1 empties the working set ((SIZE_T)-1, -1). */
export interface WorkingSetLimits {
  readonly minimum: number
  readonly maximum: number
  /** QUOTA_LIMITS_HARDWS_{MIN,MAX}_{ENABLE,DISABLE}; 0 keeps the flags in force. */
  readonly flags?: number
}

/** SetProcessWorkingSetSizeEx's memory-manager side (see {@link WorkingSetLimits}). */
export function setWorkingSetLimits(core: MmCore, pid: number, limits: WorkingSetLimits): NtServiceStatus {
  const nt = core.state.nt
  if (nt === undefined) return { status: STATUS_NOT_IMPLEMENTED }
  if (!core.state.spaces.has(pid) || pid <= 0) return bad
  const flags = limits.flags ?? 0
  if ((flags & ~0xf) !== 0) return bad
  if ((flags & 0x3) === 0x3 || (flags & 0xc) === 0xc) return bad
  if (limits.minimum === -1 && limits.maximum === -1) {
    emptyWorkingSet(core, pid)
    return done
  }
  const { minimum, maximum } = limits
  const frames = core.state.pfn.frameCount
  if (
    !Number.isInteger(minimum) ||
    !Number.isInteger(maximum) ||
    minimum < 1 ||
    minimum > maximum ||
    maximum > frames
  )
    return bad
  const previous = nt.process(pid)
  // As MmAdjustWorkingSetSize refuses a maximum that leaves too few fluid entries beside the
  // locked ones (FirstDynamic + MM_FLUID_WORKING_SET), with the same scaled margin lockPages uses:
  // otherwise trimming could not bring the working set under a hard maximum.
  if (previous.lockedPages.size > lockablePages(maximum)) return { status: STATUS_BAD_WORKING_SET_LIMIT }
  let kept = previous.flags
  if (flags & QUOTA_LIMITS_HARDWS_MIN_ENABLE) kept |= QUOTA_LIMITS_HARDWS_MIN_ENABLE
  if (flags & QUOTA_LIMITS_HARDWS_MIN_DISABLE) kept &= ~QUOTA_LIMITS_HARDWS_MIN_ENABLE
  if (flags & QUOTA_LIMITS_HARDWS_MAX_ENABLE) kept |= QUOTA_LIMITS_HARDWS_MAX_ENABLE
  if (flags & QUOTA_LIMITS_HARDWS_MAX_DISABLE) kept &= ~QUOTA_LIMITS_HARDWS_MAX_ENABLE
  core.emit({
    type: 'mm.workingSetLimitsSet',
    pid,
    minimum,
    maximum,
    flags: kept,
    previous: { minimum: previous.minimum, maximum: previous.maximum, flags: previous.flags },
  })
  // A working set above its new maximum is cut down to it now (oldest pages first).
  trimOldest(core, pid, core.state.spaces.get(pid)!.workingSetSize - maximum, 'maximum lowered')
  return done
}

/** ProcessPagePriority: the standby sub-list (0-7) the process's pages go to from now on. */
export function setPagePriority(core: MmCore, pid: number, priority: number): NtServiceStatus {
  const nt = core.state.nt
  if (nt === undefined) return { status: STATUS_NOT_IMPLEMENTED }
  if (!core.state.spaces.has(pid) || pid <= 0 || !Number.isInteger(priority) || priority < 0 || priority > 7)
    return bad
  core.emit({ type: 'mm.pagePrioritySet', pid, priority, previous: nt.process(pid).priority })
  return done
}

/** Pages a process may lock: its minimum less a small overhead (a quarter of it, at most 8 pages). */
export function lockablePages(minimum: number): number {
  return minimum - Math.max(1, Math.min(8, Math.floor(minimum / 4)))
}

/**
 * NtLockVirtualMemory's memory-manager side: lock resident private pages `addresses` of `pid` in
 * its working set. STATUS_INVALID_PARAMETER when one is not resident (the caller faults them in
 * first), STATUS_WORKING_SET_QUOTA past {@link lockablePages}.
 */
export function lockPages(core: MmCore, pid: number, addresses: readonly number[]): NtServiceStatus {
  const nt = core.state.nt
  if (nt === undefined) return { status: STATUS_NOT_IMPLEMENTED }
  if (!core.state.spaces.has(pid) || pid <= 0) return bad
  const ws = nt.process(pid)
  const fresh = addresses.filter((address) => !ws.lockedPages.has(address))
  for (const address of fresh) {
    const pte = readPte(core, pid, address)
    if (pte === undefined || pte.view.kind !== 'valid') return bad
    const pfnDb = core.state.pfn
    if (pfnDb.ownerPid[pte.view.pfn] !== pid || pfnDb.ownerAddress[pte.view.pfn] !== address) return bad
  }
  if (ws.lockedPages.size + fresh.length > lockablePages(ws.minimum))
    return { status: STATUS_WORKING_SET_QUOTA }
  if (fresh.length > 0) core.emit({ type: 'mm.pagesLocked', pid, addresses: fresh, locked: true })
  return done
}

/** NtUnlockVirtualMemory's memory-manager side: STATUS_NOT_LOCKED when a page is not locked. */
export function unlockPages(core: MmCore, pid: number, addresses: readonly number[]): NtServiceStatus {
  const nt = core.state.nt
  if (nt === undefined) return { status: STATUS_NOT_IMPLEMENTED }
  if (!core.state.spaces.has(pid) || pid <= 0) return bad
  const locked = nt.process(pid).lockedPages
  if (addresses.some((address) => !locked.has(address))) return { status: STATUS_NOT_LOCKED }
  if (addresses.length > 0) core.emit({ type: 'mm.pagesLocked', pid, addresses, locked: false })
  return done
}

/** RAMMap's commands (SYSTEM_MEMORY_LIST_COMMAND). */
export const MemoryListCommand = {
  MemoryEmptyWorkingSets: 2,
  MemoryFlushModifiedList: 3,
  MemoryPurgeStandbyList: 4,
  MemoryPurgeLowPriorityStandbyList: 5,
} as const

/**
 * NtSetSystemInformation(SystemMemoryListInformation, command): empty every working set, write
 * the whole modified list, or free the standby list (all of it, or its priority 0 pages).
 * STATUS_INVALID_PARAMETER for another command.
 */
export function memoryListCommand(core: MmCore, command: number): NtServiceStatus {
  const nt = core.state.nt
  if (nt === undefined) return { status: STATUS_NOT_IMPLEMENTED }
  switch (command) {
    case MemoryListCommand.MemoryEmptyWorkingSets:
      for (const pid of [...core.state.spaces.keys()].sort((a, b) => a - b))
        if (pid > 0) emptyWorkingSet(core, pid)
      return done
    case MemoryListCommand.MemoryFlushModifiedList:
      modifiedPageWriter(core, nt.tick, 'flush')
      return done
    case MemoryListCommand.MemoryPurgeStandbyList:
    case MemoryListCommand.MemoryPurgeLowPriorityStandbyList: {
      const pfnDb = core.state.pfn
      const lowOnly = command === MemoryListCommand.MemoryPurgeLowPriorityStandbyList
      for (const pfn of pfnDb.framesOn('STANDBY')) {
        if (lowOnly && pfnDb.priority[pfn] !== 0) continue
        repurposeStandby(core, pfn, pfnRecordOf(core.state, pfn))
        releasePageMemoryConsumer(core, pfn)
      }
      return done
    }
    default:
      return bad
  }
}
