// A guard page and a growing stack. A thread's stack is a reservation whose top pages are
// committed, with one PAGE_GUARD page below them. The first touch of the guard page raises
// STATUS_GUARD_PAGE_VIOLATION once (the guard is consumed, the page becomes ordinary); the stack
// code (MiCheckForUserStackOverflow in Windows) then commits the next page down as the new guard,
// so the stack grows one page at a time, until only the last reserved page is left and the thread
// gets STATUS_STACK_OVERFLOW's neighbour, an access violation.

import {
  MEM_COMMIT,
  MEM_RESERVE,
  NtCurrentProcess,
  ntStatusName,
  PAGE_GUARD,
  PAGE_READWRITE,
} from '@ntmm/nt-syscalls'
import { hex } from '../format.js'
import { Narrator } from '../narrator.js'
import { regionLines } from '../views/memoryMap.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

const STACK_PAGES = 8

function play(options: ScenarioOptions): Narrator {
  const n = new Narrator(
    { arch: options.arch },
    { verbose: options.verbose, record: options.record === true },
  )
  const { pid } = n.quietly(() => n.kernel.createProcess({ name: 'stack.exe' }))
  const nt = n.kernel.syscalls(pid)
  const cpu = n.kernel.cpu(pid)
  n.say(`ntmm: a guard page and a growing stack on an ${n.kernel.arch} machine, process ${pid}`)

  n.step(
    `1. Reserve a ${STACK_PAGES}-page stack; commit its top page, and the page below it as PAGE_READWRITE|PAGE_GUARD`,
  )
  const stack = nt.NtAllocateVirtualMemory(
    NtCurrentProcess,
    0,
    0,
    STACK_PAGES * 0x1000,
    MEM_RESERVE,
    PAGE_READWRITE,
  )
  const base = stack.baseAddress
  const top = base + STACK_PAGES * 0x1000
  nt.NtAllocateVirtualMemory(NtCurrentProcess, top - 0x1000, 0, 0x1000, MEM_COMMIT, PAGE_READWRITE)
  let guard = top - 0x2000
  nt.NtAllocateVirtualMemory(NtCurrentProcess, guard, 0, 0x1000, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD)
  n.quietly(() => {
    for (const line of regionLines(n.kernel, pid, base, top)) n.lines.push(`     ${line}`)
  })

  n.step(`2. The thread pushes 4 bytes at the top of the stack (${hex(top - 4)}): a demand-zero fault`)
  n.expect(
    'push into the committed page',
    ntStatusName(cpu.write(top - 4, [1, 2, 3, 4]).status),
    'STATUS_SUCCESS',
  )

  n.step(`3. It pushes deeper, into the guard page at ${hex(guard)}`)
  const hit = cpu.write(guard + 0xffc, [5, 6, 7, 8])
  n.expect('the guard page raises once', ntStatusName(hit.status), 'STATUS_GUARD_PAGE_VIOLATION')
  n.say('   the stack code commits the next page down as the new guard page, then the push is retried:')
  nt.NtAllocateVirtualMemory(
    NtCurrentProcess,
    guard - 0x1000,
    0,
    0x1000,
    MEM_COMMIT,
    PAGE_READWRITE | PAGE_GUARD,
  )
  n.expect('the retried push', ntStatusName(cpu.write(guard + 0xffc, [5, 6, 7, 8]).status), 'STATUS_SUCCESS')
  guard -= 0x1000

  n.step('4. The stack keeps growing, one guard-page exception per page, down to the last reserved page')
  let exceptions = 1
  n.summarise(() => {
    while (guard > base + 0x1000) {
      const result = cpu.write(guard + 0xffc, [9])
      if (result.status !== 0) {
        exceptions++
        nt.NtAllocateVirtualMemory(
          NtCurrentProcess,
          guard - 0x1000,
          0,
          0x1000,
          MEM_COMMIT,
          PAGE_READWRITE | PAGE_GUARD,
        )
        cpu.write(guard + 0xffc, [9])
      }
      guard -= 0x1000
    }
  })
  n.say(`   ${exceptions} guard-page exceptions in all; the map now:`)
  n.quietly(() => {
    for (const line of regionLines(n.kernel, pid, base, top)) n.lines.push(`     ${line}`)
  })

  n.step(`5. The last guard page at ${hex(guard)} is consumed; below it only reserved memory is left`)
  const last = cpu.write(guard + 0xffc, [1])
  n.expect('the last guard page', ntStatusName(last.status), 'STATUS_GUARD_PAGE_VIOLATION')
  const overflow = cpu.write(base + 0xffc, [1])
  n.say(
    '   Windows stops one page short and raises STATUS_STACK_OVERFLOW; here the thread runs into reserved memory:',
  )
  n.expect('a push past the stack', ntStatusName(overflow.status), 'STATUS_ACCESS_VIOLATION')
  return n
}

/** The scenario entry. */
export const stackGrowth: Scenario = {
  name: 'stack',
  title: 'A guard page and a growing stack',
  summary:
    'A stack reservation with a PAGE_GUARD page below its committed top; each guard-page exception commits the next page down.',
  run: play,
}
