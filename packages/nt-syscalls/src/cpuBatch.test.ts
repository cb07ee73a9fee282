// Cpu.runAccesses (cpuBatch.ts) against the same accesses made one by one (readInto, write,
// execute): for random programs over a small machine — demand-zero, hard and soft faults, page-outs,
// access violations on read-only, reserved and unmapped pages, guard pages, page-crossing and empty
// accesses, addresses the CPU refuses, write watch, balance-set ticks every few references — the
// failures counted, the machine (memory manager and hardware digests, counters, TLB statistics,
// the references toward the next tick, the write-watch bits) and, on a recording kernel, the
// recorded trace are the same.
import { AccessRun, RUN_EXECUTE, RUN_READ, RUN_WRITE } from '@ntmm/hw-mmu'
import { firstDivergentEvent } from '@ntmm/trace'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import type { KernelOptions } from './kernel.js'
import {
  MEM_COMMIT,
  MEM_RESERVE,
  MEM_WRITE_WATCH,
  PAGE_EXECUTE_READWRITE,
  PAGE_GUARD,
  PAGE_READONLY,
  PAGE_READWRITE,
} from './memoryConstants.js'

interface Setup {
  readonly arch: 'x86' | 'x64'
  readonly policy: 'nt' | 'working-set'
  readonly tickEvery: number
  readonly watch: boolean
  readonly record: KernelOptions['record']
}

/** A machine of 40 frames with one process and its regions; the bases of the regions. */
function machine(setup: Setup) {
  const kernel = createKernel({
    arch: setup.arch,
    physicalMemory: 40 * 4096,
    pageFile: 256 * 4096,
    replacementPolicy: setup.policy,
    // Memory always short (free-page thresholds above the frames): the working-set manager ages
    // and trims at every tick (below).
    ...(setup.policy === 'nt'
      ? { nt: { tickEvery: setup.tickEvery, minimumFreePages: 64, plentyFreePages: 64 } }
      : {}),
    ...(setup.record === undefined ? {} : { record: setup.record }),
  })
  const pid = kernel.createProcess({ name: 'a.exe' }).pid
  const nt = kernel.syscalls(pid)
  // A small working set under 'nt': each tick ages its pages (their TLB entries invalidated: the
  // next access walks again) and trims old ones, so where a tick falls among TLB hits shows in the
  // hits, misses and faults after it.
  if (setup.policy === 'nt' && !kernel.win32(pid).SetProcessWorkingSetSize(-1, 8 * 4096, 12 * 4096))
    throw new Error('SetProcessWorkingSetSize failed')
  const allocate = (size: number, type: number, protect: number) =>
    nt.NtAllocateVirtualMemory(-1, 0, 0, size, type, protect).baseAddress
  const commit = MEM_RESERVE | MEM_COMMIT
  const bases = [
    // More pages than the frames: the program pages out and back in.
    allocate(0x30000, commit | (setup.watch ? MEM_WRITE_WATCH : 0), PAGE_READWRITE),
    allocate(0x4000, commit, PAGE_EXECUTE_READWRITE),
    allocate(0x2000, commit, PAGE_READONLY),
    allocate(0x2000, commit, PAGE_READWRITE | PAGE_GUARD),
    allocate(0x4000, MEM_RESERVE, PAGE_READWRITE),
  ]
  return { kernel, pid, cpu: kernel.cpu(pid), bases }
}

type Access = readonly [kind: number, address: number, size: number]

/**
 * A burst of accesses: `count` of one kind (or loads and stores mixed) at `step` bytes apart from
 * an offset of a region — mostly into the big region (TLB hits after the first, the page trimmed
 * by a tick now and then), near page ends now and then — or one access at an address of no region
 * or none the CPU takes.
 */
