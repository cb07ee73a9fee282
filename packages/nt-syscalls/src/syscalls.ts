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
import { ntReadVirtualMemory, type ReadVirtualMemoryResult } from './ntReadVirtualMemory.js'
import { ntWriteVirtualMemory, type WriteVirtualMemoryResult } from './ntWriteVirtualMemory.js'
import type { ServiceContext } from './serviceContext.js'
import { captureObjectAttributesArgument, type ObjectAttributes } from './objectAttributes.js'
import { type CreateFileResult, ntCreateFile, ntOpenFile } from './ntCreateFile.js'
import {
  captureFileInformationArgument,
  type FileStandardInfo,
  ntQueryInformationFile,
  ntReadFile,
  ntSetInformationFile,
  ntWriteFile,
} from './ntReadWriteFile.js'
import { ntCreateSection, ntOpenSection, type SectionHandleResult } from './ntCreateSection.js'
import {
  type MapViewOfSectionResult,
  ntMapViewOfSection,
  ntUnmapViewOfSection,
} from './ntMapViewOfSection.js'
import { ntExtendSection, ntQuerySection, type SectionBasicInfo } from './ntQuerySection.js'
import { ntAreMappedFilesTheSame } from './ntAreMappedFilesTheSame.js'
import { type FlushVirtualMemoryResult, ntFlushVirtualMemory } from './ntFlushVirtualMemory.js'

/**
 * The native system services of one process. None throws for a caller's mistake, whatever the
 * arguments' types or values: each returns the NTSTATUS Windows returns (docs/nt-syscalls.md,
 * "Garbage arguments"). On a read-only view of the past (`kernel.at(seq)`), the services that
 * would change state throw the view's Error.
 */
