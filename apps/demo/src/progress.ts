// Progress bars (cli-progress) on standard error, only when it is a terminal: nothing is drawn
// when the output is piped or captured, so logs and tests stay clean and deterministic.

import { SingleBar } from 'cli-progress'
import type { CliIo } from './cliIo.js'

/** A started bar, or undefined when not on a terminal. */
export function startProgress(
  io: CliIo,
  format: string,
  total: number,
  payload: Record<string, unknown> = {},
): SingleBar | undefined {
  if (io.progressStream === undefined) return undefined
  const bar = new SingleBar({ stream: io.progressStream, format, clearOnComplete: true, hideCursor: true })
  bar.start(total, 0, payload)
  return bar
}
