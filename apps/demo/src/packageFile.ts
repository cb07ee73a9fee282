// Files that sit next to the command line's code in apps/demo: its package.json, the explorer's
// built page (dist/web) and the worker threads' entry files. Resolved from the package root, one
// directory above this module: that holds for the sources (src/packageFile.ts, tests and tsx) and
// for the build, where this module is inside a bundle one directory below the root (dist/cli.js,
// dist/sweepWorker.js: scripts/bundle.mjs) — a path relative to the calling module's own place
// would be wrong once the module is bundled.

/** `relative` (e.g. `dist/web/`, `package.json`) resolved against apps/demo's directory. */
export function packageFile(relative: string): URL {
  return new URL(`../${relative}`, import.meta.url)
}
