// Shared pages, access faults through views, paging of section pages, the mapped page writer,
// flushing and files (NT-SECTIONS.md §2.2, §7.1, §7.2, §14, §18, §19), as the memory manager
// decides them.
import { describe, expect, it } from 'vitest'
import {
  MEM_COMMIT,
  PAGE_EXECUTE,
  PAGE_EXECUTE_READ,
  PAGE_GUARD,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import { STATUS_ACCESS_VIOLATION, STATUS_GUARD_PAGE_VIOLATION, STATUS_SUCCESS } from './ntStatus.js'
import { createSectionMachine } from './testing/createSectionMachine.js'

const P = 0x1000

describe.each(['x86', 'x64'] as const)('section paging (%s)', (arch) => {
  function machine(frames = 64, pageFileSlots = 64) {
    const m = createSectionMachine({ arch, frames, pageFileSlots })
    const map = (pid: number, segmentId: number, pages: number, protect: number = PAGE_READWRITE) => {
      const mapped = m.mm.mapView(m.space(pid), { segmentId, offsetPages: 0, pages, protect })
      expect(mapped.status).toBe(STATUS_SUCCESS)
      return mapped.area!
    }
    const pagefile = (pages: number, commit = true) =>
      m.mm.createSegment({ kind: 'pagefile', pages, commit }).segmentId!
    const file = (bytes: number[]) => {
      const { fileId } = m.mm.createFile()
      m.mm.writeFile(fileId, 0, Uint8Array.from(bytes))
      return { fileId, segmentId: m.mm.openDataSegment(fileId).segmentId! }
    }
    return { ...m, map, pagefile, file }
  }

  it('shows a write through one view at once in another view of the same process and of another process (§7.1)', () => {
    const { pagefile, map, read, write } = machine()
    const id = pagefile(2)
    const a = map(1, id, 2)
    const b = map(1, id, 2, PAGE_READONLY)
    const c = map(2, id, 2)
    expect(write(1, a.startingAddress + P + 3, [0x33])).toBe(true)
    expect(read(1, b.startingAddress + P + 3)).toEqual([0x33])
    expect(read(2, c.startingAddress + P + 3)).toEqual([0x33])
    expect(write(2, c.startingAddress + P + 4, [0x44])).toBe(true)
    expect(read(1, a.startingAddress + P + 3, 2)).toEqual([0x33, 0x44])
  })

  it('maps a page resident for another view without a copy or a zeroing: one frame, share count 2 (§7.1, §14.1)', () => {
    const { mm, pagefile, map, read } = machine()
    const id = pagefile(1)
    const a = map(1, id, 1)
    const b = map(2, id, 1)
    read(1, a.startingAddress)
    const frames = mm.counters.workingSetPages
    read(2, b.startingAddress)
    expect(mm.counters.workingSetPages).toBe(frames)
    const entry = mm.prototypeEntry(id, 0)!
    expect(entry.kind).toBe('VALID')
    expect(mm.pfnDatabase.entry(entry.value).segment).toEqual({ id, offset: 0, shareCount: 2 })
  })

  it('writes through a shared view of a file to the file (§7.1); NtReadFile sees it at once and after a flush (§18)', () => {
    const { mm, file, map, write, space } = machine()
    const { fileId, segmentId } = file([1, 2, 3, 4])
    const view = map(1, segmentId, 1)
    expect(write(1, view.startingAddress + 1, [0x20])).toBe(true)
    expect([...mm.readFile(fileId, 0, 8)!]).toEqual([1, 0x20, 3, 4])
    expect(mm.flushView(space(1), view.startingAddress, 0)).toEqual({
      status: STATUS_SUCCESS,
      pagesWritten: 1,
    })
    expect(mm.flushView(space(1), view.startingAddress, 0).pagesWritten).toBe(0)
    expect(mm.sectionCounters.mappedPagesWritten).toBe(1)
    mm.unmapView(space(1), view)
    mm.dereferenceSegment(segmentId)
    expect([...mm.readFile(fileId, 0, 8)!]).toEqual([1, 0x20, 3, 4])
  })

  it('never writes a private copy-on-write page to the file, on flush or at the end (§7.3.3, §18)', () => {
    const { mm, file, map, write, space } = machine()
    const { fileId, segmentId } = file([1, 2])
    const view = map(1, segmentId, 1, PAGE_WRITECOPY)
    expect(write(1, view.startingAddress, [9])).toBe(true)
    expect(mm.flushView(space(1), view.startingAddress, P).pagesWritten).toBe(0)
    mm.unmapView(space(1), view)
    mm.dereferenceSegment(segmentId)
    expect([...mm.readFile(fileId, 0, 2)!]).toEqual([1, 2])
  })

  it('reads zero past the end of the file in a view, even where the file held data before a truncation (§2.2)', () => {
    const { mm, file, map, read, write } = machine()
    const { fileId, segmentId } = file([1, 2, 3, 4, 5, 6])
    const view = map(1, segmentId, 1)
    expect(read(1, view.startingAddress + 4, 3)).toEqual([5, 6, 0])
    expect(write(1, view.startingAddress + 0x100, [9])).toBe(true)
    mm.setFileSize(fileId, 3)
    expect(read(1, view.startingAddress, 6)).toEqual([1, 2, 3, 0, 0, 0])
    expect(read(1, view.startingAddress + 0x100)).toEqual([0])
    expect(mm.fileSize(fileId)).toBe(3)
    mm.setFileSize(fileId, 5)
    expect([...mm.readFile(fileId, 0, 10)!]).toEqual([1, 2, 3, 0, 0])
    expect(mm.checkInvariants()).toEqual([])
  })

  it('refuses a write to READONLY, EXECUTE_READ and EXECUTE pages, and any access to NOACCESS, with STATUS_ACCESS_VIOLATION (§7.2)', () => {
    const { mm, pagefile, map, read, write } = machine()
    const id = pagefile(1)
    for (const protect of [PAGE_READONLY, PAGE_EXECUTE_READ, PAGE_EXECUTE]) {
      const view = map(1, id, 1, protect)
      expect(write(1, view.startingAddress, [1])).toBe(STATUS_ACCESS_VIOLATION)
    }
    const none = map(1, id, 1, PAGE_NOACCESS)
    expect(read(1, none.startingAddress)).toBe(STATUS_ACCESS_VIOLATION)
    expect(write(1, none.startingAddress, [1])).toBe(STATUS_ACCESS_VIOLATION)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('refuses execution of a non-executable view page where NX is on (§7.2)', () => {
    const { pagefile, map, fetch } = machine()
    const id = pagefile(1)
    expect(fetch(1, map(1, id, 1, PAGE_EXECUTE_READ).startingAddress)).toEqual([0])
    expect(fetch(1, map(1, id, 1, PAGE_READONLY).startingAddress)).toEqual(
      arch === 'x64' ? STATUS_ACCESS_VIOLATION : [0],
    )
  })

  it('refuses any access to an uncommitted page of a SEC_RESERVE section with STATUS_ACCESS_VIOLATION (§7.2)', () => {
    const { pagefile, map, read } = machine()
    expect(read(1, map(1, pagefile(2, false), 2).startingAddress + P)).toBe(STATUS_ACCESS_VIOLATION)
  })

  it('raises STATUS_GUARD_PAGE_VIOLATION on the first access to a PAGE_GUARD view page and clears the guard on that page only (§7.2)', () => {
    const { mm, pagefile, map, read, space } = machine()
    const view = map(1, pagefile(2), 2, PAGE_READWRITE | PAGE_GUARD)
    expect(read(1, view.startingAddress + P)).toBe(STATUS_GUARD_PAGE_VIOLATION)
    expect(read(1, view.startingAddress + P)).toEqual([0])
    expect(mm.queryAddress(space(1), view.startingAddress + P)).toMatchObject({
      protect: PAGE_READWRITE,
      regionSize: P,
    })
    expect(mm.queryAddress(space(1), view.startingAddress)).toMatchObject({
      protect: PAGE_READWRITE | PAGE_GUARD,
    })
    // Protecting with the guard again re-arms it.
    mm.alterRegion(space(1), view, view.startingAddress + P, P, MEM_COMMIT, PAGE_READWRITE | PAGE_GUARD)
    expect(read(1, view.startingAddress + P)).toBe(STATUS_GUARD_PAGE_VIOLATION)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('keeps a shared page in memory while a process maps it: trimming one mapping drops its share only (§14.2)', () => {
    const { mm, pagefile, map, read, write, space } = machine()
    const id = pagefile(1)
    const a = map(1, id, 1)
    const b = map(2, id, 1)
    write(1, a.startingAddress, [6])
    read(2, b.startingAddress)
    mm.alterRegion(space(1), a, a.startingAddress, P, MEM_COMMIT, PAGE_NOACCESS)
    const entry = mm.prototypeEntry(id, 0)!
    expect(entry.kind).toBe('VALID')
    expect(mm.pfnDatabase.entry(entry.value).segment?.shareCount).toBe(1)
    mm.alterRegion(space(2), b, b.startingAddress, P, MEM_COMMIT, PAGE_NOACCESS)
    expect(mm.prototypeEntry(id, 0)?.kind).toBe('TRANSITION')
    expect(mm.pfnDatabase.entry(entry.value).state).toBe('MODIFIED')
    mm.alterRegion(space(2), b, b.startingAddress, P, MEM_COMMIT, PAGE_READONLY)
    expect(read(2, b.startingAddress)).toEqual([6])
    expect(mm.checkInvariants()).toEqual([])
  })

  it('pages shared pages out under pressure: pagefile pages to the page file, file pages to their file, and back (§14.2)', () => {
    const { mm, pagefile, file, map, read, write } = machine(20, 64)
    const id = pagefile(24)
    const { fileId, segmentId } = file(Array.from({ length: 24 * P }, () => 0))
    const a = map(1, id, 24)
    const f = map(2, segmentId, 24)
    for (let page = 0; page < 24; page++) {
      expect(write(1, a.startingAddress + page * P, [page + 1])).toBe(true)
      expect(write(2, f.startingAddress + page * P + 1, [page + 100])).toBe(true)
    }
    expect(mm.counters.pagesWritten).toBeGreaterThan(0)
    expect(mm.sectionCounters.mappedPagesWritten).toBeGreaterThan(0)
    for (let page = 0; page < 24; page++) {
      expect(read(1, a.startingAddress + page * P)).toEqual([page + 1])
      expect(read(2, f.startingAddress + page * P, 2)).toEqual([0, page + 100])
    }
    expect(mm.sectionCounters.mappedPagesRead).toBeGreaterThan(0)
    for (let page = 0; page < 24; page++)
      expect([...mm.readFile(fileId, page * P, 2)!]).toEqual([0, page + 100])
    expect(mm.checkInvariants()).toEqual([])
  })

  it('pages a private copy-on-write page like private memory, through the page file, and keeps it private (§14.3)', () => {
    const { mm, pagefile, map, read, write } = machine(20, 64)
    const id = pagefile(24)
    const shared = map(1, id, 24)
    const copy = map(2, id, 24, PAGE_WRITECOPY)
    for (let page = 0; page < 24; page++)
      expect(write(2, copy.startingAddress + page * P, [page + 1])).toBe(true)
    for (let page = 0; page < 24; page++)
      expect(write(1, shared.startingAddress + page * P, [200])).toBe(true)
    for (let page = 0; page < 24; page++) expect(read(2, copy.startingAddress + page * P)).toEqual([page + 1])
    expect(mm.checkInvariants()).toEqual([])
  })

  it('writes the dirty file pages of a deleted segment to the file first (§3, §14.4)', () => {
    const { mm, file, map, write, space } = machine()
    const { fileId, segmentId } = file([0, 0, 0])
    const view = map(1, segmentId, 1)
    expect(write(1, view.startingAddress, [7, 8])).toBe(true)
    mm.dereferenceSegment(segmentId)
    mm.unmapView(space(1), view)
    expect(mm.segmentIds()).toEqual([])
    expect(mm.sectionCounters.mappedPagesWritten).toBe(1)
    expect([...mm.readFile(fileId, 0, 3)!]).toEqual([7, 8, 0])
  })

  it('extends a file written past its end; the gap reads zero and reads stop at the end (§19)', () => {
    const { mm } = machine()
    const { fileId } = mm.createFile()
    expect(mm.fileSize(fileId)).toBe(0)
    expect(mm.writeFile(fileId, 2 * P + 2, Uint8Array.from([5])).status).toBe(STATUS_SUCCESS)
    expect(mm.fileSize(fileId)).toBe(2 * P + 3)
    expect([...mm.readFile(fileId, P, 2)!]).toEqual([0, 0])
    expect([...mm.readFile(fileId, 2 * P + 1, 10)!]).toEqual([0, 5])
    expect(mm.readFile(fileId, 2 * P + 3, 10)!.length).toBe(0)
  })

  it('writes a file through its resident pages: every view sees it at once (the cache manager’s coherence, §7.1)', () => {
    const { mm, file, map, read } = machine()
    const { fileId, segmentId } = file([1, 2, 3])
    const view = map(1, segmentId, 1, PAGE_READONLY)
    expect(read(1, view.startingAddress)).toEqual([1])
    mm.writeFile(fileId, 1, Uint8Array.from([0x55]))
    expect(read(1, view.startingAddress, 3)).toEqual([1, 0x55, 3])
    expect(mm.checkInvariants()).toEqual([])
  })

  it('grows a data segment for a larger data section; existing views keep their size (§12)', () => {
    const { mm, file, map, read } = machine()
    const { fileId, segmentId } = file([1])
    mm.setFileSize(fileId, 3 * P)
    expect(mm.extendSegment(segmentId, 3 * P).status).toBe(STATUS_SUCCESS)
    expect(mm.segmentInfo(segmentId)).toMatchObject({ pageCount: 3, sizeBytes: 3 * P })
    const view = map(1, segmentId, 3)
    mm.writeFile(fileId, 2 * P, Uint8Array.from([4]))
    expect(read(1, view.startingAddress + 2 * P)).toEqual([4])
    expect(mm.checkInvariants()).toEqual([])
  })
})
