// Broken-invariant reporting for @ntmm/trace: the one exception class that means "a bug in this
// package or in its caller's contract", never "bad input from a file" (that is TraceFormatError).

/** Thrown when an internal invariant of the trace machinery does not hold. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError'
}

/** Throws an {@link InvariantError} with `message` when `condition` is false. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message)
}
