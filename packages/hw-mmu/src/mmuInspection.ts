// Side-effect-free inspection of the MMU (v86's translate_address_read_no_side_effects; DESIGN.md
// "Inspection never changes state"): `peek` reads memory as the page tables say now, `probe`
// explains the walk level by level and lists the TLB entries caching the address (flagging those
// that disagree with the tables, as a missed INVLPG leaves them), and the TLB and statistics
// views. Nothing here sets an A/D bit, fills a TLB entry, counts a statistic or emits an event;
// the Mmu's public methods delegate here. (A lookup may copy a TLB entry into its mirror row, an
// accelerator that is not state: see tlb.ts.)
import type { AccessResult, Translation, TranslateResult } from './accessResult.js'
import { busReadInto } from './frameStore.js'
import type { HwState } from './hwState.js'
import { addressAt, badAddress, checkLength, checkStartAddress } from './linearAddress.js'
import { decodePageFault } from './pageFault.js'
import { splitAddress } from './pageTableEditor.js'
import {
  ACCESS_NAMES,
  ACCESS_READ,
  WALK_INSPECT,
  type WalkLevel,
  WalkOutput,
  walkPageTables,
} from './pageWalker.js'
import {
  type AccessKind,
  type PagingMode,
  type PrivilegeMode,
  pageSizeOf,
  X64_ADDRESS_LIMIT,
  X64_LOWEST_ADDRESS,
} from './paging.js'
import {
  TLB_DIRTY,
  TLB_EXECUTABLE,
  TLB_GLOBAL,
  TLB_SIZE_SHIFT,
  TLB_USER,
  TLB_WRITABLE,
  type TlbLevel,
  tlbEntryAge,
} from './tlb.js'
import { TLB_NAMES, type TlbName, type TlbStatistics } from './tlbConfig.js'
import { entryAddress, offsetInPage, probeAllSizes } from './tlbLookup.js'

/** A TLB entry as the UI shows it. */
export interface TlbEntryView {
  readonly tlb: TlbName
  readonly set: number
  readonly way: number
  /** Linear address of the first byte of the page (x64 kernel half: negative). */
  readonly virtualAddress: number
  readonly physicalAddress: number
  readonly pageSize: number
  readonly writable: boolean
  readonly user: boolean
  readonly executable: boolean
  readonly dirty: boolean
  readonly global: boolean
  readonly pcid: number
  readonly age: number
}

/** A TLB entry that currently caches a probed address. */
export interface CachedTranslation extends TlbEntryView {
  /** The translation the entry gives for the probed address. */
  readonly translatedAddress: number
  /** True when it differs from what the page tables say now (an entry changed without INVLPG). */
  readonly stale: boolean
}

/** The walk for one address, explained level by level (side-effect free). */
export interface WalkExplanation {
  readonly address: number
  readonly access: AccessKind
  readonly mode: PrivilegeMode
  readonly pagingMode: PagingMode
  /** False when CR0.PG is clear: the address is physical. */
  readonly paging: boolean
  readonly levels: readonly WalkLevel[]
  readonly result: TranslateResult
  readonly tlb: readonly CachedTranslation[]
}

/** Statistics of every TLB level present. */
export interface MmuStatistics {
  readonly data: TlbStatistics
  readonly instruction?: TlbStatistics
  readonly second?: TlbStatistics
}

/** Reads `length` bytes at `va` (user: 1 for a user access, 0 supervisor) as the page tables say now. */
export function peekMemory(state: HwState, va: number, length: number, user: number): AccessResult {
  checkLength(length)
  checkStartAddress(state, va)
  const data = new Uint8Array(length)
  let done = 0
  while (done < length) {
    const current = addressAt(state, va, done)
    const chunk = Math.min(length - done, 4096 - (current & 0xfff))
    const result = inspectTranslation(state, current, ACCESS_READ, user, undefined)
    if (!result.ok) return result
    busReadInto(state.frames, result.physicalAddress, data, done, chunk)
    done += chunk
  }
  return { ok: true, data }
}

/** Explains the walk for `va` (`access` an access code, `user` 1 or 0) and lists the TLB entries caching it. */
export function explainWalk(state: HwState, va: number, access: number, user: number): WalkExplanation {
  const levels: WalkLevel[] = []
  const result = inspectTranslation(state, va, access, user, levels)
  return {
    address: va,
    access: ACCESS_NAMES[access]!,
    mode: user !== 0 ? 'user' : 'supervisor',
    pagingMode: state.mode,
    paging: state.paging,
    levels,
    result,
    tlb: cachedTranslations(state, va, result),
  }
}

/** The valid entries of TLB level `name`; a RangeError when the machine has no such level. */
export function tlbEntryViews(state: HwState, name: TlbName): TlbEntryView[] {
  const tlb = tlbByName(state, name)
  const out: TlbEntryView[] = []
  for (let i = 0; i < tlb.entries; i++) if (tlb.tags[i] !== -1) out.push(tlbEntryView(state, tlb, i))
  return out
}

/** Statistics of every TLB level. */
export function mmuStatistics(state: HwState): MmuStatistics {
  const [data, instruction, second] = state.tlbs
  const out: { data: TlbStatistics; instruction?: TlbStatistics; second?: TlbStatistics } = {
    data: data.statistics(),
  }
  if (instruction !== undefined) out.instruction = instruction.statistics()
  if (second !== undefined) out.second = second.statistics()
  return out
}

