// Broken-invariant reporting for @ntmm/trace: the one exception class that means "a bug in this
// package or in its caller's contract", never "bad input from a file" (that is TraceFormatError).
// @ntmm/trace depends on no other package, so it cannot re-export hw-mmu's InvariantError as
// mm-core and nt-syscalls do; it carries the same registered brand instead, and `instanceof` of
// either class recognises both, so the project has one InvariantError as far as callers can tell.

const INVARIANT_BRAND: unique symbol = Symbol.for('@ntmm/InvariantError') as never

/** Thrown when an internal invariant of the trace machinery does not hold. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError'
  /** The brand shared with @ntmm/hw-mmu's InvariantError (re-exported by mm-core and nt-syscalls). */
  readonly [INVARIANT_BRAND] = true

  /** True for every ntmm InvariantError (this class's, a subclass's, or hw-mmu's). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[INVARIANT_BRAND] === true
    )
  }
}

/** Throws an {@link InvariantError} with `message` when `condition` is false. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message)
}
