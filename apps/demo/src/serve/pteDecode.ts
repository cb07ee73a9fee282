// What the explorer's page walk shows of an address and its entries, decoded on the server so the
// page does no bit twiddling: the virtual address split into its table indices and page offset for
// the paging mode (x86 10/10/12, PAE 2/9/9/12, x64 9/9/9/9/12) with each entry's address
// arithmetic (table base + index × entry size), and each entry read the way its P bit says — the
// hardware bits (hw-mmu's decoding) when P=1, NT's software formats when P=0 (MMPTE_SOFTWARE,
// MMPTE_TRANSITION, MMPTE_PROTOTYPE: transition, page file with its slot, demand-zero, prototype,
// each with its 5-bit protection; the layout is mm-core's softwarePte.ts).

import { MmProtection, protectionMaskToWin32 } from '@ntmm/mm-core'
import { pageProtectionName } from '@ntmm/nt-syscalls'
import type { AddressPart, SoftwareEntry } from './explorerApi.js'

/** The paging modes of the simulated MMU. */
export type PagingModeName = 'x86' | 'x86-pae' | 'x64'

/** The index fields of `va`, top level first, then the page offset. */
export function splitAddress(va: number, mode: PagingModeName): AddressPart[] {
  const layout: readonly (readonly [string, number, number])[] =
    mode === 'x64'
      ? [
          ['PML4', 47, 39],
          ['PDPT', 38, 30],
          ['PD', 29, 21],
          ['PT', 20, 12],
        ]
      : mode === 'x86-pae'
        ? [
            ['PDPT', 31, 30],
            ['PD', 29, 21],
            ['PT', 20, 12],
          ]
        : [
            ['PD', 31, 22],
            ['PT', 21, 12],
          ]
  const parts: AddressPart[] = layout.map(([name, high, low]) => ({
    name,
    bits: [high, low],
    // Division, not shifts: x64 addresses go past 32 bits.
    value: Math.floor(va / 2 ** low) % 2 ** (high - low + 1),
  }))
  parts.push({ name: 'offset', bits: [11, 0], value: va % 4096 })
  return parts
}

/** Bytes per entry in `mode`. */
export function entrySize(mode: PagingModeName): number {
  return mode === 'x86' ? 4 : 8
}

/** The top of the virtual address range of `mode` (exclusive). */
export function addressLimit(mode: PagingModeName): number {
  return mode === 'x64' ? 2 ** 48 : 2 ** 32
}

const protectionNames = Object.fromEntries(
  Object.entries(MmProtection)
    .filter(
      ([name]) => !['MM_PROTECT_ACCESS', 'MM_PROTECT_SPECIAL', 'MM_DECOMMIT', 'MM_NOACCESS'].includes(name),
    )
    .map(([name, value]) => [value, name]),
) as Record<number, string>

/** `MM_READWRITE`, `MM_GUARDPAGE|MM_READONLY`, `MM_NOACCESS` for the special zero-access forms. */
export function protectionMaskName(mask: number): string {
  if (mask === MmProtection.MM_NOACCESS) return 'MM_NOACCESS'
  if (mask === MmProtection.MM_DECOMMIT) return 'MM_DECOMMIT'
  const access = protectionNames[mask & MmProtection.MM_PROTECT_ACCESS] ?? 'MM_ZERO_ACCESS'
  const special = mask & MmProtection.MM_PROTECT_SPECIAL
  return special === 0 ? access : `${protectionNames[special] ?? special}|${access}`
}

/**
 * The software reading of a not-present entry's low 32 bits (only they carry software state).
 *
 *   31                          12 11 10 9       5 4    1 0
 *  +------------------------------+--+--+---------+------+-+
 *  | PageFileHigh / PFN           |T |Pr|Protect  |PfLow |0|
 *  +------------------------------+--+--+---------+------+-+
 */
export function decodeSoftware(low: number): SoftwareEntry {
  const protection = (low >>> 5) & 0x1f
  const transition = (low & 0x800) !== 0
  const prototype = (low & 0x400) !== 0
  const pageFileLow = (low >>> 1) & 0xf
  const high = low >>> 12
  const names = {
    protection,
    protectionName: protectionMaskName(protection),
    win32Protection: protection === 0 ? '' : pageProtectionName(protectionMaskToWin32(protection)),
    transition,
    prototype,
    pageFileLow,
    high,
  }
  if (low === 0)
    return {
      ...names,
      kind: 'zero',
      meaning: 'zero PTE: never touched; the MM_REGION says whether the page is committed (then demand-zero)',
    }
  if (prototype)
    return {
      ...names,
      kind: 'prototype',
      meaning: 'prototype PTE: the page is described by a section’s prototype PTE',
    }
  if (transition)
    return {
      ...names,
      kind: 'transition',
      pfn: high,
      meaning: `transition: frame ${hex(high)} is on the standby or modified list; a touch is a soft fault`,
    }
  if (high !== 0)
    return {
      ...names,
      kind: 'page-file',
      slot: high - 1,
      meaning: `page file: the page is in slot ${high - 1} of paging file ${pageFileLow}; a touch is a hard fault`,
    }
  return {
    ...names,
    kind: 'demand-zero',
    meaning: 'demand-zero: committed, never touched; a touch maps a zeroed frame',
  }
}

function hex(value: number): string {
  return `0x${value.toString(16)}`
}
