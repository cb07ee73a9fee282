// Recording a machine under the 'nt' policy (issue 21, docs/paging.md): random programs of several
// processes with balance-set ticks (every few references and explicit), working-set limits, page
// priorities, locked pages, RAMMap's list commands and a process exit. Properties: kernel.at(seq)
// shows the live machine's digest at every access boundary; deferred and eager recording give the
// same trace; a saved trace loads (both encodings) to the same machine, re-executes event for
// event and matches its recorded digests; a loaded machine keeps running as the original does (the
// references counted toward the next tick come back with it).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { createKernel } from './createKernel.js'
import type { Kernel, KernelOptions } from './kernel.js'
import { loadKernel, verifyTrace } from './machineTraceFile.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'

const directory = mkdtempSync(join(tmpdir(), 'ntmm-nt-recording-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const PAGE = 0x1000
const PAGES = 40
const ME = -1

/** One step of a program (`process` indexes the running processes). */
type Step =
  | { readonly op: 'write'; readonly process: number; readonly page: number; readonly value: number }
  | { readonly op: 'read'; readonly process: number; readonly page: number }
  | { readonly op: 'tick' }
  | {
      readonly op: 'limits'
      readonly process: number
      readonly minimum: number
      readonly maximum: number
      readonly flags: number
    }
  | { readonly op: 'priority'; readonly process: number; readonly priority: number }
  | { readonly op: 'lock'; readonly process: number; readonly page: number; readonly unlock: boolean }
  | { readonly op: 'empty'; readonly process: number }
  | { readonly op: 'command'; readonly command: number }
  | { readonly op: 'exit'; readonly process: number }

const process = fc.nat({ max: 2 })
const page = fc.nat({ max: PAGES - 1 })
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({ op: fc.constant('write' as const), process, page, value: fc.nat({ max: 255 }) }),
  },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('read' as const), process, page }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('limits' as const),
      process,
      minimum: fc.integer({ min: 4, max: 12 }),
      maximum: fc.integer({ min: 12, max: 40 }),
      flags: fc.constantFrom(0, 1, 4, 5, 2, 8, 10),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('priority' as const), process, priority: fc.nat({ max: 7 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('lock' as const), process, page, unlock: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('empty' as const), process }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('command' as const), command: fc.integer({ min: 2, max: 5 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('exit' as const), process }) },
)
const program = fc.record({
  tickEvery: fc.constantFrom(0, 5, 13),
  steps: fc.array(step, { minLength: 10, maxLength: 120 }),
})

/** 96 frames for three processes of 40 pages each: trimming, writing and repurposing. */
function ntOptions(tickEvery: number): KernelOptions {
  return { physicalMemory: 96 * PAGE, pageFile: 1 << 20, replacementPolicy: 'nt', nt: { tickEvery } }
}

/**
 * Runs `steps` on `kernel` (three processes of 40 committed pages; an exited process's steps do
 * nothing); `afterStep` hears each step's end.
 */
