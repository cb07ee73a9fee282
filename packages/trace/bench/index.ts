// Benchmarks of @ntmm/trace (run: pnpm bench). Contenders are measured side by side in one run,
// interleaved, repeated, medians taken; the table prints the ratios the issue asks for.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type ColumnArray,
  createTraceHeader,
  defineSchema,
  encodeBinaryTrace,
  type RowBatch,
  streamTraceFile,
  Timeline,
  TraceLog,
  type TraceModel,
  writeLogFile,
  writeTraceFile,
} from '../src/index.js'
import { decodeBinaryItems } from '../src/binaryTrace.js'

interface AccessEvent {
  readonly type: 'hw.access'
  readonly address: number
  readonly pid: number
  readonly access: number
}
const schema = defineSchema<AccessEvent>({
  kinds: {
    'hw.access': {
      volume: 'high',
      fields: { address: 'u32', pid: 'u16', access: 'u8' },
      addressFields: ['address'],
    },
  },
})

/** Two kinds for the alternating-kinds contender: an access, then its TLB hit. */
interface HitEvent {
  readonly type: 'hw.tlbHit'
  readonly set: number
  readonly way: number
}
const pairSchema = defineSchema<AccessEvent | HitEvent>({
  kinds: {
    'hw.access': { volume: 'high', fields: { address: 'u32', pid: 'u16', access: 'u8' } },
    'hw.tlbHit': { volume: 'high', fields: { set: 'u16', way: 'u8' } },
  },
})

/** A page-access counter: 1024 pages of 4 KiB, mutable typed-array state. */
interface PageCounts {
  counts: Uint32Array
}
const pageModel: TraceModel<PageCounts, AccessEvent, null, Uint32Array> = {
  initial: () => ({ counts: new Uint32Array(1024) }),
  apply(state, event) {
    const page = (event.address >>> 12) & 1023
    state.counts[page] = (state.counts[page] as number) + 1
    return state
  },
  applyRows(state, rows: RowBatch) {
    const addresses = rows.columns.address as Uint32Array
    const counts = state.counts
    const end = rows.end
    for (let row = rows.start; row < end; row++) {
      const page = ((addresses[row] as number) >>> 12) & 1023
      counts[page] = (counts[page] as number) + 1
    }
    return state
  },
  checkpoint: (state) => state.counts.slice(),
  restore: (snapshot) => ({ counts: snapshot.slice() }),
  digest: (state) =>
    String(state.counts.reduce((sum, value, index) => (sum + value * (index + 1)) % 1_000_000_007, 0)),
  snapshotBytes: (snapshot) => snapshot.byteLength,
}
const viewOnlyModel: TraceModel<PageCounts, AccessEvent, null, Uint32Array> = { ...pageModel }
delete viewOnlyModel.applyRows

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A realistic access stream: sequential and strided runs, occasional jumps, few pids, 70% reads. */
function accessStream(
  count: number,
  seed: number,
): { address: Uint32Array; pid: Uint16Array; access: Uint8Array } {
  const random = mulberry32(seed)
  const address = new Uint32Array(count)
  const pid = new Uint16Array(count)
  const access = new Uint8Array(count)
  let current = 0x400000
  let stride = 4
  let process = 4
  for (let index = 0; index < count; index++) {
    if (random() < 0.002) {
      current = (Math.floor(random() * 0x7fff0) * 0x1000) >>> 0
      stride = [4, 4, 8, 64, 4096][Math.floor(random() * 5)] as number
    }
    if (random() < 0.0005) process = 4 + Math.floor(random() * 4) * 4
    current = (current + stride) >>> 0
    address[index] = current
    pid[index] = process
    access[index] = random() < 0.7 ? 0 : 1
  }
  return { address, pid, access }
}

