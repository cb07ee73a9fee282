// The replacement policies compared on the explorer's loaded trace, as `ntmm sweep --trace` compares
// them: the trace's memory accesses (its `nt.cpuAccess` inputs) are written out as a valgrind
// lackey trace and played by sweep.ts under every policy (working-set, FIFO, LRU, clock, OPT), each
// in its own worker thread, on a machine of the trace's paging mode and RAM. The page draws the
// figures as charts. Started on first request, once per loaded trace; the server keeps answering.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Kernel } from '@ntmm/nt-syscalls'
import { comparedPolicies } from '../machine.js'
import { runSweep, sweepJobs } from '../sweep.js'
import type { ExplorerSweep } from './explorerApi.js'

/** The sweep of one session: not started, running, or finished (figures or an error). */
export class PolicySweep {
  readonly #kernel: Kernel
  #answer: ExplorerSweep = { status: 'idle', accesses: 0, results: [] }

  constructor(kernel: Kernel) {
    this.#kernel = kernel
  }

  /** The sweep's state; the first call starts it. */
  status(): ExplorerSweep {
    if (this.#answer.status === 'idle') {
      this.#answer = { status: 'running', accesses: 0, results: [] }
      void this.#run().then(
        (answer) => {
          this.#answer = answer
        },
        (error: unknown) => {
          this.#answer = {
            status: 'error',
            accesses: 0,
            results: [],
            error: error instanceof Error ? error.message : String(error),
          }
        },
      )
    }
    return this.#answer
  }

  async #run(): Promise<ExplorerSweep> {
    const lines = lackeyLines(this.#kernel)
    if (lines.length === 0)
      return { status: 'done', accesses: 0, results: [], error: 'the trace has no memory access to compare' }
    const directory = await mkdtemp(join(tmpdir(), 'ntmm-explorer-sweep-'))
    try {
      const path = join(directory, 'accesses.lackey')
      await writeFile(path, `${lines.join('\n')}\n`)
      const config = this.#kernel.config
      const jobs = sweepJobs({
        workload: 'pressure',
        arch: config.arch,
        trace: { path, format: 'lackey' },
        memory: [config.physicalMemory],
        policies: comparedPolicies,
        pages: 0,
        rounds: 0,
      })
      const results = await runSweep(jobs, { jobs: 2 })
      return { status: 'done', accesses: lines.length, results }
    } finally {
      await rm(directory, { recursive: true, force: true })
    }
  }
}

/** The trace's memory accesses as lackey lines (` L addr,size`, ` S …`, `I  …`). */
function lackeyLines(kernel: Kernel): string[] {
  const log = kernel.trace!
  const lines: string[] = []
  const query = kernel.history.query
  for (
    let seq = query.next({ type: 'nt.cpuAccess' }, 0);
    seq !== undefined;
    seq = query.next({ type: 'nt.cpuAccess' }, seq + 1)
  ) {
    const access = log.at(seq) as { access: number | string; address: number; length: number }
    const code = access.access
    const letter = code === 1 || code === 'write' ? ' S' : code === 8 || code === 'execute' ? 'I ' : ' L'
    lines.push(`${letter} ${access.address.toString(16)},${Math.max(1, Math.min(64, access.length))}`)
  }
  return lines
}
