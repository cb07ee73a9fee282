// `inspect` and `replay --at` of a big binary trace without loading it: a version-2 file holds
// the machine's state every so many events (state blocks, docs/trace-format.md), so the machine
// right after an event is the nearest state block restored plus the events after it
// (@ntmm/nt-syscalls' machineAtIndex), seconds whatever the trace's length. A file without state
// blocks (version 1, or shorter than one interval), and any file this path cannot read, is loaded
// whole as before, which also gives its errors their messages.

import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Kernel, type MachineConfig, machineAtIndex, machineSchema } from '@ntmm/nt-syscalls'
import { detectTraceEncoding, openBinaryTraceFile, TraceFormatError } from '@ntmm/trace'
import { CliError } from './cliError.js'
import type { CliIo } from './cliIo.js'
import { noProgress, type Progress } from './progress.js'
import { machineConfigOf } from './traceFiles.js'

/** A machine right after one event of a trace, however it was reached. */
export interface MachineAtEvent {
  readonly view: Kernel
  readonly length: number
  readonly config: MachineConfig
  /** The event's type (undefined before the first). */
  readonly type: string | undefined
}

/**
 * The machine right after event `at` (default: the last) of the trace at `path`, from its nearest
 * state block; undefined when the file holds none (then load it whole).
 */
export async function machineAtFromIndex(
  io: CliIo,
  path: string,
  at: number | undefined,
  progress: Progress = noProgress,
  flag = '--at',
): Promise<(MachineAtEvent & { readonly seq: number }) | undefined> {
  const full = resolve(io.cwd, path)
  if (!existsSync(full) || !statSync(full).isFile()) return undefined
  if ((await detectTraceEncoding(full).catch(() => undefined)) !== 'binary') return undefined
  const index = await openBinaryTraceFile(full, machineSchema).catch(() => undefined)
  if (index === undefined) return undefined
  try {
    if (index.states.length === 0) return undefined
    const config = machineConfigOf(index.header.config, path)
    const last = index.events - 1
    const seq = at ?? last
    if (!Number.isSafeInteger(seq) || seq < -1 || seq > last)
      throw new CliError(`${flag} ${seq}: out of range; ${path} has events 0..${last} (-1: before the first)`)
    progress.stage(`restoring the machine at event #${seq} from the nearest state block`)
    const machine = await machineAtIndex(index, config, seq, { file: path })
    const type = seq >= 0 ? (await index.entryAt(seq))?.event.type : undefined
    return { view: machine.kernel, length: index.events, config, type, seq }
  } catch (error) {
    if (error instanceof CliError) throw error
    // A state block that does not hold is never used: the whole trace is loaded instead (which
    // names any problem of the file, or answers without the state blocks).
    if (error instanceof TraceFormatError) return undefined
    throw error
  } finally {
    await index.close()
  }
}
