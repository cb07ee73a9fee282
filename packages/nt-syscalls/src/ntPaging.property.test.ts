// Issue 21's property tests through the kernel: random programs of three processes on an 'nt'
// machine far smaller than what they touch, each with private memory, a view of a named pagefile
// section shared by all three and a view of a file-backed section shared by all three, mixing CPU
// reads and writes with kernel.tick(), NtSetInformationProcess (ProcessQuotaLimits,
// ProcessPagePriority), SetProcessWorkingSetSizeEx, EmptyWorkingSet,
// SetProcessInformation(ProcessMemoryPriority), NtLockVirtualMemory / VirtualLock and their
// unlocks, and RAMMap's NtSetSystemInformation(SystemMemoryListInformation) commands. Checked:
// every page's contents (private and shared) survive any trimming, writing and repurposing; the
// machine stays sound (checkKernelInvariants: each frame in one state and the lists adding up to
// the frames, each working-set size equal to the valid PTEs its process's page tables hold, every
// used page-file slot named exactly once); the services' list lengths add up to the available
// pages; the fault counters partition the faults, and per process they add up to the system's.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { createKernel } from './createKernel.js'
import type { Kernel } from './kernel.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'
import type { VmCountersEx } from './ntProcessInformation.js'
import { STATUS_SUCCESS } from './ntStatus.js'
import type { SystemMemoryListInformation, SystemPerformanceInformation } from './ntSystemInformation.js'
import type { Arch } from './userAddressLimits.js'

const PAGE = 0x1000
const ME = -1
const PROCESSES = 3
/** Pages of each range: private per process, the pagefile section's and the file's. */
const PAGES = { private: 12, shared: 6, file: 6 } as const
type Target = keyof typeof PAGES

const target = fc.constantFrom<Target>('private', 'private', 'shared', 'file')
const who = fc.integer({ min: 0, max: PROCESSES - 1 })
const place = fc.record({ who, target, page: fc.integer({ min: 0, max: PAGES.private - 1 }) })
const operation = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      place,
      value: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('read' as const), place }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
  fc.record({
    op: fc.constant('limits' as const),
    who,
    minimum: fc.integer({ min: 1, max: 10 }),
    extra: fc.integer({ min: 0, max: 14 }),
    // 0, hard minimum, the contradictory pairs (STATUS_INVALID_PARAMETER). Not a hard maximum: a
    // view's pages count in the working set but are no entries local replacement can give up (see
    // the known gap below); mm-core's property covers hard maxima over private pages.
    flags: fc.constantFrom(0, 1, 3, 0xc),
    win32: fc.boolean(),
  }),
  fc.record({ op: fc.constant('empty' as const), who }),
  fc.record({
    op: fc.constant('priority' as const),
    who,
    priority: fc.integer({ min: 0, max: 8 }),
    win32: fc.boolean(),
  }),
  fc.record({ op: fc.constant('lock' as const), place, win32: fc.boolean() }),
  fc.record({ op: fc.constant('unlock' as const), place, win32: fc.boolean() }),
  // RAMMap's commands (2-5) and two it does not have.
  fc.record({ op: fc.constant('command' as const), command: fc.constantFrom(1, 2, 3, 4, 5, 6) }),
)
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never

const settings = fc.record({
  tickEvery: fc.constantFrom(0, 3, 10, 40),
  minimumFreePages: fc.integer({ min: 0, max: 6 }),
  plentyExtra: fc.integer({ min: 0, max: 10 }),
  modifiedWriteThreshold: fc.integer({ min: 1, max: 10 }),
  writeCluster: fc.integer({ min: 1, max: 8 }),
})

type Settings = typeof settings extends fc.Arbitrary<infer T> ? T : never

interface Machine {
  readonly kernel: Kernel
  readonly pids: readonly number[]
  /** Per process, the base of each range. */
  readonly bases: readonly Record<Target, number>[]
}

