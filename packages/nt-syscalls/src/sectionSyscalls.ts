// The section and file services of `kernel.syscalls(pid)` (issue #20): their signatures in native
// order and how the dispatcher (syscalls.ts) records them. OBJECT_ATTRIBUTES and FileInformation
// are captured here, once, so the recorded arguments are what the service saw.

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
import type { SectionImageInfo } from './peImage.js'
import { ntAreMappedFilesTheSame } from './ntAreMappedFilesTheSame.js'
import { type FlushVirtualMemoryResult, ntFlushVirtualMemory } from './ntFlushVirtualMemory.js'

/** How syscalls.ts runs and records one call. */
export type Dispatch = <R extends { readonly status: number }>(
  service: string,
  args: Readonly<Record<string, unknown>>,
  run: () => R,
) => R

/** The section and file services of one process (part of NtSyscalls). */
export interface NtSectionSyscalls {
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
  /** SectionBasicInformation (class 0) or SectionImageInformation (class 1, image sections) of a section. */
  NtQuerySection(
    SectionHandle: number,
    SectionInformationClass: number,
  ): { readonly status: number; readonly info: SectionBasicInfo | SectionImageInfo | null }
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

/** The section and file services of the process `context.pid`, recorded through `dispatch`. */
export function createSectionSyscalls(context: ServiceContext, dispatch: Dispatch): NtSectionSyscalls {
  return {
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
