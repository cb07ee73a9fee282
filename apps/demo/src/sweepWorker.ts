// The worker thread of `ntmm sweep`: plays each configuration it is sent, one after another, and
// posts back the figures (or the reason it could not, e.g. a malformed line of a memory trace).
// It lives as long as its lane: the main thread terminates it when the sweep is done.

import { parentPort } from 'node:worker_threads'
import { playSweepJob, type SweepJob, type SweepOutcome } from './sweepJob.js'

parentPort?.on('message', async (job: SweepJob) => {
  const outcome: SweepOutcome = await playSweepJob(job).then(
    (result) => ({ result }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  )
  parentPort?.postMessage(outcome)
})
