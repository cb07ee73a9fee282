// Recording image sections (issue #20): an image mapped twice in a process (at its base, then
// STATUS_IMAGE_NOT_AT_BASE), a copy-on-write in one view, a protection change, an unmap; kernel.at(seq)
// rebuilds each state and saveTrace + verifyTrace round-trips it in both encodings.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { createKernel } from './createKernel.js'
import type { Kernel } from './kernel.js'
import { verifyTrace } from './machineTraceFile.js'
import { MEM_IMAGE, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY } from './memoryConstants.js'
import { NtCurrentProcess } from './objectManager.js'
import { buildPeImage } from './peImageBuilder.js'
import { IMAGE_SCN, ImageStatus } from './peImageConstants.js'
import { FILE_ALL_ACCESS, FILE_CREATE, SEC_IMAGE, SECTION_ALL_ACCESS, ViewShare } from './sectionConstants.js'

const directory = await mkdtemp(join(tmpdir(), 'ntmm-images-'))
const me = NtCurrentProcess
const { MEM_READ, MEM_WRITE, MEM_EXECUTE, CNT_CODE, CNT_INITIALIZED_DATA } = IMAGE_SCN

const bytes = buildPeImage({
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
      data: new Uint8Array(0x40).fill(7),
      characteristics: CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE,
    },
  ],
})

/** The program; returns the two views' bases and statuses. */
function run(kernel: Kernel) {
  const { pid } = kernel.createProcess({ name: 'loader.exe' })
  const nt = kernel.syscalls(pid)
  const file = nt.NtCreateFile(
    FILE_ALL_ACCESS,
    { name: '\\??\\C:\\app.exe' },
    undefined,
    0,
    7,
    FILE_CREATE,
    0,
  )
  nt.NtWriteFile(file.handle, 0, bytes)
  const section = nt.NtCreateSection(SECTION_ALL_ACCESS, undefined, 0, PAGE_READONLY, SEC_IMAGE, file.handle)
  const map = () =>
    nt.NtMapViewOfSection(section.handle, me, 0, 0, 0, undefined, 0, ViewShare, 0, PAGE_READONLY)
  const first = map()
  const second = map()
  nt.NtQuerySection(section.handle, 1)
  kernel.cpu(pid).write(second.baseAddress + 0x2000, [42])
  nt.NtProtectVirtualMemory(me, first.baseAddress + 0x1000, 0x1000, PAGE_READWRITE)
  nt.NtUnmapViewOfSection(me, first.baseAddress)
  return { pid, first, second }
}

describe('image sections recording', () => {
  it('rebuilds an image mapped twice at kernel.at(seq), sound between system calls', () => {
    const kernel = createKernel({ physicalMemory: 1 << 20, pageFile: 1 << 21, record: 'eager' })
    const { pid, first, second } = run(kernel)
    expect([first.status, first.baseAddress, second.status]).toEqual([
      0,
      0x400000,
      ImageStatus.STATUS_IMAGE_NOT_AT_BASE,
    ])
    expect(checkKernelInvariants(kernel)).toEqual([])
    const length = kernel.eventCount
    const end = kernel.at(length - 1)
    expect(end.mm.digest()).toBe(kernel.mm.digest())
    expect(end.ob.state.digestInput()).toBe(kernel.ob.state.digestInput())
    const log = kernel.trace!
    const returns: number[] = []
    for (let seq = 0; seq < length; seq++) if (log.typeAt(seq) === 'nt.syscallReturned') returns.push(seq)
    for (const seq of returns)
      expect(checkKernelInvariants(kernel.at(seq), { tlb: false, traceFrom: length })).toEqual([])
    // Just after the second map (returns: create file, write, create section, map, map, ...), both
    // views are there, the second a copy-on-write image view not yet written.
    const both = kernel.at(returns[4]!)
    const query = (machine: Kernel, address: number) =>
      machine.syscalls(pid).NtQueryVirtualMemory(me, address).info
    expect(query(both, first.baseAddress)?.type).toBe(MEM_IMAGE)
    expect(query(both, second.baseAddress + 0x2000)?.protect).toBe(PAGE_WRITECOPY)
    expect(query(kernel, second.baseAddress + 0x2000)?.protect).toBe(PAGE_READWRITE)
    expect(query(kernel, first.baseAddress)?.type).toBe(0)
  })

  for (const format of ['jsonl', 'binary'] as const) {
    it(`saves, loads and re-executes a trace with an image mapped twice (${format})`, async () => {
      const kernel = createKernel({ physicalMemory: 1 << 20, pageFile: 1 << 21, record: true })
      run(kernel)
      const path = join(directory, `images.${format}`)
      await kernel.saveTrace(path, { format })
      const { kernel: loaded, determinism } = await verifyTrace(path)
      expect(determinism).toMatchObject({ ok: true })
      expect(loaded.mm.digest()).toBe(kernel.mm.digest())
      expect(loaded.ob.state.digestInput()).toBe(kernel.ob.state.digestInput())
    })
  }
})