function buildLog(count: number, seed: number): TraceLog<AccessEvent> {
  const stream = accessStream(count, seed)
  const log = new TraceLog(schema)
  const appender = log.appender('hw.access')
  for (let index = 0; index < count; index++) {
    appender.append(
      stream.address[index] as number,
      stream.pid[index] as number,
      stream.access[index] as number,
    )
  }
  return log
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

function time(run: () => void): number {
  const start = performance.now()
  run()
  return performance.now() - start
}

const rows: [string, string, string][] = []
const report = (name: string, value: string, goal: string): void => {
  rows.push([name, value, goal])
  console.log(`  ${name}: ${value}`)
}

/**
 * The median ratio of append contender `name` measured in a child process of this benchmark that
 * times only that contender (same runtime flags and loader as this process).
 */
function isolated(name: string): string {
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1] as string, 'append'], {
    env: { ...process.env, NTMM_BENCH_APPEND_ONLY: name },
    encoding: 'utf8',
  })
  const line = child.stdout
    .split('\n')
    .find((text) =>
      text.includes(`append ratio appender (${name}) / preallocated Int32Array, in this process`),
    )
  const value = line?.match(/: ([0-9.]+)$/)?.[1]
  if (child.status !== 0 || value === undefined)
    throw new Error(`isolated append run failed: ${child.stderr}`)
  return value
}

/** `pnpm bench [append|replay|seek|files|blocks]…` runs only the named sections (all by default). */
const sections = process.argv.slice(2)
const wanted = (name: string): boolean => sections.length === 0 || sections.includes(name)

