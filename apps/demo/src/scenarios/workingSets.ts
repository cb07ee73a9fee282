// Working sets under the 'nt' policy (docs/paging.md, NT-PAGING.md §3.5): idle.exe holds its pages
// under a hard working-set minimum (QUOTA_LIMITS_HARDWS_MIN_ENABLE) and cache.exe under the
// default, soft one while stream.exe, its maximum raised, streams through more memory than the
// machine has. When available pages fall below MinimumFreePages the working-set manager trims
// cache.exe down to its minimum and leaves idle.exe alone. Then idle.exe is emptied (what Windows
// does to a minimized window's working set): its pages go to the modified list, the modified page
// writer writes them in clusters to the standby list, and touching them again is a soft
// (transition) fault from either list: no page is read back.

import { QUOTA_LIMITS_HARDWS_MIN_ENABLE } from '@ntmm/mm-core'
import { type Kernel, MEM_COMMIT, MEM_RESERVE, NtCurrentProcess, PAGE_READWRITE } from '@ntmm/nt-syscalls'
import { bytes } from '../format.js'
import { Narrator } from '../narrator.js'
import { listsView } from '../views/listsView.js'
import { workingSetView } from '../views/workingSetView.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

const PAGE = 4096
/** 512 KiB of RAM (128 frames), 2 MiB of page file; a balance-set tick every 32 references. */
const MACHINE = {
  physicalMemory: 128 * PAGE,
  pageFile: 512 * PAGE,
  replacementPolicy: 'nt',
  nt: { tickEvery: 32 },
} as const
/** Pages idle.exe and cache.exe hold, and pages stream.exe writes once each. */
const HELD = 24
const STREAMED = 320

