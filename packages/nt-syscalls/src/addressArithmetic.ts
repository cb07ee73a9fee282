// Page and allocation-granularity rounding on exact integers below 2^53 (never bitwise operators,
// which would truncate x64 addresses to 32 bits): PAGE_ALIGN, ROUND_TO_PAGES, ALIGN_DOWN(64K).

/** PAGE_ALIGN: round down to the 4 KiB page. */
export function pageDown(address: number): number {
  return Math.floor(address / 0x1000) * 0x1000
}

/** Round up to the 4 KiB page. */
export function pageUp(address: number): number {
  return Math.ceil(address / 0x1000) * 0x1000
}

/** Round down to the 64 KiB allocation granularity. */
export function granularityDown(address: number): number {
  return Math.floor(address / 0x10000) * 0x10000
}

/**
 * The page-rounded range covering [base, base + size): `{ start, size }` with start = PAGE_ALIGN(base)
 * and end = ((base + size - 1) | 0xFFF) + 1. `size` must be > 0.
 */
export function pageRange(base: number, size: number): { start: number; size: number } {
  const start = pageDown(base)
  return { start, size: pageUp(base + size) - start }
}
