// The replay a run at a time (Cpu.runAccesses, and lackey files' lines written straight into the
// run) against the replay one access at a time (`perAccess`): for random lackey programs — loads,
// stores, modifies and fetches over a few 64 KiB blocks (one above the x86 user range, relocated),
// accesses across pages and across block ends, chatter and malformed lines, progress every few
// lines, with and without instructions, a layout or the heap-blocks policy, on a small machine
// under 'nt' (ticks every few references, memory short) and 'working-set' — the reports, the
// progress told and the machine are the same, and so is the recorded trace of a recording kernel.
// Under 'lru' every access is noted (noteAccesses: the notes go with the run, Cpu.runAccesses'
// note), and the stamps, the tick and the victims are those of the notes made one by one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { firstDivergentEvent } from '@ntmm/trace'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { createKernel } from '../createKernel.js'
import { type ImportProgress, replayMemoryTrace } from './replayMemoryTrace.js'

const directory = mkdtempSync(join(tmpdir(), 'ntmm-replay-runs-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

// Code, data and a block just below a block end, and one above the x86 user range (relocated there).
const BLOCKS = [0x00400000, 0x00410000, 0x0041fff0, 0x04000000, 0x1fff000000]

const lineArbitrary = fc.oneof(
  {
    weight: 30,
    arbitrary: fc
      .tuple(
        fc.constantFrom('I ', ' L', ' L', ' S', ' M'),
        fc.nat(BLOCKS.length - 1),
        fc.oneof(fc.nat(0x3f), fc.nat(0x2fff), fc.constant(0xffc)),
        fc.constantFrom(1, 2, 3, 4, 8, 8, 8, 16, 32),
      )
      .map(
        ([kind, block, offset, size]) =>
          `${kind} ${(BLOCKS[block]! + offset).toString(16).padStart(8, '0')},${size}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '==1== Lackey',
      '--1-- chatter',
      ' L 00400000,8 x',
      ' X 1,1',
      ' L 00400000,9999',
      '',
    ),
  },
)

const setupArbitrary = fc.record({
  policy: fc.constantFrom(
    'nt' as const,
    'nt' as const,
    'working-set' as const,
    'lru' as const,
    'lru' as const,
  ),
  tickEvery: fc.constantFrom(1, 4, 25, 0),
  record: fc.constantFrom(undefined, undefined, undefined, 'eager' as const),
  options: fc.record({
    onError: fc.constantFrom('skip' as const, 'stop' as const),
    instructions: fc.boolean(),
    progressEvery: fc.constantFrom(3, 17, 65536),
    layout: fc.constantFrom(undefined, undefined, [{ address: 0x00400000, size: 0x30000 }]),
  }),
  gzip: fc.boolean(),
  asLines: fc.boolean(),
})

type Setup = typeof setupArbitrary extends fc.Arbitrary<infer S> ? S : never

function kernelOf(setup: Setup) {
  return createKernel({
    physicalMemory: 48 * 4096,
    pageFile: 512 * 4096,
    replacementPolicy: setup.policy,
    ...(setup.policy === 'nt'
      ? { nt: { tickEvery: setup.tickEvery, minimumFreePages: 64, plentyFreePages: 64 } }
      : {}),
    ...(setup.record === undefined ? {} : { record: setup.record }),
  })
}

let files = 0

describe('replayMemoryTrace, a run at a time', () => {
  it('reports, tells progress and leaves the machine (and its recorded trace) as one access at a time', async () => {
    await fc.assert(
      fc.asyncProperty(
        setupArbitrary,
        fc.array(lineArbitrary, { minLength: 1, maxLength: 300 }),
        async (setup, lines) => {
          const path = join(directory, `program-${files++}.lackey${setup.gzip ? '.gz' : ''}`)
          const text = `${lines.join('\n')}\n`
          writeFileSync(path, setup.gzip ? gzipSync(text) : text)
          const input = setup.asLines ? lines : path
          const replay = async (perAccess: boolean) => {
            const kernel = kernelOf(setup)
            const progress: ImportProgress[] = []
            const { layout, ...rest } = setup.options
            // A note of an address x86 has not (a block left unplaced) throws, one by one as in a run.
            const report = await replayMemoryTrace(kernel, input, {
              ...rest,
              ...(layout === undefined ? {} : { layout }),
              format: 'lackey',
              perAccess,
              ...(setup.policy === 'lru' ? { noteAccesses: true } : {}),
              onProgress: (told) => progress.push(told),
            }).catch((error: unknown) => String(error))
            return { kernel, report, progress }
          }
          const one = await replay(true)
          const runs = await replay(false)
          expect(runs.report).toEqual(one.report)
          expect(runs.progress).toEqual(one.progress)
          expect(runs.kernel.mm.digest()).toBe(one.kernel.mm.digest())
          expect(runs.kernel.mm.referencesSinceTick).toBe(one.kernel.mm.referencesSinceTick)
          // LRU's inputs, kept in snapshots but not in the digest.
          const runsSnapshot = runs.kernel.mm.snapshot()
          const oneSnapshot = one.kernel.mm.snapshot()
          expect(runsSnapshot.tick).toBe(oneSnapshot.tick)
          expect(Array.from(runsSnapshot.lastUse)).toEqual(Array.from(oneSnapshot.lastUse))
          if (setup.record !== undefined)
            expect(firstDivergentEvent(runs.kernel.trace!, one.kernel.trace!)).toBeUndefined()
        },
      ),
      { numRuns: 40 },
    )
  })
})
