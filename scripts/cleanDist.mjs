// Removes the current package's dist/ before `tsc` emits into it, so a file whose source was
// deleted or renamed never lingers in a build (and so never in turbo's cache or a tarball).
import { rmSync } from 'node:fs'

rmSync('dist', { recursive: true, force: true })
