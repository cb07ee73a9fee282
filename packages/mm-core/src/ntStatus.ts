// NTSTATUS: the 32-bit result of every NT service and of the fault path (ntstatus.h).
// Values are unsigned 32-bit numbers exactly as ntstatus.h defines them (STATUS_ACCESS_VIOLATION is
// 0xC0000005, never a negative number). Severity lives in the top two bits: 00 success, 01
// informational, 10 warning, 11 error; NT_SUCCESS is true for the first two.

/** Every NTSTATUS value the simulator can return or raise, by name. */
export const NtStatus = {
  STATUS_SUCCESS: 0x00000000,
  STATUS_PAGE_FAULT_TRANSITION: 0x00000110,
  STATUS_PAGE_FAULT_DEMAND_ZERO: 0x00000111,
  STATUS_PAGE_FAULT_COPY_ON_WRITE: 0x00000112,
  STATUS_PAGE_FAULT_GUARD_PAGE: 0x00000113,
  STATUS_PAGE_FAULT_PAGING_FILE: 0x00000114,
  STATUS_OBJECT_NAME_EXISTS: 0x40000000,
  STATUS_IMAGE_NOT_AT_BASE: 0x40000003,
  STATUS_IMAGE_MACHINE_TYPE_MISMATCH: 0x4000000e,
  STATUS_WAS_UNLOCKED: 0x40000017,
  STATUS_WAS_LOCKED: 0x40000019,
  STATUS_GUARD_PAGE_VIOLATION: 0x80000001,
  STATUS_PARTIAL_COPY: 0x8000000d,
  STATUS_UNSUCCESSFUL: 0xc0000001,
  STATUS_NOT_IMPLEMENTED: 0xc0000002,
  STATUS_INVALID_INFO_CLASS: 0xc0000003,
  STATUS_INFO_LENGTH_MISMATCH: 0xc0000004,
  STATUS_ACCESS_VIOLATION: 0xc0000005,
  STATUS_IN_PAGE_ERROR: 0xc0000006,
  STATUS_INVALID_HANDLE: 0xc0000008,
  STATUS_INVALID_CID: 0xc000000b,
  STATUS_INVALID_PARAMETER: 0xc000000d,
  STATUS_END_OF_FILE: 0xc0000011,
  STATUS_NO_MEMORY: 0xc0000017,
  STATUS_CONFLICTING_ADDRESSES: 0xc0000018,
  STATUS_NOT_MAPPED_VIEW: 0xc0000019,
  STATUS_UNABLE_TO_FREE_VM: 0xc000001a,
  STATUS_UNABLE_TO_DELETE_SECTION: 0xc000001b,
  STATUS_INVALID_VIEW_SIZE: 0xc000001f,
  STATUS_INVALID_FILE_FOR_SECTION: 0xc0000020,
  STATUS_ALREADY_COMMITTED: 0xc0000021,
  STATUS_ACCESS_DENIED: 0xc0000022,
  STATUS_BUFFER_TOO_SMALL: 0xc0000023,
  STATUS_OBJECT_TYPE_MISMATCH: 0xc0000024,
  STATUS_NOT_LOCKED: 0xc000002a,
  STATUS_NOT_COMMITTED: 0xc000002d,
  STATUS_OBJECT_NAME_INVALID: 0xc0000033,
  STATUS_OBJECT_NAME_NOT_FOUND: 0xc0000034,
  STATUS_OBJECT_NAME_COLLISION: 0xc0000035,
  STATUS_OBJECT_PATH_NOT_FOUND: 0xc000003a,
  STATUS_OBJECT_PATH_SYNTAX_BAD: 0xc000003b,
  STATUS_SECTION_TOO_BIG: 0xc0000040,
  STATUS_SHARING_VIOLATION: 0xc0000043,
  STATUS_QUOTA_EXCEEDED: 0xc0000044,
  STATUS_INVALID_PAGE_PROTECTION: 0xc0000045,
  STATUS_SECTION_NOT_IMAGE: 0xc0000049,
  STATUS_BAD_WORKING_SET_LIMIT: 0xc000004c,
  STATUS_INCOMPATIBLE_FILE_MAP: 0xc000004d,
  STATUS_SECTION_PROTECTION: 0xc000004e,
  STATUS_PRIVILEGE_NOT_HELD: 0xc0000061,
  STATUS_INVALID_IMAGE_FORMAT: 0xc000007b,
  STATUS_DISK_FULL: 0xc000007f,
  STATUS_SECTION_NOT_EXTENDED: 0xc0000087,
  STATUS_INSUFFICIENT_RESOURCES: 0xc000009a,
  STATUS_FREE_VM_NOT_AT_BASE: 0xc000009f,
  STATUS_MEMORY_NOT_ALLOCATED: 0xc00000a0,
  STATUS_WORKING_SET_QUOTA: 0xc00000a1,
  STATUS_NOT_SAME_DEVICE: 0xc00000d4,
  STATUS_INVALID_PARAMETER_1: 0xc00000ef,
  STATUS_INVALID_PARAMETER_2: 0xc00000f0,
  STATUS_INVALID_PARAMETER_3: 0xc00000f1,
  STATUS_INVALID_PARAMETER_4: 0xc00000f2,
  STATUS_INVALID_PARAMETER_5: 0xc00000f3,
  STATUS_INVALID_PARAMETER_6: 0xc00000f4,
  STATUS_INVALID_PARAMETER_7: 0xc00000f5,
  STATUS_INVALID_PARAMETER_8: 0xc00000f6,
  STATUS_INVALID_PARAMETER_9: 0xc00000f7,
  STATUS_INVALID_PARAMETER_10: 0xc00000f8,
  STATUS_STACK_OVERFLOW: 0xc00000fd,
  STATUS_PROCESS_IS_TERMINATING: 0xc000010a,
  STATUS_INVALID_IMAGE_NE_FORMAT: 0xc000011b,
  STATUS_MAPPED_FILE_SIZE_ZERO: 0xc000011e,
  STATUS_COMMITMENT_LIMIT: 0xc000012d,
  STATUS_INVALID_IMAGE_NOT_MZ: 0xc000012f,
  STATUS_INVALID_IMAGE_PROTECT: 0xc0000130,
  STATUS_INVALID_IMAGE_WIN_16: 0xc0000131,
  STATUS_INVALID_ADDRESS: 0xc0000141,
  STATUS_MAPPED_ALIGNMENT: 0xc0000220,
  STATUS_USER_MAPPED_FILE: 0xc0000243,
} as const

