// Hostile calls on the public input surface (issue 18, points 7 and 9): every system service,
// cpu.* access, Win32 function, debug call and process creation or termination, with argument
// values a caller passes by mistake. Nothing throws outside the documented list (TSDoc and
// docs/nt-syscalls.md), and whatever the calls do to the live machine, a deferred recording
// reproduces it: its trace equals an eager recording's, event for event, and the saved trace
// loads and passes the determinism check.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { firstDivergentEvent } from '@ntmm/trace'
import fc from 'fast-check'
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { createKernel } from './createKernel.js'
import { verifyTrace } from './machineTraceFile.js'
import { SYSCALL_PARAMETERS, type SyscallName } from './syscallParameters.js'
import type { NtSyscalls } from './syscalls.js'
import { callHarness, hostileCall, performCall } from './testing/hostileCalls.js'
import type { Arch } from './userAddressLimits.js'

const directory = mkdtempSync(join(tmpdir(), 'ntmm-hostile-calls-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

/** Each paging mode, and under the 'nt' policy (ticks every 5 references, and kernel.tick() calls). */
type Policy = 'default' | 'nt'
const MACHINES: readonly [Arch, Policy][] = [
  ['x86', 'default'],
  ['x86-pae', 'default'],
  ['x64', 'default'],
  ['x86', 'nt'],
  ['x64', 'nt'],
]
const machine = (arch: Arch, policy: Policy = 'default') => ({
  arch,
  physicalMemory: 256 * 1024,
  pageFile: 1 << 20,
  ...(policy === 'nt' ? { replacementPolicy: 'nt' as const, nt: { tickEvery: 5 } } : {}),
})

/** The base the harness's allocations get on `arch` (the same on every run: the machine is deterministic). */
const baseOf = (arch: Arch, policy: Policy = 'default') =>
  callHarness(createKernel(machine(arch, policy))).base

describe('hostile calls', () => {
  it.each(MACHINES)('throw nothing outside the documented list (%s, %s policy)', (arch, policy) => {
    fc.assert(
      fc.property(fc.array(hostileCall(baseOf(arch, policy)), { maxLength: 40 }), (calls) => {
        const harness = callHarness(createKernel(machine(arch, policy)))
        for (const call of calls) performCall(harness, call)
        // The debugger may leave the machine unsound (a PTE it wrote); nothing else may.
        if (!calls.some((call) => call.kind === 'debug'))
          expect(checkKernelInvariants(harness.kernel, { tlb: false })).toEqual([])
      }),
      { numRuns: 80, seed: 18 },
    )
  })

  it.each(
    MACHINES,
  )('are reproduced by a deferred recording, event for event, and verify when saved (%s, %s policy)', async (arch, policy) => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(hostileCall(baseOf(arch, policy)), { maxLength: 25 }), async (calls) => {
        const deferred = callHarness(createKernel({ ...machine(arch, policy), record: true }))
        const eager = callHarness(createKernel({ ...machine(arch, policy), record: 'eager' }))
        for (const call of calls) expect(performCall(deferred, call)).toBe(performCall(eager, call))
        const log = eager.kernel.trace!
        expect(firstDivergentEvent(deferred.kernel.trace!, log)).toBeUndefined()
        expect(deferred.kernel.trace!.length).toBe(log.length)
        const path = join(directory, `run-${arch}-${policy}-${run++}.jsonl`)
        await deferred.kernel.saveTrace(path, { format: 'jsonl' })
        // The debugger may leave the machine unsound (a PTE mapping what the memory manager does
        // not know): such a trace is refused, any other loads and re-executes to the same events.
        if (checkKernelInvariants(eager.kernel, { tlb: false }).length > 0) {
          await expect(verifyTrace(path)).rejects.toThrow(/the machine its events build is unsound/)
          return
        }
        const verified = await verifyTrace(path)
        expect(verified.determinism).toMatchObject({ ok: true })
      }),
      { numRuns: 30, seed: 7 },
    )
  })
})

describe('recorded system calls', () => {
  it('name each argument after its parameter, in order, for every service', () => {
    expectTypeOf<SyscallName>().toEqualTypeOf<Exclude<keyof NtSyscalls, 'pid'>>()
    const kernel = createKernel({ ...machine('x86'), record: 'eager' })
    const nt = kernel.syscalls(kernel.createProcess().pid) as unknown as Record<
      string,
      (...args: number[]) => unknown
    >
    for (const [service, names] of Object.entries(SYSCALL_PARAMETERS)) {
      nt[service]?.(...names.map((_, index) => 1000 + index))
      const log = kernel.trace!
      const entered = [...log.entries(0, log.length)].findLast(
        (entry) => entry.event.type === 'nt.syscallEntered',
      )
      expect(entered?.event).toMatchObject({ service })
      const args = (entered?.event as { arguments: Record<string, unknown> }).arguments
      expect(Object.entries(args)).toEqual(names.map((name, index) => [name, 1000 + index]))
    }
  })
})
