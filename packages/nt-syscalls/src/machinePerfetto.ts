// Perfetto (and chrome://tracing) export of a machine trace: a process track per address space
// with slices for its system calls and for the handling of each page fault (#PF to the memory
// manager's verdict), instants for mappings, page-outs and PTE writes, counters for the TLB hit
// rate, committed pages, free frames and resident pages; @ntmm/trace draws each cause as a flow,
// so a fault links to the PTE write that resolved it. Event seq n is drawn at n microseconds.

import { statSync } from 'node:fs'
import {
  causeSet,
  encodeChromeTrace,
  encodePerfettoTrace,
  exportTraceFileChunks,
  type TraceEntry,
  type TraceLog,
  type TrackItem,
  writeChunks,
} from '@ntmm/trace'
import { memoryManagerFor } from './machineModel.js'
import { type MachineConfig, type MachineEvent, machineSchema } from './machineSchema.js'
import { type MachineTraceProgressOptions, stageReporter } from './machineTraceProgress.js'

/** Options of {@link exportMachineTrace}. */
export interface MachineExportOptions extends MachineTraceProgressOptions {
  /** 'perfetto' (protobuf, default) or 'chrome' (Trace Event JSON, for small traces). */
  readonly format?: 'perfetto' | 'chrome'
  /** TLB hit-rate counter window, in accesses (default 4096). */
  readonly hitRateWindow?: number
}

/** The track mapping of a machine trace (stateful: feed it entries in seq order, once). */
export function machineTrackMapping(
  config: MachineConfig,
  hitRateWindow = 4096,
): (entry: TraceEntry<MachineEvent>) => readonly TrackItem[] | undefined {
  const fresh = memoryManagerFor(config)
  let freeFrames = fresh.mmu.frames.freeCount
  let resident = 0
  let currentPid = 0
  let hits = 0
  let lookups = 0
  let openFault = false
  const processTrack = (pid: number) => `process ${pid}`
  return (entry) => {
    const event = entry.event
    switch (event.type) {
      case 'nt.cpuAccess':
      case 'hw.tlbHit':
      case 'hw.tlbMiss': {
        if (event.type === 'nt.cpuAccess') {
          currentPid = event.pid
          // An access whose first lookup hit carries that hit in its own row.
          if (event.tlbHit < 0) return undefined
        }
        if (event.type !== 'hw.tlbMiss') hits++
        lookups++
        if (lookups < hitRateWindow) return undefined
        const rate = hits / lookups
        hits = 0
        lookups = 0
        return [{ kind: 'counter', track: 'TLB hit rate', value: rate }]
      }
      case 'nt.syscallEntered':
        currentPid = event.pid
        return [
          { kind: 'begin', track: processTrack(event.pid), name: event.service, args: { seq: entry.seq } },
        ]
      case 'nt.syscallReturned':
        return [{ kind: 'end', track: processTrack(event.pid) }]
      case 'hw.pageFault': {
        const items: TrackItem[] = []
        if (openFault) items.push({ kind: 'end', track: `${processTrack(currentPid)} faults` })
        openFault = true
        items.push({
          kind: 'begin',
          track: `${processTrack(currentPid)} faults`,
          name: `#PF ${event.access} 0x${event.address.toString(16)}`,
          args: { errorCode: event.errorCode, seq: entry.seq },
        })
        return items
      }
      case 'mm.pageFault': {
        if (!openFault) return undefined
        openFault = false
        return [
          {
            kind: 'instant',
            track: `${processTrack(event.pid)} faults`,
            name: `${event.kind} (${event.outcome})`,
          },
          { kind: 'end', track: `${processTrack(event.pid)} faults` },
        ]
      }
      case 'hw.pteWritten':
        return [
          {
            kind: 'instant',
            track: `${processTrack(currentPid)} faults`,
            name: 'PTE write',
            args: { address: event.address, newLow: event.newLow },
          },
        ]
      case 'hw.frameAllocated':
        freeFrames--
        return [{ kind: 'counter', track: 'free frames', value: freeFrames }]
      case 'hw.frameFreed':
        freeFrames++
        return [{ kind: 'counter', track: 'free frames', value: freeFrames }]
      case 'mm.commitCharged':
        return [{ kind: 'counter', track: 'committed pages', value: event.after.charge }]
      case 'mm.mappingCreated':
        resident++
        return [
          { kind: 'counter', track: 'resident pages (working sets)', value: resident },
          {
            kind: 'instant',
            track: processTrack(event.pid),
            name: `map 0x${event.address.toString(16)} → PFN ${event.pfn}`,
          },
        ]
      case 'mm.mappingDeleted':
      case 'mm.pageOut':
        resident--
        return [
          { kind: 'counter', track: 'resident pages (working sets)', value: resident },
          {
            kind: 'instant',
            track: processTrack(event.pid),
            name: `${event.type === 'mm.pageOut' ? 'page out' : 'unmap'} 0x${event.address.toString(16)}`,
          },
        ]
      case 'nt.processCreated':
        return [{ kind: 'instant', track: processTrack(event.pid), name: `created ${event.name}` }]
      default:
        return undefined
    }
  }
}

