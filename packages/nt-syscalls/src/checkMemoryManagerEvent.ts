// Whether a recorded memory-manager event (mm.*) holds against the machine it is about to be applied
// to, when a trace from outside is loaded (loadMachineState.ts): the address space exists, the area
// is where the event says and its regions tile it, the frame is in range and in the state the
// event's `before` says, the commit charge moves from what it is by `pages` and stays at or above
// zero, the page-file slot exists (and is in use when freed). What an event cannot say about the
// whole machine (every PTE backed by a committed region and a frame, charges equal to what they
// count) is checked once at the end (checkKernelInvariants). No NT counterpart: ReactOS ASSERTs
// these piecemeal in marea.c, region.c and pfnlist.c.

import type { AreaRecord, MemoryManager, MmRegion, PfnRecord } from '@ntmm/mm-core'
import { mmFindRegion } from '@ntmm/mm-core'
import { type EventProblem, frameProblem, problem } from './checkHardwareEvent.js'
import type { MachineEvent } from './machineSchema.js'
import { PAGE_SIZE } from './memoryConstants.js'

const hex = (value: number) => (value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`)

/** The lowest and the end of the addresses an area may cover on `mm`'s architecture. */
function addressRange(mm: MemoryManager): readonly [number, number] {
  return mm.layout.arch === 'x64' ? [-(2 ** 47), 2 ** 47] : [0, 2 ** 32]
}

/** The problem with regions that should tile [start, end) in order (field `field`), or undefined. */
function tilingProblem(
  field: string,
  regions: readonly MmRegion[],
  start: number,
  end: number,
): EventProblem | undefined {
  let cursor = start
  for (const [index, region] of regions.entries()) {
    if (region.start !== cursor)
      return problem(
        `${field}.${index}.start`,
        `the region starts at ${hex(region.start)}, not at ${hex(cursor)}`,
      )
    if (region.length <= 0 || region.length % PAGE_SIZE !== 0)
      return problem(
        `${field}.${index}.length`,
        `length ${hex(region.length)} is not a positive number of pages`,
      )
    cursor += region.length
  }
  return cursor === end ? undefined : problem(field, `the regions end at ${hex(cursor)}, not at ${hex(end)}`)
}

/** The problem with an area record about to be inserted into `pid`'s tree, or undefined. */
function newAreaProblem(mm: MemoryManager, pid: number, area: AreaRecord): EventProblem | undefined {
  const { startingAddress: start, endingAddress: end } = area
  const [lowest, highest] = addressRange(mm)
  if (start % PAGE_SIZE !== 0 || start < lowest || start >= highest)
    return problem('area.startingAddress', `${hex(start)} is not a page-aligned address of this machine`)
  if (end % PAGE_SIZE !== 0 || end <= start || end > highest)
    return problem(
      'area.endingAddress',
      `the area ends at ${hex(end)}, not a page boundary above its start ${hex(start)}`,
    )
  const tree = mm.addressSpace(pid)?.record?.tree
  if (tree === undefined) return problem('pid', `address space ${pid} does not exist`)
  const conflict = tree.locateByRange(start, end - start)
  if (conflict !== undefined)
    return problem(
      'area',
      `[${hex(start)}, ${hex(end)}) overlaps the area at ${hex(conflict.startingAddress)}`,
    )
  return tilingProblem('area.regions', area.regions, start, end)
}

/** The problem with a PFN entry the event says `pfn` holds now, or undefined. */
export function pfnProblem(
  mm: MemoryManager,
  pfn: number,
  before: PfnRecord,
  field = 'before',
): EventProblem | undefined {
  const bad = frameProblem(mm.mmu.frames, pfn)
  if (bad !== undefined) return bad
  const entry = mm.pfnDatabase.entry(pfn)
  for (const key of [
    'state',
    'ownerPid',
    'ownerAddress',
    'protectMask',
    'pageFileSlot',
    'modified',
  ] as const) {
    if (entry[key] !== before[key])
      return problem(field, `frame ${pfn} has ${key} ${String(entry[key])}, not ${String(before[key])}`)
  }
  if (entry.segment?.id !== before.segmentId || entry.segment?.shareCount !== before.shareCount)
    return problem(
      field,
      `frame ${pfn} backs segment ${entry.segment?.id ?? 'none'} (share count ${entry.segment?.shareCount ?? 'none'})`,
    )
  return undefined
}

/** The problem with a PFN entry an event gives a frame, or undefined. */
export function afterProblem(mm: MemoryManager, after: PfnRecord): EventProblem | undefined {
  const slot = after.pageFileSlot
  return slot === -1 || mm.pageFileState.isSlot(slot)
    ? undefined
    : problem('after.pageFileSlot', `page-file slot ${slot} does not exist`)
}

/** The problem with a change of frame `pfn` from `before` to `after`, or undefined. */
function frameChangeProblem(
  mm: MemoryManager,
  pfn: number,
  before: PfnRecord,
  after: PfnRecord,
): EventProblem | undefined {
  return pfnProblem(mm, pfn, before) ?? afterProblem(mm, after)
}

/** The problem when `pid` has no address space, or undefined. */
export function spaceProblem(mm: MemoryManager, pid: number): EventProblem | undefined {
  return mm.addressSpace(pid) === undefined
    ? problem('pid', `address space ${pid} does not exist`)
    : undefined
}

/** The area of `pid` starting exactly at `start`, or a problem (named `field`). */
export function areaAt(mm: MemoryManager, pid: number, start: number, field: string) {
  const record = mm.addressSpace(pid)?.record
  if (record === undefined) return problem('pid', `address space ${pid} does not exist`)
  const area = record.tree.locate(start)
  if (area === undefined || area.startingAddress !== start)
    return problem(field, `address space ${pid} has no area starting at ${hex(start)}`)
  return area
}

/** The problem with an MmAlterRegion edit of the area at `areaStart`, or undefined. */
function regionEditProblem(
  mm: MemoryManager,
  event: Extract<MachineEvent, { type: 'mm.regionsAltered' }>,
): EventProblem | undefined {
  const area = areaAt(mm, event.pid, event.areaStart, 'areaStart')
  if ('reason' in area) return area
  const { removed, added } = event
  if (removed.length === 0)
    return added.length === 0 ? undefined : problem('added', 'regions added where none is removed')
  let cursor = (removed[0] as MmRegion).start
  for (const [index, region] of removed.entries()) {
    const current = mmFindRegion(area.regions, region.start)
    if (
      region.start !== cursor ||
      current === undefined ||
      current.start !== region.start ||
      current.length !== region.length ||
      current.type !== region.type ||
      current.protect !== region.protect
    )
      return problem(
        `removed.${index}`,
        `the area at ${hex(event.areaStart)} has no such region at ${hex(region.start)}`,
      )
    cursor += region.length
  }
  return tilingProblem('added', added, (removed[0] as MmRegion).start, cursor)
}

/** The problem with an mm.commitCharged, or undefined. */
function commitProblem(
  mm: MemoryManager,
  event: Extract<MachineEvent, { type: 'mm.commitCharged' }>,
): EventProblem | undefined {
  const { pages, before, after, processBefore, processAfter } = event
  const counters = mm.counters
  if (before.charge !== counters.commitCharge || before.peak !== counters.commitPeak)
    return problem('before', `the commit charge is ${counters.commitCharge} (peak ${counters.commitPeak})`)
  const charge = before.charge + pages
  if (charge < 0) return problem('pages', `${pages} pages take the commit charge ${before.charge} below zero`)
  if (after.charge !== charge || after.peak !== Math.max(before.peak, charge))
    return problem('after', `charging ${pages} pages gives ${charge} (peak ${Math.max(before.peak, charge)})`)
  const record = mm.addressSpace(event.pid)?.record
  const charged = record?.commitCharge ?? 0
  const peak = record?.commitChargePeak ?? 0
  if (processBefore.charge !== charged || processBefore.peak !== peak)
    return problem('processBefore', `process ${event.pid} is charged ${charged} (peak ${peak})`)
  const processCharge = charged + pages
  if (processCharge < 0)
    return problem('pages', `${pages} pages take process ${event.pid}'s commit charge ${charged} below zero`)
  if (processAfter.charge !== processCharge || processAfter.peak !== Math.max(peak, processCharge))
    return problem('processAfter', `charging ${pages} pages gives ${processCharge}`)
  return undefined
}

