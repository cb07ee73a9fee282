// Text helpers of the page: addresses in hexadecimal as WinDbg prints them, sizes in KiB/MiB, and
// the NT names of states and protections (the same names the command line prints).

/** `0x00011000` (8 digits, 12 on x64). */
export function hex(value: number, digits = 8): string {
  if (value < 0) return `-0x${(-value).toString(16).padStart(digits, '0')}`
  return `0x${value.toString(16).padStart(digits, '0')}`
}

/** `64 KiB`, `1.5 MiB`. */
export function bytes(value: number): string {
  if (value >= 1024 ** 3) return `${Number((value / 1024 ** 3).toFixed(2))} GiB`
  if (value >= 1024 ** 2) return `${Number((value / 1024 ** 2).toFixed(2))} MiB`
  if (value >= 1024) return `${Number((value / 1024).toFixed(2))} KiB`
  return `${value} B`
}

/** Parses `0x11010`, `11010h` or decimal; undefined otherwise. */
export function parseAddress(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase()
  if (/^0x[0-9a-f]+$/.test(trimmed)) return Number.parseInt(trimmed.slice(2), 16)
  if (/^[0-9a-f]+h$/.test(trimmed)) return Number.parseInt(trimmed.slice(0, -1), 16)
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  return undefined
}

export const MEM_COMMIT = 0x1000
export const MEM_RESERVE = 0x2000
export const MEM_FREE = 0x10000
export const PAGE_GUARD = 0x100

const states: Readonly<Record<number, string>> = {
  [MEM_COMMIT]: 'MEM_COMMIT',
  [MEM_RESERVE]: 'MEM_RESERVE',
  [MEM_FREE]: 'MEM_FREE',
}
const types: Readonly<Record<number, string>> = {
  131072: 'MEM_PRIVATE',
  262144: 'MEM_MAPPED',
  16777216: 'MEM_IMAGE',
}
const protections: Readonly<Record<number, string>> = {
  1: 'PAGE_NOACCESS',
  2: 'PAGE_READONLY',
  4: 'PAGE_READWRITE',
  8: 'PAGE_WRITECOPY',
  16: 'PAGE_EXECUTE',
  32: 'PAGE_EXECUTE_READ',
  64: 'PAGE_EXECUTE_READWRITE',
  128: 'PAGE_EXECUTE_WRITECOPY',
}

/** MEM_COMMIT / MEM_RESERVE / MEM_FREE. */
export function stateName(state: number): string {
  return states[state] ?? hex(state, 0)
}

/** MEM_PRIVATE / MEM_MAPPED / MEM_IMAGE, empty for none. */
export function typeName(type: number): string {
  return type === 0 ? '' : (types[type] ?? hex(type, 0))
}

/** `PAGE_READWRITE|PAGE_GUARD`, empty for 0. */
export function protectName(protect: number): string {
  if (protect === 0) return ''
  const base = protections[protect & 0xff] ?? hex(protect & 0xff, 0)
  const modifiers = [
    protect & 0x100 ? 'PAGE_GUARD' : '',
    protect & 0x200 ? 'PAGE_NOCACHE' : '',
    protect & 0x400 ? 'PAGE_WRITECOMBINE' : '',
  ].filter((name) => name !== '')
  return [base, ...modifiers].join('|')
}
