// Table tests of the working-set and physical-memory services (docs/nt-syscalls.md "Working sets
// and physical memory"; NT-PAGING.md §3.5, §4): each row names the rule it checks (status, check
// order, rounding, out-values), on a small machine that does not record.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import {
  PROCESS_QUERY_LIMITED_INFORMATION,
  PROCESS_SET_INFORMATION,
  PROCESS_SET_QUOTA,
  PROCESS_VM_READ,
} from './accessRights.js'
import { createKernel } from './createKernel.js'
import type { KernelOptions } from './kernel.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_NOACCESS, PAGE_READWRITE } from './memoryConstants.js'
import {
  STATUS_ACCESS_DENIED,
  STATUS_ACCESS_VIOLATION,
  STATUS_INFO_LENGTH_MISMATCH,
  STATUS_INVALID_HANDLE,
  STATUS_INVALID_INFO_CLASS,
  STATUS_INVALID_PARAMETER,
  STATUS_NOT_IMPLEMENTED,
  STATUS_NOT_LOCKED,
  STATUS_PRIVILEGE_NOT_HELD,
  STATUS_SUCCESS,
  STATUS_WAS_LOCKED,
  STATUS_WORKING_SET_QUOTA,
} from './ntStatus.js'
import type { VmCountersEx } from './ntProcessInformation.js'
import type { SystemMemoryListInformation, SystemPerformanceInformation } from './ntSystemInformation.js'
import { createTestKernel } from './testing/createTestKernel.js'
import { callHarness, hostileCall, performCall } from './testing/hostileCalls.js'

const PAGE = 0x1000
const ME = -1

/** A 4 MiB 'nt' machine without automatic ticks (1024 frames: minimum 16 pages, maximum 345, 12 lockable). */
function ntMachine(options: KernelOptions = {}) {
  const { kernel, pid } = createTestKernel({ replacementPolicy: 'nt', nt: { tickEvery: 0 }, ...options })
  const nt = kernel.syscalls(pid)
  const base = nt.NtAllocateVirtualMemory(
    ME,
    0,
    0,
    64 * PAGE,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_READWRITE,
  ).baseAddress
  const touch = (pages: number) => {
    for (let index = 0; index < pages; index++) kernel.cpu(pid).write(base + index * PAGE, [1])
  }
  const ws = () => kernel.mm.processWorkingSet(pid)!
  return { kernel, pid, nt, base, touch, ws }
}

describe('NtQueryInformationProcess', () => {
  it('returns VM_COUNTERS_EX for ProcessVmCounters (3), sizes in bytes', () => {
    const { nt, touch } = ntMachine()
    const before = nt.NtQueryInformationProcess(ME, 3).info as VmCountersEx
    touch(3)
    const result = nt.NtQueryInformationProcess(ME, 3)
    expect(result.status).toBe(STATUS_SUCCESS)
    const info = result.info as VmCountersEx
    expect(Object.keys(info)).toEqual([
      'peakVirtualSize',
      'virtualSize',
      'pageFaultCount',
      'peakWorkingSetSize',
      'workingSetSize',
      'quotaPeakPagedPoolUsage',
      'quotaPagedPoolUsage',
      'quotaPeakNonPagedPoolUsage',
      'quotaNonPagedPoolUsage',
      'pagefileUsage',
      'peakPagefileUsage',
      'privateUsage',
    ])
    expect(info.pageFaultCount - before.pageFaultCount).toBeGreaterThanOrEqual(3)
    expect(info.workingSetSize - before.workingSetSize).toBeGreaterThanOrEqual(3 * PAGE)
    expect(info.workingSetSize % PAGE).toBe(0)
    expect(info.privateUsage).toBeGreaterThanOrEqual(64 * PAGE)
    expect(info.pagefileUsage).toBe(info.privateUsage)
  })

  it.each([
    [
      'STATUS_INVALID_INFO_CLASS for a class it does not answer, before the handle',
      0x1234,
      2,
      STATUS_INVALID_INFO_CLASS,
    ],
    ['STATUS_INVALID_INFO_CLASS for a class that is no ULONG', ME, 'x', STATUS_INVALID_INFO_CLASS],
    ['STATUS_INVALID_HANDLE for a handle that names nothing', 0x1234, 3, STATUS_INVALID_HANDLE],
    ['STATUS_INVALID_HANDLE for a handle that is no number', 'h', 3, STATUS_INVALID_HANDLE],
  ] as const)('returns %s', (_rule, handle, infoClass, status) => {
    const { nt } = ntMachine()
    const result = nt.NtQueryInformationProcess(handle as number, infoClass as number)
    expect(result).toEqual({ status })
  })

  it('returns STATUS_ACCESS_DENIED without PROCESS_QUERY_LIMITED_INFORMATION', () => {
    const { kernel, nt } = ntMachine()
    const other = kernel.createProcess().pid
    const denied = nt.NtOpenProcess(PROCESS_VM_READ, other).handle
    expect(nt.NtQueryInformationProcess(denied, 3).status).toBe(STATUS_ACCESS_DENIED)
    const allowed = nt.NtOpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, other).handle
    expect(nt.NtQueryInformationProcess(allowed, 3).status).toBe(STATUS_SUCCESS)
  })

  it('answers under a textbook policy from what the machine knows', () => {
    const { kernel, pid } = createTestKernel({ replacementPolicy: 'fifo' })
    const result = kernel.syscalls(pid).NtQueryInformationProcess(ME, 3)
    expect(result.status).toBe(STATUS_SUCCESS)
    expect((result.info as VmCountersEx).pageFaultCount).toBe(0)
  })
})

