// The page walk (Intel SDM vol. 3A §4.3-4.6): from CR3 through each paging-structure level, read
// from physical memory as the CPU reads RAM, combining permissions as the hardware does (R/W and
// U/S: most restrictive wins; CR0.WP for supervisor writes; NX with EFER.NXE), detecting reserved
// bits, and — when updating — setting Accessed on every entry used and Dirty on the final entry of
// a write, each written back only when the bit changes and only when the translation succeeds.
//
// The walk writes its outcome into a reusable WalkOutput (no allocation per walk). With a `trace`
// array it also records every level it read, for `Mmu.probe` (explain the walk).
import { applyPhysicalWrite, busRead32 } from './frameStore.js'
import type { HwRecordingLane } from './hwRecorder.js'
import type { HwState } from './hwState.js'
import { type AccessKind, entryName, type PagingMode } from './paging.js'
import { type DecodedEntry, decodePte } from './pte.js'
import { TLB_SIZE_SHIFT } from './tlb.js'

/** Access codes used on the hot path. */
export const ACCESS_READ = 0
/** Write access code. */
export const ACCESS_WRITE = 1
/** Instruction-fetch access code. */
export const ACCESS_EXECUTE = 2
/** The access kinds by access code. */
export const ACCESS_NAMES: readonly AccessKind[] = ['read', 'write', 'execute']

/** Walk effects: only inspect (no A/D update, no event) or update like the CPU. */
export const WALK_INSPECT = 0
/** Walk effects: set A/D bits (emitting hw.accessedDirtySet). */
export const WALK_UPDATE = 1

/** One level of an explained walk. */
export interface WalkLevel {
  /** 4 = PML4E, 3 = PDPTE, 2 = PDE, 1 = PTE. */
  readonly level: number
  readonly name: 'PTE' | 'PDE' | 'PDPTE' | 'PML4E'
  /** Physical address of the entry. */
  readonly entryAddress: number
  /** Where the walk read it: memory, or (PAE PDPTEs) the PDPTE registers loaded with CR3. */
  readonly source: 'memory' | 'register'
  readonly low: number
  readonly high: number
  /** True when a reserved bit of this entry is set (the walk stopped with RSVD). */
  readonly reservedBitsSet: boolean
  /** True when the walk took this entry as mapping a large page. */
  readonly mapsLargePage: boolean
  readonly decoded: DecodedEntry
}

/** The outcome of a walk, reused across walks. */
export class WalkOutput {
  /** -1 on success, else the #PF error code. */
  errorCode = -1
  /** 4 KiB frame number of the first byte of the page. */
  frame = 0
  /** 0 = 4 KiB, 1 = 2/4 MiB, 2 = 1 GiB. */
  sizeCode = 0
  /** TLB entry flags (effective W, U, X, D, G and the size code). */
  flags = 0
  /** Entries read from memory. */
  references = 0
}

const adAddress = new Float64Array(4)
const adLow = new Uint32Array(4)
const adLevel = new Uint8Array(4)

/** Index of the entry for (lo, hi) at `level` in mode code `modeCode` (0 x86, 1 PAE, 2 x64). */
export function entryIndex(modeCode: number, level: number, lo: number, hi: number): number {
  if (level === 1) return (lo >>> 12) & (modeCode === 0 ? 0x3ff : 0x1ff)
  if (level === 2) return modeCode === 0 ? lo >>> 22 : (lo >>> 21) & 0x1ff
  if (level === 3) return ((lo >>> 30) | (hi << 2)) & 0x1ff
  return (hi >>> 7) & 0x1ff
}

/** Physical base of the table or page an entry points at (`mask` selects the low-half frame bits). */
function entryBase(low: number, high: number, mask: number, highMask: number): number {
  return ((low & mask) >>> 0) + (high & highMask) * 0x100000000
}

/**
 * Walks the paging structures for the linear address (lo = bits 31:0, hi = bits 47:32) with the
 * access code and privilege given, writing the outcome into `out`.
 */
