import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Kernel } from './kernel.js'
import { MachineInputs } from './machineInputs.js'
import { ACCESS_CODE, littleEndian } from './machineSchema.js'

/** What a replay did, in order: `pid:kind:address:bytes` for accesses, `debug:…` for the rest. */
function recordingKernel(calls: string[]): Kernel {
  const cpu = (pid: number) => ({
    read: (address: number, length: number) => calls.push(`${pid}:read:${address}:${length}`),
    execute: (address: number) => calls.push(`${pid}:execute:${address}`),
    write: (address: number, data: Uint8Array) => calls.push(`${pid}:write:${address}:${data.join(',')}`),
  })
  const debug = { invlpg: (pid: number, address: number) => calls.push(`debug:${pid}:${address}`) }
  return { cpu, debug } as unknown as Kernel
}

const access = fc.record({
  pid: fc.constantFrom(4, 8),
  kind: fc.constantFrom(ACCESS_CODE.read, ACCESS_CODE.write, ACCESS_CODE.execute),
  address: fc.constantFrom(0x10000, 0x7ffe0000, 0x7fff_ffff_f000),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  // Another input (an INVLPG) before this access.
  other: fc.boolean(),
})

describe('MachineInputs', () => {
  it('replays accesses (with their write data) and the other inputs in the order given, across chunk growth and after clear', () => {
    fc.assert(
      fc.property(
        fc.array(access, { minLength: 1, maxLength: 40 }),
        fc.constantFrom(1, 1500, 70_000),
        (items, repeat) => {
          const inputs = new MachineInputs()
          for (const round of [0, 1]) {
            const expected: string[] = []
            for (let index = 0; index < repeat; index++) {
              const item = items[index % items.length]!
              if (item.other) {
                inputs.other({ type: 'nt.debugInput', pid: item.pid, call: 'invlpg', address: index })
                expected.push(`debug:${item.pid}:${index}`)
              }
              const data = item.kind === ACCESS_CODE.write ? item.bytes : undefined
              const length = data?.length ?? 4
              inputs.access(
                item.pid,
                item.kind,
                item.address,
                length,
                data === undefined ? 0 : littleEndian(data, 0, 4),
                data !== undefined && data.length > 4 ? littleEndian(data, 4, 4) : 0,
                data,
              )
              const name =
                item.kind === ACCESS_CODE.read
                  ? 'read'
                  : item.kind === ACCESS_CODE.write
                    ? 'write'
                    : 'execute'
              expected.push(
                item.kind === ACCESS_CODE.execute
                  ? `${item.pid}:${name}:${item.address}`
                  : `${item.pid}:${name}:${item.address}:${data === undefined ? length : data.join(',')}`,
              )
            }
            inputs.other({ type: 'nt.debugInput', pid: 4, call: 'invlpg', address: -round })
            expected.push(`debug:4:${-round}`)
            expect(inputs.size).toBe(expected.length)
            const calls: string[] = []
            inputs.replay(recordingKernel(calls))
            expect(calls.length).toBe(expected.length)
            expect(calls.findIndex((call, index) => call !== expected[index])).toBe(-1)
            // Replayed inputs are forgotten; the next ones start from nothing.
            inputs.clear()
            expect(inputs.size).toBe(0)
          }
        },
      ),
      { numRuns: 12 },
    )
  })
})
