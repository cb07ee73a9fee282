// The recording of one CPU access (kernel.cpu(pid)): the access is an input of the trace and the
// cause of everything it does. Deferred recording keeps the access and its data as the input (what
// it does is re-derived); eager recording writes its nt.cpuAccess row (bytes past the first 8 as
// rows of their own) and pushes it as the cause of the events it leads to; a view of the past
// refuses the access. createCpu.ts calls this only when something records.

import type { KernelContext } from './kernelContext.js'
import { truncate } from './eventSequencer.js'
import { ACCESS_CODE, littleEndian } from './machineSchema.js'

// Module constants for the per-access path: under a CommonJS transform of ESM (tsx runs the
// benches that way) each read of an imported binding is a getter call.
const READ_CODE = ACCESS_CODE.read
const WRITE_CODE = ACCESS_CODE.write
const EXECUTE_CODE = ACCESS_CODE.execute
const toLittleEndian = littleEndian

/** Runs `run`, the access of `pid` (`length` bytes at `address`, stored `data` for a write), recorded as the machine records. */
export function traceAccess<R>(
  context: KernelContext,
  pid: number,
  access: 'read' | 'write' | 'execute',
  address: number,
  length: number,
  data: ArrayLike<number> | undefined,
  run: () => R,
): R {
  const sequencer = context.sequencer
  if (context.viewOf !== undefined) context.refuse(`cpu(${pid}).${access}`)
  const inputs = sequencer.inputs
  const recorder = sequencer.recorder
  if (inputs === undefined && recorder === undefined && sequencer.onEvent === undefined) return run()
  const code = access === 'read' ? READ_CODE : access === 'write' ? WRITE_CODE : EXECUTE_CODE
  const low = data === undefined ? 0 : toLittleEndian(data, 0, 4)
  const high = data !== undefined && data.length > 4 ? toLittleEndian(data, 4, 4) : 0
  if (inputs !== undefined) {
    // Deferred recording: the access and its data are the input; what it does is re-derived.
    inputs.access(pid, code, address, length, low, high, data)
    return run()
  }
  if (recorder !== undefined && sequencer.onEvent === undefined && (data === undefined || data.length <= 8)) {
    // The common case, as createCpu's recorded paths take it without a closure (openAccess).
    const depth = openAccess(sequencer, pid, code, address, length, low, high)
    try {
      return run()
    } finally {
      closeAccess(sequencer, depth)
    }
  }
  const causes = sequencer.causes
  const depth = causes.length
  let seq: number
  if (recorder !== undefined) {
    seq = recorder.beginAccess(pid, code, address, length, low, high)
    const onEvent = sequencer.onEvent
    if (onEvent !== undefined) {
      onEvent({ seq, cause: undefined, event: { type: 'nt.cpuAccess', pid, access, address, length } })
    }
    // Bytes past the first 8 (an SSE or AVX store, a long write) follow as rows of 16.
    if (data !== undefined && data.length > 8) {
      const first = recorder.writeData(data, seq)
      if (onEvent !== undefined)
        for (let row = first; row < recorder.log.length; row++)
          onEvent({ seq: row, cause: seq, event: recorder.log.at(row)! })
    }
  } else {
    seq = sequencer.record({ type: 'nt.cpuAccess', pid, access, address, length }, undefined)
  }
  // The access causes what it does (the recorder's lane reads the top of this stack).
  causes.push(seq)
  try {
    return run()
  } finally {
    if (recorder !== undefined) recorder.flushAccess()
    if (causes.length === depth + 1) causes.pop()
    else truncate(causes, depth)
    sequencer.openFault = -1
  }
}

/**
 * The eager recording of an access of at most 8 bytes with no onEvent listener (the machine
 * recorder's common case, `traceAccess`'s work without its closure): the access's row begun and
 * its seq pushed as the cause of what it does. Returns the cause stack's depth before, for
 * {@link closeAccess}, which the caller must call when the access ends (in a `finally`).
 */
export function openAccess(
  sequencer: KernelContext['sequencer'],
  pid: number,
  code: number,
  address: number,
  length: number,
  low: number,
  high: number,
): number {
  const causes = sequencer.causes
  const depth = causes.length
  causes.push(sequencer.recorder!.beginAccess(pid, code, address, length, low, high))
  return depth
}

/** Ends an access opened by {@link openAccess}: its row written, the cause stack back to `depth`. */
export function closeAccess(sequencer: KernelContext['sequencer'], depth: number): void {
  sequencer.recorder!.flushAccess()
  const causes = sequencer.causes
  if (causes.length === depth + 1) causes.pop()
  else truncate(causes, depth)
  sequencer.openFault = -1
}