export function walkPageTables(
  state: HwState,
  lo: number,
  hi: number,
  access: number,
  user: number,
  out: WalkOutput,
  effects: number,
  lane: HwRecordingLane | undefined,
  trace: WalkLevel[] | undefined,
): void {
  if (state.modeCode === 0 && trace === undefined) {
    walkX86(state, lo, access, user, out, effects, lane)
    return
  }
  const frames = state.frames
  const modeCode = state.modeCode
  const mode = state.mode
  const write = access === ACCESS_WRITE
  const baseCode =
    (write ? 2 : 0) | (user !== 0 ? 4 : 0) | (access === ACCESS_EXECUTE ? state.instructionFetchBit : 0)
  const highMask = state.highMask
  let writable = 1
  let userOk = 1
  let executable = 1
  let count = 0
  let references = 0
  let level: number
  let table: number
  let low = 0
  let high = 0
  let large = 0
  if (modeCode === 0) {
    level = 2
    table = (state.cr3 & 0xfffff000) >>> 0
  } else if (modeCode === 1) {
    const index = lo >>> 30
    low = state.pdptes[index * 2]!
    high = state.pdptes[index * 2 + 1]!
    if (trace !== undefined)
      trace.push(
        levelRecord(mode, 3, (state.cr3 & 0xffffffe0) + index * 8, 'register', low, high, false, false),
      )
    if ((low & 1) === 0) {
      out.errorCode = baseCode
      out.references = 0
      return
    }
    table = entryBase(low, high, 0xfffff000, highMask)
    level = 2
  } else {
    level = 4
    table = state.cr3
  }
  for (;;) {
    const address = table + entryIndex(modeCode, level, lo, hi) * (modeCode === 0 ? 4 : 8)
    low = busRead32(frames, address)
    high = modeCode === 0 ? 0 : busRead32(frames, address + 4)
    references++
    if ((low & 1) === 0) {
      if (trace !== undefined)
        trace.push(levelRecord(mode, level, address, 'memory', low, high, false, false))
      out.errorCode = baseCode
      out.references = references
      return
    }
    large =
      (low & 0x80) !== 0 &&
      ((level === 2 && (modeCode !== 0 || state.pageSizeExtension)) || (level === 3 && modeCode === 2))
        ? 1
        : 0
    const k = level * 2 + large
    const reserved = (low & state.reservedLow[k]!) !== 0 || (high & state.reservedHigh[k]!) !== 0
    if (trace !== undefined)
      trace.push(levelRecord(mode, level, address, 'memory', low, high, reserved, large === 1))
    if (reserved) {
      out.errorCode = baseCode | 0x9
      out.references = references
      return
    }
    writable &= (low >>> 1) & 1
    userOk &= (low >>> 2) & 1
    if ((high & 0x80000000) !== 0) executable = 0
    adAddress[count] = address
    adLow[count] = low
    adLevel[count] = level
    count++
    if (level === 1 || large === 1) break
    table = entryBase(low, high, 0xfffff000, highMask)
    level--
  }
  out.references = references
  // Permissions, combined over every level (SDM §4.6).
  let allowed: boolean
  if (user !== 0) allowed = userOk === 1 && (!write || writable === 1)
  else allowed = !write || writable === 1 || !state.writeProtect
  if (access === ACCESS_EXECUTE && executable === 0) allowed = false
  if (!allowed) {
    out.errorCode = baseCode | 1
    return
  }
  out.errorCode = -1
  if (effects === WALK_UPDATE) {
    for (let i = 0; i < count; i++) {
      const old = adLow[i]!
      const value = (old | 0x20 | (write && i === count - 1 ? 0x40 : 0)) >>> 0
      if (value !== old) {
        const address = adAddress[i]!
        lane?.accessedDirtySet(address, adLevel[i]!, old, value)
        applyPhysicalWrite(frames, address, 4, value)
      }
    }
  }
  const sizeCode = level === 1 ? 0 : level === 2 ? 1 : 2
  const frameMask =
    sizeCode === 0 ? 0xfffff000 : sizeCode === 2 ? 0xc0000000 : modeCode === 0 ? 0xffc00000 : 0xffe00000
  out.frame = entryBase(low, high, frameMask, highMask) / 4096
  out.sizeCode = sizeCode
  const dirty = write || (low & 0x40) !== 0 ? 8 : 0
  const global = state.globalPages && (low & 0x100) !== 0 ? 16 : 0
  out.flags = writable | (userOk << 1) | (executable << 2) | dirty | global | (sizeCode << TLB_SIZE_SHIFT)
}

