#!/usr/bin/env node
// The reliability soak (issue 9): runs the nt-syscalls fuzz property (random multi-process programs
// with hostile arguments, invariants after every operation, a differential page model) from
// source, many more times than CI does. Usage:
//   node scripts/soak.mjs [--seed N] [--cases M] [--steps S] [--arch x86,x86-pae,x64]
// Prints the seed and fast-check path of any failure (exit code 1) so it can be replayed.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const entry = join(root, 'packages/nt-syscalls/src/testing/soak.ts')
const result = spawnSync(
  process.execPath,
  ['--conditions=@ntmm/source', '--import', 'tsx', entry, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
)
process.exit(result.status ?? 1)
