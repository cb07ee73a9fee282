// Time-travel benchmarks (issue 6), ratios in one run, medians of interleaved repetitions (run
// in the order 1, 3, 4, 2, so that the 10M-event trace of part 2 does not weigh on the others):
//  1. recording on / off for an access-heavy workload (1M accesses over 2 MiB, more than the TLB);
//  2. kernel.at(random seq) on a 10M-event machine trace vs a 100k-event one;
//  3. importing + replaying the shipped lackey trace vs the same accesses through cpu.* directly;
//  4. bytes per event of the binary machine trace (and JSON Lines).
// Run: pnpm bench (all), pnpm bench time-travel (this part), or tsx --conditions=@ntmm/source bench/timeTravel.ts
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createKernel,
  detectMemoryTraceFormat,
  type Kernel,
  type KernelOptions,
  lineBatches,
  lineParser,
  loadKernel,
  MEM_COMMIT,
  MEM_RESERVE,
  PAGE_EXECUTE_READWRITE,
  PAGE_READWRITE,
  ParsedAccess,
  replayMemoryTrace,
} from '../src/index.js'

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
const rows: [string, string, string][] = []
const row = (name: string, value: number | string, goal = '') =>
  rows.push([name, typeof value === 'number' ? value.toPrecision(4) : value, goal])

const WORKING_SET = 2 * 1024 * 1024
const MEMORY = 16 * 1024 * 1024