// 1. Append ----------------------------------------------------------------------------------
// Each contender writes 1M events of the realistic stream. Memory is matched pair by pair: the
// baseline's preallocated Int32Array is allocated and touched before its timing, exactly as a
// reserved log's chunks are (so neither pays first-touch page faults), and the growing log is
// matched with a preallocated array nobody has touched yet (both pay the faults; the log also
// allocates). Every repetition times the pair back to back, in alternating order, and the figure
// is the median of the per-repetition ratios: on this shared machine the speed drifts by 2× from
// second to second, and a ratio of two far-apart medians measured that drift, not the appender.
if (wanted('append')) {
  const count = 1_000_000
  const stream = accessStream(count, 1)
  let sink = 0
  const writeBaseline = (target: Int32Array): void => {
    for (let index = 0; index < count; index++) {
      const at = index * 3
      target[at] = stream.address[index] as number
      target[at + 1] = stream.pid[index] as number
      target[at + 2] = stream.access[index] as number
    }
    sink += target[count] as number
  }
  const warmArray = new Int32Array(count * 3)
  /**
   * Not a contender: the same fields written by a bare loop into freshly allocated 64 Ki-row
   * column chunks, i.e. the cost of fresh memory (allocation, zeroing, page faults) that any
   * growing log pays and a reused array does not.
   */
  const freshChunks = (): void => {
    const chunk = 1 << 16
    const kept: ArrayBufferView[] = []
    for (let start = 0; start < count; start += chunk) {
      const address = new Uint32Array(chunk)
      const pid = new Uint16Array(chunk)
      const access = new Uint8Array(chunk)
      const end = Math.min(count, start + chunk)
      for (let index = start; index < end; index++) {
        address[index - start] = stream.address[index] as number
        pid[index - start] = stream.pid[index] as number
        access[index - start] = stream.access[index] as number
      }
      kept.push(address, pid, access)
    }
    sink += kept.length
  }
  /** The per-event appender (into a reserved or a growing log). */
  const appendAll = (log: TraceLog<AccessEvent>): void => {
    const appender = log.appender('hw.access')
    for (let index = 0; index < count; index++) {
      appender.append(
        stream.address[index] as number,
        stream.pid[index] as number,
        stream.access[index] as number,
      )
    }
    sink += log.length
  }
  /**
   * Two kinds alternating on every event (an access, then a TLB hit), reserved log: every
   * event switches kind. Its ns/event is per event (count events in all).
   */
  const appendAlternating = (log: TraceLog<AccessEvent | HitEvent>): void => {
    const access = log.appender('hw.access')
    const hit = log.appender('hw.tlbHit')
    for (let index = 0; index < count; index += 2) {
      access.append(
        stream.address[index] as number,
        stream.pid[index] as number,
        stream.access[index] as number,
      )
      hit.append(index & 63, (stream.address[index] as number) & 7)
    }
    sink += log.length
  }
  /** A producer staging rows in its own typed arrays, flushed with appendRows every 4096 rows. */
  const staging = { address: new Uint32Array(4096), pid: new Uint16Array(4096), access: new Uint8Array(4096) }
  const appendStaged = (log: TraceLog<AccessEvent>): void => {
    let staged = 0
    for (let index = 0; index < count; index++) {
      staging.address[staged] = stream.address[index] as number
      staging.pid[staged] = stream.pid[index] as number
      staging.access[staged] = stream.access[index] as number
      if (++staged === 4096) {
        log.appendRows('hw.access', { count: staged, columns: staging })
        staged = 0
      }
    }
    log.appendRows('hw.access', { count: staged, columns: staging })
    sink += log.length
  }
  const reservedLog = (): TraceLog<AccessEvent> => {
    const log = new TraceLog(schema)
    log.reserve({ events: count, rows: { 'hw.access': count } })
    return log
  }
  const touchedArray = (): Int32Array => new Int32Array(count * 3).fill(0)
  /** Times `a` and `b` back to back (order alternating with `rep`), returns [a ms, b ms]. */
  const pair = (rep: number, a: () => void, b: () => void): [number, number] => {
    if (rep % 2 === 0) {
      const first = time(a)
      return [first, time(b)]
    }
    const second = time(b)
    return [time(a), second]
  }
  const names = ['reserved', 'growing', 'staged', 'alternating', 'warm', 'fresh'] as const
  const series = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(keys.map((key) => [key, [] as number[]])) as Record<K, number[]>
  const perEvent = series([...names, 'touched', 'untouched'])
  const ratios = series(names)
  const record = (
    name: (typeof names)[number],
    against: 'touched' | 'untouched',
    times: [number, number],
  ) => {
    perEvent[against].push(times[0])
    perEvent[name].push(times[1])
    ratios[name].push(times[1] / times[0])
  }
  // A child run (see `isolated`) times only the contenders it is given.
  const only: readonly string[] = process.env.NTMM_BENCH_APPEND_ONLY?.split(',') ?? names
  for (let rep = 0; rep < 25; rep++) {
    // Everything a contender writes into is made before the timings; only writing is timed.
    const reserved = reservedLog()
    const stagedLog = reservedLog()
    const growing = new TraceLog(schema)
    const pairs = new TraceLog(pairSchema)
    pairs.reserve({ events: count, rows: { 'hw.access': count / 2, 'hw.tlbHit': count / 2 } })
    const arrays = [touchedArray(), touchedArray(), touchedArray(), touchedArray(), touchedArray()]
    const untouched = [new Int32Array(count * 3), new Int32Array(count * 3)]
    const next = (list: Int32Array[]) => list.pop() as Int32Array
    const contenders: [(typeof names)[number], 'touched' | 'untouched', () => void][] = [
      ['reserved', 'touched', () => appendAll(reserved)],
      ['growing', 'untouched', () => appendAll(growing)],
      ['staged', 'touched', () => appendStaged(stagedLog)],
      ['alternating', 'touched', () => appendAlternating(pairs)],
      ['warm', 'touched', () => writeBaseline(warmArray)],
      ['fresh', 'untouched', freshChunks],
    ]
    for (const [name, against, contender] of contenders.filter(([name]) => only.includes(name))) {
      const baselines = against === 'touched' ? arrays : untouched
      record(
        name,
        against,
        pair(rep, () => writeBaseline(next(baselines)), contender),
      )
    }
  }
  const bytesLog = buildLog(count, 1)
  // '-' for what a child run (timing only some contenders) did not time.
  const ns = (values: number[]): string =>
    values.length === 0 ? '-' : ((median(values) * 1e6) / count).toFixed(2)
  const ratio = (name: (typeof names)[number]): string =>
    ratios[name].length === 0 ? '-' : median(ratios[name]).toFixed(2)
  console.log('append (1M hw.access rows: u32 address, u16 pid, u8 access; 25 paired repetitions)')
  report('append ns/event: preallocated Int32Array, touched beforehand (baseline)', ns(perEvent.touched), '')
  report('append ns/event: preallocated Int32Array, untouched', ns(perEvent.untouched), '')
  report('append ns/event: appender, reserved log', ns(perEvent.reserved), '')
  report('append ns/event: appender, growing log', ns(perEvent.growing), '')
  report('append ns/event: staged rows + appendRows, reserved log', ns(perEvent.staged), '')
  report('append ns/event: two kinds alternating every event, reserved log', ns(perEvent.alternating), '')
  // The goal is read alone in a fresh process (below): here the same producer loop also appends
  // to a growing log, so its compiled code carries that log's slow paths.
  report(
    'append ratio appender (reserved) / preallocated Int32Array, in this process',
    ratio('reserved'),
    'info',
  )
  // A growing log also allocates, which no preallocated array does: the allocator's share swings
  // from run to run (the "fresh chunks" line); `reserve` takes it out.
  report('append ratio appender (growing) / untouched preallocated Int32Array', ratio('growing'), 'info')
  report('append ratio staged appendRows (reserved) / preallocated Int32Array', ratio('staged'), '≤ 2')
  report('append ratio alternating kinds (reserved) / preallocated Int32Array', ratio('alternating'), 'info')
  report('append ratio same array rewritten (cache-warm) / preallocated Int32Array', ratio('warm'), 'info')
  report('append ratio bare loop into fresh 64Ki chunks / untouched Int32Array', ratio('fresh'), 'info')
  // The figure: one producer appending one kind into a preallocated (reserved) log, timed
  // alone in a fresh process, as JMH forks each benchmark: above, the same producer loop also
  // filled a growing log, and V8's type feedback is per function, so its compiled code carries
  // the other contenders' paths.
  if (process.env.NTMM_BENCH_APPEND_ONLY === undefined) {
    report(
      'append ratio appender (reserved) / preallocated Int32Array, alone in a fresh process',
      isolated('reserved'),
      '≤ 2',
    )
  }
  report(
    'memory bytes/event (index + columns, allocated)',
    bytesLog.memory().bytesPerEvent.toFixed(2),
    '≤ 16',
  )
  if (sink < 0) console.log(sink)
}

