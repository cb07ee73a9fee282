// Broken invariants of the memory manager (a bug, never a caller's bad input: ReactOS ASSERT /
// KeBugCheck, SerenityOS VERIFY) throw the project's one InvariantError, hw-mmu's.

import { InvariantError } from '@ntmm/hw-mmu'

export { InvariantError }

/** Throw an {@link InvariantError} with `message` unless `condition` holds. */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'function' ? message() : message)
}
