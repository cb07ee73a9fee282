// The machine a scenario or script runs on: architecture, RAM, page file, TLB organisation and
// replacement policy, built by nt-syscalls' createKernel, recording the whole machine on request.

import type { TlbConfig, TlbPresetName } from '@ntmm/hw-mmu'
import type { ReplacementPolicyName } from '@ntmm/mm-core'
import { type Arch, createKernel, type Kernel, type KernelEventRecord } from '@ntmm/nt-syscalls'

/** Every replacement policy mm-core implements. */
export const replacementPolicies: readonly ReplacementPolicyName[] = [
  'working-set',
  'fifo',
  'lru',
  'clock',
  'opt',
]

/** Every architecture. */
export const architectures: readonly Arch[] = ['x86', 'x86-pae', 'x64']

/** A machine's configuration (all optional: defaults are createKernel's). */
export interface MachineConfig {
  readonly arch?: Arch
  readonly physicalMemory?: number
  readonly pageFile?: number
  readonly tlb?: TlbConfig | TlbPresetName
  readonly replacementPolicy?: ReplacementPolicyName
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