function run(kernel: Kernel, steps: readonly Step[], afterStep: () => void = () => {}): void {
  const processes = ['a.exe', 'b.exe', 'c.exe'].map((name) => {
    const { pid } = kernel.createProcess({ name })
    const base = kernel
      .syscalls(pid)
      .NtAllocateVirtualMemory(ME, 0, 0, PAGES * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
    return { pid, base, exited: false }
  })
  afterStep()
  for (const s of steps) {
    if (s.op === 'tick') kernel.tick()
    else if (s.op === 'command') {
      const caller = processes.find((candidate) => !candidate.exited)
      caller && kernel.syscalls(caller.pid).NtSetSystemInformation(80, s.command)
    } else {
      const target = processes[s.process]!
      if (target.exited) continue
      const { pid, base } = target
      switch (s.op) {
        case 'write':
          kernel.cpu(pid).write(base + s.page * PAGE, [s.value, s.page])
          break
        case 'read':
          kernel.cpu(pid).read(base + s.page * PAGE, 2)
          break
        case 'limits':
          kernel.win32(pid).SetProcessWorkingSetSizeEx(-1, s.minimum * PAGE, s.maximum * PAGE, s.flags)
          break
        case 'priority':
          kernel.syscalls(pid).NtSetInformationProcess(ME, 39, s.priority)
          break
        case 'lock':
          if (s.unlock) kernel.win32(pid).VirtualUnlock(base + s.page * PAGE, PAGE)
          else kernel.win32(pid).VirtualLock(base + s.page * PAGE, PAGE)
          break
        case 'empty':
          kernel.win32(pid).EmptyWorkingSet(-1)
          break
        case 'exit':
          kernel.terminateProcess(pid)
          target.exited = true
          break
      }
    }
    afterStep()
  }
}

describe("recording the 'nt' policy", () => {
  it('kernel.at(seq) is the live machine after every step, and the machine is sound there', () => {
    fc.assert(
      fc.property(program, ({ tickEvery, steps }) => {
        const kernel = createKernel({ ...ntOptions(tickEvery), record: 'eager' })
        const live: [number, string][] = []
        run(kernel, steps, () => live.push([kernel.eventCount - 1, kernel.mm.digest()]))
        for (const [seq, digest] of live) expect(kernel.at(seq).mm.digest()).toBe(digest)
        const last = live.at(-1)![0]
        expect(checkKernelInvariants(kernel.at(last), { tlb: false, traceFrom: kernel.eventCount })).toEqual(
          [],
        )
      }),
      { numRuns: 15 },
    )
  })

  it('a view of the past answers the working-set and memory queries as the live machine did then', () => {
    fc.assert(
      fc.property(program, ({ tickEvery, steps }) => {
        const kernel = createKernel({ ...ntOptions(tickEvery), record: true })
        // A process that never exits asks: system-wide lists and counters, and its own counters
        // and limits (the queries change no state, so the view right before them must answer alike).
        const observer = kernel.createProcess({ name: 'observer.exe' }).pid
        const ask = (machine: Kernel) => {
          const nt = machine.syscalls(observer)
          const win32 = machine.win32(observer)
          return JSON.stringify([
            nt.NtQuerySystemInformation(2),
            nt.NtQuerySystemInformation(80),
            nt.NtQueryInformationProcess(ME, 3),
            win32.GetProcessMemoryInfo(ME),
            win32.GetProcessWorkingSetSizeEx(ME),
            win32.GlobalMemoryStatusEx(),
          ])
        }
        const live: [number, string][] = []
        run(kernel, steps, () => live.push([kernel.eventCount - 1, ask(kernel)]))
        for (const [seq, answers] of live) expect(ask(kernel.at(seq)), `#${seq}`).toBe(answers)
        // What changes state is still refused.
        expect(() => kernel.at(live[0]![0]).win32(observer).EmptyWorkingSet(ME)).toThrow(/read-only view/)
      }),
      { numRuns: 8 },
    )
  })

  it('records the same trace deferred and eager', () => {
    fc.assert(
      fc.property(program, ({ tickEvery, steps }) => {
        const eager = createKernel({ ...ntOptions(tickEvery), record: 'eager' })
        const deferred = createKernel({ ...ntOptions(tickEvery), record: true })
        run(eager, steps)
        run(deferred, steps)
        const a = eager.trace!
        const b = deferred.trace!
        expect(b.length).toBe(a.length)
        for (let seq = 0; seq < a.length; seq++)
          expect(JSON.stringify(b.at(seq))).toBe(JSON.stringify(a.at(seq)))
        expect(deferred.mm.digest()).toBe(eager.mm.digest())
      }),
      { numRuns: 15 },
    )
  })

  it('saves, loads, re-executes and checks the digests of a random program, both encodings', async () => {
    let file = 0
    await fc.assert(
      fc.asyncProperty(
        program,
        fc.constantFrom('jsonl' as const, 'binary' as const),
        async ({ tickEvery, steps }, format) => {
          const kernel = createKernel({ ...ntOptions(tickEvery), record: true })
          run(kernel, steps)
          const path = join(directory, `nt-${file++}.${format}`)
          await kernel.saveTrace(path, { format, digestEvery: 7 })
          const { kernel: loaded, determinism, digests } = await verifyTrace(path)
          expect(determinism).toMatchObject({ ok: true })
          expect(digests.ok).toBe(true)
          expect(loaded.mm.digest()).toBe(kernel.mm.digest())
          expect(loaded.config).toEqual(kernel.config)
          // Sampled seqs of the loaded trace show what the live recording shows there.
          for (let seq = 0; seq < kernel.eventCount; seq += 1 + Math.floor(kernel.eventCount / 12))
            expect(loaded.at(seq).mm.digest()).toBe(kernel.at(seq).mm.digest())
        },
      ),
      { numRuns: 6 },
    )
  })

  it('a loaded machine counts the references toward the next tick where the original stopped', async () => {
    const options = ntOptions(7)
    const kernel = createKernel({ ...options, record: true })
    const { pid } = kernel.createProcess({ name: 'a.exe' })
    const base = kernel
      .syscalls(pid)
      .NtAllocateVirtualMemory(ME, 0, 0, PAGES * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
    // 45 references: 6 ticks and 3 references toward the 7th.
    for (let index = 0; index < 45; index++) kernel.cpu(pid).write(base + (index % PAGES) * PAGE, [index])
    expect(kernel.mm.referencesSinceTick).toBe(3)
    const path = join(directory, 'references.jsonl')
    await kernel.saveTrace(path)
    const loaded = await loadKernel(path)
    expect(loaded.mm.referencesSinceTick).toBe(3)
    expect(kernel.at(kernel.eventCount - 1).mm.referencesSinceTick).toBe(3)
    // Both go on the same way: the 4th reference from now is a tick on each.
    for (const machine of [kernel, loaded])
      for (let index = 0; index < 4; index++) machine.cpu(pid).read(base + index * PAGE, 1)
    expect(loaded.mm.lastBalanceSetTick).toBe(7)
    expect(loaded.mm.digest()).toBe(kernel.mm.digest())
  })

  it('kernel.tick() is an input: it causes what its tick runs, and a view of the past refuses it', () => {
    const kernel = createKernel({ ...ntOptions(0), record: 'eager' })
    const { pid } = kernel.createProcess({ name: 'a.exe' })
    const base = kernel
      .syscalls(pid)
      .NtAllocateVirtualMemory(ME, 0, 0, PAGES * PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
    for (let index = 0; index < PAGES; index++) kernel.cpu(pid).write(base + index * PAGE, [index])
    kernel.syscalls(pid).NtSetSystemInformation(80, 2)
    const first = kernel.eventCount
    expect(kernel.tick()).toBe(1)
    const log = kernel.trace!
    expect(log.at(first)).toEqual({ type: 'mm.balanceSetTick', tick: 1, previousTick: 0, reason: 'explicit' })
    expect(log.causeOf(first)).toBeUndefined()
    expect(log.length).toBeGreaterThan(first + 1)
    for (let seq = first + 1; seq < log.length; seq++) expect(log.causeOf(seq)).toBe(first)
    expect(() => kernel.at(first).tick()).toThrow(/tick/)
  })
})
