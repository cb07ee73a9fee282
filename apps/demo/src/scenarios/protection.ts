// Protection changes and access violations: NtProtectVirtualMemory on committed pages (returning
// the old protection of the first page), a write to PAGE_READONLY, a read of PAGE_NOACCESS, a
// protection change on memory that is only reserved (STATUS_NOT_COMMITTED), and an instruction
// fetch from a non-executable page where the CPU can tell (PAE and x64 have the NX bit).

import {
  MEM_COMMIT,
  MEM_RESERVE,
  NtCurrentProcess,
  ntStatusName,
  PAGE_EXECUTE_READ,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
  pageProtectionName,
} from '@ntmm/nt-syscalls'
import { hex } from '../format.js'
import { Narrator } from '../narrator.js'
import { regionLines } from '../views/memoryMap.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

function play(options: ScenarioOptions): Narrator {
  const n = new Narrator(
    { arch: options.arch },
    { verbose: options.verbose, record: options.record === true },
  )
  const { pid } = n.quietly(() => n.kernel.createProcess({ name: 'protect.exe' }))
  const nt = n.kernel.syscalls(pid)
  const cpu = n.kernel.cpu(pid)
  n.say(`ntmm: protection changes and access violations on an ${n.kernel.arch} machine, process ${pid}`)

  n.step('1. Reserve 64 KiB, commit 3 pages PAGE_READWRITE and write to each')
  const base = nt.NtAllocateVirtualMemory(
    NtCurrentProcess,
    0,
    0,
    0x10000,
    MEM_RESERVE,
    PAGE_READWRITE,
  ).baseAddress
  nt.NtAllocateVirtualMemory(NtCurrentProcess, base, 0, 0x3000, MEM_COMMIT, PAGE_READWRITE)
  n.summarise(() => {
    for (let page = 0; page < 3; page++) cpu.write(base + page * 0x1000, [0xc3])
  })

  n.step(`2. Make the second page (${hex(base + 0x1000)}) PAGE_READONLY`)
  const readOnly = nt.NtProtectVirtualMemory(NtCurrentProcess, base + 0x1000, 0x1000, PAGE_READONLY)
  n.expect('OldProtect', pageProtectionName(readOnly.oldProtect), 'PAGE_READWRITE')
  n.expect('a read still works', ntStatusName(cpu.read(base + 0x1000, 1).status), 'STATUS_SUCCESS')
  const write = cpu.write(base + 0x1010, [1])
  n.expect('a write faults', ntStatusName(write.status), 'STATUS_ACCESS_VIOLATION')
  n.expect('ExceptionInformation[0] (1 = write)', String(write.exception?.accessKind), '1')
  n.expect('ExceptionInformation[1] (the address)', hex(write.exception?.address ?? 0), hex(base + 0x1010))

  n.step(`3. Make the third page (${hex(base + 0x2000)}) PAGE_NOACCESS`)
  n.expect(
    'OldProtect',
    pageProtectionName(
      nt.NtProtectVirtualMemory(NtCurrentProcess, base + 0x2000, 0x1000, PAGE_NOACCESS).oldProtect,
    ),
    'PAGE_READWRITE',
  )
  const read = cpu.read(base + 0x2000, 1)
  n.expect('a read faults', ntStatusName(read.status), 'STATUS_ACCESS_VIOLATION')
  n.expect('ExceptionInformation[0] (0 = read)', String(read.exception?.accessKind), '0')

  n.step('4. A protection change spanning committed and reserved pages')
  const spanning = nt.NtProtectVirtualMemory(NtCurrentProcess, base + 0x2000, 0x2000, PAGE_READONLY)
  n.expect('reserved pages cannot take a protection', ntStatusName(spanning.status), 'STATUS_NOT_COMMITTED')

  n.step(`5. Execute from the PAGE_READWRITE first page (${hex(base)})`)
  const execute = cpu.execute(base)
  if (n.kernel.arch === 'x86') {
    n.say('   32-bit paging has no NX bit: every readable page is executable')
    n.expect('the fetch', ntStatusName(execute.status), 'STATUS_SUCCESS')
  } else {
    n.expect('the fetch (DEP: the PTE has NX set)', ntStatusName(execute.status), 'STATUS_ACCESS_VIOLATION')
    n.expect('ExceptionInformation[0] (8 = execute)', String(execute.exception?.accessKind), '8')
  }
  n.expect(
    'PAGE_EXECUTE_READ makes it executable',
    `${pageProtectionName(nt.NtProtectVirtualMemory(NtCurrentProcess, base, 0x1000, PAGE_EXECUTE_READ).oldProtect)} → ${ntStatusName(cpu.execute(base).status)}`,
    'PAGE_READWRITE → STATUS_SUCCESS',
  )
  n.quietly(() => {
    n.lines.push('   the map now:')
    for (const line of regionLines(n.kernel, pid, base, base + 0x10000)) n.lines.push(`     ${line}`)
  })
  return n
}

/** The scenario entry. */
export const protection: Scenario = {
  name: 'protection',
  title: 'Protection changes and access violations',
  summary:
    'NtProtectVirtualMemory to PAGE_READONLY / PAGE_NOACCESS / PAGE_EXECUTE_READ, the faults that follow (with their ExceptionInformation), and STATUS_NOT_COMMITTED.',
  run: play,
}
