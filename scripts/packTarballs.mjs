// Shared by checkPackages.mjs and consumerTest.mjs: the four published packages, building them
// (turbo) and packing each with `pnpm pack` into a directory, as `pnpm publish` would.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const root = fileURLToPath(new URL('..', import.meta.url))

/** The published packages, dependencies before dependents. */
export const packages = ['hw-mmu', 'trace', 'mm-core', 'nt-syscalls'].map((directory) => {
  const path = join(root, 'packages', directory)
  const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'))
  return { directory, path, name: manifest.name, version: manifest.version, manifest }
})

/** Runs a command, inheriting nothing but stderr on failure; returns its standard output. */
export function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options })
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim()
    throw new Error(`${command} ${args.join(' ')} failed (cwd ${options.cwd ?? process.cwd()}):\n${output}`)
  }
}

/** A tool installed in the root node_modules (turbo, publint, attw). */
export function bin(name) {
  return join(root, 'node_modules', '.bin', name)
}

let pnpmCommand
/** Runs pnpm: `pnpm` when on the PATH, else the pinned version through npx (as the README does). */
export function pnpm(args, options = {}) {
  if (pnpmCommand === undefined) {
    try {
      execFileSync('pnpm', ['--version'], { stdio: 'ignore' })
      pnpmCommand = ['pnpm']
    } catch {
      const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager
      pnpmCommand = ['npx', '-y', pinned]
    }
  }
  const [command, ...prefix] = pnpmCommand
  return run(command, [...prefix, ...args], options)
}

/** Builds the four packages (turbo, cached). */
export function buildPackages() {
  const filters = packages.map((pkg) => `--filter=${pkg.name}`)
  run(bin('turbo'), ['run', 'build', '--output-logs=errors-only', ...filters], { cwd: root })
}

/** Packs each package into `destination`; returns the tarball path by package name. */
export function packPackages(destination) {
  const tarballs = new Map()
  for (const pkg of packages) {
    const output = pnpm(['pack', '--json', '--pack-destination', destination], { cwd: pkg.path })
    const parsed = JSON.parse(output.slice(output.indexOf('{')))
    tarballs.set(pkg.name, parsed.filename)
  }
  return tarballs
}

/** The package's @ntmm dependencies, transitively, then itself (the tarballs a consumer installs). */
export function closure(name) {
  const result = []
  const visit = (current) => {
    const pkg = packages.find((entry) => entry.name === current)
    for (const dependency of Object.keys(pkg.manifest.dependencies ?? {}))
      if (dependency.startsWith('@ntmm/')) visit(dependency)
    if (!result.includes(current)) result.push(current)
  }
  visit(name)
  return result
}
