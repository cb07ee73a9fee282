// Benchmarks of `ntmm sweep` as a user runs it (the built dist/cli.js, one process per run; wall
// time, and CPU time read by a preload at exit: every thread's, workers included), in one run:
//  1. references per second of one configuration on two generated 1M-reference page lists — one
//     that faults ~87% of the time (uniform over 480 pages, 60 frames), one ~12% (88% of the
//     references on 12 hot pages) — under FIFO and LRU, side by side with a textbook simulator in
//     pure Python (bench/textbook.py, OSTEP's paging-policy.py style) on the same file and frames
//     when python3 is there: the fault counts must agree;
//  2. --jobs 2 against --jobs 1 on a grid of 8 configurations (medians of interleaved runs), the
//     load average beside it (the machine may be shared), two processes playing half the grid each
//     at once (--shard: what the machine gives two busy cores, the ceiling of --jobs 2), and what
//     two idle cores would give:
//     the serial part (an empty shard's run: process start-up), the worker's module loading and
//     warm-up, and the longest-first schedule of each configuration's own CPU time (each played
//     alone as a shard, start-up and warm-up subtracted) on the two lanes (this thread, a worker).
// `pnpm bench refs`, `pnpm bench jobs` or `pnpm bench traces` runs one part; `--cli <path>` measures
// another build (a before/after comparison); `--baseline <path>` (or NTMM_BASELINE_CLI) runs an older
// build's dist/cli.js beside this one in part 1, each configuration alternately, and prints old / new
// (CPU time): keep the build of the commit you compare with, e.g. `git worktree add /tmp/ntmm-main
// main` and `pnpm -C /tmp/ntmm-main build`, then `pnpm bench refs --baseline /tmp/ntmm-main/apps/demo/dist/cli.js`.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { longestFirst, sweepJobs } from '../src/sweep.ts'

const args = process.argv.slice(2)
const cliAt = args.indexOf('--cli')
const cli = cliAt >= 0 ? args[cliAt + 1]! : new URL('../dist/cli.js', import.meta.url).pathname
const baselineAt = args.indexOf('--baseline')
const baseline = baselineAt >= 0 ? args[baselineAt + 1] : process.env.NTMM_BASELINE_CLI || undefined
const part = args.find(
  (arg, index) =>
    !arg.startsWith('--') &&
    (cliAt < 0 || index !== cliAt + 1) &&
    (baselineAt < 0 || index !== baselineAt + 1),
)
if (part !== undefined && part !== 'refs' && part !== 'jobs' && part !== 'traces')
  throw new RangeError(`unknown bench part '${part}': use 'refs', 'jobs' or 'traces'`)
// 3. real and big traces (bench/traces.ts): lackey replay speed, import -o, inspect, why, events,
// replay --at and export on a 20M-event trace.
if (part === 'traces') {
  await import('./traces.ts')
  process.exit(0)
}

const directory = join(tmpdir(), 'ntmm-sweep-bench')
mkdirSync(directory, { recursive: true })

/** A seeded generator (mulberry32, as `sweep --random`): the same streams on every machine. */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), state | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 0x1_0000_0000
  }
}

/** Writes a page list of `count` references and returns its path. */
function stream(name: string, count: number, page: (next: () => number) => number): string {
  const next = generator(name.length * 7919 + count)
  const pages = new Array<number>(count)
  for (let index = 0; index < count; index++) pages[index] = page(next)
  const path = join(directory, `${name}.txt`)
  writeFileSync(path, `${pages.join('\n')}\n`)
  return path
}

// 480 pages (0..479: one page table on x86) against 256 KiB of RAM, 60 frames of it the program's.
const PAGES = 480
const MEMORY = '256K'
const FRAMES = 60
const wide = stream('wide', 1_000_000, (next) => Math.floor(next() * PAGES))
const hot = 12
const localPage = (next: () => number) =>
  next() < 0.88 ? Math.floor(next() * hot) : hot + Math.floor(next() * (PAGES - hot))
const local = stream('local', 1_000_000, localPage)