function machine(arch: Arch, options: Settings): Machine {
  const kernel = createKernel({
    arch,
    physicalMemory: 56 * PAGE,
    pageFile: 128 * PAGE,
    replacementPolicy: 'nt',
    nt: {
      tickEvery: options.tickEvery,
      minimumFreePages: options.minimumFreePages,
      plentyFreePages: options.minimumFreePages + options.plentyExtra,
      modifiedWriteThreshold: options.modifiedWriteThreshold,
      writeCluster: options.writeCluster,
    },
  })
  const pids: number[] = []
  const bases: Record<Target, number>[] = []
  for (let index = 0; index < PROCESSES; index++) {
    const pid = kernel.createProcess({ name: `p${index}.exe` }).pid
    const nt = kernel.syscalls(pid)
    const size = PAGES.private * PAGE
    const own = nt.NtAllocateVirtualMemory(ME, 0, 0, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
    // OBJ_OPENIF: the first process creates the named section, the others open it.
    const shared = nt.NtCreateSection(
      0xf001f,
      { name: '\\BaseNamedObjects\\Shared', attributes: 0x80 },
      PAGES.shared * PAGE,
      PAGE_READWRITE,
      0x08000000,
      undefined,
    )
    // FILE_OPEN_IF: one file, created by the first process with a page of its bytes per page.
    const file = nt.NtCreateFile(0xc0000000, { name: '\\??\\C:\\paged.bin' }, undefined, 0, 7, 3, 0)
    if (index === 0) nt.NtWriteFile(file.handle, 0, new Uint8Array(PAGES.file * PAGE))
    const data = nt.NtCreateSection(0xf001f, undefined, undefined, PAGE_READWRITE, 0x08000000, file.handle)
    const view = (handle: number) =>
      nt.NtMapViewOfSection(handle, ME, 0, 0, 0, undefined, 0, 1, 0, PAGE_READWRITE)
    const sharedView = view(shared.handle)
    const fileView = view(data.handle)
    for (const result of [own, sharedView, fileView]) expect(result.status).toBe(STATUS_SUCCESS)
    pids.push(pid)
    bases.push({ private: own.baseAddress, shared: sharedView.baseAddress, file: fileView.baseAddress })
  }
  return { kernel, pids, bases }
}

/** The model's key of a page: private pages per process, section pages per section. */
function keyOf(place: { who: number; target: Target; page: number }): string {
  const page = place.page % PAGES[place.target]
  return place.target === 'private' ? `${place.who}:${page}` : `${place.target}:${page}`
}

function addressOf(m: Machine, place: { who: number; target: Target; page: number }): number {
  return m.bases[place.who]![place.target] + (place.page % PAGES[place.target]) * PAGE
}

function perform(m: Machine, model: Map<string, number>, step: Operation): void {
  const { kernel } = m
  switch (step.op) {
    case 'write': {
      const pid = m.pids[step.place.who]!
      expect(kernel.cpu(pid).write(addressOf(m, step.place), [step.value]).status).toBe(STATUS_SUCCESS)
      model.set(keyOf(step.place), step.value)
      return
    }
    case 'read': {
      const pid = m.pids[step.place.who]!
      const read = kernel.cpu(pid).read(addressOf(m, step.place), 1)
      expect(read).toEqual({
        status: STATUS_SUCCESS,
        data: new Uint8Array([model.get(keyOf(step.place)) ?? 0]),
      })
      return
    }
    case 'tick':
      kernel.tick()
      return
    case 'limits': {
      const pid = m.pids[step.who]!
      const minimum = step.minimum * PAGE
      const maximum = (step.minimum + step.extra) * PAGE
      if (step.win32) kernel.win32(pid).SetProcessWorkingSetSizeEx(ME, minimum, maximum, step.flags)
      else
        kernel.syscalls(pid).NtSetInformationProcess(ME, 1, {
          minimumWorkingSetSize: minimum,
          maximumWorkingSetSize: maximum,
          flags: step.flags,
        })
      return
    }
    case 'empty':
      expect(kernel.win32(m.pids[step.who]!).EmptyWorkingSet(ME)).toBe(true)
      return
    case 'priority': {
      const pid = m.pids[step.who]!
      if (step.win32) kernel.win32(pid).SetProcessInformation(ME, 0, { memoryPriority: step.priority })
      else kernel.syscalls(pid).NtSetInformationProcess(ME, 39, step.priority)
      return
    }
    case 'lock':
    case 'unlock': {
      const pid = m.pids[step.place.who]!
      const address = addressOf(m, step.place)
      // Beyond the working-set quota a lock fails (STATUS_WORKING_SET_QUOTA): either way sound.
      if (step.win32) {
        const win32 = kernel.win32(pid)
        if (step.op === 'lock') win32.VirtualLock(address, PAGE)
        else win32.VirtualUnlock(address, PAGE)
      } else {
        const nt = kernel.syscalls(pid)
        if (step.op === 'lock') nt.NtLockVirtualMemory(ME, address, PAGE, 1)
        else nt.NtUnlockVirtualMemory(ME, address, PAGE, 1)
      }
      return
    }
    case 'command':
      kernel.syscalls(m.pids[0]!).NtSetSystemInformation(80, step.command)
      return
  }
}

function run(arch: Arch, options: Settings, steps: readonly Operation[]): Machine {
  const m = machine(arch, options)
  const model = new Map<string, number>()
  steps.forEach((step, index) => {
    perform(m, model, step)
    if (index % 8 === 7) expect(checkKernelInvariants(m.kernel)).toEqual([])
  })
  // Every page, read back through each process that maps it, holds what was last written.
  for (let who = 0; who < PROCESSES; who++)
    for (const range of Object.keys(PAGES) as Target[])
      for (let page = 0; page < PAGES[range]; page++) {
        const place = { who, target: range, page }
        const read = m.kernel.cpu(m.pids[who]!).read(addressOf(m, place), 1)
        expect(read).toEqual({ status: STATUS_SUCCESS, data: new Uint8Array([model.get(keyOf(place)) ?? 0]) })
      }
  expect(checkKernelInvariants(m.kernel)).toEqual([])
  return m
}

describe("'nt' paging through the kernel (property)", () => {
  it.each<Arch>([
    'x86',
    'x64',
  ])('keeps private and section pages, the lists, the slots and the fault counters sound across three processes (%s)', (arch) => {
    const seen = { soft: 0, hard: 0, written: 0 }
    fc.assert(
      fc.property(settings, fc.array(operation, { minLength: 30, maxLength: 140 }), (options, steps) => {
        const { kernel, pids } = run(arch, options, steps)
        const nt = kernel.syscalls(pids[0]!)
        const performance = nt.NtQuerySystemInformation(2).info as SystemPerformanceInformation
        const lists = nt.NtQuerySystemInformation(80).info as SystemMemoryListInformation
        const counters = kernel.mm.counters
        // The lists the services report add up to the available pages (zeroed, free, standby).
        const standby = lists.pageCountByPriority.reduce((sum, count) => sum + count, 0)
        expect(lists.zeroPageCount + lists.freePageCount + standby).toBe(performance.availablePages)
        expect(lists.modifiedPageCount).toBe(counters.modifiedPages)
        // Every fault is exactly one kind: these programs take no access violation, guard page or
        // failed fault, so demand-zero, transition, hard (a page read: no clustered page-in),
        // copy-on-write and spurious faults partition them, a page table's own fault included.
        expect(counters.accessViolations + counters.guardPageFaults + counters.failedFaults).toBe(0)
        expect(performance.pageFaultCount).toBe(
          performance.demandZeroCount +
            performance.transitionCount +
            performance.pageReadCount +
            performance.copyOnWriteCount +
            counters.spuriousFaults,
        )
        // Page reads: the hard faults, and the page tables read back from the page file.
        expect(performance.pageReadCount).toBeGreaterThanOrEqual(counters.hardFaults)
        expect(performance.dirtyWriteIoCount).toBeLessThanOrEqual(performance.dirtyPagesWriteCount)
        // Each process's ProcessVmCounters count its faults; together they are the system's.
        let perProcess = 0
        for (const pid of pids) {
          const vm = kernel.syscalls(pid).NtQueryInformationProcess(ME, 3).info as VmCountersEx
          perProcess += vm.pageFaultCount
        }
        expect(perProcess).toBe(performance.pageFaultCount)
        seen.soft += performance.transitionCount
        seen.hard += counters.hardFaults
        seen.written += counters.pagesWritten
      }),
      { numRuns: Number(process.env.NT_PAGING_RUNS ?? 40), seed: 0x21 },
    )
    // The machine is small enough that page writes, soft and hard faults all happened.
    expect(seen.soft).toBeGreaterThan(0)
    expect(seen.hard).toBeGreaterThan(0)
    expect(seen.written).toBeGreaterThan(0)
  }, 300_000)
})

describe("'nt' hard working-set maximum and section views", () => {
  // Found by the property above when a view's resident pages counted in the working-set size while
  // the working-set list held private pages only, so local replacement at a hard maximum
  // (QUOTA_LIMITS_HARDWS_MAX_ENABLE) could not give one up. As on Windows, a shared page is now an
  // entry of each mapping process's working set, trimmed like any other.
  it('keeps a process with a hard maximum of 2 pages at 2 while it touches a 6-page view', () => {
    const m = machine('x86', {
      tickEvery: 0,
      minimumFreePages: 0,
      plentyExtra: 0,
      modifiedWriteThreshold: 4,
      writeCluster: 4,
    })
    const pid = m.pids[0]!
    const nt = m.kernel.syscalls(pid)
    const limits = { minimumWorkingSetSize: PAGE, maximumWorkingSetSize: 2 * PAGE, flags: 4 }
    expect(nt.NtSetInformationProcess(ME, 1, limits).status).toBe(STATUS_SUCCESS)
    for (let page = 0; page < PAGES.shared; page++)
      m.kernel.cpu(pid).write(m.bases[0]!.shared + page * PAGE, [page + 1])
    const vm = nt.NtQueryInformationProcess(ME, 3).info as VmCountersEx
    expect(vm.workingSetSize).toBeLessThanOrEqual(2 * PAGE)
  })
})
