// The system-call surface of one process: `kernel.syscalls(pid)`. Each call is what a thread of the
// process would issue from user mode (PreviousMode = UserMode); the dispatcher records the input
// (nt.syscallEntered), makes it the cause of everything the service changes, runs the service and
// records its NTSTATUS and out-values (nt.syscallReturned). Parameters keep the native order.

import type { JsonValue } from './events.js'
import { argumentJson, numberJson } from './syscallArguments.js'
import { type AllocateVirtualMemoryResult, ntAllocateVirtualMemory } from './ntAllocateVirtualMemory.js'
import { ntClose } from './ntClose.js'
import { type DuplicateObjectResult, ntDuplicateObject } from './ntDuplicateObject.js'
import { type FreeVirtualMemoryResult, ntFreeVirtualMemory } from './ntFreeVirtualMemory.js'
import { type GetWriteWatchResult, ntGetWriteWatch, ntResetWriteWatch } from './ntGetWriteWatch.js'
import { ntOpenProcess, type OpenProcessResult } from './ntOpenProcess.js'
import { ntProtectVirtualMemory, type ProtectVirtualMemoryResult } from './ntProtectVirtualMemory.js'
import { ntQueryVirtualMemory, type QueryVirtualMemoryResult } from './ntQueryVirtualMemory.js'
import { workingSetExBuffer } from './ntQueryWorkingSet.js'
import { ntReadVirtualMemory, type ReadVirtualMemoryResult } from './ntReadVirtualMemory.js'
import { ntWriteVirtualMemory, type WriteVirtualMemoryResult } from './ntWriteVirtualMemory.js'
import {
  type LockVirtualMemoryResult,
  ntLockVirtualMemory,
  ntUnlockVirtualMemory,
} from './ntLockVirtualMemory.js'
import {
  ntQueryInformationProcess,
  ntSetInformationProcess,
  type QueryInformationProcessResult,
} from './ntProcessInformation.js'
import {
  ntQuerySystemInformation,
  ntSetSystemInformation,
  type QuerySystemInformationResult,
} from './ntSystemInformation.js'
import type { ServiceContext } from './serviceContext.js'
import { createSectionSyscalls, type NtSectionSyscalls } from './sectionSyscalls.js'

/**
 * The native system services of one process. None throws for a caller's mistake, whatever the
 * arguments' types or values: each returns the NTSTATUS Windows returns (docs/nt-syscalls.md,
 * "Garbage arguments"). On a read-only view of the past (`kernel.at(seq)`), the services that
 * would change state throw the view's Error.
 */
