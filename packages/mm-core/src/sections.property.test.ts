// The section property: random programs (testing/sectionProgram.ts) on a machine with few frames
// and a large page file (10× overcommit), under every replacement policy, so every kind of page
// goes to the page file, its file or standby and comes back. Every view of a segment and the file
// read the same bytes except copy-on-write pages, which stay private to their process; nothing is
// lost; after every step the invariants hold (share counts equal the mappings among them); and
// once the last view and reference go, nothing leaks: no segment, frame, slot or commit charge.
import fc from 'fast-check'
import { describe, it } from 'vitest'
import type { ReplacementPolicyName } from './mmCore.js'
import {
  SECTION_PRELUDE,
  runSectionProgram,
  sectionOp,
  sectionProgramMachine,
} from './testing/sectionProgram.js'

describe('sections (property)', () => {
  it.each([
    'x86',
    'x64',
  ] as const)('keeps every view, file and private page right under 10× overcommit, and leaks nothing (%s)', (arch) => {
    fc.assert(
      fc.property(
        fc.constantFrom<ReplacementPolicyName>('working-set', 'fifo', 'clock', 'lru', 'opt', 'nt'),
        fc.array(sectionOp, { minLength: 20, maxLength: 90 }),
        (policy, ops) => {
          runSectionProgram(sectionProgramMachine(arch, policy), [...SECTION_PRELUDE, ...ops])
        },
      ),
      { numRuns: 30 },
    )
    // Seconds alone; minutes when every package's tests share two loaded cores.
  }, 300_000)
})
