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
