// The one error the command line reports to a user as a message, never as a stack trace: a bad
// flag, an unknown command or scenario, an unreadable file.

/** A user's mistake on the command line; `exitCode` 2 as for usage errors. */
export class CliError extends Error {
  readonly exitCode: number

  constructor(message: string, exitCode = 2) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}