describe('NtSetInformationProcess', () => {
  it.each([
    [
      'STATUS_INVALID_INFO_CLASS for another class, before the buffer and the handle',
      0x1234,
      2,
      'x',
      STATUS_INVALID_INFO_CLASS,
    ],
    [
      'STATUS_INFO_LENGTH_MISMATCH when the value is no QUOTA_LIMITS_EX, before the handle',
      0x1234,
      1,
      'x',
      STATUS_INFO_LENGTH_MISMATCH,
    ],
    [
      'STATUS_INFO_LENGTH_MISMATCH for a QUOTA_LIMITS_EX with a non-number field',
      ME,
      1,
      { minimumWorkingSetSize: '1', maximumWorkingSetSize: 2 },
      STATUS_INFO_LENGTH_MISMATCH,
    ],
    [
      'STATUS_INFO_LENGTH_MISMATCH for a priority that is no ULONG',
      ME,
      39,
      { priority: 1 },
      STATUS_INFO_LENGTH_MISMATCH,
    ],
    ['STATUS_INVALID_HANDLE for a handle that names nothing', 0x1234, 39, 2, STATUS_INVALID_HANDLE],
    [
      'STATUS_INVALID_PARAMETER for minimum > maximum',
      ME,
      1,
      { minimumWorkingSetSize: 40 * PAGE, maximumWorkingSetSize: 20 * PAGE },
      STATUS_INVALID_PARAMETER,
    ],
    [
      'STATUS_INVALID_PARAMETER for a maximum above the RAM',
      ME,
      1,
      { minimumWorkingSetSize: 20 * PAGE, maximumWorkingSetSize: 2048 * PAGE },
      STATUS_INVALID_PARAMETER,
    ],
    [
      'STATUS_INVALID_PARAMETER for both hard-minimum flags',
      ME,
      1,
      { minimumWorkingSetSize: 20 * PAGE, maximumWorkingSetSize: 40 * PAGE, flags: 3 },
      STATUS_INVALID_PARAMETER,
    ],
    ['STATUS_INVALID_PARAMETER for a priority above 7', ME, 39, 8, STATUS_INVALID_PARAMETER],
    ['STATUS_SUCCESS for a priority of 0-7', ME, 39, 7, STATUS_SUCCESS],
    [
      'STATUS_SUCCESS for limits within the RAM',
      ME,
      1,
      { minimumWorkingSetSize: 20 * PAGE, maximumWorkingSetSize: 40 * PAGE },
      STATUS_SUCCESS,
    ],
  ] as const)('returns %s', (_rule, handle, infoClass, info, status) => {
    const { nt } = ntMachine()
    expect(nt.NtSetInformationProcess(handle as number, infoClass as number, info)).toEqual({ status })
  })

  it('checks PROCESS_SET_QUOTA for ProcessQuotaLimits and PROCESS_SET_INFORMATION for ProcessPagePriority', () => {
    const { kernel, nt } = ntMachine()
    const other = kernel.createProcess().pid
    const quota = nt.NtOpenProcess(PROCESS_SET_QUOTA, other).handle
    const information = nt.NtOpenProcess(PROCESS_SET_INFORMATION, other).handle
    const limits = { minimumWorkingSetSize: 20 * PAGE, maximumWorkingSetSize: 40 * PAGE }
    expect(nt.NtSetInformationProcess(information, 1, limits).status).toBe(STATUS_ACCESS_DENIED)
    expect(nt.NtSetInformationProcess(quota, 1, limits).status).toBe(STATUS_SUCCESS)
    expect(nt.NtSetInformationProcess(quota, 39, 2).status).toBe(STATUS_ACCESS_DENIED)
    expect(nt.NtSetInformationProcess(information, 39, 2).status).toBe(STATUS_SUCCESS)
    expect(kernel.mm.processWorkingSet(other)?.pagePriority).toBe(2)
  })

  it('turns bytes into pages by truncation and keeps a limit passed as 0', () => {
    const { nt, ws } = ntMachine()
    const set = (minimum: number, maximum: number) =>
      nt.NtSetInformationProcess(ME, 1, { minimumWorkingSetSize: minimum, maximumWorkingSetSize: maximum })
        .status
    expect(set(20 * PAGE + 0xfff, 40 * PAGE + 1)).toBe(STATUS_SUCCESS)
    expect([ws().minimumWorkingSetSize, ws().maximumWorkingSetSize]).toEqual([20 * PAGE, 40 * PAGE])
    expect(set(0, 50 * PAGE)).toBe(STATUS_SUCCESS)
    expect([ws().minimumWorkingSetSize, ws().maximumWorkingSetSize]).toEqual([20 * PAGE, 50 * PAGE])
    expect(set(0, 0)).toBe(STATUS_SUCCESS)
    expect([ws().minimumWorkingSetSize, ws().maximumWorkingSetSize]).toEqual([20 * PAGE, 50 * PAGE])
    const limits = nt.NtQueryInformationProcess(ME, 1)
    expect(limits.info).toMatchObject({
      minimumWorkingSetSize: 20 * PAGE,
      maximumWorkingSetSize: 50 * PAGE,
      flags: 0,
    })
  })

  it.each([
    ['x86', 0xffffffff],
    ['x86', -1],
    ['x64', -1],
  ] as const)('empties the working set for (SIZE_T)-1, (SIZE_T)-1 (%s, %d)', (arch, allOnes) => {
    const { nt, touch, ws } = ntMachine({ arch })
    touch(5)
    expect(ws().workingSetSize).toBeGreaterThan(0)
    const status = nt.NtSetInformationProcess(ME, 1, {
      minimumWorkingSetSize: allOnes,
      maximumWorkingSetSize: allOnes,
    })
    expect(status.status).toBe(STATUS_SUCCESS)
    // Only the page table is left: it maps the pages now in transition (NT-PAGING.md §3.8).
    expect(ws().workingSetSize).toBe(PAGE)
  })

  it('answers STATUS_NOT_IMPLEMENTED under a textbook policy, after the checks', () => {
    const { kernel, pid } = createTestKernel({ replacementPolicy: 'lru' })
    const nt = kernel.syscalls(pid)
    const limits = { minimumWorkingSetSize: 20 * PAGE, maximumWorkingSetSize: 40 * PAGE }
    expect(nt.NtSetInformationProcess(0x1234, 1, limits).status).toBe(STATUS_INVALID_HANDLE)
    expect(nt.NtSetInformationProcess(ME, 1, limits).status).toBe(STATUS_NOT_IMPLEMENTED)
    expect(nt.NtSetInformationProcess(ME, 39, 3).status).toBe(STATUS_NOT_IMPLEMENTED)
  })
})

