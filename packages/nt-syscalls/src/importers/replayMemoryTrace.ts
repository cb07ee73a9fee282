// Replay a real program's memory trace (lackey, course, pinatrace, page lists) through one
// process's address space: every access goes through `kernel.cpu(pid)` — TLB, page walk, #PF,
// MmAccessFault — exactly as the simulated thread's own loads and stores do, so a recording
// kernel also produces the machine trace for time travel.
//
// The trace was not made against NT memory, so its addresses need a policy. The default,
// 'heap-blocks', reserves and commits each touched 64 KiB block (the allocation granularity) on
// first touch, as a heap would: at its own address when that is free and inside the user range,
// else wherever NtAllocateVirtualMemory puts it (the block is then relocated: the report counts
// those). A user-supplied `layout` instead allocates the given ranges up front; accesses outside
// them fault as the program would (STATUS_ACCESS_VIOLATION, counted).

import { AccessRun, RUN_EXECUTE, RUN_READ, RUN_WRITE } from '@ntmm/hw-mmu'
import type { Kernel } from '../kernel.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_EXECUTE_READWRITE } from '../memoryConstants.js'
import { NtCurrentProcess } from '../objectManager.js'
import { type LackeyAccesses, type LackeyLineSink, readLackeyFile } from './lackeyFileLines.js'
import { lineExcerpt } from './lineExcerpt.js'
import { readPageListFile } from './pageListFileLines.js'
import { type LineInput, lineBatches, MAX_LINE_LENGTH } from './lineSource.js'
import {
  ACCESS_FETCH,
  ACCESS_MODIFY,
  ACCESS_READ,
  ACCESS_WRITE,
  detectMemoryTraceFormat,
  lineParser,
  ParsedAccess,
} from './memoryTraceFormats.js'
import type { ImportLineError, MemoryTraceReport, TlbLevelReport } from './memoryTraceReport.js'
import type { ReplayMemoryTraceOptions } from './replayMemoryTraceOptions.js'

export type { ImportLineError, MemoryTraceReport, TlbLevelReport } from './memoryTraceReport.js'
export type { ImportProgress, LayoutRange, ReplayMemoryTraceOptions } from './replayMemoryTraceOptions.js'

const BLOCK = 0x10000
const LINE_TOO_LONG = `line longer than ${MAX_LINE_LENGTH} characters`

function tlbDelta(
  before: { hits: number; misses: number } | undefined,
  after: { hits: number; misses: number } | undefined,
): TlbLevelReport | undefined {
  if (!before || !after) return undefined
  return { hits: after.hits - before.hits, misses: after.misses - before.misses }
}

/** Read the first lines of a file or input to detect its format. */
async function peekLines(input: LineInput): Promise<readonly string[]> {
  if (Array.isArray(input)) return (input as readonly string[]).slice(0, 200)
  if (typeof input !== 'string') return []
  for await (const batch of lineBatches(input, { peek: 200 })) return batch.slice(0, 200)
  return []
}

/**
 * Replay a memory trace through a process of `kernel`. Streams the input; malformed lines are
 * reported with their line number. A line longer than 4096 characters (`MAX_LINE_LENGTH`) is
 * malformed (read in bounded memory, skipped up to its line end with `onError: 'skip'`), as is
 * an access larger than its format allows. Never throws for bad trace content (a missing file
 * rejects).
 */
