// The machine a scenario or script runs on: architecture, RAM, page file, TLB organisation and
// replacement policy, built by nt-syscalls' createKernel, recording the whole machine on request.

import { MAX_FRAME_COUNT, type TlbConfig, type TlbPresetName } from '@ntmm/hw-mmu'
import { MINIMUM_RAM_PAGES, type NtPagingOptions, type ReplacementPolicyName } from '@ntmm/mm-core'
import { type Arch, createKernel, type Kernel, type KernelEventRecord } from '@ntmm/nt-syscalls'
import { replacementPolicies } from './commandChoices.js'
import { bytes } from './format.js'

export { architectures, replacementPolicies } from './commandChoices.js'

/** The policies a comparison runs when none is named (the pressure scenario, `ntmm sweep`): every one. */
export const comparedPolicies: readonly ReplacementPolicyName[] = replacementPolicies

/** A machine's configuration (all optional: defaults are createKernel's). */
export interface MachineConfig {
  readonly arch?: Arch
  readonly physicalMemory?: number
  readonly pageFile?: number
  readonly tlb?: TlbConfig | TlbPresetName
  readonly replacementPolicy?: ReplacementPolicyName
  /** The 'nt' policy's tick and thresholds (docs/paging.md); only with replacementPolicy 'nt'. */
  readonly nt?: NtPagingOptions
}

/** The largest page file the command line gives a machine (4 GiB: a million slots). */
const MAX_PAGE_FILE = 4 * 1024 ** 3

/**
 * Why `config`'s RAM or page file cannot be simulated, in the command line's words (the field and
 * the reason), or undefined when both can: whole 4 KiB pages, at least the RAM the system and one
 * process's paging structures take on the architecture (MINIMUM_RAM_PAGES), at most 4 GiB each.
 */
export function machineSizeProblem(
  config: MachineConfig,
): { readonly field: 'physicalMemory' | 'pageFile'; readonly reason: string } | undefined {
  const arch = config.arch ?? 'x86'
  const ram = config.physicalMemory
  if (ram !== undefined) {
    const minimum = MINIMUM_RAM_PAGES[arch] * 4096
    const reason =
      !Number.isSafeInteger(ram) || ram % 4096 !== 0
        ? `${ram} bytes is not a whole number of 4 KiB pages`
        : ram < minimum
          ? `${bytes(ram)} is less than the ${bytes(minimum)} an ${arch} machine needs (the system's page and one process's paging structures)`
          : ram > MAX_FRAME_COUNT * 4096
            ? `${bytes(ram)} is more RAM than ntmm simulates (at most ${bytes(MAX_FRAME_COUNT * 4096)})`
            : undefined
    if (reason !== undefined) return { field: 'physicalMemory', reason }
  }
  const pageFile = config.pageFile
  if (pageFile !== undefined) {
    const reason =
      !Number.isSafeInteger(pageFile) || pageFile < 0 || pageFile % 4096 !== 0
        ? `${pageFile} bytes is not a whole number of 4 KiB pages`
        : pageFile > MAX_PAGE_FILE
          ? `${bytes(pageFile)} is more page file than ntmm simulates (at most ${bytes(MAX_PAGE_FILE)})`
          : undefined
    if (reason !== undefined) return { field: 'pageFile', reason }
  }
  return undefined
}

/**
 * Builds a kernel for `config`, with `onEvent` receiving every event of every layer, recording the
 * whole machine into `kernel.trace` when `record` is set.
 */
export function createMachine(
  config: MachineConfig,
  options: { readonly onEvent?: (record: KernelEventRecord) => void; readonly record?: boolean } = {},
): Kernel {
  return createKernel({
    ...config,
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    // Every trace the demo records is read or saved whole: record its events as they happen.
    ...(options.record === true ? { record: 'eager' as const } : {}),
  })
}
