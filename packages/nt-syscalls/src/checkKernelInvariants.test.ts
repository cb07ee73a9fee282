import { describe, expect, it } from 'vitest'
import { InvariantError } from './assert.js'
import { checkKernelInvariants } from './checkKernelInvariants.js'
import { MEM_COMMIT, MEM_RELEASE, MEM_RESERVE, PAGE_READWRITE } from './memoryConstants.js'
import { createTestKernel } from './testing/createTestKernel.js'
import { withInvariantChecks } from './withInvariantChecks.js'

describe('checkKernelInvariants', () => {
  it('finds nothing wrong in a machine with processes, handles, memory and a terminated process', () => {
    const { kernel, pid } = createTestKernel({ record: true })
    const other = kernel.createProcess({ name: 'other.exe' }).pid
    const nt = kernel.syscalls(pid)
    expect(nt.NtOpenProcess(0x1fffff, other).status).toBe(0)
    const { baseAddress } = nt.NtAllocateVirtualMemory(
      -1,
      0,
      0,
      0x3000,
      MEM_RESERVE | MEM_COMMIT,
      PAGE_READWRITE,
    )
    expect(kernel.cpu(pid).write(baseAddress, [1, 2, 3]).status).toBe(0)
    kernel.terminateProcess(other)
    expect(checkKernelInvariants(kernel)).toEqual([])
  })

  it('reports a leaked object reference', () => {
    const { kernel, pid } = createTestKernel()
    const processObject = kernel.ob.state.processObjectId(pid) as number
    kernel.ob.referenceObject(processObject)
    expect(checkKernelInvariants(kernel)).toEqual([
      `object ${processObject} (Process of ${pid}): pointer count 2, expected 1`,
    ])
  })
})

describe('checkKernelInvariants on a machine the debugger edited', () => {
  it.each([
    'x86',
    'x86-pae',
  ] as const)('reports, never throws for, a PTE written to name a frame beyond RAM (%s; the soak found it throwing a TypeError)', (arch) => {
    const { kernel, pid } = createTestKernel({ arch })
    const nt = kernel.syscalls(pid)
    const { baseAddress } = nt.NtAllocateVirtualMemory(
      -1,
      0,
      0,
      0x1000,
      MEM_RESERVE | MEM_COMMIT,
      PAGE_READWRITE,
    )
    kernel.cpu(pid).write(baseAddress, [1])
    const pte = kernel.debug.readPte(pid, baseAddress)!
    // Frame 0x7000 and up: far past the test machine's RAM; the PTE's flags stay as they were.
    expect(
      kernel.debug.writePte(pid, baseAddress, { low: (0x7000 << 12) | (pte.low & 0xfff), high: 0 }),
    ).toBe(true)
    const problems = checkKernelInvariants(kernel, { tlb: false })
    expect(problems).toContain(
      `space ${pid}: valid PTE at 0x${baseAddress.toString(16)} names frame ${0x7000}, beyond RAM`,
    )
  })
})

describe('withInvariantChecks', () => {
  it('checks after every operation and names the operation that broke an invariant', () => {
    const { kernel: plain, pid } = createTestKernel()
    const counter = { checks: 0 }
    const kernel = withInvariantChecks(plain, { counter })
    const nt = kernel.syscalls(pid)
    const { baseAddress } = nt.NtAllocateVirtualMemory(
      -1,
      0,
      0,
      0x2000,
      MEM_RESERVE | MEM_COMMIT,
      PAGE_READWRITE,
    )
    kernel.cpu(pid).write(baseAddress, [7])
    nt.NtFreeVirtualMemory(-1, baseAddress, 0, MEM_RELEASE)
    expect(counter.checks).toBe(3)
    plain.ob.referenceObject(plain.ob.state.processObjectId(pid) as number)
    expect(() => kernel.win32(pid).VirtualAlloc(0, 0x1000, MEM_COMMIT, PAGE_READWRITE)).toThrow(
      InvariantError,
    )
    expect(() => kernel.createProcess()).toThrow(/after createProcess: object/)
  })
})
