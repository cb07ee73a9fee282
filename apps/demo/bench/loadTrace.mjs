// Loads a machine trace whole, as `loadKernel` does (every event read, checked and applied), and
// prints the log's own bytes per event: what `pnpm bench traces` reports as the memory a loaded
// trace costs (its peak RSS is read by the bench's preload). `-` loads nothing (the baseline).
import { loadKernel } from '@ntmm/nt-syscalls'

const path = process.argv[2]
const kernel = path === '-' ? undefined : await loadKernel(path)
const memory = kernel?.trace?.memory()
console.log(JSON.stringify({ events: kernel?.trace?.length ?? 0, log: memory ?? null }))
