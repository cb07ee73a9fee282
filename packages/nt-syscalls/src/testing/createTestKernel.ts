// A small machine for tests: 4 MiB of RAM, 8 MiB of page file (or as given), x86 by default.

import { createKernel } from '../createKernel.js'
import type { Kernel, KernelOptions } from '../kernel.js'

/** A small, fast machine with one process `app.exe`; returns the kernel and that pid. */
export function createTestKernel(options: KernelOptions = {}): { kernel: Kernel; pid: number } {
  const kernel = createKernel({ physicalMemory: 4 * 1024 * 1024, pageFile: 8 * 1024 * 1024, ...options })
  const { pid } = kernel.createProcess({ name: 'app.exe' })
  return { kernel, pid }
}
