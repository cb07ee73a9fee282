// The worker thread of `ntmm sweep`: plays the one configuration it is given and posts the figures.

import { parentPort, workerData } from 'node:worker_threads'
import { playSweepJob, type SweepJob } from './sweepJob.js'

parentPort?.postMessage(playSweepJob(workerData as SweepJob))
