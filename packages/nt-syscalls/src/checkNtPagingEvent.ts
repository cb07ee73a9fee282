// Whether a recorded event of the 'nt' policy (NT-PAGING.md §3: balance-set ticks, working-set
// trims, the modified page writer's clusters, the zero page thread, SetProcessWorkingSetSizeEx,
// the page priority, VirtualLock) holds against the machine it is about to be applied to, when a
// trace from outside is loaded (loadMachineState.ts): the machine runs the 'nt' policy, the tick
// is the next one (or one already run), the frame is in the state and on the list the event says,
// the process's parameters are what the event says they were. No NT counterpart: the ASSERTs of
// ARM3's wslist.cpp and pfnlist.c, made on a recorded trace.

import type { MemoryManager } from '@ntmm/mm-core'
import { type EventProblem, frameProblem, problem } from './checkHardwareEvent.js'
import { afterProblem, pfnProblem, spaceProblem } from './checkMemoryManagerEvent.js'
import type { MachineEvent } from './machineSchema.js'
import { PAGE_SIZE } from './memoryConstants.js'

const hex = (value: number) => (value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`)

/** The problem with a tick an event names (one already run), or undefined. */
function pastTickProblem(mm: MemoryManager, tick: number): EventProblem | undefined {
  const last = mm.lastBalanceSetTick ?? 0
  return tick > last ? problem('tick', `tick ${tick} has not run (the last one is ${last})`) : undefined
}

/** The problem with a frame moving from `before` to `after` whose states must be `from` → one of `to`. */
function moveProblem(
  mm: MemoryManager,
  event: { readonly pfn: number; readonly before: { state: string }; readonly after: { state: string } },
  from: string,
  to: readonly string[],
): EventProblem | undefined {
  const bad = pfnProblem(mm, event.pfn, event.before as never) ?? afterProblem(mm, event.after as never)
  if (bad !== undefined) return bad
  if (event.before.state !== from) return problem('before.state', `the frame must be ${from}`)
  return to.includes(event.after.state)
    ? undefined
    : problem('after.state', `${event.after.state} is not ${to.join(' or ')}`)
}

/** The problem with an event of the 'nt' policy on `mm`, or undefined (undefined for other kinds). */
export function checkNtPagingEvent(
  mm: MemoryManager,
  event: Readonly<MachineEvent>,
): EventProblem | undefined {
  switch (event.type) {
    case 'mm.pageWritten':
      if (mm.ntConfig !== undefined || (event.tick === undefined && event.cluster === undefined))
        return event.tick === undefined ? undefined : pastTickProblem(mm, event.tick)
      return problem('tick', "a write naming a tick and a cluster on a machine without the 'nt' policy")
    case 'mm.balanceSetTick':
    case 'mm.workingSetTrimmed':
    case 'mm.clusterWritten':
    case 'mm.pageZeroed':
    case 'mm.workingSetLimitsSet':
    case 'mm.pagePrioritySet':
    case 'mm.pagesLocked':
      break
    default:
      return undefined
  }
  const config = mm.ntConfig
  if (config === undefined) return problem('type', `${event.type} on a machine without the 'nt' policy`)
  switch (event.type) {
    case 'mm.balanceSetTick': {
      const last = mm.lastBalanceSetTick ?? 0
      if (event.previousTick !== last) return problem('previousTick', `the last tick is ${last}`)
      if (event.tick !== last + 1) return problem('tick', `the next tick is ${last + 1}`)
      if (event.reason !== 'references') return undefined
      if (config.tickEvery === 0) return problem('reason', 'tickEvery is 0: no tick falls due on references')
      return mm.referencesSinceTick >= config.tickEvery
        ? undefined
        : problem(
            'reason',
            `${mm.referencesSinceTick} references counted, fewer than tickEvery ${config.tickEvery}`,
          )
    }
    case 'mm.workingSetTrimmed': {
      const bad =
        spaceProblem(mm, event.pid) ??
        pastTickProblem(mm, event.tick) ??
        moveProblem(mm, event, 'ACTIVE', event.outcome === 'modified' ? ['MODIFIED'] : ['STANDBY'])
      if (bad !== undefined) return bad
      if (event.before.ownerPid !== event.pid || event.before.ownerAddress !== event.address)
        return problem(
          'address',
          `frame ${event.pfn} does not hold page ${hex(event.address)} of ${event.pid}`,
        )
      return undefined
    }
    case 'mm.clusterWritten': {
      const bad = pastTickProblem(mm, event.tick)
      if (bad !== undefined) return bad
      if (event.slots.length !== event.pfns.length)
        return problem('slots', `${event.slots.length} slots for ${event.pfns.length} pages`)
      if (event.pfns.length > config.writeCluster)
        return problem(
          'pfns',
          `${event.pfns.length} pages exceed the write cluster of ${config.writeCluster}`,
        )
      for (const [index, pfn] of event.pfns.entries()) {
        const frame = frameProblem(mm.mmu.frames, pfn, `pfns.${index}`)
        if (frame !== undefined) return frame
        if (mm.pfnDatabase.stateOf(pfn) !== 'MODIFIED')
          return problem(`pfns.${index}`, `frame ${pfn} is not on the modified list`)
        if (!mm.pageFileState.isSlot(event.slots[index] as number))
          return problem(`slots.${index}`, `page-file slot ${event.slots[index]} does not exist`)
      }
      return undefined
    }
    case 'mm.pageZeroed':
      return pastTickProblem(mm, event.tick) ?? moveProblem(mm, event, 'FREE', ['ZEROED'])
    case 'mm.workingSetLimitsSet': {
      const info = mm.processWorkingSet(event.pid)
      if (info === undefined || spaceProblem(mm, event.pid) !== undefined)
        return problem('pid', `address space ${event.pid} does not exist`)
      const { previous } = event
      if (
        previous.minimum * PAGE_SIZE !== info.minimumWorkingSetSize ||
        previous.maximum * PAGE_SIZE !== info.maximumWorkingSetSize ||
        previous.flags !== info.flags
      )
        return problem(
          'previous',
          `the limits are ${info.minimumWorkingSetSize / PAGE_SIZE}-${info.maximumWorkingSetSize / PAGE_SIZE} pages, flags ${info.flags}`,
        )
      if (event.minimum < 1) return problem('minimum', 'the minimum must be at least 1 page')
      if (event.maximum < event.minimum || event.maximum > mm.pfnDatabase.frameCount)
        return problem('maximum', `${event.maximum} is not between the minimum and the frame count`)
      return undefined
    }
    case 'mm.pagePrioritySet': {
      const info = mm.processWorkingSet(event.pid)
      if (info === undefined || spaceProblem(mm, event.pid) !== undefined)
        return problem('pid', `address space ${event.pid} does not exist`)
      return info.pagePriority === event.previous
        ? undefined
        : problem('previous', `the page priority is ${info.pagePriority}`)
    }
    case 'mm.pagesLocked': {
      const info = mm.processWorkingSet(event.pid)
      if (info === undefined || spaceProblem(mm, event.pid) !== undefined)
        return problem('pid', `address space ${event.pid} does not exist`)
      const locked = new Set(info.lockedPages)
      for (const [index, address] of event.addresses.entries()) {
        if (address % PAGE_SIZE !== 0)
          return problem(`addresses.${index}`, `${hex(address)} is not page aligned`)
        if (locked.has(address) === event.locked)
          return problem(
            `addresses.${index}`,
            `page ${hex(address)} is ${event.locked ? 'already' : 'not'} locked`,
          )
      }
      return undefined
    }
    default:
      return undefined
  }
}
