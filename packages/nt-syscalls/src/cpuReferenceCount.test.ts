// The 'nt' policy's reference count through kernel.cpu(pid) (NT-PAGING.md §3.1, tickEvery): every
// access that reaches the MMU is one CPU reference, whichever form makes it (read, readInto,
// readUint32, write, writeUint32, execute; hit, fault or exception; one page or several), an
// access refused before the MMU is none, and the balance-set tick falls on the very reference that
// brings the count to tickEvery: live or recording, with other threads and explicit counts
// interleaved, across restores, views of the past and a machine rebuilt from its trace.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import { Kernel, type KernelOptions } from './kernel.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_EXECUTE_READWRITE, PAGE_READONLY } from './memoryConstants.js'

const PAGE = 0x1000
const FORMS = ['read', 'readLong', 'readInto', 'readUint32', 'write', 'writeUint32', 'execute'] as const
type Form = (typeof FORMS)[number]
/** Where an access lands: a committed page, across two pages, reserved only (a fault), read-only (a write faults), refused before the MMU. */
const PLACES = ['page', 'straddle', 'reserved', 'readOnly', 'refused'] as const
type Place = (typeof PLACES)[number]

function machine(tickEvery: number, record?: KernelOptions['record']) {
  // 16 MiB: frames never run short, so every tick is one that references make due.
  const kernel = createKernel({
    physicalMemory: 16 << 20,
    pageFile: 1 << 20,
    replacementPolicy: 'nt',
    nt: { tickEvery },
    ...(record === undefined ? {} : { record }),
  })
  const pid = kernel.createProcess({ name: 'a.exe' }).pid
  const nt = kernel.syscalls(pid)
  const base = nt.NtAllocateVirtualMemory(
    -1,
    0,
    0,
    8 * PAGE,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_EXECUTE_READWRITE,
  ).baseAddress
  const reserved = nt.NtAllocateVirtualMemory(-1, 0, 0, PAGE, MEM_RESERVE, PAGE_EXECUTE_READWRITE).baseAddress
  const readOnly = nt.NtAllocateVirtualMemory(
    -1,
    0,
    0,
    PAGE,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_READONLY,
  ).baseAddress
  return { kernel, pid, cpu: kernel.cpu(pid), base, reserved, readOnly }
}

type Machine = ReturnType<typeof machine>

/** One access of `form` at `place`; true when it reaches the MMU (one reference). */
function access(m: Machine, form: Form, place: Place, page: number): boolean {
  const at =
    place === 'page'
      ? m.base + page * PAGE + 8
      : place === 'straddle'
        ? m.base + page * PAGE + PAGE - 2
        : place === 'reserved'
          ? m.reserved + 16
          : place === 'readOnly'
            ? m.readOnly + 16
            : Number.NaN
  const { cpu } = m
  const buffer = new Uint8Array(8)
  switch (form) {
    case 'read':
      cpu.read(at, 4)
      break
    case 'readLong':
      cpu.read(at, PAGE + 8)
      break
    case 'readInto':
      cpu.readInto(at, buffer, 2, 4)
      break
    case 'readUint32':
      cpu.readUint32(at)
      break
    case 'write':
      cpu.write(at, [1, 2, 3, 4])
      break
    case 'writeUint32':
      cpu.writeUint32(at, 0x01020304)
      break
    case 'execute':
      cpu.execute(at)
      break
  }
  return place !== 'refused'
}

/** The reference count and the tick number as the rule says they are after `references` references from `start`. */
function expected(start: { references: number; tick: number }, references: number, every: number) {
  const total = start.references + references
  return { references: total % every, tick: start.tick + Math.floor(total / every) }
}

function counted(m: Machine) {
  return { references: m.kernel.mm.referencesSinceTick, tick: m.kernel.mm.lastBalanceSetTick ?? 0 }
}

const step = fc.record({
  form: fc.constantFrom(...FORMS),
  place: fc.constantFrom(...PLACES),
  page: fc.integer({ min: 0, max: 6 }),
})

