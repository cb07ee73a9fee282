// `pnpm build` of apps/demo, after tsc has type-checked the sources: the command line and its two
// worker threads as one ES module file each (esbuild), with the simulator's packages and the
// demo's dependencies inside. Node 20 loads a module graph file by file (resolve, read, compile,
// link: ~0.7 ms a module) and has no compile cache; the unbundled CLI loaded ~276 modules for an
// unrecorded sweep, ~0.25 s of CPU before the first reference (docs/decisions/008-bundled-cli.md).
//
// Every file written sits in dist/, one directory below apps/demo (dist/cli.js, dist/sweepWorker.js,
// dist/traceLoadWorker.js), and paths next to the package are taken from src/packageFile.ts, which
// resolves against the package root from src/ and from a bundle alike.
// A command's code stays lazy: each `import()` of a command module becomes an init function the
// action calls, so `--version` evaluates commander and the command table only.
// Source maps are linked (dist/*.js.map, through the packages' own maps to their .ts sources):
// `node --enable-source-maps apps/demo/dist/cli.js …` prints stack traces at the sources' lines.
//
// `node scripts/bundle.mjs [--outdir <dir>] [--source]`: the default writes apps/demo/dist from the
// packages' built dist, as `pnpm build` does; bundle.test.ts writes a bundle elsewhere from the
// packages' sources (`--source`: the @ntmm/source condition, no package build needed) and runs it.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'

const { values: options } = parseArgs({
  options: { outdir: { type: 'string', default: 'dist' }, source: { type: 'boolean', default: false } },
})
const outdir = options.outdir

// A file whose source was deleted or renamed never lingers in dist (nor in turbo's cache). The
// web page (dist/web) is vite's, built after this step by `pnpm build`: kept for `pnpm bench`.
const previous = existsSync(outdir) ? readdirSync(outdir) : []
for (const name of previous.filter((name) => name !== 'web'))
  rmSync(`${outdir}/${name}`, { recursive: true, force: true })

await build({
  entryPoints: {
    cli: 'src/cli.ts',
    sweepWorker: 'src/sweepWorker.ts',
    traceLoadWorker: 'src/serve/traceLoadWorker.ts',
  },
  outdir,
  bundle: true,
  // No splitting into shared chunks: a sweep would read 23 files, 0.01-0.02 s more than one
  // (`--version` and `--help` 0.03 s less: they pre-parse the whole file), measured side by side.
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The packages' dist, as a user of them gets it (not their sources: no @ntmm/source condition).
  conditions: options.source ? ['@ntmm/source'] : [],
  sourcemap: 'linked',
  // commander and cli-progress are CommonJS: inside an ES module bundle their require() of node's
  // modules needs a require function (cli-progress itself stays outside, loaded on first draw).
  banner: {
    js: "import { createRequire as ntmmCreateRequire } from 'node:module'; const require = ntmmCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
})
