// The package's one exception type: an InvariantError means a broken invariant inside the memory
// manager (a bug), never a caller's bad input (ReactOS ASSERT / KeBugCheck, SerenityOS VERIFY).

/** Thrown only when an internal invariant of mm-core does not hold. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError'
}

/** Throw an {@link InvariantError} with `message` unless `condition` holds. */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'function' ? message() : message)
}
