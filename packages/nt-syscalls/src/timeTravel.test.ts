import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { firstDivergentEvent } from '@ntmm/trace'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { createKernel } from './createKernel.js'
import type { Kernel, KernelOptions } from './kernel.js'
import type { MachineCpuAccessEvent } from './machineSchema.js'
import { reexecute, verifyTrace } from './machineTraceFile.js'
import {
  MEM_COMMIT,
  MEM_DECOMMIT,
  MEM_RELEASE,
  MEM_RESERVE,
  PAGE_NOACCESS,
  PAGE_READONLY,
  PAGE_READWRITE,
} from './memoryConstants.js'
import { NtCurrentProcess } from './objectManager.js'

const directory = await mkdtemp(join(tmpdir(), 'ntmm-time-travel-'))
afterAll(() => rm(directory, { recursive: true, force: true }))

type Step =
  | { readonly kind: 'alloc'; readonly pages: number; readonly commit: boolean }
  | {
      readonly kind: 'write'
      readonly block: number
      readonly offset: number
      readonly value: number
      readonly length: number
    }
  | { readonly kind: 'read'; readonly block: number; readonly offset: number }
  | { readonly kind: 'protect'; readonly block: number; readonly protect: number }
  | { readonly kind: 'decommit'; readonly block: number }
  | { readonly kind: 'commit'; readonly block: number }
  | { readonly kind: 'free'; readonly block: number }
  | { readonly kind: 'process' }

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('alloc' as const),
      pages: fc.integer({ min: 1, max: 24 }),
      commit: fc.boolean(),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      block: fc.nat(8),
      offset: fc.nat(24 * 4096 - 1),
      value: fc.nat(255),
      length: fc.constantFrom(1, 4, 8, 13, 16, 32),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      block: fc.nat(8),
      offset: fc.nat(24 * 4096 - 1),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('protect' as const),
      block: fc.nat(8),
      protect: fc.constantFrom(PAGE_READONLY, PAGE_READWRITE, PAGE_NOACCESS),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('decommit' as const), block: fc.nat(8) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('commit' as const), block: fc.nat(8) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('free' as const), block: fc.nat(8) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('process' as const) }), weight: 1 },
)

interface Observation {
  readonly seq: number
  readonly pids: readonly number[]
  readonly bases: readonly number[]
  readonly map: string
  readonly bytes: string
  readonly tlb: string
  readonly counters: string
}

/** What the live kernel reports now: the address-space map, some bytes, TLB contents, counters. */
function observe(
  kernel: Kernel,
  pids: readonly number[],
  bases: readonly number[],
): Omit<Observation, 'seq' | 'pids' | 'bases'> {
  const map: string[] = []
  const bytes: string[] = []
  for (const pid of pids) {
    const nt = kernel.syscalls(pid)
    for (let address = 0x10000; address < 0x7ffe0000; ) {
      const result = nt.NtQueryVirtualMemory(NtCurrentProcess, address)
      if (result.status !== 0) break
      const info = result.info
      map.push(
        `${pid}:${info.baseAddress}:${info.regionSize}:${info.state}:${info.protect}:${info.allocationBase}`,
      )
      address = info.baseAddress + info.regionSize
    }
    for (const base of bases) {
      const peek = kernel.cpu(pid).peek(base, 64)
      bytes.push(`${pid}:${base}:${peek.status}:${Array.from(peek.data).join(',')}`)
    }
  }
  const tlb = JSON.stringify(kernel.mm.mmu.tlbEntries('data'))
  const counters = JSON.stringify({ ...kernel.mm.counters, tlb: kernel.mm.mmu.statistics() })
  return { map: map.join('|'), bytes: bytes.join('|'), tlb, counters }
}

