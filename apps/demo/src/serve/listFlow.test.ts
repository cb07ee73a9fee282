import { describe, expect, it } from 'vitest'
import { requireScenario } from '../scenarios/catalog.js'
import { pfnListsReport } from '../views/listsView.js'
import { ExplorerSession } from './explorerSession.js'
import { moveOf } from './listFlow.js'

type AnyEvent = { readonly type: string } & Readonly<Record<string, unknown>>

const pressure = (policy: 'working-set' | 'fifo') =>
  new ExplorerSession(
    requireScenario('pressure').run({ arch: 'x86', verbose: false, record: true, policies: [policy] }).kernel,
    'pressure',
  )

describe('listFlow (the explorer’s PFN lists)', () => {
  const session = pressure('working-set')
  const log = session.kernel.trace!
  const firstOfType = (type: string) => {
    let seq = 0
    while (log.typeAt(seq) !== type) seq++
    return seq
  }

  it('reports the lists the `lists` view reports at the same seq', () => {
    for (const seq of [-1, 100, firstOfType('mm.pageOut'), session.length - 1])
      expect(session.lists(seq).report).toEqual(pfnListsReport(session.kernel.at(seq)))
  })

  it("lists the step's moves: every event of the input whose PFN record changed list, in order", () => {
    const seq = firstOfType('mm.pageOut')
    const lists = session.lists(seq)
    const step = lists.step!
    expect(log.causeOf(step.input) ?? -1).toBeLessThan(0)
    const expected = []
    for (let at = step.input; at <= step.last; at++) {
      expect(at === step.input || (log.causeOf(at) ?? -1) >= 0).toBe(true)
      const move = moveOf(at, log.at(at) as AnyEvent)
      if (move !== undefined) expected.push(move)
    }
    expect(lists.moves).toEqual(expected)
    expect(lists.moves.some((move) => move.seq === seq && move.from === 'ACTIVE')).toBe(true)
    expect(lists.summary.reduce((sum, entry) => sum + entry.pages, 0)).toBe(expected.length)
  })

  it('names the transitions as Windows does (trim, page-file write, repurposing)', () => {
    const seq = firstOfType('mm.pageOut')
    const labels = session.lists(seq).summary.map((entry) => `${entry.from} → ${entry.to}: ${entry.label}`)
    expect(labels).toEqual([
      'ACTIVE → MODIFIED: trimmed',
      'MODIFIED → STANDBY: written to the page file',
      'STANDBY → ACTIVE: repurposed',
    ])
  })

  it('has no step before the first event', () => {
    expect(session.lists(-1)).toMatchObject({ seq: -1, step: null, moves: [], summary: [] })
  })
})

describe('workingSetSeries (the explorer’s working sets over time)', () => {
  it('samples evenly without ticks and reports what kernel.at reports at each sample', () => {
    const session = pressure('fifo')
    const series = session.workingSets()
    expect(series).toMatchObject({ policy: 'fifo', sampledAt: 'seqs' })
    expect(series.seqs.length).toBeLessThanOrEqual(240)
    expect(series.seqs.at(-1)).toBe(session.length - 1)
    for (const index of [0, 60, series.seqs.length - 1]) {
      const machine = session.kernel.at(series.seqs[index]!)
      for (const process of series.processes) {
        const info = machine.mm.processWorkingSet(process.pid)
        expect(process.pages[index]).toBe(info === undefined ? null : info.workingSetSize / 4096)
      }
      expect(series.lists.standby[index]).toBe(machine.mm.pfnDatabase.count('STANDBY'))
      expect(series.lists.available[index]).toBe(machine.mm.systemPagingCounters.availablePages)
    }
  })
})

describe("listFlow and workingSetSeries on an 'nt' trace (the working-sets scenario)", () => {
  const session = new ExplorerSession(
    requireScenario('working-sets').run({ arch: 'x86', verbose: false, record: true }).kernel,
    'working-sets',
  )
  const query = session.kernel.history.query

  it("names EmptyWorkingSet's trims and a soft fault from the modified list", () => {
    const emptied = query.next(
      {
        type: 'mm.workingSetTrimmed',
        where: (event: unknown) => (event as { reason?: string }).reason === 'empty working set',
      } as never,
      0,
    )!
    expect(session.lists(emptied).summary).toEqual([
      { from: 'ACTIVE', to: 'MODIFIED', label: 'trimmed (empty working set)', pages: 24 },
    ])
    const soft = query.next({ type: 'mm.pageReclaimed' } as never, emptied)!
    expect(session.lists(soft).summary).toEqual([
      { from: 'MODIFIED', to: 'ACTIVE', label: 'soft fault', pages: 1 },
    ])
  })

  it('samples right after the balance-set ticks', () => {
    const series = session.workingSets()
    const ticks = [...query.find({ type: 'mm.balanceSetTick' } as never)]
    expect(series.sampledAt).toBe('ticks')
    // Each tick's seq, then the last event (when a tick is not the last event already).
    expect(series.seqs).toEqual([...new Set([...ticks, session.length - 1])])
    expect(series.ticks.slice(0, ticks.length)).toEqual(ticks.map((_, index) => index + 1))
    const idle = series.processes.find((process) => process.name === 'idle.exe')!
    // 24 pages and the page table mapping them (NT-PAGING.md §3.8).
    expect(Math.max(...idle.pages.filter((pages): pages is number => pages !== null))).toBe(25)
  })
})
