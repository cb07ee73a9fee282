// The non-allocating forms of kernel.cpu(pid) (issue 22): readInto, readUint32 and writeUint32 do
// what read and write do — the same bytes, statuses, exceptions, machine state — and record the
// same trace as the allocating forms, eager and deferred, so a saved trace verifies.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { firstDivergentEvent } from '@ntmm/trace'
import { afterAll, describe, expect, it } from 'vitest'
import type { Cpu } from './cpu.js'
import { createKernel } from './createKernel.js'
import type { KernelOptions } from './kernel.js'
import { verifyTrace } from './machineTraceFile.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READONLY, PAGE_READWRITE } from './memoryConstants.js'
import { STATUS_ACCESS_VIOLATION, STATUS_INVALID_PARAMETER, STATUS_SUCCESS } from './ntStatus.js'

const directory = mkdtempSync(join(tmpdir(), 'ntmm-word-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

function machine(record?: KernelOptions['record']) {
  // 64 KiB of RAM: the program below pages out and back in, so faults of every kind happen.
  const kernel = createKernel({ physicalMemory: 64 * 1024, pageFile: 1 << 20, ...(record ? { record } : {}) })
  const pid = kernel.createProcess({ name: 'a.exe' }).pid
  const nt = kernel.syscalls(pid)
  const base = nt.NtAllocateVirtualMemory(
    -1,
    0,
    0,
    0x10000,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_READWRITE,
  ).baseAddress
  const readOnly = nt.NtAllocateVirtualMemory(
    -1,
    0,
    0,
    0x1000,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_READONLY,
  ).baseAddress
  return { kernel, pid, cpu: kernel.cpu(pid), base, readOnly }
}

type Machine = ReturnType<typeof machine>

/** A program of word writes and reads over 16 pages (more than the frames), across page ends, and faulting ones. */
function program(m: Machine, form: 'words' | 'bytes'): number[] {
  const seen: number[] = []
  const { cpu, base } = m
  const buffer = new Uint8Array(8)
  for (let round = 0; round < 3; round++)
    for (let page = 0; page < 16; page++) {
      const at = base + page * 0x1000 + ((page * 52 + round * 4) & 0xffc)
      const value = (page * 0x01020304 + round) | 0
      const bytes = Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24)
      seen.push(form === 'words' ? cpu.writeUint32(at, value) : cpu.write(at, bytes).status)
      if (form === 'words') {
        seen.push(cpu.readUint32(at))
        seen.push(cpu.readInto(at, buffer, 2, 4), ...buffer)
      } else {
        const word = cpu.read(at, 4)
        seen.push(word.status === STATUS_SUCCESS ? new DataView(word.data.buffer).getUint32(0, true) : -1)
        const read = cpu.read(at, 4)
        buffer.set(read.data, 2)
        seen.push(read.status, ...buffer)
      }
    }
  // Across a page end, into a read-only page, and at no page at all.
  const end = base + 0xfffe
  seen.push(
    form === 'words'
      ? cpu.writeUint32(base + 0x1ffe, -2)
      : cpu.write(base + 0x1ffe, [254, 255, 255, 255]).status,
  )
  seen.push(
    form === 'words'
      ? cpu.readUint32(base + 0x1ffe)
      : cpu.read(base + 0x1ffe, 4).data.length === 4
        ? 0xfffffffe
        : -1,
  )
  seen.push(form === 'words' ? cpu.writeUint32(m.readOnly, 1) : cpu.write(m.readOnly, [1, 0, 0, 0]).status)
  seen.push(form === 'words' ? cpu.readInto(end + 0x10000, buffer, 0, 4) : cpu.read(end + 0x10000, 4).status)
  return seen
}

describe('the non-allocating cpu forms', () => {
  it('read and write what read and write do, with the same statuses and machine state', () => {
    const words = machine()
    const bytes = machine()
    expect(program(words, 'words')).toEqual(program(bytes, 'bytes'))
    expect(words.kernel.mm.counters).toEqual(bytes.kernel.mm.counters)
    expect(words.cpu.peek(words.base, 0x10000)).toEqual(bytes.cpu.peek(bytes.base, 0x10000))
  })

  it.each([
    true,
    'eager',
  ] as const)('record the same trace as read and write (record: %s)', async (record) => {
    const words = machine(record)
    const bytes = machine(record)
    program(words, 'words')
    program(bytes, 'bytes')
    const trace = words.kernel.trace!
    expect(firstDivergentEvent(trace, bytes.kernel.trace!)).toBeUndefined()
    expect(trace.length).toBe(bytes.kernel.trace!.length)
    const path = join(directory, `words-${record}.jsonl`)
    await words.kernel.saveTrace(path, { format: 'jsonl' })
    expect((await verifyTrace(path)).determinism).toMatchObject({ ok: true })
  })

  it('answers a status, never throws, for what no thread can do', () => {
    const { cpu, base } = machine()
    const buffer = new Uint8Array(4)
    expect(cpu.readInto(base, buffer, 2, 4)).toBe(STATUS_ACCESS_VIOLATION)
    expect(cpu.readInto(base, buffer, -1)).toBe(STATUS_ACCESS_VIOLATION)
    expect(cpu.readInto(base, [0, 0] as never)).toBe(STATUS_ACCESS_VIOLATION)
    expect(cpu.readInto(Number.NaN, buffer)).toBe(STATUS_ACCESS_VIOLATION)
    expect(cpu.readInto(0xffff_fffe, buffer)).toBe(STATUS_ACCESS_VIOLATION)
    expect(cpu.readUint32(0xffff_fffe)).toBe(-1)
    expect(cpu.writeUint32(base, 2 ** 32)).toBe(STATUS_INVALID_PARAMETER)
    expect(cpu.writeUint32(base, 1.5)).toBe(STATUS_INVALID_PARAMETER)
    expect(cpu.writeUint32(0xffff_fffe, 1)).toBe(STATUS_ACCESS_VIOLATION)
    // The whole buffer by default, from an offset to its end.
    expect(cpu.writeUint32(base, 0x04030201)).toBe(STATUS_SUCCESS)
    expect(cpu.readInto(base, buffer)).toBe(STATUS_SUCCESS)
    expect([...buffer]).toEqual([1, 2, 3, 4])
    expect(cpu.readInto(base, buffer, 3)).toBe(STATUS_SUCCESS)
    expect([...buffer]).toEqual([1, 2, 3, 1])
    expect(cpu.readUint32(base)).toBe(0x04030201)
  })

  it('is refused on a view of the past, as read and write are', () => {
    const { kernel, pid, base } = machine(true)
    kernel.cpu(pid).writeUint32(base, 5)
    const view: Cpu = kernel.at(kernel.eventCount - 1).cpu(pid)
    expect(() => view.readUint32(base)).toThrow()
    expect(() => view.writeUint32(base, 1)).toThrow()
    expect(() => view.readInto(base, new Uint8Array(4))).toThrow()
  })
})
