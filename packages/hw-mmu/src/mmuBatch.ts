// The MMU's TLB-hit path over a run of accesses (accessRun.ts): the batched form of what
// Mmu.readInto, Mmu.write and Mmu.fetchInto do for a user-mode access that stays within one page
// and hits a mirrored 4 KiB first-level TLB entry (Mmu.translateVa's inlined path): the entry's
// LRU stamp (which also counts the hit), and for a write the bytes stored. A read or a fetch has
// no other effect (its bytes are not wanted: the run's reader is a replay, which wants the
// status). The loop stops at the first access that is anything else — a miss, a write to a clean
// page (the walk sets D), a page-crossing access, an address the fast path does not take, a fault
// — and hands it back, so the caller makes it through the per-access path: the walk, the #PF and
// its handler, the refill, every event, exactly as one by one. Runs only while nothing records
// (with a recorder the hit path is off, or reports each hit to a lane: the caller's per-access
// path records those).

import { type AccessRun, RUN_EXECUTE, RUN_READ, RUN_WRITE } from './accessRun.js'
import { applyPhysicalBytesWritten, ownedWordsAt } from './frameStore.js'
import type { Mmu } from './mmu.js'
import { ACCESS_EXECUTE, ACCESS_WRITE } from './pageWalker.js'
import {
  MIRROR_FLAGS_SHIFT as TLB_MIRROR_FLAGS_SHIFT,
  MIRROR_PAGE_MASK as TLB_MIRROR_PAGE_MASK,
  MIRROR_VALID as TLB_MIRROR_VALID,
  TLB_USER,
} from './tlb.js'

// Module constants (V8 folds them; an imported binding is read from its cell at every use).
const READ = RUN_READ
const WRITE = RUN_WRITE
const EXECUTE = RUN_EXECUTE
const VALID = TLB_MIRROR_VALID
const PAGE_MASK = TLB_MIRROR_PAGE_MASK
const FLAGS_SHIFT = TLB_MIRROR_FLAGS_SHIFT
const store = applyPhysicalBytesWritten
const ownedWords = ownedWordsAt

/**
 * Executes the accesses `run[from, to)` in user mode while each is a TLB hit through the inlined
 * path, as {@link Mmu.readInto} / {@link Mmu.write} / {@link Mmu.fetchInto} of that access would
 * (the same LRU stamps and hit counts, the same bytes stored); with `stores` false a write is not
 * made here. Returns the index of the first access not made (`to` when all were): the caller
 * makes that one through the per-access path. Makes none while a recorder is attached (the
 * per-access path records what each does).
 */
export function runTlbHits(mmu: Mmu, run: AccessRun, from: number, to: number, stores: boolean): number {
  const state = mmu.state
  const dataTlb = state.dataTlb
  const fetchTlb = state.fetchTlb
  // hitPathEnabled: the fast path is on and no recorder without a lane; hitLane: no lane either.
  if (
    dataTlb.hitPathEnabled !== true ||
    fetchTlb.hitPathEnabled !== true ||
    dataTlb.hitLane !== undefined ||
    fetchTlb.hitLane !== undefined
  )
    return from
  const frames = state.frames
  // translateVa's required bits for a user access (a read: U; a write or a fetch: CR0.WP's and
  // EFER.NXE's table), moved to the mirror row's flag bits.
  const readRequired = TLB_USER << FLAGS_SHIFT
  const writeRequired = state.required[ACCESS_WRITE * 2 + 1]! << FLAGS_SHIFT
  const fetchRequired = state.required[ACCESS_EXECUTE * 2 + 1]! << FLAGS_SHIFT
  const kinds = run.kinds
  const addresses = run.addresses
  const sizes = run.sizes
  let index = from
  for (; index < to; index++) {
    const va = addresses[index]!
    const kind = kinds[index]!
    const size = sizes[index]!
    // At least a byte within one page, at an address the inlined path takes (Mmu.readInto's
    // test; an empty access translates nothing).
    if (va >>> 0 !== va || size === 0 || (va & 0xfff) + size > 4096) break
    const tlb = kind === EXECUTE ? fetchTlb : dataTlb
    const required = kind === READ ? readRequired : kind === WRITE ? writeRequired : fetchRequired
    const vpn = va >>> 12
    const row = (vpn & tlb.mirrorMask) << 2
    const mirror = tlb.mirror
    if ((mirror[row]! & (VALID | PAGE_MASK | required)) !== (VALID | vpn | required)) break
    if (kind === WRITE) {
      if (!stores) break
      tlb.mirrorStamps[row >> 2] = ++tlb.clock
      const pa = mirror[row + 1]! | (va & 0xfff)
      // An aligned 4- or 8-byte store into a frame this checkpoint epoch owns (most stores): its
      // words set from the run's bytes, as the byte merge of applyPhysicalBytesWritten leaves them
      // (Mmu.write32's in-place store). Anything else, beyond RAM included, goes through it.
      const words = (pa & 3) === 0 && (size === 4 || size === 8) ? ownedWords(frames, pa) : undefined
      if (words !== undefined) {
        const data = run.data
        const word = (pa & 0xfff) >>> 2
        words[word] = (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0
        if (size === 8)
          words[word + 1] = (data[4]! | (data[5]! << 8) | (data[6]! << 16) | (data[7]! << 24)) >>> 0
      } else store(frames, pa, run.dataOf(size))
    } else tlb.mirrorStamps[row >> 2] = ++tlb.clock
  }
  return index
}
