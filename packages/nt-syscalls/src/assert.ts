// The one exception this package throws for a broken invariant (a bug in the simulator, never a
// caller's bad input): ReactOS ASSERT, SerenityOS VERIFY.

/** A broken invariant inside @ntmm/nt-syscalls. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError'
}

/** Throw an {@link InvariantError} when `condition` is false. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message)
}
