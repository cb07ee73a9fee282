// The `lists` view, as RAMMap's "Use Counts" and "Priority Summary" tabs show physical memory: the
// PFN lists (NT's MMLISTS: zeroed, free, standby by priority 0-7, modified, modified-no-write, bad)
// and the frames in use (active pages by process and section, page tables, the system's frame),
// then the counters Windows reports about them: SYSTEM_MEMORY_LIST_INFORMATION (its
// repurposed-by-priority counts) and SYSTEM_PERFORMANCE_INFORMATION's paging fields. Standby
// priorities, repurposing by priority and write I/Os in clusters are the 'nt' policy's; under
// another policy the view says so and shows the lists that exist there.

import type { MemoryListInformation, SystemPagingCounters } from '@ntmm/mm-core'
import { table } from '../format.js'
import { type MachineLike, processName, type RenderedView } from './machineLike.js'
import { policyOf } from './workingSetView.js'

/** The frames in use, by owner. */
export interface FramesInUse {
  /** ACTIVE private pages of each process, by pid. */
  readonly active: readonly { readonly pid: number; readonly name: string; readonly pages: number }[]
  /** ACTIVE frames of section pages (one entry whatever the number of processes mapping them). */
  readonly sectionPages: number
  readonly pageTables: number
  readonly system: number
}

/** What the `lists` view reports, as `--json` prints it. */
export interface PfnListsReport {
  readonly policy: string
  readonly frameCount: number
  /** The last balance-set tick ('nt'; 0 otherwise). */
  readonly tick: number
  readonly memoryListInformation: MemoryListInformation
  readonly systemPerformanceInformation: SystemPagingCounters
  readonly standbyPageCount: number
  readonly inUse: FramesInUse
  /** What this policy does not have (empty under 'nt'). */
  readonly notAvailable: readonly string[]
}

/** The frames in use on `machine`, by owner. */
export function framesInUse(machine: MachineLike): FramesInUse {
  const database = machine.mm.pfnDatabase
  const byPid = new Map<number, number>()
  let sectionPages = 0
  let pageTables = 0
  let system = 0
  for (let pfn = 0; pfn < database.frameCount; pfn++) {
    const state = database.stateOf(pfn)
    if (state === 'PAGE_TABLE') pageTables++
    else if (state === 'SYSTEM') system++
    else if (state === 'ACTIVE') {
      const entry = database.entry(pfn)
      if (entry.segment !== undefined) sectionPages++
      else byPid.set(entry.ownerPid, (byPid.get(entry.ownerPid) ?? 0) + 1)
    }
  }
  const active = [...byPid]
    .sort(([a], [b]) => a - b)
    .map(([pid, pages]) => ({ pid, name: processName(machine, pid), pages }))
  return { active, sectionPages, pageTables, system }
}

/** The report the `lists` view prints. */
export function pfnListsReport(machine: MachineLike): PfnListsReport {
  const mm = machine.mm
  const policy = policyOf(machine)
  const lists = mm.memoryListInformation
  return {
    policy,
    frameCount: mm.pfnDatabase.frameCount,
    tick: mm.systemPagingCounters.balanceSetTicks,
    memoryListInformation: lists,
    systemPerformanceInformation: mm.systemPagingCounters,
    standbyPageCount: mm.pfnDatabase.count('STANDBY'),
    inUse: framesInUse(machine),
    notAvailable:
      policy === 'nt'
        ? []
        : ['standby priorities', 'repurposedPagesByPriority', 'write I/Os in clusters', 'balance-set ticks'],
  }
}

/** The `lists` view. */
export function listsView(machine: MachineLike): RenderedView {
  const report = pfnListsReport(machine)
  const lists = report.memoryListInformation
  const counters = report.systemPerformanceInformation
  const nt = report.policy === 'nt'
  const inUse = report.inUse
  const byPriority = lists.pageCountByPriority
    .map((count, priority) => (count > 0 ? `priority ${priority}: ${count}` : ''))
    .filter((text) => text !== '')
    .join(', ')
  const rows = [
    ['List', 'Pages', ''],
    ['Zeroed', String(lists.zeroPageCount), ''],
    ['Free', String(lists.freePageCount), ''],
    ['Standby', String(report.standbyPageCount), nt ? byPriority : 'one list (no priorities)'],
    ['Modified', String(lists.modifiedPageCount), `page file ${lists.modifiedPageCountPageFile}`],
    ['ModifiedNoWrite', String(lists.modifiedNoWritePageCount), ''],
    ['Bad', String(lists.badPageCount), ''],
    [
      'Active',
      String(inUse.active.reduce((sum, owner) => sum + owner.pages, 0) + inUse.sectionPages),
      [
        ...inUse.active.map((owner) => `${owner.name} (${owner.pid}) ${owner.pages}`),
        ...(inUse.sectionPages > 0 ? [`sections ${inUse.sectionPages}`] : []),
      ].join(', '),
    ],
    ['PageTable', String(inUse.pageTables), ''],
    ['System', String(inUse.system), ''],
  ]
  const lines = [
    nt
      ? `lists: ${report.frameCount} frames, policy nt, tick ${report.tick}`
      : `lists: ${report.frameCount} frames, policy ${report.policy}: ${report.notAvailable.join(', ')} are the 'nt' policy's and not available here`,
    ...table(rows, { right: [1] }).map((line) => `  ${line}`),
  ]
  if (nt) {
    const priorities = [['Priority', 'Standby', 'Repurposed']]
    for (let priority = 0; priority < 8; priority++)
      priorities.push([
        String(priority),
        String(lists.pageCountByPriority[priority]),
        String(lists.repurposedPagesByPriority[priority]),
      ])
    lines.push(...table(priorities, { right: [0, 1, 2] }).map((line) => `  ${line}`))
  } else {
    lines.push(`  repurposed standby or modified frames: ${lists.repurposedPagesByPriority[0]} in all`)
  }
  lines.push(
    `available ${counters.availablePages} pages (zeroed + free + standby); committed ${counters.committedPages} of ${counters.commitLimit}, peak ${counters.peakCommitment}`,
    `faults ${counters.pageFaultCount}: demand-zero ${counters.demandZeroCount}, transition ${counters.transitionCount}, copy-on-write ${counters.copyOnWriteCount}; page reads ${counters.pageReadCount} in ${counters.pageReadIoCount} I/Os`,
    `writes: modified page writer ${counters.dirtyPagesWriteCount} pages in ${counters.dirtyWriteIoCount} I/Os; mapped page writer ${counters.mappedPagesWriteCount} in ${counters.mappedWriteIoCount}`,
  )
  return { lines, json: report }
}
