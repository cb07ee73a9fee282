#!/usr/bin/env node
// The reliability soaks, run from source (tsx, the @ntmm/source condition):
//   node scripts/soak.mjs [--cases N] [--seed S] [--case K]
//     the hostile soak of issue 18 (`pnpm soak`): machine-trace mutations, memory-trace importer
//     junk, hostile service arguments on a recording kernel and explorer uploads, in turn
//     (apps/demo/src/testing/hostileSoak.ts); counts crashes, unsound loads and lost bytes.
//   node scripts/soak.mjs property [--seed N] [--cases M] [--steps S] [--arch x86,x86-pae,x64]
//     the fuzz property of issue 9 (packages/nt-syscalls/src/testing/soak.ts).
// Each prints its seed and how to replay a failure, and exits 1 on one.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const property = process.argv[2] === 'property'
const entry = property
  ? join(root, 'packages/nt-syscalls/src/testing/soak.ts')
  : join(root, 'apps/demo/src/testing/soakMain.ts')
const result = spawnSync(
  process.execPath,
  ['--conditions=@ntmm/source', '--import', 'tsx', entry, ...process.argv.slice(property ? 3 : 2)],
  { cwd: root, stdio: 'inherit' },
)
process.exit(result.status ?? 1)
