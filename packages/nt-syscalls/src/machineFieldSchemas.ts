// The basic field types of the machine trace's low-volume schemas (machineEventSchemas.ts), and the
// fields of the 'nt' replacement policy's event kinds (machine-trace version 5, NT_PAGING_EVENT_TYPES:
// balance-set ticks, working-set trims, the modified page writer's clusters, the zero page thread,
// SetProcessWorkingSetSizeEx, the page priority, VirtualLock). No NT counterpart: an ETW
// manifest's field types come closest.

import * as v from 'valibot'

/** An exact integer (addresses, pids, counts that may be negative). */
export const integer = v.pipe(v.number(), v.safeInteger())
/** An exact integer ≥ 0. */
export const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0))
/** A 32-bit unsigned value (NTSTATUS, access masks, PTE halves, protections). */
export const uint32 = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffffffff))
export const byte = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255))
/** A process id: an exact integer (0 is the system address space). */
export const pid = integer
/** A virtual address: an exact integer (x64's system half as negative numbers). */
export const address = integer
const bool = v.boolean()
/** A PFN database entry as the events carry it (mm-core's PfnRecord). */
export const pfnRecord = v.strictObject({
  state: v.picklist(['FREE', 'ZEROED', 'STANDBY', 'MODIFIED', 'ACTIVE', 'PAGE_TABLE', 'SYSTEM']),
  ownerPid: pid,
  ownerAddress: address,
  protectMask: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(31)),
  pageFileSlot: v.pipe(v.number(), v.safeInteger(), v.minValue(-1)),
  modified: bool,
  // A section page's frame only (sections, machine-trace version 4).
  segmentId: v.optional(count),
  shareCount: v.optional(count),
})
/** Page addresses of a process. */
export const pageSet = v.array(address)
/** An exact integer ≥ 1 (a balance-set tick's number). */
const positive = v.pipe(v.number(), v.safeInteger(), v.minValue(1))
/** QUOTA_LIMITS_HARDWS_MIN/MAX_ENABLE bits in force (the _DISABLE bits are not kept). */
const workingSetFlags = v.picklist([0, 1, 4, 5])
/** A page priority (MEMORY_PRIORITY_*; the standby sub-list 0-7). */
const pagePriority = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(7))

/** The fields of the 'nt' policy's kinds besides `type`. */
export const NT_PAGING_FIELDS: Readonly<Record<string, v.ObjectEntries>> = {
  'mm.balanceSetTick': {
    tick: positive,
    previousTick: count,
    reason: v.picklist(['references', 'explicit', 'low memory']),
  },
  'mm.workingSetTrimmed': {
    pid,
    address,
    pfn: count,
    tick: count,
    reason: v.picklist([
      'working-set manager',
      'local replacement',
      'empty working set',
      'maximum lowered',
      'low memory',
    ]),
    outcome: v.picklist(['standby', 'modified']),
    before: pfnRecord,
    after: pfnRecord,
  },
  'mm.clusterWritten': {
    tick: count,
    cluster: count,
    pfns: v.pipe(v.array(count), v.minLength(1)),
    slots: v.pipe(v.array(count), v.minLength(1)),
    cause: v.picklist(['threshold', 'low memory', 'flush']),
  },
  'mm.pageZeroed': { pfn: count, tick: count, before: pfnRecord, after: pfnRecord },
  'mm.workingSetLimitsSet': {
    pid,
    minimum: count,
    maximum: count,
    flags: workingSetFlags,
    previous: v.strictObject({ minimum: count, maximum: count, flags: workingSetFlags }),
  },
  'mm.pagePrioritySet': { pid, priority: pagePriority, previous: pagePriority },
  'mm.pagesLocked': { pid, addresses: pageSet, locked: bool },
}
