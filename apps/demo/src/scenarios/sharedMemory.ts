// Shared memory through a named section (NT-SECTIONS §2–§4; ReactOS NtCreateSection →
// MmCreateArm3Section, NtOpenSection, NtMapViewOfSection → MiMapViewOfDataSection): writer.exe
// creates a page-file-backed section `\BaseNamedObjects\ntmm-shared`, maps it and writes;
// reader.exe opens it by name and maps it at another address. Its first touch finds the segment's
// prototype PTE VALID and maps the same frame (MiResolveProtoPteFault: no copy, no zeroing), so
// the frame's share count becomes 2.

import {
  NtCurrentProcess,
  ntStatusName,
  PAGE_READWRITE,
  SEC_COMMIT,
  SECTION_ALL_ACCESS,
  SECTION_MAP_READ,
  SECTION_MAP_WRITE,
  ViewUnmap,
} from '@ntmm/nt-syscalls'
import { hex } from '../format.js'
import { Narrator } from '../narrator.js'
import { pfnView } from '../views/pfnView.js'
import { pteLines } from '../views/pteView.js'
import { frameMappings, mappingsLabel, sectionPageAt } from '../views/sectionInspection.js'
import { sectionsView } from '../views/sectionsView.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

const NAME = '\\BaseNamedObjects\\ntmm-shared'
const MESSAGE = 'hello from writer.exe'

function play(options: ScenarioOptions): Narrator {
  const n = new Narrator(
    { arch: options.arch },
    { verbose: options.verbose, record: options.record === true },
  )
  const { writer, reader } = n.quietly(() => ({
    writer: n.kernel.createProcess({ name: 'writer.exe' }).pid,
    reader: n.kernel.createProcess({ name: 'reader.exe' }).pid,
  }))
  n.say(
    `ntmm: shared memory on an ${n.kernel.arch} machine: writer.exe (${writer}) and reader.exe (${reader}) share ${NAME}`,
  )
  const a = n.kernel.syscalls(writer)
  const b = n.kernel.syscalls(reader)

  n.step(`1. writer.exe creates the page-file-backed section ${NAME} (SEC_COMMIT, 8 KiB)`)
  const created = a.NtCreateSection(SECTION_ALL_ACCESS, { name: NAME }, 0x2000, PAGE_READWRITE, SEC_COMMIT, 0)
  n.expect('NtCreateSection', ntStatusName(created.status), 'STATUS_SUCCESS')
  const viewA = a.NtMapViewOfSection(
    created.handle,
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
  n.expect('NtMapViewOfSection in writer.exe', ntStatusName(viewA.status), 'STATUS_SUCCESS')

  n.step(
    `2. writer.exe writes "${MESSAGE}" at ${hex(viewA.baseAddress)}: the first touch of a DEMAND_ZERO page`,
  )
  const text = new TextEncoder().encode(MESSAGE)
  n.kernel.cpu(writer).write(viewA.baseAddress, [...text])

  n.step(`3. reader.exe opens ${NAME} by name and maps it`)
  const opened = b.NtOpenSection(SECTION_MAP_READ | SECTION_MAP_WRITE, { name: NAME })
  n.expect('NtOpenSection', ntStatusName(opened.status), 'STATUS_SUCCESS')
  // A base chosen by the caller (as MapViewOfFileEx does): the two views need not share an address.
  const viewB = b.NtMapViewOfSection(
    opened.handle,
    NtCurrentProcess,
    0x00200000,
    0,
    0,
    0,
    0,
    ViewUnmap,
    0,
    PAGE_READWRITE,
  )
  n.expect('NtMapViewOfSection in reader.exe', ntStatusName(viewB.status), 'STATUS_SUCCESS')

  n.step(
    `4. reader.exe reads ${hex(viewB.baseAddress)}: the prototype PTE is VALID, so the fault maps writer.exe's frame (no copy, no zeroing)`,
  )
  const seen = n.kernel.cpu(reader).read(viewB.baseAddress, text.length)
  n.expect("reader.exe reads writer.exe's bytes", new TextDecoder().decode(seen.data), MESSAGE)
  const shared = n.quietly(() => {
    const page = sectionPageAt(n.kernel, reader, viewB.baseAddress)
    const pfn = page?.entry.kind === 'VALID' ? page.entry.value : -1
    return {
      pfn,
      shares: pfn < 0 ? 0 : (n.kernel.mm.pfnDatabase.entry(pfn).segment?.shareCount ?? 0),
      mappers: pfn < 0 ? '' : mappingsLabel(frameMappings(n.kernel, page!.segment.id, page!.page, pfn)),
    }
  })
  n.expect(
    "one frame, two PTEs: the share count of the prototype PTE's frame",
    `${shared.shares} (${shared.mappers})`,
    `2 (pid ${writer} @ ${hex(viewA.baseAddress)}, pid ${reader} @ ${hex(viewB.baseAddress)})`,
  )
  n.quietly(() => {
    for (const line of pteLines(n.kernel, reader, viewB.baseAddress)) n.lines.push(`   ${line}`)
  })
  n.step('5. The segment and its shared frame (`sections` and `pfn` views)')
  n.quietly(() => {
    for (const line of sectionsView(n.kernel, {}).lines) n.lines.push(`   ${line}`)
    const frames = pfnView(n.kernel, {}).lines
    n.lines.push(
      `   ${frames[1]}`,
      ...frames.filter((line) => / ACTIVE /.test(line)).map((line) => `   ${line}`),
    )
  })
  return n
}

/** The scenario entry. */
export const sharedMemory: Scenario = {
  name: 'shared-memory',
  title: 'Shared memory: a named page-file-backed section mapped by two processes',
  summary:
    'writer.exe creates and maps \\BaseNamedObjects\\ntmm-shared and writes; reader.exe opens it by name, maps it elsewhere and reads the same frame (share count 2).',
  run: play,
}
