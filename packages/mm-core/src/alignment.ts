// Address rounding (ReactOS PAGE_ROUND_DOWN / PAGE_ROUND_UP, ALIGN_DOWN_BY / ALIGN_UP_BY). Division
// rather than masks, so x64's 48-bit and negative (system) addresses round exactly.

/** `value` rounded down to a multiple of `granularity`. */
export function alignDown(value: number, granularity: number): number {
  return Math.floor(value / granularity) * granularity
}

/** `value` rounded up to a multiple of `granularity`. */
export function alignUp(value: number, granularity: number): number {
  return Math.ceil(value / granularity) * granularity
}
