// Data integrity under pressure (issue 9): three processes commit ten times the machine's RAM and
// stamp every page with a checksum of (process, address, version); through page-outs and page-ins,
// decommit and recommit, protection changes and a process's exit, every page reads back exactly
// what was last written there, a page never written (or just recommitted, or in a new process)
// reads as zeros, and every invariant holds. Every replacement policy, every paging mode.
import { describe, expect, it } from 'vitest'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { createKernel } from './createKernel.js'
import type { Kernel } from './kernel.js'
import { MEM_COMMIT, MEM_DECOMMIT, MEM_RESERVE, PAGE_READONLY, PAGE_READWRITE } from './memoryConstants.js'
import { STATUS_ACCESS_VIOLATION } from './ntStatus.js'
import type { Arch } from './userAddressLimits.js'

const PAGE = 0x1000
const RAM = 256 * 1024
const PAGES_PER_PROCESS = 214 // 3 × 214 pages ≈ 10 × 64 frames

/** 8 bytes derived from (pid, address, version), written at both ends of a page. */
function stamp(pid: number, va: number, version: number): number[] {
  let h = (0x811c9dc5 ^ pid) >>> 0
  for (const value of [va / PAGE, version]) h = Math.imul(h ^ value, 0x01000193) >>> 0
  return [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff, h >>> 24, pid & 0xff, version & 0xff, 0x5a, 0xa5]
}

class Pages {
  readonly versions = new Map<string, number>()
  constructor(readonly kernel: Kernel) {}
  write(pid: number, va: number): void {
    const key = `${pid}:${va}`
    const version = (this.versions.get(key) ?? 0) + 1
    const data = stamp(pid, va, version)
    const cpu = this.kernel.cpu(pid)
    expect(cpu.write(va, data).status).toBe(0)
    expect(cpu.write(va + PAGE - 8, data).status).toBe(0)
    this.versions.set(key, version)
  }
  verify(pid: number, va: number): void {
    const version = this.versions.get(`${pid}:${va}`)
    const read = this.kernel.cpu(pid).read(va, PAGE)
    expect(read.status).toBe(0)
    const expected = version === undefined ? new Array(8).fill(0) : stamp(pid, va, version)
    expect([...read.data.subarray(0, 8)], `page 0x${va.toString(16)} of ${pid}`).toEqual(expected)
    expect([...read.data.subarray(PAGE - 8)]).toEqual(expected)
    expect(read.data.subarray(8, PAGE - 8).every((byte) => byte === 0)).toBe(true)
  }
  forget(pid: number, va: number): void {
    this.versions.delete(`${pid}:${va}`)
  }
}

const cases: [Arch, 'working-set' | 'fifo' | 'lru' | 'clock' | 'opt' | 'nt'][] = []
for (const arch of ['x86', 'x86-pae', 'x64'] as const)
  for (const policy of ['working-set', 'fifo', 'lru', 'clock', 'opt', 'nt'] as const)
    cases.push([arch, policy])

describe('data integrity', () => {
  it.each(cases)('keeps every page intact with 10× RAM committed (%s, %s)', (arch, replacementPolicy) => {
    const kernel = createKernel({ arch, physicalMemory: RAM, pageFile: 8 * 1024 * 1024, replacementPolicy })
    const pages = new Pages(kernel)
    const bases = new Map<number, number>()
    const pids = [0, 1, 2].map((index) => kernel.createProcess({ name: `p${index}.exe` }).pid)
    for (const pid of pids) {
      const r = kernel
        .syscalls(pid)
        .NtAllocateVirtualMemory(-1, 0, 0, PAGES_PER_PROCESS * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
      expect(r.status).toBe(0)
      bases.set(pid, r.baseAddress)
    }
    const each = (visit: (pid: number, va: number, index: number) => void) => {
      for (const pid of pids)
        for (let index = 0; index < PAGES_PER_PROCESS; index++)
          visit(pid, (bases.get(pid) as number) + index * PAGE, index)
    }
    // A new page is zero; write all but every fifth, interleaving processes to force page-outs.
    for (let index = 0; index < PAGES_PER_PROCESS; index++)
      for (const pid of pids) if (index % 5 !== 4) pages.write(pid, (bases.get(pid) as number) + index * PAGE)
    each((pid, va) => pages.verify(pid, va))
    // Decommit and recommit a run: zeros again; protection changes keep the contents.
    for (const pid of pids) {
      const nt = kernel.syscalls(pid)
      const run = (bases.get(pid) as number) + 20 * PAGE
      expect(nt.NtFreeVirtualMemory(-1, run, 10 * PAGE, MEM_DECOMMIT).status).toBe(0)
      expect(nt.NtAllocateVirtualMemory(-1, run, 0, 10 * PAGE, MEM_COMMIT, PAGE_READWRITE).status).toBe(0)
      for (let index = 20; index < 30; index++) pages.forget(pid, run + (index - 20) * PAGE)
      const readOnly = (bases.get(pid) as number) + 40 * PAGE
      expect(nt.NtProtectVirtualMemory(-1, readOnly, 8 * PAGE, PAGE_READONLY).status).toBe(0)
      expect(kernel.cpu(pid).write(readOnly, [1]).status).toBe(STATUS_ACCESS_VIOLATION)
      for (let index = 0; index < 8; index++) pages.verify(pid, readOnly + index * PAGE)
      expect(nt.NtProtectVirtualMemory(-1, readOnly, 8 * PAGE, PAGE_READWRITE).status).toBe(0)
    }
    each((pid, va, index) => {
      if (index % 3 === 0) pages.write(pid, va)
    })
    each((pid, va) => pages.verify(pid, va))
    // A process exits; a new one's pages are all zero (no frame or slot leaks its data).
    kernel.terminateProcess(pids[0] as number)
    const fresh = kernel.createProcess({ name: 'new.exe' }).pid
    const r = kernel
      .syscalls(fresh)
      .NtAllocateVirtualMemory(-1, 0, 0, 200 * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
    expect(r.status).toBe(0)
    for (let index = 0; index < 200; index++) pages.verify(fresh, r.baseAddress + index * PAGE)
    for (const pid of pids.slice(1))
      for (let index = 0; index < PAGES_PER_PROCESS; index += 7)
        pages.verify(pid, (bases.get(pid) as number) + index * PAGE)
    expect(kernel.mm.counters.pagesWritten).toBeGreaterThan(PAGES_PER_PROCESS)
    expect(kernel.mm.counters.hardFaults).toBeGreaterThan(PAGES_PER_PROCESS)
    expect(checkKernelInvariants(kernel)).toEqual([])
  })
})