// 2. Replay ----------------------------------------------------------------------------------
if (wanted('replay')) {
  const count = 4_000_000
  const log = buildLog(count, 2)
  const store = log.stores[0]
  const bare = (): number => {
    const counts = new Uint32Array(1024)
    const chunks = store?.columns[0]?.chunks as ColumnArray[]
    let remaining = count
    for (const chunk of chunks) {
      const end = Math.min(chunk.length, remaining)
      for (let row = 0; row < end; row++) {
        const page = ((chunk[row] as number) >>> 12) & 1023
        counts[page] = (counts[page] as number) + 1
      }
      remaining -= end
    }
    return counts[5] as number
  }
  const replay = (model: TraceModel<PageCounts, AccessEvent, null, Uint32Array>) => (): number => {
    const timeline = new Timeline({ log, model, config: null, checkpoints: { interval: count + 1 } })
    return timeline.stateAt(count).counts[5] as number
  }
  const bareTimes: number[] = []
  const rowsTimes: number[] = []
  const viewTimes: number[] = []
  const results = new Set<number>()
  for (let rep = 0; rep < 7; rep++) {
    bareTimes.push(
      time(() => {
        results.add(bare())
      }),
    )
    rowsTimes.push(
      time(() => {
        results.add(replay(pageModel)())
      }),
    )
    viewTimes.push(
      time(() => {
        results.add(replay(viewOnlyModel)())
      }),
    )
  }
  if (results.size !== 1) throw new Error('replay results differ from the bare loop')
  console.log('replay (4M hw.access rows)')
  report('replay ns/event (bare loop over columns)', ((median(bareTimes) * 1e6) / count).toFixed(2), '')
  report('replay ns/event (timeline, model.applyRows)', ((median(rowsTimes) * 1e6) / count).toFixed(2), '')
  report('replay ratio applyRows / bare loop', (median(rowsTimes) / median(bareTimes)).toFixed(2), '≤ 2')
  report('replay ratio apply(view) / bare loop', (median(viewTimes) / median(bareTimes)).toFixed(2), 'info')
}