export async function replayMemoryTrace(
  kernel: Kernel,
  input: LineInput,
  options: ReplayMemoryTraceOptions = {},
): Promise<MemoryTraceReport> {
  let format = options.format
  let batches: AsyncIterable<readonly string[]>
  if (format === undefined && typeof input !== 'string' && !Array.isArray(input)) {
    // A one-shot iterable: detect on its first batch, then replay that batch and the rest.
    const iterator = lineBatches(input)[Symbol.asyncIterator]()
    const first = await iterator.next()
    const head = first.done ? [] : first.value
    format = detectMemoryTraceFormat(head)
    batches = prepend(head, { [Symbol.asyncIterator]: () => iterator })
  } else {
    format ??= detectMemoryTraceFormat(await peekLines(input))
    batches = lineBatches(input)
  }
  if (format === undefined) {
    throw new TypeError(
      'replayMemoryTrace: cannot tell the trace format from its first lines; pass options.format (lackey, course, course-ls, pinatrace, page-list)',
    )
  }
  const parse = lineParser(format, options.pageSize === undefined ? {} : { pageSize: options.pageSize })
  const pid = options.pid ?? kernel.createProcess({ name: options.name ?? 'trace.exe' }).pid
  const cpu = kernel.cpu(pid)
  const nt = kernel.syscalls(pid)
  const layout = kernel.mm.layout
  const stop = (options.onError ?? 'stop') === 'stop'
  const instructions = options.instructions ?? true
  const every = options.progressEvery ?? 65536
  const errors: ImportLineError[] = []
  const firstSeq = kernel.trace?.length
  const statsBefore = kernel.mm.mmu.statistics()
  const countersBefore = kernel.mm.counters

  // Address translation: source 64 KiB block → delta to add (0 = placed at its own address).
  const deltas = new Map<number, number>()
  let blocksReserved = 0
  let blocksRelocated = 0
  const policy =
    options.layout === undefined
      ? 'heap-blocks: each touched 64 KiB block reserved and committed (PAGE_EXECUTE_READWRITE) on first touch, at its own address when free and inside the user range, else relocated'
      : `layout: ${options.layout.length} range(s) allocated up front; other addresses fault`
  if (options.layout !== undefined) {
    for (const range of options.layout) {
      const result = nt.NtAllocateVirtualMemory(
        NtCurrentProcess,
        range.address,
        0,
        range.size,
        MEM_RESERVE | MEM_COMMIT,
        range.protect ?? PAGE_EXECUTE_READWRITE,
      )
      if (result.status !== 0)
        errors.push({
          line: 0,
          message: `layout range at 0x${range.address.toString(16)}: status 0x${(result.status >>> 0).toString(16)}`,
          text: '',
        })
    }
  }
  const fixed = options.layout !== undefined
  const place = (block: number): number => {
    // The accesses before this one are made before its block is allocated, as one by one.
    flush()
    const base = block * BLOCK
    const own = base >= layout.lowestUserAddress && base + BLOCK - 1 <= layout.highestVadAddress
    if (own) {
      const result = nt.NtAllocateVirtualMemory(
        NtCurrentProcess,
        base,
        0,
        BLOCK,
        MEM_RESERVE | MEM_COMMIT,
        PAGE_EXECUTE_READWRITE,
      )
      if (result.status === 0) {
        blocksReserved++
        deltas.set(block, 0)
        return 0
      }
    }
    const result = nt.NtAllocateVirtualMemory(
      NtCurrentProcess,
      0,
      0,
      BLOCK,
      MEM_RESERVE | MEM_COMMIT,
      PAGE_EXECUTE_READWRITE,
    )
    // Out of address space or commit: leave the block unplaced (accesses then fault).
    const delta = result.status === 0 ? result.baseAddress - base : 0
    if (result.status === 0) {
      blocksReserved++
      blocksRelocated++
    }
    deltas.set(block, delta)
    return delta
  }
  let lastBlock = -1
  let lastDelta = 0
  const deltaOf = (address: number): number => {
    const block = Math.floor(address / BLOCK)
    if (block === lastBlock) return lastDelta
    let delta = deltas.get(block)
    if (delta === undefined) delta = fixed ? 0 : place(block)
    lastBlock = block
    lastDelta = delta
    return delta
  }
  const zeros: Uint8Array[] = []
  const zerosOf = (size: number): Uint8Array => {
    let buffer = zeros[size]
    if (buffer === undefined) {
      buffer = new Uint8Array(size)
      zeros[size] = buffer
    }
    return buffer
  }

  let scratch = new Uint8Array(64)
  let reads = 0
  let writes = 0
  let fetches = 0
  let exceptions = 0
  const future = options.futureReferences === true
  const debug = options.noteAccesses === true || future ? kernel.debug : undefined
  const perform = (kind: number, address: number, size: number): void => {
    let status: number
    debug?.noteAccess(pid, address)
    if (kind === ACCESS_READ) {
      reads++
      // Into one scratch buffer (the replay wants the status, not the bytes): no allocation per read.
      if (scratch.length < size) scratch = new Uint8Array(size)
      status = cpu.readInto(address, scratch, 0, size)
    } else if (kind === ACCESS_WRITE) {
      writes++
      status = cpu.write(address, zerosOf(size)).status
    } else {
      fetches++
      status = cpu.execute(address).status
    }
    if (status !== 0) exceptions++
  }
  // With the future wanted, translated accesses are first collected (placing blocks as the replay
  // would), and performed once the whole string is known.
  const pending = { kinds: [] as number[], addresses: [] as number[], sizes: [] as number[] }
  const collect = (kind: number, address: number, size: number): void => {
    pending.kinds.push(kind)
    pending.addresses.push(address)
    pending.sizes.push(size)
  }
  // Otherwise accesses wait in a run, made a run at a time (Cpu.runAccesses): when it is full, before
  // a block is placed, before progress is told and at the end — nothing else sees the machine
  // between two accesses, so the outcome is that of making each as it comes.
  const run = new AccessRun(4096)
  const runCodes: number[] = []
  runCodes[ACCESS_READ] = RUN_READ
  runCodes[ACCESS_WRITE] = RUN_WRITE
  runCodes[ACCESS_FETCH] = RUN_EXECUTE
  const enqueue = (kind: number, address: number, size: number): void => {
    if (kind === ACCESS_READ) reads++
    else if (kind === ACCESS_WRITE) writes++
    else fetches++
    // An instruction fetch executes one byte (Cpu.execute).
    run.push(runCodes[kind]!, address, kind === ACCESS_FETCH ? 1 : size)
    if (run.full) flush()
  }
  const flush = (): void => {
    if (run.length === 0) return
    exceptions += cpu.runAccesses(run, note)
    run.clear()
  }
  // LRU's notes go with the run (Cpu.runAccesses' note: each access noted before it is made).
  const note =
    debug === undefined
      ? undefined
      : (addresses: Float64Array, from: number, to: number): void =>
          debug.noteAccessRun(pid, addresses, from, to)
  const batched = !future && options.perAccess !== true
  const one = future ? collect : batched ? enqueue : perform
  /** One access of the source trace, translated (split where it crosses into a block placed elsewhere). */
  const access = (kind: number, address: number, size: number): void => {
    // Most accesses stay in the block of the one before: no lookup, no split.
    const block = Math.floor(address / BLOCK)
    if (block === lastBlock && Math.floor((address + size - 1) / BLOCK) === block) {
      one(kind, address + lastDelta, size)
      return
    }
    const delta = deltaOf(address)
    const last = address + size - 1
    if (Math.floor(last / BLOCK) === Math.floor(address / BLOCK) || deltaOf(last) === delta) {
      one(kind, address + delta, size)
      return
    }
    const head = BLOCK - (address % BLOCK)
    one(kind, address + delta, head)
    one(kind, address + head + deltaOf(address + head), size - head)
  }

  const out = new ParsedAccess()
  let lines = 0
  let malformed = 0
  let completed = true
  let nextProgress = every
  /** One line's access, parsed (an ACCESS_* kind): replayed, and progress told. */
  const take = (kind: number, address: number, size: number): void => {
    if (kind === ACCESS_FETCH) {
      if (instructions) access(ACCESS_FETCH, address, size)
    } else if (kind === ACCESS_MODIFY) {
      access(ACCESS_READ, address, size)
      access(ACCESS_WRITE, address, size)
    } else access(kind, address, size)
    if (lines >= nextProgress) {
      nextProgress += every
      flush()
      options.onProgress?.({ lines, accesses: reads + writes + fetches })
    }
  }
  /** One line of text: parsed, then replayed or reported. False: stop at it. */
  const takeLine = (line: string): boolean => {
    lines++
    const problem = line.length > MAX_LINE_LENGTH ? LINE_TOO_LONG : parse(line, out)
    if (problem !== undefined) {
      malformed++
      if (errors.length < 100) errors.push({ line: lines, message: problem, text: lineExcerpt(line) })
      if (stop) {
        completed = false
        return false
      }
      return true
    }
    if (out.kind >= 0) take(out.kind, out.address, out.size)
    return true
  }
  if ((format === 'lackey' || format === 'page-list') && typeof input === 'string') {
    // A lackey file or a page list: its access lines parsed from the bytes, no string per line
    // (lackeyFileLines.ts, pageListFileLines.ts).
    // The block of the last fetch and of the last data access, when placed.
    let fetchBlock = -1
    let fetchDelta = 0
    let dataBlock = -1
    let dataDelta = 0
    /**
     * Most lines: an access within one block already placed, with no progress due — take()'s
     * outcome, written straight into the run. From line `from` of
     * `parsed`: the index of the first line it leaves to take().
     */
    const straight = (parsed: LackeyAccesses, from: number): number => {
      const { kinds, addresses, sizes } = parsed
      const count = parsed.length
      const runKinds = run.kinds
      const runAddresses = run.addresses
      const runSizes = run.sizes
      // Room for a modify's two entries; the run is made when it would not hold them.
      const room = run.capacity - 1
      let entries = run.length
      let line = lines
      let index = from
      for (; index < count; index++) {
        const kind = kinds[index]!
        const address = addresses[index]!
        const size = sizes[index]!
        if (line + 1 >= nextProgress) break
        if (kind === ACCESS_FETCH && !instructions) {
          // Not replayed: only counted.
          line++
          continue
        }
        // The block of the first and of the last byte (32-bit shifts below 2^32: sizes are small).
        const small = address <= 0xfffff000
        const block = small ? address >>> 16 : Math.floor(address / BLOCK)
        if ((small ? (address + size - 1) >>> 16 : Math.floor((address + size - 1) / BLOCK)) !== block) break
        if (entries >= room) {
          run.length = entries
          flush()
          entries = 0
        }
        if (kind === ACCESS_FETCH) {
          if (block !== fetchBlock) {
            // Another block already placed: its delta, as take() would find it (deltas never
            // change once placed); one not placed yet goes to take(), which places it.
            const delta = fixed ? 0 : deltas.get(block)
            if (delta === undefined) break
            fetchBlock = block
            fetchDelta = delta
          }
          fetches++
          runKinds[entries] = RUN_EXECUTE
          runAddresses[entries] = address + fetchDelta
          runSizes[entries] = 1
          entries++
        } else {
          if (block !== dataBlock) {
            // As for a fetch: a page list over many 64 KiB blocks changes block on most lines.
            const delta = fixed ? 0 : deltas.get(block)
            if (delta === undefined) break
            dataBlock = block
            dataDelta = delta
          }
          const at = address + dataDelta
          if (kind !== ACCESS_WRITE) {
            // A load, or a modify's load.
            reads++
            runKinds[entries] = RUN_READ
            runAddresses[entries] = at
            runSizes[entries] = size
            entries++
          }
          if (kind !== ACCESS_READ) {
            writes++
            runKinds[entries] = RUN_WRITE
            runAddresses[entries] = at
            runSizes[entries] = size
            entries++
          }
        }
        line++
      }
      run.length = entries
      lines = line
      return index
    }
    const sink: LackeyLineSink = {
      accesses: (parsed) => {
        const { kinds, addresses, sizes } = parsed
        const count = parsed.length
        for (let index = batched ? straight(parsed, 0) : 0; index < count; ) {
          lines++
          const kind = kinds[index]!
          const address = addresses[index]!
          const size = sizes[index]!
          take(kind, address, size)
          // The block's delta for the lines after it (deltas never change once placed).
          const block = Math.floor(address / BLOCK)
          const delta = fixed ? 0 : deltas.get(block)
          if (delta !== undefined && Math.floor((address + size - 1) / BLOCK) === block) {
            if (kind === ACCESS_FETCH) {
              fetchBlock = block
              fetchDelta = delta
            } else {
              dataBlock = block
              dataDelta = delta
            }
          }
          index++
          if (batched) index = straight(parsed, index)
        }
      },
      line: takeLine,
    }
    if (format === 'lackey') await readLackeyFile(input, sink)
    else await readPageListFile(input, options.pageSize ?? 4096, sink)
  } else {
    outer: for await (const batch of batches) {
      for (let index = 0; index < batch.length; index++) {
        if (!takeLine(batch[index]!)) break outer
      }
    }
  }
  flush()
  if (future) {
    kernel.debug.setFutureReferences(pid, pending.addresses)
    const { kinds, addresses, sizes } = pending
    for (let index = 0; index < kinds.length; index++)
      perform(kinds[index]!, addresses[index]!, sizes[index]!)
  }
  options.onProgress?.({ lines, accesses: reads + writes + fetches })

  const statsAfter = kernel.mm.mmu.statistics()
  const countersAfter = kernel.mm.counters
  const delta = (name: keyof typeof countersAfter) =>
    (countersAfter[name] as number) - (countersBefore[name] as number)
  const instruction = tlbDelta(statsBefore.instruction, statsAfter.instruction)
  const second = tlbDelta(statsBefore.second, statsAfter.second)
  const endSeq = kernel.trace?.length
  return {
    format,
    pid,
    policy,
    completed,
    lines,
    accesses: reads + writes + fetches,
    reads,
    writes,
    fetches,
    exceptions,
    malformedLines: malformed,
    errors,
    blocksReserved,
    blocksRelocated,
    tlb: {
      data: tlbDelta(statsBefore.data, statsAfter.data)!,
      ...(instruction ? { instruction } : {}),
      ...(second ? { second } : {}),
    },
    faults: {
      total: delta('pageFaults'),
      demandZero: delta('demandZeroFaults'),
      hard: delta('hardFaults'),
      soft: delta('softFaults'),
      guard: delta('guardPageFaults'),
      accessViolation: delta('accessViolations'),
    },
    pageOuts: delta('pagesWritten') + delta('pagesDropped'),
    pageIns: delta('pagesRead'),
    peakWorkingSet: kernel.mm.addressSpace(pid)?.record?.workingSetPeak ?? 0,
    ...(firstSeq !== undefined && endSeq !== undefined ? { traceRange: { firstSeq, endSeq } } : {}),
  }
}

async function* prepend(
  first: readonly string[],
  rest: AsyncIterable<readonly string[]>,
): AsyncGenerator<readonly string[]> {
  yield first
  yield* rest
}