const preload = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\ncpu '+JSON.stringify(process.cpuUsage())+'\\n'))`

interface Timed {
  readonly wall: number
  readonly cpu: number
  readonly out: string
}

/** Runs `ntmm sweep …` once (of the build `at`, by default the one measured): wall and CPU seconds, and its standard output. */
function sweep(options: readonly string[], at = cli): Timed {
  const started = performance.now()
  const run = spawnSync(process.execPath, ['--import', preload, at, 'sweep', ...options], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  })
  return timed(options, started, run.status, run.stdout, run.stderr)
}

/** Runs `ntmm sweep …` in the background (two at once: the ceiling of --jobs 2 on this machine). */
function sweepAsync(options: readonly string[]): Promise<Timed> {
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', preload, cli, 'sweep', ...options])
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  return new Promise((resolve, reject) =>
    child.once('close', (status) => {
      try {
        resolve(timed(options, started, status, out, err))
      } catch (error) {
        reject(error)
      }
    }),
  )
}

function timed(
  options: readonly string[],
  started: number,
  status: number | null,
  out: string,
  err: string,
): Timed {
  const wall = (performance.now() - started) / 1000
  const cpuLine = /\ncpu (\{.*\})\n$/.exec(err)
  if (status !== 0 || cpuLine === null)
    throw new Error(`ntmm sweep ${options.join(' ')} failed (${status}): ${err}`)
  const usage = JSON.parse(cpuLine[1]!) as { user: number; system: number }
  return { wall, cpu: (usage.user + usage.system) / 1e6, out }
}

