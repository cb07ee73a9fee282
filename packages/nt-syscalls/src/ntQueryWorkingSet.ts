// NtQueryVirtualMemory's working-set classes (psapi's QueryWorkingSet / QueryWorkingSetEx sit on
// them), answered from mm-core's queryWorkingSet.ts:
//
//   MemoryWorkingSetExInformation (4): the buffer is an array of MEMORY_WORKING_SET_EX_INFORMATION
//     (VirtualAddress, then the attributes, one pointer each: 8 bytes per entry for a 32-bit
//     process, 16 for a 64-bit one). On input each entry names an address; on output it holds that
//     page's MEMORY_WORKING_SET_EX_BLOCK. BaseAddress is not used. Rules as Wine's psapi tests see
//     Windows: a length below one entry → STATUS_INFO_LENGTH_MISMATCH (ReturnLength not written);
//     a length of 1.5 entries answers one entry; ReturnLength is the length given on 64-bit Windows
//     (the entries' bytes for a 32-bit process).
//   MemoryWorkingSetInformation (1): MEMORY_WORKING_SET_INFORMATION, NumberOfEntries (a pointer)
//     then one MEMORY_WORKING_SET_BLOCK (a pointer) per entry. A length below the header →
//     STATUS_INFO_LENGTH_MISMATCH; one too small for the entries → STATUS_INFO_LENGTH_MISMATCH with
//     NumberOfEntries written (psapi: "the NumberOfEntries member is set to the required number").
//
// The buffer is a Uint8Array laid out as Windows lays it out, or, for the caller's convenience, an
// array of `{ virtualAddress }` (syscalls.ts turns it into the buffer, which is what a trace records).

import type { WorkingSetBlock, WorkingSetExInformation } from '@ntmm/mm-core'
import { capturePointer } from './captureArguments.js'
import type { UserAddressLimits } from './userAddressLimits.js'

/** MEMORY_INFORMATION_CLASS values the simulator answers. */
export const MemoryInformationClass = {
  MemoryBasicInformation: 0,
  MemoryWorkingSetInformation: 1,
  MemoryWorkingSetExInformation: 4,
} as const

/** MEMORY_WORKING_SET_INFORMATION: the number of entries and the entries. */
export interface MemoryWorkingSetInformation {
  readonly numberOfEntries: number
  readonly workingSetInfo: readonly WorkingSetBlock[]
}

/** Bytes of one pointer-sized field. */
function pointerBytes(limits: UserAddressLimits): number {
  return limits.pointerBits / 8
}

/** sizeof(MEMORY_WORKING_SET_EX_INFORMATION): a pointer and a ULONG_PTR. */
export function workingSetExEntrySize(limits: UserAddressLimits): number {
  return 2 * pointerBytes(limits)
}

/**
 * The caller's MEMORY_WORKING_SET_EX_INFORMATION buffer as Windows lays it out: an array of
 * `{ virtualAddress }` becomes the bytes (attributes zero); a Uint8Array is kept; anything else is
 * no buffer (undefined).
 */
export function workingSetExBuffer(value: unknown, limits: UserAddressLimits): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value
  if (!Array.isArray(value)) return undefined
  const size = workingSetExEntrySize(limits)
  const buffer = new Uint8Array(value.length * size)
  const view = new DataView(buffer.buffer)
  value.forEach((entry: unknown, index) => {
    const raw =
      typeof entry === 'object' && entry !== null
        ? (entry as { virtualAddress?: unknown }).virtualAddress
        : undefined
    const address = capturePointer(raw, limits) ?? 0
    if (size === 8) view.setUint32(index * size, address >>> 0, true)
    else view.setBigUint64(index * size, BigInt(address), true)
  })
  return buffer
}

/** The VirtualAddress of each of the first `count` entries of `buffer`. */
export function workingSetExAddresses(
  buffer: Uint8Array,
  count: number,
  limits: UserAddressLimits,
): number[] {
  const size = workingSetExEntrySize(limits)
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  const addresses: number[] = []
  for (let index = 0; index < count; index++) {
    const at = index * size
    addresses.push(size === 8 ? view.getUint32(at, true) : Number(view.getBigUint64(at, true)))
  }
  return addresses
}

/** The answers for addresses above the user space: no page of the process (Valid 0). */
export function userAddressOnly(
  addresses: readonly number[],
  limits: UserAddressLimits,
  query: (inUserSpace: readonly number[]) => WorkingSetExInformation[],
): WorkingSetExInformation[] {
  const inside = addresses.map((address) => (address <= limits.highestUserAddress ? address : 0))
  return query(inside).map((entry, index) => ({ ...entry, virtualAddress: addresses[index]! }))
}
