// Property tests of page-table pages as working-set entries (NT-PAGING.md §3.8) under random
// programs of three processes whose pages sit under several page tables each, on a machine far
// smaller than what they touch, with trimming, flushing, purging, decommitting and recommitting:
// page contents survive every trim of a page or a table; working-set sizes equal the valid PTEs
// plus the resident page tables (checkInvariants); the lists add up to the frames
// (checkNtInvariants); no slot leaks, also once every process is gone.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AddressSpace } from './addressSpace.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'
import { MemoryManager } from './memoryManager.js'
import { MemoryListCommand } from './ntWorkingSetServices.js'

const PROCESSES = 3
const TABLES = 3
const WINDOW = 4

const pid = fc.integer({ min: 1, max: PROCESSES })
const table = fc.integer({ min: 0, max: TABLES - 1 })
const offset = fc.integer({ min: 0, max: WINDOW - 1 })
const operation = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      pid,
      table,
      offset,
      value: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('read' as const), pid, table, offset }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('empty' as const), pid }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('flush' as const) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('purge' as const) }) },
  fc.record({ op: fc.constant('decommit' as const), pid, table }),
  fc.record({ op: fc.constant('commit' as const), pid, table }),
  fc.record({
    op: fc.constant('limits' as const),
    pid,
    minimum: fc.integer({ min: 1, max: 4 }),
    extra: fc.integer({ min: 0, max: 6 }),
  }),
)

interface Counts {
  trimmed: number
  soft: number
  hard: number
}

function run(arch: 'x86' | 'x64', tickEvery: number, ops: readonly unknown[], counts: Counts): void {
  const mm = new MemoryManager({
    arch,
    physicalMemory: 40 * 4096,
    pageFile: 96 * 4096,
    tlb: { data: { entries: 8, ways: 2 } },
    replacementPolicy: 'nt',
    nt: { tickEvery, minimumFreePages: 3, plentyFreePages: 8, modifiedWriteThreshold: 4, writeCluster: 4 },
  })
  mm.setRecorder((event) => {
    if (event.type === 'mm.pageTableTrimmed') counts.trimmed++
    else if (event.type === 'mm.pageTableIn' && event.resolution === 'transition') counts.soft++
    else if (event.type === 'mm.pageTableIn' && event.resolution === 'page file') counts.hard++
  })
  const tablePages = arch === 'x86' ? 1024 : 512
  const spaces = new Map<number, { space: AddressSpace; base: number }>()
  for (let p = 1; p <= PROCESSES; p++) {
    const { space } = mm.createAddressSpace(p)
    const area = mm.createArea(space!, {
      size: TABLES * tablePages * 4096,
      protect: PAGE_READWRITE,
      commit: false,
    }).area!
    spaces.set(p, { space: space!, base: area.startingAddress })
    for (let t = 0; t < TABLES; t++) commit(p, t, MEM_COMMIT)
  }
  function commit(p: number, t: number, type: typeof MEM_COMMIT | typeof MEM_RESERVE): void {
    const { space, base } = spaces.get(p)!
    const start = base + t * tablePages * 4096
    const area = mm.locateArea(space, start)!
    expect(mm.alterRegion(space, area, start, WINDOW * 4096, type, PAGE_READWRITE).status).toBe(0)
  }
  const model = new Map<string, number>()
  const committed = new Set<string>()
  for (let p = 1; p <= PROCESSES; p++) for (let t = 0; t < TABLES; t++) committed.add(`${p}:${t}`)
  const at = (p: number, t: number, o: number) => spaces.get(p)!.base + (t * tablePages + o) * 4096
  let step = 0
  for (const raw of ops as { op: string; [key: string]: number | string }[]) {
    if (++step % 12 === 0) expect(mm.checkInvariants()).toEqual([])
    const p = raw.pid as number
    const t = raw.table as number
    const key = `${p}:${t}:${raw.offset}`
    switch (raw.op) {
      case 'write':
        if (!committed.has(`${p}:${t}`)) break
        expect(mm.mmuFor(p).write(at(p, t, raw.offset as number), [raw.value as number]).ok).toBe(true)
        model.set(key, raw.value as number)
        mm.countReferences(1)
        break
      case 'read':
        if (!committed.has(`${p}:${t}`)) break
        expect(mm.mmuFor(p).read(at(p, t, raw.offset as number), 1)).toEqual({
          ok: true,
          data: new Uint8Array([model.get(key) ?? 0]),
        })
        mm.countReferences(1)
        break
      case 'tick':
        mm.balanceSetTick()
        break
      case 'empty':
        mm.emptyWorkingSet(p)
        break
      case 'flush':
        mm.memoryListCommand(MemoryListCommand.MemoryFlushModifiedList)
        break
      case 'purge':
        mm.memoryListCommand(MemoryListCommand.MemoryPurgeStandbyList)
        break
      case 'decommit':
        commit(p, t, MEM_RESERVE)
        committed.delete(`${p}:${t}`)
        for (let o = 0; o < WINDOW; o++) model.delete(`${p}:${t}:${o}`)
        break
      case 'commit':
        commit(p, t, MEM_COMMIT)
        committed.add(`${p}:${t}`)
        break
      case 'limits':
        mm.setWorkingSetLimits(p, {
          minimum: raw.minimum as number,
          maximum: (raw.minimum as number) + (raw.extra as number),
        })
        break
    }
  }
  for (const window of committed) {
    const [p, t] = window.split(':').map(Number) as [number, number]
    for (let o = 0; o < WINDOW; o++)
      expect(mm.mmuFor(p).read(at(p, t, o), 1)).toEqual({
        ok: true,
        data: new Uint8Array([model.get(`${p}:${t}:${o}`) ?? 0]),
      })
  }
  expect(mm.checkInvariants()).toEqual([])
  for (let p = 1; p <= PROCESSES; p++) mm.deleteAddressSpace(p)
  expect(mm.checkInvariants()).toEqual([])
  expect(mm.pageFileState.usedSlots).toBe(0)
  expect(mm.memoryListInformation.modifiedPageCount).toBe(0)
}

describe('nt paging: page tables (property)', () => {
  it.each([
    'x86',
    'x64',
  ] as const)('keeps every page’s contents and every working set, list and slot sound while page tables leave and come back (%s)', (arch) => {
    const counts: Counts = { trimmed: 0, soft: 0, hard: 0 }
    fc.assert(
      fc.property(
        fc.constantFrom(0, 5, 20),
        fc.array(operation, { minLength: 20, maxLength: 120 }),
        (tickEvery, ops) => run(arch, tickEvery, ops, counts),
      ),
      // A recorded seed: the counts below are over the whole run, and a random run of 40 programs
      // now and then reads no page table back from the page file (NT_PAGING_SEED for others).
      { numRuns: Number(process.env.NT_PAGING_RUNS ?? 40), seed: Number(process.env.NT_PAGING_SEED ?? 2121) },
    )
    // Tables left memory and came back both ways.
    expect(counts.trimmed).toBeGreaterThan(0)
    expect(counts.soft).toBeGreaterThan(0)
    expect(counts.hard).toBeGreaterThan(0)
  }, 300_000)
})
