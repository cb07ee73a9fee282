// Which resident pages leave memory when no frame is free (NT's working-set manager,
// MiTrimWorkingSet / MiAgeAndEstimateAvailableInWorkingSet, and the textbook policies for study).
// Resident private pages form one working-set list (the PFN database's ACTIVE list) in the order
// they became resident. Simplification: one system-wide list rather than one per process.
//
//   'working-set'  NT-like aging: a trim pass ages every page (accessed bit set → age 0 and the bit
//                  cleared; else age + 1) and takes the oldest eighth (at least one page), oldest
//                  first — so pages untouched for several passes go first.
//   'fifo'         the page resident longest.
//   'clock'        second chance: walk from the oldest; a page with the accessed bit set has it
//                  cleared and moves to the tail; the first page found with it clear goes.
//   'lru'          the page whose last noted reference is oldest (MemoryManager.noteAccess; the
//                  fault that made a page resident counts as a reference).
//   'opt'          Belady's optimal: the page whose next use in the given future reference
//                  string is farthest away (or never).
//
// Accessed-bit changes are PTE writes (hw.pteWritten) plus INVLPG, and aging is mm.pageAged, so the
// policy's decisions replay from the event stream. A section page's frame is one list entry however
// many processes map it: its accessed bit is the OR of its PTEs' (each cleared), and OPT looks at
// its nearest next use in any of them. A pinned frame (MmCore.pinnedFrames) is never chosen.

import { agingVictimsUnrecorded } from './agingVictimsUnrecorded.js'
import { type MmCore, pageKey } from './mmCore.js'
import { invalidateIfCurrent, readPte, writePteAt } from './pteAccess.js'
import { forEachSharedMapping, isSharedFrame } from './sharedPages.js'
import { withoutAccessed } from './softwarePte.js'

/** The frames to trim now (empty when nothing is resident, or everything resident is pinned). */
export function chooseVictims(core: MmCore): number[] {
  if (core.policy === 'working-set') {
    const pfnDb = core.state.pfn
    if (pfnDb.count('ACTIVE') <= core.pinnedFrames.size && !hasUnpinned(core)) return []
    return agingVictims(core)
  }
  const pfn = chooseVictim(core)
  return pfn < 0 ? [] : [pfn]
}

/**
 * The one frame a single-victim policy (FIFO, Clock, LRU, OPT) trims now: what
 * {@link chooseVictims} lists, as a number, -1 for none (nothing resident, everything pinned,
 * 'nt', or 'working-set', which trims a batch). The frame request trims through it without a
 * list per fault (every fault of a sweep once memory is full: docs/performance.md, issue 22's
 * sweeps, third pass).
 */
export function chooseVictim(core: MmCore): number {
  const policy = core.policy
  if (policy === 'working-set' || policy === 'nt') return -1
  const pfnDb = core.state.pfn
  if (pfnDb.count('ACTIVE') <= core.pinnedFrames.size && !hasUnpinned(core)) return -1
  switch (policy) {
    case 'fifo':
      return firstUnpinned(core)
    case 'clock':
      return clockVictim(core)
    case 'lru':
      return lruVictim(core)
    case 'opt':
      return optVictim(core)
  }
}

/** True when some ACTIVE frame is not pinned. */
function hasUnpinned(core: MmCore): boolean {
  const pfnDb = core.state.pfn
  for (let pfn = pfnDb.first('ACTIVE'); pfn !== undefined; pfn = pfnDb.nextOnList(pfn))
    if (!core.pinnedFrames.has(pfn)) return true
  return false
}

/** The oldest ACTIVE frame not pinned (precondition: there is one). */
function firstUnpinned(core: MmCore): number {
  const pfnDb = core.state.pfn
  let pfn = pfnDb.first('ACTIVE')!
  // Nothing pinned (every fault of a sweep but 'nt''s): no set lookup.
  const pinned = core.pinnedFrames
  if (pinned.size === 0) return pfn
  while (pinned.has(pfn)) pfn = pfnDb.nextOnList(pfn)!
  return pfn
}

/** Test and clear the accessed bit of a resident page's PTE (every PTE of a section frame). */
export function testAndClearAccessed(core: MmCore, pfn: number): boolean {
  if (isSharedFrame(core, pfn)) {
    let accessed = false
    forEachSharedMapping(core, pfn, (pid, va, pte) => {
      if (pte.view.kind !== 'valid' || !pte.view.accessed) return
      accessed = true
      writePteAt(core, pte.address, withoutAccessed(pte.value))
      invalidateIfCurrent(core, pid, va)
    })
    return accessed
  }
  const pfnDb = core.state.pfn
  const pid = pfnDb.ownerPid[pfn]!
  const address = pfnDb.ownerAddress[pfn]!
  const pte = readPte(core, pid, address)
  if (pte === undefined || pte.view.kind !== 'valid' || !pte.view.accessed) return false
  writePteAt(core, pte.address, withoutAccessed(pte.value))
  invalidateIfCurrent(core, pid, address)
  return true
}

