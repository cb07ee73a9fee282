// The Kernel's debugger surface (kernel.debug, the KernelDebug of kernelDebug.ts) over the machine's
// parts: what a kernel debugger does to a live machine (WinDbg's !pte edits, an INVLPG) and the
// references the LRU and OPT replacement policies are fed. Each call that changes the machine is
// an input of the recording (nt.debugInput) and the cause of what it does.

import type { KernelContext } from './kernelContext.js'
import type { DebugCall, KernelDebug } from './kernelDebug.js'

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
  return {
    readPte: (pid, address) => {
      context.live(pid)
      const read = mm.mmu.pageTables.readEntry(context.space(pid).cr3, address, 1)
      return read.ok ? { low: read.low, high: read.high } : undefined
    },
    writePte: (pid, address, { low, high }) =>
      debugInput(
        pid,
        { call: 'writePte', address, low, high },
        () => mm.mmu.pageTables.writeEntry(context.space(pid).cr3, address, 1, { low, high }).ok,
      ),
    invlpg: (pid, address) =>
      debugInput(pid, { call: 'invlpg', address }, () => mm.mmuFor(pid).invlpg(address)),
    noteAccess: (pid, address) =>
      debugInput(pid, { call: 'noteAccess', address }, () => mm.noteAccess(pid, address)),
    setFutureReferences: (pid, addresses) =>
      debugInput(pid, { call: 'setFutureReferences', addresses: [...addresses] }, () =>
        mm.setFutureReferences(addresses.map((address) => ({ pid, address }))),
      ),
  }
}
