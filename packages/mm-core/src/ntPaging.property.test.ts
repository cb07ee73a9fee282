// Property tests of the 'nt' policy under random programs of three processes on a machine far
// smaller than what they touch, with random thresholds, ticks, working-set limits, priorities,
// locks, flushes and purges: page contents survive every trim, write and repurposing; the lists
// add up to the frames (checkNtInvariants); working-set sizes equal the valid PTEs of each process
// and a frame is on one list at most (checkInvariants); no page-file slot leaks (each used slot
// named exactly once); the fault counters partition the faults.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryManager } from './memoryManager.js'
import { PAGE_READWRITE } from './memoryConstants.js'
import { QUOTA_LIMITS_HARDWS_MAX_ENABLE, QUOTA_LIMITS_HARDWS_MIN_ENABLE } from './ntPagingState.js'
import { MemoryListCommand } from './ntWorkingSetServices.js'

const PROCESSES = 3
const PAGES = 24

const pid = fc.integer({ min: 1, max: PROCESSES })
const page = fc.integer({ min: 0, max: PAGES - 1 })
const operation = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      pid,
      page,
      value: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('read' as const), pid, page }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
  fc.record({ op: fc.constant('empty' as const), pid }),
  fc.record({
    op: fc.constant('limits' as const),
    pid,
    minimum: fc.integer({ min: 1, max: 8 }),
    extra: fc.integer({ min: 0, max: 12 }),
    flags: fc.constantFrom(0, QUOTA_LIMITS_HARDWS_MAX_ENABLE, QUOTA_LIMITS_HARDWS_MIN_ENABLE, 0x3, 0xa),
  }),
  fc.record({ op: fc.constant('priority' as const), pid, priority: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('lock' as const), pid, page }),
  fc.record({ op: fc.constant('unlock' as const), pid, page }),
  fc.record({
    op: fc.constant('command' as const),
    // RAMMap's commands, and two it does not have (STATUS_INVALID_PARAMETER).
    command: fc.constantFrom(1, 6, ...Object.values(MemoryListCommand)),
  }),
)
const config = fc.record({
  tickEvery: fc.constantFrom(0, 3, 10, 40),
  minimumFreePages: fc.integer({ min: 0, max: 6 }),
  plentyExtra: fc.integer({ min: 0, max: 10 }),
  modifiedWriteThreshold: fc.integer({ min: 1, max: 10 }),
  writeCluster: fc.integer({ min: 1, max: 8 }),
})

