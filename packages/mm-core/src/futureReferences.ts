// The inputs of the study policies (replacementPolicy.ts) that NT does not have: LRU's reference
// stamps and OPT's future reference string. NT sees references only through the accessed bits its
// working-set manager clears and tests; LRU and Belady's OPT need every reference, so the caller
// notes each one (noteAccess) and, for OPT, hands over the whole string first
// (setFutureReferences). No ReactOS counterpart. Not event-sourced: these are inputs, kept in
// snapshots but not in the digest.
//
// OPT's victim is the resident page whose next reference is farthest. The string is indexed once
// (each reference → the next reference to the same page), and each noted access that moves the
// cursor updates its page's next use, so choosing a victim costs the resident pages, not the
// remaining future.

import { alignDown } from './alignment.js'
import { PAGE_SIZE } from './memoryConstants.js'
import { type MmCore, pageKey } from './mmCore.js'
import { PfnState } from './pfnDatabase.js'
import { PTE_PRESENT } from '@ntmm/hw-mmu'
import { frameWords } from '@ntmm/hw-mmu/internal'
import { pteAddressOf, pteLowAt, validPfnAt, x86PteAddress } from './pteAccess.js'

/**
 * Note a reference to `address` by `pid` (LRU's input, and OPT's cursor in the future reference
 * string). Cheap: one typed-array store; no event.
 */
export function noteAccess(core: MmCore, pid: number, address: number): void {
  const tick = ++core.tick
  const future = core.futureReferences
  const cursor = core.futureCursor
  if (cursor < future.length) {
    const expected = future[cursor]!
    if (
      expected.pid === pid &&
      Math.floor(expected.address / PAGE_SIZE) === Math.floor(address / PAGE_SIZE)
    ) {
      core.futureCursor = cursor + 1
      // The page's next use is now its next reference after this one.
      if (core.nextUseCursor === cursor) {
        const next = core.futureNext[cursor]!
        if (next >= 0) core.nextUse.set(core.futureKeys[cursor]!, next)
        else core.nextUse.delete(core.futureKeys[cursor]!)
        core.nextUseCursor = cursor + 1
      }
    }
  }
  // The page's frame from its PTE's words (readPte's valid view without its objects: this runs
  // for every reference an LRU replay makes); a page table not resident maps nothing valid. On
  // 32-bit paging the PTE located and read as its word (x86PteAddress: the same -1, and a table
  // beyond RAM, whose all-ones PTE names no frame, maps nothing).
  let pfn: number
  if (core.machine.mode === 'x86' && address >>> 0 === address) {
    const space = core.state.space(pid)
    const pteAddress = space === undefined ? -1 : x86PteAddress(core, space.directoryPfn * 0x1000, address)
    const low = pteAddress < 0 ? 0 : pteLowAt(core, pteAddress)
    pfn = (low & PTE_PRESENT) === 0 ? -1 : low >>> 12
  } else {
    const pteAddress = pteAddressOf(core, pid, alignDown(address, PAGE_SIZE))
    pfn = pteAddress < 0 ? -1 : validPfnAt(core, pteAddress)
  }
  const pfnDb = core.state.pfn
  if (pfn >= 0 && pfn < pfnDb.frameCount && pfnDb.state[pfn] === PfnState.ACTIVE) pfnDb.lastUse[pfn] = tick
}

/**
 * Note the references `addresses[from, to)` by `pid`, in order: what {@link noteAccess} of each
 * does, for a replay's run of accesses (nt-syscalls' Cpu.runAccesses notes a stretch of TLB hits
 * at once). Nothing between two notes changes a PTE or a page's state, so on 32-bit paging with
 * no future string the space is looked up once and a page noted again reuses its frame; otherwise
 * each is noted as its own call.
 */
export function noteAccessRun(
  core: MmCore,
  pid: number,
  addresses: ArrayLike<number>,
  from: number,
  to: number,
): void {
  const space = core.state.space(pid)
  if (
    core.machine.mode !== 'x86' ||
    core.futureCursor < core.futureReferences.length ||
    space === undefined
  ) {
    for (let index = from; index < to; index++) noteAccess(core, pid, addresses[index]!)
    return
  }
  const frames = core.machine.frames
  const directory = frameWords(frames, space.directoryPfn)
  const pfnDb = core.state.pfn
  const lastUse = pfnDb.lastUse
  const frameCount = pfnDb.frameCount
  const state = pfnDb.state
  let tick = core.tick
  // The page noted last and its frame (-1: none to stamp).
  let page = -1
  let pfn = -1
  for (let index = from; index < to; index++) {
    const address = addresses[index]!
    tick++
    if (address >>> 0 !== address) {
      // An address 32-bit paging cannot map (a caller's): noteAccess's own answer.
      core.tick = tick - 1
      noteAccess(core, pid, address)
      page = -1
      continue
    }
    const at = address >>> 12
    if (at !== page) {
      page = at
      // x86PteAddress and pteLowAt, the directory's words looked up once for the run.
      const pde = directory === undefined ? 0 : directory[address >>> 22]!
      const table = pde >>> 12
      let low = 0
      if ((pde & 0x81) === 1 && table < frames.frameCount) {
        const words = frameWords(frames, table)
        low = words === undefined ? 0 : words[at & 0x3ff]!
      }
      pfn = (low & PTE_PRESENT) === 0 ? -1 : low >>> 12
      if (pfn >= frameCount || (pfn >= 0 && state[pfn] !== PfnState.ACTIVE)) pfn = -1
    }
    if (pfn >= 0) lastUse[pfn] = tick
  }
  core.tick = tick
}

/** OPT: the future reference string (each reference is consumed by the matching noteAccess). */
export function setFutureReferences(
  core: MmCore,
  references: readonly { readonly pid: number; readonly address: number }[],
): void {
  core.futureReferences = references.slice()
  core.futureCursor = 0
  // Each reference's next reference to the same page, from one backward pass; what is seen last
  // is each page's first use.
  const count = references.length
  core.futureKeys = new Float64Array(count)
  core.futureNext = new Int32Array(count)
  const seen = new Map<number, number>()
  for (let index = count - 1; index >= 0; index--) {
    const reference = references[index]!
    const key = pageKey(reference.pid, reference.address)
    core.futureKeys[index] = key
    core.futureNext[index] = seen.get(key) ?? -1
    seen.set(key, index)
  }
  core.nextUse = seen
  core.nextUseCursor = 0
}
