// Recording sections and files: kernel.at(seq) rebuilds sections, views and files; deferred and
// eager recording give the same trace; saveTrace + verifyTrace round-trips it in both encodings
// and the determinism check re-executes every section and file service (arguments captured once:
// OBJECT_ATTRIBUTES and FileInformation included).
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { createKernel } from './createKernel.js'
import type { Kernel } from './kernel.js'
import { verifyTrace } from './machineTraceFile.js'
import { PAGE_READWRITE, PAGE_WRITECOPY } from './memoryConstants.js'
import { NtCurrentProcess } from './objectManager.js'
import {
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FILE_OPEN_IF,
  OBJ_OPENIF,
  SEC_COMMIT,
  SEC_RESERVE,
  SECTION_ALL_ACCESS,
  ViewShare,
} from './sectionConstants.js'

const directory = await mkdtemp(join(tmpdir(), 'ntmm-sections-'))
const me = NtCurrentProcess

/** A program mixing files, sections, views, copy-on-write and a process exit. */
function run(kernel: Kernel): void {
  const { pid } = kernel.createProcess({ name: 'a.exe' })
  const other = kernel.createProcess({ name: 'b.exe' }).pid
  const a = kernel.syscalls(pid)
  const b = kernel.syscalls(other)
  const file = a.NtCreateFile(
    FILE_GENERIC_READ | FILE_GENERIC_WRITE,
    { name: '\\??\\C:\\log.txt' },
    undefined,
    0,
    3,
    FILE_OPEN_IF,
    0,
  )
  a.NtWriteFile(file.handle, 0x1800, new Uint8Array([5, 6, 7]))
  const data = a.NtCreateSection(
    SECTION_ALL_ACCESS,
    undefined,
    0x3000,
    PAGE_READWRITE,
    SEC_COMMIT,
    file.handle,
  )
  const view = a.NtMapViewOfSection(data.handle, me, 0, 0, 0, 0, 0, ViewShare, 0, PAGE_READWRITE)
  kernel
    .cpu(pid)
    .write(
      view.baseAddress + 0x2000,
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]),
    )
  a.NtFlushVirtualMemory(me, view.baseAddress, 0)
  a.NtSetInformationFile(file.handle, { endOfFile: 0x3000 }, 8, 20)
  const named = { name: '\\BaseNamedObjects\\Map', attributes: OBJ_OPENIF }
  const shared = a.NtCreateSection(SECTION_ALL_ACCESS, named, 0x4000, PAGE_READWRITE, SEC_RESERVE, undefined)
  const sharedB = b.NtOpenSection(SECTION_ALL_ACCESS, named)
  const viewA = a.NtMapViewOfSection(
    shared.handle,
    me,
    0,
    0,
    0x2000,
    undefined,
    0,
    ViewShare,
    0,
    PAGE_READWRITE,
  )
  const viewB = b.NtMapViewOfSection(sharedB.handle, me, 0, 0, 0, undefined, 0, ViewShare, 0, PAGE_WRITECOPY)
  kernel.cpu(pid).write(viewA.baseAddress, new Uint8Array([42]))
  kernel.cpu(other).read(viewB.baseAddress, 1)
  kernel.cpu(other).write(viewB.baseAddress + 0x1000, new Uint8Array([43]))
  b.NtAllocateVirtualMemory(me, viewB.baseAddress + 0x2000, 0, 0x1000, 0x1000, PAGE_READWRITE)
  a.NtClose(shared.handle)
  a.NtUnmapViewOfSection(me, viewA.baseAddress)
  kernel.terminateProcess(other)
  a.NtReadFile(file.handle, 0, 0x3000)
  a.NtClose(data.handle)
  a.NtCreateSection(0, { name: 'relative' }, 1, PAGE_READWRITE, SEC_COMMIT, undefined)
  a.NtCreateSection(
    0,
    {
      get name(): string {
        throw new Error('hostile')
      },
    },
    1,
    PAGE_READWRITE,
    SEC_COMMIT,
    undefined,
  )
}

describe('sections recording', () => {
  it('rebuilds every state of a program with sections at kernel.at(seq), sound at each step', () => {
    const kernel = createKernel({ physicalMemory: 1 << 20, pageFile: 1 << 21, record: 'eager' })
    run(kernel)
    expect(checkKernelInvariants(kernel)).toEqual([])
    const length = kernel.eventCount
    const end = kernel.at(length - 1)
    expect(end.mm.digest()).toBe(kernel.mm.digest())
    expect(end.ob.state.digestInput()).toBe(kernel.ob.state.digestInput())
    // Between system calls (inside one, a process may be half made).
    const log = kernel.trace!
    for (let seq = 0; seq < length; seq++)
      if (log.typeAt(seq) === 'nt.syscallReturned')
        expect(checkKernelInvariants(kernel.at(seq), { tlb: false, traceFrom: length })).toEqual([])
  })

  it('records the same trace deferred and eager', () => {
    const eager = createKernel({ physicalMemory: 1 << 20, pageFile: 1 << 21, record: 'eager' })
    const deferred = createKernel({ physicalMemory: 1 << 20, pageFile: 1 << 21, record: true })
    run(eager)
    run(deferred)
    const a = eager.trace!
    const b = deferred.trace!
    expect(b.length).toBe(a.length)
    for (let seq = 0; seq < a.length; seq += 1)
      expect(JSON.stringify(b.at(seq))).toBe(JSON.stringify(a.at(seq)))
  })

  for (const format of ['jsonl', 'binary'] as const) {
    it(`saves, loads and re-executes a trace with sections and files (${format})`, async () => {
      const kernel = createKernel({ physicalMemory: 1 << 20, pageFile: 1 << 21, record: true })
      run(kernel)
      const path = join(directory, `sections.${format}`)
      await kernel.saveTrace(path, { format })
      const { kernel: loaded, determinism } = await verifyTrace(path)
      expect(determinism).toMatchObject({ ok: true })
      expect(loaded.mm.digest()).toBe(kernel.mm.digest())
      expect(loaded.ob.state.digestInput()).toBe(kernel.ob.state.digestInput())
    })
  }
})
