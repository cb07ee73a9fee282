// VM_COUNTERS' first two fields, PeakVirtualSize and VirtualSize, as NtQueryInformationProcess
// (ProcessVmCounters) fills them: the bytes of address space the process's VADs span, reserved or
// committed alike, and the most they have spanned (ARM3 virtual.c / section.c add a VAD's size
// after inserting it and raise the peak there, subtract it on MEM_RELEASE and unmap; Wine's
// dlls/ntdll/tests/info.c test_query_process_vm checks a reservation's growth and that a commit
// of it changes nothing). One row per rule; then replay, time travel and state blocks give the
// values the live machine gave.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openBinaryTraceFile } from '@ntmm/trace'
import { describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import type { Kernel } from './kernel.js'
import { loadKernel } from './machineTraceFile.js'
import { machineSchema } from './machineSchema.js'
import { machineAtIndex } from './machineTraceSeek.js'
import {
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_RELEASE,
  MEM_RESERVE,
  PAGE_NOACCESS,
  PAGE_READWRITE,
} from './memoryConstants.js'
import type { VmCountersEx } from './ntProcessInformation.js'
import { STATUS_CONFLICTING_ADDRESSES, STATUS_SUCCESS } from './ntStatus.js'
import { NtCurrentProcess } from './objectManager.js'
import { SEC_COMMIT, SEC_RESERVE, SECTION_ALL_ACCESS, ViewShare } from './sectionConstants.js'
import type { NtSyscalls } from './syscalls.js'
import { createTestKernel } from './testing/createTestKernel.js'

const me = NtCurrentProcess
const P = 0x1000
const G = 0x10000

function counters(nt: NtSyscalls, process: number = me): VmCountersEx {
  const result = nt.NtQueryInformationProcess(process, 3)
  expect(result.status).toBe(STATUS_SUCCESS)
  return result.info as VmCountersEx
}

/** The bytes the process's areas span, from the tree itself (what VirtualSize must equal). */
function areaBytes(kernel: Kernel, pid: number): number {
  let bytes = 0
  for (const area of kernel.mm.addressSpace(pid)!.tree.areas())
    bytes += area.endingAddress - area.startingAddress
  return bytes
}

function machine(options: Parameters<typeof createTestKernel>[0] = {}) {
  const { kernel, pid } = createTestKernel(options)
  const nt = kernel.syscalls(pid)
  const reserve = (size: number, type: number = MEM_RESERVE, base = 0) =>
    nt.NtAllocateVirtualMemory(me, base, 0, size, type, PAGE_READWRITE)
  const release = (base: number, size = 0) => nt.NtFreeVirtualMemory(me, base, size, MEM_RELEASE)
  const section = (size: number, attributes: number = SEC_COMMIT) =>
    nt.NtCreateSection(SECTION_ALL_ACCESS, undefined, size, PAGE_READWRITE, attributes, undefined).handle
  const map = (handle: number, size = 0) =>
    nt.NtMapViewOfSection(handle, me, 0, 0, 0, 0, size, ViewShare, 0, PAGE_READWRITE)
  return { kernel, pid, nt, reserve, release, section, map }
}

type Machine = ReturnType<typeof machine>

/** A rule and what it gives: `run` returns the values to compare (deltas, mostly). */
interface Row {
  readonly rule: string
  readonly run: (m: Machine) => unknown
  readonly expected: unknown
}

const rows: Row[] = [
  {
    rule: 'a new process already spans its areas (KUSER_SHARED_DATA), and its peak is that',
    run: (m) => {
      const info = counters(m.nt)
      return [
        info.virtualSize === areaBytes(m.kernel, m.pid),
        info.virtualSize > 0,
        info.peakVirtualSize === info.virtualSize,
      ]
    },
    expected: [true, true, true],
  },
  {
    rule: 'MEM_RESERVE grows VirtualSize by the size rounded up to whole pages',
    run: (m) => {
      const before = counters(m.nt).virtualSize
      m.reserve(0x1801)
      return counters(m.nt).virtualSize - before
    },
    expected: 2 * P,
  },
  {
    rule: 'MEM_RESERVE | MEM_COMMIT grows it like a reservation (Wine: VirtualSize >= before + size)',
    run: (m) => {
      const before = counters(m.nt).virtualSize
      m.reserve(16 * P, MEM_RESERVE | MEM_COMMIT)
      return counters(m.nt).virtualSize - before
    },
    expected: 16 * P,
  },
  {
    rule: 'MEM_COMMIT of reserved pages does not change it (reserve counts, not commit)',
    run: (m) => {
      const base = m.reserve(16 * P).baseAddress
      const before = counters(m.nt)
      const committed = m.reserve(16 * P, MEM_COMMIT, base).status
      const after = counters(m.nt)
      return [committed, after.virtualSize - before.virtualSize, after.privateUsage - before.privateUsage]
    },
    expected: [STATUS_SUCCESS, 0, 16 * P],
  },
  {
    rule: 'MEM_DECOMMIT does not change it',
    run: (m) => {
      const base = m.reserve(8 * P, MEM_RESERVE | MEM_COMMIT).baseAddress
      const before = counters(m.nt).virtualSize
      m.nt.NtFreeVirtualMemory(me, base, 8 * P, MEM_DECOMMIT)
      return counters(m.nt).virtualSize - before
    },
    expected: 0,
  },
  {
    rule: 'a touch (a demand-zero fault) does not change it',
    run: (m) => {
      const base = m.reserve(4 * P, MEM_RESERVE | MEM_COMMIT).baseAddress
      const before = counters(m.nt).virtualSize
      m.kernel.cpu(m.pid).write(base, [1, 2, 3])
      return counters(m.nt).virtualSize - before
    },
    expected: 0,
  },
  {
    rule: 'MEM_RELEASE shrinks it by the whole reservation',
    run: (m) => {
      const before = counters(m.nt).virtualSize
      const base = m.reserve(5 * G).baseAddress
      m.release(base)
      return counters(m.nt).virtualSize - before
    },
    expected: 0,
  },
  {
    rule: 'a partial MEM_RELEASE shrinks it by the pages released only',
    run: (m) => {
      const base = m.reserve(16 * P).baseAddress
      const before = counters(m.nt).virtualSize
      const released = m.release(base + 4 * P, 4 * P).status
      return [released, counters(m.nt).virtualSize - before]
    },
    expected: [STATUS_SUCCESS, -4 * P],
  },
  {
    rule: 'PeakVirtualSize holds after MEM_RELEASE (the peak never falls)',
    run: (m) => {
      const base = m.reserve(64 * G).baseAddress
      const high = counters(m.nt).virtualSize
      m.release(base)
      const after = counters(m.nt)
      return [after.peakVirtualSize === high, after.virtualSize === high - 64 * G]
    },
    expected: [true, true],
  },
  {
    rule: 'the peak rises only when VirtualSize passes it',
    run: (m) => {
      const first = m.reserve(8 * G).baseAddress
      const peak = counters(m.nt).peakVirtualSize
      m.release(first)
      m.reserve(4 * G)
      const under = counters(m.nt).peakVirtualSize - peak
      m.reserve(6 * G)
      const over = counters(m.nt).peakVirtualSize - peak
      return [under, over]
    },
    expected: [0, 2 * G],
  },
  {
    rule: 'a failed reservation (STATUS_CONFLICTING_ADDRESSES) changes neither',
    run: (m) => {
      const base = m.reserve(G).baseAddress
      const before = counters(m.nt)
      const status = m.reserve(G, MEM_RESERVE, base).status
      const after = counters(m.nt)
      return [status, after.virtualSize - before.virtualSize, after.peakVirtualSize - before.peakVirtualSize]
    },
    expected: [STATUS_CONFLICTING_ADDRESSES, 0, 0],
  },
  {
    rule: 'a mapped view counts its view size, committed or not, and unmapping takes it off',
    run: (m) => {
      const before = counters(m.nt).virtualSize
      const committed = m.map(m.section(3 * P)).baseAddress
      const afterCommitted = counters(m.nt).virtualSize - before
      const reserved = m.map(m.section(8 * P, SEC_RESERVE)).baseAddress
      const afterReserved = counters(m.nt).virtualSize - before
      m.nt.NtUnmapViewOfSection(me, committed)
      m.nt.NtUnmapViewOfSection(me, reserved)
      return [afterCommitted, afterReserved, counters(m.nt).virtualSize - before]
    },
    expected: [3 * P, 11 * P, 0],
  },
  {
    rule: 'separate processes keep separate counts',
    run: (m) => {
      const other = m.kernel.createProcess({ name: 'b.exe' }).pid
      const handle = m.nt.NtOpenProcess(0x1fffff, other).handle
      const mine = counters(m.nt).virtualSize
      const theirs = counters(m.nt, handle).virtualSize
      m.nt.NtAllocateVirtualMemory(handle, 0, 0, 32 * G, MEM_RESERVE, PAGE_NOACCESS)
      return [
        counters(m.nt).virtualSize - mine,
        counters(m.nt, handle).virtualSize - theirs,
        counters(m.nt, handle).virtualSize === areaBytes(m.kernel, other),
      ]
    },
    expected: [0, 32 * G, true],
  },
  {
    rule: 'they come first in VM_COUNTERS_EX; GetProcessMemoryInfo (PROCESS_MEMORY_COUNTERS) has neither',
    run: (m) => {
      const memory = m.kernel.win32(m.pid).GetProcessMemoryInfo(me).counters!
      return [Object.keys(counters(m.nt)).slice(0, 3), 'virtualSize' in memory, 'peakVirtualSize' in memory]
    },
    expected: [['peakVirtualSize', 'virtualSize', 'pageFaultCount'], false, false],
  },
  {
    rule: 'answered under every policy (fifo: the same areas, the same counts)',
    run: (m) => {
      const before = counters(m.nt).virtualSize
      m.reserve(3 * G)
      return counters(m.nt).virtualSize - before
    },
    expected: 3 * G,
  },
]

describe('NtQueryInformationProcess(ProcessVmCounters): VirtualSize and PeakVirtualSize', () => {
  it.each(rows.map((row) => [row.rule, row] as const))('%s', (rule, row) => {
    const m = machine(rule.startsWith('answered under every policy') ? { replacementPolicy: 'fifo' } : {})
    expect(row.run(m)).toEqual(row.expected)
    // Every row ends where the counters still are the tree's.
    expect(counters(m.nt).virtualSize).toBe(areaBytes(m.kernel, m.pid))
  })
})

/** Reserve, commit, map, release and unmap in two processes; the counters after each system call. */
function recordedRun(kernel: Kernel): { seq: number; pid: number; size: number; peak: number }[] {
  const a = kernel.createProcess({ name: 'a.exe' }).pid
  const b = kernel.createProcess({ name: 'b.exe' }).pid
  const seen: { seq: number; pid: number; size: number; peak: number }[] = []
  const note = () => {
    for (const pid of [a, b]) {
      const info = kernel.mm.processWorkingSet(pid)!
      seen.push({ seq: kernel.eventCount - 1, pid, size: info.virtualSize, peak: info.peakVirtualSize })
    }
  }
  for (let round = 0; round < 6; round++) {
    for (const pid of [a, b]) {
      const nt = kernel.syscalls(pid)
      const base = nt.NtAllocateVirtualMemory(
        me,
        0,
        0,
        (round + 1) * G,
        MEM_RESERVE,
        PAGE_READWRITE,
      ).baseAddress
      note()
      nt.NtAllocateVirtualMemory(me, base, 0, 2 * P, MEM_COMMIT, PAGE_READWRITE)
      kernel.cpu(pid).write(base, [round])
      note()
      const section = nt.NtCreateSection(
        SECTION_ALL_ACCESS,
        undefined,
        2 * P,
        PAGE_READWRITE,
        SEC_COMMIT,
        undefined,
      )
      const view = nt.NtMapViewOfSection(section.handle, me, 0, 0, 0, 0, 0, ViewShare, 0, PAGE_READWRITE)
      note()
      if (round % 2 === 1) nt.NtFreeVirtualMemory(me, base, 0, MEM_RELEASE)
      else nt.NtFreeVirtualMemory(me, base + P, P, MEM_RELEASE)
      note()
      nt.NtUnmapViewOfSection(me, view.baseAddress)
      nt.NtClose(section.handle)
      note()
    }
  }
  return seen
}

describe('VirtualSize and PeakVirtualSize rebuilt from the trace', () => {
  it('time travel (kernel.at) and a load of the saved trace give the values the live machine gave', async () => {
    const kernel = createKernel({ physicalMemory: 1 << 20, pageFile: 1 << 21, record: true })
    const seen = recordedRun(kernel)
    for (const { seq, pid, size, peak } of seen) {
      const past = kernel.at(seq).mm.processWorkingSet(pid)!
      expect([past.virtualSize, past.peakVirtualSize]).toEqual([size, peak])
    }
    const directory = await mkdtemp(join(tmpdir(), 'ntmm-virtual-size-'))
    const path = join(directory, 'run.ntt')
    await kernel.saveTrace(path, { format: 'binary', blockEvents: 64, stateEvery: 200 })
    const loaded = await loadKernel(path)
    for (const pid of new Set(seen.map((entry) => entry.pid))) {
      const live = kernel.mm.processWorkingSet(pid)!
      const replayed = loaded.mm.processWorkingSet(pid)!
      expect([replayed.virtualSize, replayed.peakVirtualSize]).toEqual([
        live.virtualSize,
        live.peakVirtualSize,
      ])
    }
    // From the nearest state block (the peak travels in the snapshot with the area tree).
    const index = await openBinaryTraceFile(path, machineSchema)
    try {
      expect(index.states.length).toBeGreaterThan(1)
      const restoredFrom: number[] = []
      for (const { seq, pid, size, peak } of seen.filter((_, i) => i % 7 === 0)) {
        const at = await machineAtIndex(index, loaded.config, seq)
        restoredFrom.push(at.from)
        const info = at.kernel.mm.processWorkingSet(pid)!
        expect([info.virtualSize, info.peakVirtualSize]).toEqual([size, peak])
      }
      expect(restoredFrom.some((from) => from > 0)).toBe(true)
    } finally {
      await index.close()
    }
  })
})
