// createKernel: build a machine (hw-mmu + mm-core + this package's executive) from options,
// validating the configuration (a bad option is a programming error: a clear RangeError).

import { MemoryManager } from '@ntmm/mm-core'
import { Kernel, type KernelOptions } from './kernel.js'

/** Default RAM: 64 MiB. */
export const DEFAULT_PHYSICAL_MEMORY = 64 * 1024 * 1024
/** Default page file: 128 MiB. */
export const DEFAULT_PAGE_FILE = 128 * 1024 * 1024

/** Create a machine: `createKernel({ arch: 'x86' })`. */
export function createKernel(options: KernelOptions = {}): Kernel {
  const arch = options.arch ?? 'x86'
  if (arch !== 'x86' && arch !== 'x86-pae' && arch !== 'x64') {
    throw new RangeError(`arch ${String(arch)} is not one of 'x86', 'x86-pae', 'x64'`)
  }
  const physicalMemory = options.physicalMemory ?? DEFAULT_PHYSICAL_MEMORY
  const pageFile = options.pageFile ?? DEFAULT_PAGE_FILE
  for (const [name, value] of [
    ['physicalMemory', physicalMemory],
    ['pageFile', pageFile],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0 || value % 4096 !== 0) {
      throw new RangeError(`${name} ${String(value)} must be a non-negative multiple of 4096 bytes`)
    }
  }
  const mm = new MemoryManager({
    arch,
    physicalMemory,
    pageFile,
    ...(options.tlb === undefined ? {} : { tlb: options.tlb }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.replacementPolicy === undefined ? {} : { replacementPolicy: options.replacementPolicy }),
  })
  return new Kernel(mm, { ...options, arch })
}
