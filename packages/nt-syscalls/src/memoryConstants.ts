// MEM_* and PAGE_* (winnt.h) for the system services: re-exported from mm-core, which owns them.
export {
  MEM_4MB_PAGES,
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_FREE,
  MEM_IMAGE,
  MEM_LARGE_PAGES,
  MEM_MAPPED,
  MEM_PHYSICAL,
  MEM_PRIVATE,
  MEM_RELEASE,
  MEM_RESERVE,
  MEM_RESET,
  MEM_RESET_UNDO,
  MEM_ROTATE,
  MEM_TOP_DOWN,
  MEM_WRITE_WATCH,
  MemoryFlag,
  MM_ALLOCATION_GRANULARITY,
  memoryFlagsName,
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_NOCACHE,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_SHIFT,
  PAGE_SIZE,
  PAGE_WRITECOMBINE,
  PAGE_WRITECOPY,
  PageProtection,
  pageProtectionName,
} from '@ntmm/mm-core'

/** AT_ROUND_TO_PAGE: a NtMapViewOfSection flag; NtAllocateVirtualMemory rejects it. */
export const AT_ROUND_TO_PAGE = 0x40000000
/** WRITE_WATCH_FLAG_RESET: NtGetWriteWatch resets the bits it reports. */
export const WRITE_WATCH_FLAG_RESET = 0x1