// 3. Seek ------------------------------------------------------------------------------------
if (wanted('seek')) {
  const big = buildLog(10_000_000, 3)
  const small = buildLog(100_000, 3)
  const interval = 4096
  const bigTimeline = new Timeline({ log: big, model: pageModel, config: null, checkpoints: { interval } })
  const smallTimeline = new Timeline({
    log: small,
    model: pageModel,
    config: null,
    checkpoints: { interval },
  })
  const buildMs = time(() => bigTimeline.buildCheckpoints())
  smallTimeline.buildCheckpoints()
  const random = mulberry32(7)
  const bigTimes: number[] = []
  const smallTimes: number[] = []
  let sink = 0
  for (let round = 0; round < 4000; round++) {
    const bigSeq = Math.floor(random() * big.length)
    const smallSeq = Math.floor(random() * small.length)
    bigTimes.push(
      time(() => {
        sink += bigTimeline.stateAt(bigSeq).counts[0] as number
      }),
    )
    smallTimes.push(
      time(() => {
        sink += smallTimeline.stateAt(smallSeq).counts[0] as number
      }),
    )
  }
  const adaptive = new Timeline({ log: big, model: pageModel, config: null })
  const adaptiveBuildMs = time(() => adaptive.buildCheckpoints())
  const adaptiveTimes: number[] = []
  for (let round = 0; round < 1000; round++) {
    const seq = Math.floor(random() * big.length)
    adaptiveTimes.push(
      time(() => {
        sink += adaptive.stateAt(seq).counts[0] as number
      }),
    )
  }
  console.log(`seek (K = ${interval}; checkpoints built over 10M events in ${buildMs.toFixed(0)} ms)`)
  report('seek median µs, 10M-event trace', (median(bigTimes) * 1000).toFixed(1), '')
  report('seek median µs, 100k-event trace', (median(smallTimes) * 1000).toFixed(1), '')
  report('seek ratio 10M / 100k', (median(bigTimes) / median(smallTimes)).toFixed(2), '≤ 1.5')
  report(
    `seek median µs, 10M, adaptive K = ${adaptive.checkpointInterval} (build ${adaptiveBuildMs.toFixed(0)} ms)`,
    (median(adaptiveTimes) * 1000).toFixed(1),
    'info',
  )
  if (sink < 0) console.log(sink)
}

