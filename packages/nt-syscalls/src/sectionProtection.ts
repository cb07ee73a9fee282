// Protection rules of sections and views (NT-SECTIONS §4.2 and §5): the one compatibility table
// used three ways (mapping a view against the section's protection, NtProtectVirtualMemory and
// MEM_COMMIT inside a view against its AllocationProtect), ReactOS MmCompatibleProtectionMask with
// EXECUTE_WRITECOPY added to the EXECUTE_READ row as modern Windows does; and the section access a
// view protection needs (MmMakeSectionAccess).

import { SECTION_MAP_EXECUTE, SECTION_MAP_READ, SECTION_MAP_WRITE } from './sectionConstants.js'

/** PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE: ignored by the table. */
const MODIFIERS = 0x100 | 0x200 | 0x400

/** The protections each base protection allows (§5). */
const COMPATIBLE: Readonly<Record<number, readonly number[]>> = {
  1: [0x01],
  2: [0x01, 0x02, 0x08],
  8: [0x01, 0x02, 0x08],
  4: [0x01, 0x02, 0x08, 0x04],
  16: [0x01, 0x10],
  32: [0x01, 0x02, 0x08, 0x10, 0x20, 0x80],
  128: [0x01, 0x02, 0x08, 0x10, 0x20, 0x80],
  64: [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80],
}

/** True when `protection` may be used where `base` is the section's or view's protection (§5). */
export function isCompatibleProtection(protection: number, base: number): boolean {
  return COMPATIBLE[base & ~MODIFIERS]?.includes(protection & ~MODIFIERS) ?? false
}

/** The section access a view of this Win32 protection needs (§4.2). */
export function sectionAccessFor(protection: number): number {
  switch (protection & ~MODIFIERS) {
    case 0x04:
      return SECTION_MAP_WRITE
    case 0x10:
      return SECTION_MAP_EXECUTE
    case 0x20:
    case 0x80:
      return SECTION_MAP_EXECUTE | SECTION_MAP_READ
    case 0x40:
      return SECTION_MAP_EXECUTE | SECTION_MAP_WRITE
    default: // NOACCESS, READONLY, WRITECOPY
      return SECTION_MAP_READ
  }
}
