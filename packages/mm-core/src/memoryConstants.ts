// The Win32/NT memory constants of winnt.h: allocation types (MEM_*) and page protections (PAGE_*),
// with their real values, shared by the memory manager (region types and protections) and the
// system services layered on top of it.

/** Allocation, free and state flags (winnt.h). */
export const MemoryFlag = {
  MEM_COMMIT: 0x1000,
  MEM_RESERVE: 0x2000,
  MEM_DECOMMIT: 0x4000,
  MEM_RELEASE: 0x8000,
  MEM_FREE: 0x10000,
  MEM_PRIVATE: 0x20000,
  MEM_MAPPED: 0x40000,
  MEM_RESET: 0x80000,
  MEM_TOP_DOWN: 0x100000,
  MEM_WRITE_WATCH: 0x200000,
  MEM_PHYSICAL: 0x400000,
  MEM_ROTATE: 0x800000,
  MEM_RESET_UNDO: 0x1000000,
  MEM_IMAGE: 0x1000000,
  MEM_LARGE_PAGES: 0x20000000,
  MEM_4MB_PAGES: 0x80000000,
} as const

/** The allocation, free and state flags one by one: {@link MemoryFlag}'s values as named constants. */
export const {
  /** Commit pages: charge them against the commit limit; backed by demand-zero frames on first touch. */
  MEM_COMMIT,
  /** Reserve a range of address space without committing it. */
  MEM_RESERVE,
  /** Decommit pages (NtFreeVirtualMemory): they stay reserved. */
  MEM_DECOMMIT,
  /** Release a whole reservation (NtFreeVirtualMemory). */
  MEM_RELEASE,
  /** Region state of free address space (MEMORY_BASIC_INFORMATION.State). */
  MEM_FREE,
  /** Region type of private memory (MEMORY_BASIC_INFORMATION.Type). */
  MEM_PRIVATE,
  /** Region type of a mapped section view. */
  MEM_MAPPED,
  /** Mark pages as no longer interesting; their contents may be discarded. */
  MEM_RESET,
  /** Place the reservation at the highest fitting address. */
  MEM_TOP_DOWN,
  /** Track written pages (GetWriteWatch). */
  MEM_WRITE_WATCH,
  /** AWE physical-pages region (not simulated). */
  MEM_PHYSICAL,
  /** Rotate region (not simulated). */
  MEM_ROTATE,
  /** Undo a MEM_RESET (same value as MEM_IMAGE). */
  MEM_RESET_UNDO,
  /** Region type of a mapped image view (same value as MEM_RESET_UNDO). */
  MEM_IMAGE,
  /** Allocate with large pages (NtAllocateVirtualMemory refuses it with STATUS_PRIVILEGE_NOT_HELD). */
  MEM_LARGE_PAGES,
  /** Allocate 4 MiB pages (obsolete flag). */
  MEM_4MB_PAGES,
} = MemoryFlag

/** Page protections (winnt.h). The low byte is the access; GUARD, NOCACHE, WRITECOMBINE modify it. */
export const PageProtection = {
  PAGE_NOACCESS: 0x01,
  PAGE_READONLY: 0x02,
  PAGE_READWRITE: 0x04,
  PAGE_WRITECOPY: 0x08,
  PAGE_EXECUTE: 0x10,
  PAGE_EXECUTE_READ: 0x20,
  PAGE_EXECUTE_READWRITE: 0x40,
  PAGE_EXECUTE_WRITECOPY: 0x80,
  PAGE_GUARD: 0x100,
  PAGE_NOCACHE: 0x200,
  PAGE_WRITECOMBINE: 0x400,
} as const

/** The page protections one by one: {@link PageProtection}'s values as named constants. */
export const {
  /** No access: any access raises an access violation. */
  PAGE_NOACCESS,
  /** Read-only access. */
  PAGE_READONLY,
  /** Read and write access. */
  PAGE_READWRITE,
  /** Copy-on-write access (mapped views). */
  PAGE_WRITECOPY,
  /** Execute-only access. */
  PAGE_EXECUTE,
  /** Execute and read access. */
  PAGE_EXECUTE_READ,
  /** Execute, read and write access. */
  PAGE_EXECUTE_READWRITE,
  /** Execute and copy-on-write access (mapped views). */
  PAGE_EXECUTE_WRITECOPY,
  /** Guard-page modifier: the first access raises STATUS_GUARD_PAGE_VIOLATION and clears it. */
  PAGE_GUARD,
  /** Non-cached modifier. */
  PAGE_NOCACHE,
  /** Write-combined modifier. */
  PAGE_WRITECOMBINE,
} = PageProtection

/** Bytes in a small page. */
export const PAGE_SIZE = 0x1000
/** log2(PAGE_SIZE). */
export const PAGE_SHIFT = 12
/** Reservations start on this boundary (MM_ALLOCATION_GRANULARITY). */
export const MM_ALLOCATION_GRANULARITY = 0x10000

/** The name of a flag combination, e.g. `'MEM_RESERVE|MEM_COMMIT'` (unknown bits in hexadecimal). */
export function memoryFlagsName(flags: number): string {
  return namesOfBits(flags, MemoryFlag, ['MEM_IMAGE'])
}

/** The name of a protection, e.g. `'PAGE_READWRITE|PAGE_GUARD'` (unknown bits in hexadecimal). */
export function pageProtectionName(protect: number): string {
  return namesOfBits(protect, PageProtection, [])
}

function namesOfBits(
  value: number,
  table: Readonly<Record<string, number>>,
  skip: readonly string[],
): string {
  let rest = value >>> 0
  const names: string[] = []
  for (const [name, bit] of Object.entries(table)) {
    if (skip.includes(name)) continue
    if ((rest & bit) >>> 0 === bit) {
      names.push(name)
      rest = (rest & ~bit) >>> 0
    }
  }
  if (rest !== 0) names.push(`0x${rest.toString(16).toUpperCase()}`)
  return names.length > 0 ? names.join('|') : '0'
}
