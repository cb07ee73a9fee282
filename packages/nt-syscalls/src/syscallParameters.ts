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
  NtQueryVirtualMemory: ['processHandle', 'baseAddress', 'memoryInformationClass', 'memoryInformationLength'],
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