/**
 * The Perfetto protobuf (or Chrome JSON) of a loaded machine trace, chunk after chunk, as
 * {@link exportMachineTrace} writes it: for a caller that writes them its own way.
 */
export function encodeMachineExport(
  log: TraceLog<MachineEvent>,
  config: MachineConfig,
  options: MachineExportOptions = {},
): AsyncIterable<Uint8Array> {
  const isCause = causeSet(log)
  stageReporter(options, 'causes', log.length)?.(log.length)
  const onProgress = stageReporter(options, 'writing', log.length)
  const exportOptions = {
    map: machineTrackMapping(config, options.hitRateWindow),
    isCause,
    ...(onProgress === undefined ? {} : { onProgress }),
  }
  return options.format === 'chrome'
    ? encodeChromeTrace(log.entries(), exportOptions)
    : encodePerfettoTrace(log.entries(), exportOptions)
}

/**
 * The export of the machine trace file at `path` without loading it: the same bytes as
 * {@link encodeMachineExport} of the loaded trace, in memory bounded by one block and a bit per
 * event (two streaming passes: the causes, then the events). The header's config must be a
 * machine's (`checkConfig`, called with the header's config before any chunk is made).
 * Progress: 'causes' in bytes of the file read, then 'writing' in events.
 * @throws TraceFormatError (rejecting the iteration) for an unreadable, corrupt or truncated file.
 */
export function encodeMachineTraceFileExport(
  path: string,
  options: MachineExportOptions & { readonly checkConfig: (config: unknown) => MachineConfig },
): AsyncIterable<Uint8Array> {
  let size = 0
  try {
    size = statSync(path).size
  } catch {
    // Reading reports the missing file as a TraceFormatError.
  }
  const causes = stageReporter(options, 'causes', size, 'bytes')
  let writing: ((done: number) => void) | undefined
  return exportTraceFileChunks(path, {
    schema: machineSchema,
    format: options.format ?? 'perfetto',
    mapFor: (header) => machineTrackMapping(options.checkConfig(header.config), options.hitRateWindow),
    ...(causes === undefined ? {} : { onCauseProgress: (_events: number, bytes: number) => causes(bytes) }),
    onCausesRead: (_header, events) => {
      writing = stageReporter(options, 'writing', events)
    },
    onProgress: (events) => writing?.(events),
  })
}

/** Write a machine trace as Perfetto protobuf (or Chrome JSON) to `outputPath`; returns the bytes written. */
export async function exportMachineTrace(
  log: TraceLog<MachineEvent>,
  config: MachineConfig,
  outputPath: string,
  options: MachineExportOptions = {},
): Promise<number> {
  return writeChunks(outputPath, encodeMachineExport(log, config, options))
}
