import { describe, expect, it } from 'vitest'
import { comparedPolicies } from '../machine.js'
import { requireScenario } from '../scenarios/catalog.js'
import { ExplorerSession } from './explorerSession.js'

const session = (name: string) =>
  new ExplorerSession(requireScenario(name).run({ arch: 'x86', verbose: false, record: true }).kernel, name)

describe('explorerSession: the current event (focus, changes, step, sweep)', () => {
  const article = session('article')
  const log = article.kernel.trace!
  const query = article.kernel.history.query

  it("focuses on the current event's process and address, or those of the access it belongs to", () => {
    const tlb = session('tlb')
    const state = tlb.state(332)
    const access = state.tlb.activity.access!
    expect(state.focus).toEqual({ pid: access.pid, address: access.address })
    expect(state.focus.pid).toBe(8)
    for (let seq = 0; seq < article.length; seq++) {
      const event = log.at(seq) as { type: string; pid?: number; address?: number }
      const focus = article.state(seq).focus
      if (event.type === 'nt.cpuAccess' || event.type === 'mm.pageFault')
        expect(focus, `#${seq}`).toEqual({ pid: event.pid, address: event.address })
    }
  })

  it("focuses a system call's events on its base address and a MEMORY_AREA change on the area", () => {
    const allocate = query.next({ type: 'nt.syscallEntered' }, 0)!
    const call = log.at(allocate) as unknown as { pid: number; arguments: { baseAddress: number } }
    const inserted = query.next({ type: 'mm.areaInserted' }, allocate)!
    const area = (log.at(inserted) as { area: { startingAddress: number } }).area.startingAddress
    expect(article.state(inserted).focus).toEqual({ pid: call.pid, address: area })
    // Events of the call without an address of their own: its base address, not the last access's.
    const returned = query.next({ type: 'nt.syscallReturned' }, allocate)!
    const base = call.arguments.baseAddress
    expect(article.state(returned).focus).toEqual({ pid: call.pid, address: base === 0 ? null : base })
  })

  it('stops a fault at the trap: at hw.pageFault the PTE is still not present; mm.pageFault comes after the resolution', () => {
    const traps = []
    for (
      let seq = query.next({ type: 'hw.pageFault' }, 0);
      seq !== undefined;
      seq = query.next({ type: 'hw.pageFault' }, seq + 1)
    )
      traps.push(seq)
    expect(traps.length).toBeGreaterThan(2)
    for (const trap of traps) {
      const step = article.step(trap)
      const errorCode = (log.at(trap) as { errorCode: number }).errorCode
      if ((errorCode & 1) === 0) expect(step.after?.pte?.present, `#${trap}`).not.toBe(true)
      // The memory manager's record of the same fault comes after it resolved it.
      const resolved = query.next({ type: 'mm.pageFault' }, trap)!
      if ((log.at(resolved) as { outcome: string }).outcome !== 'resolved') continue
      expect(article.step(resolved).after?.pte?.present, `#${resolved}`).toBe(true)
      expect(article.step(resolved).after?.frame?.state).toBe('ACTIVE')
    }
  })

  it('names what each event touched: TLB cells, frames, areas, regions, handles, entries', () => {
    const fill = query.next({ type: 'hw.tlbFill' }, 0)!
    const filled = log.at(fill) as { set: number; way: number }
    expect(article.state(fill).changes.tlb).toEqual([{ set: filled.set, way: filled.way }])
    const frame = query.next({ type: 'mm.frameRequested' }, 0)!
    expect(article.state(frame).changes.pfns).toEqual([(log.at(frame) as { pfn: number }).pfn])
    const inserted = query.next({ type: 'mm.areaInserted' }, 0)!
    expect(article.state(inserted).changes.areas).toEqual([
      (log.at(inserted) as { area: { startingAddress: number } }).area.startingAddress,
    ])
    const written = query.next({ type: 'hw.pteWritten' }, 0)!
    expect(article.state(written).changes.entries).toEqual([(log.at(written) as { address: number }).address])
    expect(article.state(-1).changes.pfns).toEqual([])
  })

  it('marks the TLB entries made stale by a PTE write without INVLPG, as the probe reports', () => {
    const tlb = session('tlb')
    let seen = 0
    const query = tlb.kernel.history.query
    const debug: number[] = []
    for (
      let seq = query.next({ type: 'nt.debugInput' }, 0);
      seq !== undefined;
      seq = query.next({ type: 'nt.debugInput' }, seq + 1)
    )
      debug.push(seq, seq + 1, seq + 5)
    for (const seq of [...debug, tlb.length - 1]) {
      const machine = tlb.kernel.at(seq)
      for (const entry of tlb.state(seq).tlb.entries) {
        const probed = machine.mm.mmu
          .probe(entry.virtualAddress)
          .tlb.find((cached) => cached.tlb === 'data' && cached.set === entry.set && cached.way === entry.way)
        expect(entry.stale).toBe(probed?.stale ?? false)
        if (entry.stale) seen++
      }
    }
    expect(seen).toBeGreaterThan(0)
  })

  it('tells what the next access does: fault, frame, victims, and where it ends', () => {
    const pressure = session('pressure')
    const plog = pressure.kernel.trace!
    const pquery = pressure.kernel.history.query
    const pageOut = pquery.next({ type: 'mm.pageOut' }, 0)!
    const access = pquery.previous({ type: 'nt.cpuAccess' }, pageOut)!
    const outcome = pressure.outcome(access - 1)
    expect(outcome.access?.seq).toBe(access)
    expect(outcome.fault).toBe(true)
    const trap = pquery.next({ type: 'hw.pageFault' }, access)!
    expect(trap).toBeLessThan(outcome.end)
    expect(outcome.victims[0]?.address).toBe((plog.at(pageOut) as { address: number }).address)
    const mapped = pquery.next({ type: 'mm.mappingCreated' }, access)!
    expect(outcome.frame).toBe((plog.at(mapped) as { pfn: number }).pfn)
    expect(['nt.cpuAccess', 'nt.syscallEntered', 'nt.processCreated', 'nt.debugInput']).toContain(
      plog.typeAt(outcome.end + 1),
    )
    // An access that hits: no fault, no frame.
    const quiet = article.outcome(article.length - 2)
    if (quiet.access !== null) expect(quiet.fault).toBe(false)
  })

  it('lists the first frames of each PFN list in list order', () => {
    const pressure = session('pressure')
    const state = pressure.state(pressure.length - 1)
    const machine = pressure.kernel.at(pressure.length - 1)
    expect(state.frames.listHeads.standby).toEqual(machine.mm.pfnDatabase.framesOn('STANDBY').slice(0, 64))
    expect(state.frames.listHeads.free?.length).toBe(Math.min(64, state.frames.lists.free ?? 0))
  })

  it('compares every replacement policy on the loaded trace (ntmm sweep in workers)', async () => {
    const pressure = session('pressure')
    expect(pressure.sweep().status).toBe('running')
    await expect.poll(() => pressure.sweep().status, { timeout: 120_000, interval: 200 }).toBe('done')
    const sweep = pressure.sweep()
    expect(sweep.results.map((result) => result.label)).toEqual([...comparedPolicies])
    expect(sweep.accesses).toBe(pressure.kernel.history.query.countByType()['nt.cpuAccess'])
    for (const result of sweep.results) expect(result.references).toBe(sweep.accesses)
    expect(Math.max(...sweep.results.map((result) => result.pageFaults))).toBeGreaterThan(0)
  }, 180_000)
})
