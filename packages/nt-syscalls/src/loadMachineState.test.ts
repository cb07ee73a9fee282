// Loading a machine from its own recorded log never refuses a trace that holds (issue 18): on every
// paging mode and replacement policy, a run recording every kind of event (paging in and out, soft
// faults, TLB evictions in three levels, protection changes, a decommit, write watch, handles,
// debug calls, control-register and physical writes made straight through the machine, a process
// exit; under 'nt' ticks, trims, clusters, zeroing, limits, priorities and locks) is rebuilt equal
// to the live machine, and the views of its past (stepping back over each kind) work on it.
import { describe, expect, it } from 'vitest'
import { PROCESS_ALL_ACCESS } from './accessRights.js'
import { createKernel } from './createKernel.js'
import { Kernel } from './kernel.js'
import { machineSchema } from './machineSchema.js'
import {
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_RELEASE,
  MEM_RESERVE,
  MEM_WRITE_WATCH,
  PAGE_READONLY,
  PAGE_READWRITE,
} from './memoryConstants.js'

const cases: ['x86' | 'x86-pae' | 'x64', 'working-set' | 'fifo' | 'lru' | 'clock' | 'opt' | 'nt'][] = []
for (const arch of ['x86', 'x86-pae', 'x64'] as const)
  for (const policy of ['working-set', 'fifo', 'lru', 'clock', 'opt', 'nt'] as const)
    cases.push([arch, policy])

/** The kind only traces of machine-trace version 2 hold (the data of a long write). */
const NOT_RECORDED = new Set(['nt.cpuWriteData'])

/** A split first level smaller than the pages touched (evictions), and an STLB. */
const SMALL_TLB = {
  data: { entries: 8, ways: 2 },
  instruction: { entries: 4, ways: 4 },
  second: { entries: 16, ways: 4 },
}

/** A run touching every kind of event, recorded eagerly. */
function recordedRun(arch: (typeof cases)[number][0], replacementPolicy: (typeof cases)[number][1]): Kernel {
  const kernel = createKernel({
    arch,
    physicalMemory: 32 * 4096,
    tlb: SMALL_TLB,
    pageFile: 1 << 20,
    replacementPolicy,
    // 'nt': a balance-set tick every 16 references besides the explicit ones.
    ...(replacementPolicy === 'nt' ? { nt: { tickEvery: 16 } } : {}),
    record: 'eager',
  })
  const pid = kernel.createProcess({ name: 'a.exe' }).pid
  const other = kernel.createProcess({ name: 'b.exe' }).pid
  const nt = kernel.syscalls(pid)
  const cpu = kernel.cpu(pid)
  const size = 40 * 0x1000
  const base = nt.NtAllocateVirtualMemory(
    -1,
    0,
    0,
    size,
    MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
    PAGE_READWRITE,
  ).baseAddress
  const pages = Array.from({ length: 40 }, (_, page) => base + page * 0x1000)
  kernel.debug.setFutureReferences(pid, [...pages, ...pages])
  for (const va of pages)
    cpu.write(
      va,
      Array.from({ length: 20 }, (_, i) => (va >>> 12) + i),
    )
  for (const va of pages) {
    kernel.debug.noteAccess(pid, va)
    cpu.read(va, 8)
  }
  // Back down: the pages trimmed last come back from the standby and modified lists (soft faults).
  for (const va of [...pages].reverse()) cpu.read(va, 8)
  // A dozen resident pages, read across page ends, more than the first-level TLB holds.
  for (let round = 0; round < 3; round++)
    for (let page = 0; page < 12; page++) cpu.read(base + page * 0x1000 + 0xffc, 8)
  cpu.execute(base)
  if (replacementPolicy === 'nt') ntRun(kernel, pid, base)
  nt.NtProtectVirtualMemory(-1, base + 0x1000, 0x2000, PAGE_READONLY)
  nt.NtProtectVirtualMemory(-1, base, 0x3000, PAGE_READONLY)
  cpu.write(base, [1])
  nt.NtFreeVirtualMemory(-1, base + 0x5000, 0x2000, MEM_DECOMMIT)
  nt.NtResetWriteWatch(-1, base, size)
  cpu.write(base + 0x8000, [9, 9, 9])
  const pte = kernel.debug.readPte(pid, base + 0x8000)
  if (pte !== undefined) {
    kernel.debug.writePte(pid, base + 0x8000, { low: pte.low & ~2, high: pte.high })
    kernel.debug.writePte(pid, base + 0x8000, pte)
  }
  kernel.debug.invlpg(pid, base + 0x8000)
  const handle = nt.NtOpenProcess(PROCESS_ALL_ACCESS, other).handle
  const remote = nt.NtAllocateVirtualMemory(handle, 0, 0, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
  nt.NtWriteVirtualMemory(
    handle,
    remote.baseAddress,
    Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17),
  )
  const copy = nt.NtDuplicateObject(-1, handle, -1, 0, 0, 2).targetHandle
  nt.NtClose(handle)
  // Straight through the machine, as an eager recording records it: a control-register write and
  // a store of 3 bytes into a data page of the process (found through its PTE).
  kernel.mm.mmu.resetStatistics()
  kernel.mm.mmu.setControl({ globalPages: false })
  const mapped = kernel.debug.readPte(pid, base + 0x8000)
  if (mapped !== undefined && (mapped.low & 1) === 1)
    kernel.mm.mmu.frames.writeBytes((mapped.low & 0xfffff000) + 100, [1, 2, 3])
  kernel.win32(pid).VirtualFree(0x1234, 0, MEM_DECOMMIT)
  nt.NtFreeVirtualMemory(-1, base, 0, MEM_RELEASE)
  sectionRun(kernel, pid)
  kernel.terminateProcess(other)
  nt.NtClose(copy)
  return kernel
}