// 4. Files -----------------------------------------------------------------------------------
if (wanted('files')) {
  const count = 1_000_000
  const log = buildLog(count, 4)
  const directory = mkdtempSync(join(tmpdir(), 'ntmm-trace-bench-'))
  try {
    const header = createTraceHeader({
      producer: { name: 'bench', version: '0' },
      config: null,
      seed: 4,
      schema,
    })
    const jsonlPath = join(directory, 'trace.jsonl')
    const binaryPath = join(directory, 'trace.bin')
    const rawPath = join(directory, 'trace.raw.bin')
    await writeLogFile(jsonlPath, { header, log }, { encoding: 'jsonl' })
    await writeLogFile(binaryPath, { header, log }, { encoding: 'binary' })
    await writeLogFile(rawPath, { header, log }, { encoding: 'binary', compress: false })
    const jsonlBytes = statSync(jsonlPath).size
    const binaryBytes = statSync(binaryPath).size
    const rawBytes = statSync(rawPath).size
    const readRate = async (path: string): Promise<number> => {
      const start = performance.now()
      let events = 0
      for await (const item of streamTraceFile(path, schema)) if (item.item === 'event') events++
      if (events !== count) throw new Error(`read ${events} events from ${path}`)
      return count / ((performance.now() - start) / 1000)
    }
    const jsonlRates: number[] = []
    const binaryRates: number[] = []
    for (let rep = 0; rep < 3; rep++) {
      jsonlRates.push(await readRate(jsonlPath))
      binaryRates.push(await readRate(binaryPath))
    }
    // Writing: from the log (its columns read directly) and from its entries (an event object
    // each, what a stream of events other than a log goes through), paired per repetition.
    const writePath = join(directory, 'trace.write.bin')
    const writeRate = async (fromLog: boolean): Promise<number> => {
      const start = performance.now()
      if (fromLog) await writeLogFile(writePath, { header, log }, { encoding: 'binary' })
      else await writeTraceFile(writePath, { header, entries: log.entries() }, { encoding: 'binary' })
      return count / ((performance.now() - start) / 1000)
    }
    const logWriteRates: number[] = []
    const entryWriteRates: number[] = []
    for (let rep = 0; rep < 3; rep++) {
      logWriteRates.push(await writeRate(true))
      entryWriteRates.push(await writeRate(false))
    }
    console.log('files (1M-event realistic access stream)')
    report('binary bytes/event (deflate)', (binaryBytes / count).toFixed(3), '≤ 4')
    report('binary bytes/event (uncompressed)', (rawBytes / count).toFixed(3), 'info')
    report('JSON Lines bytes/event', (jsonlBytes / count).toFixed(1), 'info')
    report('size ratio JSON Lines / binary', (jsonlBytes / binaryBytes).toFixed(1), '≥ 5')
    report('read throughput JSON Lines (events/s)', median(jsonlRates).toExponential(2), 'info')
    report('read throughput binary (events/s)', median(binaryRates).toExponential(2), 'info')
    report('write throughput binary, from the log (events/s)', median(logWriteRates).toExponential(2), 'info')
    report(
      'write throughput binary, from entries (events/s)',
      median(entryWriteRates).toExponential(2),
      'info',
    )
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

// 5. Large blocks ----------------------------------------------------------------------------
// One block of 8 MiB and one of 64 MiB (rows of eight raw f64 fields, 64 bytes a row), streamed
// in 64 KiB chunks as a file stream delivers them: reading must cost the same per MiB whatever
// the block size (the chunk queue once re-merged its buffer on each chunk: 64 MiB took 45 s).
if (wanted('blocks')) {
  interface WideEvent {
    readonly type: 'wide'
    readonly a: number
    readonly b: number
    readonly c: number
    readonly d: number
    readonly e: number
    readonly f: number
    readonly g: number
    readonly h: number
  }
  const wideSchema = defineSchema<WideEvent>({
    kinds: {
      wide: {
        volume: 'high',
        fields: { a: 'f64', b: 'f64', c: 'f64', d: 'f64', e: 'f64', f: 'f64', g: 'f64', h: 'f64' },
      },
    },
  })
  const header = createTraceHeader({
    producer: { name: 'bench', version: '0' },
    config: null,
    seed: 5,
    schema: wideSchema,
  })
  /** A one-block uncompressed trace of about `mebibytes` MiB, in 64 KiB chunks. */
  const blockTrace = async (mebibytes: number): Promise<Uint8Array[]> => {
    const rows = (mebibytes << 20) / 64 - 64
    const log = new TraceLog(wideSchema)
    const appender = log.appender('wide')
    for (let row = 0; row < rows; row++) appender.append(row + 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5)
    const parts: Uint8Array[] = []
    for await (const part of encodeBinaryTrace(
      { header, entries: log.entries(), log },
      { blockEvents: rows },
    ))
      parts.push(part)
    const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
    let offset = 0
    for (const part of parts) {
      bytes.set(part, offset)
      offset += part.length
    }
    const chunks: Uint8Array[] = []
    for (let start = 0; start < bytes.length; start += 1 << 16)
      chunks.push(bytes.subarray(start, start + (1 << 16)))
    return chunks
  }
  /** Milliseconds per MiB to read a trace's blocks (as readTraceFile collects them, without the log). */
  const msPerMib = async (chunks: readonly Uint8Array[], mebibytes: number): Promise<number> => {
    const start = performance.now()
    let events = 0
    for await (const item of decodeBinaryItems(chunks, wideSchema, {}, true))
      if (item.item === 'block') events += item.count
    if (events === 0) throw new Error('no events read')
    return (performance.now() - start) / mebibytes
  }
  const small = await blockTrace(8)
  const large = await blockTrace(64)
  const smallTimes: number[] = []
  const largeTimes: number[] = []
  for (let rep = 0; rep < 5; rep++) {
    smallTimes.push(await msPerMib(small, 8))
    largeTimes.push(await msPerMib(large, 64))
  }
  console.log('blocks (one uncompressed block read in 64 KiB chunks)')
  report('block read ms/MiB, 8 MiB block', median(smallTimes).toFixed(2), '')
  report('block read ms/MiB, 64 MiB block', median(largeTimes).toFixed(2), '')
  report(
    'block read ratio ms/MiB 64 MiB / 8 MiB',
    (median(largeTimes) / median(smallTimes)).toFixed(2),
    '≈ 1',
  )
}

console.log('\n| figure | value | goal |\n|---|---:|---|')
for (const [name, value, goal] of rows) console.log(`| ${name} | ${value} | ${goal} |`)
