// The source article's story, told by the machine itself: NtAllocateVirtualMemory reserves a
// range (a MEMORY_AREA in the AVL tree), commits one page (MmAlterRegion splits the region list;
// no frame, no PTE), then the first touch takes a #PF through MmAccessFault → MmNotPresentFault →
// MmNotPresentFaultVirtualMemory → MmRequestPageMemoryConsumer + MmCreateVirtualMapping, and the
// retried store succeeds. Every step prints the events it caused, layer by layer.

import {
  type Arch,
  createKernel,
  MEM_COMMIT,
  MEM_RESERVE,
  memoryFlagsName,
  NtCurrentProcess,
  ntStatusName,
  PAGE_READONLY,
  PAGE_READWRITE,
  pageProtectionName,
} from '@ntmm/nt-syscalls'
import { describeEvent } from './describeEvent.js'
import { bytes, hex } from './format.js'

/** Options of {@link runArticleStory}. */
export interface ArticleStoryOptions {
  readonly arch?: Arch
  /** Print every event, not only the narrated kinds. */
  readonly verbose?: boolean
}

/** Runs the story and returns its narration, line by line. */
export function runArticleStory(options: ArticleStoryOptions = {}): string[] {
  const lines: string[] = []
  const pending: { seq: number; cause: number | undefined; type: string; text: string }[] = []
  const kernel = createKernel({
    arch: options.arch ?? 'x86',
    onEvent: ({ seq, cause, event }) => {
      const text = describeEvent(event as { readonly type: string } & Record<string, unknown>)
      if (text !== undefined) pending.push({ seq, cause, type: event.type, text })
      else if (options.verbose) pending.push({ seq, cause, type: event.type, text: event.type })
    },
  })
  const flush = () => {
    for (const entry of pending) {
      const layer = entry.type.slice(0, entry.type.indexOf('.'))
      const because = entry.cause === undefined ? '' : `  (cause #${entry.cause})`
      lines.push(`    #${String(entry.seq).padStart(3)} ${layer.padEnd(2)} ${entry.text}${because}`)
    }
    pending.length = 0
  }
  const step = (title: string) => {
    flush()
    lines.push('', title)
  }

  const { pid } = kernel.createProcess({ name: 'article.exe' })
  const nt = kernel.syscalls(pid)
  const cpu = kernel.cpu(pid)
  pending.length = 0
  lines.push(`ntmm: the source article's story on an ${kernel.arch} machine, process ${pid} (article.exe)`)

  step(
    '1. Reserve 64 KiB anywhere: NtAllocateVirtualMemory(NtCurrentProcess, 0, 0, 0x10000, MEM_RESERVE, PAGE_READWRITE)',
  )
  const reserve = nt.NtAllocateVirtualMemory(NtCurrentProcess, 0, 0, 0x10000, MEM_RESERVE, PAGE_READWRITE)
  const base = reserve.baseAddress
  flush()
  lines.push(
    `   → ${ntStatusName(reserve.status)}, BaseAddress ${hex(base)}, RegionSize ${bytes(reserve.regionSize)}`,
  )

  step(
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
  flush()
  lines.push(
    `   → ${ntStatusName(commit.status)}, BaseAddress ${hex(commit.baseAddress)}, RegionSize ${bytes(commit.regionSize)}`,
  )
  lines.push("   The area's regions now tile it as:")
  for (let at = base; at < base + reserve.regionSize; ) {
    const { info } = nt.NtQueryVirtualMemory(NtCurrentProcess, at)
    lines.push(
      `     [${hex(info.baseAddress)}, +${bytes(info.regionSize).padEnd(6)}) ${memoryFlagsName(info.state).padEnd(10)} ${info.protect === 0 ? '' : pageProtectionName(info.protect)}`,
    )
    at = info.baseAddress + info.regionSize
  }
  pending.length = 0 // the queries above are inspection, not part of the story
  const page = commit.baseAddress
  lines.push(
    `   MEM_COMMIT mapped nothing: a side-effect-free peek at ${hex(page)} gives ${ntStatusName(cpu.peek(page, 1).status)}`,
  )

  step(`3. Touch it: the thread stores 4 bytes at ${hex(page + 0x10)}`)
  const write = cpu.write(page + 0x10, [0x4e, 0x54, 0x4d, 0x4d])
  flush()
  lines.push(`   → ${ntStatusName(write.status)}: the fault was resolved and the store retried`)
  const read = cpu.read(page + 0x10, 4)
  pending.length = 0
  lines.push(
    `   reading back: ${ntStatusName(read.status)} [${[...read.data].map((value) => hex(value, 2)).join(' ')}]`,
  )
  const mmu = kernel.mm.mmuFor(pid)
  const walk = mmu.probe(page + 0x10, { access: 'read', mode: 'user' })
  lines.push(`   The page walk for ${hex(page + 0x10)} (CR3 ${hex(mmu.cr3)}):`)
  for (const level of walk.levels) {
    const bits = Object.entries(level.decoded)
      .filter(([, value]) => value === true)
      .map(([name]) => name)
      .join(' ')
    lines.push(`     ${level.name.padEnd(5)} at ${hex(level.entryAddress)} = ${hex(level.low)}  ${bits}`)
  }

  step(`4. Touch the next page, still only reserved: a read at ${hex(page + 0x1000)}`)
  const fault = cpu.read(page + 0x1000, 1)
  flush()
  lines.push(
    `   → ${ntStatusName(fault.status)}: reserved memory has no backing; the thread gets the exception`,
  )

  step(`5. Make the committed page read-only, then write to it`)
  const protect = nt.NtProtectVirtualMemory(NtCurrentProcess, page, 0x1000, PAGE_READONLY)
  lines.push(
    `   NtProtectVirtualMemory → ${ntStatusName(protect.status)}, OldProtect ${pageProtectionName(protect.oldProtect)}`,
  )
  const denied = cpu.write(page, [1])
  flush()
  lines.push(`   → ${ntStatusName(denied.status)}: a write to PAGE_READONLY`)

  flush()
  const statistics = mmu.statistics().data
  const counters = kernel.mm.counters
  lines.push(
    '',
    `TLB: ${statistics.lookups} lookups, ${statistics.hits} hits, ${statistics.misses} misses, ${statistics.walks} walks (${statistics.walkMemoryReferences} entry reads)`,
    `Faults: ${counters.pageFaults} in all, ${counters.demandZeroFaults} demand-zero, ${counters.accessViolations} access violations`,
  )
  return lines
}