/** The translation entry `i` of `tlb` gives: `physicalAddress` with the entry's effective permissions. */
export function entryTranslation(
  state: HwState,
  tlb: TlbLevel,
  i: number,
  physicalAddress: number,
): Translation {
  return flagsTranslation(state.mode, tlb.flags[i]!, physicalAddress)
}

/** The translation with paging off (CR0.PG clear): the linear address is physical, every access allowed. */
export function identityTranslation(physicalAddress: number): { readonly ok: true } & Translation {
  return {
    ok: true,
    physicalAddress,
    pageSize: 4096,
    writable: true,
    user: true,
    executable: true,
    dirty: false,
    global: false,
  }
}

/** The walk as the CPU would make it, without its effects; `levels` collects every entry read. */
function inspectTranslation(
  state: HwState,
  va: number,
  access: number,
  user: number,
  levels: WalkLevel[] | undefined,
): TranslateResult {
  const s = state
  if (s.modeCode !== 2 && va >>> 0 !== va) throw badAddress(s.mode, va)
  if (s.modeCode === 2 && (!(va >= X64_LOWEST_ADDRESS && va < X64_ADDRESS_LIMIT) || Math.floor(va) !== va)) {
    if (!Number.isSafeInteger(va)) throw badAddress('x64', va)
    const mode: PrivilegeMode = user !== 0 ? 'user' : 'supervisor'
    return {
      ok: false,
      fault: {
        kind: 'general-protection',
        address: va,
        reason: 'non-canonical',
        access: ACCESS_NAMES[access]!,
        mode,
      },
    }
  }
  if (!s.paging) return identityTranslation(va)
  const { lo, hi } = splitAddress(s.mode, va)
  const out = new WalkOutput()
  walkPageTables(s, lo, hi, access, user, out, WALK_INSPECT, undefined, levels)
  if (out.errorCode >= 0) {
    return {
      ok: false,
      fault: decodePageFault(va, out.errorCode, ACCESS_NAMES[access]!, user !== 0 ? 'user' : 'supervisor'),
    }
  }
  return {
    ok: true,
    ...flagsTranslation(s.mode, out.flags, out.frame * 4096 + offsetInPage(s, out.sizeCode, lo)),
  }
}

function cachedTranslations(state: HwState, va: number, result: TranslateResult): CachedTranslation[] {
  const s = state
  if (!s.paging || (s.modeCode === 2 && !(va >= X64_LOWEST_ADDRESS && va < X64_ADDRESS_LIMIT))) return []
  const { lo, hi } = splitAddress(s.mode, va)
  const out: CachedTranslation[] = []
  for (const tlb of s.tlbs) {
    if (tlb === undefined) continue
    const i = probeAllSizes(s, tlb, lo, hi)
    if (i < 0) continue
    const view = tlbEntryView(s, tlb, i)
    const translatedAddress = entryAddress(s, tlb, i, lo)
    const stale =
      !result.ok ||
      result.physicalAddress !== translatedAddress ||
      result.writable !== view.writable ||
      result.user !== view.user ||
      result.executable !== view.executable ||
      result.pageSize !== view.pageSize
    out.push({ ...view, translatedAddress, stale })
  }
  return out
}

function tlbEntryView(state: HwState, tlb: TlbLevel, i: number): TlbEntryView {
  const flags = tlb.flags[i]!
  const sizeCode = flags >>> TLB_SIZE_SHIFT
  const pageSize = pageSizeOf(state.mode, sizeCode)
  const pageNumber = Math.floor(tlb.tags[i]! / 4)
  let virtualAddress = pageNumber * pageSize
  if (state.modeCode === 2 && virtualAddress >= X64_ADDRESS_LIMIT) virtualAddress -= 0x1000000000000
  const set = Math.floor(i / tlb.ways)
  return {
    tlb: TLB_NAMES[tlb.index],
    set,
    way: i - set * tlb.ways,
    virtualAddress,
    physicalAddress: tlb.frames[i]! * 4096,
    pageSize,
    writable: (flags & TLB_WRITABLE) !== 0,
    user: (flags & TLB_USER) !== 0,
    executable: (flags & TLB_EXECUTABLE) !== 0,
    dirty: (flags & TLB_DIRTY) !== 0,
    global: (flags & TLB_GLOBAL) !== 0,
    pcid: tlb.pcids[i]!,
    age: tlbEntryAge(tlb, i),
  }
}

function flagsTranslation(mode: PagingMode, flags: number, physicalAddress: number): Translation {
  return {
    physicalAddress,
    pageSize: pageSizeOf(mode, flags >>> TLB_SIZE_SHIFT),
    writable: (flags & TLB_WRITABLE) !== 0,
    user: (flags & TLB_USER) !== 0,
    executable: (flags & TLB_EXECUTABLE) !== 0,
    dirty: (flags & TLB_DIRTY) !== 0,
    global: (flags & TLB_GLOBAL) !== 0,
  }
}

function tlbByName(state: HwState, name: TlbName): TlbLevel {
  const index = TLB_NAMES.indexOf(name)
  const tlb = index < 0 ? undefined : state.tlbs[index]
  if (tlb === undefined)
    throw new RangeError(`TLB level ${JSON.stringify(name)} does not exist in this machine`)
  return tlb
}
