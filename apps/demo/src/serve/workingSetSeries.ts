// The explorer's "working sets over time" chart: each process's working-set size and the list
// lengths sampled right after each balance-set tick of the trace (the working-set manager's passes,
// where working sets grow and shrink), thinned evenly to at most 240 samples; a trace without ticks
// (a policy other than 'nt') is sampled at evenly spaced seqs instead. Computed once per trace.

import type { Kernel } from '@ntmm/nt-syscalls'
import type { ExplorerWorkingSets } from './explorerApi.js'

const PAGE = 4096

/** The samples' seqs: the ticks' (thinned to `samples`) and the last event, or evenly spaced seqs. */
function sampleSeqs(kernel: Kernel, samples: number): { seqs: number[]; sampledAt: 'ticks' | 'seqs' } {
  const length = kernel.trace!.length
  const ticks = [...kernel.history.query.find({ type: 'mm.balanceSetTick' } as never)]
  if (ticks.length > 0) {
    const wanted = Math.min(samples - 1, ticks.length)
    const chosen = Array.from(
      { length: wanted },
      (_, index) => ticks[Math.floor((index * ticks.length) / wanted)]!,
    )
    const seqs = [...new Set([...chosen, length - 1])]
    return { seqs, sampledAt: 'ticks' }
  }
  const count = Math.max(1, Math.min(samples, length + 1))
  const seqs: number[] = []
  for (let index = 0; index < count; index++) {
    const seq = count === 1 ? length - 1 : Math.round(-1 + (index * length) / (count - 1))
    if (seqs.at(-1) !== seq) seqs.push(seq)
  }
  return { seqs, sampledAt: 'seqs' }
}

/** Working sets and lists over the trace of a recording `kernel`. */
export function workingSetSeries(kernel: Kernel, samples = 240): ExplorerWorkingSets {
  const { seqs, sampledAt } = sampleSeqs(kernel, samples)
  const processes = kernel
    .processes()
    .map(({ pid, name }) => ({ pid, name, pages: [] as (number | null)[] }))
    .sort((a, b) => a.pid - b.pid)
  const ticks: number[] = []
  const lists = { available: [] as number[], standby: [] as number[], modified: [] as number[] }
  for (const seq of seqs) {
    const machine = kernel.at(seq)
    const mm = machine.mm
    const counters = mm.systemPagingCounters
    ticks.push(counters.balanceSetTicks)
    lists.available.push(counters.availablePages)
    lists.standby.push(mm.pfnDatabase.count('STANDBY'))
    lists.modified.push(mm.pfnDatabase.count('MODIFIED'))
    for (const process of processes) {
      const info = mm.processWorkingSet(process.pid)
      process.pages.push(info === undefined ? null : info.workingSetSize / PAGE)
    }
  }
  return { policy: kernel.config.replacementPolicy, sampledAt, seqs, ticks, processes, lists }
}