export interface NtSyscalls extends NtSectionSyscalls {
  /** The process whose thread makes these calls. */
  readonly pid: number
  /** Reserves and/or commits a range (MEM_RESERVE, MEM_COMMIT); returns the status and the rounded BaseAddress and RegionSize. */
  NtAllocateVirtualMemory(
    ProcessHandle: number,
    BaseAddress: number,
    ZeroBits: number,
    RegionSize: number,
    AllocationType: number,
    Protect: number,
  ): AllocateVirtualMemoryResult
  /** Decommits (MEM_DECOMMIT) or releases (MEM_RELEASE) a range; returns the status and the rounded range. */
  NtFreeVirtualMemory(
    ProcessHandle: number,
    BaseAddress: number,
    RegionSize: number,
    FreeType: number,
  ): FreeVirtualMemoryResult
  /** Changes the protection of committed pages; returns the status, the rounded range and the old protection. */
  NtProtectVirtualMemory(
    ProcessHandle: number,
    BaseAddress: number,
    RegionSize: number,
    NewProtect: number,
  ): ProtectVirtualMemoryResult
  /**
   * Describes the region containing BaseAddress (MemoryBasicInformation, 0), the working set
   * (MemoryWorkingSetInformation, 1: `workingSetInformation`) or the pages named by the entries
   * of MemoryInformation (MemoryWorkingSetExInformation, 4: `workingSetExInformation`; an array
   * of `{ virtualAddress }` or the MEMORY_WORKING_SET_EX_INFORMATION buffer as bytes).
   */
  NtQueryVirtualMemory(
    ProcessHandle: number,
    BaseAddress: number,
    MemoryInformationClass?: number,
    MemoryInformationLength?: number,
    MemoryInformation?: readonly { readonly virtualAddress: number }[] | Uint8Array,
  ): QueryVirtualMemoryResult
  /** Copies `size` bytes out of a process's memory (PROCESS_VM_READ). */
  NtReadVirtualMemory(ProcessHandle: number, BaseAddress: number, size: number): ReadVirtualMemoryResult
  /** Copies `data` into a process's memory (PROCESS_VM_WRITE). */
  NtWriteVirtualMemory(ProcessHandle: number, BaseAddress: number, data: Uint8Array): WriteVirtualMemoryResult
  /** Lists the written pages of a MEM_WRITE_WATCH region. */
  NtGetWriteWatch(
    ProcessHandle: number,
    Flags: number,
    BaseAddress: number,
    RegionSize: number,
    EntriesInUserAddressArray: number,
  ): GetWriteWatchResult
  /** Clears the write-watch state of a range. */
  NtResetWriteWatch(
    ProcessHandle: number,
    BaseAddress: number,
    RegionSize: number,
  ): { readonly status: number }
  /** Opens a handle to process `pid` with the desired access. */
  NtOpenProcess(DesiredAccess: number, pid: number): OpenProcessResult
  /** Closes a handle. */
  NtClose(Handle: number): { readonly status: number }
  /** Duplicates a handle into a target process (or closes the source with DUPLICATE_CLOSE_SOURCE). */
  NtDuplicateObject(
    SourceProcessHandle: number,
    SourceHandle: number,
    TargetProcessHandle: number | undefined,
    DesiredAccess: number,
    HandleAttributes: number,
    Options: number,
  ): DuplicateObjectResult
  /** ProcessVmCounters (3) → VM_COUNTERS_EX, ProcessQuotaLimits (1) → QUOTA_LIMITS_EX (bytes). */
  NtQueryInformationProcess(
    ProcessHandle: number,
    ProcessInformationClass: number,
  ): QueryInformationProcessResult
  /**
   * ProcessQuotaLimits (1) with `{ minimumWorkingSetSize, maximumWorkingSetSize, flags }` (bytes;
   * (SIZE_T)-1, (SIZE_T)-1 empties the working set), or ProcessPagePriority (39) with 0-7.
   */
  NtSetInformationProcess(
    ProcessHandle: number,
    ProcessInformationClass: number,
    ProcessInformation: unknown,
  ): { readonly status: number }
  /** SystemBasicInformation (0), SystemPerformanceInformation (2), SystemMemoryListInformation (80). */
  NtQuerySystemInformation(SystemInformationClass: number): QuerySystemInformationResult
  /** SystemMemoryListInformation (80) with a RAMMap command (2 empty working sets, 3 flush modified, 4 purge standby, 5 purge priority-0 standby). */
  NtSetSystemInformation(
    SystemInformationClass: number,
    SystemInformation: number,
  ): { readonly status: number }
  /** Locks the pages of a range in the process's working set (MapType MAP_PROCESS = 1); returns the rounded range. */
  NtLockVirtualMemory(
    ProcessHandle: number,
    BaseAddress: number,
    RegionSize: number,
    MapType: number,
  ): LockVirtualMemoryResult
  /** Unlocks the pages of a range (STATUS_NOT_LOCKED when one is not locked). */
  NtUnlockVirtualMemory(
    ProcessHandle: number,
    BaseAddress: number,
    RegionSize: number,
    MapType: number,
  ): LockVirtualMemoryResult
}

/** How the dispatcher reports a call to the kernel's event log (absent when nobody records). */
export interface SyscallTracer {
  /** Record the entry; returns the token to pass to {@link leave}. */
  enter(pid: number, service: string, args: Readonly<Record<string, JsonValue>>): number
  leave(
    token: number,
    pid: number,
    service: string,
    status: number,
    out: Readonly<Record<string, JsonValue>>,
  ): void
}

/** A JSON-safe form of an out-value (NaN and ±Infinity as strings, bytes as an array). */
export function toJsonValue(value: unknown): JsonValue {
  if (typeof value === 'number') return numberJson(value)
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value
  if (value === undefined) return null
  if (value instanceof Uint8Array) return Array.from(value)
  if (Array.isArray(value)) return value.map(toJsonValue)
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      key,
      toJsonValue(item),
    ])
    return Object.fromEntries(entries) as JsonValue
  }
  return String(value)
}

