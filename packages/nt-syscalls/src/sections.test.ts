// Sections and files end to end through kernel.syscalls: a file written with NtWriteFile, mapped,
// changed through a view, flushed and read back; a named section shared by two processes;
// copy-on-write; handles closed and the segment gone; the machine sound throughout.
import { describe, expect, it } from 'vitest'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { MEM_COMMIT, MEM_MAPPED, PAGE_READONLY, PAGE_READWRITE, PAGE_WRITECOPY } from './memoryConstants.js'
import { NtCurrentProcess } from './objectManager.js'
import { STATUS_SUCCESS } from './ntStatus.js'
import {
  FILE_CREATE,
  FILE_CREATED,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  OBJ_OPENIF,
  SEC_COMMIT,
  SEC_FILE,
  SECTION_ALL_ACCESS,
  STATUS_OBJECT_NAME_EXISTS,
  ViewShare,
} from './sectionConstants.js'
import { createTestKernel } from './testing/createTestKernel.js'

const me = NtCurrentProcess

describe('sections', () => {
  it('maps a file, writes through the view, flushes and reads the bytes back with NtReadFile', () => {
    const { kernel, pid } = createTestKernel({ record: true })
    const nt = kernel.syscalls(pid)
    const file = nt.NtCreateFile(
      FILE_GENERIC_READ | FILE_GENERIC_WRITE,
      { name: '\\??\\C:\\data.bin' },
      undefined,
      0,
      0,
      FILE_CREATE,
      0,
    )
    expect(file).toMatchObject({ status: STATUS_SUCCESS, information: FILE_CREATED })
    expect(nt.NtWriteFile(file.handle, 0, new Uint8Array([1, 2, 3, 4, 5]))).toEqual({
      status: 0,
      bytesWritten: 5,
    })
    const section = nt.NtCreateSection(
      SECTION_ALL_ACCESS,
      undefined,
      undefined,
      PAGE_READWRITE,
      SEC_COMMIT,
      file.handle,
    )
    expect(section.status).toBe(STATUS_SUCCESS)
    expect(nt.NtQuerySection(section.handle, 0)).toEqual({
      status: 0,
      info: { baseAddress: 0, attributes: SEC_FILE, size: 5 },
    })
    const view = nt.NtMapViewOfSection(
      section.handle,
      me,
      0,
      0,
      0,
      undefined,
      0,
      ViewShare,
      0,
      PAGE_READWRITE,
    )
    expect(view).toMatchObject({ status: STATUS_SUCCESS, viewSize: 0x1000 })
    const query = nt.NtQueryVirtualMemory(me, view.baseAddress)
    expect(query.info).toMatchObject({
      type: MEM_MAPPED,
      state: MEM_COMMIT,
      allocationProtect: PAGE_READWRITE,
    })
    const cpu = kernel.cpu(pid)
    expect(Array.from(cpu.read(view.baseAddress, 5).data!)).toEqual([1, 2, 3, 4, 5])
    cpu.write(view.baseAddress + 1, new Uint8Array([0x42]))
    expect(nt.NtFlushVirtualMemory(me, view.baseAddress, 0)).toEqual({
      status: 0,
      baseAddress: view.baseAddress,
      regionSize: 0x1000,
    })
    expect(Array.from(nt.NtReadFile(file.handle, 0, 100).data)).toEqual([1, 0x42, 3, 4, 5])
    expect(nt.NtUnmapViewOfSection(me, view.baseAddress + 10).status).toBe(STATUS_SUCCESS)
    expect(nt.NtClose(section.handle).status).toBe(STATUS_SUCCESS)
    expect(kernel.mm.segmentIds()).toEqual([])
    expect(checkKernelInvariants(kernel)).toEqual([])
  })

  it('shares a named section between two processes; a WRITECOPY view keeps its write private', () => {
    const { kernel, pid } = createTestKernel({ record: true })
    const other = kernel.createProcess({ name: 'other.exe' }).pid
    const a = kernel.syscalls(pid)
    const b = kernel.syscalls(other)
    const name = { name: '\\BaseNamedObjects\\Shared', attributes: OBJ_OPENIF }
    const created = a.NtCreateSection(SECTION_ALL_ACCESS, name, 0x2000, PAGE_READWRITE, SEC_COMMIT, undefined)
    expect(created.status).toBe(STATUS_SUCCESS)
    const opened = b.NtCreateSection(SECTION_ALL_ACCESS, name, 0x2000, PAGE_READWRITE, SEC_COMMIT, undefined)
    expect(opened.status).toBe(STATUS_OBJECT_NAME_EXISTS)
    const viewA = a.NtMapViewOfSection(
      created.handle,
      me,
      0,
      0,
      0,
      undefined,
      0,
      ViewShare,
      0,
      PAGE_READWRITE,
    )
    const viewB = b.NtMapViewOfSection(opened.handle, me, 0, 0, 0, undefined, 0, ViewShare, 0, PAGE_READONLY)
    const copy = b.NtMapViewOfSection(opened.handle, me, 0, 0, 0, undefined, 0, ViewShare, 0, PAGE_WRITECOPY)
    kernel.cpu(pid).write(viewA.baseAddress, new Uint8Array([7]))
    expect(kernel.cpu(other).read(viewB.baseAddress, 1).data![0]).toBe(7)
    kernel.cpu(other).write(copy.baseAddress, new Uint8Array([9]))
    expect(kernel.cpu(pid).read(viewA.baseAddress, 1).data![0]).toBe(7)
    expect(kernel.cpu(other).read(copy.baseAddress, 1).data![0]).toBe(9)
    expect(checkKernelInvariants(kernel)).toEqual([])
    const last = kernel.eventCount - 1
    const past = kernel.at(last)
    expect(past.mm.segmentIds()).toEqual(kernel.mm.segmentIds())
    expect(checkKernelInvariants(past)).toEqual([])
  })
})