/**
 * {@link walkPageTables} on 32-bit paging without a trace, written out for its two levels: the
 * same reads, outcome, A/D writes (in the same order, after both reads) and lane calls as the
 * general loop. A faulting reference of a sweep walks twice (before the #PF and on its retry), and
 * the loop's per-level mode tests, index function and A/D lists were a tenth of the sweep
 * (docs/performance.md, issue 22's sweeps, third pass). On x86 the high word of every entry is 0:
 * no reserved high bit, no NX, no high frame bits.
 */
function walkX86(
  state: HwState,
  lo: number,
  access: number,
  user: number,
  out: WalkOutput,
  effects: number,
  lane: HwRecordingLane | undefined,
): void {
  const frames = state.frames
  const write = access === ACCESS_WRITE
  const baseCode =
    (write ? 2 : 0) | (user !== 0 ? 4 : 0) | (access === ACCESS_EXECUTE ? state.instructionFetchBit : 0)
  const pdeAddress = ((state.cr3 & 0xfffff000) >>> 0) + (lo >>> 22) * 4
  const pde = busRead32(frames, pdeAddress) >>> 0
  if ((pde & 1) === 0) {
    out.errorCode = baseCode
    out.references = 1
    return
  }
  const large = (pde & 0x80) !== 0 && state.pageSizeExtension ? 1 : 0
  if ((pde & state.reservedLow[4 + large]!) !== 0) {
    out.errorCode = baseCode | 0x9
    out.references = 1
    return
  }
  let writable = (pde >>> 1) & 1
  let userOk = (pde >>> 2) & 1
  let leaf = pde
  let pteAddress = -1
  if (large === 0) {
    pteAddress = ((pde & 0xfffff000) >>> 0) + ((lo >>> 12) & 0x3ff) * 4
    const pte = busRead32(frames, pteAddress) >>> 0
    out.references = 2
    if ((pte & 1) === 0) {
      out.errorCode = baseCode
      return
    }
    if ((pte & state.reservedLow[2]!) !== 0) {
      out.errorCode = baseCode | 0x9
      return
    }
    writable &= (pte >>> 1) & 1
    userOk &= (pte >>> 2) & 1
    leaf = pte
  } else out.references = 1
  // Permissions, combined over both levels (SDM §4.6); every x86 entry is executable.
  const allowed =
    user !== 0 ? userOk === 1 && (!write || writable === 1) : !write || writable === 1 || !state.writeProtect
  if (!allowed) {
    out.errorCode = baseCode | 1
    return
  }
  out.errorCode = -1
  if (effects === WALK_UPDATE) {
    // A on both entries, D on the last of a write; each written only when it changes.
    const pdeValue = (pde | 0x20 | (write && large === 1 ? 0x40 : 0)) >>> 0
    if (pdeValue !== pde) {
      lane?.accessedDirtySet(pdeAddress, 2, pde, pdeValue)
      applyPhysicalWrite(frames, pdeAddress, 4, pdeValue)
    }
    if (large === 0) {
      const pteValue = (leaf | 0x20 | (write ? 0x40 : 0)) >>> 0
      if (pteValue !== leaf) {
        lane?.accessedDirtySet(pteAddress, 1, leaf, pteValue)
        applyPhysicalWrite(frames, pteAddress, 4, pteValue)
      }
    }
  }
  out.frame = ((leaf & (large === 0 ? 0xfffff000 : 0xffc00000)) >>> 0) / 4096
  out.sizeCode = large
  const dirty = write || (leaf & 0x40) !== 0 ? 8 : 0
  const global = state.globalPages && (leaf & 0x100) !== 0 ? 16 : 0
  out.flags = writable | (userOk << 1) | 4 | dirty | global | (large << TLB_SIZE_SHIFT)
}

function levelRecord(
  mode: PagingMode,
  level: number,
  entryAddress: number,
  source: 'memory' | 'register',
  low: number,
  high: number,
  reservedBitsSet: boolean,
  mapsLargePage: boolean,
): WalkLevel {
  return {
    level,
    name: entryName(level),
    entryAddress,
    source,
    low: low >>> 0,
    high: high >>> 0,
    reservedBitsSet,
    mapsLargePage,
    decoded: decodePte(low, high, mode, level),
  }
}
