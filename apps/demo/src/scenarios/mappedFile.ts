// A mapped file (NT-SECTIONS §5, §18; ReactOS MmCreateSection for a data file, NtFlushVirtualMemory
// → MmFlushVirtualMemory / Windows' MiFlushSectionInternal, the mapped page writer): a file is
// created and written with NtWriteFile, a file-backed section (SEC_COMMIT over the file handle) is
// mapped, the first touch reads the page in from the file, a write through the view dirties the
// segment's frame, and NtFlushVirtualMemory (FlushViewOfFile) writes that page back to the file,
// so NtReadFile returns the bytes written through the view.

import {
  FILE_CREATE,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FILE_SHARE_READ,
  FILE_SHARE_WRITE,
  NtCurrentProcess,
  ntStatusName,
  PAGE_READWRITE,
  SEC_COMMIT,
  SECTION_ALL_ACCESS,
  ViewUnmap,
} from '@ntmm/nt-syscalls'
import { hex } from '../format.js'
import { Narrator } from '../narrator.js'
import { pteLines } from '../views/pteView.js'
import type { Scenario, ScenarioOptions } from './scenario.js'

const FILE = '\\??\\C:\\notes.txt'
const BEFORE = 'written with NtWriteFile'
const PATCH = 'CHANGED'

function play(options: ScenarioOptions): Narrator {
  const n = new Narrator(
    { arch: options.arch },
    { verbose: options.verbose, record: options.record === true },
  )
  const pid = n.quietly(() => n.kernel.createProcess({ name: 'editor.exe' }).pid)
  const nt = n.kernel.syscalls(pid)
  const cpu = n.kernel.cpu(pid)
  const decode = (data: readonly number[] | Uint8Array) => new TextDecoder().decode(Uint8Array.from(data))
  // The PTE lines of !pte for the view's first page: the raw entry and how the memory manager reads it.
  const leaf = () =>
    n.quietly(() => {
      for (const line of pteLines(n.kernel, pid, view.baseAddress))
        if (/^\s+(PTE|leaf)/.test(line)) n.lines.push(`   ${line}`)
    })
  n.say(`ntmm: a mapped file on an ${n.kernel.arch} machine: editor.exe (${pid}) and ${FILE}`)

  n.step(`1. editor.exe creates ${FILE} and writes "${BEFORE}" with NtWriteFile`)
  const file = nt.NtCreateFile(
    FILE_GENERIC_READ | FILE_GENERIC_WRITE,
    { name: FILE },
    undefined,
    0,
    FILE_SHARE_READ | FILE_SHARE_WRITE,
    FILE_CREATE,
    0,
  )
  n.expect('NtCreateFile', ntStatusName(file.status), 'STATUS_SUCCESS')
  const written = nt.NtWriteFile(file.handle, 0, new TextEncoder().encode(BEFORE))
  n.expect(
    'NtWriteFile',
    `${ntStatusName(written.status)}, ${written.bytesWritten} bytes`,
    `STATUS_SUCCESS, ${BEFORE.length} bytes`,
  )

  n.step('2. A file-backed section over the handle (SEC_COMMIT, the size of the file), mapped PAGE_READWRITE')
  const section = nt.NtCreateSection(
    SECTION_ALL_ACCESS,
    undefined,
    undefined,
    PAGE_READWRITE,
    SEC_COMMIT,
    file.handle,
  )
  n.expect('NtCreateSection', ntStatusName(section.status), 'STATUS_SUCCESS')
  const view = nt.NtMapViewOfSection(
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
  n.expect('NtMapViewOfSection', ntStatusName(view.status), 'STATUS_SUCCESS')

  n.step(
    `3. "${PATCH}" is written through the view at ${hex(view.baseAddress)}: the fault reads the page in from the file first`,
  )
  cpu.write(view.baseAddress, [...new TextEncoder().encode(PATCH)])
  const expected = PATCH + BEFORE.slice(PATCH.length)
  n.expect('the view reads', decode(cpu.read(view.baseAddress, BEFORE.length).data), expected)
  n.say('   the PTE is dirty: the segment page is newer than the file')
  leaf()

  n.step(`4. NtFlushVirtualMemory (FlushViewOfFile) on the view: the dirty page goes to the file`)
  const flushed = nt.NtFlushVirtualMemory(NtCurrentProcess, view.baseAddress, 0)
  n.expect(
    'NtFlushVirtualMemory',
    `${ntStatusName(flushed.status)}, ${hex(flushed.regionSize, 0)} bytes`,
    'STATUS_SUCCESS, 0x1000 bytes',
  )
  n.say('   the PTE is clean again: the file holds what the page holds')
  leaf()

  n.step('5. NtReadFile reads the file back')
  const read = nt.NtReadFile(file.handle, 0, 100)
  n.expect(
    'NtReadFile',
    `${ntStatusName(read.status)}, "${decode(read.data)}"`,
    `STATUS_SUCCESS, "${expected}"`,
  )
  return n
}

/** The scenario entry. */
export const mappedFile: Scenario = {
  name: 'mapped-file',
  title: 'A mapped file: written through a view, flushed, read back',
  summary:
    'A file written with NtWriteFile is mapped through a file-backed section, changed through the view, flushed with NtFlushVirtualMemory (the mapped page writer) and read back with NtReadFile.',
  run: play,
}
