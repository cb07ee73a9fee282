// How a JavaScript number becomes the C parameter a system service receives: the one place that
// defines the rule for "garbage" arguments (the probe-and-capture step of every Nt service).
//
// The rule (documented in docs/nt-syscalls.md):
//   - A value that is not a finite integer (NaN, ±Infinity, 1.5) cannot be expressed in C at all:
//     the service returns the status Windows gives for a bad value of that parameter (the numbered
//     STATUS_INVALID_PARAMETER_n; STATUS_INVALID_HANDLE for a handle; STATUS_INVALID_CID for a
//     client id; STATUS_ACCESS_VIOLATION for a buffer).
//   - An integer is converted as the C ABI converts it: two's-complement truncation to the width of
//     the parameter (ULONG: 32 bits; ULONG_PTR/SIZE_T/PVOID: the pointer width), and then validated
//     normally. So -1 as a size on x86 is 0xFFFFFFFF; on x64 any negative value, and any value of
//     2^53 or more, is a 64-bit value beyond every user-space limit and is captured as 2^64 - 1 (a
//     number the checks treat exactly as the real huge value; it is never used in arithmetic).
//   - HANDLE is signed: on x86 0xFFFFFFFF is the same handle as -1 (NtCurrentProcess).

import type { UserAddressLimits } from './userAddressLimits.js'

const TWO_32 = 0x1_0000_0000
/** The stand-in for a 64-bit value that cannot be represented exactly (≥ 2^53, or negative). */
export const HUGE_64 = 2 ** 64 - 1

/** A captured parameter: its C value, or `undefined` when the number cannot be a C value. */
export type Captured = number | undefined

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value)
}

/** ULONG: 32-bit unsigned, two's-complement truncation. */
export function captureUlong(value: unknown): Captured {
  if (!isInteger(value)) return undefined
  if (value >= 0 && value < TWO_32) return value
  const low = value % TWO_32
  return low < 0 ? low + TWO_32 : low
}

/** ULONG_PTR / SIZE_T / PVOID: unsigned, pointer width. */
export function capturePointer(value: unknown, limits: UserAddressLimits): Captured {
  if (!isInteger(value)) return undefined
  if (limits.pointerBits === 32) return captureUlong(value)
  if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) return value
  return HUGE_64
}

/** HANDLE: signed, pointer width (x86: 0xFFFFFFFF is -1). */
export function captureHandle(value: unknown, limits: UserAddressLimits): Captured {
  if (!isInteger(value)) return undefined
  if (limits.pointerBits === 32) {
    const unsigned = captureUlong(value) as number
    return unsigned >= 0x80000000 ? unsigned - TWO_32 : unsigned
  }
  if (value >= -Number.MAX_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER) return value
  // Beyond 2^53 either way: no valid handle is that large; keep the sign.
  return value < 0 ? -HUGE_64 : HUGE_64
}

/**
 * A structure passed by value (QUOTA_LIMITS_EX): the number fields of a plain object whose own
 * properties are all data properties holding numbers, or undefined for anything else. Nothing is
 * called that could run the caller's code (no getter, no proxy trap escapes: a throwing trap is
 * caught), as ProbeForRead copies the buffer before the service looks at it.
 */
export function captureNumberFields(value: unknown): Readonly<Record<string, number>> | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  try {
    if (Object.getPrototypeOf(value) !== Object.prototype) return undefined
    const fields: Record<string, number> = {}
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
      if (!('value' in descriptor) || typeof descriptor.value !== 'number') return undefined
      fields[name] = descriptor.value
    }
    return fields
  } catch {
    return undefined
  }
}
