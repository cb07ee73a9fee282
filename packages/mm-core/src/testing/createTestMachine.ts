// A small machine for tests: few frames, a tiny page file and TLB, so paging and replacement
// happen after a handful of accesses. Not exported from the package (excluded from the build).

import type { Mmu } from '@ntmm/hw-mmu'
import type { AccessFaultResult } from '../accessFault.js'
import type { AddressSpace } from '../addressSpace.js'
import type { Architecture } from '../addressSpaceLayout.js'
import { MemoryManager } from '../memoryManager.js'
import type { ReplacementPolicyName } from '../mmCore.js'

/** Options of {@link createTestMachine}. */
export interface TestMachineOptions {
  readonly arch?: Architecture
  /** Frames of RAM (default 64). */
  readonly frames?: number
  /** Page-file slots (default 64). */
  readonly pageFileSlots?: number
  readonly replacementPolicy?: ReplacementPolicyName
}

/** A memory manager on a small machine, with one process (pid 1) and its MMU loaded. */
export function createTestMachine(options: TestMachineOptions = {}): {
  mm: MemoryManager
  space: AddressSpace
  mmu: Mmu<AccessFaultResult>
  pid: number
} {
  const mm = new MemoryManager({
    arch: options.arch ?? 'x86',
    physicalMemory: (options.frames ?? 64) * 4096,
    pageFile: (options.pageFileSlots ?? 64) * 4096,
    tlb: { data: { entries: 8, ways: 2 } },
    replacementPolicy: options.replacementPolicy ?? 'working-set',
  })
  const pid = 1
  const { space } = mm.createAddressSpace(pid)
  if (space === undefined) throw new Error('createTestMachine: no frame for the page directory')
  const mmu = mm.mmuFor(pid)
  return { mm, space, mmu, pid }
}
