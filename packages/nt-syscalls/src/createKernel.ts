// createKernel: build a machine (hw-mmu + mm-core + this package's executive) from options,
// validating the configuration (a bad option is a programming error: a clear RangeError naming the
// option and what it may be).

import { MAX_PAGE_FILE, MAX_PHYSICAL_MEMORY, MemoryManager } from '@ntmm/mm-core'
import { Kernel, type KernelOptions } from './kernel.js'

export { MAX_PAGE_FILE, MAX_PHYSICAL_MEMORY }

/** Default RAM: 64 MiB. */
export const DEFAULT_PHYSICAL_MEMORY = 64 * 1024 * 1024
/** Default page file: 128 MiB. */
export const DEFAULT_PAGE_FILE = 128 * 1024 * 1024

/**
 * Create a machine: `createKernel({ arch: 'x86' })`.
 *
 * @throws RangeError for an option it cannot take, naming it: an unknown `arch` or
 *   `replacementPolicy`; `physicalMemory` or `pageFile` not a multiple of 4096, negative, or above
 *   its maximum ({@link MAX_PHYSICAL_MEMORY}, 4 GiB; {@link MAX_PAGE_FILE}, 4 GiB − 4 KiB);
 *   `physicalMemory` below the few pages a process needs (mm-core's MINIMUM_RAM_PAGES); a `seed`
 *   that is not a finite number; `nt` options without `replacementPolicy: 'nt'`, or an `nt` field
 *   out of range (mm-core's RangeError naming `nt.<field>`). A `tlb` configuration hw-mmu refuses
 *   throws hw-mmu's RangeError.
 */
export function createKernel(options: KernelOptions = {}): Kernel {
  const arch = options.arch ?? 'x86'
  if (arch !== 'x86' && arch !== 'x86-pae' && arch !== 'x64') {
    throw new RangeError(`arch ${String(arch)} is not one of 'x86', 'x86-pae', 'x64'`)
  }
  const physicalMemory = options.physicalMemory ?? DEFAULT_PHYSICAL_MEMORY
  const pageFile = options.pageFile ?? DEFAULT_PAGE_FILE
  for (const [name, value, maximum, maximumName] of [
    ['physicalMemory', physicalMemory, MAX_PHYSICAL_MEMORY, 'MAX_PHYSICAL_MEMORY'],
    ['pageFile', pageFile, MAX_PAGE_FILE, 'MAX_PAGE_FILE'],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0 || value % 4096 !== 0 || value > maximum) {
      throw new RangeError(
        `${name} ${String(value)} must be a non-negative multiple of 4096 bytes of at most ${maximum} (${maximumName})`,
      )
    }
  }
  if (options.seed !== undefined && !Number.isFinite(options.seed))
    throw new RangeError(`seed ${String(options.seed)} must be a finite number`)
  const mm = new MemoryManager({
    arch,
    physicalMemory,
    pageFile,
    ...(options.tlb === undefined ? {} : { tlb: options.tlb }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.replacementPolicy === undefined ? {} : { replacementPolicy: options.replacementPolicy }),
    ...(options.nt === undefined ? {} : { nt: options.nt }),
  })
  return new Kernel(mm, { ...options, arch })
}
