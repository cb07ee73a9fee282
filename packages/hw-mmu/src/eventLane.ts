// A recording lane (HwRecordingLane) that turns each numeric call back into the hw.* event object
// it stands for: for listeners that want the events as objects while a recorder keeps the
// numeric lane (the Kernel's onEvent hook), and for tests comparing a lane with a plain recorder.
import type { HwEvent } from './events.js'
import type { HwRecordingLane } from './hwRecorder.js'
import type { TlbIndex } from './tlbConfig.js'

/** A lane handing `sink` each event as the object a plain recorder would get. */
export function eventLane(sink: (event: HwEvent) => void): HwRecordingLane {
  const tlbIndex = (tlb: number) => tlb as TlbIndex
  return {
    tlbHit: (tlb, set, way, previousAge) =>
      sink({ type: 'hw.tlbHit', tlb: tlbIndex(tlb), set, way, previousAge }),
    physicalWrite: (address, size, value, previousValue) =>
      sink({ type: 'hw.physicalWrite', address, size: size as 1 | 2 | 4, value, previousValue }),
    tlbMiss: (tlb) => sink({ type: 'hw.tlbMiss', tlb: tlbIndex(tlb) }),
    pageWalk: (tlb, address, memoryReferences) =>
      sink({ type: 'hw.pageWalk', tlb: tlbIndex(tlb), address, memoryReferences }),
    tlbEvict: (tlb, set, way, tag, frame, flags, pcid, age) =>
      sink({ type: 'hw.tlbEvict', tlb: tlbIndex(tlb), set, way, tag, frame, flags, pcid, age }),
    tlbFill: (
      tlb,
      set,
      way,
      tag,
      frame,
      flags,
      pcid,
      previousTag,
      previousFrame,
      previousFlags,
      previousPcid,
      previousAge,
    ) =>
      sink({
        type: 'hw.tlbFill',
        tlb: tlbIndex(tlb),
        set,
        way,
        tag,
        frame,
        flags,
        pcid,
        previousTag,
        previousFrame,
        previousFlags,
        previousPcid,
        previousAge,
      }),
    accessedDirtySet: (address, level, oldValue, newValue) =>
      sink({ type: 'hw.accessedDirtySet', address, level, oldValue, newValue }),
  }
}
