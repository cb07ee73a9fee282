// The worker thread of `ntmm sweep`: plays the one configuration it is given and posts the figures
// (or the reason it could not, e.g. a malformed line of a memory trace).

import { parentPort, workerData } from 'node:worker_threads'
import { playSweepJob, type SweepJob, type SweepOutcome } from './sweepJob.js'

const outcome: SweepOutcome = await playSweepJob(workerData as SweepJob).then(
  (result) => ({ result }),
  (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
)
parentPort?.postMessage(outcome)
