// The load worker of the explorer's server: checks the one trace it is given (traceLoad.ts) and
// posts the outcome, so a hostile or huge upload costs this thread, never the server's.

import { parentPort, workerData } from 'node:worker_threads'
import { checkTrace, type TraceLoadRequest } from './traceLoad.js'

parentPort?.postMessage(await checkTrace(workerData as TraceLoadRequest))