/** Runs `steps` on a fresh machine; returns the kernel and observations at some moments. */
function run(
  steps: readonly Step[],
  options: KernelOptions,
  observeAt: (index: number) => boolean,
  markAt: (index: number) => boolean = () => true,
) {
  const kernel = createKernel({ physicalMemory: 64 * 4096, pageFile: 128 * 4096, ...options })
  const pids = [kernel.createProcess({ name: 'a.exe' }).pid]
  const bases: number[] = []
  const observations: Observation[] = []
  const results: unknown[] = []
  const marks: number[] = []
  steps.forEach((s, index) => {
    const pid = pids[index % pids.length]!
    const nt = kernel.syscalls(pid)
    const base = bases[('block' in s ? s.block : 0) % Math.max(1, bases.length)]
    switch (s.kind) {
      case 'alloc': {
        const r = nt.NtAllocateVirtualMemory(
          NtCurrentProcess,
          0,
          0,
          s.pages * 4096,
          MEM_RESERVE | (s.commit ? MEM_COMMIT : 0),
          PAGE_READWRITE,
        )
        results.push(r.status)
        if (r.status === 0) bases.push(r.baseAddress)
        break
      }
      case 'write':
        if (base !== undefined)
          results.push(kernel.cpu(pid).write(base + s.offset, new Uint8Array(s.length).fill(s.value)).status)
        break
      case 'read':
        if (base !== undefined) results.push(kernel.cpu(pid).read(base + s.offset, 4).status)
        break
      case 'protect':
        if (base !== undefined)
          results.push(nt.NtProtectVirtualMemory(NtCurrentProcess, base, 8192, s.protect).status)
        break
      case 'decommit':
        if (base !== undefined)
          results.push(nt.NtFreeVirtualMemory(NtCurrentProcess, base + 4096, 8192, MEM_DECOMMIT).status)
        break
      case 'commit':
        if (base !== undefined)
          results.push(
            nt.NtAllocateVirtualMemory(NtCurrentProcess, base, 0, 3 * 4096, MEM_COMMIT, PAGE_READWRITE)
              .status,
          )
        break
      case 'free':
        if (base !== undefined)
          results.push(nt.NtFreeVirtualMemory(NtCurrentProcess, base, 0, MEM_RELEASE).status)
        break
      case 'process':
        if (pids.length < 3) pids.push(kernel.createProcess().pid)
        break
    }
    // Reading the event count reads the trace (under deferred recording, a catch-up).
    marks.push(markAt(index) ? kernel.eventCount - 1 : -1)
    if (observeAt(index))
      observations.push({
        seq: kernel.eventCount - 1,
        pids: [...pids],
        bases: [...bases],
        ...observe(kernel, pids, bases),
      })
  })
  return { kernel, observations, results, pids, bases, marks }
}

