// Small text helpers shared by the command line's views: addresses in hexadecimal as WinDbg
// prints them, sizes in KiB, and status names.

/** An address as `0x7ffe0000` padded to the width of the architecture (8 or 12 digits). */
export function hex(value: number, digits = 8): string {
  const text = value < 0 ? `-${(-value).toString(16)}` : value.toString(16)
  return `0x${text.padStart(digits, '0')}`
}

/** A byte count as `64 KiB` / `4 KiB` / `1.5 MiB`. */
export function bytes(value: number): string {
  if (value >= 1024 * 1024 && value % (1024 * 1024) === 0) return `${value / (1024 * 1024)} MiB`
  if (value >= 1024) return `${Number((value / 1024).toFixed(2))} KiB`
  return `${value} B`
}