describe('NtQuerySystemInformation', () => {
  it('returns SystemPerformanceInformation (2) with the paging counters, in pages', () => {
    const { nt, touch } = ntMachine()
    const before = nt.NtQuerySystemInformation(2).info as SystemPerformanceInformation
    touch(4)
    const result = nt.NtQuerySystemInformation(2)
    expect(result.status).toBe(STATUS_SUCCESS)
    const info = result.info as SystemPerformanceInformation
    expect(Object.keys(info)).toEqual([
      'availablePages',
      'committedPages',
      'commitLimit',
      'peakCommitment',
      'pageFaultCount',
      'copyOnWriteCount',
      'transitionCount',
      'demandZeroCount',
      'pageReadCount',
      'pageReadIoCount',
      'dirtyPagesWriteCount',
      'dirtyWriteIoCount',
      'mappedPagesWriteCount',
      'mappedWriteIoCount',
    ])
    expect(info.demandZeroCount - before.demandZeroCount).toBeGreaterThanOrEqual(4)
    expect(info.availablePages).toBeLessThan(before.availablePages)
    expect(info.committedPages).toBeLessThanOrEqual(info.commitLimit)
  })

  it('returns SystemMemoryListInformation (80): the lists add up to at most the frames', () => {
    const { kernel, nt, touch } = ntMachine()
    touch(10)
    const info = nt.NtQuerySystemInformation(80).info as SystemMemoryListInformation
    expect(info.pageCountByPriority).toHaveLength(8)
    expect(info.repurposedPagesByPriority).toHaveLength(8)
    const listed =
      info.zeroPageCount +
      info.freePageCount +
      info.modifiedPageCount +
      info.modifiedNoWritePageCount +
      info.badPageCount +
      info.pageCountByPriority.reduce((sum, count) => sum + count, 0)
    expect(listed).toBeLessThanOrEqual(kernel.mm.mmu.frames.frameCount)
    expect(info.modifiedPageCountPageFile).toBeLessThanOrEqual(info.modifiedPageCount)
  })

  it.each([
    ['STATUS_INVALID_INFO_CLASS for a class it does not answer', 5],
    ['STATUS_INVALID_INFO_CLASS for a class that is no ULONG', Number.NaN],
  ])('returns %s', (_rule, infoClass) => {
    const { nt } = ntMachine()
    expect(nt.NtQuerySystemInformation(infoClass)).toEqual({ status: STATUS_INVALID_INFO_CLASS })
  })

  it('answers SystemBasicInformation (0) with the machine size', () => {
    const { nt } = ntMachine()
    expect(nt.NtQuerySystemInformation(0).info).toMatchObject({ pageSize: PAGE, numberOfPhysicalPages: 1024 })
  })
})

