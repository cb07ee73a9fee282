// The format of a memory trace file told from its first lines, for `import` and `sweep --trace`.
// In a module of its own so that `sweep --trace` loads only this, not traceCommands.ts's views and
// trace readers (a sweep's start-up is a fixed cost of every configuration: docs/performance.md,
// issue 22's sweeps).

import { detectMemoryTraceFormat, lineBatches, type MemoryTraceFormat } from '@ntmm/nt-syscalls'
import { CliError } from './cliError.js'

/**
 * The format of the memory trace at `path`, told from its first lines, or undefined when they
 * match none; a file that cannot be read is a CliError (`name` leads its message).
 */
export async function detectMemoryTraceFile(
  path: string,
  name: string,
): Promise<MemoryTraceFormat | undefined> {
  let first: readonly string[] = []
  try {
    // Only the first lines split (not the rest of the first 1 MiB chunk: a quarter of a page list).
    for await (const batch of lineBatches(path, { peek: 200 })) {
      first = batch.slice(0, 200)
      break
    }
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error'
    throw new CliError(`${name}: cannot read it (${message})`)
  }
  return detectMemoryTraceFormat(first)
}
