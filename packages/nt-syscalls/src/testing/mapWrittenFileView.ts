// A fixture of the trace tests (machineTraceSeek, liveStateBlocks): process `pid` creates a data
// file, writes three bytes at 0x800, maps it through a SEC_COMMIT section of three pages
// (ViewShare, PAGE_READWRITE) and writes nine bytes into the view's second page — a control area,
// a segment, a file's pages and a dirty view page for a trace's state blocks to carry.

import type { Kernel } from '../kernel.js'
import { PAGE_READWRITE } from '../memoryConstants.js'
import { NtCurrentProcess } from '../objectManager.js'
import {
  FILE_GENERIC_READ,
  FILE_GENERIC_WRITE,
  FILE_OPEN_IF,
  SEC_COMMIT,
  SECTION_ALL_ACCESS,
  ViewShare,
} from '../sectionConstants.js'

/**
 * Runs the steps above in `pid` of `kernel`, calling `between` after each of the first three (a
 * test taking state blocks as the machine runs marks its boundaries there). Returns the view's base.
 */
export function mapWrittenFileView(kernel: Kernel, pid: number, name: string, between = () => {}): number {
  const calls = kernel.syscalls(pid)
  const file = calls.NtCreateFile(
    FILE_GENERIC_READ | FILE_GENERIC_WRITE,
    { name: `\\??\\C:\\${name}` },
    undefined,
    0,
    3,
    FILE_OPEN_IF,
    0,
  )
  between()
  calls.NtWriteFile(file.handle, 0x800, new Uint8Array([5, 6, 7]))
  const section = calls.NtCreateSection(
    SECTION_ALL_ACCESS,
    undefined,
    0x3000,
    PAGE_READWRITE,
    SEC_COMMIT,
    file.handle,
  )
  const view = calls.NtMapViewOfSection(
    section.handle,
    NtCurrentProcess,
    0,
    0,
    0,
    0,
    0,
    ViewShare,
    0,
    PAGE_READWRITE,
  )
  between()
  kernel.cpu(pid).write(view.baseAddress + 0x1000, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))
  between()
  return view.baseAddress
}
