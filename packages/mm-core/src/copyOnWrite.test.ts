// Copy-on-write and protection changes on views (NT-SECTIONS.md §7.3, §7.4, §15.6), as the
// memory manager decides them: the private copy, the region split, what other views, the
// section and the file see, and what NtProtectVirtualMemory's page side makes of each page.
import { describe, expect, it } from 'vitest'
import type { MmEvent } from './events.js'
import {
  MEM_COMMIT,
  MEM_IMAGE,
  PAGE_EXECUTE_READ,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
} from './memoryConstants.js'
import { STATUS_ACCESS_VIOLATION, STATUS_PAGE_FAULT_COPY_ON_WRITE, STATUS_SUCCESS } from './ntStatus.js'
import { createSectionMachine } from './testing/createSectionMachine.js'

const P = 0x1000

describe.each(['x86', 'x64'] as const)('copy-on-write (%s)', (arch) => {
  function machine() {
    const m = createSectionMachine({ arch, processes: 3 })
    const id = m.mm.createSegment({ kind: 'pagefile', pages: 4, commit: true }).segmentId!
    const map = (pid: number, protect: number) =>
      m.mm.mapView(m.space(pid), { segmentId: id, offsetPages: 0, pages: 4, protect }).area!
    return { ...m, id, map }
  }

  it('reads the shared page through a WRITECOPY view, and sees other views’ writes until its first write (§7.3.1)', () => {
    const { map, read, write } = machine()
    const shared = map(1, PAGE_READWRITE)
    const copy = map(2, PAGE_WRITECOPY)
    expect(write(1, shared.startingAddress + P, [1])).toBe(true)
    expect(read(2, copy.startingAddress + P)).toEqual([1])
    expect(write(1, shared.startingAddress + P, [2])).toBe(true)
    expect(read(2, copy.startingAddress + P)).toEqual([2])
  })

  it('gives the first write a private copy for this process alone: other views, the section and its other processes keep the shared page (§7.3.2, §7.3.3)', () => {
    const { mm, map, read, write } = machine()
    const shared = map(1, PAGE_READWRITE)
    const copy = map(2, PAGE_WRITECOPY)
    const other = map(3, PAGE_WRITECOPY)
    expect(write(1, shared.startingAddress + P, [1, 1])).toBe(true)
    expect(write(2, copy.startingAddress + P, [9])).toBe(true)
    expect(read(2, copy.startingAddress + P, 2)).toEqual([9, 1])
    expect(read(1, shared.startingAddress + P, 2)).toEqual([1, 1])
    expect(read(3, other.startingAddress + P, 2)).toEqual([1, 1])
    // The copy no longer follows the shared page.
    expect(write(1, shared.startingAddress + P, [5])).toBe(true)
    expect(read(2, copy.startingAddress + P)).toEqual([9])
    expect(mm.sectionCounters.copyOnWriteFaults).toBe(1)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('makes the written page alone PAGE_READWRITE, its own run of one page; the others keep PAGE_WRITECOPY (§7.3.2)', () => {
    const { mm, map, write, space } = machine()
    const copy = map(1, PAGE_WRITECOPY)
    expect(write(1, copy.startingAddress + 2 * P + 5, [1])).toBe(true)
    expect(mm.queryAddress(space(1), copy.startingAddress)).toMatchObject({
      regionSize: 2 * P,
      protect: PAGE_WRITECOPY,
    })
    expect(mm.queryAddress(space(1), copy.startingAddress + 2 * P)).toMatchObject({
      regionSize: P,
      protect: PAGE_READWRITE,
      allocationProtect: PAGE_WRITECOPY,
    })
    expect(mm.queryAddress(space(1), copy.startingAddress + 3 * P)).toMatchObject({
      regionSize: P,
      protect: PAGE_WRITECOPY,
    })
  })

  it('makes an EXECUTE_WRITECOPY page PAGE_EXECUTE_READWRITE on its first write (§7.3.2)', () => {
    const { mm, map, write, space } = machine()
    const copy = map(1, PAGE_EXECUTE_WRITECOPY)
    expect(write(1, copy.startingAddress, [1])).toBe(true)
    expect(mm.queryAddress(space(1), copy.startingAddress).protect).toBe(PAGE_EXECUTE_READWRITE)
  })

  it('copies a page already mapped (a present write fault) and one never touched (a not-present write) alike, in one fault each (§14.1)', () => {
    const { mm, map, read, write } = machine()
    const copy = map(1, PAGE_WRITECOPY)
    const faults: MmEvent[] = []
    mm.setRecorder((event) => {
      if (event.type === 'mm.pageFault') faults.push(event)
    })
    expect(read(1, copy.startingAddress)).toEqual([0])
    expect(write(1, copy.startingAddress, [1])).toBe(true)
    expect(write(1, copy.startingAddress + P, [2])).toBe(true)
    expect(faults.map((fault) => (fault as { kind: string }).kind)).toEqual([
      'demand-zero',
      'copy-on-write',
      'copy-on-write',
    ])
    expect(faults.map((fault) => (fault as { status: number }).status).slice(1)).toEqual([
      STATUS_PAGE_FAULT_COPY_ON_WRITE,
      STATUS_PAGE_FAULT_COPY_ON_WRITE,
    ])
  })

  it('keeps a private copy private until unmap; a new view of the section sees the shared page (§7.3.4, §10)', () => {
    const { mm, id, map, read, write, space } = machine()
    const copy = map(1, PAGE_WRITECOPY)
    expect(write(1, copy.startingAddress, [7])).toBe(true)
    const free = mm.counters.freePages + mm.counters.zeroedPages
    mm.unmapView(space(1), copy)
    expect(mm.counters.freePages + mm.counters.zeroedPages).toBe(free + 1)
    const again = mm.mapView(space(1), { segmentId: id, offsetPages: 0, pages: 4, protect: PAGE_READONLY })
      .area!
    expect(read(1, again.startingAddress)).toEqual([0])
    expect(mm.checkInvariants()).toEqual([])
  })

  it('keeps WRITECOPY as asked until the page is written (§7.4), on READONLY and READWRITE views of a pagefile section', () => {
    const { mm, map, space, write } = machine()
    for (const protect of [PAGE_READONLY, PAGE_READWRITE]) {
      const view = map(1, protect)
      expect(
        mm.alterRegion(space(1), view, view.startingAddress, 4 * P, MEM_COMMIT, PAGE_WRITECOPY).status,
      ).toBe(STATUS_SUCCESS)
      expect(mm.queryAddress(space(1), view.startingAddress)).toMatchObject({
        protect: PAGE_WRITECOPY,
        regionSize: 4 * P,
      })
      expect(write(1, view.startingAddress + P, [1])).toBe(true)
      expect(mm.queryAddress(space(1), view.startingAddress + P)).toMatchObject({
        protect: PAGE_READWRITE,
        regionSize: P,
      })
    }
    expect(mm.checkInvariants()).toEqual([])
  })

  it('charges a view its whole size for copy-on-write when first given a WRITECOPY protection (ARM3 MiSetProtectionOnSection)', () => {
    const { mm, map, space } = machine()
    const view = map(1, PAGE_READWRITE)
    const charge = mm.commitCharge
    mm.alterRegion(space(1), view, view.startingAddress, P, MEM_COMMIT, PAGE_WRITECOPY)
    mm.alterRegion(space(1), view, view.startingAddress + P, P, MEM_COMMIT, PAGE_WRITECOPY)
    expect(mm.commitCharge).toBe(charge + 4)
    mm.unmapView(space(1), view)
    expect(mm.commitCharge).toBe(charge)
  })

  it('turns WRITECOPY into READWRITE and EXECUTE_WRITECOPY into EXECUTE_READWRITE on a private copy (§7.3.4)', () => {
    const { mm, map, space, write } = machine()
    const view = map(1, PAGE_EXECUTE_WRITECOPY)
    expect(write(1, view.startingAddress + P, [1])).toBe(true)
    mm.alterRegion(space(1), view, view.startingAddress, 3 * P, MEM_COMMIT, PAGE_WRITECOPY)
    expect(mm.queryAddress(space(1), view.startingAddress)).toMatchObject({
      protect: PAGE_WRITECOPY,
      regionSize: P,
    })
    expect(mm.queryAddress(space(1), view.startingAddress + P)).toMatchObject({
      protect: PAGE_READWRITE,
      regionSize: P,
    })
    mm.alterRegion(space(1), view, view.startingAddress + P, P, MEM_COMMIT, PAGE_EXECUTE_WRITECOPY)
    expect(mm.queryAddress(space(1), view.startingAddress + P).protect).toBe(PAGE_EXECUTE_READWRITE)
    expect(mm.checkInvariants()).toEqual([])
  })

  it('makes a shared page read-only again on a protection change, and a write then violates (§7.2, §7.4)', () => {
    const { mm, map, space, write, read } = machine()
    const view = map(1, PAGE_READWRITE)
    expect(write(1, view.startingAddress, [4])).toBe(true)
    mm.alterRegion(space(1), view, view.startingAddress, P, MEM_COMMIT, PAGE_READONLY)
    expect(write(1, view.startingAddress, [5])).toBe(STATUS_ACCESS_VIOLATION)
    expect(read(1, view.startingAddress)).toEqual([4])
    mm.alterRegion(space(1), view, view.startingAddress, P, MEM_COMMIT, PAGE_EXECUTE_READ)
    expect(write(1, view.startingAddress, [5])).toBe(STATUS_ACCESS_VIOLATION)
    expect(mm.checkInvariants()).toEqual([])
  })
})

describe.each(['x86', 'x64'] as const)('image views (%s)', (arch) => {
  function machine() {
    const m = createSectionMachine({ arch })
    const fileId = m.mm.createFile().fileId
    const header = new Uint8Array(0x400).fill(0x4d)
    const code = new Uint8Array(P).fill(0xc3)
    const data = new Uint8Array(0x10).fill(0x11)
    const created = m.mm.createImageSegment({
      fileId,
      layout: {
        pages: [header, code, data, new Uint8Array(0)],
        protections: [PAGE_READONLY, PAGE_EXECUTE_READ, PAGE_WRITECOPY, PAGE_WRITECOPY],
      },
    })
    expect(created.status).toBe(STATUS_SUCCESS)
    const map = (pid: number) =>
      m.mm.mapView(m.space(pid), {
        segmentId: created.segmentId!,
        offsetPages: 0,
        pages: 4,
        protect: PAGE_READONLY,
      }).area!
    return { ...m, fileId, map }
  }

  it('lays an image view out as MEM_IMAGE pages, AllocationProtect EXECUTE_WRITECOPY, each run with its section protection (§15.2)', () => {
    const { mm, map, read, space } = machine()
    const view = map(1)
    expect(mm.queryAddress(space(1), view.startingAddress)).toMatchObject({
      allocationProtect: PAGE_EXECUTE_WRITECOPY,
      protect: PAGE_READONLY,
      regionSize: P,
      state: MEM_COMMIT,
      type: MEM_IMAGE,
    })
    expect(mm.queryAddress(space(1), view.startingAddress + P)).toMatchObject({
      protect: PAGE_EXECUTE_READ,
      regionSize: P,
    })
    expect(mm.queryAddress(space(1), view.startingAddress + 2 * P)).toMatchObject({
      protect: PAGE_WRITECOPY,
      regionSize: 2 * P,
    })
    expect(read(1, view.startingAddress + 0x3ff, 2)).toEqual([0x4d, 0])
    expect(read(1, view.startingAddress + 2 * P + 0xf, 2)).toEqual([0x11, 0])
    expect(read(1, view.startingAddress + 3 * P)).toEqual([0])
  })

  it('is not coherent with later writes to the file (§15.3)', () => {
    const { mm, fileId, map, read } = machine()
    mm.writeFile(fileId, 0, new Uint8Array(3 * P).fill(0x77))
    expect(read(1, map(1).startingAddress + P)).toEqual([0xc3])
  })

  it('turns READWRITE into WRITECOPY on a shared image page, and copies it on write; a copied page keeps READWRITE (§15.6)', () => {
    const { mm, map, read, write, space } = machine()
    const view = map(1)
    const other = map(2)
    mm.alterRegion(space(1), view, view.startingAddress + P, P, MEM_COMMIT, PAGE_EXECUTE_READWRITE)
    expect(mm.queryAddress(space(1), view.startingAddress + P).protect).toBe(PAGE_EXECUTE_WRITECOPY)
    mm.alterRegion(space(1), view, view.startingAddress, P, MEM_COMMIT, PAGE_READWRITE)
    expect(mm.queryAddress(space(1), view.startingAddress).protect).toBe(PAGE_WRITECOPY)
    expect(write(1, view.startingAddress + 2, [0xaa])).toBe(true)
    expect(mm.queryAddress(space(1), view.startingAddress).protect).toBe(PAGE_READWRITE)
    mm.alterRegion(space(1), view, view.startingAddress, P, MEM_COMMIT, PAGE_READWRITE)
    expect(mm.queryAddress(space(1), view.startingAddress).protect).toBe(PAGE_READWRITE)
    expect(read(2, other.startingAddress + 2)).toEqual([0x4d])
    expect(mm.checkInvariants()).toEqual([])
  })

  it('writes a written image page to no file: the relocated copy is private (§15.3, §15.4)', () => {
    const { mm, fileId, map, write } = machine()
    const view = map(1)
    expect(write(1, view.startingAddress + 2 * P, [1])).toBe(true)
    expect(mm.fileSize(fileId)).toBe(0)
    expect(mm.sectionCounters.mappedPagesWritten).toBe(0)
  })
})
