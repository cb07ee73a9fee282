// Hostile calls on the whole public input surface of a Kernel (issue 18): every system service,
// every cpu.* access, every Win32 function, every debug call, process creation and termination,
// with argument values a JavaScript caller can pass by mistake (NaN, fractions, 2^32 + an address,
// 2^64, strings, plain arrays where a Uint8Array is due, bytes above 255, objects, bigints,
// symbols, undefined). Shared by the property that nothing throws outside the documented list and
// by the one that a deferred recording reproduces whatever the calls did.
import fc from 'fast-check'
import type { Kernel } from '../kernel.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_EXECUTE_READWRITE, PAGE_READWRITE } from '../memoryConstants.js'
import { SYSCALL_PARAMETERS } from '../syscallParameters.js'
import type { Win32Api } from '../win32.js'
import { hostileNumber } from './reliabilityProperties.js'

/** Where the harness's process has memory: a committed, writable, executable range. */
export const BASE_PAGES = 8

/** A value of any JavaScript type a caller may pass by mistake, or a plausible number. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -8, max: 0x20000 }) },
  { weight: 3, arbitrary: hostileNumber },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      undefined,
      null,
      true,
      '0x1000',
      '',
      [1, 2, 3],
      [256],
      [1.5],
      new Uint8Array([1, 2, 3]),
      {},
      { valueOf: () => 0x10000 },
      10n,
      Symbol('hostile'),
      () => 0,
      -0,
    ),
  },
)

/** An address: inside the harness's memory (also seen through 2^32 more), or hostile. */
const address = (base: number) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.integer({ min: 0, max: BASE_PAGES * 0x1000 - 1 }).map((offset) => base + offset),
    },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x3fff }).map((offset) => base + offset + 2 ** 32) },
    { weight: 2, arbitrary: hostileValue },
  )

/** Bytes to write: good ones, or a buffer that is not one. */
const data = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>([256], [-1], [1.5], ['a'], [Number.NaN], 'abc', 7, null, undefined, {
      length: 2,
    }),
  },
)

const length = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0x2000 }) },
  { weight: 2, arbitrary: fc.constantFrom(2 ** 30 + 1, 2 ** 31, 2 ** 32, 2 ** 53, -1, 1.5, Number.NaN) },
  { weight: 1, arbitrary: hostileValue },
)

const WIN32: readonly (keyof Win32Api)[] = [
  'GetCurrentProcess',
  'GetLastError',
  'SetLastError',
  'VirtualAlloc',
  'VirtualAllocEx',
  'VirtualFree',
  'VirtualFreeEx',
  'VirtualProtect',
  'VirtualProtectEx',
  'VirtualQuery',
  'VirtualQueryEx',
  'GetWriteWatch',
  'ResetWriteWatch',
  'OpenProcess',
  'CloseHandle',
  'SetProcessWorkingSetSize',
  'SetProcessWorkingSetSizeEx',
  'GetProcessWorkingSetSize',
  'GetProcessWorkingSetSizeEx',
  'EmptyWorkingSet',
  'GetProcessMemoryInfo',
  'GlobalMemoryStatusEx',
  'VirtualLock',
  'VirtualUnlock',
  'SetProcessInformation',
]

/** One call on the Kernel's input surface. `on` picks the process (0, 1) or a hostile pid. */
export type HostileCall =
  | {
      readonly kind: 'syscall'
      readonly on: number
      readonly service: string
      readonly args: readonly unknown[]
    }
  | {
      readonly kind: 'cpu'
      readonly on: number
      readonly method: 'read' | 'write' | 'execute' | 'peek' | 'readInto' | 'readUint32' | 'writeUint32'
      readonly args: readonly unknown[]
    }
  | {
      readonly kind: 'win32'
      readonly on: number
      readonly method: keyof Win32Api
      readonly args: readonly unknown[]
    }
  | {
      readonly kind: 'debug'
      readonly on: number
      readonly method: string
      readonly args: readonly unknown[]
    }
  | { readonly kind: 'create'; readonly options: unknown }
  | { readonly kind: 'terminate'; readonly pid: unknown }

