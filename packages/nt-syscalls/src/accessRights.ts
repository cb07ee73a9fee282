// Access masks (winnt.h / ntddk.h): standard, generic and process-specific rights with their Windows
// values, the process and thread generic mappings (PspProcessMapping, PspThreadMapping), and the
// duplication options of NtDuplicateObject.

/** Standard rights shared by every object type. */
export const DELETE = 0x00010000
/** Standard right: read the security descriptor. */
export const READ_CONTROL = 0x00020000
/** Standard right: change the DACL. */
export const WRITE_DAC = 0x00040000
/** Standard right: change the owner. */
export const WRITE_OWNER = 0x00080000
/** Standard right: wait on the object. */
export const SYNCHRONIZE = 0x00100000
/** DELETE | READ_CONTROL | WRITE_DAC | WRITE_OWNER. */
export const STANDARD_RIGHTS_REQUIRED = 0x000f0000
/** The standard rights of a generic read (READ_CONTROL). */
export const STANDARD_RIGHTS_READ = READ_CONTROL
/** The standard rights of a generic write (READ_CONTROL). */
export const STANDARD_RIGHTS_WRITE = READ_CONTROL
/** The standard rights of a generic execute (READ_CONTROL). */
export const STANDARD_RIGHTS_EXECUTE = READ_CONTROL
/** Needs SeSecurityPrivilege, which simulated processes do not hold. */
export const ACCESS_SYSTEM_SECURITY = 0x01000000
/** Ask for every right the caller may have. */
export const MAXIMUM_ALLOWED = 0x02000000
/** Generic all access, mapped through the object type's GenericMapping. */
export const GENERIC_ALL = 0x10000000
/** Generic execute access, mapped through the object type's GenericMapping. */
export const GENERIC_EXECUTE = 0x20000000
/** Generic write access, mapped through the object type's GenericMapping. */
export const GENERIC_WRITE = 0x40000000
/** Generic read access, mapped through the object type's GenericMapping. */
export const GENERIC_READ = 0x80000000

/** Process-specific rights (pstypes.h). */
export const ProcessAccess = {
  PROCESS_TERMINATE: 0x0001,
  PROCESS_CREATE_THREAD: 0x0002,
  PROCESS_SET_SESSIONID: 0x0004,
  PROCESS_VM_OPERATION: 0x0008,
  PROCESS_VM_READ: 0x0010,
  PROCESS_VM_WRITE: 0x0020,
  PROCESS_DUP_HANDLE: 0x0040,
  PROCESS_CREATE_PROCESS: 0x0080,
  PROCESS_SET_QUOTA: 0x0100,
  PROCESS_SET_INFORMATION: 0x0200,
  PROCESS_QUERY_INFORMATION: 0x0400,
  PROCESS_SUSPEND_RESUME: 0x0800,
  PROCESS_QUERY_LIMITED_INFORMATION: 0x1000,
  PROCESS_SET_LIMITED_INFORMATION: 0x2000,
  /** STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFF (Vista and later). */
  PROCESS_ALL_ACCESS: 0x001fffff,
} as const

export const {
  /** Process right: terminate the process. */
  PROCESS_TERMINATE,
  /** Process right: create a thread in it. */
  PROCESS_CREATE_THREAD,
  /** Process right: set its session id. */
  PROCESS_SET_SESSIONID,
  /** Process right: allocate, free and protect its virtual memory. */
  PROCESS_VM_OPERATION,
  /** Process right: read its memory (NtReadVirtualMemory). */
  PROCESS_VM_READ,
  /** Process right: write its memory (NtWriteVirtualMemory). */
  PROCESS_VM_WRITE,
  /** Process right: duplicate handles into or out of its handle table. */
  PROCESS_DUP_HANDLE,
  /** Process right: create a child process. */
  PROCESS_CREATE_PROCESS,
  /** Process right: set its quotas. */
  PROCESS_SET_QUOTA,
  /** Process right: set its information. */
  PROCESS_SET_INFORMATION,
  /** Process right: query its information and virtual memory (NtQueryVirtualMemory). */
  PROCESS_QUERY_INFORMATION,
  /** Process right: suspend and resume it. */
  PROCESS_SUSPEND_RESUME,
  /** Process right: query limited information. */
  PROCESS_QUERY_LIMITED_INFORMATION,
  /** Process right: set limited information. */
  PROCESS_SET_LIMITED_INFORMATION,
  /** Every process right: STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFFFF (Vista and later). */
  PROCESS_ALL_ACCESS,
} = ProcessAccess