/** A machine with one process and WORKING_SET committed and touched. */
function machine(record: NonNullable<KernelOptions['record']>): {
  kernel: Kernel
  pid: number
  base: number
} {
  const kernel = createKernel({ record, physicalMemory: MEMORY, pageFile: 2 * MEMORY })
  const { pid } = kernel.createProcess({ name: 'bench.exe' })
  const base = kernel
    .syscalls(pid)
    .NtAllocateVirtualMemory(-1, 0, 0, WORKING_SET, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
  const cpu = kernel.cpu(pid)
  for (let offset = 0; offset < WORKING_SET; offset += 4096) cpu.write(base + offset, [1])
  return { kernel, pid, base }
}

const VALUE = new Uint8Array([1, 2, 3, 4])
/**
 * `count` 4-byte accesses, runs of 16 in a page then a jump to another of `pages` pages (1 in 4
 * a write, unless `reads` only).
 */
function workload(
  m: { kernel: Kernel; pid: number; base: number },
  count: number,
  salt = 0,
  shape: { readonly pages?: number; readonly reads?: boolean } = {},
): void {
  const cpu = m.kernel.cpu(m.pid)
  const pages = shape.pages ?? WORKING_SET / 4096
  const writes = shape.reads === true ? 4 : 3
  for (let i = 0; i < count; i++) {
    const page = (((i >>> 4) + salt) * 7919) % pages
    const address = m.base + page * 4096 + ((i & 15) << 4)
    if ((i & 3) === writes) cpu.write(address, VALUE)
    else cpu.read(address, 4)
  }
}

/**
 * Recording on and off for `workload(shape)`, `rounds` paired rounds of `accesses` (order
 * alternating): the medians of each side, of the per-round difference and of the per-round ratio.
 */
function recordingCost(
  accesses: number,
  rounds: number,
  shape: { readonly pages?: number; readonly reads?: boolean } = {},
  record: true | 'eager' = true,
): { on: number; off: number; cost: number; ratio: number; eventsPerAccess: number; read: number } {
  const on: number[] = []
  const off: number[] = []
  const read: number[] = []
  let events = 0
  for (let round = 0; round < rounds; round++) {
    for (const recording of round % 2 === 0 ? [false, true] : [true, false]) {
      const m = machine(recording && record)
      const started = performance.now()
      workload(m, accesses, 0, shape)
      const elapsed = performance.now() - started
      if (recording) {
        on.push(elapsed)
        // The first read of the trace (under deferred recording, the inputs re-executed).
        const reading = performance.now()
        events = m.kernel.trace!.length
        read.push(performance.now() - reading)
      } else off.push(elapsed)
    }
  }
  const perAccess = (ms: number) => (ms * 1e6) / accesses
  return {
    on: perAccess(median(on)),
    off: perAccess(median(off)),
    cost: perAccess(median(on.map((t, i) => t - off[i]!))),
    ratio: median(on.map((t, i) => t / off[i]!)),
    eventsPerAccess: events / accesses,
    read: perAccess(median(read)),
  }
}

// ---- 1. recording cost ----
// Each round times the same workload on two fresh machines, one recording and one not, back to
// back (order alternating); the figure is the median of the per-round ratios, so the drift of
// this shared machine between rounds cancels out.
{
  // `record: true` records deferred: the inputs while running, every event at the first read
  // (re-executed on a companion machine); 'eager' records every event as it happens.
  const main = recordingCost(1_000_000, 9)
  row('recording off: ns/access', main.off)
  row('recording on: ns/access', main.on)
  row('recording cost: ns/access (on − off, per round)', main.cost)
  row('recording on / off', main.ratio, '≤ 1.5')
  row('events recorded per access', main.eventsPerAccess)
  row('first read of the trace: ns/access (the inputs re-executed, every event recorded)', main.read)
  const eager = recordingCost(1_000_000, 5, {}, 'eager')
  row("recording 'eager' / off (every event stored as it happens)", eager.ratio, 'info')
  row(
    "recording on + first read / 'eager' (what deferring costs when the whole trace is read)",
    (main.on + main.read) / eager.on,
    'info',
  )
  // The same measure on other shapes of workload (not targets): what the cost depends on.
  const readsOnly = recordingCost(500_000, 7, { reads: true })
  row('recording on / off, reads only', readsOnly.ratio, 'info')
  const inTlb = recordingCost(500_000, 7, { pages: 16 })
  row('recording on / off, 16 pages (no TLB misses)', inTlb.ratio, 'info')
  const inTlbReads = recordingCost(500_000, 7, { pages: 16, reads: true })
  row('recording on / off, 16 pages, reads only', inTlbReads.ratio, 'info')
}

// ---- 3. lackey import + replay vs cpu.* directly (before the 10M-event trace fills the heap) ----
{
  const file = new URL('../test-data/sort.lackey.gz', import.meta.url).pathname
  // The same accesses, parsed once into arrays (x64: every block at its own address).
  const kinds: number[] = []
  const addresses: number[] = []
  const sizes: number[] = []
  const parse = lineParser('lackey')
  const out = new ParsedAccess()
  for await (const batch of lineBatches(file)) {
    for (const line of batch) {
      if (parse(line, out) !== undefined || out.kind < 0) continue
      kinds.push(out.kind)
      addresses.push(out.address)
      sizes.push(out.size)
    }
  }
  void detectMemoryTraceFormat
  const blocks = new Set(
    addresses.flatMap((address, index) => [
      Math.floor(address / 0x10000),
      Math.floor((address + sizes[index]! - 1) / 0x10000),
    ]),
  )
  const direct = () => {
    const kernel = createKernel({ arch: 'x64' })
    const { pid } = kernel.createProcess()
    const nt = kernel.syscalls(pid)
    for (const block of blocks)
      nt.NtAllocateVirtualMemory(
        -1,
        block * 0x10000,
        0,
        0x10000,
        MEM_RESERVE | MEM_COMMIT,
        PAGE_EXECUTE_READWRITE,
      )
    const cpu = kernel.cpu(pid)
    const zeros = [
      new Uint8Array(0),
      new Uint8Array(1),
      new Uint8Array(2),
      new Uint8Array(3),
      new Uint8Array(4),
      undefined,
      undefined,
      undefined,
      new Uint8Array(8),
    ]
    const started = performance.now()
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i]!
      const address = addresses[i]!
      const size = sizes[i]!
      if (kind === 8) cpu.execute(address)
      else if (kind === 0) cpu.read(address, size)
      else if (kind === 1) cpu.write(address, zeros[size] ?? new Uint8Array(size))
      else {
        cpu.read(address, size)
        cpu.write(address, zeros[size] ?? new Uint8Array(size))
      }
    }
    return performance.now() - started
  }
  const imported = async () => {
    const kernel = createKernel({ arch: 'x64' })
    const started = performance.now()
    await replayMemoryTrace(kernel, file, { format: 'lackey' })
    return performance.now() - started
  }
  const directTimes: number[] = []
  const importTimes: number[] = []
  const speeds: number[] = []
  for (let round = 0; round < 7; round++) {
    const directMs = direct()
    const importMs = await imported()
    directTimes.push(directMs)
    importTimes.push(importMs)
    speeds.push(directMs / importMs)
  }
  row('lackey lines', kinds.length)
  row('direct cpu.* replay ms', median(directTimes))
  row('import + replay ms (gunzip, parse, heap-blocks)', median(importTimes))
  row('import speed / direct speed (median of the rounds)', median(speeds), '≥ 0.333')
}

