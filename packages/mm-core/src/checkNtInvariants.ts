// The 'nt' policy's invariants (NT-PAGING.md §3.2-§3.5), added to checkInvariants.ts's: every frame
// is in exactly one state and the list lengths add up to the frames; a standby page is clean and
// has its page-file copy (so repurposing loses nothing); a modified page is marked modified; a
// clean resident page has a copy (demand-zero pages are born modified); a locked page is resident
// in its owner's working set; a hard maximum holds. Inspection only.

import type { MmCore } from './mmCore.js'
import { forEachPageDirectoryEntry, residentPageTables } from './ntPageTables.js'
import { QUOTA_LIMITS_HARDWS_MAX_ENABLE } from './ntPagingState.js'
import { PfnState } from './pfnDatabase.js'
import { readPte } from './pteAccess.js'
import { readPteView } from './softwarePte.js'

/** The 'nt' invariants as violations (none on a machine running another policy). */
export function checkNtInvariants(core: MmCore): string[] {
  const nt = core.state.nt
  if (nt === undefined) return []
  const problems: string[] = []
  const pfnDb = core.state.pfn
  const byState = new Array<number>(7).fill(0)
  for (let pfn = 0; pfn < pfnDb.frameCount; pfn++) {
    const state = pfnDb.state[pfn]!
    byState[state]!++
    const priority = pfnDb.priority[pfn]!
    if (priority > 7) problems.push(`frame ${pfn} has priority ${priority}`)
    if (pfnDb.segmentId[pfn]! >= 0) continue
    const modified = pfnDb.modified[pfn] === 1
    const slot = pfnDb.pageFileSlot[pfn]!
    if (state === PfnState.STANDBY && (modified || slot < 0))
      problems.push(`standby frame ${pfn} is ${modified ? 'modified' : 'without a page-file copy'}`)
    if (state === PfnState.MODIFIED && !modified) problems.push(`modified-list frame ${pfn} is clean`)
    if (state === PfnState.ACTIVE && !modified && slot < 0) {
      const pte = readPte(core, pfnDb.ownerPid[pfn]!, pfnDb.ownerAddress[pfn]!)
      if (pte?.view.kind === 'valid' && !pte.view.dirty)
        problems.push(`clean resident frame ${pfn} has no page-file copy`)
    }
  }
  const listed =
    pfnDb.count('FREE') +
    pfnDb.count('ZEROED') +
    pfnDb.count('STANDBY') +
    pfnDb.count('MODIFIED') +
    pfnDb.count('ACTIVE') +
    byState[PfnState.PAGE_TABLE]! +
    byState[PfnState.SYSTEM]!
  if (listed !== pfnDb.frameCount)
    problems.push(`lists and in-use frames add up to ${listed} of ${pfnDb.frameCount}`)
  for (const [pid, ws] of nt.processes) {
    const space = core.state.spaces.get(pid)
    if (space === undefined) {
      problems.push(`working-set parameters for process ${pid}, which has no address space`)
      continue
    }
    // A hard maximum bounds the pages; the page tables mapping them come on top (a table cannot
    // leave while it maps a valid page, and Windows' minimums of 20 pages make this moot there).
    const pages = space.workingSetSize - residentPageTables(core, pid).length
    if ((ws.flags & QUOTA_LIMITS_HARDWS_MAX_ENABLE) !== 0 && pages > ws.maximum)
      problems.push(`process ${pid}: ${pages} pages in its working set, above its hard maximum ${ws.maximum}`)
    for (const address of ws.lockedPages) {
      const pte = readPte(core, pid, address)
      if (pte?.view.kind !== 'valid' || pfnDb.ownerPid[pte.view.pfn] !== pid)
        problems.push(`process ${pid}: locked page 0x${address.toString(16)} is not resident`)
    }
  }
  return problems
}

/**
 * The page tables of process `pid` under 'nt' (NT-PAGING.md §3.8): a resident one is owned by the
 * process; a PDE of a table that left memory is a transition PDE naming a standby/modified frame
 * of the process, or a page-file PDE naming a used slot (reported to `slot` for the leak check).
 * Returns the resident tables: the working-set entries they are.
 */
export function checkPagedOutTables(
  core: MmCore,
  pid: number,
  problems: string[],
  slot: (slot: number) => void,
): number {
  const pfnDb = core.state.pfn
  const mode = core.machine.mode
  forEachPageDirectoryEntry(core, pid, (table) => {
    if ((table.pde.low & 1) !== 0) return
    const view = readPteView(table.pde.low, table.pde.high, mode)
    const where = `space ${pid}: PDE of 0x${table.address.toString(16)}`
    if (view.kind === 'transition') {
      const state = pfnDb.stateOf(view.pfn)
      if ((state !== 'STANDBY' && state !== 'MODIFIED') || pfnDb.ownerPid[view.pfn] !== pid)
        problems.push(`${where} names frame ${view.pfn} (${state}, owner ${pfnDb.ownerPid[view.pfn]})`)
    } else if (view.kind === 'pageFile') {
      slot(view.slot)
      if (!core.state.pageFile.isUsed(view.slot)) problems.push(`${where} names free slot ${view.slot}`)
    } else problems.push(`${where} is a ${view.kind} entry`)
  })
  return residentPageTables(core, pid).length
}
