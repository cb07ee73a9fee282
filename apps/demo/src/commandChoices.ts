// The names the `ntmm` command line accepts and its --help lists — architectures, replacement
// policies, trace file encodings, memory-trace importers, workloads, inspection views — in a leaf
// that loads none of the simulator: cli.ts registers every command (options, help, usage) from
// these, and a command's implementation, with the packages it needs, is loaded only when it runs.

import type { ReplacementPolicyName } from '@ntmm/mm-core'
import type { Arch, MemoryTraceFormat } from '@ntmm/nt-syscalls'

/**
 * Every replacement policy mm-core implements (what `--policy` and a script's machine accept), the
 * default first: 'nt' (Windows' per-process working sets), then 'working-set' (the earlier
 * default, a global aging policy) and the textbook policies.
 */
export const replacementPolicies: readonly ReplacementPolicyName[] = [
  'nt',
  'working-set',
  'fifo',
  'lru',
  'clock',
  'opt',
]

/** Every architecture. */
export const architectures: readonly Arch[] = ['x86', 'x86-pae', 'x64']

/** The trace file formats. */
export const traceFormats = ['binary', 'jsonl'] as const
/** A trace file format. */
export type TraceFormat = (typeof traceFormats)[number]

/** The importers' names on the command line → @ntmm/nt-syscalls' formats. */
export const importFormats: Readonly<Record<string, MemoryTraceFormat | undefined>> = {
  auto: undefined,
  lackey: 'lackey',
  memsim: 'course',
  'memsim-ls': 'course-ls',
  pinatrace: 'pinatrace',
  pages: 'page-list',
}

/** The format names `import <format>` and `sweep --trace-format` take, but 'auto'. */
export const namedFormats = Object.keys(importFormats).filter((name) => name !== 'auto')

/** The workloads by name. */
export const workloadNames = ['pressure', 'tlb-loop'] as const
/** A workload's name. */
export type WorkloadName = (typeof workloadNames)[number]

/** The inspection views (`inspect <view>`, `run --show`) by name, with what each shows, in help order. */
export const inspectViewNames = [
  { name: 'address', description: 'the address-space map, as !address (MEMORY_BASIC_INFORMATION runs)' },
  { name: 'vad', description: 'the MEMORY_AREA AVL tree, as !vad' },
  { name: 'regions', description: 'each area with its MM_REGION list' },
  { name: 'pte', description: 'the page walk for --va, each level decoded, as !pte' },
  { name: 'pfn', description: 'frame lists and the frames in use, as !pfn / !memusage' },
  {
    name: 'ws',
    description:
      "each process's working set (limits, hard flags, priority, faults) and one's entries, as Process Explorer / VMMap",
  },
  {
    name: 'lists',
    description: 'the PFN lists by standby priority, the frames in use and the paging counters, as RAMMap',
  },
  { name: 'tlb', description: 'the data TLB entries and statistics' },
  {
    name: 'sections',
    description: 'segments, their views and each resident page with its share count and mappers',
  },
  { name: 'handles', description: "a process's handle table, as !handle" },
  { name: 'stats', description: 'memory-manager counters, commit charge and TLB statistics' },
] as const
/** An inspection view's name. */
export type InspectViewName = (typeof inspectViewNames)[number]['name']
