// The simulated volume: the stored bytes and size of every file, addressed by a numeric file id
// (names, handles and share access are nt-syscalls'). It is the backing store of data segments, as
// the page file is of pagefile-backed pages: a file page that left memory is read back from here,
// and the mapped page writer writes dirty pages here (NT: the file system below the cache manager
// and IoPageRead / IoAsynchronousPageWrite). Each file remembers its one data segment (NT's
// SECTION_OBJECT_POINTERS.DataSectionObject), through which file reads and writes stay coherent
// with mapped views (fileData.ts). A stored page is an immutable Uint8Array (replaced, never written
// in place) holding zeros past the end of the file, so a checkpoint copies a pointer per page.

import { assert } from './assert.js'
import { PAGE_SIZE } from './memoryConstants.js'

/** One file: its size, its stored pages (absent: zeros) and its data segment (-1: none). */
export interface VolumeFile {
  readonly id: number
  size: number
  pages: (Uint8Array | undefined)[]
  dataSegmentId: number
}

/** A frozen copy of the volume. */
export interface VolumeCheckpoint {
  readonly files: readonly Readonly<VolumeFile>[]
  readonly nextFileId: number
  readonly heldPages: number
}

/** The volume's files (changed only by the apply functions of sectionEvents.ts). */
export class Volume {
  files = new Map<number, VolumeFile>()
  /** The id the next created file takes. */
  nextFileId = 1
  /** Pages stored since the last checkpoint (a checkpoint budget counts 4 KiB for each). */
  writtenPages = 0

  /** The file `fileId`, or undefined. */
  file(fileId: number): VolumeFile | undefined {
    return this.files.get(fileId)
  }

  /** Create the empty file `fileId`. */
  create(fileId: number): void {
    assert(!this.files.has(fileId), () => `file ${fileId} created twice`)
    this.files.set(fileId, { id: fileId, size: 0, pages: [], dataSegmentId: -1 })
    this.nextFileId = Math.max(this.nextFileId, fileId + 1)
  }

  /** Forget the file `fileId` (undoing its creation). */
  remove(fileId: number): void {
    this.files.delete(fileId)
  }

  /** The stored bytes of [offset, offset + length) (zeros where nothing is stored), ignoring the size. */
  readStored(fileId: number, offset: number, length: number): Uint8Array {
    const file = this.files.get(fileId)
    assert(file !== undefined, () => `no file ${fileId}`)
    const out = new Uint8Array(length)
    let done = 0
    while (done < length) {
      const at = offset + done
      const page = Math.floor(at / PAGE_SIZE)
      const within = at - page * PAGE_SIZE
      const chunk = Math.min(length - done, PAGE_SIZE - within)
      const stored = file.pages[page]
      if (stored !== undefined) out.set(stored.subarray(within, within + chunk), done)
      done += chunk
    }
    return out
  }

  /** Store `bytes` at `offset` (inside the file's size; bytes past it are dropped). */
  writeStored(fileId: number, offset: number, bytes: ArrayLike<number>): void {
    const file = this.files.get(fileId)
    assert(file !== undefined, () => `no file ${fileId}`)
    const length = Math.min(bytes.length, file.size - offset)
    let done = 0
    while (done < length) {
      const at = offset + done
      const page = Math.floor(at / PAGE_SIZE)
      const within = at - page * PAGE_SIZE
      const chunk = Math.min(length - done, PAGE_SIZE - within)
      const next = file.pages[page]?.slice() ?? new Uint8Array(PAGE_SIZE)
      for (let i = 0; i < chunk; i++) next[within + i] = bytes[done + i]!
      this.storePage(file, page, next)
      done += chunk
    }
  }

  /** Set the size: a truncation drops the stored pages past it and zeroes the tail of the last one. */
  setSize(fileId: number, size: number): void {
    const file = this.files.get(fileId)
    assert(file !== undefined, () => `no file ${fileId}`)
    file.size = size
    const pages = Math.ceil(size / PAGE_SIZE)
    if (file.pages.length > pages) file.pages.length = pages
    const tail = size % PAGE_SIZE
    const last = file.pages[pages - 1]
    if (tail !== 0 && last !== undefined && last.subarray(tail).some((byte) => byte !== 0)) {
      const next = last.slice()
      next.fill(0, tail)
      this.storePage(file, pages - 1, next)
    }
  }

  /** Record the data segment of a file (-1: none). */
  setDataSegment(fileId: number, segmentId: number): void {
    const file = this.files.get(fileId)
    assert(file !== undefined, () => `no file ${fileId}`)
    file.dataSegmentId = segmentId
  }

  /** A frozen copy of every file (stored pages are shared: they are never written in place). */
  checkpoint(): VolumeCheckpoint {
    const heldPages = this.writtenPages
    this.writtenPages = 0
    return {
      files: [...this.files.values()].map((file) => ({ ...file, pages: file.pages.slice() })),
      nextFileId: this.nextFileId,
      heldPages,
    }
  }

  /** Bring the volume back to a checkpoint (which stays valid). */
  restore(checkpoint: VolumeCheckpoint): void {
    this.files = new Map(checkpoint.files.map((file) => [file.id, { ...file, pages: file.pages.slice() }]))
    this.nextFileId = checkpoint.nextFileId
    this.writtenPages = 0
  }

  /** A stable text of the volume (for digests); empty when no file was ever created. */
  digestInput(): string {
    if (this.nextFileId === 1) return ''
    const parts = [`n${this.nextFileId}`]
    for (const file of [...this.files.values()].sort((a, b) => a.id - b.id)) {
      parts.push(`${file.id}:${file.size}:${file.dataSegmentId}`)
      file.pages.forEach((bytes, page) => {
        if (bytes === undefined) return
        let sum = 0
        for (let i = 0; i < bytes.length; i++) sum = (Math.imul(sum, 31) + bytes[i]!) | 0
        parts.push(`${page}#${sum >>> 0}`)
      })
    }
    return parts.join(',')
  }

  private storePage(file: VolumeFile, page: number, bytes: Uint8Array): void {
    while (file.pages.length < page) file.pages.push(undefined)
    file.pages[page] = bytes
    this.writtenPages++
  }
}
