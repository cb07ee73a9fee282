// How the `ntmm` commands print: narration lines (coloured on a terminal: passed and failed
// expectations, step headings, comments) and JSON documents, two-space indented.

import { type CliIo, paint } from '../cliIo.js'

/** Writes narration lines, coloured on a terminal. */
export function printLines(io: CliIo, lines: readonly string[]): void {
  const styled = lines.map((line) => {
    if (!io.color) return line
    if (line.startsWith('   ✓')) return paint(io, 'green', line)
    if (line.startsWith('   ✗')) return paint(io, 'red', line)
    if (/^\d+\. /.test(line) || line.startsWith('ntmm: ')) return paint(io, 'bold', line)
    if (line.startsWith('    #')) return paint(io, 'dim', line)
    return line
  })
  io.stdout(styled.length === 0 ? '' : `${styled.join('\n')}\n`)
}

/** Writes `value` as indented JSON and a newline (the `--json` output of every command). */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`)
}
