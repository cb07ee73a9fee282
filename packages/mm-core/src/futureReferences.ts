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
