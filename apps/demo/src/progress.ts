// Progress on standard error, only when it is a terminal (cli-progress): nothing is drawn when
// the output is piped or captured, so logs, --json and tests stay clean and deterministic. A long
// command goes through stages — reading a trace file, rebuilding the machine, seeking to an event,
// writing a file — each a bar when its size is known, else a label with a counter. Updates inside
// synchronous work redraw synchronously (cli-progress's default), so a stage that blocks the event
// loop still moves on screen. cli-progress (CommonJS, with its dependencies) is loaded the first
// time a bar is drawn, synchronously: piped runs, tests and benches never load it.

import { createRequire } from 'node:module'
import type { SingleBar } from 'cli-progress'
import type { CliIo } from './cliIo.js'

/** cli-progress's bar, loaded on first use (a CommonJS package: require is synchronous). */
let singleBar: typeof SingleBar | undefined
function barClass(): typeof SingleBar {
  singleBar ??= (createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress')).SingleBar
  return singleBar
}

/** The bars drawing now: a command that fails half way leaves its bar to {@link stopAllProgress}. */
const drawing = new Set<SingleBar>()

/** A started bar, or undefined when not on a terminal. */
export function startProgress(
  io: CliIo,
  format: string,
  total: number,
  payload: Record<string, unknown> = {},
): SingleBar | undefined {
  if (io.progressStream === undefined) return undefined
  const bar = new (barClass())({ stream: io.progressStream, format, clearOnComplete: true, hideCursor: true })
  bar.start(total, 0, payload)
  drawing.add(bar)
  bar.on('stop', () => drawing.delete(bar))
  return bar
}

/**
 * Stops every bar still drawing (main's last step, whatever happened): a bar redraws on a timer,
 * which would keep the process alive, and its line must be cleared before an error is printed.
 */
export function stopAllProgress(): void {
  for (const bar of drawing) bar.stop()
  drawing.clear()
}

/** The progress of one command, stage by stage; every method does nothing off a terminal. */
export interface Progress {
  /**
   * Starts a stage (ending the one before): a bar of `total` steps, or, without a total, the
   * label and a counter. `unit` names what is counted (e.g. 'events'); 'bytes' shows only the
   * percentage.
   */
  stage(label: string, options?: { readonly total?: number; readonly unit?: string }): void
  /** Moves the current stage to `value` (of its total, or the counter). */
  update(value: number): void
  /** Ends the last stage and clears the line. */
  stop(): void
}

/** Progress that draws nothing (off a terminal, or for work too short to show). */
export const noProgress: Progress = { stage: () => {}, update: () => {}, stop: () => {} }

/** The stages of `command` on `io`'s terminal, or {@link noProgress} when there is none. */
export function commandProgress(io: CliIo, command: string): Progress {
  if (io.progressStream === undefined) return noProgress
  let bar: SingleBar | undefined
  const stop = () => {
    bar?.stop()
    bar = undefined
  }
  return {
    stage(label, options = {}) {
      stop()
      const { total, unit } = options
      const counted = unit === undefined || unit === 'bytes' ? '' : ` {value}/{total} ${unit}`
      const format =
        total === undefined || total <= 0
          ? `${command}: ${label}${unit === undefined ? '' : ` {value} ${unit}`}`
          : `${command}: ${label} [{bar}] {percentage}%${counted}`
      bar = startProgress(io, format, total ?? 0)
    },
    update(value) {
      bar?.update(value)
    },
    stop,
  }
}
