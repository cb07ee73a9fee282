// The 'working-set' policy's trim pass (NT's MiAgeAndEstimateAvailableInWorkingSet, then
// MiTrimWorkingSet's choice: replacementPolicy.ts agingVictims) when no recorder listens. Under
// pressure each trim ages every resident page: a PTE read, a write and an INVLPG per accessed page,
// and an mm.pageAged per page whose age changes. Reading each PTE as an object (readPte's location,
// value and view), building each mm.pageAged only to apply it, and sorting the whole working set
// with a comparator was a third of a hard fault of bench 3b (docs/performance.md, issue 22).
//
// The same hardware steps in the same order (each accessed page's PTE written, then INVLPG when its
// space is loaded: their hw events for a hardware recorder), mm.pageAged's change applied from its
// fields (the age; `movedToTail` is false here), and the same victims in the same order: the oldest
// `batch` pages, oldest first, equal ages in working-set order (the stable sort's answer).

import { PTE_ACCESSED, PTE_PRESENT } from '@ntmm/hw-mmu'
import type { MmCore } from './mmCore.js'
import { frameWords } from '@ntmm/hw-mmu/internal'
import { writePteWordAt } from './pteAccess.js'

/** Frames per age, reused by every pass (ages are 0-255). */
const perAge = new Int32Array(256)
/** Where the next victim of each age goes in the answer (a counting sort's offsets). */
const nextAt = new Int32Array(256)

/**
 * agingVictims' pass unrecorded, on 32-bit paging (undefined, with nothing done, under any other
 * mode: the general pass then runs). `testAndClear`: the general test-and-clear, for the pages this
 * one does not read as words (a section page's frame, a PTE not reachable through resident tables).
 */
export function agingVictimsUnrecorded(
  core: MmCore,
  testAndClear: (core: MmCore, pfn: number) => boolean,
): number[] | undefined {
  const machine = core.machine
  if (machine.mode !== 'x86') return undefined
  const pfnDb = core.state.pfn
  const age = pfnDb.age
  const flink = pfnDb.flink
  const ownerPid = pfnDb.ownerPid
  const ownerAddress = pfnDb.ownerAddress
  const segmentId = pfnDb.segmentId
  const first = pfnDb.first('ACTIVE')
  const head = first === undefined ? -1 : first
  const pinned = core.pinnedFrames
  // The space of the previous page (a working set's pages come in runs of one process): its page
  // directory's words and whether it is the one loaded (INVLPG only then: invalidateIfCurrent).
  const frames = machine.frames
  const frameCount = frames.frameCount
  const currentCr3 = machine.currentCr3()
  let lastPid = -1
  let directory: Uint32Array | undefined
  let current = false
  let lastTable = -1
  let tableWords: Uint32Array | undefined
  // The scan changes PTEs and ages, never the list: walked by its links twice, no array of it.
  let resident = 0
  let candidates = 0
  perAge.fill(0)
  for (let pfn = head; pfn >= 0; pfn = flink[pfn]!) {
    resident++
    let accessed: boolean
    const pid = ownerPid[pfn]!
    const va = ownerAddress[pfn]!
    if (pid !== lastPid) {
      lastPid = pid
      const cr3 = core.cr3Of(pid)
      directory = cr3 === undefined ? undefined : frameWords(frames, cr3 / 0x1000)
      current = cr3 === currentCr3
    }
    // x86PteAddress's walk on the directory's words (-1: not reachable so, the general pass's).
    const pde = directory === undefined || segmentId[pfn]! >= 0 ? 0 : directory[va >>> 22]!
    const table = pde >>> 12
    if ((pde & 0x81) !== 1 || table >= frameCount) {
      accessed = testAndClear(core, pfn)
      // It may have written a PTE of a table looked up here (a section page's).
      lastTable = -1
    } else {
      // testAndClearAccessed on the PTE's word (pteLowAt's read, the table's words looked up once
      // for a run of its pages): a valid PTE with its accessed bit set loses it.
      if (table !== lastTable) {
        lastTable = table
        tableWords = frameWords(frames, table)
      }
      const index = (va >>> 12) & 0x3ff
      const low = tableWords === undefined ? 0 : tableWords[index]!
      accessed = (low & (PTE_PRESENT | PTE_ACCESSED)) === (PTE_PRESENT | PTE_ACCESSED)
      if (accessed) {
        writePteWordAt(core, table * 0x1000 + index * 4, (low & ~PTE_ACCESSED) >>> 0)
        // The write may have given the table words of its own (a checkpoint held them): looked up again.
        lastTable = -1
        if (current) machine.invalidatePage(va)
      }
    }
    // mm.pageAged applied from its fields (applyMmEvent sets the age; not moved to the tail).
    const previousAge = age[pfn]!
    const next = accessed ? 0 : Math.min(previousAge + 1, 255)
    if (next !== previousAge) age[pfn] = next
    // Frames per age among the candidates (the pinned ones are aged, never chosen).
    if (pinned.size === 0 || !pinned.has(pfn)) {
      perAge[next]!++
      candidates++
    }
  }
  const batch = Math.max(1, Math.floor(resident / 8))
  // The oldest `batch` candidates, oldest first, ties in list order: the ages above a threshold all
  // go (fewer than `batch`, sorted stably), then the threshold's first ones in list order.
  const take = Math.min(batch, candidates)
  let threshold = 255
  let above = 0
  while (threshold > 0 && above + perAge[threshold]! < take) above += perAge[threshold--]!
  // A counting sort's placement, not a comparator sort of the older ones and two arrays:
  // each age above the threshold owns a run of the answer, oldest age first, filled in list order
  // (the stable sort's order of equal ages); the threshold's first ones follow them.
  let at = 0
  for (let a = 255; a > threshold; a--) {
    nextAt[a] = at
    at += perAge[a]!
  }
  nextAt[threshold] = above
  const victims = new Array<number>(take)
  let thresholdLeft = take - above
  let placed = 0
  for (let pfn = head; pfn >= 0 && placed < take; pfn = flink[pfn]!) {
    if (pinned.size !== 0 && pinned.has(pfn)) continue
    const a = age[pfn]!
    if (a > threshold || (a === threshold && thresholdLeft-- > 0)) {
      victims[nextAt[a]!++] = pfn
      placed++
    }
  }
  return victims
}
