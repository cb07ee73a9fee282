// Random programs for the section tests: steps mixing private memory, pagefile and file sections,
// views in three address spaces (reads, writes, copy-on-write writes, protection changes, commits,
// flushes, unmaps, section dereferences, file writes, process exits; views of a file that run past
// its segment, as MEM_RESERVE maps them, and the segment's extension), and a model that says what
// every byte must be: every view of a segment and the file read the same bytes, except
// copy-on-write pages, which stay private to their process. Used by the property test (invariants
// after every step, nothing left after the teardown) and the replay tests. Not exported.

import { expect } from 'vitest'
import type { Architecture } from '../addressSpaceLayout.js'
import type { MemoryArea } from '../memoryArea.js'
import {
  MEM_COMMIT,
  PAGE_EXECUTE_READWRITE,
  PAGE_EXECUTE_WRITECOPY,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
  PAGE_WRITECOPY,
} from '../memoryConstants.js'
import type { ReplacementPolicyName } from '../mmCore.js'
import { STATUS_ACCESS_VIOLATION, STATUS_COMMITMENT_LIMIT, STATUS_SUCCESS } from '../ntStatus.js'
import { createSectionMachine } from './createSectionMachine.js'
import type { SectionOp } from './sectionOps.js'

export { SECTION_PRELUDE, type SectionOp, sectionOp } from './sectionOps.js'

const P = 0x1000
const OFFSETS = [0, 0x7ff, 0xfff] as const

/** Bytes by `page * P + offset` (absent: 0). */
type Bytes = Map<number, number>

interface SegmentModel {
  readonly id: number
  /** Pages of the segment (a file segment grows: extend). */
  pages: number
  readonly bytes: Bytes
  readonly reserved: Set<number>
  readonly fileId: number | undefined
  references: number
  views: number
}

interface ViewModel {
  readonly pid: number
  readonly area: MemoryArea
  readonly segment: SegmentModel
  readonly offset: number
  readonly protect: number[]
  /** Private copies by view page. */
  readonly copies: Map<number, Bytes>
}

function afterCopy(protect: number): number {
  if (protect === PAGE_WRITECOPY) return PAGE_READWRITE
  if (protect === PAGE_EXECUTE_WRITECOPY) return PAGE_EXECUTE_READWRITE
  return protect
}

/** What {@link runSectionProgram} checks besides the model: invariants after every step, and the teardown. */
export interface SectionProgramChecks {
  /** checkInvariants after every step (default true). */
  readonly eachStep?: boolean
  /** Unmap, dereference and release everything at the end and check that nothing leaks (default true). */
  readonly teardown?: boolean
  /** Called after each step with its index (e.g. to take a snapshot). */
  readonly afterStep?: (index: number) => void
}

/** The machine a section program runs on (a small one: 10× overcommit). */
export function sectionProgramMachine(arch: Architecture, policy: ReplacementPolicyName) {
  return createSectionMachine({
    arch,
    replacementPolicy: policy,
    frames: arch === 'x86' ? 22 : 30,
    pageFileSlots: 320,
    processes: 3,
  })
}

/**
 * Run `ops` on `machine` against the model (see the file comment), checking every read and the
 * final contents of every view and file.
 */
