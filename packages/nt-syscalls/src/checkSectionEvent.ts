// Whether a recorded section event of the memory manager (SECTION_EVENT_TYPES: files, segments,
// prototype entries, views, shared frames, copy-on-write, the mapped page writer) holds against
// the machine it is about to be applied to, when a trace from outside is loaded
// (loadMachineState.ts): the file or segment exists (or does not, for a creation), the previous
// values the event carries are the machine's, the page is inside its segment, the frames are in
// the state the event's `before` says. What no single event can say (share counts equal the
// mappings, segments without views and references gone) is checkKernelInvariants' at the end.
// No NT counterpart: ReactOS ASSERTs these in section.c and ARM3/section.c.

import type { MemoryManager } from '@ntmm/mm-core'
import { type EventProblem, frameProblem, problem } from './checkHardwareEvent.js'
import { afterProblem, areaAt, pfnProblem, spaceProblem } from './checkMemoryManagerEvent.js'
import type { MachineEvent } from './machineSchema.js'

/** The problem when `fileId` is not a file of the volume, or undefined. */
function fileProblem(mm: MemoryManager, fileId: number, field = 'fileId'): EventProblem | undefined {
  return mm.fileSize(fileId) === undefined ? problem(field, `file ${fileId} does not exist`) : undefined
}

/** The segment `segmentId`, or a problem. */
function segmentAt(mm: MemoryManager, segmentId: number, field = 'segmentId') {
  return mm.segmentInfo(segmentId) ?? problem(field, `segment ${segmentId} does not exist`)
}

/** The problem with a frame change `before` → `after` of `pfn`, or undefined. */
function frameChange(
  mm: MemoryManager,
  pfn: number,
  change: {
    readonly before: Parameters<typeof pfnProblem>[2]
    readonly after: Parameters<typeof afterProblem>[1]
  },
  field = 'before',
): EventProblem | undefined {
  return pfnProblem(mm, pfn, change.before, field) ?? afterProblem(mm, change.after)
}

/** The problem with a section event on `mm`, or undefined (undefined too for any other event). */
export function checkSectionEvent(
  mm: MemoryManager,
  event: Readonly<MachineEvent>,
): EventProblem | undefined {
  switch (event.type) {
    case 'mm.fileCreated':
      return mm.fileSize(event.fileId) === undefined
        ? undefined
        : problem('fileId', `file ${event.fileId} exists already`)
    case 'mm.fileSizeSet': {
      const size = mm.fileSize(event.fileId)
      if (size === undefined) return problem('fileId', `file ${event.fileId} does not exist`)
      return size === event.previousSize ? undefined : problem('previousSize', `the file holds ${size} bytes`)
    }
    case 'mm.fileWritten': {
      const bad = fileProblem(mm, event.fileId)
      if (bad !== undefined) return bad
      return event.bytes.length === event.previousBytes.length
        ? undefined
        : problem(
            'previousBytes',
            `${event.previousBytes.length} previous bytes for ${event.bytes.length} written`,
          )
    }
    case 'mm.segmentCreated': {
      const record = event.segment
      if (mm.segmentInfo(record.id) !== undefined)
        return problem('segment.id', `segment ${record.id} exists already`)
      if (record.kind !== 'pagefile') return fileProblem(mm, record.fileId, 'segment.fileId')
      return record.fileId === -1 ? undefined : problem('segment.fileId', 'a pagefile segment has no file')
    }
    case 'mm.segmentExtended': {
      const segment = segmentAt(mm, event.segmentId)
      if ('reason' in segment) return segment
      if (segment.kind !== 'file') return problem('segmentId', `segment ${event.segmentId} is not a file's`)
      if (segment.sizeBytes !== event.previousSizeBytes || segment.pageCount !== event.previousPageCount)
        return problem('previousSizeBytes', `the segment holds ${segment.sizeBytes} bytes`)
      return event.pageCount >= event.previousPageCount
        ? undefined
        : problem('pageCount', 'a segment does not shrink')
    }
    case 'mm.segmentReferenced': {
      const segment = segmentAt(mm, event.segmentId)
      if ('reason' in segment) return segment
      return segment.sectionReferences === event.previous
        ? undefined
        : problem('previous', `the segment has ${segment.sectionReferences} section references`)
    }
    case 'mm.segmentDeleted': {
      const segment = segmentAt(mm, event.segment.id, 'segment.id')
      if ('reason' in segment) return segment
      return segment.mappedViews === 0 && segment.sectionReferences === 0
        ? undefined
        : problem('segment', `segment ${segment.id} still has views or section references`)
    }
    case 'mm.prototypeEntryChanged': {
      const entry = mm.prototypeEntry(event.segmentId, event.page)
      if (entry === undefined)
        return problem('page', `segment ${event.segmentId} does not exist or has no page ${event.page}`)
      return entry.kind === event.previousKind && entry.value === event.previousValue
        ? undefined
        : problem('previousKind', `the entry is ${entry.kind} ${entry.value}`)
    }
    case 'mm.viewMapped':
    case 'mm.viewUnmapped': {
      const segment = segmentAt(mm, event.segmentId)
      if ('reason' in segment) return segment
      const bad = spaceProblem(mm, event.pid)
      if (bad !== undefined) return bad
      if (segment.mappedViews !== event.previous)
        return problem('previous', `the segment has ${segment.mappedViews} mapped views`)
      const listed = segment.views.some((view) => view.pid === event.pid && view.start === event.start)
      if (event.type === 'mm.viewMapped' && listed) return problem('start', 'the view is mapped already')
      if (event.type === 'mm.viewUnmapped' && !listed) return problem('start', 'no such view of the segment')
      return undefined
    }
    case 'mm.viewChargeSet': {
      const area = areaAt(mm, event.pid, event.start, 'start')
      if ('reason' in area) return area
      if (area.view === undefined) return problem('start', 'the area is not a view')
      return area.view.copyOnWriteCharge === event.previous
        ? undefined
        : problem('previous', `the view holds ${area.view.copyOnWriteCharge} pages of charge`)
    }
    case 'mm.copyOnWrite': {
      const bad =
        spaceProblem(mm, event.pid) ??
        frameProblem(mm.mmu.frames, event.sharedPfn, 'sharedPfn') ??
        frameProblem(mm.mmu.frames, event.privatePfn, 'privatePfn')
      if (bad !== undefined) return bad
      return (
        frameChange(mm, event.sharedPfn, event.shared, 'shared.before') ??
        frameChange(mm, event.privatePfn, event.private, 'private.before')
      )
    }
    case 'mm.pageModified':
    case 'mm.sharedPageOut':
      return frameProblem(mm.mmu.frames, event.pfn) ?? frameChange(mm, event.pfn, event)
    case 'mm.mappedPageWritten':
      return (
        fileProblem(mm, event.fileId) ??
        frameProblem(mm.mmu.frames, event.pfn) ??
        frameChange(mm, event.pfn, event)
      )
    case 'mm.mappedPageRead': {
      const segment = segmentAt(mm, event.segmentId)
      if ('reason' in segment) return segment
      return spaceProblem(mm, event.pid) ?? frameProblem(mm.mmu.frames, event.pfn)
    }
    default:
      return undefined
  }
}