/**
 * The recorded out-values of a call. On failure a service gives back the caller's own values
 * (Windows writes no out-parameter): one that is an argument itself (an object, a symbol, a
 * bigint) is recorded as that argument is, so replaying the recorded arguments records it again.
 */
function outJson(
  out: Readonly<Record<string, unknown>>,
  args: Readonly<Record<string, unknown>>,
): Readonly<Record<string, JsonValue>> {
  const given = Object.values(args)
  const recorded: Record<string, JsonValue> = {}
  for (const [name, value] of Object.entries(out)) {
    const echoed =
      (typeof value === 'object' && value !== null) ||
      typeof value === 'symbol' ||
      typeof value === 'bigint' ||
      typeof value === 'function'
    recorded[name] = echoed && given.includes(value) ? argumentJson(value) : toJsonValue(value)
  }
  return recorded
}

/** The recorded arguments of a call: each by its parameter name, an argument left out (undefined) left out. */
function argumentsJson(args: Readonly<Record<string, unknown>>): Readonly<Record<string, JsonValue>> {
  const recorded: Record<string, JsonValue> = {}
  for (const [name, value] of Object.entries(args))
    if (value !== undefined) recorded[name] = argumentJson(value)
  return recorded
}

/** Build the system calls of the process `context.pid`. `tracer()` is consulted on each call. */
export function createSyscalls(context: ServiceContext, tracer: () => SyscallTracer | undefined): NtSyscalls {
  function dispatch<R extends { readonly status: number }>(
    service: string,
    args: Readonly<Record<string, unknown>>,
    run: () => R,
  ): R {
    const trace = tracer()
    if (!trace) return run()
    const token = trace.enter(context.pid, service, argumentsJson(args))
    let result: R | undefined
    try {
      result = run()
      return result
    } finally {
      if (result) {
        const { status, ...out } = result
        trace.leave(token, context.pid, service, status, outJson(out, args))
      }
    }
  }
  return {
    pid: context.pid,
    NtAllocateVirtualMemory(ProcessHandle, BaseAddress, ZeroBits, RegionSize, AllocationType, Protect) {
      const args = {
        processHandle: ProcessHandle,
        baseAddress: BaseAddress,
        zeroBits: ZeroBits,
        regionSize: RegionSize,
        allocationType: AllocationType,
        protect: Protect,
      }
      return dispatch('NtAllocateVirtualMemory', args, () => ntAllocateVirtualMemory(context, args))
    },
    NtFreeVirtualMemory(ProcessHandle, BaseAddress, RegionSize, FreeType) {
      const args = {
        processHandle: ProcessHandle,
        baseAddress: BaseAddress,
        regionSize: RegionSize,
        freeType: FreeType,
      }
      return dispatch('NtFreeVirtualMemory', args, () => ntFreeVirtualMemory(context, args))
    },
    NtProtectVirtualMemory(ProcessHandle, BaseAddress, RegionSize, NewProtect) {
      const args = {
        processHandle: ProcessHandle,
        baseAddress: BaseAddress,
        regionSize: RegionSize,
        newProtect: NewProtect,
      }
      return dispatch('NtProtectVirtualMemory', args, () => ntProtectVirtualMemory(context, args))
    },
    NtQueryVirtualMemory(
      ProcessHandle,
      BaseAddress,
      MemoryInformationClass,
      MemoryInformationLength,
      MemoryInformation,
    ) {
      // The entries' buffer as Windows lays it out (what a trace records and a replay passes again).
      const buffer =
        MemoryInformation === undefined ? undefined : workingSetExBuffer(MemoryInformation, context.limits)
      const args = {
        processHandle: ProcessHandle,
        baseAddress: BaseAddress,
        ...(MemoryInformationClass === undefined ? {} : { memoryInformationClass: MemoryInformationClass }),
        ...(MemoryInformationLength === undefined
          ? {}
          : { memoryInformationLength: MemoryInformationLength }),
        ...(MemoryInformation === undefined ? {} : { memoryInformation: buffer ?? MemoryInformation }),
      }
      return dispatch('NtQueryVirtualMemory', args, () => ntQueryVirtualMemory(context, args))
    },
    NtReadVirtualMemory(ProcessHandle, BaseAddress, size) {
      const args = { processHandle: ProcessHandle, baseAddress: BaseAddress, size }
      return dispatch('NtReadVirtualMemory', args, () => ntReadVirtualMemory(context, args))
    },
    NtWriteVirtualMemory(ProcessHandle, BaseAddress, data) {
      const args = { processHandle: ProcessHandle, baseAddress: BaseAddress, data }
      return dispatch('NtWriteVirtualMemory', args, () => ntWriteVirtualMemory(context, args))
    },
    NtGetWriteWatch(ProcessHandle, Flags, BaseAddress, RegionSize, EntriesInUserAddressArray) {
      const args = {
        processHandle: ProcessHandle,
        flags: Flags,
        baseAddress: BaseAddress,
        regionSize: RegionSize,
        entries: EntriesInUserAddressArray,
      }
      return dispatch('NtGetWriteWatch', args, () => ntGetWriteWatch(context, args))
    },
    NtResetWriteWatch(ProcessHandle, BaseAddress, RegionSize) {
      const args = { processHandle: ProcessHandle, baseAddress: BaseAddress, regionSize: RegionSize }
      return dispatch('NtResetWriteWatch', args, () => ntResetWriteWatch(context, args))
    },
    NtOpenProcess(DesiredAccess, pid) {
      const args = { desiredAccess: DesiredAccess, pid }
      return dispatch('NtOpenProcess', args, () => ntOpenProcess(context, args))
    },
    NtClose(Handle) {
      const args = { handle: Handle }
      return dispatch('NtClose', args, () => ntClose(context, args))
    },
    NtDuplicateObject(
      SourceProcessHandle,
      SourceHandle,
      TargetProcessHandle,
      DesiredAccess,
      HandleAttributes,
      Options,
    ) {
      const args = {
        sourceProcessHandle: SourceProcessHandle,
        sourceHandle: SourceHandle,
        targetProcessHandle: TargetProcessHandle,
        desiredAccess: DesiredAccess,
        handleAttributes: HandleAttributes,
        options: Options,
      }
      return dispatch('NtDuplicateObject', args, () => ntDuplicateObject(context, args))
    },
    ...createSectionSyscalls(context, dispatch),
    NtQueryInformationProcess(ProcessHandle, ProcessInformationClass) {
      const args = { processHandle: ProcessHandle, processInformationClass: ProcessInformationClass }
      return dispatch('NtQueryInformationProcess', args, () => ntQueryInformationProcess(context, args))
    },
    NtSetInformationProcess(ProcessHandle, ProcessInformationClass, ProcessInformation) {
      const args = {
        processHandle: ProcessHandle,
        processInformationClass: ProcessInformationClass,
        processInformation: ProcessInformation,
      }
      return dispatch('NtSetInformationProcess', args, () => ntSetInformationProcess(context, args))
    },
    NtQuerySystemInformation(SystemInformationClass) {
      const args = { systemInformationClass: SystemInformationClass }
      return dispatch('NtQuerySystemInformation', args, () => ntQuerySystemInformation(context, args))
    },
    NtSetSystemInformation(SystemInformationClass, SystemInformation) {
      const args = { systemInformationClass: SystemInformationClass, systemInformation: SystemInformation }
      return dispatch('NtSetSystemInformation', args, () => ntSetSystemInformation(context, args))
    },
    NtLockVirtualMemory(ProcessHandle, BaseAddress, RegionSize, MapType) {
      const args = {
        processHandle: ProcessHandle,
        baseAddress: BaseAddress,
        regionSize: RegionSize,
        mapType: MapType,
      }
      return dispatch('NtLockVirtualMemory', args, () => ntLockVirtualMemory(context, args))
    },
    NtUnlockVirtualMemory(ProcessHandle, BaseAddress, RegionSize, MapType) {
      const args = {
        processHandle: ProcessHandle,
        baseAddress: BaseAddress,
        regionSize: RegionSize,
        mapType: MapType,
      }
      return dispatch('NtUnlockVirtualMemory', args, () => ntUnlockVirtualMemory(context, args))
    },
  }
}
