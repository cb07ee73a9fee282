// How far a long operation on a machine trace has come — reading a file, rebuilding the machine
// from its events, re-executing its inputs, writing or exporting it — for a caller that shows it
// (the command line's bars). A 20M-event trace takes seconds at each stage. No NT counterpart.

/** The stages of loading, checking, saving and exporting a machine trace. */
export type MachineTraceStage =
  /** Reading the file (`unit` 'bytes', of the file's size). */
  | 'reading'
  /** Applying the events to the initial machine. */
  | 'rebuilding'
  /** Re-executing the recorded inputs on a fresh machine (the determinism check). */
  | 'reexecuting'
  /** Finding which events are some event's cause (an export's flows). */
  | 'causes'
  /** Writing the trace or its export, event after event. */
  | 'writing'

/** One progress report: `done` of `total` `unit`s of `stage` (`total` 0 when not known). */
export interface MachineTraceProgress {
  readonly stage: MachineTraceStage
  readonly done: number
  readonly total: number
  readonly unit: 'bytes' | 'events'
}

/** Options of the calls that report progress (loadKernel, verifyTrace, reexecute, saveTrace, exportTrace). */
export interface MachineTraceProgressOptions {
  /** Called now and then (every 2^16 to 2^18 events, and at the end of each stage), in order. */
  readonly onProgress?: (progress: MachineTraceProgress) => void
}

/** The report of `stage` as a function of `done`, or undefined without a listener. */
export function stageReporter(
  options: MachineTraceProgressOptions,
  stage: MachineTraceStage,
  total: number,
  unit: 'bytes' | 'events' = 'events',
): ((done: number) => void) | undefined {
  const onProgress = options.onProgress
  if (onProgress === undefined) return undefined
  return (done) => onProgress({ stage, done, total, unit })
}
