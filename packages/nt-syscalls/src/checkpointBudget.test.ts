// Time travel's checkpoints hold, besides pointer lists, the frames written since the checkpoint
// before them (copy-on-write leaves those buffers to them): the machine model counts them, so a
// memory budget bounds what the checkpoints keep alive.
import { describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'

const PAGES = 64

/** A machine that writes 4 bytes into each of PAGES pages, round after round. */
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
  it('counts the frames written between two checkpoints in the later one', () => {
    const kernel = rewritingMachine(1 << 30)
    const timeline = kernel.timeline
    timeline.buildCheckpoints()
    const count = timeline.checkpointSeqs().length
    // Each interval of 1024 events rewrites every page (a round is well under 1024 events).
    expect(count).toBeGreaterThan(10)
    expect(timeline.checkpointInterval).toBe(1024)
    expect(timeline.checkpointBytes).toBeGreaterThanOrEqual((count - 1) * PAGES * 4096)
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
