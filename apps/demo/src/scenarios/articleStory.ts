// The source article's story, told by the machine itself: NtAllocateVirtualMemory reserves a
// range (a MEMORY_AREA in the AVL tree), commits one page (MmAlterRegion splits the region list;
// no frame, no PTE), then the first touch takes a #PF through MmAccessFault → MmNotPresentFault →
// MmNotPresentFaultVirtualMemory → MmRequestPageMemoryConsumer + MmCreateVirtualMapping, and the
// retried store succeeds. Every step prints the events it caused and the structures it changed.

import {
  MEM_COMMIT,
  MEM_RESERVE,
  NtCurrentProcess,
  ntStatusName,
  PAGE_READONLY,
  PAGE_READWRITE,
  pageProtectionName,
} from '@ntmm/nt-syscalls'
import { bytes, hex } from '../format.js'
import { Narrator } from '../narrator.js'
import { regionLines } from '../views/memoryMap.js'
import { pteLines, pteView } from '../views/pteView.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

/** Plays the article's story. */
export function playArticleStory(options: ScenarioOptions): Narrator {
  const n = new Narrator(
    { arch: options.arch },
    { verbose: options.verbose, record: options.record === true },
  )
  const kernel = n.kernel
  const { pid } = n.quietly(() => kernel.createProcess({ name: 'article.exe' }))
  const nt = kernel.syscalls(pid)
  const cpu = kernel.cpu(pid)
  n.say(`ntmm: the source article's story on an ${kernel.arch} machine, process ${pid} (article.exe)`)

  n.step(
    '1. Reserve 64 KiB anywhere: NtAllocateVirtualMemory(NtCurrentProcess, 0, 0, 0x10000, MEM_RESERVE, PAGE_READWRITE)',
  )
  const reserve = nt.NtAllocateVirtualMemory(NtCurrentProcess, 0, 0, 0x10000, MEM_RESERVE, PAGE_READWRITE)
  const base = reserve.baseAddress
  n.say(
    `   → ${ntStatusName(reserve.status)}, BaseAddress ${hex(base)}, RegionSize ${bytes(reserve.regionSize)}`,
  )
  n.say('   MmCreateMemoryArea inserted one MEMORY_AREA into the AVL tree, with a single MEM_RESERVE region:')
  n.quietly(() => {
    for (const line of regionLines(kernel, pid, base, base + reserve.regionSize)) n.lines.push(`     ${line}`)
    n.lines.push(
      `   nothing is charged yet (commit charge ${kernel.mm.counters.commitCharge} page: the system's KUSER_SHARED_DATA)`,
    )
  })
  n.expect('reserve', ntStatusName(reserve.status), 'STATUS_SUCCESS')

  n.step(
    `2. Commit one page at ${hex(base + 0x1234)} (page-rounded, not 64 KiB-rounded): MEM_COMMIT, PAGE_READWRITE`,
  )
  const commit = nt.NtAllocateVirtualMemory(
    NtCurrentProcess,
    base + 0x1234,
    0,
    0x10,
    MEM_COMMIT,
    PAGE_READWRITE,
  )
  n.say(
    `   → ${ntStatusName(commit.status)}, BaseAddress ${hex(commit.baseAddress)}, RegionSize ${bytes(commit.regionSize)}`,
  )
  n.expect('commit rounds to the page', hex(commit.baseAddress), hex(base + 0x1000))
  const page = commit.baseAddress
  n.quietly(() => {
    n.lines.push(
      "   MmAlterRegion split the area's MM_REGION list (and charged one page of commit); the area now reads:",
    )
    for (const line of regionLines(kernel, pid, base, base + reserve.regionSize)) n.lines.push(`     ${line}`)
    n.lines.push(
      `   MEM_COMMIT mapped nothing: a side-effect-free peek at ${hex(page)} gives ${ntStatusName(cpu.peek(page, 1).status)}`,
    )
  })

  n.step(`3. Touch it: the thread stores 4 bytes at ${hex(page + 0x10)}`)
  const write = cpu.write(page + 0x10, [0x4e, 0x54, 0x4d, 0x4d])
  n.say(`   → ${ntStatusName(write.status)}: the fault was resolved and the store retried`)
  n.expect('first touch', ntStatusName(write.status), 'STATUS_SUCCESS')
  n.quietly(() => {
    const read = cpu.read(page + 0x10, 4)
    n.lines.push(
      `   reading back: ${ntStatusName(read.status)} [${[...read.data].map((value) => hex(value, 2)).join(' ')}]`,
    )
    for (const line of pteLines(kernel, pid, page + 0x10)) n.lines.push(`   ${line}`)
    const mapped = pteView(kernel, { pid, va: page }).json as { leaf: { pfn?: number } | null }
    const pfn = mapped.leaf?.pfn
    if (pfn !== undefined) {
      const entry = kernel.mm.pfnDatabase.entry(pfn)
      n.lines.push(
        `   PFN ${hex(pfn, 0)} in the PFN database: ${entry.state}, process ${entry.ownerPid}, page ${hex(entry.ownerAddress)}${entry.modified ? ', modified' : ''}; commit charge ${kernel.mm.counters.commitCharge} page(s)`,
      )
    }
  })

  n.step(`4. Touch the next page, still only reserved: a read at ${hex(page + 0x1000)}`)
  const fault = cpu.read(page + 0x1000, 1)
  n.say(`   → ${ntStatusName(fault.status)}: reserved memory has no backing; the thread gets the exception`)
  n.expect('read of reserved memory', ntStatusName(fault.status), 'STATUS_ACCESS_VIOLATION')

  n.step('5. Make the committed page read-only, then write to it')
  const protect = nt.NtProtectVirtualMemory(NtCurrentProcess, page, 0x1000, PAGE_READONLY)
  n.say(
    `   NtProtectVirtualMemory → ${ntStatusName(protect.status)}, OldProtect ${pageProtectionName(protect.oldProtect)}`,
  )
  const denied = cpu.write(page, [1])
  n.say(`   → ${ntStatusName(denied.status)}: a write to PAGE_READONLY`)
  n.expect('write to PAGE_READONLY', ntStatusName(denied.status), 'STATUS_ACCESS_VIOLATION')

  n.quietly(() => {
    const statistics = kernel.mm.mmu.statistics().data
    const counters = kernel.mm.counters
    n.lines.push(
      '',
      `TLB: ${statistics.lookups} lookups, ${statistics.hits} hits, ${statistics.misses} misses, ${statistics.walks} walks (${statistics.walkMemoryReferences} entry reads)`,
      `Faults: ${counters.pageFaults} in all, ${counters.demandZeroFaults} demand-zero, ${counters.accessViolations} access violations`,
    )
  })
  return n
}

/** The scenario entry. */
export const articleStory: Scenario = {
  name: 'article',
  title: "The source article's story",
  summary:
    'Reserve, commit (maps nothing), touch: #PF → MmAccessFault → MmNotPresentFault → MmNotPresentFaultVirtualMemory → MmRequestPageMemoryConsumer + MmCreateVirtualMapping; then an access violation on reserved memory and on a read-only page.',
  run: playArticleStory,
}