const burstArbitrary = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constantFrom(RUN_READ, RUN_READ, RUN_WRITE, RUN_EXECUTE, -1),
      region: fc.constantFrom(0, 0, 0, 0, 1, 2, 3, 4),
      // Mostly the first 6 pages (the same pages again: TLB hits, writes to dirty pages).
      offset: fc.oneof(
        { weight: 4, arbitrary: fc.nat(0x5fff) },
        { weight: 2, arbitrary: fc.nat(0x2ffff) },
        { weight: 1, arbitrary: fc.nat(0x2f).map((page) => page * 0x1000 + 0xffc) },
      ),
      size: fc.constantFrom(1, 2, 4, 8, 8, 8, 16, 0, 3000),
      count: fc.integer({ min: 1, max: 40 }),
      step: fc.constantFrom(0, 4, 8, 64),
    }),
  },
  // GetWriteWatch with WRITE_WATCH_FLAG_RESET between two runs: writes after it are watched again.
  { weight: 1, arbitrary: fc.constant({ reset: true } as const) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom(RUN_READ, RUN_WRITE, RUN_EXECUTE),
      address: fc.constantFrom(0, 0x1000, -1, 0.5, 2 ** 32, 2 ** 47, Number.NaN),
      size: fc.constantFrom(1, 8),
    }),
  },
)
type Burst = typeof burstArbitrary extends fc.Arbitrary<infer B> ? B : never

/** The bursts' accesses at the machine's addresses; 'reset' where the write-watch bits are reset. */
function accessesOf(program: readonly Burst[], bases: readonly number[]): (Access | 'reset')[] {
  const accesses: (Access | 'reset')[] = []
  for (const burst of program) {
    if ('reset' in burst) {
      accesses.push('reset')
      continue
    }
    if ('address' in burst) {
      accesses.push([burst.kind, burst.address, burst.kind === RUN_EXECUTE ? 1 : burst.size])
      continue
    }
    const base = bases[burst.region]!
    const span = burst.region === 0 ? 0x30000 : 0x2000
    for (let index = 0; index < burst.count; index++) {
      const kind = burst.kind >= 0 ? burst.kind : index % 3 === 2 ? RUN_WRITE : RUN_READ
      const offset = (burst.offset + index * burst.step) % span
      accesses.push([kind, base + offset, kind === RUN_EXECUTE ? 1 : burst.size])
    }
  }
  return accesses
}

/** Everything the two machines must agree on. */
function observed(m: ReturnType<typeof machine>) {
  const { kernel, bases } = m
  const mm = kernel.mm
  return {
    mm: mm.digest(),
    hw: mm.mmu.digest(),
    counters: mm.counters,
    tlb: mm.mmu.statistics(),
    references: mm.referencesSinceTick,
    lastTick: mm.lastBalanceSetTick,
    watched: kernel.syscalls(m.pid).NtGetWriteWatch(-1, 0, bases[0]!, 0x30000, 64).addresses,
    bytes: kernel.cpu(m.pid).peek(bases[0]!, 0x100).data,
  }
}

// Mostly x86 (the TLB-hit path runTlbHits takes is the 32-bit one) and no recorder (with one, the
// run goes one by one).
const setupArbitrary = fc.record({
  arch: fc.constantFrom('x86' as const, 'x86' as const, 'x86' as const, 'x64' as const),
  policy: fc.constantFrom('nt' as const, 'nt' as const, 'working-set' as const),
  tickEvery: fc.constantFrom(1, 3, 7, 50, 0),
  watch: fc.boolean(),
  record: fc.constantFrom(undefined, undefined, undefined, undefined, 'eager' as const, true as const),
})

