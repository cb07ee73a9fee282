import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createKernel } from '../createKernel.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from '../memoryConstants.js'
import { detectMemoryTraceFormat } from './memoryTraceFormats.js'
import { replayMemoryTrace } from './replayMemoryTrace.js'

const LACKEY = new URL('../../test-data/sort.lackey.gz', import.meta.url).pathname
const directory = await mkdtemp(join(tmpdir(), 'ntmm-import-'))
afterAll(() => rm(directory, { recursive: true, force: true }))

const small = () => createKernel({ physicalMemory: 256 * 4096, pageFile: 512 * 4096 })

describe('detectMemoryTraceFormat', () => {
  it.each([
    ['lackey', ['==1== Lackey', 'I  004014f0,2', ' L 1fff000750,8', ' M 00404000,4', ' S 00404008,4']],
    ['course', ['0041f7a0 R', '13f5e2c0 W', '05e78900 r']],
    ['course-ls', ['l 0x1fffff50 1', 's 0x1fffff40 3']],
    ['pinatrace', ['0x400519: W 0x7fff5b3c', '0x40051d: R 0x601040', '#eof']],
    ['page-list', ['1', '2', '3', '1', '4']],
  ] as const)('recognises %s', (format, lines) => {
    expect(detectMemoryTraceFormat(lines)).toBe(format)
  })

  it('gives up on text of no known format', () => {
    expect(detectMemoryTraceFormat(['hello world', 'x'])).toBeUndefined()
  })
})

