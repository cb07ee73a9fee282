// The parameters of each system service by name, in the native order: how `nt.syscallEntered`
// names a call's arguments, and how a recorded call is made again (replay and deferred recording
// pass the recorded arguments by name, so an argument left out, `undefined`, stays left out). The
// services' prototypes in ntifs.h / ReactOS sdk/include/ndk; the out-parameters are results here.

/** Each service of `kernel.syscalls(pid)` with the names its recorded arguments carry, in order. */
export const SYSCALL_PARAMETERS = {
  NtAllocateVirtualMemory: [
    'processHandle',
    'baseAddress',
    'zeroBits',
    'regionSize',
    'allocationType',
    'protect',
  ],
  NtFreeVirtualMemory: ['processHandle', 'baseAddress', 'regionSize', 'freeType'],
  NtProtectVirtualMemory: ['processHandle', 'baseAddress', 'regionSize', 'newProtect'],
  NtQueryVirtualMemory: [
    'processHandle',
    'baseAddress',
    'memoryInformationClass',
    'memoryInformationLength',
    'memoryInformation',
  ],
  NtReadVirtualMemory: ['processHandle', 'baseAddress', 'size'],
  NtWriteVirtualMemory: ['processHandle', 'baseAddress', 'data'],
  NtGetWriteWatch: ['processHandle', 'flags', 'baseAddress', 'regionSize', 'entries'],
  NtResetWriteWatch: ['processHandle', 'baseAddress', 'regionSize'],
  NtOpenProcess: ['desiredAccess', 'pid'],
  NtClose: ['handle'],
  NtDuplicateObject: [
    'sourceProcessHandle',
    'sourceHandle',
    'targetProcessHandle',
    'desiredAccess',
    'handleAttributes',
    'options',
  ],
  // Sections and files (issue #20): native order, out-parameters as results.
  NtCreateFile: [
    'desiredAccess',
    'objectAttributes',
    'allocationSize',
    'fileAttributes',
    'shareAccess',
    'createDisposition',
    'createOptions',
  ],
  NtOpenFile: ['desiredAccess', 'objectAttributes', 'shareAccess', 'openOptions'],
  NtReadFile: ['fileHandle', 'byteOffset', 'length'],
  NtWriteFile: ['fileHandle', 'byteOffset', 'data'],
  NtQueryInformationFile: ['fileHandle', 'length', 'fileInformationClass'],
  NtSetInformationFile: ['fileHandle', 'fileInformation', 'length', 'fileInformationClass'],
  NtCreateSection: [
    'desiredAccess',
    'objectAttributes',
    'maximumSize',
    'sectionPageProtection',
    'allocationAttributes',
    'fileHandle',
  ],
  NtOpenSection: ['desiredAccess', 'objectAttributes'],
  NtMapViewOfSection: [
    'sectionHandle',
    'processHandle',
    'baseAddress',
    'zeroBits',
    'commitSize',
    'sectionOffset',
    'viewSize',
    'inheritDisposition',
    'allocationType',
    'win32Protect',
  ],
  NtUnmapViewOfSection: ['processHandle', 'baseAddress'],
  NtQuerySection: ['sectionHandle', 'sectionInformationClass'],
  NtExtendSection: ['sectionHandle', 'newSectionSize'],
  NtAreMappedFilesTheSame: ['file1MappedAsAnImage', 'file2MappedAsFile'],
  NtFlushVirtualMemory: ['processHandle', 'baseAddress', 'regionSize'],
  NtQueryInformationProcess: ['processHandle', 'processInformationClass'],
  NtSetInformationProcess: ['processHandle', 'processInformationClass', 'processInformation'],
  NtQuerySystemInformation: ['systemInformationClass'],
  NtSetSystemInformation: ['systemInformationClass', 'systemInformation'],
  NtLockVirtualMemory: ['processHandle', 'baseAddress', 'regionSize', 'mapType'],
  NtUnlockVirtualMemory: ['processHandle', 'baseAddress', 'regionSize', 'mapType'],
} as const satisfies Readonly<Record<string, readonly string[]>>

/** The name of a system service. */
export type SyscallName = keyof typeof SYSCALL_PARAMETERS

/** True when `name` names a system service (own keys only: `constructor` is none). */
export function isSyscallName(name: string): name is SyscallName {
  return Object.hasOwn(SYSCALL_PARAMETERS, name)
}