/** The rows of a sweep's --json (a bare list before the grid was added). */
function rows(out: string): { label: string; references: number; pageFaults: number }[] {
  const json = JSON.parse(out)
  return Array.isArray(json) ? json : json.results
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
const seconds = (value: number) => `${value.toFixed(2)} s`
const rate = (references: number, time: number) => `${Math.round(references / time / 1000)}k/s`

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function table(rowsToPrint: readonly (readonly string[])[]): void {
  const widths = rowsToPrint[0]!.map((_, column) =>
    Math.max(...rowsToPrint.map((row) => row[column]!.length)),
  )
  for (const row of rowsToPrint)
    console.log(
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  '),
    )
}

console.log(`ntmm sweep bench: ${cli}`)
console.log(
  `node ${process.version}, ${availableParallelism()} CPUs; load average ${load()} (1, 5, 15 min) at the start`,
)

if (part === undefined || part === 'refs') {
  const python = hasPython()
  console.log(
    `\n1. One configuration: ntmm sweep --trace <stream> --memory ${MEMORY} --policy <p> --jobs 1 (${FRAMES} frames for the program)${python ? `, and python3 bench/textbook.py <stream> --frames ${FRAMES}` : ' (python3 absent: no textbook figure)'}`,
  )
  const printed = [
    [
      'stream',
      'policy',
      'faults',
      'ntmm wall',
      'refs/s',
      'ntmm cpu',
      'refs/s',
      'python',
      'refs/s',
      // ntmm's CPU time over Python's time: how many times slower ntmm is (it read python/ntmm).
      'ntmm (cpu) / python',
      ...(baseline === undefined ? [] : ['old cpu', 'old/new (cpu)']),
    ],
  ]
  if (baseline !== undefined) console.log(`   old build beside it: ${baseline}`)
  for (const [name, path] of [
    ['wide', wide],
    ['local', local],
  ] as const)
    for (const policy of ['fifo', 'lru'] as const) {
      const options = ['--trace', path, '--memory', MEMORY, '--policy', policy, '--jobs', '1', '--json']
      // Old and new alternately, three runs each (medians of CPU time): the machine may be shared.
      const runs: Timed[] = []
      const oldRuns: Timed[] = []
      for (let round = 0; round < (baseline === undefined ? 1 : 3); round++) {
        runs.push(sweep(options))
        if (baseline !== undefined) oldRuns.push(sweep(options, baseline))
      }
      const run = [...runs].sort((a, b) => a.cpu - b.cpu)[Math.floor(runs.length / 2)]!
      const row = rows(run.out)[0]!
      for (const other of oldRuns) {
        const oldRow = rows(other.out)[0]!
        if (oldRow.pageFaults !== row.pageFaults || oldRow.references !== row.references)
          console.log(
            `   ! ${name} ${policy}: the old build counts ${oldRow.pageFaults} faults, this one ${row.pageFaults}`,
          )
      }
      const cells = [
        name,
        policy,
        `${row.pageFaults} (${((100 * row.pageFaults) / row.references).toFixed(1)}%)`,
        seconds(run.wall),
        rate(row.references, run.wall),
        seconds(run.cpu),
        rate(row.references, run.cpu),
      ]
      if (python) {
        const textbook = JSON.parse(
          execFileSync(
            'python3',
            [
              new URL('textbook.py', import.meta.url).pathname,
              path,
              '--frames',
              String(FRAMES),
              '--policy',
              policy.toUpperCase(),
            ],
            { encoding: 'utf8' },
          ),
        ) as { faults: number; seconds: number }
        if (textbook.faults !== row.pageFaults)
          console.log(
            `   ! ${name} ${policy}: the textbook counts ${textbook.faults} faults, ntmm ${row.pageFaults}`,
          )
        cells.push(
          seconds(textbook.seconds),
          rate(row.references, textbook.seconds),
          `${(run.cpu / textbook.seconds).toFixed(1)}x`,
        )
      } else cells.push('-', '-', '-')
      if (baseline !== undefined) {
        const oldCpu = median(oldRuns.map((other) => other.cpu))
        cells.push(seconds(oldCpu), `${(oldCpu / median(runs.map((each) => each.cpu))).toFixed(2)}x`)
      }
      printed.push(cells)
    }
  table(printed)
}

if (part === undefined || part === 'jobs') {
  // A big sweep, the kind spread over lanes: each configuration a few seconds, so that the fixed
  // costs (start-up, a worker's modules, a lane's warm-up) are what they are in real use.
  const jobsStream = local
  const grid = ['--trace', jobsStream, '--policy', 'fifo,lru,clock,opt', '--memory', '128K,256K']
  const configurations = 8
  const repetitions = 3
  console.log(
    `\n2. --jobs 2 against --jobs 1: ntmm sweep --trace <the local stream> --policy fifo,lru,clock,opt --memory 128K,256K (${configurations} configurations), medians of ${repetitions} interleaved runs`,
  )
  const one: Timed[] = []
  const two: Timed[] = []
  const pair: number[] = []
  const loads: string[] = [load()]
  const hasShards = sweep(['--help']).out.includes('--shard')
  for (let round = 0; round < repetitions; round++) {
    one.push(sweep([...grid, '--jobs', '1', '--csv']))
    two.push(sweep([...grid, '--jobs', '2', '--csv']))
    // Two processes, half the grid each (--shard), at once: no thread, lane or worker of the sweep
    // shared, so what they gain is what this machine gives two busy cores.
    if (hasShards) {
      const started = performance.now()
      await Promise.all(
        [0, 1].map((index) => sweepAsync([...grid, '--jobs', '1', '--shard', `${index}/2`, '--csv'])),
      )
      pair.push((performance.now() - started) / 1000)
    }
    loads.push(load())
  }
  if (one[0]!.out !== two[0]!.out) throw new Error('--jobs 1 and --jobs 2 print different figures')
  const wall1 = median(one.map((run) => run.wall))
  const wall2 = median(two.map((run) => run.wall))
  const cpu1 = median(one.map((run) => run.cpu))
  const cpu2 = median(two.map((run) => run.cpu))
  console.log(`   --jobs 1: ${seconds(wall1)} wall, ${seconds(cpu1)} CPU`)
  console.log(`   --jobs 2: ${seconds(wall2)} wall, ${seconds(cpu2)} CPU`)
  console.log(
    `   ratio (wall, --jobs 1 / --jobs 2): ${(wall1 / wall2).toFixed(2)}x; load average during: ${loads.join(' → ')}`,
  )
  if (hasShards) {
    const ceiling = median(pair)
    console.log(
      `   two processes at once, a --shard of 4 configurations each: ${seconds(ceiling)} wall, ratio ${(wall1 / ceiling).toFixed(2)}x: --jobs 2 reaches ${((100 * ceiling) / wall2).toFixed(0)}% of what two separate processes get from this machine now`,
    )
  }
  // What two idle cores would give: the serial part, and each configuration's own CPU time (a
  // build without --shard cannot tell).
  if (!hasShards) process.exit(0)
  const startup = median(
    [0, 1, 2].map(() => sweep([...grid, '--shard', `${configurations}/${configurations + 1}`, '--csv']).cpu),
  )
  const alone = Array.from(
    { length: configurations },
    (_, index) =>
      sweep([...grid, '--shard', `${index}/${configurations}`, '--jobs', '1', '--csv']).cpu - startup,
  )
  const jobs = sweepJobs({
    workload: 'pressure',
    arch: 'x86',
    pages: 9,
    rounds: 20,
    policies: ['fifo', 'lru', 'clock', 'opt'],
    memory: [128 * 1024, 256 * 1024],
    trace: { path: jobsStream, format: 'page-list' },
  })
  // Played alone, each configuration paid a fresh process's warm-up (V8 compiling and tuning the
  // simulator's code), which the one-lane run pays once: the difference, shared out.
  const oneLane = cpu1 - startup
  const total = alone.reduce((sum, value) => sum + value, 0)
  const warmUp = Math.max(0, (total - oneLane) / (configurations - 1))
  const workerLoad = await workerLoadTime()
  // Two lanes: this thread (warm once, as the one-lane run) and a worker (its modules loaded and
  // its warm-up first), each taking the next job, longest first, as soon as it is free.
  const lanes = [warmUp, workerLoad + warmUp]
  for (const index of longestFirst(jobs)) {
    const lane = lanes[0]! <= lanes[1]! ? 0 : 1
    lanes[lane] = lanes[lane]! + alone[index]! - warmUp
  }
  const predicted2 = startup + Math.max(...lanes)
  console.log(
    `   per configuration, alone (CPU, start-up subtracted): ${jobs.map((job, index) => `${job.label} ${alone[index]!.toFixed(2)}`).join(', ')}`,
  )
  console.log(
    `   serial part: start-up ${seconds(startup)} CPU (${((100 * startup) / cpu1).toFixed(1)}% of the one-lane run); the worker's modules ${seconds(workerLoad)}, a lane's warm-up ~${seconds(warmUp)}; longest-first lanes ${lanes.map((lane) => lane.toFixed(2)).join(' / ')} s`,
  )
  console.log(
    `   on two idle cores: --jobs 1 ≈ ${seconds(cpu1)}, --jobs 2 ≈ ${seconds(predicted2)}: ratio ≈ ${(cpu1 / predicted2).toFixed(2)}x`,
  )
}

/**
 * CPU time a worker thread spends loading the sweep's modules (median of three), this process
 * otherwise idle: the build's own worker entry (dist/sweepWorker.js, bundled or not) given a share
 * with no job, so it loads, finds nothing to take and says it is done.
 */
async function workerLoadTime(): Promise<number> {
  const entry = new URL('sweepWorker.js', `file://${cli}`)
  const times: number[] = []
  for (let round = 0; round < 3; round++) {
    const before = process.cpuUsage()
    const worker = new Worker(entry, {
      workerData: { jobs: [], order: [], next: new Int32Array(new SharedArrayBuffer(4)) },
      // Not this process's --conditions=@ntmm/source: the built modules, as the sweep's workers load them.
      execArgv: [],
    })
    await new Promise((resolve) => worker.once('message', resolve))
    const used = process.cpuUsage(before)
    times.push((used.user + used.system) / 1e6)
    await worker.terminate()
  }
  return median(times)
}

if (part === undefined) await import('./traces.ts')