function commit(kernel: Kernel, pid: number, pages: number): number {
  return kernel
    .syscalls(pid)
    .NtAllocateVirtualMemory(NtCurrentProcess, 0, 0, pages * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
    .baseAddress
}

function play(options: ScenarioOptions): Narrator {
  const n = new Narrator({ arch: options.arch, ...MACHINE }, { verbose: options.verbose, record: true })
  const kernel = n.kernel
  const { idle, cache, stream } = n.quietly(() => ({
    idle: kernel.createProcess({ name: 'idle.exe' }).pid,
    cache: kernel.createProcess({ name: 'cache.exe' }).pid,
    stream: kernel.createProcess({ name: 'stream.exe' }).pid,
  }))
  const config = kernel.mm.ntConfig!
  n.say(
    `ntmm: working sets on an ${kernel.arch} machine with ${bytes(MACHINE.physicalMemory)} of RAM (${MACHINE.physicalMemory / PAGE} frames), policy nt: a balance-set tick every ${config.tickEvery} references, MinimumFreePages ${config.minimumFreePages}, PlentyFreePages ${config.plentyFreePages}, working sets ${config.workingSetMinimum}..${config.workingSetMaximum} pages by default`,
  )
  const bases = new Map<number, number>()
  const touch = (pid: number, pages: number, write: boolean) => {
    const base = bases.get(pid)!
    for (let page = 0; page < pages; page++) {
      if (write) kernel.cpu(pid).write(base + page * PAGE, [page & 0xff])
      else kernel.cpu(pid).read(base + page * PAGE, 1)
    }
  }
  const wsPages = (pid: number) => kernel.mm.processWorkingSet(pid)!.workingSetSize / PAGE
  // The process's pages in its working set (its page tables are entries too: NT-PAGING.md §3.8).
  const residentPages = (pid: number) =>
    (kernel.mm.workingSetEntries(pid) ?? []).filter((entry) => entry.pageTable === undefined).length
  const show = (lines: readonly string[]) =>
    n.quietly(() => n.lines.push(...lines.map((line) => `   ${line}`)))
  const counters = () => kernel.mm.systemPagingCounters

  n.step(
    `1. idle.exe sets a hard minimum of ${HELD} pages (SetProcessWorkingSetSizeEx, QUOTA_LIMITS_HARDWS_MIN_ENABLE); it and cache.exe (default limits) each write ${HELD} pages`,
  )
  const win32 = kernel.win32(idle)
  n.expect(
    'SetProcessWorkingSetSizeEx(idle.exe, 96 KiB, 256 KiB, QUOTA_LIMITS_HARDWS_MIN_ENABLE)',
    String(
      win32.SetProcessWorkingSetSizeEx(
        NtCurrentProcess,
        HELD * PAGE,
        64 * PAGE,
        QUOTA_LIMITS_HARDWS_MIN_ENABLE,
      ),
    ),
    'true',
  )
  n.summarise(() => {
    for (const pid of [idle, cache]) {
      bases.set(pid, commit(kernel, pid, HELD))
      touch(pid, HELD, true)
    }
  })

  n.step(
    `2. stream.exe raises its maximum to 120 pages and writes ${STREAMED} pages once (${bytes(STREAMED * PAGE)}, more than the RAM)`,
  )
  n.expect(
    'SetProcessWorkingSetSizeEx(stream.exe, 16 KiB, 480 KiB, 0)',
    String(kernel.win32(stream).SetProcessWorkingSetSizeEx(NtCurrentProcess, 4 * PAGE, 120 * PAGE, 0)),
    'true',
  )
  bases.set(stream, commit(kernel, stream, STREAMED))
  n.summarise(() => touch(stream, STREAMED, true))
  n.expect(
    "idle.exe's pages in its working set (hard minimum: never trimmed below it)",
    String(residentPages(idle)),
    String(HELD),
  )
  n.expect(
    "cache.exe's working set (soft minimum: trimmed to it while memory was short)",
    String(wsPages(cache)),
    String(config.workingSetMinimum),
  )
  show(workingSetView(kernel, {}).lines.slice(0, 5))

  n.step(`3. cache.exe reads its ${HELD} pages again`)
  let before = counters()
  n.summarise(() => touch(cache, HELD, false))
  let after = counters()
  const cacheSoft = after.transitionCount - before.transitionCount
  const cacheRead = after.pageReadCount - before.pageReadCount
  n.expect(
    'more pages read back than soft faults (the frames of its trimmed pages went to stream.exe, repurposed)',
    String(cacheRead > cacheSoft),
    'true',
  )
  n.say(
    `   ${cacheRead} pages read back from the page file, ${cacheSoft} soft faults; memory still short, cache.exe is trimmed again as it reads`,
  )

  n.step('4. idle.exe is minimized: Windows empties its working set (EmptyWorkingSet)')
  const emptied = n.summarise(() => win32.EmptyWorkingSet(NtCurrentProcess))
  n.expect('EmptyWorkingSet(idle.exe)', String(emptied), 'true')
  n.expect(
    "idle.exe's pages in its working set (its page table stays: it maps transition PTEs)",
    String(residentPages(idle)),
    '0',
  )
  show(listsView(kernel).lines.slice(0, 11))

  const half = HELD / 2
  n.step(`5. idle.exe touches its first ${half} pages: soft faults from the modified list`)
  before = counters()
  n.summarise(() => touch(idle, half, false))
  after = counters()
  n.expect(
    'transition faults, pages read',
    `${after.transitionCount - before.transitionCount}, ${after.pageReadCount - before.pageReadCount}`,
    `${half}, 0`,
  )

  n.step('6. A balance-set tick: the modified page writer writes the rest in clusters, to standby')
  n.summarise(() => kernel.tick())
  const idleModified = kernel.mm.pfnDatabase
    .framesOn('MODIFIED')
    .filter((pfn) => kernel.mm.pfnDatabase.entry(pfn).ownerPid === idle).length
  n.expect("idle.exe's pages left on the modified list", String(idleModified), '0')
  n.say(
    `   the writer wrote ${counters().dirtyPagesWriteCount - after.dirtyPagesWriteCount} pages in ${counters().dirtyWriteIoCount - after.dirtyWriteIoCount} write I/O(s)`,
  )
  show(listsView(kernel).lines.slice(3, 5))

  n.step(
    `7. idle.exe touches the other ${half}: soft faults from the standby list, keeping their page-file copies`,
  )
  before = counters()
  n.summarise(() => {
    const base = bases.get(idle)!
    for (let page = half; page < HELD; page++) kernel.cpu(idle).read(base + page * PAGE, 1)
  })
  after = counters()
  n.expect(
    'transition faults, pages read',
    `${after.transitionCount - before.transitionCount}, ${after.pageReadCount - before.pageReadCount}`,
    `${half}, 0`,
  )
  n.expect("idle.exe's pages in its working set", String(residentPages(idle)), String(HELD))
  show(workingSetView(kernel, {}).lines.slice(0, 5))
  show(listsView(kernel).lines.slice(-3))
  return n
}

/** The scenario entry. */
export const workingSets: Scenario = {
  name: 'working-sets',
  title: "Working sets: a hard minimum, a streaming process, and trimmed pages coming back soft ('nt')",
  summary:
    'Under the nt policy an idle process with a hard working-set minimum keeps its pages while another streams through memory and a soft-minimum one is trimmed; emptied, its pages go to the modified and standby lists and come back as soft faults.',
  run: play,
}
