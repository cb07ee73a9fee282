// The hostile soak (`pnpm soak`, issue 18) tested on a small run: 300 cases of the four kinds
// count no crash, unsound load or lost bytes; a run is the same for the same seed, case by case
// (a failure replays with --case); its flags are parsed strictly. Half the call and import cases
// run the 'nt' policy. The full run's figure is in
// docs/reliability.md.
import { describe, expect, it } from 'vitest'
import { runSoak, SOAK_KINDS } from './testing/hostileSoak.js'
import { parseSoakArguments } from './testing/soakArguments.js'

describe('the hostile soak', () => {
  it(
    'runs 300 mixed cases with no crash, no unsound load and no lost bytes',
    { timeout: 600_000 },
    async () => {
      let progress = 0
      const report = await runSoak({ seed: 18, cases: 300, progressEvery: 100, onProgress: () => progress++ })
      expect(report.failures).toEqual([])
      expect(report).toMatchObject({ cases: 300, crashes: 0, unsoundLoads: 0, lostBytes: 0 })
      expect(progress).toBe(3)
      // Every kind ran, and the cases did not all end one way: traces were loaded and refused,
      // uploads accepted and refused, recordings reproduced.
      for (const kind of SOAK_KINDS)
        expect(Object.values(report.outcomes[kind]).reduce((sum, count) => sum + count, 0)).toBe(75)
      expect(report.outcomes['machine trace'].refused).toBeGreaterThan(0)
      expect(report.outcomes['hostile calls'].reproduced).toBeGreaterThan(0)
      // Under the 'nt' policy too (issue 21): its services, ticks and imported references recorded.
      expect(report.outcomes['hostile calls']['reproduced (nt)']).toBeGreaterThan(0)
      expect(report.outcomes['memory trace']['imported (nt)'] ?? 0).toBeGreaterThan(0)
      expect(report.outcomes.upload.accepted).toBeGreaterThan(0)
      expect(report.outcomes.upload['refused (400)']).toBeGreaterThan(0)
    },
  )

  it.each([
    [100, 5078, 'a debug writePte naming a frame beyond RAM made checkInvariants throw'],
    [100, 24548, 'a frame owner address of 2^32 in an edited trace made checkInvariants throw'],
  ])('counts no crash in the cases the long runs found crashing (seed %d, case %d: %s)', async (seed, first) => {
    const report = await runSoak({ seed, cases: 1, first })
    expect(report.failures).toEqual([])
  })

  it('replays case by case: cases run alone end as they did in the run', { timeout: 300_000 }, async () => {
    const run = await runSoak({ seed: 7, cases: 8, first: 40 })
    const alone = []
    for (let index = 40; index < 48; index++) alone.push(await runSoak({ seed: 7, cases: 1, first: index }))
    const merged: Record<string, Record<string, number>> = {}
    for (const report of alone)
      for (const [kind, outcomes] of Object.entries(report.outcomes))
        for (const [outcome, count] of Object.entries(outcomes)) {
          merged[kind] ??= {}
          merged[kind][outcome] = (merged[kind][outcome] ?? 0) + count
        }
    expect(merged).toEqual(run.outcomes)
  })
})

describe('soak flags', () => {
  it('defaults to 100000 cases and the seed given, and takes --cases, --seed, --from and --case', () => {
    expect(parseSoakArguments([], 99)).toEqual({ seed: 99, cases: 100_000, first: 0 })
    expect(parseSoakArguments(['--cases', '300', '--seed', '5'], 99)).toEqual({
      seed: 5,
      cases: 300,
      first: 0,
    })
    expect(parseSoakArguments(['--seed', '5', '--case', '1234'], 99)).toEqual({
      seed: 5,
      cases: 1,
      first: 1234,
    })
    expect(parseSoakArguments(['--from', '5000', '--cases', '10'], 99)).toEqual({
      seed: 99,
      cases: 10,
      first: 5000,
    })
    expect(parseSoakArguments(['--help'], 99)).toHaveProperty('help')
  })

  it.each([
    [['--cases'], /--cases needs a value/],
    [['--cases', '1e5'], /--cases takes a whole number from 1 to 4294967296, not "1e5"/],
    [['--cases', '-3'], /--cases takes a whole number/],
    [['--cases', '0'], /--cases takes a whole number from 1 to 4294967296, not "0"/],
    [['--seed', 'abc'], /--seed takes a whole number from 0 to 2147483647, not "abc"/],
    [['--seed', '4294967296'], /--seed takes a whole number/],
    [['--case', '1.5'], /--case takes a whole number/],
    [['--runs', '10'], /unknown option "--runs"/],
    [['100'], /unknown option "100"/],
  ])('refuses %j with a clear error', (argv, message) => {
    const parsed = parseSoakArguments(argv, 1)
    expect(parsed).toHaveProperty('error')
    expect((parsed as { error: string }).error).toMatch(message)
  })
})
