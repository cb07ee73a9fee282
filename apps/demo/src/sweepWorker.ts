// A worker thread of `ntmm sweep`: takes the next job from the counter every lane shares, plays
// it, posts its figures (or the reason it could not, e.g. a malformed line of a memory trace), and
// so on until none is left; then says so and ends.

import { parentPort, workerData } from 'node:worker_threads'
import { playSweepJob, type SweepOutcome, type SweepShare, type SweepWorkerMessage } from './sweepJob.js'

const { jobs, order, next } = workerData as SweepShare
for (let position = Atomics.add(next, 0, 1); position < order.length; position = Atomics.add(next, 0, 1)) {
  const index = order[position]!
  const outcome: SweepOutcome = await playSweepJob(jobs[index]!).then(
    (result) => ({ result }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  )
  parentPort?.postMessage({ index, outcome } satisfies SweepWorkerMessage)
}
parentPort?.postMessage({ done: true } satisfies SweepWorkerMessage)
