// Deferred recording (createKernel({ record: true })) reproduces every call, whatever the call
// does to the live machine (issue 18, point 7): the calls below once made every later read of the
// trace throw "re-executing the recorded inputs did not bring the machine where it is". The trace
// must equal an eager recording's, `kernel.at()` must answer and a saved trace must verify.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { firstDivergentEvent } from '@ntmm/trace'
import { afterAll, describe, expect, it } from 'vitest'
import { createKernel } from './createKernel.js'
import type { Kernel } from './kernel.js'
import { verifyTrace } from './machineTraceFile.js'
import { MEM_COMMIT, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'
import { STATUS_ACCESS_VIOLATION } from './ntStatus.js'

const directory = mkdtempSync(join(tmpdir(), 'ntmm-deferred-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

type Call = (kernel: Kernel, pid: number, base: number) => unknown

/** A machine with a process and 4 committed pages, recording `record`. */
function machine(record: true | 'eager') {
  const kernel = createKernel({ physicalMemory: 1 << 20, pageFile: 1 << 20, record })
  const pid = kernel.createProcess({ name: 'a.exe' }).pid
  const base = kernel
    .syscalls(pid)
    .NtAllocateVirtualMemory(-1, 0, 0, 0x4000, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE).baseAddress
  return { kernel, pid, base }
}

let saved = 0

describe('deferred recording', () => {
  it.each<[string, Call, unknown]>([
    [
      'NtWriteVirtualMemory with a plain array (an access violation)',
      (k, pid, base) => k.syscalls(pid).NtWriteVirtualMemory(-1, base, [1, 2, 3] as never).status,
      STATUS_ACCESS_VIOLATION,
    ],
    [
      'cpu.write of a byte above 255',
      (k, pid, base) => k.cpu(pid).write(base, [256]).status,
      STATUS_ACCESS_VIOLATION,
    ],
    [
      'cpu.write of a fraction',
      (k, pid, base) => k.cpu(pid).write(base, [1.5]).status,
      STATUS_ACCESS_VIOLATION,
    ],
    [
      'NtDuplicateObject with no target process (undefined, not null)',
      (k, pid) => {
        const nt = k.syscalls(pid)
        // DUPLICATE_CLOSE_SOURCE with no target: the source handle is closed, nothing duplicated.
        return nt.NtDuplicateObject(-1, nt.NtOpenProcess(0x1fffff, pid).handle, undefined, 0, 0, 1).status
      },
      undefined,
    ],
    [
      'NtQueryVirtualMemory with the class left out and a length given',
      (k, pid, base) => k.syscalls(pid).NtQueryVirtualMemory(-1, base, undefined, 48).status,
      undefined,
    ],
    [
      'an x86 base address of 2^64 + base (truncated as C would, to base)',
      (k, pid, base) =>
        k.syscalls(pid).NtAllocateVirtualMemory(-1, 2 ** 64 + base, 0, 0x1000, MEM_COMMIT, PAGE_READWRITE)
          .status,
      undefined,
    ],
    [
      'an object, a symbol and a bigint where numbers are due',
      (k, pid, base) =>
        k.syscalls(pid).NtProtectVirtualMemory({} as never, Symbol('x') as never, 10n as never, base).status,
      undefined,
    ],
    ['SetLastError of a symbol', (k, pid) => k.win32(pid).SetLastError(Symbol('x') as never), undefined],
    [
      'debug.noteAccess of NaN (refused, nothing recorded)',
      (k, pid) => k.debug.noteAccess(pid, Number.NaN),
      RangeError,
    ],
  ])('reproduces %s', async (_name, call, expected) => {
    const deferred = machine(true)
    const eager = machine('eager')
    const outcome = (m: ReturnType<typeof machine>) => {
      try {
        return call(m.kernel, m.pid, m.base)
      } catch (error) {
        return (error as Error).constructor
      }
    }
    const result = outcome(deferred)
    expect(outcome(eager)).toEqual(result)
    if (expected !== undefined) expect(result).toBe(expected)
    // The machine keeps running and recording after the call.
    for (const m of [deferred, eager]) m.kernel.cpu(m.pid).write(m.base, Uint8Array.of(7))
    const trace = deferred.kernel.trace!
    expect(firstDivergentEvent(trace, eager.kernel.trace!)).toBeUndefined()
    expect(deferred.kernel.at(trace.length - 1).processes()).toHaveLength(1)
    const path = join(directory, `deferred-${saved++}.jsonl`)
    await deferred.kernel.saveTrace(path, { format: 'jsonl' })
    expect((await verifyTrace(path)).determinism).toMatchObject({ ok: true })
  })
})
