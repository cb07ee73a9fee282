// Time travel's checkpoints hold, besides pointer lists, the frames written since the checkpoint
// before them: whole when much of a frame changed (copy-on-write leaves the buffer to them), else
// as the words that differ from a buffer an earlier checkpoint holds. The machine model counts
// both, so a memory budget bounds what the checkpoints keep alive.
import { describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'

const PAGES = 64

/** A machine that writes 2 bytes into each of PAGES pages, round after round. */
function rewritingMachine(memoryBudget: number) {
  const kernel = createKernel({
    record: true,
    physicalMemory: 4 << 20,
    pageFile: 8 << 20,
    checkpoints: { interval: 1024, memoryBudget },
  })
  const { pid } = kernel.createProcess({ name: 'rewrite.exe' })
  const base = kernel
    .syscalls(pid)
    .NtAllocateVirtualMemory(-1, 0, 0, PAGES * 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
  const cpu = kernel.cpu(pid)
  for (let round = 0; round < 120; round++)
    for (let page = 0; page < PAGES; page++) cpu.write(base + page * 4096 + (round % 64) * 4, [round, page])
  return kernel
}

describe('checkpoint memory budget', () => {
  it('counts a page whole in the first checkpoint after its first write, then as its changed words', () => {
    const kernel = rewritingMachine(1 << 30)
    const timeline = kernel.timeline
    timeline.buildCheckpoints()
    const count = timeline.checkpointSeqs().length
    // Each interval of 1024 events rewrites two bytes of every page (a round is well under 1024
    // events): held whole, the pages alone would be PAGES × 4 KiB per checkpoint, on top of the
    // PFN database and lists every checkpoint copies; as deltas, a checkpoint counts less than that.
    expect(count).toBeGreaterThan(10)
    expect(timeline.checkpointInterval).toBe(1024)
    expect(timeline.checkpointBytes).toBeGreaterThanOrEqual(PAGES * 4096)
    expect(timeline.checkpointBytes / count).toBeLessThan(PAGES * 4096)
    // And the past is exact: the machine at each seq asked for equals a replay to it.
    const last = kernel.trace!.length - 1
    for (const seq of [last, Math.floor(last / 2), 1500, 2047])
      expect(kernel.at(seq).mm.digest()).toBe(timeline.copyOfStateAt(seq + 1).mm.digest())
  })

  it('keeps the checkpoints within the budget by thinning them', () => {
    const budget = 2 << 20
    const kernel = rewritingMachine(budget)
    const timeline = kernel.timeline
    timeline.buildCheckpoints()
    expect(timeline.checkpointBytes).toBeLessThanOrEqual(budget)
    expect(timeline.checkpointInterval).toBeGreaterThan(1024)
    // Seeking still lands exactly: the state right after the last event equals the live one.
    const last = kernel.trace!.length - 1
    expect(kernel.at(last).mm.digest()).toBe(kernel.mm.digest())
  })
})
