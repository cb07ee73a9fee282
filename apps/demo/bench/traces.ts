// Benchmarks of real and big traces as a user runs them (the built dist/cli.js, one process per
// command; wall time, CPU time and peak RSS read by a preload at exit), in one run with the load
// average beside them (issue 22's figures):
//  1. real traces: `ntmm import lackey <file>.gz` on a generated lackey trace (5M lines, mixed
//     I/L/S/M over 256 data pages and 16 code pages, seeded): accesses per second (target ≥ 5M/s);
//  2. big traces: `import -o` of a generated lackey trace that records ≥ 20M machine events
//     (target ≤ 10 s, ≤ 1 GB), then `inspect … stats`, `why`, `events --type`, `replay --at` (each
//     ≤ 3 s, ≤ 1 GB; inspect and replay --at answer from the trace's state blocks) and `export
//     perfetto` (bounded memory) on the trace it wrote, and the bytes per event a trace loaded whole
//     costs (bench/loadTrace.mjs: loadKernel's peak RSS less that of a process loading none).
// Sizes: NTMM_BENCH_LACKEY_LINES (default 5,000,000), NTMM_BENCH_BIG_LINES (default 7,800,000).
import { spawnSync } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { createGzip } from 'node:zlib'

const cli = process.env.NTMM_BENCH_CLI ?? new URL('../dist/cli.js', import.meta.url).pathname
const directory = join(tmpdir(), 'ntmm-trace-bench')
mkdirSync(directory, { recursive: true })
const lackeyLines = Number(process.env.NTMM_BENCH_LACKEY_LINES ?? 5_000_000)
const bigLines = Number(process.env.NTMM_BENCH_BIG_LINES ?? 7_800_000)

/** A seeded generator (mulberry32): the same traces on every machine. */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), state | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 0x1_0000_0000
  }
}

/**
 * Writes a gzip'd lackey trace of `lines` lines: half instruction fetches (sequential, now and then
 * a jump within 16 code pages), the rest loads (60%), stores (24%) and modifies (16%), sequential
 * 8-byte steps through `pages` data pages with a `jumps` share of uniform jumps among them.
 */
async function lackeyTrace(name: string, lines: number, pages: number, jumps: number): Promise<string> {
  const path = join(directory, `${name}-${lines}-${pages}-${jumps}.lackey.gz`)
  if (existsSync(path)) return path
  const next = generator(lines + pages)
  const gzip = createGzip()
  const done = once(gzip.pipe(createWriteStream(path)), 'close')
  const codeBase = 0x04010000
  const dataBase = 0x05000000
  let pc = codeBase
  let data = dataBase
  let batch: string[] = []
  for (let line = 0; line < lines; line++) {
    const draw = next()
    if (draw < 0.5) {
      pc = next() < 0.05 ? codeBase + Math.floor(next() * 16 * 4096) : pc + 3
      batch.push(`I  ${pc.toString(16).padStart(8, '0')},3`)
    } else {
      data += 8
      if (data > dataBase + pages * 4096 - 8) data = dataBase
      const address = next() < jumps ? (dataBase + Math.floor(next() * pages * 4096)) & ~7 : data
      const kind = draw < 0.8 ? ' L' : draw < 0.92 ? ' S' : ' M'
      batch.push(`${kind} ${address.toString(16).padStart(8, '0')},8`)
    }
    if (batch.length === 8192) {
      if (!gzip.write(`${batch.join('\n')}\n`)) await once(gzip, 'drain')
      batch = []
    }
  }
  gzip.end(batch.length > 0 ? `${batch.join('\n')}\n` : '')
  await done
  return path
}

const preload = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nusage '+JSON.stringify({cpu:process.cpuUsage(),rss:process.resourceUsage().maxRSS})+'\\n'))`

interface Run {
  readonly wall: number
  readonly cpu: number
  /** Peak resident set, MB. */
  readonly rss: number
  readonly out: string
}

