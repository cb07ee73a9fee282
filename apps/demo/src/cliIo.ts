// Where the command line writes and what it knows about its terminal: standard output and error,
// whether they are a terminal (progress bars and colours only then), and NO_COLOR. Tests pass a
// collecting CliIo to `main`; the binary passes the process's streams.

import { styleText } from 'node:util'

/** The command line's outside world. */
export interface CliIo {
  /** Writes to standard output (text includes its own newlines). */
  readonly stdout: (text: string) => void
  /** Writes to standard error. */
  readonly stderr: (text: string) => void
  /** True when standard output is a terminal and colours are wanted (not NO_COLOR). */
  readonly color: boolean
  /** The stream progress bars draw on, or undefined when not attached to a terminal. */
  readonly progressStream?: NodeJS.WritableStream
  /** The working directory relative paths are resolved against. */
  readonly cwd: string
  /** Reads standard input to its end (`--trace -`). */
  readonly readStdin?: () => Promise<string>
}

/** The CliIo of the running process. */
export function processIo(): CliIo {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== ''
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    color: process.stdout.isTTY === true && !noColor,
    ...(process.stderr.isTTY === true ? { progressStream: process.stderr } : {}),
    cwd: process.cwd(),
    readStdin: async () => {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
  }
}

/**
 * A CliIo collecting everything (tests, and commands that capture another's output); give it a
 * `progressStream` (a fake terminal) to see the progress bars a terminal would.
 */
export function collectingIo(
  options: {
    readonly cwd?: string
    readonly progressStream?: NodeJS.WritableStream
    /** What standard input holds. */
    readonly stdin?: string
  } = {},
): CliIo & {
  readonly out: string[]
  readonly err: string[]
} {
  const out: string[] = []
  const err: string[] = []
  return {
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    color: false,
    ...(options.progressStream === undefined ? {} : { progressStream: options.progressStream }),
    cwd: options.cwd ?? process.cwd(),
    ...(options.stdin === undefined ? {} : { readStdin: async () => options.stdin ?? '' }),
  }
}

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan' | 'magenta'

/** `text` in `style` when colours are on, as is otherwise. */
export function paint(io: Pick<CliIo, 'color'>, style: Style, text: string): string {
  return io.color ? styleText(style, text) : text
}
