// The soak run of the issue-9 fuzz property (started by scripts/soak.mjs): `--seed N --cases M
// [--arch x86|x86-pae|x64] [--steps S]`. Runs the cases in batches per paging mode, prints
// progress, and on a failure the seed, the fast-check path and the counterexample, so that
// `fc.assert(programProperty(arch), { seed, path })` replays it exactly. Exit code 1 on failure.
import fc from 'fast-check'
import type { Arch } from '../userAddressLimits.js'
import { type ProgramReport, programProperty } from './reliabilityProperties.js'

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback
}

const seed = Number(option('seed', String(Date.now() % 2 ** 31)))
const cases = Number(option('cases', '3000'))
const steps = Number(option('steps', '30'))
const archs = option('arch', 'x86,x86-pae,x64').split(',') as Arch[]
const batch = 1000
const report: ProgramReport = { steps: 0, checks: 0 }
const started = performance.now()
let done = 0
console.log(`soak: seed ${seed}, ${cases} cases, up to ${steps} steps each, modes ${archs.join(', ')}`)
for (let round = 0; done < cases; round++) {
  for (const arch of archs) {
    if (done >= cases) break
    const numRuns = Math.min(batch, cases - done)
    const runSeed = (seed + round * 7919 + archs.indexOf(arch)) | 0
    const result = fc.check(programProperty(arch, { maxSteps: steps, report }), { seed: runSeed, numRuns })
    if (result.failed) {
      console.log(`FAILED (${arch}) after ${done + result.numRuns} cases`)
      console.log(
        `  replay: seed ${runSeed}, path "${result.counterexamplePath}", arch ${arch}, steps ${steps}`,
      )
      console.log(`  counterexample: ${JSON.stringify(result.counterexample)}`)
      console.log(
        `  error: ${String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance)}`,
      )
      process.exit(1)
    }
    done += numRuns
  }
  const seconds = (performance.now() - started) / 1000
  console.log(
    `  ${done} cases, ${report.steps} steps, ${report.checks} invariant checks, ${seconds.toFixed(1)} s`,
  )
}
console.log(
  `soak: ${done} cases passed (${report.steps} steps, ${report.checks} invariant checks), seed ${seed}`,
)
