// VM_COUNTERS' VirtualSize and PeakVirtualSize under random programs of two processes: reservations
// (some committed at once), commits and decommits inside them, whole and partial releases, views of
// pagefile sections mapped and unmapped, touches, and calls that fail. After every call each
// process's VirtualSize is the bytes its areas (VADs) span, PeakVirtualSize the largest VirtualSize
// it has had (each service changes it by its net amount, as ARM3's do), so never below it; and the
// machine the trace rebuilds, at any of those points (kernel.at) and at its end (Kernel.fromLog),
// reports what the live machine reported.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import { Kernel } from './kernel.js'
import { MEM_COMMIT, MEM_DECOMMIT, MEM_RELEASE, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'
import type { VmCountersEx } from './ntProcessInformation.js'
import { NtCurrentProcess } from './objectManager.js'
import { SEC_COMMIT, SEC_RESERVE, SECTION_ALL_ACCESS, ViewShare } from './sectionConstants.js'

const P = 0x1000
const me = NtCurrentProcess

const who = fc.integer({ min: 0, max: 1 })
/** Which of the process's live allocations (views or reservations) an operation picks, modulo their count. */
const pick = fc.nat({ max: 15 })
const operation = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('reserve' as const),
      who,
      pages: fc.integer({ min: 1, max: 40 }),
      commit: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('commit' as const), who, pick, page: pick, pages: pick }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('decommit' as const), who, pick, page: pick, pages: pick }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('release' as const), who, pick }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('releasePart' as const), who, pick, page: pick, pages: pick }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('map' as const),
      who,
      pages: fc.integer({ min: 1, max: 12 }),
      reserve: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unmap' as const), who, pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('touch' as const), who, pick, page: pick }) },
  // A reservation over a live one (STATUS_CONFLICTING_ADDRESSES): no change.
  { weight: 1, arbitrary: fc.record({ op: fc.constant('conflict' as const), who, pick }) },
)
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never

interface Allocation {
  base: number
  pages: number
}

function areaBytes(kernel: Kernel, pid: number): number {
  let bytes = 0
  for (const area of kernel.mm.addressSpace(pid)!.tree.areas())
    bytes += area.endingAddress - area.startingAddress
  return bytes
}

function run(operations: readonly Operation[]): void {
  const kernel = createKernel({ physicalMemory: 1 << 20, pageFile: 4 << 20, record: true })
  const pids = [kernel.createProcess({ name: 'a.exe' }).pid, kernel.createProcess({ name: 'b.exe' }).pid]
  const reservations = pids.map((): Allocation[] => [])
  const views = pids.map((): Allocation[] => [])
  const highest = pids.map((pid) => areaBytes(kernel, pid))
  const points: { seq: number; counters: VmCountersEx[] }[] = []
  for (const step of operations) {
    const pid = pids[step.who]!
    const nt = kernel.syscalls(pid)
    const mine = reservations[step.who]!
    const chosen = 'pick' in step && mine.length > 0 ? mine[step.pick % mine.length] : undefined
    const range = (allocation: Allocation, page: number, pages: number) => {
      const first = page % allocation.pages
      return [allocation.base + first * P, (1 + (pages % (allocation.pages - first))) * P] as const
    }
    switch (step.op) {
      case 'reserve': {
        const type = step.commit ? MEM_RESERVE | MEM_COMMIT : MEM_RESERVE
        const result = nt.NtAllocateVirtualMemory(me, 0, 0, step.pages * P, type, PAGE_READWRITE)
        if (result.status === 0) mine.push({ base: result.baseAddress, pages: step.pages })
        break
      }
      case 'commit':
      case 'decommit':
        if (chosen !== undefined) {
          const [base, size] = range(chosen, step.page, step.pages)
          if (step.op === 'commit') nt.NtAllocateVirtualMemory(me, base, 0, size, MEM_COMMIT, PAGE_READWRITE)
          else nt.NtFreeVirtualMemory(me, base, size, MEM_DECOMMIT)
        }
        break
      case 'release':
        if (chosen !== undefined) {
          nt.NtFreeVirtualMemory(me, chosen.base, 0, MEM_RELEASE)
          mine.splice(mine.indexOf(chosen), 1)
        }
        break
      case 'releasePart':
        // Partial releases split a reservation; its pieces are not tracked further (they still
        // count, and the whole-area invariant below covers them).
        if (chosen !== undefined) {
          const [base, size] = range(chosen, step.page, step.pages)
          nt.NtFreeVirtualMemory(me, base, size, MEM_RELEASE)
          mine.splice(mine.indexOf(chosen), 1)
        }
        break
      case 'map': {
        const attributes = step.reserve ? SEC_RESERVE : SEC_COMMIT
        const section = nt.NtCreateSection(
          SECTION_ALL_ACCESS,
          undefined,
          step.pages * P,
          PAGE_READWRITE,
          attributes,
          undefined,
        )
        const view = nt.NtMapViewOfSection(section.handle, me, 0, 0, 0, 0, 0, ViewShare, 0, PAGE_READWRITE)
        nt.NtClose(section.handle)
        if (view.status === 0) views[step.who]!.push({ base: view.baseAddress, pages: step.pages })
        break
      }
      case 'unmap': {
        const list = views[step.who]!
        if (list.length > 0) {
          const [view] = list.splice(step.pick % list.length, 1)
          nt.NtUnmapViewOfSection(me, view!.base)
        }
        break
      }
      case 'touch':
        if (chosen !== undefined) kernel.cpu(pid).write(chosen.base + (step.page % chosen.pages) * P, [7])
        break
      case 'conflict':
        if (chosen !== undefined)
          expect(
            nt.NtAllocateVirtualMemory(me, chosen.base, 0, P, MEM_RESERVE, PAGE_READWRITE).status,
          ).not.toBe(0)
        break
    }
    const counters = pids.map(
      (each) => kernel.syscalls(each).NtQueryInformationProcess(me, 3).info as VmCountersEx,
    )
    pids.forEach((each, index) => {
      const info = counters[index]!
      highest[index] = Math.max(highest[index]!, info.virtualSize)
      expect(info.virtualSize).toBe(areaBytes(kernel, each))
      expect(info.peakVirtualSize).toBeGreaterThanOrEqual(info.virtualSize)
      expect(info.peakVirtualSize).toBe(highest[index])
    })
    points.push({ seq: kernel.eventCount - 1, counters })
  }
  // Time travel: the machine after each call, rebuilt from the trace, reports what the live one did.
  for (const { seq, counters } of points.filter((_, index) => index % 3 === 0)) {
    const past = kernel.at(seq)
    pids.forEach((each, index) => {
      const info = past.mm.processWorkingSet(each)!
      expect([info.virtualSize, info.peakVirtualSize]).toEqual([
        counters[index]!.virtualSize,
        counters[index]!.peakVirtualSize,
      ])
    })
  }
  // Replay: the trace applied to a new machine.
  const replayed = Kernel.fromLog(kernel.trace!, kernel.config)
  for (const each of pids) {
    const live = kernel.mm.processWorkingSet(each)!
    const rebuilt = replayed.mm.processWorkingSet(each)!
    expect([rebuilt.virtualSize, rebuilt.peakVirtualSize]).toEqual([live.virtualSize, live.peakVirtualSize])
  }
}

describe('VirtualSize and PeakVirtualSize (property)', () => {
  it('VirtualSize is the bytes of the process’s areas, the peak its largest value, also after replay and time travel', () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 40 }), (operations) => run(operations)),
      { numRuns: Number(process.env.VIRTUAL_SIZE_RUNS ?? 40), seed: 0x5653 },
    )
  })
})
