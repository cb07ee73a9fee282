// Small text helpers shared by the command line's views: addresses in hexadecimal as WinDbg
// prints them, sizes in KiB, and status names.

/** An address as `0x7ffe0000` padded to the width of the architecture (8 or 12 digits). */
export function hex(value: number, digits = 8): string {
  if (value < 0) return `-0x${(-value).toString(16).padStart(digits, '0')}`
  return `0x${value.toString(16).padStart(digits, '0')}`
}

/** A byte count as `64 KiB` / `4 KiB` / `1.5 MiB`. */
export function bytes(value: number): string {
  if (value >= 1024 * 1024 * 1024) return `${Number((value / 1024 ** 3).toFixed(2))} GiB`
  if (value >= 1024 * 1024) return `${Number((value / 1024 ** 2).toFixed(2))} MiB`
  if (value >= 1024) return `${Number((value / 1024).toFixed(2))} KiB`
  return `${value} B`
}

/** Parses an address or size as the command line and scripts accept it: `0x11000`, `69632`, `64K`. */
export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim()
  const match = /^(0x[0-9a-f]+|\d+)\s*(k|kib|m|mib|g|gib)?$/i.exec(trimmed)
  if (!match) return undefined
  const value = Number(match[1])
  const unit = (match[2] ?? '').toLowerCase()
  const scale = unit.startsWith('k')
    ? 1024
    : unit.startsWith('m')
      ? 1024 ** 2
      : unit.startsWith('g')
        ? 1024 ** 3
        : 1
  const result = value * scale
  return Number.isSafeInteger(result) ? result : undefined
}

/** Rows as an aligned text table (first row is the header). */
export function table(
  rows: readonly (readonly string[])[],
  options: { readonly right?: readonly number[] } = {},
): string[] {
  const widths: number[] = []
  for (const row of rows) {
    for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length)
  }
  const right = new Set(options.right ?? [])
  return rows.map((row) =>
    row
      .map((cell, index) => (right.has(index) ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd(),
  )
}