/** The name of a status in {@link NtStatus}. */
export type NtStatusName = keyof typeof NtStatus
/** A known NTSTATUS value. */
export type NtStatusValue = (typeof NtStatus)[NtStatusName]

export const {
  /** The operation succeeded. `0x00000000`. */
  STATUS_SUCCESS,
  /** Fault resolved from a page in transition (soft fault). `0x00000110`. */
  STATUS_PAGE_FAULT_TRANSITION,
  /** Fault resolved with a demand-zero page. `0x00000111`. */
  STATUS_PAGE_FAULT_DEMAND_ZERO,
  /** Fault resolved by a copy-on-write copy. `0x00000112`. */
  STATUS_PAGE_FAULT_COPY_ON_WRITE,
  /** Fault on a guard page (handled by the guard-page path). `0x00000113`. */
  STATUS_PAGE_FAULT_GUARD_PAGE,
  /** Fault resolved by reading the page file (hard fault). `0x00000114`. */
  STATUS_PAGE_FAULT_PAGING_FILE,
  /** Informational: the pages were not locked. `0x40000017`. */
  STATUS_WAS_UNLOCKED,
  /** Informational: the pages were already locked. `0x40000019`. */
  STATUS_WAS_LOCKED,
  /** Warning raised by the first access to a PAGE_GUARD page. `0x80000001`. */
  STATUS_GUARD_PAGE_VIOLATION,
  /** Warning: only part of a read or write between processes was done. `0x8000000D`. */
  STATUS_PARTIAL_COPY,
  /** Generic failure. `0xC0000001`. */
  STATUS_UNSUCCESSFUL,
  /** The service or option is not implemented. `0xC0000002`. */
  STATUS_NOT_IMPLEMENTED,
  /** Unknown information class. `0xC0000003`. */
  STATUS_INVALID_INFO_CLASS,
  /** The information buffer has the wrong length. `0xC0000004`. */
  STATUS_INFO_LENGTH_MISMATCH,
  /** Access violation: the access is not allowed or the address is not valid. `0xC0000005`. */
  STATUS_ACCESS_VIOLATION,
  /** A page could not be read in. `0xC0000006`. */
  STATUS_IN_PAGE_ERROR,
  /** The handle is not valid. `0xC0000008`. */
  STATUS_INVALID_HANDLE,
  /** The client id (process or thread id) is not valid. `0xC000000B`. */
  STATUS_INVALID_CID,
  /** A parameter is not valid. `0xC000000D`. */
  STATUS_INVALID_PARAMETER,
  /** Not enough virtual memory or page file quota. `0xC0000017`. */
  STATUS_NO_MEMORY,
  /** The range overlaps an existing reservation. `0xC0000018`. */
  STATUS_CONFLICTING_ADDRESSES,
  /** The address is not the base of a mapped view. `0xC0000019`. */
  STATUS_NOT_MAPPED_VIEW,
  /** The range cannot be freed. `0xC000001A`. */
  STATUS_UNABLE_TO_FREE_VM,
  /** The section cannot be deleted. `0xC000001B`. */
  STATUS_UNABLE_TO_DELETE_SECTION,
  /** The view does not fit in the section. `0xC000001F`. */
  STATUS_INVALID_VIEW_SIZE,
  /** The address range is already committed (ntstatus.h wording). `0xC0000021`. */
  STATUS_ALREADY_COMMITTED,
  /** The handle lacks a required access right. `0xC0000022`. */
  STATUS_ACCESS_DENIED,
  /** The buffer is too small. `0xC0000023`. */
  STATUS_BUFFER_TOO_SMALL,
  /** The handle refers to an object of another type. `0xC0000024`. */
  STATUS_OBJECT_TYPE_MISMATCH,
  /** The pages are not locked. `0xC000002A`. */
  STATUS_NOT_LOCKED,
  /** The range is not committed. `0xC000002D`. */
  STATUS_NOT_COMMITTED,
  /** A quota is exceeded. `0xC0000044`. */
  STATUS_QUOTA_EXCEEDED,
  /** The page protection is not valid. `0xC0000045`. */
  STATUS_INVALID_PAGE_PROTECTION,
  /** The working-set limits leave no room beside the locked pages. `0xC000004C`. */
  STATUS_BAD_WORKING_SET_LIMIT,
  /** Incompatible file mapping. `0xC000004D`. */
  STATUS_INCOMPATIBLE_FILE_MAP,
  /** The caller lacks a required privilege. `0xC0000061`. */
  STATUS_PRIVILEGE_NOT_HELD,
  /** Not enough system resources. `0xC000009A`. */
  STATUS_INSUFFICIENT_RESOURCES,
  /** MEM_RELEASE must start at the reservation base. `0xC000009F`. */
  STATUS_FREE_VM_NOT_AT_BASE,
  /** The address is not in an allocation. `0xC00000A0`. */
  STATUS_MEMORY_NOT_ALLOCATED,
  /** The working set cannot lock more pages (its minimum). `0xC00000A1`. */
  STATUS_WORKING_SET_QUOTA,
  /** Parameter 1 of the service is not valid. `0xC00000EF`. */
  STATUS_INVALID_PARAMETER_1,
  /** Parameter 2 of the service is not valid. `0xC00000F0`. */
  STATUS_INVALID_PARAMETER_2,
  /** Parameter 3 of the service is not valid. `0xC00000F1`. */
  STATUS_INVALID_PARAMETER_3,
  /** Parameter 4 of the service is not valid. `0xC00000F2`. */
  STATUS_INVALID_PARAMETER_4,
  /** Parameter 5 of the service is not valid. `0xC00000F3`. */
  STATUS_INVALID_PARAMETER_5,
  /** Parameter 6 of the service is not valid. `0xC00000F4`. */
  STATUS_INVALID_PARAMETER_6,
  /** The stack overflowed (its guard page reached reserved memory). `0xC00000FD`. */
  STATUS_STACK_OVERFLOW,
  /** The process is exiting. `0xC000010A`. */
  STATUS_PROCESS_IS_TERMINATING,
  /** The commit limit would be exceeded. `0xC000012D`. */
  STATUS_COMMITMENT_LIMIT,
  /** The address is not valid. `0xC0000141`. */
  STATUS_INVALID_ADDRESS,
} = NtStatus

const namesByValue = new Map<number, NtStatusName>(
  (Object.keys(NtStatus) as NtStatusName[]).map((name) => [NtStatus[name], name]),
)

/**
 * The symbolic name of a status (`'STATUS_ACCESS_VIOLATION'`), or its hexadecimal value
 * (`'0xC0001234'`) when the simulator does not know it.
 */
export function ntStatusName(status: number): string {
  return namesByValue.get(status >>> 0) ?? `0x${(status >>> 0).toString(16).toUpperCase().padStart(8, '0')}`
}

/** True when `status` is one the simulator defines. */
export function isKnownNtStatus(status: number): status is NtStatusValue {
  return namesByValue.has(status)
}

/** NT_SUCCESS: success and informational severities (the top bit clear). */
export function NT_SUCCESS(status: number): boolean {
  return status >>> 0 < 0x80000000
}

/** NT_ERROR: error severity (the top two bits set). */
export function NT_ERROR(status: number): boolean {
  return status >>> 0 >= 0xc0000000
}
