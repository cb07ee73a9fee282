// An image section (NT-SECTIONS §15; ReactOS MmCreateImageSection / Windows' MiCreateImageFileMap,
// NtMapViewOfSection → MiMapViewOfImageSection, NtQuerySection SectionImageInformation): a small PE
// written to a file is made a SEC_IMAGE section, mapped once at its preferred ImageBase and once more
// in the same process, where the base is taken, so the view lands elsewhere and the call returns the
// success code STATUS_IMAGE_NOT_AT_BASE (the loader would apply the relocations). Every page of an
// image view is MEM_IMAGE with AllocationProtect PAGE_EXECUTE_WRITECOPY; each section's pages carry
// the protection its characteristics ask for, writable ones as WRITECOPY, so a write to .data makes
// a private copy for that view only.

import {
  buildPeImage,
  FILE_CREATE,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FILE_SHARE_READ,
  IMAGE_FILE_MACHINE,
  IMAGE_SCN,
  MEM_IMAGE,
  NtCurrentProcess,
  ntStatusName,
  PAGE_READONLY,
  pageProtectionName,
  SEC_IMAGE,
  SECTION_ALL_ACCESS,
  SectionImageInformation,
  type SectionImageInfo,
  ViewShare,
} from '@ntmm/nt-syscalls'
import { hex } from '../format.js'
import { Narrator } from '../narrator.js'
import { addressView } from '../views/memoryMap.js'
import { pteLines } from '../views/pteView.js'
import { vadView } from '../views/vadView.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

const FILE = '\\??\\C:\\hello.exe'
const IMAGE_BASE = 0x400000
const { CNT_CODE, CNT_INITIALIZED_DATA, MEM_EXECUTE, MEM_READ, MEM_WRITE } = IMAGE_SCN

/** The image for `machine`: headers, .text (RX), .data (RW), .rdata (R), and a .reloc so it can move. */
const buildImage = (machine: number) =>
  buildPeImage({
    machine,
    imageBase: IMAGE_BASE,
    entryPoint: 0x1000,
    relocations: 'present',
    sections: [
      {
        name: '.text',
        data: new Uint8Array(0x200).fill(0xc3),
        characteristics: CNT_CODE | MEM_READ | MEM_EXECUTE,
      },
      {
        name: '.data',
        data: new TextEncoder().encode('initial'),
        characteristics: CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE,
      },
      {
        name: '.rdata',
        data: new TextEncoder().encode('constant'),
        characteristics: CNT_INITIALIZED_DATA | MEM_READ,
      },
    ],
  })

/** Type as NtQueryVirtualMemory reports it (MEM_IMAGE shares its value with MEM_RESET_UNDO). */
const typeName = (type: number) => (type === MEM_IMAGE ? 'MEM_IMAGE' : hex(type, 0))

/** Each section's page in a view: its offset from the view's base and the protection it must read. */
const PAGES = [
  { name: 'headers', offset: 0, protect: 'PAGE_READONLY' },
  { name: '.text', offset: 0x1000, protect: 'PAGE_EXECUTE_READ' },
  { name: '.data', offset: 0x2000, protect: 'PAGE_WRITECOPY' },
  { name: '.rdata', offset: 0x3000, protect: 'PAGE_READONLY' },
] as const

