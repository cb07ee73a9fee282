// TLB behaviour. (1) A loop over one page more than a fully associative LRU TLB holds misses on
// every reference: each fill evicts exactly the page the loop needs next (a loop that fits hits
// on every reference after the first round). (2) The OS changes a PTE without INVLPG: the TLB
// keeps the old translation, so the CPU goes on using the old frame until the entry is invalidated
// (the edit and the INVLPG go through kernel.debug, so a recording of this replays with --verify).

import { MEM_COMMIT, MEM_RESERVE, NtCurrentProcess, ntStatusName, PAGE_READWRITE } from '@ntmm/nt-syscalls'
import { hex } from '../format.js'
import { Narrator } from '../narrator.js'
import { pteLines } from '../views/pteView.js'
import { loopReferences, playReferences } from '../workloads.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

const TLB_ENTRIES = 8

function play(options: ScenarioOptions): Narrator {
  const tlb = { data: { entries: TLB_ENTRIES, ways: TLB_ENTRIES, policy: 'lru' as const } }
  const n = new Narrator(
    { arch: options.arch, tlb },
    { verbose: options.verbose, record: options.record === true },
  )
  n.say(
    `ntmm: TLB behaviour on an ${n.kernel.arch} machine with a ${TLB_ENTRIES}-entry fully associative LRU TLB`,
  )

  n.step(
    `1. A loop over ${TLB_ENTRIES} pages, 10 rounds (it fits), then over ${TLB_ENTRIES + 1} pages on a fresh machine`,
  )
  const fits = n.quietly(() => playReferences(n.kernel, TLB_ENTRIES, loopReferences(TLB_ENTRIES, 10)))
  const other = new Narrator({ arch: options.arch, tlb })
  const spills = playReferences(other.kernel, TLB_ENTRIES + 1, loopReferences(TLB_ENTRIES + 1, 10))
  for (const [label, figures] of [
    [`${TLB_ENTRIES} pages`, fits],
    [`${TLB_ENTRIES + 1} pages`, spills],
  ] as const) {
    n.lines.push(
      `   ${label.padEnd(8)}: ${figures.tlb.lookups} lookups, ${figures.tlb.hits} hits, ${figures.tlb.misses} misses, ${figures.tlb.evictions} evictions`,
    )
  }
  n.expect(
    `${TLB_ENTRIES} pages: only the first round misses (twice a page: the access, and its retry after the demand-zero fault)`,
    String(fits.tlb.misses),
    String(2 * TLB_ENTRIES),
  )
  n.expect(`${TLB_ENTRIES + 1} pages: LRU misses every lookup`, String(spills.tlb.hits), '0')

  n.step('2. A stale TLB entry: the OS repoints a PTE to another frame without INVLPG')
  const { pid } = n.quietly(() => n.kernel.createProcess({ name: 'stale.exe' }))
  const nt = n.kernel.syscalls(pid)
  const cpu = n.kernel.cpu(pid)
  const base = nt.NtAllocateVirtualMemory(
    NtCurrentProcess,
    0,
    0,
    0x2000,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_READWRITE,
  ).baseAddress
  cpu.write(base, [0xaa])
  cpu.write(base + 0x1000, [0xbb])
  n.expect(`the byte at ${hex(base)}`, hex(cpu.read(base, 1).data[0] ?? -1, 2), '0xaa')
  // kernel.debug: a debugger's PTE edit and INVLPG, recorded as inputs so a replay re-executes them.
  const debug = n.kernel.debug
  const original = debug.readPte(pid, base)
  const other2 = debug.readPte(pid, base + 0x1000)
  if (original === undefined || other2 === undefined) throw new Error('the committed pages have no PTEs')
  n.say(`   the PTE of ${hex(base)} is rewritten to name the frame of ${hex(base + 0x1000)} (no INVLPG):`)
  debug.writePte(pid, base, other2)
  n.quietly(() => {
    for (const line of pteLines(n.kernel, pid, base)) n.lines.push(`   ${line}`)
  })
  n.expect(
    'the CPU still reads the old frame through the TLB',
    hex(cpu.read(base, 1).data[0] ?? -1, 2),
    '0xaa',
  )
  n.say(`   INVLPG ${hex(base)}:`)
  debug.invlpg(pid, base)
  n.expect('the next read walks the new PTE', hex(cpu.read(base, 1).data[0] ?? -1, 2), '0xbb')
  n.say('   the PTE is put back (and invalidated again), so the machine stays consistent:')
  debug.writePte(pid, base, original)
  debug.invlpg(pid, base)
  n.expect(
    `the byte at ${hex(base)} again`,
    `${ntStatusName(cpu.read(base, 1).status)} ${hex(cpu.read(base, 1).data[0] ?? -1, 2)}`,
    'STATUS_SUCCESS 0xaa',
  )
  return n
}

/** The scenario entry. */
export const tlbBehaviour: Scenario = {
  name: 'tlb',
  title: 'TLB behaviour: an LRU loop one page too large, and a stale entry',
  summary: `A loop over ${TLB_ENTRIES + 1} pages misses every time in an ${TLB_ENTRIES}-entry LRU TLB; a PTE changed without INVLPG keeps being used until invalidated.`,
  run: play,
}