function clockVictim(core: MmCore): number {
  const pfnDb = core.state.pfn
  const limit = pfnDb.count('ACTIVE') + 1
  for (let step = 0; step < limit; step++) {
    const pfn = pfnDb.first('ACTIVE')!
    // A pinned frame is passed over as if referenced (it keeps its accessed bit).
    if (!core.pinnedFrames.has(pfn) && !testAndClearAccessed(core, pfn)) return pfn
    core.emit({ type: 'mm.pageAged', pfn, age: 0, previousAge: pfnDb.age[pfn]!, movedToTail: true })
  }
  // Every page had its bit set: all now cleared, the oldest goes.
  return firstUnpinned(core)
}

function lruVictim(core: MmCore): number {
  const pfnDb = core.state.pfn
  // The list's links and the stamps read once into locals and the best stamp kept: this scan of
  // every resident frame runs at every fault of an LRU sweep once memory is full (an eighth of a
  // sweep that mostly faults: docs/performance.md, issue 22's sweeps, second pass). The same
  // choice: the first frame in list order whose stamp is the smallest, pinned frames passed over.
  const lastUse = pfnDb.lastUse
  const flink = pfnDb.flink
  const pinned = core.pinnedFrames
  let best = firstUnpinned(core)
  let bestUse = lastUse[best]!
  for (let pfn = flink[best]!; pfn >= 0; pfn = flink[pfn]!) {
    const use = lastUse[pfn]!
    if (use < bestUse && !pinned.has(pfn)) {
      best = pfn
      bestUse = use
    }
  }
  return best
}

function optVictim(core: MmCore): number {
  const pfnDb = core.state.pfn
  const cursor = core.futureCursor
  if (core.nextUseCursor !== cursor) {
    // The cursor moved without noted accesses (a restore): each page's first use from here on.
    const keys = core.futureKeys
    const nextUse = new Map<number, number>()
    for (let i = keys.length - 1; i >= cursor; i--) nextUse.set(keys[i]!, i)
    core.nextUse = nextUse
    core.nextUseCursor = cursor
  }
  const nextUse = core.nextUse
  let best = firstUnpinned(core)
  let bestDistance = -1
  for (let pfn: number | undefined = best; pfn !== undefined; pfn = pfnDb.nextOnList(pfn)) {
    if (core.pinnedFrames.has(pfn)) continue
    const distance = isSharedFrame(core, pfn)
      ? sharedNextUse(core, pfn, nextUse)
      : (nextUse.get(pageKey(pfnDb.ownerPid[pfn]!, pfnDb.ownerAddress[pfn]!)) ?? Number.POSITIVE_INFINITY)
    if (distance > bestDistance) {
      best = pfn
      bestDistance = distance
      if (distance === Number.POSITIVE_INFINITY) break
    }
  }
  return best
}

/** A section frame's next use: the nearest next reference to any page that maps it. */
function sharedNextUse(core: MmCore, pfn: number, nextUse: ReadonlyMap<number, number>): number {
  let distance = Number.POSITIVE_INFINITY
  forEachSharedMapping(core, pfn, (pid, va) => {
    distance = Math.min(distance, nextUse.get(pageKey(pid, va)) ?? Number.POSITIVE_INFINITY)
  })
  return distance
}

function agingVictims(core: MmCore): number[] {
  // No recorder (a sweep, a bench): the PTEs read as words, the ages set from the fields.
  if (core.recorder === undefined) {
    const victims = agingVictimsUnrecorded(core, testAndClearAccessed)
    if (victims !== undefined) return victims
  }
  const pfnDb = core.state.pfn
  const resident: number[] = []
  for (let pfn = pfnDb.first('ACTIVE'); pfn !== undefined; pfn = pfnDb.nextOnList(pfn)) resident.push(pfn)
  for (const pfn of resident) {
    const previousAge = pfnDb.age[pfn]!
    const age = testAndClearAccessed(core, pfn) ? 0 : Math.min(previousAge + 1, 255)
    if (age !== previousAge) core.emit({ type: 'mm.pageAged', pfn, age, previousAge, movedToTail: false })
  }
  const batch = Math.max(1, Math.floor(resident.length / 8))
  // Stable sort: equal ages keep working-set order (oldest resident first).
  const candidates =
    core.pinnedFrames.size === 0 ? resident : resident.filter((pfn) => !core.pinnedFrames.has(pfn))
  return candidates.sort((a, b) => pfnDb.age[b]! - pfnDb.age[a]!).slice(0, batch)
}