/** Thread rights used by the simulator (the current-thread pseudo-handle holds all of them). */
export const THREAD_ALL_ACCESS = 0x001fffff

/** NtDuplicateObject options. */
export const DUPLICATE_CLOSE_SOURCE = 0x1
/** NtDuplicateObject option: the new handle gets the source handle's access. */
export const DUPLICATE_SAME_ACCESS = 0x2
/** NtDuplicateObject option: the new handle gets the source handle's attributes. */
export const DUPLICATE_SAME_ATTRIBUTES = 0x4

/** A generic mapping: what GENERIC_READ/WRITE/EXECUTE/ALL stand for on one object type. */
export interface GenericMapping {
  readonly read: number
  readonly write: number
  readonly execute: number
  readonly all: number
}

/** PspProcessMapping. */
export const processGenericMapping: GenericMapping = {
  read: STANDARD_RIGHTS_READ | PROCESS_VM_READ | PROCESS_QUERY_INFORMATION,
  write:
    STANDARD_RIGHTS_WRITE |
    PROCESS_CREATE_PROCESS |
    PROCESS_CREATE_THREAD |
    PROCESS_VM_OPERATION |
    PROCESS_VM_WRITE |
    PROCESS_DUP_HANDLE |
    PROCESS_TERMINATE |
    PROCESS_SET_QUOTA |
    PROCESS_SET_INFORMATION |
    PROCESS_SUSPEND_RESUME,
  execute: STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE,
  all: PROCESS_ALL_ACCESS,
}

/** PspThreadMapping (only the "all" row matters to the simulator today). */
export const threadGenericMapping: GenericMapping = {
  read: STANDARD_RIGHTS_READ | 0x0048,
  write: STANDARD_RIGHTS_WRITE | 0x0237,
  execute: STANDARD_RIGHTS_EXECUTE | SYNCHRONIZE,
  all: THREAD_ALL_ACCESS,
}

/**
 * RtlMapGenericMask: replace the generic bits of `access` by the specific rights they stand for.
 * MAXIMUM_ALLOWED is kept for the caller to resolve. The result is an unsigned 32-bit mask.
 */
export function mapGenericMask(access: number, mapping: GenericMapping): number {
  let mapped = access & ~(GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE | GENERIC_ALL)
  if (access & GENERIC_READ) mapped |= mapping.read
  if (access & GENERIC_WRITE) mapped |= mapping.write
  if (access & GENERIC_EXECUTE) mapped |= mapping.execute
  if (access & GENERIC_ALL) mapped |= mapping.all
  return mapped >>> 0
}

/** The outcome of an access check against an object whose security grants everything valid. */
export type AccessCheckResult =
  | { readonly granted: true; readonly access: number }
  | { readonly granted: false; readonly reason: 'privilege' | 'denied' }

/**
 * The access a simulated open grants. Simulated objects carry a security descriptor that grants
 * every right of the type to everyone (one user, no restrictions), so the check reduces to:
 * ACCESS_SYSTEM_SECURITY needs a privilege nobody holds; bits that are not rights of the type are
 * denied; MAXIMUM_ALLOWED grants all; PROCESS_QUERY_INFORMATION implies the limited form (Vista+).
 */
export function checkAccess(desired: number, mapping: GenericMapping): AccessCheckResult {
  const mapped = mapGenericMask(desired >>> 0, mapping)
  if (mapped & ACCESS_SYSTEM_SECURITY) return { granted: false, reason: 'privilege' }
  let access = (mapped & ~MAXIMUM_ALLOWED) >>> 0
  if ((access & ~mapping.all) !== 0) return { granted: false, reason: 'denied' }
  if (mapped & MAXIMUM_ALLOWED) access = mapping.all
  if (mapping === processGenericMapping && access & PROCESS_QUERY_INFORMATION) {
    access |= PROCESS_QUERY_LIMITED_INFORMATION
  }
  return { granted: true, access: access >>> 0 }
}