/** Runs `program` one by one on one machine and as runs on another: everything must agree. */
function sameAsOneByOne(setup: Setup, program: Burst[], capacity: number): void {
  const one = machine(setup)
  const batch = machine(setup)
  const accesses = accessesOf(program, one.bases)
  expect(batch.bases).toEqual(one.bases)
  const scratch = new Uint8Array(4096)
  const reset = (m: ReturnType<typeof machine>) =>
    m.kernel.syscalls(m.pid).NtGetWriteWatch(-1, 1, m.bases[0]!, 0x30000, 64).addresses
  const resets: unknown[] = []
  let failed = 0
  for (const access of accesses) {
    if (access === 'reset') {
      resets.push(reset(one))
      continue
    }
    const [kind, address, size] = access
    const status =
      kind === RUN_READ
        ? one.cpu.readInto(address, scratch, 0, size)
        : kind === RUN_WRITE
          ? one.cpu.write(address, new Uint8Array(size)).status
          : one.cpu.execute(address).status
    if (status !== 0) failed++
  }
  const run = new AccessRun(capacity)
  const batchResets: unknown[] = []
  let batchFailed = 0
  for (const access of accesses) {
    if (access === 'reset') {
      batchFailed += batch.cpu.runAccesses(run)
      run.clear()
      batchResets.push(reset(batch))
      continue
    }
    const [kind, address, size] = access
    run.push(kind, address, size)
    if (run.full) {
      batchFailed += batch.cpu.runAccesses(run)
      run.clear()
    }
  }
  batchFailed += batch.cpu.runAccesses(run)
  expect(batchFailed).toBe(failed)
  expect(batchResets).toEqual(resets)
  expect(observed(batch)).toEqual(observed(one))
  if (setup.record !== undefined) {
    expect(batch.kernel.trace!.length).toBe(one.kernel.trace!.length)
    expect(firstDivergentEvent(batch.kernel.trace!, one.kernel.trace!)).toBeUndefined()
  }
}

