// The inputs of a machine trace, re-executed. A machine is deterministic: what it records is a
// function of its configuration and its inputs (process creation and termination, system calls
// with their arguments, memory accesses with their data, `kernel.debug` calls, Win32 last-error
// changes), the uncaused events of a trace. Re-running them on a machine of the same configuration
// re-records every other event. Two users: the determinism check of a loaded trace (`reexecute`)
// and deferred recording, where a kernel stores only its inputs while it runs and re-executes
// them on a companion machine when its trace is read (rr's record-inputs, replay-to-inspect).

import { type TraceLog, viewReader } from '@ntmm/trace'
import type { Kernel } from './kernel.js'
import { replayInput, runAccess } from './machineInputs.js'
import {
  ACCESS_ROW_DATA_BYTES,
  type MachineCpuAccessEvent,
  type MachineEvent,
  WRITE_WORDS_ROW_BYTES,
} from './machineSchema.js'

/**
 * The data of the write recorded as the nt.cpuAccess at `seq`: bytes 0 to 7 from the access row,
 * the rest from the nt.cpuWriteWords rows after it (or, in a machine-trace version 2 trace, all
 * of them from the nt.cpuWriteData after it). Bytes a damaged trace lacks read as zeros.
 */
export function writeDataOf(log: TraceLog<MachineEvent>, seq: number): Uint8Array {
  return writeDataFrom(log, seq, log.view(seq) as Readonly<MachineCpuAccessEvent>)
}

/** {@link writeDataOf} for the access row `access` (the event at `seq`, maybe a reused view). */
function writeDataFrom(
  log: TraceLog<MachineEvent>,
  seq: number,
  access: Readonly<MachineCpuAccessEvent>,
): Uint8Array {
  const data = new Uint8Array(access.length)
  const putWord = (offset: number, word: number) => {
    for (let index = 0; index < 4 && offset + index < data.length; index++)
      data[offset + index] = (word >>> (8 * index)) & 0xff
  }
  putWord(0, access.value)
  putWord(4, access.valueHigh)
  if (data.length <= ACCESS_ROW_DATA_BYTES) return data
  const next = log.view(seq + 1)
  if (next?.type === 'nt.cpuWriteData') {
    data.set(next.bytes.slice(0, data.length))
    return data
  }
  let row = seq + 1
  for (let offset = ACCESS_ROW_DATA_BYTES; offset < data.length; offset += WRITE_WORDS_ROW_BYTES, row++) {
    const words = log.view(row)
    if (words?.type !== 'nt.cpuWriteWords' || log.causeOf(row) !== seq) break
    putWord(offset, words.w0)
    putWord(offset + 4, words.w1)
    putWord(offset + 8, words.w2)
    putWord(offset + 12, words.w3)
  }
  return data
}

/**
 * Re-executes the inputs among events `[from, to)` of `log` on `kernel` (uncaused events; the
 * others are what inputs cause, which `kernel` derives itself). Returns how many inputs ran.
 * `onProgress` hears the seq reached every 2^16 events, and `to` at the end.
 */
export function replayInputs(
  log: TraceLog<MachineEvent>,
  from: number,
  to: number,
  kernel: Kernel,
  onProgress?: (seq: number) => void,
): number {
  const read = viewReader(log)
  let inputs = 0
  for (let seq = from; seq < to; seq++) {
    if (onProgress !== undefined && ((seq - from) & 0xffff) === 0 && seq > from) onProgress(seq)
    if (log.causeOf(seq) !== undefined) continue
    const event = read(seq)
    try {
      if (event.type === 'nt.cpuAccess') {
        const access = event as Readonly<MachineCpuAccessEvent>
        inputs++
        const write = access.access !== 0 && access.access !== 8
        runAccess(
          kernel.cpu(access.pid),
          access.access,
          access.address,
          access.length,
          write ? writeDataFrom(log, seq, access) : undefined,
        )
      } else if (replayInput(event, kernel)) inputs++
    } catch {
      // The recorded run threw at this input too (a machine too small for another process): the
      // caller saw that error then; the machine is left as it was left then.
    }
  }
  onProgress?.(to)
  return inputs
}