describe('replayMemoryTrace', () => {
  it('replays the shipped lackey trace of a real program (sort.c) on x86 and x64, reporting what it did', async () => {
    for (const arch of ['x86', 'x64'] as const) {
      const kernel = createKernel({ arch, record: true })
      const progress: number[] = []
      const report = await replayMemoryTrace(kernel, LACKEY, { onProgress: (p) => progress.push(p.lines) })
      expect(report.format).toBe('lackey')
      expect(report.completed).toBe(true)
      expect(report.malformedLines).toBe(0)
      expect(report.accesses).toBe(report.reads + report.writes + report.fetches)
      expect(report.fetches).toBeGreaterThan(report.reads)
      expect(report.exceptions).toBe(0)
      expect(report.tlb.data.hits + report.tlb.data.misses).toBeGreaterThanOrEqual(report.accesses)
      expect(report.faults.demandZero).toBe(report.faults.total)
      expect(report.peakWorkingSet).toBeGreaterThan(0)
      expect(report.policy).toMatch(/64 KiB block/)
      // The stack (0x1fff000000) is above the x86 user range: relocated there, in place on x64.
      if (arch === 'x86') expect(report.blocksRelocated).toBeGreaterThan(0)
      else expect(report.blocksRelocated).toBe(0)
      expect(progress.at(-1)).toBe(report.lines)
      expect(report.traceRange!.endSeq).toBe(kernel.trace!.length)
    }
  })

  it('treats M as a load then a store, and an access crossing a page touches both pages', async () => {
    const kernel = small()
    const report = await replayMemoryTrace(kernel, [' M 00020ffe,4', ' L 00030000,1'], { format: 'lackey' })
    expect(report).toMatchObject({ reads: 2, writes: 1, exceptions: 0 })
    // 0x20ffe..0x21001 crosses into a second page: two demand-zero faults, then one for 0x30000.
    expect(report.faults.demandZero).toBe(3)
  })

  it('rejects malformed lines with their line number, stopping or skipping as asked', async () => {
    const lines = ['0041f7a0 R', 'garbage here', '0041f7a4 W', '0041f7a8 Q']
    const stopped = await replayMemoryTrace(small(), lines, { format: 'course' })
    expect(stopped.completed).toBe(false)
    expect(stopped.errors).toEqual([{ line: 2, message: 'expected a hex address', text: 'garbage here' }])
    expect(stopped.accesses).toBe(1)
    const skipped = await replayMemoryTrace(small(), lines, { format: 'course', onError: 'skip' })
    expect(skipped.completed).toBe(true)
    expect(skipped.errors.map((error) => error.line)).toEqual([2, 4])
    expect(skipped.accesses).toBe(2)
  })

  it('replays the course l/s variant, pinatrace and page lists', async () => {
    expect((await replayMemoryTrace(small(), ['l 0x1fffff50 1', 's 0x1fffff40 3'])).writes).toBe(1)
    expect(
      (await replayMemoryTrace(small(), ['0x400519: W 0x7fff5b3c', '#eof'], { format: 'pinatrace' })).writes,
    ).toBe(1)
    const pages = await replayMemoryTrace(small(), ['16', '17', '16', '40'], { format: 'page-list' })
    expect(pages).toMatchObject({ reads: 4, faults: { demandZero: 3 } })
  })

  it('notes every access for LRU when asked (without the notes LRU sees only faults: FIFO)', async () => {
    // Four hot pages touched between the pages of a long cold scan, on 64 frames: LRU keeps the
    // hot pages resident, FIFO evicts them in turn as they get old.
    const pages = Array.from({ length: 1600 }, (_, i) => String(i % 2 === 0 ? (i / 2) % 4 : 100 + i))
    const faults = async (
      replacementPolicy: 'fifo' | 'lru' | 'opt',
      options: { noteAccesses?: boolean; futureReferences?: boolean } = {},
    ) => {
      const kernel = createKernel({ physicalMemory: 64 * 4096, pageFile: 1024 * 4096, replacementPolicy })
      const report = await replayMemoryTrace(kernel, pages, { format: 'page-list', ...options })
      expect(report.accesses).toBe(1600)
      return report.faults
    }
    const fifo = await faults('fifo')
    const lruNoted = await faults('lru', { noteAccesses: true })
    expect(await faults('lru')).toEqual(fifo)
    // Read-only pages are dropped, not written: a hot page's return is a demand-zero fault again.
    expect(lruNoted.total).toBeLessThan(fifo.total - 20)
    // With the whole future, OPT does at least as well as LRU (Belady).
    expect((await faults('opt', { futureReferences: true })).total).toBeLessThanOrEqual(lruNoted.total)
  })

  // The textbook's reference string (Silberschatz, Operating System Concepts) on a machine whose
  // RAM leaves the program `frames` frames: x86 takes 4 (the system's and the process's page
  // directory and table), x64 6 (four paging levels). Every count is the textbook's.
  it.each([
    ['x86', 2, { fifo: 15, lru: 17, opt: 13 }],
    ['x86', 3, { fifo: 15, lru: 12, opt: 9 }],
    ['x86', 4, { fifo: 10, lru: 8, opt: 8 }],
    ['x64', 3, { fifo: 15, lru: 12, opt: 9 }],
  ] as const)('rule: on %s with %i frames left to the program, the classic string faults as the textbook says', async (arch, frames, expected) => {
    const string = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1].map((page) =>
      String(16 + page),
    )
    const overhead = arch === 'x86' ? 4 : 6
    for (const policy of ['fifo', 'lru', 'opt'] as const) {
      const kernel = createKernel({
        arch,
        physicalMemory: (frames + overhead) * 4096,
        pageFile: 64 * 4096,
        replacementPolicy: policy,
      })
      const report = await replayMemoryTrace(kernel, string, {
        format: 'page-list',
        noteAccesses: policy === 'lru',
        futureReferences: policy === 'opt',
      })
      expect({ policy, faults: report.faults.total }).toEqual({ policy, faults: expected[policy] })
    }
  })

  it('refuses RAM smaller than a process needs, naming the minimum of the architecture', () => {
    expect(() => createKernel({ arch: 'x86', physicalMemory: 5 * 4096 })).toThrow(/at least 6 pages on x86/)
    expect(() => createKernel({ arch: 'x64', physicalMemory: 7 * 4096 })).toThrow(/at least 8 pages on x64/)
    expect(() => createKernel({ arch: 'x86-pae', physicalMemory: 15 * 4096 })).toThrow(
      /at least 16 pages on x86-pae/,
    )
    // At each minimum a process runs: two pages written (one evicted when frames run short) read back.
    for (const [arch, pages] of [
      ['x86', 6],
      ['x64', 8],
      ['x86-pae', 16],
    ] as const) {
      const kernel = createKernel({ arch, physicalMemory: pages * 4096, pageFile: 64 * 4096 })
      const { pid } = kernel.createProcess({ name: 'tiny.exe' })
      const base = kernel
        .syscalls(pid)
        .NtAllocateVirtualMemory(-1, 0, 0, 0x2000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
      const cpu = kernel.cpu(pid)
      expect([cpu.write(base, [7]).status, cpu.write(base + 0x1000, [8]).status]).toEqual([0, 0])
      expect([cpu.read(base, 1).data[0], cpu.read(base + 0x1000, 1).data[0]]).toEqual([7, 8])
    }
  })

  it('gives OPT the future: a loop over more pages than frames, where LRU faults on every page', async () => {
    const pages = Array.from({ length: 700 }, (_, i) => String(200 + (i % 70)))
    const faults = async (replacementPolicy: 'lru' | 'opt') => {
      const kernel = createKernel({ physicalMemory: 64 * 4096, pageFile: 1024 * 4096, replacementPolicy })
      return (
        await replayMemoryTrace(kernel, pages, {
          format: 'page-list',
          noteAccesses: true,
          futureReferences: replacementPolicy === 'opt',
        })
      ).faults.total
    }
    const lru = await faults('lru')
    const opt = await faults('opt')
    expect(lru).toBeGreaterThan(600)
    expect(opt).toBeLessThan(lru / 2)
  })

  it('gives OPT the future without changing what the other policies see', async () => {
    const pages = Array.from({ length: 300 }, (_, i) => String((i * 7) % 90))
    const run = async (futureReferences: boolean) => {
      const kernel = createKernel({
        physicalMemory: 48 * 4096,
        pageFile: 1024 * 4096,
        replacementPolicy: 'fifo',
      })
      return replayMemoryTrace(kernel, pages, { format: 'page-list', futureReferences })
    }
    // Placing the blocks first (in first-touch order) changes no figure of a FIFO replay.
    const { traceRange: _a, ...streamed } = await run(false)
    const { traceRange: _b, ...whole } = await run(true)
    expect(whole).toEqual(streamed)
  })

  it('uses a supplied layout instead of reserving on first touch; other addresses fault', async () => {
    const report = await replayMemoryTrace(small(), ['00100000 R', '00500000 W'], {
      format: 'course',
      layout: [{ address: 0x100000, size: 0x10000 }],
    })
    expect(report.blocksReserved).toBe(0)
    expect(report.exceptions).toBe(1)
    expect(report.policy).toMatch(/^layout/)
  })

  it('exports the machine trace of a replay for Perfetto', async () => {
    const kernel = createKernel({ record: true, physicalMemory: 256 * 4096 })
    await replayMemoryTrace(kernel, [' S 00020000,4', ' L 00020000,4'], { format: 'lackey' })
    const path = join(directory, 'replay.json')
    const bytes = await kernel.exportTrace(path, { format: 'chrome' })
    const text = await readFile(path, 'utf8')
    expect(bytes).toBe(Buffer.byteLength(text))
    expect(text).toContain('#PF write 0x20000')
    expect(text).toContain('NtAllocateVirtualMemory')
    expect(await kernel.exportTrace(join(directory, 'replay.perfetto'))).toBeGreaterThan(0)
  })
})