function run(
  arch: 'x86' | 'x64',
  settings: {
    tickEvery: number
    minimumFreePages: number
    plentyExtra: number
    modifiedWriteThreshold: number
    writeCluster: number
  },
  ops: readonly unknown[],
): { mm: MemoryManager; tableReads: number } {
  const mm = new MemoryManager({
    arch,
    physicalMemory: 40 * 4096,
    pageFile: 96 * 4096,
    tlb: { data: { entries: 8, ways: 2 } },
    replacementPolicy: 'nt',
    nt: {
      tickEvery: settings.tickEvery,
      minimumFreePages: settings.minimumFreePages,
      plentyFreePages: settings.minimumFreePages + settings.plentyExtra,
      modifiedWriteThreshold: settings.modifiedWriteThreshold,
      writeCluster: settings.writeCluster,
    },
  })
  // Page tables read back from the page file (§3.8) count in PageReadCount beside the pages.
  let tableReads = 0
  mm.setRecorder((event) => {
    if (event.type === 'mm.pageTableIn' && event.resolution === 'page file') tableReads++
  })
  const bases = new Map<number, number>()
  for (let p = 1; p <= PROCESSES; p++) {
    const { space } = mm.createAddressSpace(p)
    const area = mm.createArea(space!, { size: PAGES * 4096, protect: PAGE_READWRITE, commit: true }).area!
    bases.set(p, area.startingAddress)
  }
  const model = new Map<string, number>()
  const at = (p: number, pg: number) => bases.get(p)! + pg * 4096
  let step = 0
  for (const raw of ops as { op: string; [key: string]: number | string }[]) {
    if (++step % 16 === 0) expect(mm.checkInvariants()).toEqual([])
    const p = raw.pid as number
    switch (raw.op) {
      case 'write':
        expect(mm.mmuFor(p).write(at(p, raw.page as number), [raw.value as number]).ok).toBe(true)
        model.set(`${p}:${raw.page}`, raw.value as number)
        mm.countReferences(1)
        break
      case 'read': {
        const result = mm.mmuFor(p).read(at(p, raw.page as number), 1)
        expect(result).toEqual({ ok: true, data: new Uint8Array([model.get(`${p}:${raw.page}`) ?? 0]) })
        mm.countReferences(1)
        break
      }
      case 'tick':
        mm.balanceSetTick()
        break
      case 'empty':
        mm.emptyWorkingSet(p)
        break
      case 'limits': {
        const minimum = raw.minimum as number
        mm.setWorkingSetLimits(p, {
          minimum,
          maximum: minimum + (raw.extra as number),
          flags: raw.flags as number,
        })
        break
      }
      case 'priority':
        mm.setPagePriority(p, raw.priority as number)
        break
      case 'lock':
        // VirtualLock faults the page in first.
        expect(mm.mmuFor(p).read(at(p, raw.page as number), 1).ok).toBe(true)
        mm.lockPages(p, [at(p, raw.page as number)])
        break
      case 'unlock':
        mm.unlockPages(p, [at(p, raw.page as number)])
        break
      case 'command':
        mm.memoryListCommand(raw.command as number)
        break
    }
  }
  for (let p = 1; p <= PROCESSES; p++)
    for (let pg = 0; pg < PAGES; pg++) {
      const result = mm.mmuFor(p).read(at(p, pg), 1)
      expect(result).toEqual({ ok: true, data: new Uint8Array([model.get(`${p}:${pg}`) ?? 0]) })
    }
  expect(mm.checkInvariants()).toEqual([])
  return { mm, tableReads }
}

describe('nt paging (property)', () => {
  it.each([
    'x86',
    'x64',
  ] as const)('keeps every page’s contents, every list and slot sound, and the counters partitioning the faults (%s)', (arch) => {
    let soft = 0
    let hard = 0
    fc.assert(
      fc.property(config, fc.array(operation, { minLength: 30, maxLength: 160 }), (settings, ops) => {
        const { mm, tableReads } = run(arch, settings, ops)
        const counters = mm.counters
        const system = mm.systemPagingCounters
        // Every fault is exactly one kind (no access violation, guard or failure in these programs).
        expect(counters.pageFaults).toBe(
          counters.demandZeroFaults + counters.softFaults + counters.hardFaults + counters.spuriousFaults,
        )
        expect(system.pageReadCount).toBe(counters.hardFaults + tableReads)
        expect(system.dirtyWriteIoCount).toBeLessThanOrEqual(system.dirtyPagesWriteCount)
        // Process fault counts add up to the system's (the kernel takes none here).
        let perProcess = 0
        for (let p = 1; p <= PROCESSES; p++) perProcess += mm.processWorkingSet(p)!.pageFaultCount
        expect(perProcess).toBe(system.pageFaultCount)
        // The reported kinds partition the reported faults, a page table's own fault included.
        expect(system.pageFaultCount).toBe(
          system.demandZeroCount +
            system.transitionCount +
            system.pageReadCount +
            system.copyOnWriteCount +
            counters.spuriousFaults,
        )
        const lists = mm.memoryListInformation
        expect(lists.pageCountByPriority.reduce((a, b) => a + b, 0)).toBe(counters.standbyPages)
        soft += counters.softFaults
        hard += counters.hardFaults
      }),
      { numRuns: Number(process.env.NT_PAGING_RUNS ?? 40) },
    )
    // The machine is small enough that soft and hard faults both happened.
    expect(soft).toBeGreaterThan(0)
    expect(hard).toBeGreaterThan(0)
  }, 300_000)
})
