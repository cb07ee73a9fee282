// Cpu.runAccesses: a thread executing a run of user-mode accesses (hw-mmu's AccessRun) in order,
// as the same readInto / write / execute calls one by one would — the replay of a program's
// memory trace (lackey) hands its accesses over a batch at a time. While nothing records, the
// TLB hits go through hw-mmu's batched hit path (runTlbHits: the LRU stamps, the hit counts and
// the bytes stored, per access) with one check of the thread's context per stretch of hits; every
// other access (a miss, a #PF and what MmAccessFault does for it, an exception raised, a write
// the write watch must see) is made through the Cpu's own per-access method. Under the 'nt'
// policy each access is one CPU reference toward the next balance-set tick, as createCpu counts
// it: a stretch of hits is cut where a tick falls due and its references counted there, so each
// tick runs right after the same access as one by one. With anything recording (or inputs
// deferred, or a listener) the whole run goes one by one through the per-access path; recorded
// eagerly, a load or a fetch there is made for its effect (RecordedEffects: its events, not its
// bytes, which the run discards).

import { type AccessRun, RUN_READ, RUN_WRITE } from '@ntmm/hw-mmu'
import { runTlbHits } from '@ntmm/hw-mmu/internal'
import type { Cpu } from './cpu.js'
import type { KernelContext } from './kernelContext.js'
import { writeWatchProbe } from './writeWatch.js'

const READ = RUN_READ
const WRITE = RUN_WRITE
const hits = runTlbHits

/**
 * How a recording CPU makes a run's loads and fetches (createCpu.ts, eager recording only): each
 * recorded as the Cpu's readInto / execute records it and made for its effect, its bytes not
 * copied (the run discards them, as runTlbHits does). `read` takes `scratch` (at least `length`
 * bytes) for an access it hands to the Cpu's readInto. Each answers the access's status.
 * @internal
 */
export interface RecordedEffects {
  read(address: number, length: number, scratch: Uint8Array): number
  execute(address: number): number
}

/**
 * The `runAccesses` of `cpu`, the thread of `pid` on the machine of `context`: executes
 * `run[0, run.length)` and returns how many accesses failed (raised an exception, or were refused:
 * a status other than STATUS_SUCCESS). A read is `readInto` of its size into a scratch buffer, a
 * write `write` of the run's data (its first `size` bytes), an execute `execute` (one byte).
 */
export function accessRunner(
  context: KernelContext,
  pid: number,
  cpu: () => Cpu,
  recorded?: RecordedEffects,
): (run: AccessRun, note?: (addresses: Float64Array, from: number, to: number) => void) => number {
  const { mm, sequencer } = context
  // Fixed when the kernel (or the view) is made, as createCpu's `silent`.
  const silent =
    context.viewOf === undefined &&
    sequencer.inputs === undefined &&
    sequencer.recorder === undefined &&
    sequencer.onEvent === undefined
  const counting = mm.replacementPolicy === 'nt'
  // The context the thread holds (createCpu's mmu()): the CR3 mmuFor loaded, kept while the MMU
  // still has it and no address space was created, deleted or restored.
  const unit = mm.mmu
  let loadedCr3 = -1
  let loadedGeneration = -1
  // Whether the process watches writes (writeWatch.ts), asked per stretch of hits.
  const watching = writeWatchProbe(context, pid)
  let scratch = new Uint8Array(64)
  return (run: AccessRun, note?: (addresses: Float64Array, from: number, to: number) => void): number => {
    if (context.viewOf !== undefined) context.refuse(`cpu(${pid}).runAccesses`)
    const thread = cpu()
    const { kinds, addresses, sizes } = run
    const length = run.length
    // The tick's period (no fault handler or tick changes it).
    const every = counting ? (mm.ntConfig?.tickEvery ?? 0) : 0
    let failed = 0
    let index = 0
    while (index < length) {
      const first = addresses[index]!
      const firstSize = sizes[index]!
      // A stretch starts at an access that reaches the MMU one by one too (runTlbHits' test): the
      // context is checked (and CR3 loaded) only for one, as createCpu's mmu() is.
      if (silent && first >>> 0 === first && firstSize !== 0 && (first & 0xfff) + firstSize <= 4096) {
        if (unit.cr3 !== loadedCr3 || mm.spaceGeneration !== loadedGeneration) {
          mm.mmuFor(pid)
          loadedCr3 = unit.cr3
          loadedGeneration = mm.spaceGeneration
        }
        // The hits up to the access on which the next tick falls due (the rest of the run without one).
        const end = every > 0 ? Math.min(length, index + Math.max(1, every - mm.referencesSinceTick)) : length
        const next = hits(unit, run, index, end, !watching())
        if (next > index) {
          // LRU's notes of the hits, in order, before a tick can run (countReferences): one by
          // one each note comes before its access, and a hit moves no PTE and no page's state.
          if (note !== undefined) note(addresses, index, next)
          if (every > 0) mm.countReferences(next - index)
          index = next
          if (index === end) continue
        }
      }
      // Anything but a quiet TLB hit: the per-access path (it counts its own reference).
      const kind = kinds[index]!
      const address = addresses[index]!
      const size = sizes[index]!
      if (note !== undefined) note(addresses, index, index + 1)
      let status: number
      if (kind === READ) {
        if (scratch.length < size) scratch = new Uint8Array(size)
        status =
          recorded === undefined
            ? thread.readInto(address, scratch, 0, size)
            : recorded.read(address, size, scratch)
      } else if (kind === WRITE) status = thread.write(address, run.dataOf(size)).status
      else status = recorded === undefined ? thread.execute(address).status : recorded.execute(address)
      if (status !== 0) failed++
      index++
    }
    return failed
  }
}