export interface NtSyscalls {
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
  /** Describes the region containing BaseAddress (MemoryBasicInformation). */
  NtQueryVirtualMemory(
    ProcessHandle: number,
    BaseAddress: number,
    MemoryInformationClass?: number,
    MemoryInformationLength?: number,
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
  /** Creates or opens a file of the volume (`\\??\\C:\\name`); `information` is FILE_CREATED, FILE_OPENED, ... */
  NtCreateFile(
    DesiredAccess: number,
    ObjectAttributes: ObjectAttributes | undefined,
    AllocationSize: number | undefined,
    FileAttributes: number,
    ShareAccess: number,
    CreateDisposition: number,
    CreateOptions: number,
  ): CreateFileResult
  /** Opens an existing file (NtCreateFile with FILE_OPEN). */
  NtOpenFile(
    DesiredAccess: number,
    ObjectAttributes: ObjectAttributes | undefined,
    ShareAccess: number,
    OpenOptions: number,
  ): { readonly status: number; readonly handle: number }
  /** Reads up to Length bytes at ByteOffset (STATUS_END_OF_FILE at or past the end). */
  NtReadFile(
    FileHandle: number,
    ByteOffset: number,
    Length: number,
  ): { readonly status: number; readonly data: Uint8Array; readonly bytesRead: number }
  /** Writes Data at ByteOffset (-1: at the end), extending the file. */
  NtWriteFile(
    FileHandle: number,
    ByteOffset: number,
    Data: Uint8Array,
  ): { readonly status: number; readonly bytesWritten: number }
  /** FileStandardInformation (class 5) of a file. */
  NtQueryInformationFile(
    FileHandle: number,
    Length: number,
    FileInformationClass: number,
  ): { readonly status: number; readonly info: FileStandardInfo | null }
  /** FileEndOfFileInformation (class 20, `{ endOfFile }`): sets a file's size. */
  NtSetInformationFile(
    FileHandle: number,
    FileInformation: { readonly endOfFile: number } | undefined,
    Length: number,
    FileInformationClass: number,
  ): { readonly status: number }
  /** Creates a section (pagefile-backed when FileHandle is undefined or 0), or opens an existing named one. */
  NtCreateSection(
    DesiredAccess: number,
    ObjectAttributes: ObjectAttributes | undefined,
    MaximumSize: number | undefined,
    SectionPageProtection: number,
    AllocationAttributes: number,
    FileHandle: number | undefined,
  ): SectionHandleResult
  /** Opens a named section of `\\BaseNamedObjects`. */
  NtOpenSection(DesiredAccess: number, ObjectAttributes: ObjectAttributes | undefined): SectionHandleResult
  /** Maps a view of a section into a process. */
  NtMapViewOfSection(
    SectionHandle: number,
    ProcessHandle: number,
    BaseAddress: number,
    ZeroBits: number,
    CommitSize: number,
    SectionOffset: number | undefined,
    ViewSize: number,
    InheritDisposition: number,
    AllocationType: number,
    Win32Protect: number,
  ): MapViewOfSectionResult
  /** Unmaps the view containing BaseAddress. */
  NtUnmapViewOfSection(ProcessHandle: number, BaseAddress: number): { readonly status: number }
  /** SectionBasicInformation (class 0) of a section. */
  NtQuerySection(
    SectionHandle: number,
    SectionInformationClass: number,
  ): { readonly status: number; readonly info: SectionBasicInfo | null }
  /** Grows a data section (and its file, for a writable one). */
  NtExtendSection(
    SectionHandle: number,
    NewSectionSize: number,
  ): { readonly status: number; readonly size: number }
  /** Whether two views map the same file. */
  NtAreMappedFilesTheSame(
    File1MappedAsAnImage: number,
    File2MappedAsFile: number,
  ): { readonly status: number }
  /** Writes a view's dirty pages to its file now; returns the rounded range. */
  NtFlushVirtualMemory(
    ProcessHandle: number,
    BaseAddress: number,
    RegionSize: number,
  ): FlushVirtualMemoryResult
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
    NtQueryVirtualMemory(ProcessHandle, BaseAddress, MemoryInformationClass, MemoryInformationLength) {
      const args = {
        processHandle: ProcessHandle,
        baseAddress: BaseAddress,
        ...(MemoryInformationClass === undefined ? {} : { memoryInformationClass: MemoryInformationClass }),
        ...(MemoryInformationLength === undefined
          ? {}
          : { memoryInformationLength: MemoryInformationLength }),
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
    NtCreateFile(
      DesiredAccess,
      ObjectAttributes,
      AllocationSize,
      FileAttributes,
      ShareAccess,
      CreateDisposition,
      CreateOptions,
    ) {
      const args = {
        desiredAccess: DesiredAccess,
        objectAttributes: captureObjectAttributesArgument(ObjectAttributes),
        allocationSize: AllocationSize,
        fileAttributes: FileAttributes,
        shareAccess: ShareAccess,
        createDisposition: CreateDisposition,
        createOptions: CreateOptions,
      }
      return dispatch('NtCreateFile', args, () => ntCreateFile(context, args))
    },
    NtOpenFile(DesiredAccess, ObjectAttributes, ShareAccess, OpenOptions) {
      const args = {
        desiredAccess: DesiredAccess,
        objectAttributes: captureObjectAttributesArgument(ObjectAttributes),
        shareAccess: ShareAccess,
        openOptions: OpenOptions,
      }
      return dispatch('NtOpenFile', args, () => ntOpenFile(context, args))
    },
    NtReadFile(FileHandle, ByteOffset, Length) {
      const args = { fileHandle: FileHandle, byteOffset: ByteOffset, length: Length }
      return dispatch('NtReadFile', args, () => ntReadFile(context, args))
    },
    NtWriteFile(FileHandle, ByteOffset, Data) {
      const args = { fileHandle: FileHandle, byteOffset: ByteOffset, data: Data }
      return dispatch('NtWriteFile', args, () => ntWriteFile(context, args))
    },
    NtQueryInformationFile(FileHandle, Length, FileInformationClass) {
      const args = { fileHandle: FileHandle, length: Length, fileInformationClass: FileInformationClass }
      return dispatch('NtQueryInformationFile', args, () => ntQueryInformationFile(context, args))
    },
    NtSetInformationFile(FileHandle, FileInformation, Length, FileInformationClass) {
      const args = {
        fileHandle: FileHandle,
        fileInformation: captureFileInformationArgument(FileInformation),
        length: Length,
        fileInformationClass: FileInformationClass,
      }
      return dispatch('NtSetInformationFile', args, () => ntSetInformationFile(context, args))
    },
    NtCreateSection(
      DesiredAccess,
      ObjectAttributes,
      MaximumSize,
      SectionPageProtection,
      AllocationAttributes,
      FileHandle,
    ) {
      const args = {
        desiredAccess: DesiredAccess,
        objectAttributes: captureObjectAttributesArgument(ObjectAttributes),
        maximumSize: MaximumSize,
        sectionPageProtection: SectionPageProtection,
        allocationAttributes: AllocationAttributes,
        fileHandle: FileHandle,
      }
      return dispatch('NtCreateSection', args, () => ntCreateSection(context, args))
    },
    NtOpenSection(DesiredAccess, ObjectAttributes) {
      const args = {
        desiredAccess: DesiredAccess,
        objectAttributes: captureObjectAttributesArgument(ObjectAttributes),
      }
      return dispatch('NtOpenSection', args, () => ntOpenSection(context, args))
    },
    NtMapViewOfSection(
      SectionHandle,
      ProcessHandle,
      BaseAddress,
      ZeroBits,
      CommitSize,
      SectionOffset,
      ViewSize,
      InheritDisposition,
      AllocationType,
      Win32Protect,
    ) {
      const args = {
        sectionHandle: SectionHandle,
        processHandle: ProcessHandle,
        baseAddress: BaseAddress,
        zeroBits: ZeroBits,
        commitSize: CommitSize,
        sectionOffset: SectionOffset,
        viewSize: ViewSize,
        inheritDisposition: InheritDisposition,
        allocationType: AllocationType,
        win32Protect: Win32Protect,
      }
      return dispatch('NtMapViewOfSection', args, () => ntMapViewOfSection(context, args))
    },
    NtUnmapViewOfSection(ProcessHandle, BaseAddress) {
      const args = { processHandle: ProcessHandle, baseAddress: BaseAddress }
      return dispatch('NtUnmapViewOfSection', args, () => ntUnmapViewOfSection(context, args))
    },
    NtQuerySection(SectionHandle, SectionInformationClass) {
      const args = { sectionHandle: SectionHandle, sectionInformationClass: SectionInformationClass }
      return dispatch('NtQuerySection', args, () => ntQuerySection(context, args))
    },
    NtExtendSection(SectionHandle, NewSectionSize) {
      const args = { sectionHandle: SectionHandle, newSectionSize: NewSectionSize }
      return dispatch('NtExtendSection', args, () => ntExtendSection(context, args))
    },
    NtAreMappedFilesTheSame(File1MappedAsAnImage, File2MappedAsFile) {
      const args = { file1MappedAsAnImage: File1MappedAsAnImage, file2MappedAsFile: File2MappedAsFile }
      return dispatch('NtAreMappedFilesTheSame', args, () => ntAreMappedFilesTheSame(context, args))
    },
    NtFlushVirtualMemory(ProcessHandle, BaseAddress, RegionSize) {
      const args = { processHandle: ProcessHandle, baseAddress: BaseAddress, regionSize: RegionSize }
      return dispatch('NtFlushVirtualMemory', args, () => ntFlushVirtualMemory(context, args))
    },
  }
}