/** The problem with a memory-manager event on `mm`, or undefined. */
export function checkMemoryManagerEvent(
  mm: MemoryManager,
  event: Readonly<MachineEvent>,
): EventProblem | undefined {
  switch (event.type) {
    case 'mm.addressSpaceCreated':
      if (mm.addressSpace(event.pid) !== undefined)
        return problem('pid', `address space ${event.pid} exists already`)
      return frameProblem(mm.mmu.frames, event.directoryPfn, 'directoryPfn')
    case 'mm.addressSpaceDeleted': {
      const record = mm.addressSpace(event.pid)?.record
      if (record === undefined || event.pid === mm.kernelSpace.pid)
        return problem('pid', `address space ${event.pid} does not exist or is the system's`)
      if (record.tree.size !== 0) return problem('pid', `address space ${event.pid} still has areas`)
      if (record.directoryPfn !== event.directoryPfn)
        return problem('directoryPfn', `the page directory is frame ${record.directoryPfn}`)
      if (record.commitChargePeak !== event.commitChargePeak)
        return problem('commitChargePeak', `the peak is ${record.commitChargePeak}`)
      if (record.workingSetPeak !== event.workingSetPeak)
        return problem('workingSetPeak', `the peak is ${record.workingSetPeak}`)
      return undefined
    }
    case 'mm.areaInserted':
      return newAreaProblem(mm, event.pid, event.area)
    case 'mm.areaRemoved': {
      const area = areaAt(mm, event.pid, event.area.startingAddress, 'area.startingAddress')
      if ('reason' in area) return area
      return area.endingAddress === event.area.endingAddress
        ? undefined
        : problem('area.endingAddress', `the area ends at ${hex(area.endingAddress)}`)
    }
    case 'mm.areaDeleteInProgress': {
      const area = areaAt(mm, event.pid, event.startingAddress, 'startingAddress')
      if ('reason' in area) return area
      return area.deleteInProgress === event.previous
        ? undefined
        : problem('previous', `DeleteInProgress is ${String(area.deleteInProgress)}`)
    }
    case 'mm.regionsAltered':
      return regionEditProblem(mm, event)
    case 'mm.commitCharged':
      return commitProblem(mm, event)
    case 'mm.frameRequested':
    case 'mm.frameReleased':
    case 'mm.pageReclaimed':
      return frameChangeProblem(mm, event.pfn, event.before, event.after)
    case 'mm.mappingCreated':
    case 'mm.mappingDeleted':
    case 'mm.pageOut':
      return spaceProblem(mm, event.pid) ?? frameChangeProblem(mm, event.pfn, event.before, event.after)
    case 'mm.pageProtectionChanged': {
      const bad = frameProblem(mm.mmu.frames, event.pfn)
      if (bad !== undefined) return bad
      const mask = mm.pfnDatabase.entry(event.pfn).protectMask
      return mask === event.previousProtectMask
        ? undefined
        : problem('previousProtectMask', `the frame's mask is ${mask}`)
    }
    case 'mm.pageAged': {
      const bad = frameProblem(mm.mmu.frames, event.pfn)
      if (bad !== undefined) return bad
      const pfn = mm.pfnDatabase
      if (pfn.age[event.pfn] !== event.previousAge)
        return problem('previousAge', `the frame's age is ${pfn.age[event.pfn]}`)
      return event.movedToTail && pfn.stateOf(event.pfn) !== 'ACTIVE'
        ? problem('movedToTail', `frame ${event.pfn} is not in a working set`)
        : undefined
    }
    case 'mm.pageWritten':
      if (!mm.pageFileState.isSlot(event.slot))
        return problem('slot', `page-file slot ${event.slot} does not exist`)
      return frameChangeProblem(mm, event.pfn, event.before, event.after)
    case 'mm.pageIn':
      if (!mm.pageFileState.isSlot(event.slot))
        return problem('slot', `page-file slot ${event.slot} does not exist`)
      return frameProblem(mm.mmu.frames, event.pfn)
    case 'mm.pageFileSlotFreed':
      return mm.pageFileState.read(event.slot) === undefined
        ? problem('slot', `page-file slot ${event.slot} is not in use`)
        : undefined
    default:
      return undefined
  }
}
