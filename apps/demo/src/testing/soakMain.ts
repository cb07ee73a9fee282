// The command of the hostile soak (`pnpm soak`, started by scripts/soak.mjs from source):
// `--cases N` (default 100000), `--seed S` (default: from the clock, printed), `--from K` (start
// at case K), `--case K` (run case K of the seed alone, to replay a failure). Prints the seed
// first, each failure as it happens, progress every 1000 cases, then the counts; exit code 1 when any crash, unsound load or lost bytes was counted, 2
// for a bad flag. What each case does: hostileSoak.ts.
import { runSoak, type SoakReport } from './hostileSoak.js'
import { parseSoakArguments } from './soakArguments.js'

const parsed = parseSoakArguments(process.argv.slice(2), Date.now() % 2 ** 31)
if ('error' in parsed) {
  console.error(`soak: ${parsed.error}`)
  process.exit(2)
}
if ('help' in parsed) {
  console.log(parsed.help)
  process.exit(0)
}
const { seed, cases, first } = parsed
const started = performance.now()
const count = (outcomes: Record<string, number>) => Object.values(outcomes).reduce((sum, n) => sum + n, 0)
const seconds = () => ((performance.now() - started) / 1000).toFixed(1)
const counts = (report: SoakReport) =>
  `${report.crashes} crashes, ${report.unsoundLoads} unsound loads, ${report.lostBytes} lost bytes`
console.log(
  `soak: seed ${seed}, ${cases} case${cases === 1 ? '' : 's'}${first > 0 ? ` from case ${first}` : ''} (machine traces, memory traces, hostile calls, uploads in turn)`,
)
const report = await runSoak({
  seed,
  cases,
  first,
  onProgress: (progress) => console.log(`  ${progress.cases} cases, ${counts(progress)}, ${seconds()} s`),
  onFailure: (failure) =>
    console.log(`  FAILED case ${failure.index} (${failure.kind}): ${failure.problem}: ${failure.detail}`),
})
for (const [kind, outcomes] of Object.entries(report.outcomes)) {
  const parts = Object.entries(outcomes).map(([outcome, count]) => `${count} ${outcome}`)
  const perCase = report.milliseconds[kind as keyof SoakReport['milliseconds']] / Math.max(1, count(outcomes))
  if (parts.length > 0) console.log(`  ${kind}: ${parts.join(', ')} (${perCase.toFixed(1)} ms a case)`)
}
if (report.failures.length > 0) console.log(`  replay one: pnpm soak --seed ${seed} --case N`)
console.log(`soak: ${report.cases} cases, ${counts(report)}, seed ${seed}, ${seconds()} s`)
process.exit(report.crashes + report.unsoundLoads + report.lostBytes > 0 ? 1 : 0)
