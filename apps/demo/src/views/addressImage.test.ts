// `!address` over an image view, exactly: its rows are NtQueryVirtualMemory's runs (WinDbg's
// !address walks the same VirtualQuery regions), so every section whose protection differs from
// its neighbour's is its own row, and adjacent sections with one protection — .rdata and .reloc,
// both PAGE_READONLY — are one run, as Windows reports them; a protection change on .reloc alone
// splits that run at the section boundary.
import {
  buildPeImage,
  createKernel,
  FILE_CREATE,
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  IMAGE_FILE_MACHINE,
  IMAGE_SCN,
  NtCurrentProcess,
  PAGE_READONLY,
  PAGE_READWRITE,
  SEC_IMAGE,
  SECTION_ALL_ACCESS,
  ViewShare,
} from '@ntmm/nt-syscalls'
import { describe, expect, it } from 'vitest'
import { findView } from './inspectViews.js'

const { CNT_CODE, CNT_INITIALIZED_DATA, MEM_EXECUTE, MEM_READ, MEM_WRITE } = IMAGE_SCN

/** A process with hello.exe (headers, .text, .data, .rdata, .reloc) mapped at its base 0x400000. */
function imageMachine() {
  const kernel = createKernel({ arch: 'x86', physicalMemory: 256 * 4096 })
  const { pid } = kernel.createProcess({ name: 'loader.exe' })
  const nt = kernel.syscalls(pid)
  const image = buildPeImage({
    machine: IMAGE_FILE_MACHINE.I386,
    imageBase: 0x400000,
    entryPoint: 0x1000,
    relocations: 'present',
    sections: [
      {
        name: '.text',
        data: new Uint8Array(0x200).fill(0xc3),
        characteristics: CNT_CODE | MEM_READ | MEM_EXECUTE,
      },
      { name: '.data', data: Uint8Array.of(1), characteristics: CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE },
      { name: '.rdata', data: Uint8Array.of(2), characteristics: CNT_INITIALIZED_DATA | MEM_READ },
    ],
  })
  const file = nt.NtCreateFile(
    FILE_GENERIC_READ | FILE_GENERIC_WRITE,
    { name: '\\??\\C:\\hello.exe' },
    undefined,
    0,
    1,
    FILE_CREATE,
    0,
  )
  nt.NtWriteFile(file.handle, 0, image)
  const section = nt.NtCreateSection(SECTION_ALL_ACCESS, undefined, 0, PAGE_READONLY, SEC_IMAGE, file.handle)
  const view = nt.NtMapViewOfSection(
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
  const imageRows = () =>
    findView('address')
      .render(kernel, { pid })
      .lines.filter((line) => line.includes('MEM_IMAGE'))
  return { nt, base: view.baseAddress, imageRows }
}

describe('!address over an image view', () => {
  it('gives each run of one protection its own row: .rdata and .reloc (both READONLY) are one run, as NtQueryVirtualMemory reports them', () => {
    const { base, imageRows } = imageMachine()
    expect(base).toBe(0x400000)
    expect(imageRows()).toEqual([
      '0x00400000   0x00401000    0x1000      MEM_IMAGE    MEM_COMMIT   PAGE_READONLY      0x00400000      segment 1 (image, file 1) page 0x0',
      '0x00401000   0x00402000    0x1000      MEM_IMAGE    MEM_COMMIT   PAGE_EXECUTE_READ  0x00400000      segment 1 (image, file 1) page 0x1000',
      '0x00402000   0x00403000    0x1000      MEM_IMAGE    MEM_COMMIT   PAGE_WRITECOPY     0x00400000      segment 1 (image, file 1) page 0x2000',
      '0x00403000   0x00405000    0x2000      MEM_IMAGE    MEM_COMMIT   PAGE_READONLY      0x00400000      segment 1 (image, file 1) page 0x3000',
    ])
  })

  it('splits the READONLY run at .reloc once .reloc alone changes protection', () => {
    const { nt, base, imageRows } = imageMachine()
    // READWRITE on an image page asks for WRITECOPY (NT-SECTIONS §15.6).
    expect(nt.NtProtectVirtualMemory(NtCurrentProcess, base + 0x4000, 0x1000, PAGE_READWRITE).status).toBe(0)
    expect(imageRows().slice(3)).toEqual([
      '0x00403000   0x00404000    0x1000      MEM_IMAGE    MEM_COMMIT   PAGE_READONLY      0x00400000      segment 1 (image, file 1) page 0x3000',
      '0x00404000   0x00405000    0x1000      MEM_IMAGE    MEM_COMMIT   PAGE_WRITECOPY     0x00400000      segment 1 (image, file 1) page 0x4000',
    ])
  })
})