function play(options: ScenarioOptions): Narrator {
  const n = new Narrator(
    { arch: options.arch },
    { verbose: options.verbose, record: options.record === true },
  )
  const pid = n.quietly(() => n.kernel.createProcess({ name: 'loader.exe' }).pid)
  const nt = n.kernel.syscalls(pid)
  const cpu = n.kernel.cpu(pid)
  const decode = (data: readonly number[] | Uint8Array) => new TextDecoder().decode(Uint8Array.from(data))
  // An x64 machine maps a PE32+ AMD64 image; an x86 one a PE32 i386 image.
  const machine = n.kernel.arch === 'x64' ? IMAGE_FILE_MACHINE.AMD64 : IMAGE_FILE_MACHINE.I386
  const IMAGE = buildImage(machine)
  n.say(`ntmm: an image section on an ${n.kernel.arch} machine: loader.exe (${pid}) maps ${FILE} twice`)

  n.step(`1. loader.exe writes a ${IMAGE.length}-byte PE (.text, .data, .rdata, .reloc) to ${FILE}`)
  const file = nt.NtCreateFile(
    FILE_GENERIC_READ | FILE_GENERIC_WRITE,
    { name: FILE },
    undefined,
    0,
    FILE_SHARE_READ,
    FILE_CREATE,
    0,
  )
  n.expect('NtCreateFile', ntStatusName(file.status), 'STATUS_SUCCESS')
  // Quietly: the narration would print the image's every byte.
  const written = n.quietly(() => nt.NtWriteFile(file.handle, 0, IMAGE))
  n.expect(
    'NtWriteFile',
    `${ntStatusName(written.status)}, ${written.bytesWritten} bytes`,
    `STATUS_SUCCESS, ${IMAGE.length} bytes`,
  )

  n.step(
    '2. NtCreateSection(SEC_IMAGE) reads the headers; NtQuerySection(SectionImageInformation) returns them',
  )
  const section = nt.NtCreateSection(SECTION_ALL_ACCESS, undefined, 0, PAGE_READONLY, SEC_IMAGE, file.handle)
  n.expect('NtCreateSection', ntStatusName(section.status), 'STATUS_SUCCESS')
  const query = nt.NtQuerySection(section.handle, SectionImageInformation)
  const info = query.info as SectionImageInfo | null
  n.expect(
    'NtQuerySection class 1: TransferAddress (ImageBase + AddressOfEntryPoint), ImageContainsCode, Machine',
    `${ntStatusName(query.status)}, ${hex(info?.transferAddress ?? 0)}, ${String(info?.imageContainsCode)}, ${hex(info?.machine ?? 0, 0)}`,
    `STATUS_SUCCESS, ${hex(IMAGE_BASE + 0x1000)}, true, ${hex(machine, 0)}`,
  )

  const map = () =>
    nt.NtMapViewOfSection(
      section.handle,
      NtCurrentProcess,
      0,
      0,
      0,
      undefined,
      0,
      ViewShare,
      0,
      PAGE_READONLY,
    )
  n.step(`3. The first view: the preferred base ${hex(IMAGE_BASE)} is free`)
  const first = map()
  n.expect(
    'NtMapViewOfSection',
    `${ntStatusName(first.status)} at ${hex(first.baseAddress)}`,
    `STATUS_SUCCESS at ${hex(IMAGE_BASE)}`,
  )

  n.step('4. The second view of the same image: its base is taken, so the view goes elsewhere')
  const second = map()
  n.expect(
    'NtMapViewOfSection (a success code: the view is mapped, the loader must relocate)',
    `${ntStatusName(second.status)} (${hex(second.status, 0)}), moved: ${String(second.baseAddress !== IMAGE_BASE && second.baseAddress !== 0)}`,
    'STATUS_IMAGE_NOT_AT_BASE (0x40000003), moved: true',
  )

  n.step(`5. NtQueryVirtualMemory on each section's page of the view at ${hex(second.baseAddress)}`)
  for (const page of PAGES) {
    const memory = n.quietly(
      () => nt.NtQueryVirtualMemory(NtCurrentProcess, second.baseAddress + page.offset).info,
    )
    n.expect(
      `${page.name} at ${hex(second.baseAddress + page.offset)}: Type, AllocationProtect, Protect`,
      `${typeName(memory?.type ?? 0)}, ${pageProtectionName(memory?.allocationProtect ?? 0)}, ${pageProtectionName(memory?.protect ?? 0)}`,
      `MEM_IMAGE, PAGE_EXECUTE_WRITECOPY, ${page.protect}`,
    )
  }
  n.say('   the two views in `vad` (!vad) and their sections in `address` (!address)')
  n.quietly(() => {
    const vad = vadView(n.kernel, { pid }).lines
    n.lines.push(
      `   ${vad[0]}`,
      `   ${vad[1]}`,
      ...vad
        .slice(2)
        .filter((line) => /Image|IMAGE/.test(line))
        .map((line) => `   ${line}`),
    )
    const address = addressView(n.kernel, { pid }).lines
    n.lines.push(
      `   ${address[0]}`,
      `   ${address[1]}`,
      ...address
        .slice(2)
        .filter((line) => / MEM_IMAGE /.test(line))
        .map((line) => `   ${line}`),
    )
  })

  const data = second.baseAddress + 0x2000
  n.step(`6. A write to .data at ${hex(data)} in the second view: the WRITECOPY page becomes a private copy`)
  cpu.write(data, [...new TextEncoder().encode('changed')])
  n.quietly(() => {
    for (const line of pteLines(n.kernel, pid, data)) n.lines.push(`   ${line}`)
  })
  n.expect('the second view reads', decode(cpu.read(data, 7).data), 'changed')
  n.expect('the first view still reads', decode(cpu.read(first.baseAddress + 0x2000, 7).data), 'initial')
  const after = n.quietly(() => nt.NtQueryVirtualMemory(NtCurrentProcess, data).info)
  n.expect(
    '.data in the second view: Type, Protect',
    `${typeName(after?.type ?? 0)}, ${pageProtectionName(after?.protect ?? 0)}`,
    'MEM_IMAGE, PAGE_READWRITE',
  )
  return n
}

/** The scenario entry. */
export const image: Scenario = {
  name: 'image',
  title: 'An image section: mapped at its base and again elsewhere (STATUS_IMAGE_NOT_AT_BASE)',
  summary:
    'A small PE written to \\??\\C:\\hello.exe is mapped twice through a SEC_IMAGE section: at its ImageBase, then elsewhere with STATUS_IMAGE_NOT_AT_BASE; each section keeps its own protection, and a write to .data makes a private copy.',
  run: play,
}
