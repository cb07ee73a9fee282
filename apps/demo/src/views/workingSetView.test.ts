import { createKernel, MEM_COMMIT, MEM_RESERVE, NtCurrentProcess, PAGE_READWRITE } from '@ntmm/nt-syscalls'
import { describe, expect, it } from 'vitest'
import { countFaultKinds } from './faultKinds.js'
import { findView } from './inspectViews.js'
import type { MachineLike, ViewOptions } from './machineLike.js'
import { ntMachine } from './testing/ntMachine.js'

const machine = ntMachine()
const render = (name: string, options: ViewOptions = {}, on: MachineLike = machine.kernel) =>
  findView(name).render(on, options)

/** A machine under another policy ('working-set', named: 'nt' becomes the default): one process, three pages touched. */
function workingSetPolicyMachine() {
  const kernel = createKernel({
    arch: 'x86',
    physicalMemory: 64 * 4096,
    pageFile: 64 * 4096,
    replacementPolicy: 'working-set',
  })
  const { pid } = kernel.createProcess({ name: 'app.exe' })
  const base = kernel
    .syscalls(pid)
    .NtAllocateVirtualMemory(
      NtCurrentProcess,
      0,
      0,
      0x4000,
      MEM_RESERVE | MEM_COMMIT,
      PAGE_READWRITE,
    ).baseAddress
  for (let page = 0; page < 3; page++) kernel.cpu(pid).write(base + page * 0x1000, [page])
  return kernel
}

describe('ws view', () => {
  it("prints every process's working set with its limits, hard flags, priority, locked pages and faults (VM_COUNTERS, GetProcessWorkingSetSizeEx)", () => {
    expect(render('ws').lines.slice(0, 4)).toMatchInlineSnapshot(`
      [
        "working sets: policy nt, tick 18; defaults minimum 4, maximum 64 pages (Windows' 50 and 345 scaled to 128 frames)",
        "  Pid  Name        Pages  Peak  Minimum  Maximum  Hard  Priority  Locked  Faults",
        "  4    idle.exe       13    13       12       32  min          5       1      13",
        "  8    stream.exe     63    64        4       64               5       0     169",
      ]
    `)
  })

  it('lists one process’s entries oldest first: VPN, frame, age, locked, dirty, the slot a clean page keeps; then its page tables', () => {
    const idle = render('ws', { pid: machine.idle }).lines
    const streamer = render('ws', { pid: machine.streamer }).lines
    expect([...idle.slice(4, 8), ...streamer.slice(4, 7), ...streamer.slice(-4)]).toMatchInlineSnapshot(`
      [
        "process 4 (idle.exe): 13 entries: 12 pages (oldest first), 1 page table",
        "  VPN   Address     PFN   Age  Locked  Dirty  Shared  Slot",
        "  0x10  0x00010000  0x5   0    yes     yes",
        "  0x11  0x00011000  0x6   0            yes",
        "process 8 (stream.exe): 63 entries: 62 pages (oldest first), 1 page table",
        "  VPN   Address     PFN   Age  Locked  Dirty  Shared  Slot",
        "  0x7a  0x0007a000  0x7c  3            yes",
        "  0x16  0x00016000  0x4a  0                           6",
        "  0x17  0x00017000  0x4b  0                           7",
        "  PageTable  Maps                   PFN   Age",
        "             0x00000000-0x003fffff  0x11  0",
      ]
    `)
  })

  it('adds the faults by kind when the events are given (ETW PageFault_TypeGroup1, as WPA counts them)', () => {
    const kinds = countFaultKinds([
      { type: 'mm.pageFault', pid: machine.idle, kind: 'demand-zero' },
      { type: 'mm.pageFault', pid: machine.idle, kind: 'soft' },
      { type: 'mm.pageFault', pid: machine.idle, kind: 'soft' },
      { type: 'mm.frameRequested', pid: machine.idle },
    ])
    const view = render('ws', { faultKinds: kinds })
    expect(view.lines[1]).toContain('ByKind')
    expect(view.lines[2]).toMatch(/demand-zero 1, soft 2$/)
    const json = view.json as { processes: { pid: number; faultsByKind: Record<string, number> }[] }
    expect(json.processes.find((process) => process.pid === machine.idle)!.faultsByKind).toEqual({
      'demand-zero': 1,
      soft: 2,
    })
  })

  it('has as many entries (pages and page tables) as the working-set size in bytes says, and ages 0-3 (JSON)', () => {
    for (const pid of [machine.idle, machine.streamer]) {
      const json = render('ws', { pid }).json as {
        processes: { pid: number; workingSetSize: number }[]
        entries: { age: number }[]
        pageTables: { age: number }[]
      }
      const size = json.processes.find((process) => process.pid === pid)!.workingSetSize
      // Its pages and its page tables (NT-PAGING.md §3.8).
      expect((json.entries.length + json.pageTables.length) * 4096).toBe(size)
      expect(json.entries.every((entry) => entry.age >= 0 && entry.age <= 3)).toBe(true)
    }
  })

  it("says what is not available under a policy other than 'nt' and shows the resident pages", () => {
    const view = render('ws', {}, workingSetPolicyMachine())
    expect(view.lines).toMatchInlineSnapshot(`
      [
        "working sets: policy working-set keeps one system-wide list: per-process minimum and maximum, hard limits, page priority, locked pages, ages and VM_COUNTERS.PageFaultCount are the 'nt' policy's and not available here",
        "  Pid  Name     Pages  Peak",
        "  4    app.exe      3     3",
        "process 4 (app.exe): 3 entries",
        "  VPN   Address     PFN  Dirty  Shared  Slot",
        "  0x10  0x00010000  0x4  yes",
        "  0x11  0x00011000  0x5  yes",
        "  0x12  0x00012000  0x6  yes",
      ]
    `)
  })
})

