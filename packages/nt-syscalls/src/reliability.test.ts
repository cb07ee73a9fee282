// Bounded CI run of the issue-9 fuzz property (the soak runs the same property millions of times:
// node scripts/soak.mjs). Random programs over three processes, hostile arguments, invariants after
// every operation, a page-array model agreeing with NtQueryVirtualMemory after every step; under
// 'working-set' (the soak's published runs) and, fewer, under the default 'nt'.
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { type ProgramReport, programProperty } from './testing/reliabilityProperties.js'
import type { Arch } from './userAddressLimits.js'

describe('reliability', () => {
  it.each<Arch>([
    'x86',
    'x86-pae',
    'x64',
  ])('random programs across processes keep every invariant and agree with the page model (%s)', (arch) => {
    const report: ProgramReport = { steps: 0, checks: 0 }
    fc.assert(programProperty(arch, { report }), { numRuns: 40, seed: 0x1559 })
  })

  // The same property under the default policy, 'nt' (working sets, ticks, page tables as entries):
  // fewer runs, its invariant checks after every step cost several times the 'working-set' ones.
  it.each<Arch>([
    'x86',
    'x86-pae',
    'x64',
  ])("random programs under the 'nt' policy keep every invariant and agree with the page model (%s)", (arch) => {
    const report: ProgramReport = { steps: 0, checks: 0 }
    fc.assert(programProperty(arch, { report, policy: 'nt' }), { numRuns: 8, seed: 0x1559 })
  })
})