describe('the reference count of kernel.cpu(pid) under tickEvery', () => {
  it.each([
    ['nothing recording', undefined],
    ['eager recording', 'eager'],
    ['deferred recording', true],
  ] as const)('ticks on the reference that brings the count to tickEvery, whatever the access form (%s)', (_, record) => {
    fc.assert(
      fc.property(fc.constantFrom(1, 3, 7), fc.array(step, { maxLength: 60 }), (every, steps) => {
        const m = machine(every, record)
        const start = counted(m)
        let references = 0
        for (const { form, place, page } of steps) {
          if (access(m, form, place, page)) references++
          expect(counted(m)).toEqual(expected(start, references, every))
        }
      }),
      { numRuns: record === undefined ? 40 : 15, seed: 22 },
    )
  })

  it('counts each form once per access, in the same counter as other threads and explicit counts', () => {
    const m = machine(5)
    const other = m.kernel.createProcess({ name: 'b.exe' }).pid
    const otherBase = m.kernel
      .syscalls(other)
      .NtAllocateVirtualMemory(-1, 0, 0, PAGE, MEM_RESERVE | MEM_COMMIT, PAGE_EXECUTE_READWRITE).baseAddress
    const otherCpu = m.kernel.cpu(other)
    const start = counted(m)
    let references = 0
    for (let round = 0; round < 4; round++)
      for (const form of FORMS) {
        access(m, form, 'page', round)
        otherCpu.readUint32(otherBase)
        m.kernel.mm.countReferences(2)
        references += 4
        expect(counted(m)).toEqual(expected(start, references, 5))
      }
  })

  it('runs the tick in the access that makes it due, caused by it (eager recording)', () => {
    const m = machine(3, 'eager')
    const log = m.kernel.trace!
    const start = counted(m)
    for (let index = 0; index < 3 - start.references; index++) {
      const before = log.length
      m.cpu.writeUint32(m.base + index * PAGE, index)
      const ticks = Array.from({ length: log.length - before }, (_, k) => before + k).filter(
        (seq) => log.typeAt(seq) === 'mm.balanceSetTick',
      )
      if (index < 2 - start.references) expect(ticks).toEqual([])
      else {
        expect(ticks).toHaveLength(1)
        expect(log.typeAt(log.causeOf(ticks[0]!)!)).toBe('nt.cpuAccess')
        expect(log.causeOf(ticks[0]!)!).toBeGreaterThanOrEqual(before)
      }
    }
  })

  it('resumes from a restored count: a restore of the memory manager, then the tick on the same reference as the first time', () => {
    const m = machine(7)
    for (let index = 0; index < 5; index++) m.cpu.readUint32(m.base + index * PAGE)
    const snapshot = m.kernel.mm.snapshot()
    const start = counted(m)
    const first: ReturnType<typeof counted>[] = []
    for (let index = 0; index < 20; index++) {
      access(m, FORMS[index % FORMS.length]!, 'page', index % 7)
      first.push(counted(m))
    }
    m.kernel.mm.restore(snapshot)
    expect(counted(m)).toEqual(start)
    const again: ReturnType<typeof counted>[] = []
    for (let index = 0; index < 20; index++) {
      access(m, FORMS[index % FORMS.length]!, 'page', index % 7)
      again.push(counted(m))
    }
    expect(again).toEqual(first)
    expect(first.at(-1)).toEqual(expected(start, 20, 7))
  })

  it('keeps counting on the live machine across views of the past (kernel.at), and a machine rebuilt from its trace goes on ticking on the same references', () => {
    const m = machine(4, true)
    const start = counted(m)
    let references = 0
    for (let index = 0; index < 10; index++) {
      access(m, FORMS[index % FORMS.length]!, 'page', index % 7)
      references++
      if (index % 3 === 0) {
        const view = m.kernel.at(m.kernel.eventCount - 1)
        expect(view.mm.referencesSinceTick).toBe(m.kernel.mm.referencesSinceTick)
      }
      expect(counted(m)).toEqual(expected(start, references, 4))
    }
    // The rebuilt machine goes on in the original's place (it records into the same log).
    const rebuilt = Kernel.fromLog(m.kernel.trace!, m.kernel.config)
    expect(counted({ ...m, kernel: rebuilt })).toEqual(counted(m))
    const copy = { ...m, kernel: rebuilt, cpu: rebuilt.cpu(m.pid) }
    for (let index = 0; index < 9; index++) {
      access(copy, FORMS[index % FORMS.length]!, 'straddle', index % 7)
      expect(counted(copy)).toEqual(expected(start, references + index + 1, 4))
    }
  })
})
