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

export const {
  MEM_COMMIT,
  MEM_RESERVE,
  MEM_DECOMMIT,
  MEM_RELEASE,
  MEM_FREE,
  MEM_PRIVATE,
  MEM_MAPPED,
  MEM_RESET,
  MEM_TOP_DOWN,
  MEM_WRITE_WATCH,
  MEM_PHYSICAL,
  MEM_ROTATE,
  MEM_RESET_UNDO,
  MEM_IMAGE,
  MEM_LARGE_PAGES,
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

export const {
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_GUARD,
  PAGE_NOCACHE,
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
