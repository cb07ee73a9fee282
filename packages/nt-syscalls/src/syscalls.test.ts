// The robustness property of the system-call surface: random sequences of calls to every service
// with hostile arguments (negative, NaN, ±Infinity, beyond 2^32 and 2^53, fractions, unaligned,
// huge) never throw, always return a known NTSTATUS, and after each call NtQueryVirtualMemory's
// view of the whole user space tiles it: regions follow one another without gaps or overlaps from
// address 0 to MM_HIGHEST_USER_ADDRESS + 1. Bounded runs on x86 and x64.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MEM_COMMIT, MEM_FREE, MEM_RESERVE } from './memoryConstants.js'
import { isKnownNtStatus, ntStatusName } from './ntStatus.js'
import type { NtSyscalls } from './syscalls.js'
import { createTestKernel } from './testing/createTestKernel.js'
import type { Arch } from './userAddressLimits.js'

/** Arguments a hostile or careless caller may pass. */
const hostile = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    -2,
    -6,
    -7,
    1,
    4,
    8,
    12,
    0x800,
    0xfff,
    0x1000,
    0x1001,
    0xffff,
    0x10000,
    0x50000000,
    0x7ffd0000,
    0x7ffe0000,
    0x7ffe1000,
    0x7fff0000,
    0x80000000,
    0xffffffff,
    2 ** 32,
    2 ** 32 + 0x10000,
    2 ** 47,
    0x7ffffffd0000,
    0x7fffffff0000,
    2 ** 53,
    2 ** 64,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    0.5,
    65536.5,
    -0,
  ),
  // Plausible flags and protections, so that calls also succeed and change the address space.
  fc.constantFrom(0x1000, 0x2000, 0x3000, 0x4000, 0x8000, 0x80000, 0x100000, 0x103000, 0x202000, 0x40000),
  fc.constantFrom(0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x104, 0x204, 0x404, 0x101),
  fc.integer({ min: 0, max: 0x7fffffff }),
  fc.integer({ min: -(2 ** 40), max: 2 ** 48 }),
  fc.double({ noNaN: false }),
)

const call = fc.tuple(fc.integer({ min: 0, max: 14 }), fc.array(hostile, { minLength: 6, maxLength: 6 }))

function statusesOf(
  nt: NtSyscalls,
  cpu: ReturnType<ReturnType<typeof createTestKernel>['kernel']['cpu']>,
  which: number,
  [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0]: number[],
): number {
  switch (which) {
    case 0:
      return nt.NtAllocateVirtualMemory(a, b, c, d, e, f).status
    case 1:
      return nt.NtAllocateVirtualMemory(-1, b, c, d, MEM_RESERVE | MEM_COMMIT, f).status
    case 2:
      return nt.NtFreeVirtualMemory(a, b, c, d).status
    case 3:
      return nt.NtProtectVirtualMemory(a, b, c, d).status
    case 4:
      return nt.NtQueryVirtualMemory(a, b, c, d).status
    case 5:
      return nt.NtReadVirtualMemory(a, b, c).status
    case 6:
      return nt.NtWriteVirtualMemory(a, b, new Uint8Array(Math.abs(c) % 0x3000 || 0)).status
    case 7:
      return nt.NtGetWriteWatch(a, b, c, d, e).status
    case 8:
      return nt.NtResetWriteWatch(a, b, c).status
    case 9:
      return nt.NtOpenProcess(a, b).status
    case 10:
      return nt.NtClose(a).status
    case 11:
      return nt.NtDuplicateObject(a, b, c, d, e, f).status
    case 12:
      return cpu.read(a, Math.abs(b) % 0x2000).status
    case 13:
      return cpu.write(a, [1, 2, 3]).status
    default:
      return cpu.execute(a).status
  }
}

/** Walk user space with NtQueryVirtualMemory; returns a problem, or undefined when it tiles. */
function tilingProblem(nt: NtSyscalls, end: number): string | undefined {
  let cursor = 0
  for (let steps = 0; cursor < end; steps++) {
    if (steps > 10_000) return 'too many regions'
    const r = nt.NtQueryVirtualMemory(-1, cursor)
    if (r.status !== 0) return `query at ${cursor.toString(16)}: ${ntStatusName(r.status)}`
    const info = r.info
    if (info.baseAddress !== cursor)
      return `region at ${cursor.toString(16)} starts at ${info.baseAddress.toString(16)}`
    if (!(info.regionSize > 0) || info.regionSize % 0x1000 !== 0) return `bad size at ${cursor.toString(16)}`
    if (!([MEM_FREE, MEM_RESERVE, MEM_COMMIT] as number[]).includes(info.state))
      return `bad state at ${cursor.toString(16)}`
    if (info.state !== MEM_FREE && info.allocationBase > cursor)
      return `allocation base above ${cursor.toString(16)}`
    cursor += info.regionSize
  }
  return cursor === end ? undefined : `ends at ${cursor.toString(16)} instead of ${end.toString(16)}`
}

describe('syscalls', () => {
  it.each<[Arch, number]>([
    ['x86', 0x7fff0000],
    ['x64', 0x7fffffff0000],
  ])('never throws, always returns a known NTSTATUS, and keeps user space tiled (%s)', (arch, end) => {
    fc.assert(
      fc.property(fc.array(call, { maxLength: 25 }), (calls) => {
        const { kernel, pid } = createTestKernel({ arch })
        const other = kernel.createProcess({ name: 'other.exe' }).pid
        const nt = kernel.syscalls(pid)
        nt.NtOpenProcess(0x1fffff, other) // handle 4: a real process handle to aim at
        const cpu = kernel.cpu(pid)
        for (const [which, args] of calls) {
          const status = statusesOf(nt, cpu, which, args)
          expect(isKnownNtStatus(status), `${which}(${args.join(', ')}) → ${status}`).toBe(true)
          expect(tilingProblem(nt, end)).toBeUndefined()
        }
        expect(tilingProblem(kernel.syscalls(other), end)).toBeUndefined()
      }),
      { numRuns: 60, seed: 0x5eed },
    )
  })
})
