import { MEM_COMMIT, MEM_RESERVE, NtCurrentProcess, PAGE_READWRITE, createKernel } from '@ntmm/nt-syscalls'
import { describe, expect, it } from 'vitest'
import { requireScenario, scenarios } from '../scenarios/catalog.js'
import { handlesView } from '../views/handlesView.js'
import { queryRegions } from '../views/memoryMap.js'
import { pteView } from '../views/pteView.js'
import { ExplorerSession } from './explorerSession.js'

const article = () =>
  new ExplorerSession(
    requireScenario('article').run({ arch: 'x86', verbose: false, record: true }).kernel,
    'article',
  )

describe('explorerSession', () => {
  const session = article()
  const log = session.kernel.trace!

  it('reports the state the library reports at every seq (regions, TLB entries, counters)', () => {
    for (const seq of [-1, 0, 10, 15, 28, 33, session.length - 1]) {
      const state = session.state(seq)
      const machine = session.kernel.at(seq)
      expect(state.seq).toBe(seq)
      if (state.pid === null) {
        expect(machine.processes().filter((process) => !process.exited)).toHaveLength(0)
        continue
      }
      expect(state.regions).toEqual(queryRegions(machine, state.pid))
      expect(state.tlb.entries.map((entry) => [entry.set, entry.way, entry.virtualAddress])).toEqual(
        machine.mm.mmu.tlbEntries('data').map((entry) => [entry.set, entry.way, entry.virtualAddress]),
      )
      expect(state.stats.mm.commitCharge).toBe(machine.mm.counters.commitCharge)
      expect(state.frames.states.length).toBe(machine.mm.pfnDatabase.frameCount)
      expect([...state.frames.states].filter((letter) => letter === 'A').length).toBe(
        machine.mm.pfnDatabase.count('ACTIVE'),
      )
      const owners: number[] = []
      for (let index = 0; index < state.frames.owners.length; index += 2)
        for (let count = 0; count < state.frames.owners[index + 1]!; count++)
          owners.push(state.frames.owners[index]!)
      expect(owners).toEqual(
        Array.from(
          { length: machine.mm.pfnDatabase.frameCount },
          (_, pfn) => machine.mm.pfnDatabase.entry(pfn).ownerPid,
        ),
      )
    }
  })

  it('answers every view at every seq, including while a process is being created', () => {
    for (let seq = -1; seq < session.length; seq++) {
      const state = session.state(seq)
      expect(state.processes.map((process) => process.pid)).toEqual(
        state.pid === null ? [] : expect.arrayContaining([state.pid]),
      )
      const walk = session.walk(seq, undefined, 0x11010)
      if (state.pid === null) expect(walk).toHaveProperty('error')
      else expect(walk).toHaveProperty('cr3')
    }
  })

  it.each(
    scenarios.map((scenario) => scenario.name),
  )('shows the built-in scenario %s at 60 seqs as the library does', (name) => {
    const kernel = requireScenario(name).run({ arch: 'x86', verbose: false, record: true }).kernel
    const shown = new ExplorerSession(kernel, name)
    for (let seq = -1; seq < shown.length; seq += Math.max(1, Math.floor(shown.length / 60))) {
      const state = shown.state(seq)
      if (state.pid === null) continue
      expect(state.regions).toEqual(queryRegions(kernel.at(seq), state.pid))
      const committed = state.regions.find((region) => region.state === MEM_COMMIT)
      if (committed !== undefined)
        expect(shown.walk(seq, state.pid, committed.baseAddress)).toHaveProperty('levels')
    }
  })

  it('draws the area tree with heights and balance factors that match the AVL rule', () => {
    const state = session.state(session.length - 1)
    const check = (node: (typeof state.tree)['root']): number => {
      if (node === null) return 0
      const left = check(node.left)
      const right = check(node.right)
      expect(node.height).toBe(Math.max(left, right) + 1)
      expect(node.balance).toBe(left - right)
      expect(Math.abs(node.balance)).toBeLessThanOrEqual(1)
      return node.height
    }
    expect(check(state.tree.root)).toBe(state.tree.height)
    const starts: number[] = []
    const inOrder = (node: (typeof state.tree)['root']) => {
      if (node === null) return
      inOrder(node.left)
      starts.push(node.startingAddress)
      inOrder(node.right)
    }
    inOrder(state.tree.root)
    expect(starts).toEqual([...starts].sort((a, b) => a - b))
    expect(starts).toHaveLength(state.tree.size)
  })

  it('walks the page tables as the pte view does, with every bit decoded', () => {
    const mapped = session.kernel.history.firstMapped(4, 0x11010)!
    for (const seq of [mapped - 1, mapped, session.length - 1]) {
      const walk = session.walk(seq, 4, 0x11010)
      if ('error' in walk) throw new Error(walk.error)
      const expected = pteView(session.kernel.at(seq), { pid: 4, va: 0x11010 }).json as {
        levels: { low: number; bits: string[] }[]
        physicalAddress: number | null
      }
      expect(walk.levels.map((level) => level.low)).toEqual(expected.levels.map((level) => level.low))
      expect(walk.levels.map((level) => level.bits)).toEqual(expected.levels.map((level) => level.bits))
      expect(walk.physicalAddress).toBe(expected.physicalAddress)
      for (const level of walk.levels) {
        expect(level.decoded.present).toBe(level.present)
        expect(level.decoded.pfn).toBe(level.pfn)
      }
    }
  })

  it('highlights the TLB hits, misses and fills of the access the event belongs to', () => {
    const fill = session.find(-1, 'next', { types: ['hw.tlbFill'] }).seq!
    const activity = session.state(fill).tlb.activity
    const access = activity.access!
    expect(log.typeAt(access.seq)).toBe('nt.cpuAccess')
    expect(access.seq).toBeLessThan(fill)
    const event = log.at(fill) as unknown as { set: number; way: number }
    expect(activity.fills.at(-1)).toEqual({ seq: fill, set: event.set, way: event.way })
    expect(activity.misses.length).toBeGreaterThan(0)
    // Before the fill happened, it is not shown.
    expect(session.state(fill - 1).tlb.activity.fills.some((item) => item.seq === fill)).toBe(false)
  })

  it.each([
    'article',
    'tlb',
  ])('accounts for every TLB hit and miss of the %s scenario in some access', (name) => {
    const kernel = requireScenario(name).run({ arch: 'x86', verbose: false, record: true }).kernel
    const tlbSession = new ExplorerSession(kernel, name)
    const query = kernel.history.query
    const inputs = { type: ['nt.cpuAccess', 'nt.syscallEntered', 'nt.processCreated'] } as never
    let hits = 0
    let misses = 0
    for (let access = query.next({ type: 'nt.cpuAccess' }); access !== undefined; ) {
      const next = query.next(inputs, access + 1)
      const activity = tlbSession.state((next ?? tlbSession.length) - 1).tlb.activity
      expect(activity.access?.seq).toBe(access)
      hits += activity.hits.length
      misses += activity.misses.length
      access = query.next({ type: 'nt.cpuAccess' }, access + 1)
    }
    const statistics = kernel.mm.mmu.statistics().data
    expect(hits).toBe(statistics.hits)
    expect(misses).toBe(statistics.misses)
    expect(hits).toBeGreaterThan(0)
  })

  it('lists the events matching a filter around a seq, in order', () => {
    const around = session.events(28, { types: ['mm.*'] }, 2, 3)
    const seqs = around.events.map((row) => row.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(around.events.every((row) => row.type.startsWith('mm.'))).toBe(true)
    expect(seqs.filter((seq) => seq < 28)).toHaveLength(2)
    expect(seqs.filter((seq) => seq >= 28)).toHaveLength(3)
    expect(around.moreBefore).toBe(true)
    const everything = session.events(0, {}, 0, 1000)
    expect(everything.events).toHaveLength(session.length)
    expect(everything.moreAfter).toBe(false)
    const byAddress = session.events(0, { address: { low: 0x11000, high: 0x12000 } }, 0, 1000)
    expect(byAddress.events.length).toBeGreaterThan(0)
  })

  it('finds the next and previous fault and system call', () => {
    const faults = session.events(0, { types: ['mm.pageFault'] }, 0, 100).events.map((row) => row.seq)
    expect(faults.length).toBeGreaterThan(1)
    expect(session.find(-1, 'next', { types: ['mm.pageFault'] }).seq).toBe(faults[0])
    expect(session.find(faults[0]!, 'next', { types: ['mm.pageFault'] }).seq).toBe(faults[1])
    expect(session.find(faults[1]!, 'previous', { types: ['mm.pageFault'] }).seq).toBe(faults[0])
    expect(session.find(faults.at(-1)!, 'next', { types: ['mm.pageFault'] }).seq).toBeNull()
    const call = session.find(-1, 'next', { types: ['nt.syscallEntered'] }).seq!
    expect(log.typeAt(call)).toBe('nt.syscallEntered')
  })

  it('answers why a page is mapped with the chain back to the access', () => {
    const mapped = session.kernel.history.firstMapped(4, 0x11000)!
    const why = session.why(mapped)
    expect(why.chain.map((row) => row.type)).toEqual(['mm.mappingCreated', 'hw.pageFault', 'nt.cpuAccess'])
    expect(why.chain.map((row) => row.seq)).toEqual(session.kernel.history.causeOf(mapped).chain)
  })

  it('samples counters over the trace ending with the final state', () => {
    const series = session.series(20)
    expect(series.seqs.length).toBeLessThanOrEqual(20)
    expect(series.seqs[0]).toBe(-1)
    expect(series.seqs.at(-1)).toBe(session.length - 1)
    const final = session.kernel.at(session.length - 1).mm.counters
    expect(series.commitCharge.at(-1)).toBe(final.commitCharge)
    expect(series.demandZeroFaults.at(-1)).toBe(final.demandZeroFaults)
    for (const rate of series.tlbHitRate) if (rate !== null) expect(rate).toBeGreaterThanOrEqual(0)
  })

  it('counts faults and system calls per slice of the trace for the timeline', () => {
    const density = session.density(10)
    expect(density.bins).toBe(10)
    const counts = session.meta().countByType
    expect(density.faults.reduce((sum, value) => sum + value, 0)).toBe(counts['mm.pageFault'])
    expect(density.syscalls.reduce((sum, value) => sum + value, 0)).toBe(counts['nt.syscallEntered'])
  })

  it('shows the handle table the handles view shows', () => {
    const kernel = requireScenario('processes').run({ arch: 'x86', verbose: false, record: true }).kernel
    const two = new ExplorerSession(kernel, 'processes')
    for (const pid of two.meta().processes.map((process) => process.pid)) {
      const state = two.state(two.length - 1, pid)
      if (state.pid !== pid) continue
      expect(state.handles).toEqual(
        (handlesView(kernel.at(two.length - 1), { pid }).json as { handles: unknown[] }).handles,
      )
    }
  })

  it('refuses a kernel that does not record', () => {
    const kernel = createKernel({})
    kernel.createProcess({ name: 'x.exe' })
    expect(() => new ExplorerSession(kernel, 'x')).toThrow(TypeError)
    const recording = createKernel({ record: true })
    const { pid } = recording.createProcess({ name: 'y.exe' })
    recording
      .syscalls(pid)
      .NtAllocateVirtualMemory(NtCurrentProcess, 0, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
    expect(new ExplorerSession(recording, 'y').state(-5).seq).toBe(-1)
  })
})
