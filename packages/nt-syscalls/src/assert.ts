// Broken invariants of the system-call layer (a bug in the simulator, never a caller's bad input:
// ReactOS ASSERT, SerenityOS VERIFY) throw the project's one InvariantError, hw-mmu's, through its
// `assert`.

export { InvariantError } from '@ntmm/hw-mmu'
export { assert } from '@ntmm/hw-mmu/internal'