// ---- 4. bytes per event (on a recorded access-heavy run) ----
const directory = await mkdtemp(join(tmpdir(), 'ntmm-bench-'))
{
  const m = machine(true)
  workload(m, 300_000)
  void m.kernel.trace!.length // the deferred recording's catch-up, measured in part 1
  let started = performance.now()
  const binary = await m.kernel.saveTrace(join(directory, 'trace.bin'), { format: 'binary' })
  const saveSeconds = (performance.now() - started) / 1000
  const jsonl = await m.kernel.saveTrace(join(directory, 'trace.jsonl'), { format: 'jsonl' })
  started = performance.now()
  const loaded = await loadKernel(join(directory, 'trace.bin'))
  const loadSeconds = (performance.now() - started) / 1000
  const events = loaded.trace!.length
  row('binary machine trace: bytes/event', binary.bytesPerEvent)
  row('JSON Lines machine trace: bytes/event', jsonl.bytesPerEvent)
  row('saveTrace binary: events/s', events / saveSeconds)
  row('loadKernel binary (read, rebuild the machine): events/s', events / loadSeconds)
}

// ---- 2. kernel.at(random seq): 10M vs 100k events ----
{
  // Seek time independent of the trace's length needs checkpoints in proportion to it: here one
  // every 8192 events. Each holds the pages rewritten since the one before as their changed words
  // (frame deltas) plus its copy of the PFN database, all counted by the budget (machineModel's
  // snapshotBytes), so 10M events fit in 1 GiB.
  const checkpoints = { interval: 8192, memoryBudget: 1024 * 1024 * 1024 }
  const build = (events: number) => {
    const kernel = createKernel({ record: true, physicalMemory: MEMORY, pageFile: 2 * MEMORY, checkpoints })
    const { pid } = kernel.createProcess({ name: 'bench.exe' })
    const base = kernel
      .syscalls(pid)
      .NtAllocateVirtualMemory(-1, 0, 0, WORKING_SET, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
    const m = { kernel, pid, base }
    for (let salt = 0; kernel.trace!.length < events; salt++) workload(m, 50_000, salt)
    return kernel
  }
  let started = performance.now()
  const large = build(10_000_000)
  row('10M-event trace: record and read seconds', (performance.now() - started) / 1000)
  const small = build(100_000)
  started = performance.now()
  large.timeline.buildCheckpoints()
  small.timeline.buildCheckpoints()
  row('checkpoints build seconds (10M + 100k)', (performance.now() - started) / 1000)
  let seed = 12345
  const random = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed % n
  }
  const largeTimes: number[] = []
  const smallTimes: number[] = []
  for (let i = 0; i < 200; i++) {
    for (const [kernel, times] of [
      [large, largeTimes],
      [small, smallTimes],
    ] as const) {
      const seq = random(kernel.trace!.length)
      const t = performance.now()
      const view = kernel.at(seq)
      view.processes()
      times.push(performance.now() - t)
    }
  }
  row('at(random seq) median ms, 10M events', median(largeTimes))
  row('at(random seq) median ms, 100k events', median(smallTimes))
  row('at ratio 10M / 100k', median(largeTimes) / median(smallTimes), '≤ 1.5')
  row(
    'checkpoints held MiB, 10M events (as the budget counts them)',
    large.timeline.checkpointBytes / 2 ** 20,
  )
  row('checkpoints, 10M events', large.timeline.checkpointSeqs().length)
  const cursor = large.timeline.cursor(5_000_000)
  const steps: number[] = []
  for (let i = 0; i < 2000; i++) {
    const t = performance.now()
    if (i % 2 === 0) cursor.stepBack()
    else cursor.stepForward()
    steps.push(performance.now() - t)
  }
  row('cursor step back/forward median µs (10M)', median(steps) * 1000)
  row('process RSS MiB after the 10M trace', process.memoryUsage().rss / 2 ** 20)
}

await rm(directory, { recursive: true, force: true })

const width = Math.max(...rows.map((r) => r[0].length))
console.log(`${'figure'.padEnd(width)} | value      | goal`)
for (const [name, value, goal] of rows) console.log(`${name.padEnd(width)} | ${value.padStart(10)} | ${goal}`)
