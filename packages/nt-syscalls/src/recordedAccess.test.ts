// The recorded access paths of createCpu: with an eager recorder and no listener, a plain read,
// write (up to 8 bytes) or instruction fetch is recorded without traceAccess's closure
// (openAccess / closeAccess); with an onEvent hook, or deferred, it goes through traceAccess.
// Every path must record the same events, causes and outcomes.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import type { KernelOptions } from './kernel.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_EXECUTE_READWRITE, PAGE_READONLY } from './memoryConstants.js'

const step = fc.record({
  op: fc.constantFrom('read', 'readInto', 'write', 'writeArray', 'execute', 'readUint32', 'writeUint32'),
  // Pages 0-2: read-write-execute; 3: read-only (a write faults); 4: not reserved (a fault).
  page: fc.nat(4),
  offset: fc.nat(4095),
  length: fc.integer({ min: 0, max: 20 }),
  value: fc.nat(0xff),
})

type Step = typeof step extends fc.Arbitrary<infer T> ? T : never

function run(steps: readonly Step[], options: KernelOptions) {
  const kernel = createKernel({ seed: 5, ...options })
  const { pid } = kernel.createProcess({ name: 'paths.exe' })
  const nt = kernel.syscalls(pid)
  const base = nt.NtAllocateVirtualMemory(
    -1,
    0,
    0,
    0x3000,
    MEM_RESERVE | MEM_COMMIT,
    PAGE_EXECUTE_READWRITE,
  ).baseAddress
  nt.NtAllocateVirtualMemory(-1, base + 0x3000, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READONLY)
  const cpu = kernel.cpu(pid)
  const results: unknown[] = []
  const buffer = new Uint8Array(32)
  for (const { op, page, offset, length, value } of steps) {
    const address = base + page * 0x1000 + offset
    const bytes = Uint8Array.from({ length }, (_, index) => (value + index) & 0xff)
    if (op === 'read') results.push(cpu.read(address, length))
    else if (op === 'readInto') results.push(cpu.readInto(address, buffer, 3, length), [...buffer])
    else if (op === 'write') results.push(cpu.write(address, bytes))
    else if (op === 'writeArray') results.push(cpu.write(address, [...bytes]))
    else if (op === 'execute') results.push(cpu.execute(address))
    else if (op === 'readUint32') results.push(cpu.readUint32(address))
    else results.push(cpu.writeUint32(address, value * 0x01010101))
  }
  return { kernel, results }
}

describe('recorded accesses', () => {
  it('record the same events, causes and outcomes with or without a listener, eager or deferred', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const eager = run(steps, { record: 'eager' })
        const hooked = run(steps, { record: 'eager', onEvent: () => {} })
        const deferred = run(steps, { record: 'deferred' })
        const off = run(steps, {})
        expect(eager.results).toEqual(off.results)
        expect(hooked.results).toEqual(off.results)
        expect(deferred.results).toEqual(off.results)
        const log = eager.kernel.trace!
        for (const other of [hooked.kernel.trace!, deferred.kernel.trace!]) {
          expect(other.length).toBe(log.length)
          for (let seq = 0; seq < log.length; seq++) {
            expect(other.at(seq)).toEqual(log.at(seq))
            expect(other.causeOf(seq)).toBe(log.causeOf(seq))
          }
        }
      }),
      { numRuns: 40 },
    )
  })
})