describe('lists view', () => {
  it('prints the PFN lists by standby priority, the frames in use and the counters (RAMMap, SYSTEM_MEMORY_LIST_INFORMATION)', () => {
    expect(render('lists').lines).toMatchInlineSnapshot(`
      [
        "lists: 128 frames, policy nt, tick 18",
        "  List             Pages",
        "  Zeroed               0",
        "  Free                 0",
        "  Standby             48  priority 5: 48",
        "  Modified             0  page file 0",
        "  ModifiedNoWrite      0",
        "  Bad                  0",
        "  Active              74  idle.exe (4) 12, stream.exe (8) 62",
        "  PageTable            5",
        "  System               1",
        "  Priority  Standby  Repurposed",
        "         0        0           0",
        "         1        0           0",
        "         2        0           0",
        "         3        0           0",
        "         4        0           0",
        "         5       48          58",
        "         6        0           0",
        "         7        0           0",
        "available 48 pages (zeroed + free + standby); committed 173 of 640, peak 173",
        "faults 182: demand-zero 174, transition 0, copy-on-write 0; page reads 8 in 8 I/Os",
        "writes: modified page writer 106 pages in 10 I/Os; mapped page writer 0 in 0",
      ]
    `)
  })

  it('adds up to the frames (every frame on one list or in use)', () => {
    const json = render('lists').json as {
      frameCount: number
      memoryListInformation: { zeroPageCount: number; freePageCount: number; modifiedPageCount: number }
      standbyPageCount: number
      inUse: { active: { pages: number }[]; sectionPages: number; pageTables: number; system: number }
    }
    const lists = json.memoryListInformation
    const inUse = json.inUse
    expect(
      lists.zeroPageCount +
        lists.freePageCount +
        lists.modifiedPageCount +
        json.standbyPageCount +
        inUse.active.reduce((sum, owner) => sum + owner.pages, 0) +
        inUse.sectionPages +
        inUse.pageTables +
        inUse.system,
    ).toBe(json.frameCount)
  })

  it("says what is not available under a policy other than 'nt'", () => {
    expect(render('lists', {}, workingSetPolicyMachine()).lines.slice(0, 1)).toMatchInlineSnapshot(`
      [
        "lists: 64 frames, policy working-set: standby priorities, repurposedPagesByPriority, write I/Os in clusters, balance-set ticks are the 'nt' policy's and not available here",
      ]
    `)
  })

  it('reads the machine without side effects (the digest is unchanged)', () => {
    const before = machine.kernel.mm.digest()
    render('lists')
    render('ws', { pid: machine.streamer })
    expect(machine.kernel.mm.digest()).toBe(before)
  })
})
