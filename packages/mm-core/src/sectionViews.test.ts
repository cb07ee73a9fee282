// The section rules of NT-SECTIONS.md that the memory manager decides, for views: creating
// segments, mapping and unmapping, what NtQueryVirtualMemory reports, committing inside a view,
// freeing, and segment lifetime. Each title names its rule and section; every table runs on x86
// and x64.
import { describe, expect, it } from 'vitest'
import {
  MEM_COMMIT,
  MEM_FREE,
  MEM_MAPPED,
  MEM_RESERVE,
  PAGE_EXECUTE_READ,
  PAGE_NOACCESS,
  PAGE_NOCACHE,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import {
  STATUS_ACCESS_VIOLATION,
  STATUS_COMMITMENT_LIMIT,
  STATUS_CONFLICTING_ADDRESSES,
  STATUS_INVALID_VIEW_SIZE,
  STATUS_NO_MEMORY,
  STATUS_NOT_MAPPED_VIEW,
  STATUS_SUCCESS,
  STATUS_UNABLE_TO_DELETE_SECTION,
} from './ntStatus.js'
import { createSectionMachine } from './testing/createSectionMachine.js'

const P = 0x1000

describe.each(['x86', 'x64'] as const)('section views (%s)', (arch) => {
  function machine(frames = 64, pageFileSlots = 64) {
    const m = createSectionMachine({ arch, frames, pageFileSlots })
    const segment = (pages: number, commit = true) => {
      const created = m.mm.createSegment({ kind: 'pagefile', pages, commit })
      expect(created.status).toBe(STATUS_SUCCESS)
      return created.segmentId!
    }
    const map = (
      pid: number,
      segmentId: number,
      pages: number,
      protect: number = PAGE_READWRITE,
      offsetPages = 0,
    ) => {
      const mapped = m.mm.mapView(m.space(pid), { segmentId, offsetPages, pages, protect })
      expect(mapped.status).toBe(STATUS_SUCCESS)
      return mapped.area!
    }
    return { ...m, segment, map }
  }

  it('a fresh pagefile section reads as zero; SEC_COMMIT charges its whole size at creation (§2.2)', () => {
    const { mm, segment, map, read } = machine()
    const before = mm.commitCharge
    const id = segment(5)
    expect(mm.commitCharge).toBe(before + 5)
    const view = map(1, id, 5)
    expect(read(1, view.startingAddress + 4 * P + 7, 3)).toEqual([0, 0, 0])
    expect(mm.checkInvariants()).toEqual([])
  })

  it('a SEC_RESERVE section charges nothing until committed; its pages report MEM_RESERVE with Protect 0 (§2.2, §6)', () => {
    const { mm, segment, map, space } = machine()
    const before = mm.commitCharge
    const view = map(1, segment(4, false), 4)
    expect(mm.commitCharge).toBe(before)
    expect(mm.queryAddress(space(1), view.startingAddress + 0x10)).toEqual({
      baseAddress: view.startingAddress,
      allocationBase: view.startingAddress,
      allocationProtect: PAGE_READWRITE,
      regionSize: 4 * P,
      state: MEM_RESERVE,
      protect: 0,
      type: MEM_MAPPED,
    })
  })

  it('refuses a SEC_COMMIT section past the commit limit with STATUS_COMMITMENT_LIMIT, nothing made (§2.2)', () => {
    const { mm } = machine()
    const pages = mm.commitLimit - mm.commitCharge + 1
    expect(mm.createSegment({ kind: 'pagefile', pages, commit: true })).toEqual({
      status: STATUS_COMMITMENT_LIMIT,
    })
    expect(mm.segmentIds()).toEqual([])
  })

  it('maps nothing at map time: the process PTEs stay empty until first touched (§14.1)', () => {
    const { mm, segment, map } = machine()
    const view = map(1, segment(3), 3)
    expect(mm.peekSpace(1, view.startingAddress, 1)).toBeUndefined()
    expect(mm.counters.workingSetPages).toBe(0)
  })

  it('places a view at the lowest free 64 KiB-aligned range, or the highest with MEM_TOP_DOWN (§4.3.5)', () => {
    const { mm, segment, space } = machine()
    const id = segment(3)
    const low = mm.mapView(space(1), { segmentId: id, offsetPages: 0, pages: 3, protect: PAGE_READWRITE })
    const high = mm.mapView(space(1), {
      segmentId: id,
      offsetPages: 0,
      pages: 3,
      protect: PAGE_READWRITE,
      topDown: true,
    })
    expect(low.area?.startingAddress).toBe(0x10000)
    expect(high.area?.startingAddress).toBe(arch === 'x64' ? 0x7ffffffd0000 : 0x7ffd0000)
    expect(high.area!.endingAddress - high.area!.startingAddress).toBe(3 * P)
  })

  it('refuses a fixed base overlapping any allocation with STATUS_CONFLICTING_ADDRESSES (§4.3.5)', () => {
    const { mm, segment, space } = machine()
    const id = segment(2)
    mm.createArea(space(1), { base: 0x400000, size: 0x1000, protect: PAGE_READWRITE, commit: false })
    const view = { segmentId: id, offsetPages: 0, pages: 2, protect: PAGE_READWRITE }
    expect(mm.mapView(space(1), { ...view, base: 0x400000 }).status).toBe(STATUS_CONFLICTING_ADDRESSES)
    expect(mm.mapView(space(1), { ...view, base: 0x3ff000 }).status).toBe(STATUS_CONFLICTING_ADDRESSES)
    expect(mm.mapView(space(1), { ...view, base: 0x500000 }).status).toBe(STATUS_SUCCESS)
    expect(mm.mapView(space(1), { ...view, base: 0x501000 }).status).toBe(STATUS_CONFLICTING_ADDRESSES)
  })

  it('answers STATUS_NO_MEMORY when no 64 KiB-aligned hole fits below the limit (§4.3.5)', () => {
    const { mm, segment, space } = machine()
    const id = segment(1)
    const view = { segmentId: id, offsetPages: 0, pages: 1, protect: PAGE_READWRITE, highestAddress: 0x1ffff }
    expect(mm.mapView(space(1), view).status).toBe(STATUS_SUCCESS)
    expect(mm.mapView(space(1), view).status).toBe(STATUS_NO_MEMORY)
  })

  it('refuses a view past the end of its segment with STATUS_INVALID_VIEW_SIZE (§4.3.3)', () => {
    const { mm, segment, space } = machine()
    const id = segment(4)
    expect(
      mm.mapView(space(1), { segmentId: id, offsetPages: 2, pages: 3, protect: PAGE_READWRITE }).status,
    ).toBe(STATUS_INVALID_VIEW_SIZE)
    expect(
      mm.mapView(space(1), { segmentId: id, offsetPages: 2, pages: 2, protect: PAGE_READWRITE }).status,
    ).toBe(STATUS_SUCCESS)
  })

  it('reports a view as one MEM_MAPPED run with the map protection as AllocationProtect, and the rest of its granule free (§6)', () => {
    const { mm, segment, map, space } = machine(64, 512)
    const view = map(1, segment(256), 256, PAGE_READONLY)
    expect(mm.queryAddress(space(1), view.startingAddress + 0x12345)).toEqual({
      baseAddress: view.startingAddress + 0x12000,
      allocationBase: view.startingAddress,
      allocationProtect: PAGE_READONLY,
      regionSize: 0x100000 - 0x12000,
      state: MEM_COMMIT,
      protect: PAGE_READONLY,
      type: MEM_MAPPED,
    })
    const small = map(1, segment(1), 1)
    expect(mm.queryAddress(space(1), small.startingAddress + P)).toMatchObject({ state: MEM_FREE, type: 0 })
  })

  it('reports AllocationProtect with PAGE_NOCACHE as given for a SEC_NOCACHE section (§4.3.6, §6)', () => {
    const { mm, segment, space } = machine()
    const mapped = mm.mapView(space(1), {
      segmentId: segment(1),
      offsetPages: 0,
      pages: 1,
      protect: PAGE_READWRITE | PAGE_NOCACHE,
      allocationProtect: PAGE_READWRITE | PAGE_NOCACHE,
    })
    expect(mm.queryAddress(space(1), mapped.area!.startingAddress)).toMatchObject({
      allocationProtect: 0x204,
      protect: 0x204,
    })
  })

  it('leaves the query fields as they are after reads and writes through a shared view (§6)', () => {
    const { mm, segment, map, space, read, write } = machine()
    const view = map(1, segment(2), 2)
    const before = mm.queryAddress(space(1), view.startingAddress)
    expect(write(1, view.startingAddress, [1])).toBe(true)
    expect(read(1, view.startingAddress + P)).toEqual([0])
    expect(mm.queryAddress(space(1), view.startingAddress)).toEqual(before)
  })

  it('commits SEC_RESERVE pages in the segment through one view: every view sees MEM_COMMIT, only this one the new protection (§8.2)', () => {
    const { mm, segment, map, space, read, write } = machine()
    const id = segment(4, false)
    const a = map(1, id, 4)
    const b = map(2, id, 4, PAGE_READONLY)
    expect(read(1, a.startingAddress)).toBe(STATUS_ACCESS_VIOLATION)
    const charge = mm.commitCharge
    expect(mm.alterRegion(space(1), a, a.startingAddress + P, 2 * P, MEM_COMMIT, PAGE_READONLY).status).toBe(
      STATUS_SUCCESS,
    )
    expect(mm.commitCharge).toBe(charge + 2)
    expect(mm.queryAddress(space(1), a.startingAddress + P)).toMatchObject({
      state: MEM_COMMIT,
      protect: PAGE_READONLY,
      regionSize: 2 * P,
    })
    expect(mm.queryAddress(space(2), b.startingAddress + P)).toMatchObject({
      state: MEM_COMMIT,
      protect: PAGE_READONLY,
      allocationProtect: PAGE_READONLY,
      regionSize: 2 * P,
    })
    expect(mm.queryAddress(space(2), b.startingAddress + 3 * P)).toMatchObject({
      state: MEM_RESERVE,
      protect: 0,
    })
    // Committing again only changes this view's protection, and charges nothing.
    expect(mm.alterRegion(space(1), a, a.startingAddress + P, P, MEM_COMMIT, PAGE_READWRITE).status).toBe(
      STATUS_SUCCESS,
    )
    expect(mm.commitCharge).toBe(charge + 2)
    expect(write(1, a.startingAddress + P, [5])).toBe(true)
    expect(read(2, b.startingAddress + P)).toEqual([5])
    expect(write(2, b.startingAddress + P, [6])).toBe(STATUS_ACCESS_VIOLATION)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('commits a SEC_RESERVE range in the segment (CommitSize at map time), once and charged once (§4.3.4)', () => {
    const { mm, segment, map, read } = machine()
    const id = segment(3, false)
    const charge = mm.commitCharge
    expect(mm.commitSegmentPages(id, 0, 2).status).toBe(STATUS_SUCCESS)
    expect(mm.commitSegmentPages(id, 1, 2).status).toBe(STATUS_SUCCESS)
    expect(mm.commitCharge).toBe(charge + 3)
    const view = map(1, id, 3)
    expect(read(1, view.startingAddress + 2 * P)).toEqual([0])
  })

  it('refuses a commit inside a view past the commit limit with STATUS_COMMITMENT_LIMIT, nothing changed (§8.2)', () => {
    const { mm, segment, map, space } = machine(24)
    const id = segment(mm.commitLimit, false)
    const view = map(1, id, mm.commitLimit)
    const regions = mm.regionsOf(view)
    expect(
      mm.alterRegion(space(1), view, view.startingAddress, mm.commitLimit * P, MEM_COMMIT, PAGE_READONLY),
    ).toEqual({
      status: STATUS_COMMITMENT_LIMIT,
    })
    expect(mm.regionsOf(space(1).tree.locate(view.startingAddress)!)).toEqual(regions)
    expect(mm.segmentInfo(id)?.committedPages).toBe(0)
  })

  it('refuses MEM_DECOMMIT and MEM_RELEASE on a view with STATUS_UNABLE_TO_DELETE_SECTION (§9)', () => {
    const { mm, segment, map, space } = machine()
    const view = map(1, segment(2), 2)
    expect(mm.releaseRange(space(1), view, view.startingAddress, 2 * P).status).toBe(
      STATUS_UNABLE_TO_DELETE_SECTION,
    )
    expect(mm.alterRegion(space(1), view, view.startingAddress, P, MEM_RESERVE, PAGE_NOACCESS).status).toBe(
      STATUS_UNABLE_TO_DELETE_SECTION,
    )
  })

  it('unmaps the whole view: the range is MEM_FREE and access violates; a second unmap is STATUS_NOT_MAPPED_VIEW (§10)', () => {
    const { mm, segment, map, space, read, write } = machine()
    const id = segment(3)
    const view = map(1, id, 3)
    expect(write(1, view.startingAddress + P, [1])).toBe(true)
    expect(mm.unmapView(space(1), view).status).toBe(STATUS_SUCCESS)
    expect(mm.queryAddress(space(1), view.startingAddress + P)).toMatchObject({
      state: MEM_FREE,
      protect: PAGE_NOACCESS,
      allocationBase: 0,
      allocationProtect: 0,
      type: 0,
    })
    expect(read(1, view.startingAddress + P)).toBe(STATUS_ACCESS_VIOLATION)
    expect(mm.unmapView(space(1), view).status).toBe(STATUS_NOT_MAPPED_VIEW)
    const privateArea = mm.createArea(space(1), { size: P, protect: PAGE_READWRITE, commit: true }).area!
    expect(mm.unmapView(space(1), privateArea).status).toBe(STATUS_NOT_MAPPED_VIEW)
    expect(mm.segmentInfo(id)).toMatchObject({ mappedViews: 0, sectionReferences: 1 })
    expect(mm.checkInvariants()).toEqual([])
  })

  it('keeps the data when the last view goes while a section reference remains: a new view sees it (§3)', () => {
    const { mm, segment, map, space, read, write } = machine()
    const id = segment(2)
    const first = map(1, id, 2)
    expect(write(1, first.startingAddress + P + 9, [0x5a])).toBe(true)
    mm.unmapView(space(1), first)
    const second = map(2, id, 2)
    expect(read(2, second.startingAddress + P + 9)).toEqual([0x5a])
  })

  it('keeps views working after the last section reference goes (§3)', () => {
    const { mm, segment, map, space, read, write } = machine()
    const id = segment(1)
    const view = map(1, id, 1)
    expect(write(1, view.startingAddress, [3])).toBe(true)
    expect(mm.dereferenceSegment(id).status).toBe(STATUS_SUCCESS)
    expect(read(1, view.startingAddress)).toEqual([3])
    expect(mm.queryAddress(space(1), view.startingAddress)).toMatchObject({
      state: MEM_COMMIT,
      type: MEM_MAPPED,
    })
    expect(mm.segmentInfo(id)).toMatchObject({ mappedViews: 1, sectionReferences: 0 })
  })

  it('destroys the segment when references and views reach 0: frames freed, slots released, commit returned (§3, §14.4)', () => {
    const { mm, segment, map, space, write } = machine(24)
    const free = mm.counters.freePages + mm.counters.zeroedPages
    const tablesBefore = mm.counters.pageTablesCreated
    const charge = mm.commitCharge
    const id = segment(30)
    const view = map(1, id, 30)
    // More pages written than frames spare: some reach the page file.
    for (let page = 0; page < 30; page++)
      expect(write(1, view.startingAddress + page * P, [page + 1])).toBe(true)
    expect(mm.counters.pagesWritten).toBeGreaterThan(0)
    expect(
      mm.counters.pageFileSlotsUsed + mm.counters.modifiedPages + mm.counters.standbyPages,
    ).toBeGreaterThan(0)
    mm.unmapView(space(1), view)
    expect(mm.segmentIds()).toEqual([id])
    mm.dereferenceSegment(id)
    expect(mm.segmentIds()).toEqual([])
    expect(mm.commitCharge).toBe(charge)
    expect(mm.counters.pageFileSlotsUsed).toBe(0)
    // Every frame the segment held is free (the view's page tables stay until the process goes).
    expect(mm.counters).toMatchObject({ workingSetPages: 0, standbyPages: 0, modifiedPages: 0 })
    expect(mm.counters.freePages + mm.counters.zeroedPages).toBe(
      free - mm.counters.pageTablesCreated + tablesBefore,
    )
    expect(mm.checkInvariants()).toEqual([])
  })

  it('unmaps the views of a process that exits, and deletes a segment nothing else refers to (§3, §10)', () => {
    const { mm, segment, map, write } = machine()
    const id = segment(2)
    const view = map(1, id, 2)
    write(1, view.startingAddress, [1])
    mm.dereferenceSegment(id)
    mm.deleteAddressSpace(1)
    expect(mm.segmentIds()).toEqual([])
    expect(mm.checkInvariants()).toEqual([])
  })

  it('maps a view at an offset: its first page is the segment page at the offset (§4.3)', () => {
    const { segment, map, read, write } = machine()
    const id = segment(4)
    const whole = map(1, id, 4)
    expect(write(1, whole.startingAddress + 2 * P, [0x42])).toBe(true)
    const part = map(2, id, 2, PAGE_EXECUTE_READ, 2)
    expect(read(2, part.startingAddress)).toEqual([0x42])
  })

  it('commits every page of a data file section, whatever its attributes: a view reports MEM_COMMIT and charges nothing (§2.2)', () => {
    const { mm, map, space } = machine()
    const { fileId } = mm.createFile()
    mm.setFileSize(fileId, 0x3452)
    const charge = mm.commitCharge
    const id = mm.openDataSegment(fileId).segmentId!
    expect(mm.segmentInfo(id)).toMatchObject({
      kind: 'file',
      sizeBytes: 0x3452,
      pageCount: 4,
      committedPages: 4,
    })
    const view = map(1, id, 4)
    expect(mm.commitCharge).toBe(charge)
    expect(mm.queryAddress(space(1), view.startingAddress)).toMatchObject({
      state: MEM_COMMIT,
      protect: PAGE_READWRITE,
      regionSize: 4 * P,
      type: MEM_MAPPED,
    })
    // Every data section of the file shares this segment.
    expect(mm.openDataSegment(fileId).segmentId).toBe(id)
    expect(mm.segmentInfo(id)?.sectionReferences).toBe(2)
  })

  it('charges a WRITECOPY view its whole size at map time and returns it at unmap (§6 CommitSize, §7.3)', () => {
    const { mm, segment, map, space } = machine()
    const id = segment(6)
    const charge = mm.commitCharge
    const view = map(1, id, 6, PAGE_WRITECOPY)
    expect(mm.commitCharge).toBe(charge + 6)
    expect(space(1).record?.commitCharge).toBe(6)
    mm.unmapView(space(1), view)
    expect(mm.commitCharge).toBe(charge)
  })
})
