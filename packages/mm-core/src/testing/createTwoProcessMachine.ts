// Two processes (pids 1 and 2), each with one committed read-write area of `pages` pages: the
// machine the fault path's recorded-against-unrecorded properties run their programs on (page-out,
// the aging trim, the soft fault). Not exported from the package (excluded from the build).

import { PAGE_READWRITE } from '../memoryConstants.js'
import { MemoryManager } from '../memoryManager.js'

/** The memory manager's configuration, as its constructor takes it. */
export type MemoryManagerConfig = NonNullable<ConstructorParameters<typeof MemoryManager>[0]>

/** A memory manager of `config` with processes 1 and 2; `bases[i]` is process i+1's area start. */
export function createTwoProcessMachine(
  config: MemoryManagerConfig,
  pages: number,
): { mm: MemoryManager; bases: number[] } {
  const mm = new MemoryManager(config)
  const bases: number[] = []
  for (const pid of [1, 2]) {
    const space = mm.createAddressSpace(pid).space!
    bases.push(
      mm.createArea(space, { size: pages * 4096, protect: PAGE_READWRITE, commit: true }).area!
        .startingAddress,
    )
  }
  return { mm, bases }
}
