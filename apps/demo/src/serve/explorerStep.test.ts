import { describe, expect, it } from 'vitest'
import { replacementPolicies } from '../machine.js'
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
    expect(sweep.results.map((result) => result.label)).toEqual([...replacementPolicies])
    expect(sweep.accesses).toBe(pressure.kernel.history.query.countByType()['nt.cpuAccess'])
    for (const result of sweep.results) expect(result.references).toBe(sweep.accesses)
    expect(Math.max(...sweep.results.map((result) => result.pageFaults))).toBeGreaterThan(0)
  }, 180_000)
})
