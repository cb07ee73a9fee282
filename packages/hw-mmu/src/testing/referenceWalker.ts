// A TLB-less reference translation written straight from the Intel SDM tables with BigInt entries,
// independent of pageWalker.ts, for property tests. It sets no A/D bit.
import type { FrameStore } from '../frameStore.js'
import type { AccessKind, PagingMode, PrivilegeMode } from '../paging.js'

export interface ReferenceControl {
  readonly writeProtect: boolean
  readonly pageSizeExtension: boolean
  readonly noExecute: boolean
}

export type ReferenceResult = { ok: true; physicalAddress: number } | { ok: false; errorCode: number }

interface LevelSpec {
  readonly shift: bigint
  readonly indexBits: bigint
  /** Page size shift when the entry maps a page here (PS set), or null when PS is not a page here. */
  readonly largeShift: bigint | null
  readonly level: number
}

const SPECS: Record<PagingMode, LevelSpec[]> = {
  x86: [
    { level: 2, shift: 22n, indexBits: 10n, largeShift: 22n },
    { level: 1, shift: 12n, indexBits: 10n, largeShift: null },
  ],
  'x86-pae': [
    { level: 3, shift: 30n, indexBits: 2n, largeShift: null },
    { level: 2, shift: 21n, indexBits: 9n, largeShift: 21n },
    { level: 1, shift: 12n, indexBits: 9n, largeShift: null },
  ],
  x64: [
    { level: 4, shift: 39n, indexBits: 9n, largeShift: null },
    { level: 3, shift: 30n, indexBits: 9n, largeShift: 30n },
    { level: 2, shift: 21n, indexBits: 9n, largeShift: 21n },
    { level: 1, shift: 12n, indexBits: 9n, largeShift: null },
  ],
}

const bit = (value: bigint, n: number): boolean => ((value >> BigInt(n)) & 1n) === 1n
const field = (value: bigint, high: number, low: number): bigint =>
  (value >> BigInt(low)) & ((1n << BigInt(high - low + 1)) - 1n)

export function referenceTranslate(
  frames: FrameStore,
  mode: PagingMode,
  cr3: number,
  control: ReferenceControl,
  va: number,
  access: AccessKind,
  privilege: PrivilegeMode,
): ReferenceResult {
  const linear = BigInt.asUintN(48, BigInt(va))
  const user = privilege === 'user'
  const write = access === 'write'
  const nxActive = mode !== 'x86' && control.noExecute
  const code = (write ? 2 : 0) | (user ? 4 : 0) | (access === 'execute' && nxActive ? 0x10 : 0)
  const maxPhysical = mode === 'x86' ? 32 : mode === 'x86-pae' ? 36 : 46
  const entryBytes = mode === 'x86' ? 4n : 8n
  let table = BigInt(cr3) & (mode === 'x86-pae' ? ~31n : ~4095n)
  let writable = true
  let userAllowed = true
  let noExecute = false
  for (const spec of SPECS[mode]) {
    const index = field(linear, Number(spec.shift + spec.indexBits - 1n), Number(spec.shift))
    const address = Number(table + index * entryBytes)
    const entry =
      mode === 'x86'
        ? BigInt(frames.read32(address))
        : (BigInt(frames.read32(address + 4)) << 32n) | BigInt(frames.read32(address))
    if (!bit(entry, 0)) return { ok: false, errorCode: code }
    const isPaePdpte = mode === 'x86-pae' && spec.level === 3
    const ps = bit(entry, 7)
    const large = spec.largeShift !== null && ps && (mode !== 'x86' || control.pageSizeExtension)
    // Reserved bits.
    let reserved = false
    if (mode === 'x86') {
      if (large && field(entry, 21, 13) !== 0n) reserved = true
    } else {
      const top = mode === 'x86-pae' ? 62 : 51
      if (field(entry, top, maxPhysical) !== 0n) reserved = true
      if (bit(entry, 63) && (!control.noExecute || isPaePdpte)) reserved = true
      if (isPaePdpte && (field(entry, 2, 1) !== 0n || field(entry, 8, 5) !== 0n)) reserved = true
      if (mode === 'x64' && spec.level === 4 && ps) reserved = true
      if (large && field(entry, Number(spec.largeShift) - 1, 13) !== 0n) reserved = true
    }
    if (reserved) return { ok: false, errorCode: code | 0x9 }
    if (!isPaePdpte) {
      writable &&= bit(entry, 1)
      userAllowed &&= bit(entry, 2)
      if (mode !== 'x86' && bit(entry, 63)) noExecute = true
    }
    const frameBits = field(entry, maxPhysical - 1, 12) << 12n
    if (spec.level === 1 || large) {
      const shift = spec.level === 1 ? 12n : (spec.largeShift as bigint)
      let denied = false
      if (user && !userAllowed) denied = true
      if (write && !writable && (user || control.writeProtect)) denied = true
      if (access === 'execute' && nxActive && noExecute) denied = true
      if (denied) return { ok: false, errorCode: code | 1 }
      const base = (frameBits >> shift) << shift
      return { ok: true, physicalAddress: Number(base | (linear & ((1n << shift) - 1n))) }
    }
    table = frameBits
  }
  throw new Error('unreachable')
}
