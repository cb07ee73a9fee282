// `pnpm check:packages`: is each published package's tarball right? Builds the four packages,
// packs each (`pnpm pack`, as `pnpm publish` does), and checks every tarball with publint
// (--strict) and @arethetypeswrong/cli (--profile esm-only: the packages are ESM only), plus the
// rules of docs/decisions/003-publishing.md publint does not know: no workspace-only dependency
// specifiers, LICENSE (identical to the root one) and README.md inside, every declaration map's
// source present, no test or testing file, no stale dist file without its source.
// Exit code 1 on any problem, with a line per problem.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bin, buildPackages, packages, packPackages, root, run } from './packTarballs.mjs'

const started = performance.now()
const work = mkdtempSync(join(tmpdir(), 'ntmm-check-'))
const problems = []
const lines = []
try {
  buildPackages()
  const tarballs = packPackages(work)
  const license = readFileSync(join(root, 'LICENSE'), 'utf8')
  for (const pkg of packages) {
    const tarball = tarballs.get(pkg.name)
    const own = []
    const report = (message) => own.push(`${pkg.name}: ${message}`)
    const unpacked = join(work, pkg.directory)
    run('mkdir', ['-p', unpacked])
    run('tar', ['xzf', tarball, '-C', unpacked])
    const base = join(unpacked, 'package')
    const files = run('find', ['.', '-type', 'f'], { cwd: base })
      .split('\n')
      .filter(Boolean)
      .map((file) => file.slice(2))
    const has = new Set(files)

    const manifest = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8'))
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dependency, range] of Object.entries(manifest[field] ?? {})) {
        if (/^(workspace|file|link|portal):/.test(range)) report(`${field}.${dependency} is '${range}'`)
      }
    }
    if (manifest.devDependencies !== undefined && Object.keys(manifest.devDependencies).length > 0)
      report('devDependencies in the published manifest')
    if (manifest.license !== 'MIT') report(`license is ${manifest.license}`)
    if (!has.has('README.md')) report('README.md missing')
    if (!has.has('LICENSE')) report('LICENSE missing')
    else if (readFileSync(join(base, 'LICENSE'), 'utf8') !== license)
      report('LICENSE differs from the root LICENSE')
    for (const file of files) {
      if (/\.test\.(ts|js|d\.ts)$/.test(file) || /(^|\/)testing\//.test(file))
        report(`test file shipped: ${file}`)
      if (file.endsWith('.tsbuildinfo')) report(`build info shipped: ${file}`)
      const emitted = /^dist\/(.*)\.js$/.exec(file)
      if (emitted !== null && !has.has(`src/${emitted[1]}.ts`))
        report(`stale ${file}: no src/${emitted[1]}.ts`)
      if (file.endsWith('.d.ts.map')) {
        const map = JSON.parse(readFileSync(join(base, file), 'utf8'))
        const directory = file.slice(0, file.lastIndexOf('/') + 1)
        for (const source of map.sources) {
          const resolved = join(directory, source)
          if (!has.has(resolved)) report(`${file} points at ${resolved}, not in the tarball`)
        }
      }
    }
    const dts = files.filter((file) => file.startsWith('dist/') && file.endsWith('.d.ts'))
    const maps = files.filter((file) => file.endsWith('.d.ts.map'))
    if (dts.length === 0 || maps.length !== dts.length)
      report(`${dts.length} .d.ts but ${maps.length} .d.ts.map`)

    try {
      run(bin('publint'), ['run', tarball, '--strict'], { cwd: root })
    } catch (error) {
      report(`publint:\n${error.message}`)
    }
    try {
      run(bin('attw'), ['--pack', tarball, '--profile', 'esm-only', '--format', 'ascii'], { cwd: root })
    } catch (error) {
      report(`attw:\n${error.message}`)
    }
    problems.push(...own)
    lines.push(
      `${own.length === 0 ? 'ok  ' : 'FAIL'} ${pkg.name.padEnd(18)} ${String(files.length).padStart(4)} files, deps ${JSON.stringify(manifest.dependencies ?? {})}`,
    )
  }
} catch (error) {
  problems.push(`setup: ${error.message}`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
for (const line of lines) console.log(line)
for (const problem of problems) console.error(problem)
const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(
  problems.length === 0
    ? `Packages: ${packages.length} checked, all clean (publint --strict, attw esm-only, tarball rules) in ${seconds} s`
    : `Packages: ${problems.length} problem(s) in ${seconds} s`,
)
process.exitCode = problems.length === 0 ? 0 : 1
