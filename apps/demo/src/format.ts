// Small text helpers shared by the command line's views: addresses in hexadecimal as WinDbg
// prints and reads them (a bare number is hexadecimal, `0n` marks a decimal one), sizes in KiB,
// and status names.

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

/** Parses a signed integer option (a seq such as `--at -1`): decimal or `0x` hexadecimal. */
export function parseInteger(text: string): number | undefined {
  const trimmed = text.trim()
  const negative = trimmed.startsWith('-')
  const value = parseNumber(negative ? trimmed.slice(1) : trimmed)
  if (value === undefined) return undefined
  return negative ? -value : value
}

/** How the command line reads an address, for messages and --help. */
export const ADDRESS_SYNTAX = 'hexadecimal as in WinDbg (11010 or 0x11010; 0n69648 for decimal)'

const TWO_TO_64 = 1n << 64n
/** x64's high canonical half starts here (0xFFFF800000000000): system space. */
const X64_SYSTEM_START = TWO_TO_64 - (1n << 47n)

/**
 * Parses an address as WinDbg reads one: hexadecimal by default (`11010` is 0x11010), `0x`
 * allowed, `0n` for decimal (`0n69648`), and a backtick between the halves of a 64-bit address
 * (`00007ff6\`12340000`). An x64 system-space address (0xFFFF8000\`00000000 and above) becomes the
 * negative number @ntmm/hw-mmu takes; anything else beyond 2^53 is not an address of any
 * simulated machine. Undefined when `text` is not an address.
 */
export function parseAddress(text: string): number | undefined {
  const trimmed = text.trim().replaceAll('`', '')
  let value: bigint
  if (/^0n\d+$/i.test(trimmed)) value = BigInt(trimmed.slice(2))
  else if (/^(0x)?[0-9a-f]+$/i.test(trimmed)) value = BigInt(`0x${trimmed.replace(/^0x/i, '')}`)
  else return undefined
  if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value)
  if (value >= X64_SYSTEM_START && value < TWO_TO_64) return Number(value - TWO_TO_64)
  return undefined
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
