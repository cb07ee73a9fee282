// The data of recorded writes (machine-trace version 3): the access row carries bytes 0 to 7,
// nt.cpuWriteWords rows of 16 carry the rest, so an SSE or AVX store costs rows, not an object.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TraceLog } from '@ntmm/trace'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import type { KernelEventRecord } from './kernel.js'
import { ACCESS_CODE, type MachineEvent, machineSchema } from './machineSchema.js'
import { verifyTrace } from './machineTraceFile.js'
import { writeDataOf } from './replayInputs.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'

const directory = await mkdtemp(join(tmpdir(), 'ntmm-write-data-'))
afterAll(() => rm(directory, { recursive: true, force: true }))

/** A recording machine with one committed 64 KiB block. */
function machine(onEvent?: (record: KernelEventRecord) => void) {
  const kernel = createKernel({ record: true, ...(onEvent === undefined ? {} : { onEvent }) })
  const { pid } = kernel.createProcess({ name: 'sse.exe' })
  const base = kernel
    .syscalls(pid)
    .NtAllocateVirtualMemory(-1, 0, 0, 0x10000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
  return { kernel, pid, base, log: kernel.trace! }
}

/** The seq of the last nt.cpuAccess of `log`. */
function lastAccess(log: TraceLog<MachineEvent>): number {
  for (let seq = log.length - 1; seq >= 0; seq--) if (log.typeAt(seq) === 'nt.cpuAccess') return seq
  throw new Error('no access recorded')
}

describe('write data in the machine trace', () => {
  it.each([
    [1, 0],
    [4, 0],
    [8, 0],
    [9, 1],
    [16, 1],
    [24, 1],
    [25, 2],
    [32, 2],
    [40, 2],
    [100, 6],
  ])('rule: a %i-byte write records its bytes past the first 8 as %i nt.cpuWriteWords row(s) caused by the access', (length, rows) => {
    const { kernel, pid, base, log } = machine()
    const data = Uint8Array.from({ length }, (_, index) => (index * 37 + 11) & 0xff)
    // Straddling a page boundary, so the store is split too.
    const address = base + 0x1000 - 5
    expect(kernel.cpu(pid).write(address, data).status).toBe(0)
    const seq = lastAccess(log)
    const access = log.at(seq) as Extract<MachineEvent, { type: 'nt.cpuAccess' }>
    expect(access.access).toBe(ACCESS_CODE.write)
    const words = Array.from({ length: log.length - seq - 1 }, (_, index) => seq + 1 + index).filter(
      (row) => log.typeAt(row) === 'nt.cpuWriteWords',
    )
    expect(words).toHaveLength(rows)
    expect(words.every((row) => log.causeOf(row) === seq)).toBe(true)
    // The rows come right after the access, before what the store itself does.
    expect(words).toEqual(Array.from({ length: rows }, (_, index) => seq + 1 + index))
    expect([...writeDataOf(log, seq)]).toEqual([...data])
    expect([
      ...kernel
        .at(log.length - 1)
        .cpu(pid)
        .peek(address, length).data,
    ]).toEqual([...data])
    // No event object per write any more (version 2 recorded an nt.cpuWriteData array).
    expect(Array.from({ length: log.length }, (_, row) => log.typeAt(row))).not.toContain('nt.cpuWriteData')
  })

  it('saves, loads and re-executes wide writes identically in both encodings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            offset: fc.nat(0xffc0),
            bytes: fc.uint8Array({ minLength: 1, maxLength: 48 }),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.constantFrom('jsonl' as const, 'binary' as const),
        async (writes, format) => {
          const { kernel, pid, base, log } = machine()
          for (const write of writes) kernel.cpu(pid).write(base + write.offset, write.bytes)
          const path = join(directory, `wide.${format}`)
          await kernel.saveTrace(path, { format })
          const { kernel: loaded, determinism } = await verifyTrace(path)
          expect(determinism).toMatchObject({ ok: true, events: log.length })
          const loadedLog = loaded.trace!
          expect(loadedLog.length).toBe(log.length)
          for (let seq = 0; seq < log.length; seq++) {
            if (log.typeAt(seq) !== 'nt.cpuAccess') continue
            expect([...writeDataOf(loadedLog, seq)]).toEqual([...writeDataOf(log, seq)])
          }
          const end = loaded.at(loadedLog.length - 1).cpu(pid)
          expect([...end.peek(base, 0x10000).data]).toEqual([...kernel.cpu(pid).peek(base, 0x10000).data])
        },
      ),
      { numRuns: 15 },
    )
  })

  it('reads the data of a machine-trace version 2 write (one nt.cpuWriteData object)', () => {
    const log = new TraceLog(machineSchema)
    log.append({
      type: 'nt.cpuAccess',
      pid: 4,
      access: ACCESS_CODE.write,
      address: 0x10000,
      length: 12,
      value: 0,
      valueHigh: 0,
      tlbHit: -1,
      tlbHitAge: 0,
    })
    const bytes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    log.append({ type: 'nt.cpuWriteData', bytes }, { cause: 0 })
    expect([...writeDataOf(log, 0)]).toEqual(bytes)
  })

  it('hands an onEvent hook the nt.cpuWriteWords rows in order, caused by the access', () => {
    const seen: KernelEventRecord[] = []
    const { kernel, pid, base, log } = machine((record) => seen.push(record))
    kernel.cpu(pid).write(
      base,
      Uint8Array.from({ length: 32 }, (_, index) => index),
    )
    const seq = lastAccess(log)
    const words = seen.filter((record) => record.event.type === 'nt.cpuWriteWords')
    expect(words.map((record) => record.seq)).toEqual([seq + 1, seq + 2])
    expect(words.every((record) => record.cause === seq)).toBe(true)
    expect(words.map((record) => record.event)).toEqual([log.at(seq + 1), log.at(seq + 2)])
  })
})
