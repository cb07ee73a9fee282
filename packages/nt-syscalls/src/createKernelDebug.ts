// The Kernel's debugger surface (kernel.debug, the KernelDebug of kernelDebug.ts) over the machine's
// parts: what a kernel debugger does to a live machine (WinDbg's !pte edits, an INVLPG) and the
// references the LRU and OPT replacement policies are fed. Each call that changes the machine is
// an input of the recording (nt.debugInput) and the cause of what it does.

import type { KernelContext } from './kernelContext.js'
import type { DebugCall, DebugPteValue, KernelDebug } from './kernelDebug.js'

/** `kernel.debug` for the machine of `context`. */
export function createKernelDebug(context: KernelContext): KernelDebug {
  const { mm, sequencer } = context
  /** Record (when tracing) a debug call as an input, and run it with its events caused by it. */
  const debugInput = <R>(pid: number, call: DebugCall, run: () => R): R => {
    if (context.viewOf !== undefined) context.refuse(`debug.${call.call}`)
    context.live(pid)
    const seq = sequencer.tracing ? sequencer.record({ type: 'nt.debugInput', pid, ...call }) : undefined
    sequencer.inputs?.other({ type: 'nt.debugInput', pid, ...call })
    return sequencer.causedBy(seq, run)
  }
  // Arguments are checked before anything is recorded or changed: the recording holds only calls
  // that ran, with the values they ran with.
  const x64 = context.limits.pointerBits === 64
  const fits = (address: unknown): boolean =>
    x64
      ? Number.isSafeInteger(address) &&
        (address as number) >= -0x800000000000 &&
        (address as number) < 0x800000000000
      : typeof address === 'number' && address >>> 0 === address
  const checkAddress = (address: unknown, what = 'address'): number => {
    if (!fits(address)) {
      throw new RangeError(
        `${what} ${String(address)} is not an address of ${context.limits.pointerBits === 64 ? 'x64 (a canonical integer, the kernel half negative)' : 'x86 (an integer in [0, 2^32))'}`,
      )
    }
    return address as number
  }
  const checkHalf = (value: unknown, name: string): number => {
    if (typeof value !== 'number' || value >>> 0 !== value)
      throw new RangeError(`PTE ${name} ${String(value)} must be an integer in [0, 2^32)`)
    return value
  }
  const debug: KernelDebug = {
    readPte: (pid, address) => {
      context.live(pid)
      const read = mm.mmu.pageTables.readEntry(context.space(pid).cr3, checkAddress(address), 1)
      return read.ok ? { low: read.low, high: read.high } : undefined
    },
    writePte: (pid, address, value) => {
      context.live(pid)
      const entry = (typeof value === 'object' && value !== null ? value : {}) as Partial<DebugPteValue>
      const call = {
        call: 'writePte' as const,
        address: checkAddress(address),
        low: checkHalf(entry.low, 'low'),
        high: checkHalf(entry.high, 'high'),
      }
      // 32-bit paging has 4-byte entries: no high half (hw-mmu refuses one).
      if (context.mm.mmu.state.mode === 'x86' && call.high !== 0)
        throw new RangeError(`PTE high ${call.high} must be 0 in 32-bit paging (4-byte entries)`)
      return debugInput(
        pid,
        call,
        () =>
          mm.mmu.pageTables.writeEntry(context.space(pid).cr3, call.address, 1, {
            low: call.low,
            high: call.high,
          }).ok,
      )
    },
    invlpg: (pid, address) => {
      context.live(pid)
      const at = checkAddress(address)
      debugInput(pid, { call: 'invlpg', address: at }, () => mm.mmuFor(pid).invlpg(at))
    },
    noteAccess: (pid, address) => {
      context.live(pid)
      const at = checkAddress(address)
      // Nothing records and no view of the past refuses it (fields the sequencer and context set
      // once): the call itself, without the input record and its closure. LRU notes every
      // reference of a replay (replayMemoryTrace's noteAccesses), so this is per reference.
      if (!sequencer.tracing && sequencer.inputs === undefined && context.viewOf === undefined) {
        mm.noteAccess(pid, at)
        return
      }
      debugInput(pid, { call: 'noteAccess', address: at }, () => mm.noteAccess(pid, at))
    },
    noteAccessRun: (pid, addresses, from, to) => {
      if (from >= to) return
      // Recorded (or refused) call by call, as noteAccess records each.
      if (sequencer.tracing || sequencer.inputs !== undefined || context.viewOf !== undefined) {
        for (let index = from; index < to; index++) debug.noteAccess(pid, addresses[index]!)
        return
      }
      context.live(pid)
      // The notes before the first address the paging mode cannot take are made, then it throws,
      // as noteAccess one by one would.
      let end = from
      while (end < to && fits(addresses[end])) end++
      mm.noteAccessRun(pid, addresses, from, end)
      if (end < to) checkAddress(addresses[end])
    },
    setFutureReferences: (pid, addresses) => {
      context.live(pid)
      if (!Array.isArray(addresses)) throw new RangeError('future references must be an array of addresses')
      const list = addresses.map((address, index) => checkAddress(address, `future reference ${index}`))
      debugInput(pid, { call: 'setFutureReferences', addresses: list }, () =>
        mm.setFutureReferences(list.map((address) => ({ pid, address }))),
      )
    },
  }
  return debug
}
