// Process creation and termination on the Kernel's machine: the process and thread objects, the
// handle table and the address space made together or not at all (ReactOS ps/process.c
// PspCreateProcess, which dereferences what it made when a step fails), and their teardown (ps/kill.c
// PspExitProcess: handles closed, address space deleted, the process object kept while other
// processes hold handles to it). Both are inputs of the recording and the cause of what they do.

import { InvariantError } from './assert.js'
import type { KernelContext } from './kernelContext.js'
import type { KernelProcessState } from './kernelState.js'
import { STATUS_SUCCESS } from './ntStatus.js'

/**
 * Create a process named `name` (see Kernel.createProcess); returns its pid. Throws a RangeError
 * when no frame is left for its page directory, after taking the process back.
 */
export function createProcess(context: KernelContext, name: string | undefined): number {
  const { ob, mm, sequencer } = context
  const pid = context.state.nextPid
  const tid = context.state.nextTid
  const processName = name ?? `process${pid}.exe`
  const nextObjectId = ob.state.nextObjectId
  const seq = sequencer.emitKernel({
    type: 'nt.processCreated',
    pid,
    tid,
    name: processName,
    processObjectId: nextObjectId,
    threadObjectId: nextObjectId + 1,
  })
  sequencer.causedBy(seq, () => {
    const process = ob.createObject('Process', { kind: 'Process', pid, name: processName, exited: false })
    const thread = ob.createObject('Thread', { kind: 'Thread', tid, pid })
    if (process.id !== nextObjectId || thread.id !== nextObjectId + 1)
      throw new InvariantError('process and thread objects got unexpected ids')
    ob.createHandleTable(pid)
    const space = mm.createAddressSpace(pid)
    if (space.status !== STATUS_SUCCESS) {
      // No frame for the page directory. NtCreateProcess fails as a whole (PspCreateProcess
      // dereferences what it had made): take the process back, so none is left half made.
      const record = context.live(pid)
      emitProcessTerminated(context, pid, record, false)
      dropProcess(context, pid, record)
      throw new RangeError(`${space.reason}; nothing was created`)
    }
  })
  return pid
}

/** Terminate the running process `pid` (see Kernel.terminateProcess); a RangeError if none runs. */
export function terminateProcess(context: KernelContext, pid: number): void {
  const record = context.live(pid)
  const seq = emitProcessTerminated(context, pid, record)
  context.sequencer.causedBy(seq, () => dropProcess(context, pid, record))
}

/** Records (and applies) the end of `pid` in the process table; `input` as for emitKernel. */
function emitProcessTerminated(
  context: KernelContext,
  pid: number,
  record: KernelProcessState,
  input?: boolean,
): number | undefined {
  return context.sequencer.emitKernel(
    {
      type: 'nt.processTerminated',
      pid,
      processObjectId: record.processObjectId,
      threadObjectId: record.threadObjectId,
      lastError: record.lastError,
      writeWatch: [...record.writeWatch].map(([base, pages]) => ({ base, pages: [...pages] })),
    },
    input,
  )
}

/** Closes `pid`'s handles, tears down its address space (if it has one) and drops its objects. */
function dropProcess(context: KernelContext, pid: number, record: KernelProcessState): void {
  const { ob, mm } = context
  ob.deleteHandleTable(pid)
  ob.markProcessExited(record.processObjectId)
  if (mm.addressSpace(pid) !== undefined) mm.deleteAddressSpace(pid)
  ob.dereferenceObject(record.threadObjectId)
  ob.dereferenceObject(record.processObjectId)
}
