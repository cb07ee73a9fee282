// Broken invariants of the memory manager (a bug, never a caller's bad input: ReactOS ASSERT /
// KeBugCheck, SerenityOS VERIFY) throw the project's one InvariantError, hw-mmu's, through its
// `assert`.

export { InvariantError } from '@ntmm/hw-mmu'
export { assert } from '@ntmm/hw-mmu/internal'