export function runSectionProgram(
  machine: ReturnType<typeof createSectionMachine>,
  ops: readonly SectionOp[],
  checks: SectionProgramChecks = {},
): void {
  const { mm, space, read, write } = machine
  const baseline = { commit: mm.commitCharge }
  const segments: SegmentModel[] = []
  const files = new Map<number, { pages: number; bytes: Bytes }>()
  const views: ViewModel[] = []
  const privates: { pid: number; area: MemoryArea; bytes: Map<number, number> }[] = []
  const pick = <T>(list: readonly T[], index: number): T | undefined =>
    list.length === 0 ? undefined : list[index % list.length]
  const live = () => segments.filter((segment) => segment.references > 0)

  const expected = (view: ViewModel, page: number, offset: number): number => {
    const copy = view.copies.get(page)
    if (copy !== undefined) return copy.get(offset) ?? 0
    return view.segment.bytes.get((view.offset + page) * P + offset) ?? 0
  }
  // A page past the segment's end (an extendable view) is reserved until the segment grows.
  const readable = (view: ViewModel, page: number) =>
    view.protect[page] !== PAGE_NOACCESS &&
    view.offset + page < view.segment.pages &&
    !view.segment.reserved.has(view.offset + page)
  /** Write through a view and tell the model what happened (a shared write, a copy, a violation). */
  const writeAt = (view: ViewModel, page: number, offset: number, value: number) => {
    const protect = view.protect[page]!
    const result = write(view.pid, view.area.startingAddress + page * P + offset, [value])
    if (!readable(view, page) || protect === PAGE_READONLY) {
      expect(result).toBe(STATUS_ACCESS_VIOLATION)
      return
    }
    expect(result).toBe(true)
    const copy = view.copies.get(page)
    if (copy !== undefined) copy.set(offset, value)
    else if (protect === PAGE_WRITECOPY) {
      const private_ = new Map<number, number>()
      for (const at of OFFSETS) private_.set(at, expected(view, page, at))
      private_.set(offset, value)
      view.copies.set(page, private_)
      view.protect[page] = afterCopy(protect)
    } else view.segment.bytes.set((view.offset + page) * P + offset, value)
  }
  const forget = (view: ViewModel) => {
    views.splice(views.indexOf(view), 1)
    view.segment.views--
  }

  for (const [index, step] of ops.entries()) {
    switch (step.op) {
      case 'segment': {
        const created = mm.createSegment({ kind: 'pagefile', pages: step.pages, commit: step.commit })
        if (created.segmentId === undefined) {
          expect(created.status).toBe(STATUS_COMMITMENT_LIMIT)
          break
        }
        const reserved = new Set<number>()
        if (!step.commit) for (let page = 0; page < step.pages; page++) reserved.add(page)
        segments.push({
          id: created.segmentId,
          pages: step.pages,
          bytes: new Map(),
          reserved,
          fileId: undefined,
          references: 1,
          views: 0,
        })
        break
      }
      case 'file': {
        const { fileId } = mm.createFile()
        const bytes: Bytes = new Map()
        for (let page = 0; page < step.pages; page++)
          bytes.set(page * P + OFFSETS[page % 3]!, (step.fill + page) % 256)
        const image = new Uint8Array(step.pages * P)
        for (const [at, value] of bytes) image[at] = value
        mm.writeFile(fileId, 0, image)
        files.set(fileId, { pages: step.pages, bytes })
        const opened = mm.openDataSegment(fileId)
        segments.push({
          id: opened.segmentId!,
          pages: step.pages,
          bytes,
          reserved: new Set(),
          fileId,
          references: 1,
          views: 0,
        })
        break
      }
      case 'reopen': {
        const fileId = pick([...files.keys()], step.file)
        if (fileId === undefined) break
        const opened = mm.openDataSegment(fileId)
        const existing = segments.find(
          (segment) => segment.id === opened.segmentId && (segment.references > 0 || segment.views > 0),
        )
        if (existing !== undefined) existing.references++
        else {
          const file = files.get(fileId)!
          segments.push({
            id: opened.segmentId!,
            pages: file.pages,
            bytes: file.bytes,
            reserved: new Set(),
            fileId,
            references: 1,
            views: 0,
          })
        }
        break
      }
      case 'map': {
        const segment = pick(live(), step.segment)
        if (segment === undefined) break
        const offset = step.offset % segment.pages
        const extendable = segment.fileId !== undefined && step.beyond > 0
        const pages = Math.min(step.pages, segment.pages - offset) + (extendable ? step.beyond : 0)
        const mapped = mm.mapView(space(step.pid), {
          segmentId: segment.id,
          offsetPages: offset,
          pages,
          protect: step.protect,
          ...(extendable ? { extendable } : {}),
        })
        if (mapped.area === undefined) {
          expect(mapped.status).toBe(STATUS_COMMITMENT_LIMIT)
          break
        }
        segment.views++
        views.push({
          pid: step.pid,
          area: mapped.area,
          segment,
          offset,
          protect: new Array(pages).fill(step.protect),
          copies: new Map(),
        })
        break
      }
      case 'extend': {
        // NtExtendSection's memory-manager side: the file first, then its segment.
        const segment = pick(
          live().filter((entry) => entry.fileId !== undefined),
          step.segment,
        )
        if (segment === undefined) break
        const file = files.get(segment.fileId!)!
        const pages = segment.pages + step.pages
        expect(mm.setFileSize(segment.fileId!, Math.max(file.pages, pages) * P).status).toBe(STATUS_SUCCESS)
        expect(mm.extendSegment(segment.id, pages * P).status).toBe(STATUS_SUCCESS)
        file.pages = Math.max(file.pages, pages)
        segment.pages = pages
        break
      }
      case 'read': {
        const view = pick(views, step.view)
        if (view === undefined) break
        const page = step.page % view.protect.length
        for (const offset of OFFSETS) {
          const address = view.area.startingAddress + page * P + offset
          if (readable(view, page)) expect(read(view.pid, address)).toEqual([expected(view, page, offset)])
          else expect(read(view.pid, address)).toBe(STATUS_ACCESS_VIOLATION)
        }
        break
      }
      case 'write': {
        const view = pick(views, step.view)
        if (view !== undefined)
          writeAt(view, step.page % view.protect.length, OFFSETS[step.at % 3]!, step.value)
        break
      }
      case 'sweep': {
        const view = pick(views, step.view)
        if (view === undefined) break
        for (let page = 0; page < view.protect.length; page++)
          writeAt(view, page, OFFSETS[step.at % 3]!, (step.value + page) % 256)
        break
      }
      case 'protect': {
        const view = pick(views, step.view)
        if (view === undefined) break
        const first = step.page % view.protect.length
        const count = Math.min(step.pages, view.protect.length - first)
        const status = mm.alterRegion(
          space(view.pid),
          view.area,
          view.area.startingAddress + first * P,
          count * P,
          MEM_COMMIT,
          step.protect,
        ).status
        if (status !== STATUS_SUCCESS) {
          expect(status).toBe(STATUS_COMMITMENT_LIMIT)
          break
        }
        for (let page = first; page < first + count; page++) {
          view.segment.reserved.delete(view.offset + page)
          view.protect[page] = view.copies.has(page) ? afterCopy(step.protect) : step.protect
        }
        break
      }
      case 'flush': {
        const view = pick(views, step.view)
        if (view !== undefined)
          expect(mm.flushView(space(view.pid), view.area.startingAddress, 0).status).toBe(STATUS_SUCCESS)
        break
      }
      case 'unmap': {
        const view = pick(views, step.view)
        if (view === undefined) break
        expect(mm.unmapView(space(view.pid), view.area).status).toBe(STATUS_SUCCESS)
        forget(view)
        break
      }
      case 'dereference': {
        const segment = pick(live(), step.segment)
        if (segment === undefined) break
        expect(mm.dereferenceSegment(segment.id).status).toBe(STATUS_SUCCESS)
        segment.references--
        break
      }
      case 'fileWrite': {
        const fileId = pick([...files.keys()], step.file)
        if (fileId === undefined) break
        const file = files.get(fileId)!
        const at = (step.page % file.pages) * P + OFFSETS[step.at % 3]!
        expect(mm.writeFile(fileId, at, Uint8Array.from([step.value])).status).toBe(STATUS_SUCCESS)
        file.bytes.set(at, step.value)
        break
      }
      case 'private': {
        const created = mm.createArea(space(step.pid), {
          size: step.pages * P,
          protect: PAGE_READWRITE,
          commit: true,
        })
        if (created.area !== undefined) privates.push({ pid: step.pid, area: created.area, bytes: new Map() })
        break
      }
      case 'privateWrite': {
        const entry = pick(privates, step.area)
        if (entry === undefined) break
        const pages = (entry.area.endingAddress - entry.area.startingAddress) / P
        const at = entry.area.startingAddress + (step.page % pages) * P
        expect(read(entry.pid, at)).toEqual([entry.bytes.get(at) ?? 0])
        expect(write(entry.pid, at, [step.value])).toBe(true)
        entry.bytes.set(at, step.value)
        break
      }
      case 'exit': {
        mm.deleteAddressSpace(step.pid)
        for (const view of views.filter((entry) => entry.pid === step.pid)) forget(view)
        for (const entry of privates.filter((item) => item.pid === step.pid))
          privates.splice(privates.indexOf(entry), 1)
        expect(mm.createAddressSpace(step.pid).status).toBe(STATUS_SUCCESS)
        break
      }
    }
    checks.afterStep?.(index)
    if (checks.eachStep === false) continue
    expect(mm.checkInvariants()).toEqual([])
    // A segment lives exactly while the model holds a reference or a view on it.
    const alive = segments
      .filter((segment) => segment.references > 0 || segment.views > 0)
      .map((segment) => segment.id)
    expect(mm.segmentIds()).toEqual([...new Set(alive)].sort((a, b) => a - b))
  }

  // Every byte of every view, and of every file, is what the model says.
  for (const view of views) {
    for (let page = 0; page < view.protect.length; page++) {
      if (!readable(view, page)) continue
      for (const offset of OFFSETS)
        expect(read(view.pid, view.area.startingAddress + page * P + offset)).toEqual([
          expected(view, page, offset),
        ])
    }
  }
  const checkFiles = () => {
    for (const [fileId, file] of files) {
      const bytes = mm.readFile(fileId, 0, file.pages * P)!
      for (let page = 0; page < file.pages; page++)
        for (const offset of OFFSETS)
          expect(bytes[page * P + offset]).toBe(file.bytes.get(page * P + offset) ?? 0)
    }
  }
  checkFiles()
  if (checks.teardown === false) return
  // Everything goes: nothing is left behind.
  for (const view of [...views]) {
    expect(mm.unmapView(space(view.pid), view.area).status).toBe(STATUS_SUCCESS)
    forget(view)
  }
  for (const segment of segments)
    while (segment.references > 0) {
      expect(mm.dereferenceSegment(segment.id).status).toBe(STATUS_SUCCESS)
      segment.references--
    }
  for (const entry of privates)
    expect(
      mm.releaseRange(
        space(entry.pid),
        entry.area,
        entry.area.startingAddress,
        entry.area.endingAddress - entry.area.startingAddress,
      ).status,
    ).toBe(STATUS_SUCCESS)
  expect(mm.segmentIds()).toEqual([])
  expect(mm.commitCharge).toBe(baseline.commit)
  expect(mm.counters).toMatchObject({
    workingSetPages: 0,
    standbyPages: 0,
    modifiedPages: 0,
    pageFileSlotsUsed: 0,
  })
  expect(mm.checkInvariants()).toEqual([])
  checkFiles()
}