/** A random call aimed at memory at `base` (the harness's allocation). */
export function hostileCall(base: number): fc.Arbitrary<HostileCall> {
  const on = fc.integer({ min: 0, max: 1 })
  const values = (count: number) => fc.array(hostileValue, { minLength: count, maxLength: count })
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(...Object.keys(SYSCALL_PARAMETERS)).chain((service) =>
        fc.record({
          kind: fc.constant('syscall' as const),
          on,
          service: fc.constant(service),
          args: values(SYSCALL_PARAMETERS[service as keyof typeof SYSCALL_PARAMETERS].length),
        }),
      ),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('cpu' as const),
        on,
        method: fc.constantFrom(
          'read' as const,
          'write' as const,
          'execute' as const,
          'peek' as const,
          'readInto' as const,
          'readUint32' as const,
          'writeUint32' as const,
        ),
        args: fc.tuple(address(base), fc.oneof(length, data)),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('win32' as const),
        on,
        method: fc.constantFrom(...WIN32),
        args: values(5),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('debug' as const),
        on,
        method: fc.constantFrom('readPte', 'writePte', 'invlpg', 'noteAccess', 'setFutureReferences'),
        args: fc.tuple(
          address(base),
          fc.oneof(
            fc.record({
              low: fc.oneof(fc.nat(), hostileValue),
              high: fc.oneof(fc.constant(0), hostileValue),
            }),
            fc.array(address(base), { maxLength: 4 }),
            hostileValue,
          ),
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('create' as const),
        options: fc.oneof(
          fc.constant(undefined),
          fc.record({ name: fc.oneof(fc.string(), hostileValue) }),
          hostileValue,
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('terminate' as const), pid: hostileValue }) },
  )
}

/** A machine with two processes and memory at a known base, for {@link performCall}. */
export interface CallHarness {
  readonly kernel: Kernel
  readonly pids: readonly number[]
  readonly base: number
}

/** Two processes, each with BASE_PAGES committed at the same base (the first allocation of each). */
export function callHarness(kernel: Kernel): CallHarness {
  const pids = [0, 1].map((index) => kernel.createProcess({ name: `p${index}.exe` }).pid)
  let base = 0
  for (const pid of pids) {
    const nt = kernel.syscalls(pid)
    base = nt.NtAllocateVirtualMemory(
      -1,
      0,
      0,
      BASE_PAGES * 0x1000,
      MEM_RESERVE | MEM_COMMIT,
      PAGE_EXECUTE_READWRITE,
    ).baseAddress
    nt.NtOpenProcess(0x1fffff, pids[1 - pids.indexOf(pid)] as number)
    nt.NtAllocateVirtualMemory(-1, 0, 0, 0x1000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
  }
  return { kernel, pids, base }
}

/** What a call did: 'returned', or the documented error it threw (its name). */
export type CallOutcome = 'returned' | 'RangeError' | 'TypeError'

/**
 * Makes `call` on the harness's kernel. Returns what happened; rethrows any exception outside the
 * documented list: RangeError for a pid with no running process (syscalls, cpu, win32, debug,
 * terminateProcess), for a debug call's address or PTE value the paging mode cannot take, and for
 * createProcess when no frame is left; TypeError for createProcess options that are not an object
 * with a string name. System services, cpu.* and the Win32 functions never throw.
 */
export function performCall(harness: CallHarness, call: HostileCall): CallOutcome {
  const { kernel } = harness
  const pid = 'on' in call ? (harness.pids[call.on] as number) : 0
  const documented = (allowed: readonly string[], run: () => unknown): CallOutcome => {
    try {
      run()
      return 'returned'
    } catch (error) {
      const name = (error as Error)?.name
      if (allowed.includes(name)) return name as CallOutcome
      throw error
    }
  }
  const live = kernel.processes().some((process) => process.pid === pid && !process.exited)
  switch (call.kind) {
    case 'syscall':
      if (!live) return documented(['RangeError'], () => kernel.syscalls(pid))
      return documented([], () =>
        (kernel.syscalls(pid) as unknown as Record<string, (...args: unknown[]) => unknown>)[call.service]?.(
          ...call.args,
        ),
      )
    case 'cpu':
      if (!live) return documented(['RangeError'], () => kernel.cpu(pid))
      return documented([], () =>
        (kernel.cpu(pid) as unknown as Record<string, (...args: unknown[]) => unknown>)[call.method]?.(
          ...call.args,
        ),
      )
    case 'win32':
      if (!live) return documented(['RangeError'], () => kernel.win32(pid))
      return documented([], () =>
        (kernel.win32(pid) as unknown as Record<string, (...args: unknown[]) => unknown>)[call.method]?.(
          ...call.args,
        ),
      )
    case 'debug':
      return documented(['RangeError'], () =>
        (kernel.debug as unknown as Record<string, (...args: unknown[]) => unknown>)[call.method]?.(
          pid,
          ...call.args,
        ),
      )
    case 'create':
      return documented(['RangeError', 'TypeError'], () =>
        kernel.createProcess(call.options as { readonly name?: string }),
      )
    case 'terminate':
      return documented(['RangeError'], () => kernel.terminateProcess(call.pid as number))
  }
}
