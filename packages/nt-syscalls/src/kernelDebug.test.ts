import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import type { Kernel } from './kernel.js'
import type { MachineDebugInputEvent } from './machineSchema.js'
import { reexecute, verifyTrace } from './machineTraceFile.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'
import { NtCurrentProcess } from './objectManager.js'

const directory = await mkdtemp(join(tmpdir(), 'ntmm-debug-'))
afterAll(() => rm(directory, { recursive: true, force: true }))

function allocate(kernel: Kernel, pid: number, pages: number): number {
  const result = kernel
    .syscalls(pid)
    .NtAllocateVirtualMemory(NtCurrentProcess, 0, 0, pages * 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
  return result.baseAddress
}

/** A stale TLB entry made with writePte, then INVLPG; returns the bytes read at each step. */
function staleEntry(kernel: Kernel): number[] {
  const { pid } = kernel.createProcess({ name: 'stale.exe' })
  const cpu = kernel.cpu(pid)
  const base = allocate(kernel, pid, 2)
  cpu.write(base, [0xaa])
  cpu.write(base + 0x1000, [0xbb])
  cpu.read(base, 1)
  const original = kernel.debug.readPte(pid, base)!
  const other = kernel.debug.readPte(pid, base + 0x1000)!
  expect(kernel.debug.writePte(pid, base, other)).toBe(true)
  const stale = cpu.read(base, 1).data[0]!
  kernel.debug.invlpg(pid, base)
  const fresh = cpu.read(base, 1).data[0]!
  kernel.debug.writePte(pid, base, original)
  kernel.debug.invlpg(pid, base)
  return [stale, fresh, cpu.read(base, 1).data[0]!]
}

/** More pages touched than RAM holds, each reference noted, OPT told the future; returns the counters. */
function pressure(kernel: Kernel): Kernel['mm']['counters'] {
  const { pid } = kernel.createProcess({ name: 'pressure.exe' })
  const cpu = kernel.cpu(pid)
  const base = allocate(kernel, pid, 192)
  const references = Array.from({ length: 600 }, (_, index) =>
    index % 3 === 2 ? index % 192 : (index * 7) % 16,
  )
  kernel.debug.setFutureReferences(
    pid,
    references.map((page) => base + page * 0x1000),
  )
  for (const page of references) {
    kernel.debug.noteAccess(pid, base + page * 0x1000)
    cpu.write(base + page * 0x1000, [page])
  }
  return kernel.mm.counters
}

describe('kernelDebug', () => {
  it('a PTE rewritten without INVLPG is not seen until the page is invalidated', () => {
    const kernel = createKernel({ tlb: { data: { entries: 8, ways: 8, policy: 'lru' } } })
    expect(staleEntry(kernel)).toEqual([0xaa, 0xbb, 0xaa])
  })

  it.each([
    ['lru', 'jsonl'],
    ['opt', 'binary'],
  ] as const)('every debug call is a recorded input that replays under %s (%s file, verify ok)', async (policy, format) => {
    const options = { physicalMemory: 256 * 1024, replacementPolicy: policy, seed: 3 } as const
    const kernel = createKernel({
      ...options,
      record: true,
      tlb: { data: { entries: 8, ways: 8, policy: 'lru' } },
    })
    expect(staleEntry(kernel)).toEqual([0xaa, 0xbb, 0xaa])
    const counters = pressure(kernel)
    expect(counters.hardFaults).toBeGreaterThan(0)
    // Recording changes nothing the machine does.
    const plain = createKernel({ ...options, tlb: { data: { entries: 8, ways: 8, policy: 'lru' } } })
    staleEntry(plain)
    expect(pressure(plain)).toEqual(counters)

    const log = kernel.trace!
    const calls = new Set<string>()
    for (let seq = 0; seq < log.length; seq++) {
      const event = log.view(seq)!
      if (event.type === 'nt.debugInput') {
        calls.add((event as MachineDebugInputEvent).call)
        expect(log.causeOf(seq)).toBeUndefined()
      } else if (event.type === 'hw.pteWritten' && calls.has('writePte') && calls.size === 1) {
        // The rewrite's PTE store is caused by the debug input right before it.
        expect(log.view(log.causeOf(seq)!)!.type).toBe('nt.debugInput')
      }
    }
    expect([...calls].sort()).toEqual(['invlpg', 'noteAccess', 'setFutureReferences', 'writePte'])

    const path = join(directory, `debug-${policy}.${format}`)
    await kernel.saveTrace(path, { format })
    const { kernel: loaded, determinism } = await verifyTrace(path)
    expect(determinism).toMatchObject({ ok: true, events: log.length })
    expect(loaded.eventCount).toBe(log.length)
  })

  it('re-execution without the debug inputs diverges (they are what makes the run reproducible)', () => {
    const kernel = createKernel({ record: true, tlb: { data: { entries: 8, ways: 8, policy: 'lru' } } })
    staleEntry(kernel)
    const log = kernel.trace!
    const first = Array.from({ length: log.length }, (_, seq) => seq).find(
      (seq) => log.view(seq)!.type === 'nt.debugInput',
    )!
    expect(reexecute(log, kernel.config).ok).toBe(true)
    // The same machine without kernel.debug: the first input after the rewrite differs.
    const bare = createKernel({ record: true, tlb: { data: { entries: 8, ways: 8, policy: 'lru' } } })
    const { pid } = bare.createProcess({ name: 'stale.exe' })
    const base = allocate(bare, pid, 2)
    bare.cpu(pid).write(base, [0xaa])
    bare.cpu(pid).write(base + 0x1000, [0xbb])
    bare.cpu(pid).read(base, 1)
    expect(bare.trace!.length).toBe(first)
  })

  it('notes a run of references as noteAccess one by one: stamps, tick, victims and the throw at a bad address', () => {
    const run = (record: boolean, batched: boolean) => {
      const kernel = createKernel({
        physicalMemory: 48 * 4096,
        replacementPolicy: 'lru',
        ...(record ? { record: true } : {}),
      })
      const { pid } = kernel.createProcess({ name: 'notes.exe' })
      const cpu = kernel.cpu(pid)
      const base = allocate(kernel, pid, 64)
      const addresses = new Float64Array(40)
      let thrown: string | undefined
      for (let round = 0; round < 30; round++) {
        // Pages repeated within a run, some not resident, and a run ending in an address x86 has not.
        for (let index = 0; index < addresses.length; index++)
          addresses[index] = base + (((round * 13 + index * index) % 64) * 0x1000 + (index % 5))
        if (round === 29) addresses[25] = 2 ** 32 + 5
        try {
          if (batched) kernel.debug.noteAccessRun(pid, addresses, 3, 37)
          else for (let index = 3; index < 37; index++) kernel.debug.noteAccess(pid, addresses[index]!)
        } catch (error) {
          thrown = String(error)
        }
        cpu.write(base + ((round * 7) % 64) * 0x1000, [round])
      }
      const snapshot = kernel.mm.snapshot()
      return {
        thrown,
        tick: snapshot.tick,
        lastUse: Array.from(snapshot.lastUse),
        digest: kernel.mm.digest(),
        events: kernel.eventCount,
      }
    }
    for (const record of [false, true]) {
      const one = run(record, false)
      expect(one.thrown).toMatch(/RangeError/)
      expect(run(record, true)).toEqual(one)
    }
  })

  it('refuses debug calls on a view of the past and for a pid with no process', () => {
    const kernel = createKernel({ record: true })
    const { pid } = kernel.createProcess()
    const base = allocate(kernel, pid, 1)
    kernel.cpu(pid).write(base, [1])
    const view = kernel.at(kernel.eventCount - 1)
    expect(() => view.debug.invlpg(pid, base)).toThrow(/debug\.invlpg is refused/)
    expect(() => kernel.debug.noteAccess(pid + 400, base)).toThrow(RangeError)
    expect(kernel.debug.readPte(pid, base)).toEqual(view.debug.readPte(pid, base))
  })
})