describe('NtSetSystemInformation', () => {
  it.each([
    ['STATUS_INVALID_INFO_CLASS for another class', 2, 4, STATUS_INVALID_INFO_CLASS],
    ['STATUS_INFO_LENGTH_MISMATCH for a command that is no ULONG', 80, 'purge', STATUS_INFO_LENGTH_MISMATCH],
    ['STATUS_NOT_IMPLEMENTED for MemoryCaptureAccessedBits (0)', 80, 0, STATUS_NOT_IMPLEMENTED],
    [
      'STATUS_INVALID_PARAMETER for a command past MemoryPurgeLowPriorityStandbyList',
      80,
      6,
      STATUS_INVALID_PARAMETER,
    ],
    ['STATUS_SUCCESS for MemoryFlushModifiedList (3)', 80, 3, STATUS_SUCCESS],
  ] as const)('returns %s', (_rule, infoClass, command, status) => {
    const { nt } = ntMachine()
    expect(nt.NtSetSystemInformation(infoClass, command as number)).toEqual({ status })
  })

  it('empties every working set (2), flushes the modified list (3), purges the standby list (4)', () => {
    const { nt, touch, ws } = ntMachine()
    touch(8)
    expect(nt.NtSetSystemInformation(80, 2).status).toBe(STATUS_SUCCESS)
    // The page table stays while it maps pages in transition.
    expect(ws().workingSetSize).toBe(PAGE)
    const lists = () => nt.NtQuerySystemInformation(80).info as SystemMemoryListInformation
    expect(lists().modifiedPageCount).toBeGreaterThanOrEqual(8)
    expect(nt.NtSetSystemInformation(80, 3).status).toBe(STATUS_SUCCESS)
    expect(lists().modifiedPageCount).toBe(0)
    expect(lists().pageCountByPriority.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(8)
    expect(nt.NtSetSystemInformation(80, 4).status).toBe(STATUS_SUCCESS)
    expect(lists().pageCountByPriority).toEqual([0, 0, 0, 0, 0, 0, 0, 0])
  })

  it('answers STATUS_NOT_IMPLEMENTED under a textbook policy', () => {
    const { kernel, pid } = createTestKernel({ replacementPolicy: 'clock' })
    expect(kernel.syscalls(pid).NtSetSystemInformation(80, 4).status).toBe(STATUS_NOT_IMPLEMENTED)
  })
})

describe('NtLockVirtualMemory / NtUnlockVirtualMemory', () => {
  it.each([
    [
      'STATUS_INVALID_PARAMETER for MapType 0, before the handle',
      0x1234,
      0,
      PAGE,
      0,
      STATUS_INVALID_PARAMETER,
    ],
    ['STATUS_INVALID_PARAMETER for an unknown MapType bit', ME, 0, PAGE, 5, STATUS_INVALID_PARAMETER],
    ['STATUS_INVALID_PARAMETER for a zero size', ME, 0, 0, 1, STATUS_INVALID_PARAMETER],
    [
      'STATUS_INVALID_PARAMETER for a base above the highest user address',
      ME,
      0x8000_0000,
      PAGE,
      1,
      STATUS_INVALID_PARAMETER,
    ],
    [
      'STATUS_INVALID_PARAMETER for a range past the highest user address',
      ME,
      0x7ffe_0000,
      0x20000,
      1,
      STATUS_INVALID_PARAMETER,
    ],
    ['STATUS_INVALID_HANDLE for a handle that names nothing', 0x1234, 0, PAGE, 1, STATUS_INVALID_HANDLE],
    [
      'STATUS_PRIVILEGE_NOT_HELD for MAP_SYSTEM (no SeLockMemoryPrivilege)',
      ME,
      0,
      PAGE,
      2,
      STATUS_PRIVILEGE_NOT_HELD,
    ],
  ] as const)('returns %s', (_rule, handle, offset, size, mapType, status) => {
    const { nt, base } = ntMachine()
    const address = offset >= 0x7ffe_0000 ? offset : base + offset
    const result = nt.NtLockVirtualMemory(handle, address, size, mapType)
    expect(result).toEqual({ status, baseAddress: address, regionSize: size })
  })

  it('rounds the range to pages, faults the pages in first and locks them', () => {
    const { nt, base, ws } = ntMachine()
    const result = nt.NtLockVirtualMemory(ME, base + 0x800, PAGE, 1)
    expect(result).toEqual({ status: STATUS_SUCCESS, baseAddress: base, regionSize: 2 * PAGE })
    expect(ws().lockedPages).toEqual([base, base + PAGE])
    expect(nt.NtLockVirtualMemory(ME, base, PAGE, 1).status).toBe(STATUS_WAS_LOCKED)
  })

  it('keeps locked pages through an emptied working set', () => {
    const { nt, base, touch, ws } = ntMachine()
    touch(6)
    expect(nt.NtLockVirtualMemory(ME, base, 2 * PAGE, 1).status).toBe(STATUS_SUCCESS)
    nt.NtSetInformationProcess(ME, 1, { minimumWorkingSetSize: -1, maximumWorkingSetSize: -1 })
    // The locked pages and their page table.
    expect(ws().workingSetSize).toBe(3 * PAGE)
  })

  it('returns the fault status of a page that cannot be read (STATUS_ACCESS_VIOLATION for NOACCESS)', () => {
    const { nt, base } = ntMachine()
    nt.NtProtectVirtualMemory(ME, base + PAGE, PAGE, PAGE_NOACCESS)
    expect(nt.NtLockVirtualMemory(ME, base, 2 * PAGE, 1).status).toBe(STATUS_ACCESS_VIOLATION)
  })

  it('returns STATUS_WORKING_SET_QUOTA past the minimum less its overhead (a quarter, 1 to 8 pages)', () => {
    const { nt, base, ws } = ntMachine()
    const minimum = ws().minimumWorkingSetSize / PAGE
    const lockable = minimum - Math.max(1, Math.min(8, Math.floor(minimum / 4)))
    expect(nt.NtLockVirtualMemory(ME, base, lockable * PAGE, 1).status).toBe(STATUS_SUCCESS)
    expect(nt.NtLockVirtualMemory(ME, base + lockable * PAGE, PAGE, 1).status).toBe(STATUS_WORKING_SET_QUOTA)
    expect(ws().lockedPages).toHaveLength(lockable)
  })

  it('unlocks a locked range and returns STATUS_NOT_LOCKED, unlocking nothing, when a page is not locked', () => {
    const { nt, base, ws } = ntMachine()
    nt.NtLockVirtualMemory(ME, base, 2 * PAGE, 1)
    expect(nt.NtUnlockVirtualMemory(ME, base, 3 * PAGE, 1).status).toBe(STATUS_NOT_LOCKED)
    expect(ws().lockedPages).toHaveLength(2)
    expect(nt.NtUnlockVirtualMemory(ME, base + 1, 2 * PAGE - 1, 1)).toEqual({
      status: STATUS_SUCCESS,
      baseAddress: base,
      regionSize: 2 * PAGE,
    })
    expect(ws().lockedPages).toEqual([])
  })

  it('answers STATUS_NOT_IMPLEMENTED under a textbook policy without touching a page', () => {
    const { kernel, pid } = createTestKernel({ replacementPolicy: 'fifo' })
    const nt = kernel.syscalls(pid)
    const base = nt.NtAllocateVirtualMemory(
      ME,
      0,
      0,
      PAGE,
      MEM_RESERVE | MEM_COMMIT,
      PAGE_READWRITE,
    ).baseAddress
    const faults = kernel.mm.systemPagingCounters.pageFaultCount
    expect(nt.NtLockVirtualMemory(ME, base, PAGE, 1).status).toBe(STATUS_NOT_IMPLEMENTED)
    expect(nt.NtUnlockVirtualMemory(ME, base, PAGE, 1).status).toBe(STATUS_NOT_IMPLEMENTED)
    expect(kernel.mm.systemPagingCounters.pageFaultCount).toBe(faults)
  })
})

describe('kernel.tick and tickEvery', () => {
  it('runs a balance-set tick on kernel.tick() and returns its number (0 under another policy)', () => {
    const { kernel } = ntMachine()
    expect(kernel.tick()).toBe(1)
    expect(kernel.tick()).toBe(2)
    expect(createTestKernel({ replacementPolicy: 'fifo' }).kernel.tick()).toBe(0)
  })

  it('counts each CPU access as one reference toward the next tick (tickEvery)', () => {
    const { kernel, pid, base } = ntMachine({ nt: { tickEvery: 10 } })
    const cpu = kernel.cpu(pid)
    for (let index = 0; index < 25; index++) cpu.read(base + (index % 4) * PAGE, 4)
    expect(kernel.mm.systemPagingCounters.balanceSetTicks).toBe(2)
    expect(kernel.tick()).toBe(3)
  })

  it.each([
    true,
    'deferred',
    'eager',
  ] as const)("records under replacementPolicy 'nt' (record: %s): kernel.tick() is an input of the trace", (record) => {
    const kernel = createKernel({
      replacementPolicy: 'nt',
      physicalMemory: 1 << 20,
      nt: { tickEvery: 4 },
      record,
    })
    const { pid } = kernel.createProcess({ name: 'a.exe' })
    const base = kernel
      .syscalls(pid)
      .NtAllocateVirtualMemory(ME, 0, 0, 4 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
    for (let index = 0; index < 6; index++) kernel.cpu(pid).write(base + (index % 4) * PAGE, [index])
    expect(kernel.tick()).toBe(2)
    const log = kernel.trace!
    const ticks = Array.from({ length: log.length }, (_, seq) => seq)
      .filter((seq) => log.typeAt(seq) === 'mm.balanceSetTick')
      .map((seq) => ({ event: log.at(seq), input: log.causeOf(seq) === undefined }))
    expect(ticks).toEqual([
      { event: { type: 'mm.balanceSetTick', tick: 1, previousTick: 0, reason: 'references' }, input: false },
      { event: { type: 'mm.balanceSetTick', tick: 2, previousTick: 1, reason: 'explicit' }, input: true },
    ])
  })
})

describe('hostile calls under the nt policy', () => {
  it.each([
    'x86',
    'x64',
  ] as const)('throw nothing outside the documented list and keep every invariant (%s)', (arch) => {
    const options = {
      arch,
      replacementPolicy: 'nt',
      physicalMemory: 256 * 1024,
      pageFile: 1 << 20,
      nt: { tickEvery: 7 },
    } as const
    const base = callHarness(createKernel(options)).base
    fc.assert(
      fc.property(fc.array(hostileCall(base), { maxLength: 40 }), (calls) => {
        const harness = callHarness(createKernel(options))
        for (const call of calls) performCall(harness, call)
        // The debugger may leave the machine unsound (a PTE it wrote); nothing else may.
        if (!calls.some((call) => call.kind === 'debug'))
          expect(checkKernelInvariants(harness.kernel, { tlb: false })).toEqual([])
      }),
      { numRuns: 60, seed: 21 },
    )
  })
})