/** Runs `ntmm …` once. */
function ntmm(args: readonly string[], script = cli): Run {
  const started = performance.now()
  const run = spawnSync(process.execPath, ['--import', preload, script, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  })
  const wall = (performance.now() - started) / 1000
  const line = /\nusage (\{.*\})\n$/.exec(run.stderr)
  if (run.status !== 0 || line === null)
    throw new Error(`ntmm ${args.join(' ')} failed (${run.status}): ${run.stderr}`)
  const usage = JSON.parse(line[1]!) as { cpu: { user: number; system: number }; rss: number }
  return { wall, cpu: (usage.cpu.user + usage.cpu.system) / 1e6, rss: usage.rss / 1024, out: run.stdout }
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')
const s = (value: number) => `${value.toFixed(2)} s`
const mb = (value: number) => `${Math.round(value)} MB`

console.log(`\nReal and big traces (load average ${load()})`)
const real = await lackeyTrace('real', lackeyLines, 256, 0.1)
const replayed = ntmm(['import', 'lackey', real, '--json'])
const report = (JSON.parse(replayed.out) as { report: { lines: number; accesses: number } }).report
console.log(
  `lackey import + replay, ${report.lines} lines, ${report.accesses} accesses (gzip'd): ${s(replayed.wall)} wall, ${s(replayed.cpu)} CPU, ${mb(replayed.rss)}: ` +
    `${(report.accesses / replayed.wall / 1e6).toFixed(2)} M accesses/s of wall time, ${(report.accesses / replayed.cpu / 1e6).toFixed(2)} M/s of CPU (target ≥ 5 M/s)`,
)

const big = await lackeyTrace('big', bigLines, 8192, 0.5)
const traceFile = join(directory, 'big.ntt')
const imported = ntmm(['import', 'lackey', big, '-o', traceFile, '--json'])
const events = (JSON.parse(imported.out) as { trace: { events: number; bytes: number } }).trace
const middle = Math.floor(events.events / 2)
const rows: [string, Run, string][] = [
  [`import lackey -o (${events.events} events, ${events.bytes} bytes)`, imported, '≤ 10 s, ≤ 1 GB'],
  ['inspect stats', ntmm(['inspect', traceFile, 'stats']), '≤ 3 s, ≤ 1 GB'],
  [`why ${middle}`, ntmm(['why', traceFile, String(middle)]), '≤ 3 s, ≤ 1 GB'],
  [
    'events --type mm.pageFault',
    ntmm(['events', traceFile, '--type', 'mm.pageFault', '--limit', '5']),
    '≤ 3 s, ≤ 1 GB',
  ],
  [`replay --at ${middle}`, ntmm(['replay', traceFile, '--at', String(middle)]), '≤ 3 s, ≤ 1 GB'],
  [
    'export perfetto',
    ntmm(['export', 'perfetto', traceFile, '-o', join(directory, 'big.perfetto-trace')]),
    'bounded memory',
  ],
]
console.table(
  Object.fromEntries(
    rows.map(([label, run, target]) => [
      label,
      { wall: s(run.wall), CPU: s(run.cpu), 'peak RSS': mb(run.rss), target },
    ]),
  ),
)
const loader = new URL('./loadTrace.mjs', import.meta.url).pathname
const empty = ntmm(['-'], loader)
const loaded = ntmm([traceFile], loader)
const log = (JSON.parse(loaded.out) as { log: { bytesPerEvent: number } }).log
console.log(
  `a trace loaded whole (loadKernel): ${s(loaded.wall)} wall, ${s(loaded.cpu)} CPU, ` +
    `${(((loaded.rss - empty.rss) * 1024 * 1024) / events.events).toFixed(1)} bytes per event ` +
    `(peak RSS ${mb(loaded.rss)} less ${mb(empty.rss)} of a process loading none, over ${events.events} events; target ≤ 40), ` +
    `of which the log's columns and index ${log.bytesPerEvent.toFixed(1)}`,
)
console.log(`load average after: ${load()}`)
