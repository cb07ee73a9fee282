// Recording a MEM_RESERVE view larger than its file section (NT-SECTIONS §4.3's exception, R-KMV
// 198) and its extension (§12): kernel.at(seq) shows the pages past the section reserved before
// NtExtendSection and the file's after it, in both processes' views; the run is sound at every
// system call; deferred and eager recording agree; saveTrace + verifyTrace re-executes it (the
// access violation past the section included) to the same machine in both encodings.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { createKernel } from './createKernel.js'
import type { Kernel } from './kernel.js'
import { verifyTrace } from './machineTraceFile.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'
import { NtCurrentProcess } from './objectManager.js'
import {
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FILE_OPEN_IF,
  SEC_COMMIT,
  SECTION_ALL_ACCESS,
  ViewShare,
} from './sectionConstants.js'

const directory = await mkdtemp(join(tmpdir(), 'ntmm-reserve-view-'))
const me = NtCurrentProcess
const P = 0x1000
const STATUS_ACCESS_VIOLATION = 0xc0000005

/** Two processes map a one-page file section MEM_RESERVE over four pages; a touch past it fails; the section grows. */
function run(kernel: Kernel) {
  const { pid } = kernel.createProcess({ name: 'a.exe' })
  const other = kernel.createProcess({ name: 'b.exe' }).pid
  const a = kernel.syscalls(pid)
  const file = a.NtCreateFile(
    FILE_GENERIC_READ | FILE_GENERIC_WRITE,
    { name: '\\??\\C:\\grow.log' },
    undefined,
    0,
    3,
    FILE_OPEN_IF,
    0,
  )
  a.NtWriteFile(file.handle, 0, new Uint8Array(200).fill(0x41))
  const section = a.NtCreateSection(
    SECTION_ALL_ACCESS,
    undefined,
    undefined,
    PAGE_READWRITE,
    SEC_COMMIT,
    file.handle,
  )
  const view = a.NtMapViewOfSection(
    section.handle,
    me,
    0,
    0,
    0,
    0,
    4 * P,
    ViewShare,
    MEM_RESERVE,
    PAGE_READWRITE,
  )
  const process = a.NtOpenProcess(0x1fffff, other).handle
  const theirs = a.NtMapViewOfSection(
    section.handle,
    process,
    0,
    0,
    0,
    0,
    4 * P,
    ViewShare,
    MEM_RESERVE,
    PAGE_READWRITE,
  )
  const refused = kernel.cpu(pid).write(view.baseAddress + P, [1]).status
  const beforeExtension = kernel.eventCount - 1
  const extended = a.NtExtendSection(section.handle, 3 * P)
  kernel.cpu(pid).write(view.baseAddress + 2 * P + 4, [9, 8, 7])
  const seen = Array.from(kernel.cpu(other).read(theirs.baseAddress + 2 * P + 4, 3).data)
  a.NtFlushVirtualMemory(me, view.baseAddress, 0)
  const onDisk = Array.from(a.NtReadFile(file.handle, 2 * P + 4, 3).data)
  a.NtClose(section.handle)
  a.NtUnmapViewOfSection(me, view.baseAddress)
  return { pid, other, view, theirs, refused, beforeExtension, extended, seen, onDisk }
}

describe('MEM_RESERVE view recording', () => {
  it('shows the pages past the section reserved before NtExtendSection and the file’s after it, at kernel.at(seq)', () => {
    const kernel = createKernel({ physicalMemory: 1 << 20, pageFile: 1 << 21, record: 'eager' })
    const result = run(kernel)
    expect(result).toMatchObject({
      refused: STATUS_ACCESS_VIOLATION,
      extended: { status: 0, size: 3 * P },
      seen: [9, 8, 7],
      onDisk: [9, 8, 7],
    })
    expect(checkKernelInvariants(kernel)).toEqual([])
    const state = (seq: number, pid: number, address: number) => {
      const past = kernel.at(seq)
      const info = past.mm.queryAddress(past.mm.addressSpace(pid)!, address)
      return [info.state, info.protect, info.regionSize]
    }
    const { beforeExtension: before, theirs, view, other, pid } = result
    expect(state(before, pid, view.baseAddress + P)).toEqual([MEM_RESERVE, 0, 3 * P])
    expect(state(before, other, theirs.baseAddress + P)).toEqual([MEM_RESERVE, 0, 3 * P])
    const after = kernel.eventCount - 1
    expect(state(after, other, theirs.baseAddress + P)).toEqual([MEM_COMMIT, PAGE_READWRITE, 2 * P])
    expect(state(after, other, theirs.baseAddress + 3 * P)).toEqual([MEM_RESERVE, 0, P])
    expect(kernel.at(after).mm.digest()).toBe(kernel.mm.digest())
    const length = kernel.eventCount
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
    it(`saves, loads and re-executes it (${format})`, async () => {
      const kernel = createKernel({ physicalMemory: 1 << 20, pageFile: 1 << 21, record: true })
      run(kernel)
      const path = join(directory, `reserve-view.${format}`)
      await kernel.saveTrace(path, { format })
      const { kernel: loaded, determinism } = await verifyTrace(path)
      expect(determinism).toMatchObject({ ok: true })
      expect(loaded.mm.digest()).toBe(kernel.mm.digest())
      expect(loaded.ob.state.digestInput()).toBe(kernel.ob.state.digestInput())
    })
  }
})
