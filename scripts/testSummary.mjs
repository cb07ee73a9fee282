// Prints one closing line for the whole repository's test run, "Tests: N passed, N failed",
// from the JSON report each package's vitest run leaves (restored by turbo on a cache hit).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
let passed = 0
let failed = 0
let skipped = 0
const missing = []
for (const group of ['packages', 'apps']) {
  const groupDirectory = join(root, group)
  if (!existsSync(groupDirectory)) continue
  for (const name of readdirSync(groupDirectory)) {
    const packageDirectory = join(groupDirectory, name)
    if (!existsSync(join(packageDirectory, 'vitest.config.ts'))) continue
    const reportPath = join(packageDirectory, '.vitest-report.json')
    if (!existsSync(reportPath)) {
      missing.push(`${group}/${name}`)
      continue
    }
    const report = JSON.parse(readFileSync(reportPath, 'utf8'))
    passed += report.numPassedTests
    failed += report.numFailedTests
    skipped += report.numPendingTests + report.numTodoTests
  }
}
if (missing.length > 0) {
  console.error(`no test report from: ${missing.join(', ')}`)
  process.exitCode = 1
}
if (failed > 0) process.exitCode = 1
console.log(`Tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`)
