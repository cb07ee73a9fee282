// Copy-on-write through a section view (NT-SECTIONS §9; ReactOS MmAccessFaultSectionView's
// copy-on-write branch, Windows' MiCopyOnWrite): one process maps a page-file-backed section twice,
// PAGE_READWRITE and PAGE_WRITECOPY. A write through the WRITECOPY view faults on its read-only
// PTE; the memory manager copies the shared frame into a private one, for that page and that view
// only, and the page reads PAGE_READWRITE there from then on. The other view keeps the segment's
// frame and its bytes. The WRITECOPY view's commit was charged to the process when it was mapped.

import {
  NtCurrentProcess,
  ntStatusName,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
  pageProtectionName,
  SEC_COMMIT,
  SECTION_ALL_ACCESS,
  ViewUnmap,
} from '@ntmm/nt-syscalls'
import { hex } from '../format.js'
import { Narrator } from '../narrator.js'
import { pteLines } from '../views/pteView.js'
import { sectionPageAt } from '../views/sectionInspection.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

const NAME = '\\BaseNamedObjects\\ntmm-cow'

function play(options: ScenarioOptions): Narrator {
  const n = new Narrator(
    { arch: options.arch },
    { verbose: options.verbose, record: options.record === true },
  )
  const pid = n.quietly(() => n.kernel.createProcess({ name: 'cow.exe' }).pid)
  const nt = n.kernel.syscalls(pid)
  const cpu = n.kernel.cpu(pid)
  const decode = (data: readonly number[] | Uint8Array) => new TextDecoder().decode(Uint8Array.from(data))
  const commitBefore = n.kernel.mm.commitCharge
  n.say(`ntmm: copy-on-write on an ${n.kernel.arch} machine: cow.exe (${pid}) maps ${NAME} twice`)

  n.step('1. A page-file-backed section (SEC_COMMIT, 8 KiB), mapped PAGE_READWRITE and PAGE_WRITECOPY')
  const section = nt.NtCreateSection(
    SECTION_ALL_ACCESS,
    { name: NAME },
    0x2000,
    PAGE_READWRITE,
    SEC_COMMIT,
    0,
  )
  n.expect('NtCreateSection', ntStatusName(section.status), 'STATUS_SUCCESS')
  const shared = nt.NtMapViewOfSection(
    section.handle,
    NtCurrentProcess,
    0,
    0,
    0,
    0,
    0,
    ViewUnmap,
    0,
    PAGE_READWRITE,
  )
  n.expect('NtMapViewOfSection PAGE_READWRITE', ntStatusName(shared.status), 'STATUS_SUCCESS')
  const copy = nt.NtMapViewOfSection(
    section.handle,
    NtCurrentProcess,
    0,
    0,
    0,
    0,
    0,
    ViewUnmap,
    0,
    PAGE_WRITECOPY,
  )
  n.expect(
    'NtMapViewOfSection PAGE_WRITECOPY (the view is charged to the process: a write may need a private page)',
    ntStatusName(copy.status),
    'STATUS_SUCCESS',
  )

  n.step(
    `2. "original" is written through the READWRITE view at ${hex(shared.baseAddress)}; the WRITECOPY view reads it`,
  )
  cpu.write(shared.baseAddress, [...new TextEncoder().encode('original')])
  n.expect(`read at ${hex(copy.baseAddress)}`, decode(cpu.read(copy.baseAddress, 8).data), 'original')
  n.say(`   before the write: the WRITECOPY view's PTE names the segment's frame, read-only`)
  n.quietly(() => {
    for (const line of pteLines(n.kernel, pid, copy.baseAddress)) n.lines.push(`   ${line}`)
  })

  n.step(`3. "private!" is written through the WRITECOPY view at ${hex(copy.baseAddress)}`)
  const commitBeforeCopy = n.kernel.mm.commitCharge
  cpu.write(copy.baseAddress, [...new TextEncoder().encode('private!')])
  n.say('   after the write: the PTE names a private frame, writable; the prototype PTE is unchanged')
  n.quietly(() => {
    for (const line of pteLines(n.kernel, pid, copy.baseAddress)) n.lines.push(`   ${line}`)
  })
  n.expect(`the WRITECOPY view reads`, decode(cpu.read(copy.baseAddress, 8).data), 'private!')
  n.expect(`the READWRITE view still reads`, decode(cpu.read(shared.baseAddress, 8).data), 'original')
  const [copied, untouched] = n.quietly(() => [
    nt.NtQueryVirtualMemory(NtCurrentProcess, copy.baseAddress).info?.protect ?? 0,
    nt.NtQueryVirtualMemory(NtCurrentProcess, copy.baseAddress + 0x1000).info?.protect ?? 0,
  ])
  n.expect(
    'NtQueryVirtualMemory: the copied page, and the next page of the view',
    `${pageProtectionName(copied)}, ${pageProtectionName(untouched)}`,
    'PAGE_READWRITE, PAGE_WRITECOPY',
  )
  n.expect(
    'the prototype PTE still names the shared frame',
    n.quietly(() => sectionPageAt(n.kernel, pid, shared.baseAddress)?.entry.kind ?? 'none'),
    'VALID',
  )
  n.expect(
    "commit charge since the start: the segment's 2 pages and the WRITECOPY view's 2 (taken at map time); the copy itself",
    `+${n.kernel.mm.commitCharge - commitBefore} pages; +${n.kernel.mm.commitCharge - commitBeforeCopy}`,
    '+4 pages; +0',
  )
  return n
}

/** The scenario entry. */
export const copyOnWrite: Scenario = {
  name: 'copy-on-write',
  title: 'Copy-on-write: a PAGE_WRITECOPY view written',
  summary:
    'One section, two views: a write through the PAGE_WRITECOPY one copies that page into a private frame for that view only; the other view keeps the original bytes.',
  run: play,
}