/** Reserves and commits a 64 KiB block in `pid`; returns its base. */
function committedBlock(kernel: Kernel, pid: number): number {
  return kernel
    .syscalls(pid)
    .NtAllocateVirtualMemory(NtCurrentProcess, 0, 0, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
    .baseAddress
}

describe('time travel', () => {
  it('kernel.at(seq) agrees with what the live kernel reported at that moment, in any order, on x86 and x64', () => {
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 5, maxLength: 60 }),
        fc.constantFrom<'x86' | 'x64'>('x86', 'x64'),
        fc.integer({ min: 1, max: 1000 }),
        (steps, arch, salt) => {
          // Observing issues queries; on a recording kernel they are recorded too, so observe a
          // separate run without recording and compare by input index.
          const observeAt = (index: number) => (index * 7 + salt) % 5 === 0
          const live = run(steps, { arch, record: true }, () => false)
          const reference = run(steps, { arch }, observeAt)
          expect(live.results).toEqual(reference.results)
          // Map each observed input index to the seq right after that input on the recorded run.
          const ends: number[] = []
          steps.forEach((_, index) => {
            if (observeAt(index)) ends.push(live.marks[index]!)
          })
          const order = ends
            .map((_, index) => index)
            .sort((a, b) => ((a * 2654435761) % 97) - ((b * 2654435761) % 97))
          for (const index of order) {
            const view = live.kernel.at(ends[index]!)
            const expected = reference.observations[index]!
            expect(pidsAt(view)).toEqual(expected.pids)
            const seen = observe(view, expected.pids, expected.bases)
            expect(seen.map).toBe(expected.map)
            expect(seen.bytes).toBe(expected.bytes)
            expect(seen.tlb).toBe(expected.tlb)
            expect(seen.counters).toBe(expected.counters)
          }
        },
      ),
      { numRuns: 12 },
    )
  })

  it('two runs with the same seed record identical traces, and recording changes no result', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 40 }), (steps) => {
        const a = run(steps, { seed: 7, record: true }, () => false)
        const b = run(steps, { seed: 7, record: true }, () => false)
        const off = run(steps, { seed: 7 }, () => false)
        expect(a.results).toEqual(off.results)
        expect(a.kernel.mm.digest()).toBe(off.kernel.mm.digest())
        expect(a.kernel.trace!.length).toBe(b.kernel.trace!.length)
        for (let seq = 0; seq < a.kernel.trace!.length; seq++) {
          expect(a.kernel.trace!.causeOf(seq)).toBe(b.kernel.trace!.causeOf(seq))
          expect(a.kernel.trace!.at(seq)).toEqual(b.kernel.trace!.at(seq))
        }
      }),
      { numRuns: 10 },
    )
  })

  it('an access that only hits the TLB is one row holding its hit; an onEvent hook changes nothing recorded', () => {
    const record = (options: KernelOptions) => {
      const kernel = createKernel({ ...options, seed: 3, record: true })
      const { pid } = kernel.createProcess({ name: 'hit.exe' })
      const nt = kernel.syscalls(pid)
      const base = nt.NtAllocateVirtualMemory(
        -1,
        0,
        0,
        0x2000,
        MEM_RESERVE | MEM_COMMIT,
        PAGE_READWRITE,
      ).baseAddress
      const cpu = kernel.cpu(pid)
      cpu.write(base, [1, 2, 3, 4]) // demand-zero fault, fill
      const before = kernel.trace!.length
      cpu.read(base, 4)
      cpu.write(base + 4, [5, 6])
      return { kernel, before }
    }
    const seen: string[] = []
    const { kernel, before } = record({})
    const hooked = record({ onEvent: (entry) => seen.push(entry.event.type) }).kernel
    const log = kernel.trace!
    // The read: one row. The write: its row, then the store.
    expect(log.length - before).toBe(3)
    const read = log.at(before) as MachineCpuAccessEvent
    expect(read.type).toBe('nt.cpuAccess')
    expect(read.tlbHit).toBeGreaterThanOrEqual(0)
    expect(log.typeAt(before + 2)).toBe('hw.physicalWrite')
    expect(log.causeOf(before + 2)).toBe(before + 1)
    const hits = (seq: number) => kernel.at(seq).mm.mmu.statistics().data.hits
    expect(hits(before) - hits(before - 1)).toBe(1)
    expect(kernel.at(before + 2).mm.digest()).toBe(kernel.mm.digest())
    expect(hooked.trace!.length).toBe(log.length)
    for (let seq = 0; seq < log.length; seq++) expect(hooked.trace!.at(seq)).toEqual(log.at(seq))
    expect(seen).toContain('hw.tlbHit')
    const cursor = kernel.timeline.cursor(log.length)
    cursor.seek(before)
    expect(cursor.state.mm.digest()).toBe(kernel.timeline.copyOfStateAt(before).mm.digest())
  })

  it('the state rebuilt at the end equals the live machine, and stepping back (undo or checkpoint) matches a fresh seek', () => {
    const { kernel } = run(
      fc.sample(fc.array(step, { minLength: 40, maxLength: 40 }), { numRuns: 1, seed: 3 })[0]!,
      { record: true },
      () => false,
    )
    const timeline = kernel.timeline
    const length = kernel.trace!.length
    const end = timeline.stateAt(length)
    expect(end.mm.digest()).toBe(kernel.mm.digest())
    expect(end.ob.digestInput()).toBe(kernel.ob.state.digestInput())
    const cursor = timeline.cursor(length)
    const fresh = kernel.timeline.model
    for (let n = length; n > Math.max(0, length - 300); n--) {
      cursor.stepBack()
      const expected = fresh.restore(fresh.checkpoint(kernel.timeline.cursor(n - 1).state))
      expect(fresh.digest(cursor.state)).toBe(fresh.digest(expected))
    }
  })

  it.each([
    'jsonl',
    'binary',
  ] as const)('a trace saved as %s and reloaded agrees with the live kernel and reproduces on re-execution', async (format) => {
    const steps = fc.sample(fc.array(step, { minLength: 30, maxLength: 30 }), { numRuns: 1, seed: 11 })[0]!
    const { kernel, pids, bases } = run(steps, { record: true, arch: 'x64', seed: 5 }, () => false)
    const path = join(directory, `trace.${format}`)
    const saved = await kernel.saveTrace(path, { format })
    expect(saved.events).toBe(kernel.trace!.length)
    const { kernel: loaded, determinism } = await verifyTrace(path)
    expect(determinism).toMatchObject({ ok: true, events: kernel.trace!.length })
    expect(loaded.config).toEqual(kernel.config)
    expect(observe(loaded, pids, bases)).toEqual(observe(kernel, pids, bases))
    for (const seq of [0, Math.floor(saved.events / 3), saved.events - 1]) {
      expect(observe(loaded.at(seq), pidsAt(loaded.at(seq)), bases)).toEqual(
        observe(kernel.at(seq), pidsAt(kernel.at(seq)), bases),
      )
    }
  })

  it('reports the first divergence when the recorded events do not reproduce', async () => {
    const { kernel } = run(
      [
        { kind: 'alloc', pages: 2, commit: true },
        { kind: 'write', block: 0, offset: 0, value: 1, length: 4 },
      ],
      { record: true },
      () => false,
    )
    // Re-executing on another machine (x64 instead of x86) must diverge, and say where.
    const report = reexecute(kernel.trace!, { ...kernel.config, arch: 'x64' })
    expect(report.ok).toBe(false)
    if (!report.ok) expect(report.seq).toBeGreaterThanOrEqual(0)
  })

  it('a view refuses every call that would change state, naming the call and the seq', () => {
    const { kernel, pids, bases } = run(
      [{ kind: 'alloc', pages: 2, commit: true }],
      { record: true },
      () => false,
    )
    const view = kernel.at(kernel.trace!.length - 1)
    const pid = pids[0]!
    expect(() =>
      view.syscalls(pid).NtAllocateVirtualMemory(NtCurrentProcess, 0, 0, 4096, MEM_COMMIT, PAGE_READWRITE),
    ).toThrow(/NtAllocateVirtualMemory is refused.*event \d+/)
    expect(() => view.cpu(pid).write(bases[0]!, [1])).toThrow(/cpu\(\d+\)\.write is refused/)
    expect(() => view.createProcess()).toThrow(/createProcess is refused/)
    expect(view.syscalls(pid).NtQueryVirtualMemory(NtCurrentProcess, bases[0]!).status).toBe(0)
  })

  it('answers questions about the past: first mapped, first written, faults in an area, the cause of a frame', () => {
    const kernel = createKernel({ record: true, physicalMemory: 64 * 4096 })
    const { pid } = kernel.createProcess()
    const nt = kernel.syscalls(pid)
    const { baseAddress } = nt.NtAllocateVirtualMemory(
      NtCurrentProcess,
      0,
      0,
      0x10000,
      MEM_RESERVE | MEM_COMMIT,
      PAGE_READWRITE,
    )
    kernel.cpu(pid).read(baseAddress + 0x1000, 4)
    const beforeWrite = kernel.eventCount
    kernel.cpu(pid).write(baseAddress + 0x1004, [1, 2])
    const history = kernel.history
    const mapped = history.firstMapped(pid, baseAddress + 0x1000)!
    expect(kernel.trace!.at(mapped)).toMatchObject({
      type: 'mm.mappingCreated',
      pid,
      address: baseAddress + 0x1000,
    })
    expect(history.firstWritten(pid, baseAddress + 0x1000)).toBe(beforeWrite)
    expect(history.faultsIn(pid, baseAddress, baseAddress + 0x10000)).toHaveLength(1)
    const pfn = (kernel.trace!.at(mapped) as { pfn: number }).pfn
    const cause = history.frameAllocationCause(pfn)!
    expect(cause.input).toMatchObject({ type: 'nt.cpuAccess', access: 0 })
    expect(cause.chain.map((seq) => kernel.trace!.typeAt(seq))).toEqual([
      'mm.frameRequested',
      'hw.pageFault',
      'nt.cpuAccess',
    ])
    const page = history.pageHistory(pid, baseAddress + 0x1000)
    expect(page.map((entry) => entry.event.type)).toContain('mm.mappingCreated')
    expect(page.find((entry) => entry.event.type === 'mm.mappingCreated')!.pteWrites.length).toBeGreaterThan(
      0,
    )
  })

  describe('deferred recording (inputs now, events on read)', () => {
    it('records the same trace, event for event, as eager recording, whenever and however often it is read', () => {
      fc.assert(
        fc.property(
          fc.array(step, { minLength: 1, maxLength: 60 }),
          fc.constantFrom<'x86' | 'x64'>('x86', 'x64'),
          fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
          (steps, arch, reads) => {
            const eager = run(steps, { arch, seed: 3, record: 'eager' }, () => false)
            // Read (and so replay) after some steps only, and hold the first log read.
            const deferred = run(
              steps,
              { arch, seed: 3, record: true },
              () => false,
              (index) => reads[index]!,
            )
            const held = deferred.kernel.trace!
            expect(deferred.results).toEqual(eager.results)
            const trace = eager.kernel.trace!
            expect(held.length).toBe(trace.length)
            expect(firstDivergentEvent(trace, held)).toBeUndefined()
            for (let seq = 0; seq < trace.length; seq += 7) expect(held.causeOf(seq)).toBe(trace.causeOf(seq))
            // Where the deferred run read its event count, it read the eager run's.
            deferred.marks.forEach((mark, index) => {
              if (reads[index]) expect(mark).toBe(eager.marks[index])
            })
          },
        ),
        { numRuns: 60 },
      )
    })

    it('keeps a log read earlier up to date: its length and events follow the machine', () => {
      const kernel = createKernel({ record: true })
      const log = kernel.trace!
      expect(log.length).toBe(0)
      const { pid } = kernel.createProcess({ name: 'late.exe' })
      const base = committedBlock(kernel, pid)
      const before = log.length
      expect(before).toBeGreaterThan(2)
      expect(kernel.cpu(pid).write(base + 40, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).status).toBe(0)
      // No read in between: the held log catches up when its length is read.
      const after = log.length
      expect(after).toBeGreaterThan(before)
      const types = Array.from({ length: after - before }, (_, index) => log.typeAt(before + index))
      expect(types[0]).toBe('nt.cpuAccess')
      expect(types).toContain('hw.pageFault')
      expect(types).toContain('nt.cpuWriteWords')
      expect(
        kernel
          .at(after - 1)
          .cpu(pid)
          .peek(base + 40, 10).data,
      ).toEqual(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
    })

    it('replays the inputs of a run whose live calls threw (no frame left for another process) like eager recording', () => {
      const traceOf = (record: true | 'eager') => {
        const kernel = createKernel({ record, physicalMemory: 6 * 4096, pageFile: 16 * 4096 })
        let thrown = 0
        for (let index = 0; index < 8; index++) {
          try {
            kernel.createProcess()
          } catch (error) {
            expect(error).toBeInstanceOf(RangeError)
            thrown++
          }
        }
        return { kernel, trace: kernel.trace!, thrown }
      }
      const eager = traceOf('eager')
      const deferred = traceOf(true)
      expect(eager.thrown).toBeGreaterThan(0)
      expect(deferred.thrown).toBe(eager.thrown)
      expect(deferred.trace.length).toBe(eager.trace.length)
      expect(firstDivergentEvent(eager.trace, deferred.trace)).toBeUndefined()
      // Rule: a process that cannot get its page directory is not created at all (NtCreateProcess
      // fails as a whole): the machine stays consistent, live and in the past.
      for (const { kernel } of [eager, deferred]) {
        expect(checkKernelInvariants(kernel)).toEqual([])
        expect(kernel.processes().map((process) => process.pid)).toEqual([4, 8, 12, 16])
        expect(kernel.at(kernel.eventCount - 1).processes()).toEqual(kernel.processes())
        expect(() => kernel.cpu(20)).toThrow(RangeError)
      }
    })

    it('refuses to show a trace that re-execution cannot reproduce (a change made straight through kernel.mm)', () => {
      const kernel = createKernel({ record: true })
      const { pid } = kernel.createProcess()
      committedBlock(kernel, pid)
      expect(kernel.trace!.length).toBeGreaterThan(0)
      // Not an input: the memory manager is changed behind the Kernel's back.
      const space = kernel.mm.addressSpace(pid)!
      kernel.mm.createArea(space, {
        size: 0x10000,
        type: 'VIRTUAL_MEMORY',
        protect: PAGE_READWRITE,
        commit: true,
      })
      committedBlock(kernel, pid)
      expect(() => kernel.trace!.length).toThrow(/outside the Kernel API.*record: 'eager'/)
      // And it stays refused: the companion's trace is not the machine's.
      expect(() => kernel.eventCount).toThrow(/outside the Kernel API/)
    })

    it('re-executes debug inputs (PTE rewrite, INVLPG, noted accesses, future references) like eager recording', () => {
      const traceOf = (record: true | 'eager') => {
        const kernel = createKernel({ record, replacementPolicy: 'opt', physicalMemory: 32 * 4096 })
        const { pid } = kernel.createProcess()
        const base = committedBlock(kernel, pid)
        const cpu = kernel.cpu(pid)
        kernel.debug.setFutureReferences(pid, [base, base + 0x1000, base])
        cpu.write(base, [7])
        kernel.debug.noteAccess(pid, base + 0x1000)
        const pte = kernel.debug.readPte(pid, base)!
        kernel.debug.writePte(pid, base, { low: pte.low & ~2, high: pte.high })
        cpu.write(base + 4, [8])
        kernel.debug.invlpg(pid, base)
        cpu.write(base + 8, [9])
        return kernel.trace!
      }
      const eager = traceOf('eager')
      const deferred = traceOf(true)
      const types = Array.from({ length: eager.length }, (_, seq) => eager.typeAt(seq))
      expect(types.filter((type) => type === 'nt.debugInput')).toHaveLength(4)
      expect(deferred.length).toBe(eager.length)
      expect(firstDivergentEvent(eager, deferred)).toBeUndefined()
    })

    it('records Win32 SetLastError calls as inputs, so a replay sets the same last error', () => {
      const kernel = createKernel({ record: true })
      const { pid } = kernel.createProcess()
      kernel.win32(pid).SetLastError(87)
      kernel.win32(pid).SetLastError(5)
      const seq = kernel.eventCount - 1
      const view = kernel.at(seq)
      expect(view.win32(pid).GetLastError()).toBe(5)
      expect(
        kernel
          .at(seq - 1)
          .win32(pid)
          .GetLastError(),
      ).toBe(87)
    })

    it("a view's failing VirtualQuery sets the view's last error, not the past's", () => {
      const kernel = createKernel({ record: true })
      const { pid } = kernel.createProcess()
      kernel.win32(pid).SetLastError(5)
      const seq = kernel.eventCount - 1
      const view = kernel.at(seq)
      expect(view.win32(pid).VirtualQuery(0xffff0000).result).toBe(0)
      expect(view.win32(pid).GetLastError()).toBe(87) // ERROR_INVALID_PARAMETER
      expect(kernel.at(seq).win32(pid).GetLastError()).toBe(5)
      expect(kernel.win32(pid).GetLastError()).toBe(5)
    })

    it('the determinism check re-executes SetLastError calls made outside a system call', async () => {
      const kernel = createKernel({ record: 'eager' })
      const { pid } = kernel.createProcess()
      kernel.win32(pid).SetLastError(87)
      const path = join(directory, 'last-error.jsonl')
      await kernel.saveTrace(path, { format: 'jsonl' })
      const { determinism } = await verifyTrace(path)
      expect(determinism).toEqual({ ok: true, events: kernel.eventCount, inputs: 2 })
    })
  })
})

function pidsAt(kernel: Kernel): number[] {
  return kernel
    .processes()
    .filter((process) => !process.exited)
    .map((process) => process.pid)
}
