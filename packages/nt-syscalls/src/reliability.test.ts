// Bounded CI run of the issue-9 fuzz property (the soak runs the same property millions of times:
// node scripts/soak.mjs). Random programs over three processes, hostile arguments, invariants after
// every operation, a page-array model agreeing with NtQueryVirtualMemory after every step; section
// views among the allocations; under 'working-set' (the soak's published runs) and, fewer, under
// the default 'nt' with its ticks.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
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
    // Views were mapped and unmapped among the allocations.
    expect(Math.min(report.views ?? 0, report.unmaps ?? 0)).toBeGreaterThan(0)
  })

  // Fewer runs under 'nt': its invariant checks after every step cost several times the others.
  it.each<Arch>([
    'x86',
    'x86-pae',
    'x64',
  ])("random programs keep every invariant and agree with the page model under the 'nt' policy (%s)", (arch) => {
    const report: ProgramReport = { steps: 0, checks: 0 }
    fc.assert(programProperty(arch, { report, policy: 'nt' }), { numRuns: 10, seed: 0x21 })
    expect(report.views ?? 0).toBeGreaterThan(0)
  })
})
