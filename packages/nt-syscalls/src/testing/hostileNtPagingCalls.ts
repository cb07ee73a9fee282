// The working-set and physical-memory services of the 'nt' policy (issue 21; docs/nt-syscalls.md
// "Working sets and physical memory") with arguments plausible enough to pass the first checks and
// reach the memory manager, mixed with the values that must fail: handles that name nothing or
// lack the right, information classes Windows does not have or that are not settable, buffers that
// are no QUOTA_LIMITS_EX or ULONG (STATUS_INFO_LENGTH_MISMATCH), limits out of order, above the RAM
// or with contradictory QUOTA_LIMITS_HARDWS_* flags (STATUS_INVALID_PARAMETER), priorities above 7,
// RAMMap commands Windows does not have, MAP_SYSTEM without the privilege, and locks beyond the
// working-set quota (STATUS_WORKING_SET_QUOTA). Used by testing/hostileCalls.ts.
import fc from 'fast-check'
import type { Win32Api } from '../win32.js'

const PAGE = 0x1000

/** A process handle: the current process, the harness's handle to the other one, or one naming nothing. */
const processHandle = (hostile: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(-1, 4, 0, 0x1234) }, { weight: 1, arbitrary: hostile })

/** A working-set size in bytes: pages, a part page, (SIZE_T)-1 both ways, beyond the RAM, or junk. */
const workingSetSize = (hostile: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 80 }).map((pages) => pages * PAGE) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(0xfff, 0x2345, -1, 0xffffffff, 2 ** 64 - 1, 2 ** 40, 1.5, Number.NaN),
    },
    { weight: 1, arbitrary: hostile },
  )

/** QUOTA_LIMITS_HARDWS_* flags: each alone, the allowed pairs, the contradictory ones, unknown bits. */
const quotaFlags = (hostile: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(0, 1, 2, 4, 8, 5, 6, 9, 0xa, 3, 0xc, 0x10) },
    { weight: 1, arbitrary: hostile },
  )

/** QUOTA_LIMITS_EX as a caller may fill it, or something that is not one. */
const quotaLimits = (hostile: fc.Arbitrary<unknown>) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record(
        {
          minimumWorkingSetSize: workingSetSize(hostile),
          maximumWorkingSetSize: workingSetSize(hostile),
          flags: quotaFlags(hostile),
        },
        { requiredKeys: ['minimumWorkingSetSize', 'maximumWorkingSetSize'] },
      ),
    },
    { weight: 1, arbitrary: hostile },
  )

/** A page priority (0-7 valid; 8 and up STATUS_INVALID_PARAMETER). */
const priority = (hostile: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 9 }) }, { weight: 1, arbitrary: hostile })

/** A lock size: a page or a few, more pages than the working-set quota allows, or junk. */
const lockSize = (hostile: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }).map((pages) => pages * PAGE - 1) },
    { weight: 2, arbitrary: fc.constantFrom(0, 40 * PAGE, 0x100000, 2 ** 32) },
    { weight: 1, arbitrary: hostile },
  )

/**
 * The native services with their argument arbitraries (`address`: an address in the harness's
 * memory or a hostile value), as [service, arguments] pairs.
 */
function ntPagingServiceCalls(
  address: fc.Arbitrary<unknown>,
  hostile: fc.Arbitrary<unknown>,
): readonly [string, fc.Arbitrary<readonly unknown[]>][] {
  const mapType = fc.oneof(fc.constantFrom(1, 2, 3, 0, 4), hostile)
  return [
    [
      'NtQueryInformationProcess',
      fc.tuple(processHandle(hostile), fc.oneof(fc.constantFrom(0, 1, 3, 39, 7), hostile)),
    ],
    [
      'NtSetInformationProcess',
      fc.oneof(
        fc.tuple(processHandle(hostile), fc.constantFrom(1, 0x1234), quotaLimits(hostile)),
        fc.tuple(processHandle(hostile), fc.constantFrom(39, 3), priority(hostile)),
        fc.tuple(processHandle(hostile), hostile, hostile),
      ),
    ],
    ['NtQuerySystemInformation', fc.tuple(fc.oneof(fc.constantFrom(0, 2, 80, 3), hostile))],
    [
      'NtSetSystemInformation',
      fc.tuple(
        fc.oneof(fc.constantFrom(80, 80, 2), hostile),
        fc.oneof(fc.integer({ min: 0, max: 7 }), hostile),
      ),
    ],
    ['NtLockVirtualMemory', fc.tuple(processHandle(hostile), address, lockSize(hostile), mapType)],
    ['NtUnlockVirtualMemory', fc.tuple(processHandle(hostile), address, lockSize(hostile), mapType)],
  ]
}

/** The Win32 working-set functions with their argument arbitraries, as [function, arguments] pairs. */
function ntPagingWin32Calls(
  address: fc.Arbitrary<unknown>,
  hostile: fc.Arbitrary<unknown>,
): readonly [string, fc.Arbitrary<readonly unknown[]>][] {
  const handle = processHandle(hostile)
  return [
    ['SetProcessWorkingSetSize', fc.tuple(handle, workingSetSize(hostile), workingSetSize(hostile))],
    [
      'SetProcessWorkingSetSizeEx',
      fc.tuple(handle, workingSetSize(hostile), workingSetSize(hostile), quotaFlags(hostile)),
    ],
    ['GetProcessWorkingSetSizeEx', fc.tuple(handle)],
    ['EmptyWorkingSet', fc.tuple(handle)],
    ['GetProcessMemoryInfo', fc.tuple(handle)],
    ['VirtualLock', fc.tuple(address, lockSize(hostile))],
    ['VirtualUnlock', fc.tuple(address, lockSize(hostile))],
    [
      'SetProcessInformation',
      fc.tuple(
        handle,
        fc.oneof(fc.constantFrom(0, 0, 1), hostile),
        fc.oneof(fc.record({ memoryPriority: priority(hostile) }), hostile),
      ),
    ],
  ]
}

/** One call of {@link ntPagingCall} (a subset of testing/hostileCalls.ts's HostileCall). */
export type NtPagingCall =
  | {
      readonly kind: 'syscall'
      readonly on: number
      readonly service: string
      readonly args: readonly unknown[]
    }
  | {
      readonly kind: 'win32'
      readonly on: number
      readonly method: keyof Win32Api
      readonly args: readonly unknown[]
    }
  | { readonly kind: 'tick' }

/** A native service or Win32 function of the 'nt' policy on process `on`, or a kernel.tick(). */
export function ntPagingCall(
  address: fc.Arbitrary<unknown>,
  hostile: fc.Arbitrary<unknown>,
  on: fc.Arbitrary<number>,
): fc.Arbitrary<NtPagingCall> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(...ntPagingServiceCalls(address, hostile))
        .chain(([service, args]) =>
          fc.record({ kind: fc.constant('syscall' as const), on, service: fc.constant(service), args }),
        ),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...ntPagingWin32Calls(address, hostile)).chain(([method, args]) =>
        fc.record({
          kind: fc.constant('win32' as const),
          on,
          method: fc.constant(method as keyof Win32Api),
          args,
        }),
      ),
    },
    { weight: 2, arbitrary: fc.constant({ kind: 'tick' as const }) },
  )
}
