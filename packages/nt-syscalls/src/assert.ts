// Broken invariants of the system-call layer (a bug in the simulator, never a caller's bad input:
// ReactOS ASSERT, SerenityOS VERIFY) throw the project's one InvariantError, hw-mmu's.

import { InvariantError } from '@ntmm/hw-mmu'

export { InvariantError }

/** Throw an {@link InvariantError} when `condition` is false. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message)
}
