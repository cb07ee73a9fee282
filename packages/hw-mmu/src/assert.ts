// The project's one exception type: an InvariantError means a broken invariant inside the
// simulator (a bug), never a caller's bad input (Intel's "triple fault" of the model, ReactOS
// ASSERT / KeBugCheck, SerenityOS VERIFY). mm-core and nt-syscalls re-export this class, so
// `instanceof InvariantError` holds whichever package threw. @ntmm/trace, which depends on no
// other package, has its own class carrying the same brand; `instanceof` of either class
// recognises both (the brand is a registered symbol, so it also survives duplicated copies of a
// package in node_modules).

/** The registered symbol every ntmm InvariantError carries (see `Symbol.hasInstance` below). */
const INVARIANT_BRAND: unique symbol = Symbol.for('@ntmm/InvariantError') as never

/** Thrown only when an internal invariant of the simulator does not hold. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError'
  /** The brand shared with @ntmm/trace's InvariantError. */
  readonly [INVARIANT_BRAND] = true

  /** True for every ntmm InvariantError (this class's, a subclass's, or @ntmm/trace's). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[INVARIANT_BRAND] === true
    )
  }
}

/** Throw an {@link InvariantError} with `message` unless `condition` holds. */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'function' ? message() : message)
}
