// @ntmm/nt-syscalls: the NT system services over the object manager and handle tables, the Win32
// memory API, and the Kernel that composes @ntmm/hw-mmu and @ntmm/mm-core into one machine.

export * from './accessRights.js'
export { InvariantError } from './assert.js'
export {
  type CheckedMachine,
  checkKernelInvariants,
  type KernelInvariantOptions,
} from './checkKernelInvariants.js'
export { type InvariantCheckOptions, withInvariantChecks } from './withInvariantChecks.js'
export {
  type Cpu,
  type CpuAccessResult,
  type CpuException,
  type CpuReadResult,
  exceptionCodeFor,
  MAX_ACCESS_LENGTH,
} from './cpu.js'
export {
  createKernel,
  DEFAULT_PAGE_FILE,
  DEFAULT_PHYSICAL_MEMORY,
  MAX_PAGE_FILE,
  MAX_PHYSICAL_MEMORY,
} from './createKernel.js'
export {
  applyNtEvent,
  type JsonValue,
  type NtCpuAccessEvent,
  type NtEvent,
  type NtExceptionRaisedEvent,
  type NtHandleClosedEvent,
  type NtHandleCreatedEvent,
  type NtHandleTableChangedEvent,
  type NtObjectCreatedEvent,
  type NtObjectDeletedEvent,
  type NtObjectReferenceChangedEvent,
  type NtProcessExitedEvent,
  type NtSyscallEnteredEvent,
  type NtSyscallReturnedEvent,
  revertNtEvent,
} from './events.js'
export { type HandleEntry, HandleTable } from './handleTable.js'
export {
  FIRST_PID,
  Kernel,
  type KernelEventRecord,
  type KernelOptions,
  kernelOptionsOf,
  type ProcessInfo,
  type RestoredMachine,
} from './kernel.js'
export type { DebugCall, DebugPteValue, KernelDebug } from './kernelDebug.js'
export {
  applyKernelEvent,
  KERNEL_EVENT_TYPES,
  type KernelEvent,
  type KernelLastErrorChangedEvent,
  type KernelProcessCreatedEvent,
  type KernelProcessState,
  type KernelProcessTerminatedEvent,
  KernelState,
  type KernelWriteWatchChangedEvent,
  revertKernelEvent,
} from './kernelState.js'
export { type CauseReport, MachineHistory, type PageHistoryEntry } from './machineHistory.js'
export {
  encodeMachineExport,
  encodeMachineTraceFileExport,
  exportMachineTrace,
  type MachineExportOptions,
  machineTrackMapping,
} from './machinePerfetto.js'
export { type LineInput, lineBatches, MAX_LINE_LENGTH } from './importers/lineSource.js'
export {
  ACCESS_FETCH,
  ACCESS_MODIFY,
  ACCESS_READ,
  ACCESS_WRITE,
  detectMemoryTraceFormat,
  type LineParser,
  lineParser,
  MAX_LACKEY_SIZE,
  MEMORY_TRACE_FORMATS,
  type MemoryTraceFormat,
  ParsedAccess,
} from './importers/memoryTraceFormats.js'
export {
  type ImportLineError,
  type ImportProgress,
  type LayoutRange,
  type MemoryTraceReport,
  type ReplayMemoryTraceOptions,
  replayMemoryTrace,
  type TlbLevelReport,
} from './importers/replayMemoryTrace.js'
export {
  applyMachineEvent,
  type MachineSnapshot,
  type MachineState,
  machineModel,
  memoryManagerFor,
} from './machineModel.js'
export { MachineRecorder } from './machineRecorder.js'
export {
  ACCESS_CODE,
  ACCESS_ROW_DATA_BYTES,
  littleEndian,
  MACHINE_TRACE_PRODUCER,
  type MachineConfig,
  type MachineCpuAccessEvent,
  type MachineCpuWriteDataEvent,
  type MachineCpuWriteWordsEvent,
  type MachineDebugInputEvent,
  type MachineEvent,
  type MachineTlbFillEvent,
  machineSchema,
  WRITE_WORDS_ROW_BYTES,
} from './machineSchema.js'
export {
  checkTraceDigests,
  type DeterminismReport,
  type DigestReport,
  loadKernel,
  reexecute,
  saveMachineTrace,
  type VerifiedTrace,
  verifyTrace,
} from './machineTraceFile.js'
export type {
  MachineTraceProgress,
  MachineTraceProgressOptions,
  MachineTraceStage,
} from './machineTraceProgress.js'
export { replayInputs, writeDataOf } from './replayInputs.js'
export { LiveStateBlocks, type LiveStateBlocksOptions } from './liveStateBlocks.js'
export {
  encodeMachineTrace,
  type LiveStateSource,
  type SaveTraceOptions,
  type SaveTraceResult,
} from './writeMachineTrace.js'
export { type MachineAtIndex, machineAtIndex } from './machineTraceSeek.js'
export { machineSnapshotBytes } from './machineSnapshotBytes.js'
export * from './memoryConstants.js'
export {
  type AllocateValidation,
  type AllocateVirtualMemoryArguments,
  type AllocateVirtualMemoryResult,
  MEM_RESERVE_PLACEHOLDER,
  validateAllocateVirtualMemory,
  zeroBitsLimit,
} from './ntAllocateVirtualMemory.js'
export type { DuplicateObjectArguments, DuplicateObjectResult } from './ntDuplicateObject.js'
export {
  type FreeValidation,
  type FreeVirtualMemoryArguments,
  type FreeVirtualMemoryResult,
  MEM_COALESCE_PLACEHOLDERS,
  MEM_PRESERVE_PLACEHOLDER,
  validateFreeVirtualMemory,
} from './ntFreeVirtualMemory.js'
export type { GetWriteWatchResult } from './ntGetWriteWatch.js'
export type { OpenProcessResult } from './ntOpenProcess.js'
export {
  type ProtectValidation,
  type ProtectVirtualMemoryArguments,
  type ProtectVirtualMemoryResult,
  validateProtectVirtualMemory,
} from './ntProtectVirtualMemory.js'
export {
  MemoryBasicInformationClass,
  memoryBasicInformationSize,
  type QueryValidation,
  type QueryVirtualMemoryArguments,
  type QueryVirtualMemoryResult,
  validateQueryVirtualMemory,
} from './ntQueryVirtualMemory.js'
export type { MemoryWorkingSetInformation } from './ntQueryWorkingSet.js'
export { MemoryInformationClass, workingSetExEntrySize } from './ntQueryWorkingSet.js'
export {
  type LockVirtualMemoryArguments,
  type LockVirtualMemoryResult,
  MAP_PROCESS,
  MAP_SYSTEM,
} from './ntLockVirtualMemory.js'
export {
  ProcessInformationClass,
  type QueryInformationProcessArguments,
  type QueryInformationProcessResult,
  type QuotaLimitsEx,
  type QuotaLimitsInput,
  type SetInformationProcessArguments,
  type VmCountersEx,
} from './ntProcessInformation.js'
export { type ReadVirtualMemoryResult, validateCopyRange } from './ntReadVirtualMemory.js'
export {
  type QuerySystemInformationResult,
  type SystemBasicInformation,
  SystemInformationClass,
  type SystemMemoryListInformation,
  SystemMemoryListCommand,
  type SystemPerformanceInformation,
} from './ntSystemInformation.js'
export * from './ntStatus.js'
export type { WriteVirtualMemoryResult } from './ntWriteVirtualMemory.js'
export type {
  FileBody,
  ObjectBody,
  ObjectHeader,
  ObjectTypeName,
  ProcessBody,
  SectionBody,
  SectionImage,
  ThreadBody,
} from './objectHeader.js'
export type { ObjectAttributes } from './objectAttributes.js'
export * from './sectionConstants.js'
export type { CreateFileResult } from './ntCreateFile.js'
export {
  FILE_WRITE_TO_END_OF_FILE,
  FileEndOfFileInformation,
  FileStandardInformation,
  type FileStandardInfo,
} from './ntReadWriteFile.js'
export type { SectionHandleResult } from './ntCreateSection.js'
export type { MapViewOfSectionResult } from './ntMapViewOfSection.js'
export { SectionBasicInformation, SectionImageInformation, type SectionBasicInfo } from './ntQuerySection.js'
export type { FlushVirtualMemoryResult } from './ntFlushVirtualMemory.js'
export type { NtSectionExtendedEvent } from './events.js'
export {
  CREATE_ALWAYS,
  CREATE_NEW,
  ERROR_FILE_EXISTS,
  FILE_MAP_ALL_ACCESS,
  FILE_MAP_COPY,
  FILE_MAP_EXECUTE,
  FILE_MAP_READ,
  FILE_MAP_WRITE,
  INVALID_HANDLE_VALUE,
  OPEN_ALWAYS,
  OPEN_EXISTING,
  TRUNCATE_EXISTING,
  type Win32SectionApi,
} from './win32Sections.js'
export {
  NtCurrentProcess,
  NtCurrentThread,
  ObjectManager,
  type ProcessorMode,
  type ReferenceByHandleRequest,
  type ReferenceByHandleResult,
} from './objectManager.js'
export { type ObjectManagerChange, ObjectManagerState } from './objectManagerState.js'
export type { PeHeaders, PeSectionHeader } from './peHeaders.js'
export {
  imageViewStatus,
  type ParsePeImageOptions,
  type PeImageFacts,
  type PeImageParseResult,
  parsePeImage,
  type SectionImageInfo,
  sectionProtection,
} from './peImage.js'
export {
  buildPeImage,
  type PeDataDirectory,
  type PeImageOptions,
  type PeSectionOptions,
} from './peImageBuilder.js'
export {
  IMAGE_DIRECTORY_ENTRY,
  IMAGE_DLLCHARACTERISTICS,
  IMAGE_FILE,
  IMAGE_FILE_MACHINE,
  IMAGE_FLAGS,
  IMAGE_NT_OPTIONAL_HDR_MAGIC,
  IMAGE_SCN,
  IMAGE_SUBSYSTEM,
  ImageStatus,
  imageStatusName,
} from './peImageConstants.js'
export * from './rtlNtStatusToDosError.js'
export type { NtSyscalls } from './syscalls.js'
export type { NtSectionSyscalls } from './sectionSyscalls.js'
export type { VersioningOptions } from './versionedRecords.js'
export { type Arch, type UserAddressLimits, userAddressLimits } from './userAddressLimits.js'
export type { MemoryBasicInformation } from './virtualMemoryPort.js'
export { createWin32Api, type LastErrorSlot, type VirtualProtectOptions, type Win32Api } from './win32.js'
export {
  type MemoryStatusEx,
  type ProcessMemoryCountersEx,
  ProcessMemoryPriority,
  type Win32WorkingSetApi,
} from './win32WorkingSet.js'
export { captureHandle, capturePointer, captureUlong, HUGE_64 } from './captureArguments.js'
