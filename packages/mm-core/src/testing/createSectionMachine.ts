// A small machine with several processes for the section tests: few frames, a small page file,
// processes 1..n, and helpers that read and write through a process's MMU and say what happened
// (the bytes, or the status of the exception the process would see). Not exported from the package.

import type { AddressSpace } from '../addressSpace.js'
import type { Architecture } from '../addressSpaceLayout.js'
import { MemoryManager } from '../memoryManager.js'
import type { ReplacementPolicyName } from '../mmCore.js'

/** Options of {@link createSectionMachine}. */
export interface SectionMachineOptions {
  readonly arch?: Architecture
  /** Frames of RAM (default 64). */
  readonly frames?: number
  /** Page-file slots (default 64). */
  readonly pageFileSlots?: number
  /** Processes 1..n (default 2). */
  readonly processes?: number
  readonly replacementPolicy?: ReplacementPolicyName
}

/** A memory manager with processes 1..n and access helpers. */
export function createSectionMachine(options: SectionMachineOptions = {}) {
  const mm = new MemoryManager({
    arch: options.arch ?? 'x86',
    physicalMemory: (options.frames ?? 64) * 4096,
    pageFile: (options.pageFileSlots ?? 64) * 4096,
    tlb: { data: { entries: 8, ways: 2 } },
    replacementPolicy: options.replacementPolicy ?? 'working-set',
  })
  const spaces = new Map<number, AddressSpace>()
  for (let pid = 1; pid <= (options.processes ?? 2); pid++) {
    const { space } = mm.createAddressSpace(pid)
    if (space === undefined) throw new Error(`createSectionMachine: no frame for process ${pid}`)
    spaces.set(pid, space)
  }
  const space = (pid: number): AddressSpace => spaces.get(pid)!
  /** The bytes `pid` reads, or the status of the exception it gets. */
  const read = (pid: number, address: number, length = 1): number[] | number => {
    const result = mm.mmuFor(pid).read(address, length)
    return result.ok ? [...result.data] : (result.response?.status ?? -1)
  }
  /** True when `pid`'s write goes through, else the status of the exception it gets. */
  const write = (pid: number, address: number, bytes: readonly number[]): true | number => {
    const result = mm.mmuFor(pid).write(address, bytes)
    return result.ok ? true : (result.response?.status ?? -1)
  }
  /** Execute one byte, as `read`. */
  const fetch = (pid: number, address: number): number[] | number => {
    const result = mm.mmuFor(pid).fetch(address, 1)
    return result.ok ? [...result.data] : (result.response?.status ?? -1)
  }
  return { mm, space, read, write, fetch }
}
