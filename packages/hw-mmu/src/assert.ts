// The package's one exception type: an InvariantError means a broken invariant inside the
// simulated hardware (a bug in this package), never a caller's bad input (Intel's "triple fault"
// of the model, SerenityOS VERIFY).

/** Thrown only when an internal invariant of hw-mmu does not hold. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError'
}

/** Throw an {@link InvariantError} with `message` unless `condition` holds. */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'function' ? message() : message)
}
