// `pnpm check:cycles`: no import cycle between the source files of a package (DESIGN.md: one
// direction of dependency, inside a package as between packages). Reads every non-test
// `src/**/*.ts` of each package and app, follows relative imports and re-exports, and reports
// every strongly connected component of more than one file (or a file importing itself). Runtime
// imports (`import { a }`, `export * from`) form the graph that must be acyclic; `import type`
// edges are checked too, as their own graph, because a type-only cycle still ties the files'
// concepts together (issue #17). `import()` of a sibling is a runtime edge like any other: the CLI
// loads a command's code only when that command runs (its start-up, issue 22), and a cycle that an
// `import()` would only hide is still found and refused. Exit code 1 with one line per cycle.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const projects = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(root, group)).map((name) => join(root, group, name)),
)

function sourceFiles(directory) {
  const files = []
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry)
    if (statSync(path).isDirectory()) {
      if (entry !== 'node_modules' && entry !== 'dist') files.push(...sourceFiles(path))
    } else if (
      /\.tsx?$/.test(entry) &&
      !/\.(test|browser\.test)\.tsx?$/.test(entry) &&
      !entry.endsWith('.d.ts')
    ) {
      files.push(path)
    }
  }
  return files
}

/** Strip comments and string contents that are not module specifiers (good enough for imports). */
function withoutComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
}

/** The relative imports of a file: [{ specifier, typeOnly, dynamic }]. */
function importsOf(text) {
  const found = []
  const code = withoutComments(text)
  const statement = /(?:^|\n)\s*(import|export)\s+(type\s+)?([\s\S]*?)\s+from\s+['"](\.[^'"]+)['"]/g
  for (const match of code.matchAll(statement)) {
    const [, , typeKeyword, clause, specifier] = match
    let typeOnly = typeKeyword !== undefined
    if (!typeOnly) {
      const braces = /\{([\s\S]*)\}/.exec(clause)
      const outside = clause
        .replace(/\{[\s\S]*\}/, '')
        .replace(/,/g, '')
        .trim()
      if (braces !== null && outside === '') {
        const names = braces[1]
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean)
        typeOnly = names.length > 0 && names.every((name) => name.startsWith('type '))
      }
    }
    found.push({ specifier, typeOnly, dynamic: false })
  }
  for (const match of code.matchAll(/(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]/g))
    found.push({ specifier: match[1], typeOnly: false, dynamic: false })
  for (const match of code.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g))
    found.push({ specifier: match[1], typeOnly: false, dynamic: true })
  return found
}

function resolveSpecifier(from, specifier) {
  const base = resolve(dirname(from), specifier)
  for (const candidate of [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    `${base}.ts`,
    join(base, 'index.ts'),
  ]) {
    try {
      if (statSync(candidate).isFile()) return candidate
    } catch {}
  }
  return undefined
}

/** Tarjan's strongly connected components. */
function cycles(graph) {
  let index = 0
  const stack = []
  const onStack = new Set()
  const indices = new Map()
  const low = new Map()
  const components = []
  const visit = (node) => {
    indices.set(node, index)
    low.set(node, index)
    index++
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node), low.get(next)))
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), indices.get(next)))
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component = []
      let member
      do {
        member = stack.pop()
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      if (component.length > 1 || (graph.get(node) ?? new Set()).has(node)) components.push(component.sort())
    }
  }
  for (const node of graph.keys()) if (!indices.has(node)) visit(node)
  return components
}

const problems = []
let fileCount = 0
for (const project of projects) {
  const src = join(project, 'src')
  let files
  try {
    files = sourceFiles(src)
  } catch {
    continue
  }
  const runtime = new Map()
  const all = new Map()
  for (const file of files) {
    fileCount++
    runtime.set(file, new Set())
    all.set(file, new Set())
    for (const { specifier, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolveSpecifier(file, specifier)
      if (target === undefined) continue
      all.get(file).add(target)
      if (!typeOnly) runtime.get(file).add(target)
    }
  }
  const name = relative(root, project)
  const runtimeCycles = cycles(runtime)
  for (const component of runtimeCycles)
    problems.push(
      `${name}: runtime import cycle: ${component.map((file) => relative(src, file)).join(' → ')}`,
    )
  const runtimeKeys = new Set(runtimeCycles.map((component) => component.join('\n')))
  for (const component of cycles(all)) {
    if (runtimeKeys.has(component.join('\n'))) continue
    problems.push(
      `${name}: type-only import cycle: ${component.map((file) => relative(src, file)).join(' → ')}`,
    )
  }
}
if (problems.length > 0) {
  for (const problem of problems) console.log(problem)
  console.log(`Import cycles: ${problems.length} found in ${fileCount} files`)
  process.exit(1)
}
console.log(`Import cycles: none in ${fileCount} files`)