describe('Cpu.runAccesses', () => {
  it('makes a run of accesses exactly as the calls one by one: failures, machine state and recorded trace', () => {
    fc.assert(
      fc.property(
        setupArbitrary,
        fc.array(burstArbitrary, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 64 }),
        sameAsOneByOne,
      ),
      { numRuns: 100 },
    )
  })

  it('makes a recorded run (loads and fetches for their effect, word stores in place) exactly as one by one', () => {
    // Recorded eagerly, every access of a run goes through the per-access path: a load or a
    // fetch without its bytes (Mmu.readForEffect / fetchForEffect), a store recorded through the
    // MMU's lane (an aligned word in place). The trace, statuses and machine state must be one
    // by one's.
    fc.assert(
      fc.property(
        setupArbitrary.map((setup) => ({ ...setup, record: 'eager' as const })),
        fc.array(burstArbitrary, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 64 }),
        sameAsOneByOne,
      ),
      { numRuns: 60 },
    )
  })

  it('runs each balance-set tick right after the same reference as one by one, in the middle of a stretch of TLB hits', () => {
    const setup: Setup = { arch: 'x86', policy: 'nt', tickEvery: 5, watch: false, record: undefined }
    const one = machine(setup)
    const batch = machine(setup)
    const base = one.bases[0]!
    // 16 pages in (over the working set's maximum), then loads cycling over 3 pages: each tick
    // ages them (INVLPG), so a tick run late would leave TLB hits that are misses one by one.
    const run = new AccessRun(64)
    for (let page = 0; page < 16; page++) {
      one.cpu.write(base + page * 4096, [1])
      batch.cpu.write(base + page * 4096, [1])
    }
    for (let index = 0; index < 23; index++) {
      one.cpu.readInto(base + (index % 3) * 4096, new Uint8Array(8), 0, 8)
      run.push(RUN_READ, base + (index % 3) * 4096, 8)
    }
    expect(batch.cpu.runAccesses(run)).toBe(0)
    expect(batch.kernel.mm.mmu.statistics().data.hits).toBeGreaterThan(0)
    expect(observed(batch)).toEqual(observed(one))
  })

  it('notes a write that hits the TLB in the write watch, after the bits were reset', () => {
    const setup: Setup = { arch: 'x86', policy: 'working-set', tickEvery: 0, watch: true, record: undefined }
    const one = machine(setup)
    const batch = machine(setup)
    const base = one.bases[0]!
    const run = new AccessRun(4)
    const reset = (m: typeof one) =>
      m.kernel.syscalls(m.pid).NtGetWriteWatch(-1, 1, base, 0x30000, 64).addresses
    one.cpu.write(base + 8, new Uint8Array(8))
    run.push(RUN_WRITE, base + 8, 8)
    batch.cpu.runAccesses(run)
    expect(reset(batch)).toEqual(reset(one))
    // The page's TLB entry is still there, dirty: the second store is a hit.
    one.cpu.write(base + 16, new Uint8Array(8))
    batch.cpu.runAccesses(run)
    expect(reset(batch)).toEqual([base])
    expect(reset(one)).toEqual([base])
    expect(observed(batch)).toEqual(observed(one))
  })

  it('notes the writes of a run in a MEM_WRITE_WATCH allocation made after the thread last ran writes (GetWriteWatch)', () => {
    // The live process table changes in place when a watched allocation is made: the batch must
    // see the new watch, as the per-access write does.
    const setup: Setup = { arch: 'x86', policy: 'working-set', tickEvery: 0, watch: false, record: undefined }
    const batch = machine(setup)
    const nt = batch.kernel.syscalls(batch.pid)
    const base = batch.bases[0]!
    const before = new AccessRun(4)
    before.push(RUN_WRITE, base, 4)
    before.push(RUN_WRITE, base + 4, 4)
    expect(batch.cpu.runAccesses(before)).toBe(0)
    const watched = nt.NtAllocateVirtualMemory(
      -1,
      0,
      0,
      0x2000,
      MEM_RESERVE | MEM_COMMIT | MEM_WRITE_WATCH,
      PAGE_READWRITE,
    ).baseAddress
    const after = new AccessRun(4)
    // The first write faults the page in (per access), the second hits the TLB (the batch's path).
    after.push(RUN_WRITE, watched + 0x1000, 4)
    after.push(RUN_WRITE, watched + 0x1004, 4)
    expect(batch.cpu.runAccesses(after)).toBe(0)
    expect(nt.NtGetWriteWatch(-1, 1, watched, 0x2000, 8).addresses).toEqual([watched + 0x1000])
    const hit = new AccessRun(4)
    hit.push(RUN_WRITE, watched + 0x1008, 4)
    expect(batch.cpu.runAccesses(hit)).toBe(0)
    expect(nt.NtGetWriteWatch(-1, 0, watched, 0x2000, 8).addresses).toEqual([watched + 0x1000])
  })

  it('loads the process context (MOV CR3) only for an access that reaches the MMU, as one by one', () => {
    // An address the CPU refuses (no MMU, no CR3 load), then a load after another process ran.
    const setup: Setup = { arch: 'x86', policy: 'nt', tickEvery: 1, watch: false, record: undefined }
    const one = machine(setup)
    const batch = machine(setup)
    for (const m of [one, batch])
      m.kernel.cpu(m.kernel.createProcess({ name: 'b.exe' }).pid).write(m.bases[0]!, [1])
    expect(one.cpu.readInto(0.5, new Uint8Array(1), 0, 1)).not.toBe(0)
    const run = new AccessRun(4)
    run.push(RUN_READ, 0.5, 1)
    expect(batch.cpu.runAccesses(run)).toBe(1)
    expect(observed(batch)).toEqual(observed(one))
    expect(one.cpu.readInto(one.bases[0]!, new Uint8Array(8), 0, 8)).toBe(0)
    run.clear()
    run.push(RUN_READ, batch.bases[0]!, 8)
    expect(batch.cpu.runAccesses(run)).toBe(0)
    expect(observed(batch)).toEqual(observed(one))
  })

  it('throws on a read-only view of the past, as read does', () => {
    const m = machine({ arch: 'x86', policy: 'nt', tickEvery: 0, watch: false, record: 'eager' })
    m.cpu.write(m.bases[0]!, [1])
    const view = m.kernel.at(m.kernel.trace!.length - 1)
    const run = new AccessRun(1)
    run.push(RUN_READ, m.bases[0]!, 1)
    expect(() => view.cpu(m.pid).runAccesses(run)).toThrow()
  })
})
