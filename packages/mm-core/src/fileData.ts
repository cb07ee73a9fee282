// File reads and writes coherent with mapped views: the memory manager's side of NtReadFile,
// NtWriteFile and NtSetInformationFile (end of file). In NT the cache manager copies file data
// through views of the file's one data section (CcCopyRead / CcCopyWrite over the same
// SECTION_OBJECT_POINTERS), so a write(2)-style write is seen at once by every mapped view and a
// read sees what views wrote. Here a page of the file that is resident in its data segment (its
// prototype entry VALID or TRANSITION) is read and written in its frame — a write marks the frame
// modified, for the mapped page writer to store later — and any other page in the volume's stored
// bytes (volume.ts). Bytes past the end of the file are never the file's: a size change zeroes
// them in resident frames too (NT-SECTIONS §2.2: the rest of a truncated file's last page reads 0).

import { alignUp } from './alignment.js'
import { PAGE_SIZE } from './memoryConstants.js'
import type { MmCore } from './mmCore.js'
import { STATUS_INVALID_PARAMETER, STATUS_SUCCESS } from './ntStatus.js'
import { pfnRecordOf } from './pfnRecord.js'
import { PrototypeEntryKind } from './prototypeEntries.js'

/** The largest file size the volume takes (the page count must stay a small integer). */
export const MAXIMUM_FILE_SIZE = 2 ** 44

/** Create an empty file; returns its id. */
export function mmCreateFile(core: MmCore): { readonly fileId: number } {
  const fileId = core.state.volume.nextFileId
  core.emit({ type: 'mm.fileCreated', fileId })
  return { fileId }
}

/** The frame holding page `page` of the file's data segment, or undefined when it is not resident. */
function residentFrame(core: MmCore, fileId: number, page: number): number | undefined {
  const file = core.state.volume.file(fileId)
  if (file === undefined || file.dataSegmentId < 0) return undefined
  const segment = core.state.segments.get(file.dataSegmentId)!
  if (page >= segment.pageCount) return undefined
  const kind = segment.entries.kindOf(page)
  if (kind !== PrototypeEntryKind.VALID && kind !== PrototypeEntryKind.TRANSITION) return undefined
  return segment.entries.valueOf(page)
}

/** Zero [from, to) of the file's resident frames (bytes that are not, or not yet, the file's). */
function zeroResident(core: MmCore, fileId: number, from: number, to: number): void {
  const frames = core.machine.frames
  for (let at = from; at < to; ) {
    const page = Math.floor(at / PAGE_SIZE)
    const end = Math.min(to, (page + 1) * PAGE_SIZE)
    const pfn = residentFrame(core, fileId, page)
    if (pfn !== undefined) {
      const address = pfn * PAGE_SIZE + (at - page * PAGE_SIZE)
      if (frames.readBytes(address, end - at).some((byte) => byte !== 0))
        frames.writeBytes(address, new Uint8Array(end - at))
    }
    at = end
  }
}

/**
 * Set the size of file `fileId`: an extension reads zero up to the new end; a truncation drops
 * the stored bytes past it and zeroes them in resident frames. STATUS_INVALID_PARAMETER for an
 * unknown file or a bad size. (Refusing to truncate a mapped file, STATUS_USER_MAPPED_FILE, is the
 * caller's rule.)
 */
export function mmSetFileSize(core: MmCore, fileId: number, bytes: number): { readonly status: number } {
  const file = core.state.volume.file(fileId)
  if (file === undefined || !Number.isInteger(bytes) || bytes < 0 || bytes > MAXIMUM_FILE_SIZE)
    return { status: STATUS_INVALID_PARAMETER }
  const previous = file.size
  if (bytes === previous) return { status: STATUS_SUCCESS }
  if (bytes > previous) zeroResident(core, fileId, previous, Math.min(bytes, alignUp(previous, PAGE_SIZE)))
  else zeroResident(core, fileId, bytes, alignUp(previous, PAGE_SIZE))
  core.emit({ type: 'mm.fileSizeSet', fileId, size: bytes, previousSize: previous })
  return { status: STATUS_SUCCESS }
}

/**
 * Up to `length` bytes of file `fileId` from `offset` (fewer at the end of the file; none at or
 * past it): resident pages from their frames (what views wrote), the others as stored.
 * Side-effect free. Undefined for an unknown file.
 */
export function readFile(
  core: MmCore,
  fileId: number,
  offset: number,
  length: number,
): Uint8Array | undefined {
  const file = core.state.volume.file(fileId)
  if (file === undefined) return undefined
  const count = Math.max(0, Math.min(length, file.size - offset))
  const out = new Uint8Array(count)
  for (let done = 0; done < count; ) {
    const at = offset + done
    const page = Math.floor(at / PAGE_SIZE)
    const chunk = Math.min(count - done, (page + 1) * PAGE_SIZE - at)
    const pfn = residentFrame(core, fileId, page)
    out.set(
      pfn === undefined
        ? core.state.volume.readStored(fileId, at, chunk)
        : core.machine.frames.readBytes(pfn * PAGE_SIZE + (at - page * PAGE_SIZE), chunk),
      done,
    )
    done += chunk
  }
  return out
}

/**
 * Write `bytes` at `offset` of file `fileId`, extending it when the write ends past its end (the
 * bytes between read zero): resident pages in their frames (marked modified; a standby frame
 * moves to the modified list), the others in the stored bytes. STATUS_INVALID_PARAMETER for an
 * unknown file or a write past the largest size.
 */
export function mmWriteFile(
  core: MmCore,
  fileId: number,
  offset: number,
  bytes: Uint8Array,
): { readonly status: number } {
  const file = core.state.volume.file(fileId)
  if (
    file === undefined ||
    !Number.isInteger(offset) ||
    offset < 0 ||
    offset + bytes.length > MAXIMUM_FILE_SIZE
  )
    return { status: STATUS_INVALID_PARAMETER }
  if (offset + bytes.length > file.size) mmSetFileSize(core, fileId, offset + bytes.length)
  const frames = core.machine.frames
  for (let done = 0; done < bytes.length; ) {
    const at = offset + done
    const page = Math.floor(at / PAGE_SIZE)
    const chunk = Math.min(bytes.length - done, (page + 1) * PAGE_SIZE - at)
    const data = bytes.subarray(done, done + chunk)
    const pfn = residentFrame(core, fileId, page)
    if (pfn === undefined) {
      const previous = core.state.volume.readStored(fileId, at, chunk)
      core.emit({
        type: 'mm.fileWritten',
        fileId,
        offset: at,
        bytes: Array.from(data),
        previousBytes: Array.from(previous),
      })
    } else {
      frames.writeBytes(pfn * PAGE_SIZE + (at - page * PAGE_SIZE), data)
      const before = pfnRecordOf(core.state, pfn)
      if (!before.modified || before.state === 'STANDBY') {
        const state = before.state === 'STANDBY' ? 'MODIFIED' : before.state
        core.emit({ type: 'mm.pageModified', pfn, before, after: { ...before, state, modified: true } })
      }
    }
    done += chunk
  }
  return { status: STATUS_SUCCESS }
}
