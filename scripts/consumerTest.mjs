// `pnpm test:consumer`: do the published packages work on their own, outside the workspace?
// Builds and packs the four packages (`pnpm pack`), then, in a fresh directory under the system's
// temporary directory, gives each package its own project: plain `npm install` of that package's
// tarball and of the tarballs of the @ntmm packages it depends on (they are not on the registry
// yet), nothing else of the workspace. Each package README's first ```ts block under "## Usage" is
// written there as usage.ts, type-checked by tsc (strict, NodeNext, declaration files checked too)
// and compiled, then run with node; it must exit 0. typescript and @types/node are installed once
// in the parent directory (the projects resolve them upwards), so the projects hold only what a
// user of the package would add. Prints a line per package and a closing summary; exit code 1 on
// any failure.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildPackages, closure, packages, packPackages, run } from './packTarballs.mjs'

const keep = process.argv.includes('--keep')
const started = performance.now()
const seconds = () => ((performance.now() - started) / 1000).toFixed(1)
const work = mkdtempSync(join(tmpdir(), 'ntmm-consumer-'))
const results = []

/** The first ```ts block after the "## Usage" heading, up to the next "## " heading. */
function usageSnippet(readme) {
  const start = readme.search(/^## Usage\s*$/m)
  if (start < 0) return undefined
  const rest = readme.slice(start)
  const next = rest.slice(1).search(/^## /m)
  const section = next < 0 ? rest : rest.slice(0, next + 1)
  return /```ts\n([\s\S]*?)```/.exec(section)?.[1]
}

/** Third-party packages a snippet imports directly: the user installs them too. */
function directImports(snippet, pkg) {
  const names = new Set()
  for (const [, specifier] of snippet.matchAll(/from '([^'.][^']*)'/g)) {
    if (specifier.startsWith('node:') || specifier.startsWith('@ntmm/')) continue
    const name = specifier.startsWith('@')
      ? specifier.split('/').slice(0, 2).join('/')
      : specifier.split('/')[0]
    const range = pkg.manifest.dependencies?.[name] ?? pkg.manifest.peerDependencies?.[name]
    names.add(range === undefined ? name : `${name}@${range}`)
  }
  return [...names]
}

const tsconfig = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    types: ['node'],
    outDir: 'out',
  },
  files: ['usage.ts'],
}

try {
  console.log(`consumer test in ${work}`)
  buildPackages()
  const packed = join(work, 'tarballs')
  mkdirSync(packed)
  const tarballs = packPackages(packed)
  console.log(`built and packed ${tarballs.size} packages (${seconds()} s)`)

  const typescriptVersion = JSON.parse(
    readFileSync(new URL('../node_modules/typescript/package.json', import.meta.url), 'utf8'),
  ).version
  writeFileSync(join(work, 'package.json'), JSON.stringify({ private: true, type: 'module' }, null, 2))
  run('npm', ['install', '--no-audit', '--no-fund', `typescript@${typescriptVersion}`, '@types/node@^20'], {
    cwd: work,
  })
  console.log(`installed typescript ${typescriptVersion} and @types/node (${seconds()} s)`)
  const tsc = join(work, 'node_modules', 'typescript', 'bin', 'tsc')

  for (const pkg of packages) {
    const project = join(work, pkg.directory)
    const result = { name: pkg.name, ok: false, detail: '' }
    results.push(result)
    try {
      const snippet = usageSnippet(readFileSync(join(pkg.path, 'README.md'), 'utf8'))
      if (snippet === undefined) throw new Error('README.md has no ```ts block under "## Usage"')
      mkdirSync(project)
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: `consumer-of-${pkg.directory}`, private: true, type: 'module' }, null, 2),
      )
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
      writeFileSync(join(project, 'usage.ts'), snippet)
      const installs = [
        ...closure(pkg.name).map((name) => tarballs.get(name)),
        ...directImports(snippet, pkg),
      ]
      run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', ...installs], { cwd: project })
      try {
        run('node', [tsc, '-p', 'tsconfig.json'], { cwd: project })
      } catch (error) {
        throw new Error(`type check failed:\n${error.message}`)
      }
      const output = run('node', ['out/usage.js'], { cwd: project })
      const printed = output.trim().split('\n')
      result.ok = true
      result.detail = `installed ${installs.length}, type-checked, ran: ${printed.length} lines, first: ${printed[0]}`
    } catch (error) {
      result.detail = error.message
    }
    console.log(`${result.ok ? 'ok  ' : 'FAIL'} ${pkg.name.padEnd(18)} ${result.detail}`)
  }
} catch (error) {
  results.push({ name: 'setup', ok: false, detail: error.message })
  console.log(`FAIL setup: ${error.message}`)
} finally {
  if (keep) console.log(`kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
}
const failed = results.filter((result) => !result.ok).length
console.log(
  `Consumer test: ${results.length - failed} passed, ${failed} failed (pnpm pack, npm install in a clean project, README usage type-checked and run) in ${seconds()} s`,
)
process.exitCode = failed === 0 ? 0 : 1
