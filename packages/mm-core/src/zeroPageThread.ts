// The zero page thread (ReactOS ntoskrnl/mm/ARM3/zeropage.c MmZeroPageThread): at idle priority it
// takes frames off the free list, zeroes them and puts them on the zeroed list, so a later demand-
// zero fault finds a frame ready. Here it runs when asked, for a bounded number of frames. A frame
// never written since the machine started is already zero and is only moved.

import { pfnRecordOf } from './events.js'
import { pfnRecordInState } from './pfnRecord.js'
import type { MmCore } from './mmCore.js'

/** MmZeroPageThread: zero up to `count` free frames and move them to the zeroed list; the number moved. */
export function mmZeroPageThread(core: MmCore, count: number): number {
  let done = 0
  const pfnDb = core.state.pfn
  const frames = core.machine.frames
  while (done < count) {
    const pfn = pfnDb.first('FREE')
    if (pfn === undefined) break
    const before = pfnRecordOf(core.state, pfn)
    if (!frames.isPristine(pfn)) frames.zero(pfn)
    core.emit({ type: 'mm.frameReleased', pfn, before, after: pfnRecordInState(before, 'ZEROED') })
    done++
  }
  return done
}