/** The 'nt' policy's own events: limits, a page priority, locked pages, explicit ticks, an empty working set. */
function ntRun(kernel: Kernel, pid: number, base: number): void {
  const win32 = kernel.win32(pid)
  win32.SetProcessWorkingSetSizeEx(-1, 6 * 0x1000, 14 * 0x1000, 1)
  kernel.syscalls(pid).NtSetInformationProcess(-1, 39, 1)
  win32.VirtualLock(base, 0x1000)
  for (let page = 0; page < 20; page++) kernel.cpu(pid).write(base + page * 0x1000, [page])
  kernel.tick()
  win32.VirtualUnlock(base, 0x1000)
  win32.EmptyWorkingSet(-1)
  kernel.syscalls(pid).NtSetSystemInformation(80, 4)
  kernel.tick()
}

/** Files, a data section, views, copy-on-write and the mapped page writer (the section events). */
function sectionRun(kernel: Kernel, pid: number): void {
  const nt = kernel.syscalls(pid)
  const cpu = kernel.cpu(pid)
  const file = nt.NtCreateFile(0xc0000000, { name: '\\??\\C:\\data.bin' }, undefined, 0, 7, 2, 0).handle
  nt.NtWriteFile(file, 0, new Uint8Array(0x2800).fill(3))
  nt.NtSetInformationFile(file, { endOfFile: 0x3000 }, 8, 20)
  const section = nt.NtCreateSection(0xf001f, undefined, undefined, PAGE_READWRITE, 0x08000000, file).handle
  const again = nt.NtCreateSection(0xf001f, undefined, undefined, PAGE_READONLY, 0x08000000, file).handle
  nt.NtExtendSection(section, 0x4000)
  const view = nt.NtMapViewOfSection(section, -1, 0, 0, 0, undefined, 0, 1, 0, PAGE_READWRITE).baseAddress
  cpu.read(view, 4)
  cpu.write(view + 0x1000, [7, 7])
  nt.NtWriteFile(file, 0x1004, Uint8Array.of(8))
  nt.NtFlushVirtualMemory(-1, view, 0)
  nt.NtProtectVirtualMemory(-1, view + 0x2000, 0x1000, 0x08)
  cpu.write(view + 0x2000, [9])
  nt.NtUnmapViewOfSection(-1, view)
  nt.NtClose(again)
  nt.NtClose(section)
  nt.NtClose(file)
}

const recordedKinds = new Set<string>()

describe('loadMachineState', () => {
  it.each(
    cases,
  )('rebuilds the live machine from its own log, every kind of event (%s, %s)', (arch, policy) => {
    const kernel = recordedRun(arch, policy)
    const log = kernel.trace!
    for (let seq = 0; seq < log.length; seq++) recordedKinds.add(log.typeAt(seq) as string)
    const loaded = Kernel.fromLog(log, kernel.config)
    expect(loaded.mm.digest()).toBe(kernel.mm.digest())
    expect(loaded.ob.state.digestInput()).toBe(kernel.ob.state.digestInput())
    // Stepping back over every event from the end, and a view at each tenth, as a user would.
    const cursor = loaded.timeline.cursor(log.length)
    for (let seq = log.length; seq > 0; seq--) cursor.stepBack()
    for (let seq = -1; seq < log.length; seq += Math.max(1, Math.floor(log.length / 10)))
      loaded.at(seq).processes()
  })

  it('met every kind of event the Kernel records in the runs above', () => {
    const missing = machineSchema.kinds
      .map((kind) => kind.type)
      .filter((type) => !recordedKinds.has(type) && !NOT_RECORDED.has(type))
    expect(missing).toEqual([])
  })
})
