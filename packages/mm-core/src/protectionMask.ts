// The memory manager's internal 5-bit protection mask (MM_READONLY … MM_EXECUTE_WRITECOPY plus the
// NOCACHE / GUARD / WRITECOMBINE "special" bits) and its conversions to and from Win32 PAGE_*
// values: MiMakeProtectionMask and MmProtectToValue in ReactOS (ntoskrnl/mm/ARM3). Software PTEs
// store this mask in bits 5-9; regions and NtQueryVirtualMemory speak Win32 values.

import {
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_NOCACHE,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOMBINE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'

/** Values of the 5-bit protection mask (miarm.h). */
export const MmProtection = {
  MM_ZERO_ACCESS: 0,
  MM_READONLY: 1,
  MM_EXECUTE: 2,
  MM_EXECUTE_READ: 3,
  MM_READWRITE: 4,
  MM_WRITECOPY: 5,
  MM_EXECUTE_READWRITE: 6,
  MM_EXECUTE_WRITECOPY: 7,
  MM_NOCACHE: 0x08,
  MM_GUARDPAGE: 0x10,
  MM_WRITECOMBINE: 0x18,
  /** Guard bit with zero access: how a decommitted page's software PTE is marked. */
  MM_DECOMMIT: 0x10,
  /** Write-combine bits with zero access: what PAGE_NOACCESS maps to. */
  MM_NOACCESS: 0x18,
  MM_PROTECT_ACCESS: 7,
  MM_PROTECT_SPECIAL: 0x18,
} as const

const { MM_NOCACHE, MM_GUARDPAGE, MM_WRITECOMBINE, MM_NOACCESS, MM_PROTECT_ACCESS, MM_PROTECT_SPECIAL } =
  MmProtection

/** Access part of the mask for each single flag of the non-execute nibble (index = Protect & 0xF). */
const readNibbleMask: Readonly<Record<number, number>> = { 1: MM_NOACCESS, 2: 1, 4: 4, 8: 5 }
/** Access part of the mask for each single flag of the execute nibble (index = (Protect >> 4) & 0xF). */
const executeNibbleMask: Readonly<Record<number, number>> = { 1: 2, 2: 3, 4: 6, 8: 7 }

/**
 * MiMakeProtectionMask: turn a Win32 protection into the 5-bit mask, or `undefined` when the
 * combination is invalid (STATUS_INVALID_PAGE_PROTECTION for the caller). Rules, in order:
 * nothing at or above PAGE_WRITECOMBINE·2; exactly one of the two nibbles non-zero and holding a
 * single flag; PAGE_GUARD not with NOACCESS, NOCACHE or WRITECOMBINE; PAGE_NOCACHE not with
 * NOACCESS or WRITECOMBINE; PAGE_WRITECOMBINE not with NOACCESS.
 */
export function makeProtectionMask(protect: number): number | undefined {
  if (!Number.isInteger(protect) || protect < 0 || protect >= PAGE_WRITECOMBINE * 2) return undefined
  const readNibble = protect & 0xf
  const executeNibble = (protect >> 4) & 0xf
  if ((readNibble === 0) === (executeNibble === 0)) return undefined
  let mask = readNibble !== 0 ? readNibbleMask[readNibble] : executeNibbleMask[executeNibble]
  if (mask === undefined) return undefined
  const isNoAccess = mask === MM_NOACCESS
  if (protect & PAGE_GUARD) {
    if (isNoAccess || protect & (PAGE_NOCACHE | PAGE_WRITECOMBINE)) return undefined
    mask |= MM_GUARDPAGE
  }
  if (protect & PAGE_NOCACHE) {
    if (isNoAccess || protect & PAGE_WRITECOMBINE) return undefined
    mask |= MM_NOCACHE
  }
  if (protect & PAGE_WRITECOMBINE) {
    if (isNoAccess) return undefined
    mask |= MM_WRITECOMBINE
  }
  return mask
}

const accessToWin32 = [
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
] as const

/**
 * MmProtectToValue: the Win32 protection a 5-bit mask stands for. Masks whose access part is zero
 * (NOACCESS, DECOMMIT, the bare NOCACHE row) read back as PAGE_NOACCESS.
 */
export function protectionMaskToWin32(mask: number): number {
  const access = mask & MM_PROTECT_ACCESS
  const base = accessToWin32[access] ?? PAGE_NOACCESS
  if (access === 0) return PAGE_NOACCESS
  switch (mask & MM_PROTECT_SPECIAL) {
    case MM_NOCACHE:
      return base | PAGE_NOCACHE
    case MM_GUARDPAGE:
      return base | PAGE_GUARD
    case MM_WRITECOMBINE:
      return base | PAGE_WRITECOMBINE
    default:
      return base
  }
}

/** True when the mask's access part allows reads (every access value but zero). */
export function maskAllowsRead(mask: number): boolean {
  return (mask & MM_PROTECT_ACCESS) !== 0
}

/** True when the mask's access part allows writes (READWRITE, WRITECOPY and their execute forms). */
export function maskAllowsWrite(mask: number): boolean {
  return (mask & MM_PROTECT_ACCESS) >= 4
}

/** True when the mask's access part allows execution (the EXECUTE forms). */
export function maskAllowsExecute(mask: number): boolean {
  const access = mask & MM_PROTECT_ACCESS
  return access === 2 || access === 3 || access === 6 || access === 7
}

/** True for WRITECOPY and EXECUTE_WRITECOPY: a write makes the page private (copy-on-write). */
export function maskIsCopyOnWrite(mask: number): boolean {
  const access = mask & MM_PROTECT_ACCESS
  return access === 5 || access === 7
}

/** True when the mask carries the guard bit over a non-zero access (a guard page, not a decommit). */
export function maskIsGuard(mask: number): boolean {
  return (mask & MM_PROTECT_SPECIAL) === MM_GUARDPAGE && (mask & MM_PROTECT_ACCESS) !== 0
}
